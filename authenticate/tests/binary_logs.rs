//! The `authenticate` binary as Lambda runs it (on the Runtime API stand-in of
//! `bench/`, against the DynamoDB-compatible server `scripts/test.sh` starts),
//! at every verbose logging setting an operator could pick: its output never
//! holds a password, a Basic credential, a password hash (which DynamoDB's
//! requests and responses carry), an issued access or refresh token or the
//! signing secret.

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bench::runtime_api::{FunctionSpec, Outcome, VERBOSE_LOGGING, run_capturing};
use common::password::Params;
use common::password::PasswordHasher;
use common::store::UserDirectory;
use serde_json::{Value, json};

const SECRET: &str = "binary-log-test-secret-0123456789abcdef-xyz";
const PASSWORD: &str = "Tr0ub4dor-horse-staple-1";
const WRONG_PASSWORD: &str = "wrong-password-guess-42";

fn basic_login(username: &str, password: &str) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(include_str!("../../events/authenticate-get.json")).unwrap();
    let header = format!("Basic {}", STANDARD.encode(format!("{username}:{password}")));
    event["headers"]["Authorization"] = json!(header);
    event["multiValueHeaders"]["Authorization"] = json!([header]);
    event.to_string().into_bytes()
}

/// A form POST to `/token` or `/revoke`, as API Gateway passes it.
fn form_post(resource: &str, body: &str) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(include_str!("../../events/authenticate-post.json")).unwrap();
    let content_type = "application/x-www-form-urlencoded";
    event["resource"] = json!(resource);
    event["path"] = json!(resource);
    event["requestContext"]["resourcePath"] = json!(resource);
    event["headers"]["Content-Type"] = json!(content_type);
    event["multiValueHeaders"]["Content-Type"] = json!([content_type]);
    event["body"] = json!(body);
    event.to_string().into_bytes()
}

fn json_login(username: &str, password: &str) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(include_str!("../../events/authenticate-post.json")).unwrap();
    event["body"] = json!(json!({"username": username, "password": password}).to_string());
    event.to_string().into_bytes()
}

fn status_and_body(outcome: &Outcome) -> (u64, Value) {
    let Outcome::Response(bytes) = outcome else { panic!("the function failed: {outcome:?}") };
    let response: Value = serde_json::from_slice(bytes).unwrap();
    let body = serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
    (response["statusCode"].as_u64().unwrap(), body)
}

#[tokio::test]
async fn no_password_hash_token_or_secret_in_the_output_at_any_level() {
    let store = support::fresh_store().await;
    let sessions = store_dynamodb::testing::fresh_session_store().await;
    // A weaker hash than the binary's, so the first login also writes the upgraded hash.
    let weak = PasswordHasher::with_params(Params::new(8 * 1024, 1, 1, None).unwrap());
    for (n, logging) in VERBOSE_LOGGING.iter().enumerate() {
        let username = format!("alice-{n}");
        let user = common::testing::user(&username, weak.hash(PASSWORD).unwrap(), &["admin"]);
        store.create_user(&user).await.unwrap();
        let mut forbidden = vec![
            SECRET.to_string(),
            PASSWORD.to_string(),
            WRONG_PASSWORD.to_string(),
            STANDARD.encode(format!("{username}:{PASSWORD}")),
            STANDARD.encode(format!("{username}:{WRONG_PASSWORD}")),
            user.password_hash.clone(),
        ];

        let mut env: Vec<(String, String)> = vec![
            ("JWT_SECRET".into(), SECRET.into()),
            ("USERS_TABLE".into(), store.table().into()),
            ("SESSIONS_TABLE".into(), sessions.table().into()),
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ];
        env.extend(["AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION"].into_iter().filter_map(|name| {
            let value = std::env::var(name).ok()?;
            Some((name.to_string(), value))
        }));
        env.extend(logging.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let spec = FunctionSpec {
            name: "authenticate".into(),
            exe: env!("CARGO_BIN_EXE_authenticate").into(),
            env,
            cpus: None,
            keep_output: true,
        };
        let events = [
            basic_login(&username, PASSWORD),
            json_login(&username, PASSWORD),
            basic_login(&username, WRONG_PASSWORD),
            json_login(&username, WRONG_PASSWORD),
            basic_login("nobody", PASSWORD),
        ];
        let run = |events: Vec<Vec<u8>>| {
            let spec = spec.clone();
            tokio::task::spawn_blocking(move || run_capturing(&spec, &events))
        };
        let (outcomes, mut output) = run(events.to_vec()).await.unwrap().unwrap();

        let answers: Vec<(u64, Value)> = outcomes.iter().map(status_and_body).collect();
        let statuses: Vec<u64> = answers.iter().map(|(status, _)| *status).collect();
        assert_eq!(statuses, [200, 200, 401, 401, 401], "{logging:?}:\n{output}");
        let mut refresh_tokens = Vec::new();
        for (_, body) in &answers[..2] {
            let token = body["access_token"].as_str().unwrap();
            forbidden.push(token.to_string());
            forbidden.push(token.rsplit('.').next().unwrap().to_string());
            refresh_tokens.push(body["refresh_token"].as_str().unwrap().to_string());
        }
        forbidden.extend(refresh_tokens.iter().cloned());

        // The sessions: a refresh (a new token pair), a reuse of the spent token, a revocation, a password grant.
        let [first, second] = [&refresh_tokens[0], &refresh_tokens[1]];
        let refresh = |token: &str| form_post("/token", &format!("grant_type=refresh_token&refresh_token={token}"));
        let password_grant =
            form_post("/token", &format!("grant_type=password&username={username}&password={PASSWORD}"));
        let events =
            vec![refresh(first), refresh(first), form_post("/revoke", &format!("token={second}")), password_grant];
        let (outcomes, more) = run(events).await.unwrap().unwrap();
        let answers: Vec<(u64, Value)> = outcomes.iter().map(status_and_body).collect();
        let statuses: Vec<u64> = answers.iter().map(|(status, _)| *status).collect();
        assert_eq!(statuses, [200, 400, 200, 200], "{logging:?}:\n{more}");
        for (_, body) in [&answers[0], &answers[3]] {
            forbidden.push(body["access_token"].as_str().unwrap().to_string());
            forbidden.push(body["refresh_token"].as_str().unwrap().to_string());
        }
        assert!(more.contains("refresh token reuse"), "{logging:?}: the capture works:\n{more}");
        output.push_str(&more);
        let stored = store.get_user(&username).await.unwrap().unwrap();
        assert_ne!(stored.password_hash, user.password_hash, "the login upgraded the hash");
        forbidden.push(stored.password_hash);
        assert_eq!(output.matches("login refused").count(), 3, "{logging:?}: the capture works:\n{output}");
        assert!(output.contains("password hash upgraded"), "{logging:?}:\n{output}");

        for secret in &forbidden {
            let leak =
                output.lines().find(|l| l.contains(secret.as_str())).map(|l| l.replace(secret.as_str(), "<SECRET>"));
            assert!(leak.is_none(), "{logging:?}: a log line holds a secret: {leak:?}");
        }
    }
}
