//! The `check-token` binary as Lambda runs it (on the Runtime API stand-in of
//! `bench/`): each event shape answered in its own format, and, at every
//! verbose logging setting an operator could pick, output that never holds a
//! token, its signature, a Basic credential or the secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bench::runtime_api::{FunctionSpec, Outcome, VERBOSE_LOGGING, run_capturing};
use common::testing::Tokens;
use common::token::{Subject, TokenIssuer};
use serde_json::{Value, json};

const SECRET: &str = "binary-log-test-secret-0123456789abcdef-xyz";
const PASSWORD: &str = "Tr0ub4dor-horse-staple-1";
const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123defg/prod/GET/hello";
const ACCESS_RULES: &str = r#"{"GET /hello": ["*"], "GET /users": ["admin"]}"#;

fn token(roles: &[String]) -> String {
    let issuer = TokenIssuer::new(&Tokens::with_secret(SECRET).issuer_config()).unwrap();
    let subject = Subject { user_id: "u-1", username: "alice", roles };
    issuer.issue(subject, common::clock::now_epoch_seconds()).unwrap().access_token
}

fn rest_event(authorization: &str) -> Vec<u8> {
    json!({"type": "TOKEN", "authorizationToken": authorization, "methodArn": ARN}).to_string().into_bytes()
}

/// The sample HTTP API event with this header and route, as API Gateway
/// sends it (the identity sources, the token among them, in `identitySource`).
fn http_event(authorization: &str, route_key: &str) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(include_str!("../../events/check-token-http.json")).unwrap();
    event["headers"]["authorization"] = json!(authorization);
    event["identitySource"] = json!([authorization, route_key]);
    event["routeKey"] = json!(route_key);
    event["requestContext"]["routeKey"] = json!(route_key);
    event.to_string().into_bytes()
}

fn spec(logging: &[(&str, &str)]) -> FunctionSpec {
    let mut env =
        vec![("JWT_SECRET".to_string(), SECRET.to_string()), ("ACCESS_RULES".to_string(), ACCESS_RULES.to_string())];
    env.extend(logging.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    FunctionSpec {
        name: "check-token".into(),
        exe: env!("CARGO_BIN_EXE_check-token").into(),
        env,
        cpus: None,
        keep_output: true,
    }
}

fn answer(outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Response(body) => serde_json::from_slice(body).unwrap(),
        Outcome::Error { .. } => panic!("expected an answer, got {outcome:?}"),
    }
}

/// `errorType` and `errorMessage` of the error document.
fn error(outcome: &Outcome) -> (String, String) {
    match outcome {
        Outcome::Error { body, .. } => {
            let body: Value = serde_json::from_slice(body).unwrap();
            let text = |key: &str| body[key].as_str().unwrap_or_default().to_string();
            (text("errorType"), text("errorMessage"))
        }
        Outcome::Response(body) => panic!("expected an error, got {}", String::from_utf8_lossy(body)),
    }
}

#[test]
fn each_event_shape_is_answered_in_kind() {
    let user = format!("Bearer {}", token(&["user".into()]));
    let admin = format!("Bearer {}", token(&["admin".into()]));
    let events = [
        rest_event(&user),
        rest_event("Bearer x.y.z"),
        http_event(&user, "GET /hello"),
        http_event(&admin, "GET /users"),
        http_event(&user, "GET /users"),
        http_event(&admin, "$default"),
        http_event("Bearer x.y.z", "GET /hello"),
        json!({"version": "1.0", "type": "REQUEST", "methodArn": ARN, "headers": {"Authorization": user}})
            .to_string()
            .into_bytes(),
        b"[]".to_vec(),
    ];
    let (outcomes, output) = run_capturing(&spec(&[]), &events).unwrap();

    // REST: a policy, or exactly `Unauthorized` (API Gateway's 401).
    assert_eq!(answer(&outcomes[0])["principalId"], "u-1");
    assert_eq!(error(&outcomes[1]), ("Unauthorized".into(), "Unauthorized".into()));

    // HTTP API: the simple response, refusals included (API Gateway's 403).
    let allowed = answer(&outcomes[2]);
    assert_eq!(allowed["isAuthorized"], true);
    assert_eq!(allowed["context"]["sub"], "u-1");
    assert_eq!(allowed["context"]["username"], "alice");
    assert_eq!(allowed["context"]["roles"], "user");
    assert!(allowed["context"]["exp"].is_u64() && allowed["context"]["jti"].is_string());
    assert_eq!(answer(&outcomes[3])["isAuthorized"], true, "admin on GET /users");
    for (n, why) in [(4, "wrong role for the route"), (5, "$default"), (6, "bad token")] {
        assert_eq!(answer(&outcomes[n]), json!({"isAuthorized": false}), "{why}");
    }

    // Anything else: an error naming what came (API Gateway's 500), never `Unauthorized`.
    let (error_type, message) = error(&outcomes[7]);
    assert_eq!(error_type, "UnknownEvent");
    assert!(message.contains(r#"type "REQUEST", version "1.0""#), "{message}");
    assert!(!message.contains(&user[7..]));
    let (_, message) = error(&outcomes[8]);
    assert_ne!(message, "Unauthorized", "not an object: the runtime's own error");
    assert!(output.contains("unrecognised event"), "{output}");
}

#[test]
fn no_token_or_secret_in_the_output_at_any_level() {
    let token = token(&["admin".into()]);
    let signature = token.rsplit('.').next().unwrap().to_string();
    let tampered = format!("{}.{}", &token[..token.rfind('.').unwrap()], "A".repeat(signature.len()));
    let basic = STANDARD.encode(format!("alice:{PASSWORD}"));
    let events = [
        rest_event(&format!("Bearer {token}")),
        rest_event(&format!("Bearer {tampered}")),
        rest_event(&format!("Basic {basic}")),
        rest_event(&token),
        http_event(&format!("Bearer {token}"), "GET /hello"),
        http_event(&format!("Bearer {tampered}"), "GET /hello"),
        http_event(&format!("Basic {basic}"), "GET /hello"),
        http_event(&token, "GET /hello"),
        http_event(&format!("Bearer {token}"), "$default"),
        json!({"version": "1.0", "type": "REQUEST", "authorizationToken": format!("Bearer {token}")})
            .to_string()
            .into_bytes(),
    ];
    for logging in VERBOSE_LOGGING {
        let (outcomes, output) = run_capturing(&spec(logging), &events).unwrap();

        // The run did what it should, and the capture holds the function's logs.
        assert!(matches!(&outcomes[0], Outcome::Response(body) if String::from_utf8_lossy(body).contains("Allow")));
        for refused in &outcomes[1..4] {
            assert!(matches!(refused, Outcome::Error { .. }), "{logging:?}: {refused:?}");
        }
        assert_eq!(answer(&outcomes[4])["isAuthorized"], true, "{logging:?}");
        for refused in &outcomes[5..9] {
            assert_eq!(answer(refused), json!({"isAuthorized": false}), "{logging:?}");
        }
        assert!(matches!(&outcomes[9], Outcome::Error { .. }), "{logging:?}");
        assert_eq!(output.matches("token refused").count(), 6, "{logging:?}: the capture works:\n{output}");
        assert_eq!(output.matches("route refused").count(), 1, "{logging:?}:\n{output}");

        for secret in [token.as_str(), signature.as_str(), tampered.as_str(), basic.as_str(), PASSWORD, SECRET] {
            let leak = output.lines().find(|l| l.contains(secret)).map(|l| l.replace(secret, "<SECRET>"));
            assert!(leak.is_none(), "{logging:?}: a log line holds a secret: {leak:?}");
        }
    }
}

#[test]
fn es256_mode_logs_no_token_and_holds_no_secret() {
    use common::config::TokenAudience;
    use common::token::{Es256PrivateKey, Jwks, SigningKey};
    let private = Es256PrivateKey::generate().unwrap();
    let key = SigningKey::es256("k1", &private).unwrap();
    let jwks = serde_json::to_string(&Jwks { keys: vec![key.verifying_key().jwk().unwrap()] }).unwrap();
    let names = TokenAudience { issuer: "authenticate".into(), audience: "api".into() };
    let issuer = TokenIssuer::with_key(key, &names, std::time::Duration::from_secs(3600));
    let roles = ["user".to_string()];
    let subject = Subject { user_id: "u-1", username: "alice", roles: &roles };
    let token = issuer.issue(subject, common::clock::now_epoch_seconds()).unwrap().access_token;
    let signature = token.rsplit('.').next().unwrap().to_string();
    let tampered = format!("{}.{}", &token[..token.rfind('.').unwrap()], "A".repeat(signature.len()));
    let events = [
        rest_event(&format!("Bearer {token}")),
        rest_event(&format!("Bearer {tampered}")),
        http_event(&format!("Bearer {token}"), "GET /hello"),
        http_event(&format!("Bearer {tampered}"), "GET /hello"),
    ];
    let pem = private.to_pem();
    for logging in VERBOSE_LOGGING {
        let mut spec = spec(logging);
        // Public keys only: no JWT_SECRET at all.
        spec.env.retain(|(name, _)| name != "JWT_SECRET");
        spec.env.push(("JWT_ALGORITHM".into(), "ES256".into()));
        spec.env.push(("JWT_PUBLIC_KEYS".into(), jwks.clone()));
        let (outcomes, output) = run_capturing(&spec, &events).unwrap();
        assert_eq!(answer(&outcomes[0])["principalId"], "u-1", "{logging:?}");
        assert!(matches!(&outcomes[1], Outcome::Error { .. }), "{logging:?}");
        assert_eq!(answer(&outcomes[2])["isAuthorized"], true, "{logging:?}");
        assert_eq!(answer(&outcomes[3]), json!({"isAuthorized": false}), "{logging:?}");
        assert_eq!(output.matches("token refused").count(), 2, "{logging:?}: the capture works:\n{output}");
        for secret in [token.as_str(), signature.as_str(), tampered.as_str(), &pem[30..90]] {
            let leak = output.lines().find(|l| l.contains(secret)).map(|l| l.replace(secret, "<SECRET>"));
            assert!(leak.is_none(), "{logging:?}: a log line holds a secret: {leak:?}");
        }
    }
}
