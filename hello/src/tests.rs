use lambda_http::http::header::ACCESS_CONTROL_ALLOW_ORIGIN;
use serde_json::{Value, json};

use super::*;

const SAMPLE: &str = include_str!("../../events/hello.json");
/// The same call through an HTTP API (payload 2.0, simple-response context).
const HTTP_SAMPLE: &str = include_str!("../../events/hello-http.json");

fn config() -> HelloConfig {
    HelloConfig { cors_allow_origin: "https://app.example.com".into() }
}

fn body_json(response: &Response<Body>) -> Value {
    match response.body() {
        Body::Text(text) => serde_json::from_str(text).unwrap(),
        other => panic!("unexpected body {other:?}"),
    }
}

fn request_with_authorizer(authorizer: Value) -> Request {
    let mut event: Value = serde_json::from_str(SAMPLE).unwrap();
    event["requestContext"]["authorizer"] = authorizer;
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

#[tokio::test]
async fn greets_the_caller_from_the_authorizer_context() {
    let request = lambda_http::request::from_str(SAMPLE).unwrap();
    let response = handle(&config(), request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example.com");
    assert_eq!(
        body_json(&response),
        json!({
            "message": "Hello, alice!",
            "user": {"id": "8d2f3c1e-1111-4a4a-9b9b-000000000001", "username": "alice", "roles": ["admin", "dev"]}
        })
    );
}

#[tokio::test]
async fn empty_roles_are_an_empty_array() {
    let request = request_with_authorizer(json!({"principalId": "u-1", "username": "bob", "roles": ""}));
    let response = handle(&config(), request).await.unwrap();
    assert_eq!(body_json(&response)["user"], json!({"id": "u-1", "username": "bob", "roles": []}));
}

/// The same shape as every other error answer: `error` and `error_description`.
fn server_error() -> Value {
    json!({"error": "server_error", "error_description": "the request could not be completed"})
}

#[tokio::test]
async fn never_answers_200_without_an_authorizer_context() {
    for authorizer in [Value::Null, json!({}), json!({"principalId": "u-1"}), json!({"username": "x"})] {
        let response = handle(&config(), request_with_authorizer(authorizer.clone())).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR, "{authorizer}");
        assert_eq!(body_json(&response), server_error());
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example.com");
    }
}

#[tokio::test]
async fn a_request_without_any_context_is_a_server_error() {
    let response = handle(&config(), Request::default()).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn client_headers_cannot_impersonate() {
    let mut event: Value = serde_json::from_str(SAMPLE).unwrap();
    event["requestContext"]["authorizer"] = Value::Null;
    event["headers"]["X-Username"] = json!("admin");
    event["headers"]["principalId"] = json!("admin");
    let response = handle(&config(), lambda_http::request::from_str(&event.to_string()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn greets_the_same_caller_through_an_http_api() {
    let rest = handle(&config(), lambda_http::request::from_str(SAMPLE).unwrap()).await.unwrap();
    let http = handle(&config(), lambda_http::request::from_str(HTTP_SAMPLE).unwrap()).await.unwrap();
    assert_eq!(http.status(), StatusCode::OK);
    assert_eq!(http.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example.com");
    assert_eq!(body_json(&http), body_json(&rest));
}

#[tokio::test]
async fn never_answers_200_through_an_http_api_without_the_authorizer() {
    for authorizer in [Value::Null, json!({}), json!({"lambda": {"username": "x"}}), json!({"lambda": {"sub": "u-1"}})]
    {
        let mut event: Value = serde_json::from_str(HTTP_SAMPLE).unwrap();
        event["requestContext"]["authorizer"] = authorizer.clone();
        // What a client could send to look like someone.
        event["headers"]["sub"] = json!("admin");
        event["headers"]["username"] = json!("admin");
        let response = handle(&config(), lambda_http::request::from_str(&event.to_string()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR, "{authorizer}");
        assert_eq!(body_json(&response), server_error());
    }
}
