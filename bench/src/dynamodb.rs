//! A bare DynamoDB JSON client for a local, unauthenticated endpoint (moto):
//! enough to create the benchmark's table and users, and to time a login's
//! conditional `UpdateItem`s as the floor of its store access.
//!
//! Each call opens a fresh connection: moto answers every request with
//! `Connection: close`, so the SDK in the function cannot reuse one either.

use std::io::BufReader;
use std::net::TcpStream;

use serde_json::Value;

use crate::http;

pub struct LocalDynamoDb {
    host_port: String,
}

impl LocalDynamoDb {
    /// `http://host:port`, as in `AWS_ENDPOINT_URL_DYNAMODB`.
    pub fn new(url: &str) -> Result<Self, String> {
        let host_port = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url:?}: only a plain http:// endpoint (a local server) is supported"))?
            .trim_end_matches('/');
        Ok(Self { host_port: host_port.to_string() })
    }

    /// One operation that must succeed, as `DynamoDB_20120810.<operation>`.
    pub fn call(&self, operation: &str, input: &Value) -> Result<Value, String> {
        match self.call_status(operation, input)? {
            (200, value) => Ok(value),
            (status, value) => Err(format!("{operation}: status {status}: {value}")),
        }
    }

    /// One operation, with the status, for the refusals a caller expects (a
    /// failed condition is a 400 whose body says why).
    pub fn call_status(&self, operation: &str, input: &Value) -> Result<(u16, Value), String> {
        let stream = TcpStream::connect(&self.host_port).map_err(|e| format!("{}: {e}", self.host_port))?;
        let _ = stream.set_nodelay(true);
        let target = format!("DynamoDB_20120810.{operation}");
        // moto does not check signatures; it reads the region from the credential scope.
        let authorization = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, \
                             SignedHeaders=host;x-amz-target, Signature=00";
        let body = input.to_string();
        http::write_request(
            &stream,
            "POST",
            "/",
            &[
                ("Host", &self.host_port),
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", &target),
                ("Authorization", authorization),
                ("Connection", "close"),
            ],
            body.as_bytes(),
        )
        .map_err(|e| format!("{operation}: {e}"))?;
        let response = http::read_message(&mut BufReader::new(stream))
            .map_err(|e| format!("{operation}: {e}"))?
            .ok_or_else(|| format!("{operation}: connection closed"))?;
        let value: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        let status =
            response.status().ok_or_else(|| format!("{operation}: bad status line {:?}", response.start_line))?;
        Ok((status, value))
    }
}
