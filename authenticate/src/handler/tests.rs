use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::config::{IssuerConfig, KeyMaterial, Secret, TokenAudience, VerifierConfig};
use common::store::memory::MemoryUserStore;
use common::store::unavailable::UnavailableStore;
use common::token::TokenVerifier;
use common::user::User;
use lambda_http::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL};
use serde_json::Value;

use super::*;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const PASSWORD: &str = "correct horse battery staple";
const GET_EVENT: &str = include_str!("../../../events/authenticate-get.json");
const POST_EVENT: &str = include_str!("../../../events/authenticate-post.json");

fn config() -> AuthenticateConfig {
    AuthenticateConfig {
        issuer: IssuerConfig {
            key: KeyMaterial { kid: "default".into(), secret: Secret::new(SECRET.to_vec()) },
            ttl: Duration::from_secs(900),
            names: TokenAudience { issuer: "authenticate".into(), audience: "api".into() },
        },
        cors_allow_origin: "*".into(),
    }
}

fn verifier() -> TokenVerifier {
    let config = config();
    TokenVerifier::new(&VerifierConfig {
        current: config.issuer.key,
        previous: vec![],
        names: config.issuer.names,
        leeway: Duration::ZERO,
    })
    .unwrap()
}

async fn store_with_users() -> Arc<MemoryUserStore> {
    let hasher = PasswordHasher::owasp();
    let store = Arc::new(MemoryUserStore::new());
    let alice = User::new("alice", hasher.hash(PASSWORD).unwrap(), vec!["admin".into()]);
    let mut dave = User::new("dave", hasher.hash(PASSWORD).unwrap(), vec![]);
    dave.disabled = true;
    store.create_user(&alice).await.unwrap();
    store.create_user(&dave).await.unwrap();
    store
}

async fn app() -> Authenticate {
    Authenticate::new(&config(), store_with_users().await, PasswordHasher::owasp()).unwrap()
}

fn get(authorization: Option<&str>) -> Request {
    let mut event: Value = serde_json::from_str(GET_EVENT).unwrap();
    let headers = ["headers", "multiValueHeaders"];
    for h in headers {
        event[h].as_object_mut().unwrap().remove("Authorization");
    }
    if let Some(value) = authorization {
        event["headers"]["Authorization"] = json!(value);
        event["multiValueHeaders"]["Authorization"] = json!([value]);
    }
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

fn post(content_type: Option<&str>, body: &str) -> Request {
    let mut event: Value = serde_json::from_str(POST_EVENT).unwrap();
    for h in ["headers", "multiValueHeaders"] {
        event[h].as_object_mut().unwrap().remove("Content-Type");
    }
    if let Some(ct) = content_type {
        event["headers"]["Content-Type"] = json!(ct);
        event["multiValueHeaders"]["Content-Type"] = json!([ct]);
    }
    event["body"] = json!(body);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn with_method(method: &str) -> Request {
    let mut event: Value = serde_json::from_str(GET_EVENT).unwrap();
    event["httpMethod"] = json!(method);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn body_text(response: &Response<Body>) -> String {
    match response.body() {
        Body::Text(text) => text.clone(),
        other => panic!("unexpected body {other:?}"),
    }
}

fn body_json(response: &Response<Body>) -> Value {
    serde_json::from_str(&body_text(response)).unwrap()
}

#[tokio::test]
async fn sample_get_event_logs_in_with_basic() {
    let response = app().await.handle(lambda_http::request::from_str(GET_EVENT).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let body = body_json(&response);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let claims = verifier().verify(body["access_token"].as_str().unwrap(), now_epoch_seconds()).unwrap();
    assert_eq!(claims.username, "alice");
    assert_eq!(claims.roles, vec!["admin".to_string()]);
}

#[tokio::test]
async fn sample_post_event_logs_in_with_json() {
    let response = app().await.handle(lambda_http::request::from_str(POST_EVENT).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", body_text(&response));
    assert!(body_json(&response)["access_token"].is_string());
    assert!(!response.headers().contains_key(WWW_AUTHENTICATE));
}

#[tokio::test]
async fn usernames_are_case_insensitive() {
    let response = app().await.handle(get(Some(&basic("ALICE", PASSWORD)))).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_identical_401s() {
    let app = app().await;
    let wrong = app.handle(get(Some(&basic("alice", "wrong password")))).await.unwrap();
    let unknown = app.handle(get(Some(&basic("mallory", PASSWORD)))).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body_text(&wrong), body_text(&unknown));
    assert_eq!(wrong.headers(), unknown.headers());
    assert_eq!(body_json(&wrong)["error"], "invalid_credentials");
    assert_eq!(wrong.headers()[WWW_AUTHENTICATE], r#"Basic realm="authenticate", charset="UTF-8""#);

    let wrong_post =
        app.handle(post(Some("application/json"), r#"{"username":"alice","password":"nope"}"#)).await.unwrap();
    let unknown_post =
        app.handle(post(Some("application/json"), r#"{"username":"zed","password":"nope"}"#)).await.unwrap();
    assert_eq!(wrong_post.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body_text(&wrong_post), body_text(&unknown_post));
    assert!(!wrong_post.headers().contains_key(WWW_AUTHENTICATE), "no browser dialog for POST");
}

#[tokio::test]
async fn missing_credentials_or_other_schemes_are_401_with_a_challenge() {
    let app = app().await;
    for authorization in [None, Some("Bearer abc.def.ghi"), Some("Digest x")] {
        let response = app.handle(get(authorization)).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(body_json(&response)["error"], "invalid_credentials");
        assert!(body_json(&response)["error_description"].is_string());
        assert!(response.headers().contains_key(WWW_AUTHENTICATE));
    }
}

#[tokio::test]
async fn malformed_basic_is_400() {
    let app = app().await;
    for authorization in [
        "Basic !!!".to_string(),
        "Basic ".to_string(),
        format!("Basic {}", STANDARD.encode("no-colon")),
        basic("", PASSWORD),
        basic("alice", ""),
        basic(&"a".repeat(129), PASSWORD),
        basic("alice", &"p".repeat(1025)),
    ] {
        let response = app.handle(get(Some(&authorization))).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{authorization:.40}");
        assert_eq!(body_json(&response)["error"], "invalid_request");
        assert!(body_json(&response)["error_description"].is_string());
    }
}

#[tokio::test]
async fn post_needs_json() {
    let app = app().await;
    let response = app.handle(post(Some("text/plain"), r#"{"username":"alice","password":"x"}"#)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body_json(&response)["error"], "invalid_request");
    let response = app.handle(post(None, r#"{"username":"alice","password":"x"}"#)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let ok = app
        .handle(post(
            Some("application/json; charset=utf-8"),
            &json!({"username": "alice", "password": PASSWORD}).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    for body in ["{", r#"{"username":"alice"}"#, r#"{"username":"","password":"x"}"#] {
        let response = app.handle(post(Some("application/json"), body)).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        assert!(!response.headers().contains_key(WWW_AUTHENTICATE));
    }
}

#[tokio::test]
async fn other_methods_are_405() {
    let app = app().await;
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] {
        let response = app.handle(with_method(method)).await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(response.headers()[ALLOW], "GET, POST");
    }
}

#[tokio::test]
async fn disabled_user_with_the_right_password_is_403() {
    let app = app().await;
    let response = app.handle(get(Some(&basic("dave", PASSWORD)))).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(body_json(&response), json!({"error": "account_disabled"}));
    let wrong = app.handle(get(Some(&basic("dave", "wrong")))).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "a wrong password reveals nothing about the account");
}

#[tokio::test]
async fn store_failure_is_503_and_issues_no_token() {
    let app = Authenticate::new(&config(), Arc::new(UnavailableStore), PasswordHasher::owasp()).unwrap();
    let response = app.handle(get(Some(&basic("alice", PASSWORD)))).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body_json(&response), json!({"error": "temporarily_unavailable"}));
}

#[tokio::test]
async fn corrupt_stored_hash_is_a_500_without_details() {
    let store = Arc::new(MemoryUserStore::new());
    store.create_user(&User::new("erin", "not-a-phc-string".into(), vec![])).await.unwrap();
    let app = Authenticate::new(&config(), store, PasswordHasher::owasp()).unwrap();
    let response = app.handle(get(Some(&basic("erin", PASSWORD)))).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body_json(&response), json!({"error": "server_error"}));
}

#[tokio::test]
async fn cors_origin_is_configurable_on_every_answer() {
    let mut config = config();
    config.cors_allow_origin = "https://app.example.com".into();
    let app = Authenticate::new(&config, store_with_users().await, PasswordHasher::owasp()).unwrap();
    for request in [get(Some(&basic("alice", PASSWORD))), get(None), get(Some("Basic !!"))] {
        let response = app.handle(request).await.unwrap();
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example.com");
    }
}
