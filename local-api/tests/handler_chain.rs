//! The whole path through the real handlers: authenticate → token →
//! check-token → policy and context → hello, the way API Gateway chains them.

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use authenticate::AuthenticateConfig;
use authenticate::{Authenticate, Stores};
use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use check_token::CheckTokenConfig;
use check_token::{Authorizer, AuthorizerError};
use common::password::PasswordHasher;
use common::store::UserStore;
use common::store::memory::MemorySessionStore;
use hello::HelloConfig;
use lambda_http::Body;
use lambda_http::http::StatusCode;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";
const METHOD_ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123defg/prod/GET/hello";

fn env() -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<&str, &str> = HashMap::from([
        ("JWT_SECRET", "an-end-to-end-secret-of-at-least-32-bytes"),
        ("ACCESS_RULES", r#"{"GET /hello": ["*"]}"#),
        ("JWT_TTL", "15m"),
        ("USERS_TABLE", "unused"),
    ]);
    move |name| vars.get(name).map(|v| v.to_string())
}

fn text(body: &Body) -> &str {
    match body {
        Body::Text(text) => text,
        other => panic!("unexpected body {other:?}"),
    }
}

async fn log_in(app: &Authenticate) -> String {
    let mut event: Value = serde_json::from_str(include_str!("../../events/authenticate-get.json")).unwrap();
    let header = format!("Basic {}", STANDARD.encode(format!("alice:{PASSWORD}")));
    event["headers"]["Authorization"] = json!(header);
    event["multiValueHeaders"]["Authorization"] = json!([header]);
    let response = app.handle(lambda_http::request::from_str(&event.to_string()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = serde_json::from_str(text(response.body())).unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

async fn authorize(authorizer: &Authorizer, token: &str) -> Result<Value, AuthorizerError> {
    let event: ApiGatewayCustomAuthorizerRequest = serde_json::from_value(json!({
        "type": "TOKEN", "authorizationToken": format!("Bearer {token}"), "methodArn": METHOD_ARN
    }))
    .unwrap();
    let response = authorizer.handle(LambdaEvent::new(event, Context::default())).await?;
    Ok(serde_json::to_value(response).unwrap())
}

/// What API Gateway does with an Allow: pass principalId and the context,
/// every value as a string, to the backend in requestContext.authorizer.
async fn call_hello(authorizer_output: &Value) -> (StatusCode, Value) {
    let mut fields = serde_json::Map::new();
    fields.insert("principalId".into(), authorizer_output["principalId"].clone());
    for (key, value) in authorizer_output["context"].as_object().unwrap() {
        let as_string = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
        fields.insert(key.clone(), Value::String(as_string));
    }
    let mut event: Value = serde_json::from_str(include_str!("../../events/hello.json")).unwrap();
    event["requestContext"]["authorizer"] = Value::Object(fields);
    let config = HelloConfig::from_lookup(&env()).unwrap();
    let response = hello::handle(&config, lambda_http::request::from_str(&event.to_string()).unwrap()).await.unwrap();
    (response.status(), serde_json::from_str(text(response.body())).unwrap())
}

async fn services(store: Arc<dyn UserStore>) -> (Authenticate, Authorizer) {
    let hasher = PasswordHasher::owasp();
    store
        .create_user(&common::testing::user("alice", hasher.hash(PASSWORD).unwrap(), &["admin", "dev"]))
        .await
        .unwrap();
    let authenticate = Authenticate::new(
        &AuthenticateConfig::from_lookup(&env()).unwrap(),
        Stores::new(store, Arc::new(MemorySessionStore::new())),
        hasher,
    )
    .unwrap();
    let authorizer = Authorizer::new(&CheckTokenConfig::from_lookup(&env()).unwrap()).unwrap();
    (authenticate, authorizer)
}

async fn full_chain(store: Arc<dyn UserStore>) {
    let (authenticate, authorizer) = services(store).await;
    let token = log_in(&authenticate).await;

    let output = authorize(&authorizer, &token).await.unwrap();
    let user_id = output["principalId"].as_str().unwrap().to_string();
    assert_eq!(output["policyDocument"]["Statement"][0]["Effect"], "Allow");
    assert_eq!(
        output["policyDocument"]["Statement"][0]["Resource"],
        json!(["arn:aws:execute-api:us-east-1:123456789012:abc123defg/prod/GET/hello"])
    );
    assert_eq!(output["context"]["username"], "alice");

    let (status, body) = call_hello(&output).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"message": "Hello, alice!", "user": {"id": user_id, "username": "alice", "roles": ["admin", "dev"]}})
    );

    // The same chain with one character of the payload changed stops at the authorizer.
    let (head, rest) = token.split_once('.').unwrap();
    let flipped = if rest.starts_with('e') { 'f' } else { 'e' };
    let tampered = format!("{head}.{flipped}{}", &rest[1..]);
    let refused = authorize(&authorizer, &tampered).await.unwrap_err();
    assert!(matches!(refused, AuthorizerError::Unauthorized(_)));
    assert_eq!(lambda_runtime::Diagnostic::from(refused).error_message, "Unauthorized");
}

#[tokio::test]
async fn end_to_end_with_the_memory_store() {
    full_chain(Arc::new(common::store::memory::MemoryUserStore::new())).await;
}

#[tokio::test]
async fn end_to_end_with_dynamodb() {
    full_chain(Arc::new(support::fresh_store().await)).await;
}
