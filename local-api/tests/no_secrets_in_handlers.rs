//! Every handler path, with logging at TRACE captured: no password, hash,
//! secret or token may appear in any log line or response body.
//!
//! One test function on purpose: the log subscriber is global to the process.

mod support;

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use authenticate::AuthenticateConfig;
use authenticate::{Authenticate, Stores};
use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use check_token::Authorizer;
use check_token::CheckTokenConfig;
use common::logging::{LevelFilter, LogSettings};
use common::password::Params;
use common::password::PasswordHasher;
use common::store::UserChange;
use common::store::UserStore;
use common::store::memory::MemorySessionStore;
use common::store::memory::MemoryUserStore;
use common::store::unavailable::UnavailableStore;
use hello::HelloConfig;
use lambda_http::Body;
use serde_json::{Value, json};

const SECRET: &str = "log-test-secret-0123456789abcdef-0123456789";
const PASSWORD: &str = "Tr0ub4dor&3-horse-staple";
const WRONG_PASSWORD: &str = "wrong-password-guess-42";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn env() -> impl Fn(&str) -> Option<String> {
    let vars = HashMap::from([
        ("JWT_SECRET", SECRET),
        ("LOGIN_MAX_ATTEMPTS", "2"),
        ("ACCESS_RULES", r#"{"GET /hello": ["*"]}"#),
    ]);
    move |name| vars.get(name).map(|v| v.to_string())
}

fn json_post(content_type: &str, body: &str) -> lambda_http::Request {
    let mut event: Value = serde_json::from_str(include_str!("../../events/authenticate-post.json")).unwrap();
    event["headers"]["Content-Type"] = json!(content_type);
    event["multiValueHeaders"]["Content-Type"] = json!([content_type]);
    event["body"] = json!(body);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn text(body: &Body) -> String {
    match body {
        Body::Text(t) => t.clone(),
        Body::Empty => String::new(),
        Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    }
}

#[tokio::test]
async fn no_handler_path_logs_or_returns_a_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    // The production logging set-up, at the most verbose level an operator could pick.
    let settings = LogSettings { directives: Some("trace".into()), json: false };
    tracing::subscriber::set_global_default(common::logging::subscriber(&settings, LevelFilter::INFO, move || {
        writer.clone()
    }))
    .unwrap();

    let mut forbidden: Vec<String> = vec![SECRET.into(), PASSWORD.into(), WRONG_PASSWORD.into()];
    let mut bodies = Vec::new();

    // authenticate, every outcome, on the memory store and on DynamoDB.
    let weak = PasswordHasher::with_params(Params::new(8 * 1024, 1, 1, None).unwrap());
    let config = AuthenticateConfig::from_lookup(&env()).unwrap();
    let memory = Arc::new(MemoryUserStore::new());
    let dynamo = Arc::new(support::fresh_store().await);
    let stores: [Arc<dyn UserStore>; 2] = [memory, dynamo];
    for store in stores {
        let alice = common::testing::user("alice", weak.hash(PASSWORD).unwrap(), &["admin"]);
        let mut dave = common::testing::user("dave", PasswordHasher::owasp().hash(PASSWORD).unwrap(), &[]);
        dave.disabled = true;
        let erin = common::testing::user("erin", "not-a-phc-hash", &[]);
        let frank = common::testing::user("frank", PasswordHasher::owasp().hash(PASSWORD).unwrap(), &[]);
        for user in [&alice, &dave, &erin, &frank] {
            forbidden.push(user.password_hash.clone());
            store.create_user(user).await.unwrap();
        }
        let app = Authenticate::new(
            &config,
            Stores::new(store.clone(), Arc::new(MemorySessionStore::new())),
            PasswordHasher::owasp(),
        )
        .unwrap();
        let requests = vec![
            support::basic_login("alice", PASSWORD),       // 200, with a rehash
            support::basic_login("alice", WRONG_PASSWORD), // 401
            support::basic_login("nobody", PASSWORD),      // 401 unknown
            support::basic_login("dave", PASSWORD),        // 403
            support::basic_login("erin", PASSWORD),        // 500 corrupt hash
            support::basic_login("frank", WRONG_PASSWORD), // 401
            support::basic_login("frank", WRONG_PASSWORD), // 401, locks
            support::basic_login("frank", PASSWORD),       // 429
            support::basic_login("alice", ""),             // 400
            json_post("application/json", &json!({"username": "alice", "password": PASSWORD}).to_string()),
            json_post("application/json", &json!({"username": "alice", "password": WRONG_PASSWORD}).to_string()),
            json_post("text/plain", &json!({"username": "alice", "password": PASSWORD}).to_string()),
            json_post("application/json", &format!("{{\"username\":\"alice\",\"password\":\"{PASSWORD}\"")),
        ];
        for request in requests {
            let response = app.handle(request).await.unwrap();
            let body = text(response.body());
            if let Ok(value) = serde_json::from_str::<Value>(&body)
                && let Some(token) = value["access_token"].as_str()
            {
                forbidden.push(token.to_string());
                forbidden.push(token.rsplit('.').next().unwrap().to_string());
            } else {
                bodies.push(body);
            }
        }
        let upgraded = store.get_user("alice").await.unwrap().unwrap().password_hash;
        forbidden.push(upgraded);
        store.update_user("frank", UserChange::Unlock).await.unwrap();
    }
    let down = Authenticate::new(
        &config,
        Stores::new(Arc::new(UnavailableStore), Arc::new(MemorySessionStore::new())),
        PasswordHasher::owasp(),
    )
    .unwrap();
    bodies.push(text(down.handle(support::basic_login("alice", PASSWORD)).await.unwrap().body()));

    // check-token with good and bad tokens, and a bad method ARN.
    let authorizer = Authorizer::new(&CheckTokenConfig::from_lookup(&env()).unwrap()).unwrap();
    let token = forbidden.iter().find(|t| t.starts_with("eyJ") && t.contains('.')).unwrap().clone();
    let tampered = format!("{}x", &token[..token.len() - 1]);
    forbidden.push(tampered.clone());
    for (authorization, arn) in [
        (format!("Bearer {token}"), "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/hello"),
        (format!("Bearer {token}"), "not-an-arn"),
        (format!("Bearer {tampered}"), "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/hello"),
        (format!("Basic {}", STANDARD.encode(format!("alice:{PASSWORD}"))), "x"),
        (token.clone(), "x"),
    ] {
        let event: ApiGatewayCustomAuthorizerRequest =
            serde_json::from_value(json!({"type": "TOKEN", "authorizationToken": authorization, "methodArn": arn}))
                .unwrap();
        match authorizer.authorize(&event, common::clock::now_epoch_seconds()) {
            Ok(response) => bodies.push(serde_json::to_string(&response.context).unwrap()),
            Err(err) => bodies.push(format!("{err} {err:?}")),
        }
    }

    // hello with and without an authorizer context.
    let hello_config = HelloConfig::from_lookup(&env()).unwrap();
    let sample = include_str!("../../events/hello.json");
    bodies.push(text(
        hello::handle(&hello_config, lambda_http::request::from_str(sample).unwrap()).await.unwrap().body(),
    ));
    let mut event: Value = serde_json::from_str(sample).unwrap();
    event["requestContext"]["authorizer"] = Value::Null;
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    bodies.push(text(hello::handle(&hello_config, request).await.unwrap().body()));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("login refused"), "the capture works: {logs}");
    assert!(logs.contains("token refused"), "the capture works");
    for secret in &forbidden {
        let leak = logs.lines().find(|l| l.contains(secret.as_str())).map(|l| l.replace(secret.as_str(), "<SECRET>"));
        assert!(leak.is_none(), "a log line contains a secret: {leak:?}");
        for body in &bodies {
            assert!(!body.contains(secret.as_str()), "a response contains a secret: {body}");
        }
    }
    // The base64 of the Basic credentials would leak the password too.
    assert!(!logs.contains(&STANDARD.encode(format!("alice:{PASSWORD}"))));
}
