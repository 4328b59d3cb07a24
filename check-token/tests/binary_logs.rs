//! The `check-token` binary as Lambda runs it (on the Runtime API stand-in of
//! `bench/`), at every verbose logging setting an operator could pick: its
//! output never holds a token, its signature, a Basic credential or the secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bench::runtime_api::{FunctionSpec, Outcome, VERBOSE_LOGGING, run_capturing};
use common::testing::Tokens;
use common::token::{Subject, TokenIssuer};
use serde_json::json;

const SECRET: &str = "binary-log-test-secret-0123456789abcdef-xyz";
const PASSWORD: &str = "Tr0ub4dor-horse-staple-1";
const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123defg/prod/GET/hello";

fn token() -> String {
    let issuer = TokenIssuer::new(&Tokens::with_secret(SECRET).issuer_config()).unwrap();
    let subject = Subject { user_id: "u-1", username: "alice", roles: &["admin".into()] };
    issuer.issue(subject, common::clock::now_epoch_seconds()).unwrap().access_token
}

fn event(authorization: &str) -> Vec<u8> {
    json!({"type": "TOKEN", "authorizationToken": authorization, "methodArn": ARN}).to_string().into_bytes()
}

#[test]
fn no_token_or_secret_in_the_output_at_any_level() {
    let token = token();
    let signature = token.rsplit('.').next().unwrap().to_string();
    let tampered = format!("{}.{}", &token[..token.rfind('.').unwrap()], "A".repeat(signature.len()));
    let basic = STANDARD.encode(format!("alice:{PASSWORD}"));
    let events = [
        event(&format!("Bearer {token}")),
        event(&format!("Bearer {tampered}")),
        event(&format!("Basic {basic}")),
        event(&token),
    ];
    for logging in VERBOSE_LOGGING {
        let mut env = vec![
            ("JWT_SECRET".to_string(), SECRET.to_string()),
            ("ACCESS_RULES".to_string(), r#"{"GET /hello": ["*"]}"#.to_string()),
        ];
        env.extend(logging.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let spec = FunctionSpec {
            name: "check-token".into(),
            exe: env!("CARGO_BIN_EXE_check-token").into(),
            env,
            cpus: None,
            keep_output: true,
        };
        let (outcomes, output) = run_capturing(&spec, &events).unwrap();

        // The run did what it should, and the capture holds the function's logs.
        assert!(matches!(&outcomes[0], Outcome::Response(body) if String::from_utf8_lossy(body).contains("Allow")));
        for refused in &outcomes[1..] {
            assert!(matches!(refused, Outcome::Error { .. }), "{logging:?}: {refused:?}");
        }
        assert_eq!(output.matches("token refused").count(), 3, "{logging:?}: the capture works:\n{output}");

        for secret in [token.as_str(), signature.as_str(), tampered.as_str(), basic.as_str(), PASSWORD, SECRET] {
            let leak = output.lines().find(|l| l.contains(secret)).map(|l| l.replace(secret, "<SECRET>"));
            assert!(leak.is_none(), "{logging:?}: a log line holds a secret: {leak:?}");
        }
    }
}
