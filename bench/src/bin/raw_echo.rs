//! The harness's own floor: a std-only Runtime API client that echoes each
//! event back, with no async runtime, no HTTP library and no JSON parsing.
//! What it measures is the harness and the loopback socket, nothing else.

use std::io::BufReader;
use std::net::TcpStream;

use bench::http::{read_message, write_request};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API")?;
    let stream = TcpStream::connect(&api)?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let host = [("Host", api.as_str())];
    loop {
        write_request(&stream, "GET", "/2018-06-01/runtime/invocation/next", &host, b"")?;
        let event = read_message(&mut reader)?.ok_or("the Runtime API closed the connection")?;
        let id = event.header("lambda-runtime-aws-request-id").ok_or("no request id")?;
        let path = format!("/2018-06-01/runtime/invocation/{id}/response");
        write_request(
            &stream,
            "POST",
            &path,
            &[("Host", api.as_str()), ("Content-Type", "application/json")],
            &event.body,
        )?;
        read_message(&mut reader)?.ok_or("the Runtime API closed the connection")?;
    }
}
