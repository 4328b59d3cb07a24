//! The `hello` binary as Lambda runs it (on the Runtime API stand-in of
//! `bench/`), with REST and HTTP API proxy events, at every verbose logging
//! setting an operator could pick: the caller's bearer token, which reaches it
//! in the proxy event's headers, never appears in its output.

use bench::runtime_api::{FunctionSpec, Outcome, VERBOSE_LOGGING, run_capturing};
use serde_json::{Value, json};

/// Shaped like a real token; hello does not verify it (the authorizer did).
const TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImRlZmF1bHQifQ.\
                     eyJzdWIiOiJ1LTEiLCJ1c2VybmFtZSI6ImFsaWNlIn0.c2lnbmF0dXJlLW9mLXRoZS1iaW5hcnktbG9nLXRlc3Q";
const SIGNATURE: &str = "c2lnbmF0dXJlLW9mLXRoZS1iaW5hcnktbG9nLXRlc3Q";

/// Through a REST API, then an HTTP API (payload 2.0): each greeted, then
/// the same request on a route deployed without the authorizer (a 500 and an
/// error line).
fn events() -> Vec<Vec<u8>> {
    let header = format!("Bearer {TOKEN}");
    let mut rest: Value = serde_json::from_str(include_str!("../../events/hello.json")).unwrap();
    rest["headers"]["Authorization"] = json!(header);
    rest["multiValueHeaders"]["Authorization"] = json!([header]);
    let mut http: Value = serde_json::from_str(include_str!("../../events/hello-http.json")).unwrap();
    http["headers"]["authorization"] = json!(header);
    let mut events = Vec::new();
    for mut event in [rest, http] {
        events.push(event.to_string().into_bytes());
        event["requestContext"]["authorizer"] = Value::Null;
        events.push(event.to_string().into_bytes());
    }
    events
}

#[test]
fn no_token_in_the_output_at_any_level() {
    let events = events();
    for logging in VERBOSE_LOGGING {
        let spec = FunctionSpec {
            name: "hello".into(),
            exe: env!("CARGO_BIN_EXE_hello").into(),
            env: logging.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            cpus: None,
            keep_output: true,
        };
        let (outcomes, output) = run_capturing(&spec, &events).unwrap();

        let statuses: Vec<Option<u64>> = outcomes
            .iter()
            .map(|outcome| match outcome {
                Outcome::Response(body) => serde_json::from_slice::<Value>(body).unwrap()["statusCode"].as_u64(),
                Outcome::Error { .. } => None,
            })
            .collect();
        assert_eq!(statuses, [Some(200), Some(500), Some(200), Some(500)], "{logging:?}");
        assert!(output.contains("misconfigured route"), "{logging:?}: the capture works:\n{output}");

        for secret in [TOKEN, SIGNATURE] {
            let leak = output.lines().find(|l| l.contains(secret)).map(|l| l.replace(secret, "<SECRET>"));
            assert!(leak.is_none(), "{logging:?}: a log line holds the token: {leak:?}");
        }
    }
}
