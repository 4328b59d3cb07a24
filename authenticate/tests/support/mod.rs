//! Shared set-up for tests that talk to a DynamoDB-compatible server.

#![allow(dead_code)]

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::config::{AuthenticateConfig, IssuerConfig, KeyMaterial, Secret, TokenAudience};
use common::store::LockoutPolicy;
use common::store::dynamodb::DynamoUserStore;
use serde_json::{Value, json};

/// A client for the endpoint `scripts/test.sh` started. Without one the test
/// fails loudly rather than skipping: a skipped integration test proves nothing.
pub async fn client() -> Client {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some(),
        "AWS_ENDPOINT_URL_DYNAMODB is not set: run the suite with ./scripts/test.sh, which starts a local DynamoDB"
    );
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    Client::new(&config)
}

/// A store on a table of its own, created for this test.
pub async fn fresh_store() -> DynamoUserStore {
    let table = format!("users-test-{}", uuid::Uuid::new_v4());
    let store = DynamoUserStore::new(client().await, table);
    assert!(store.ensure_table().await.unwrap(), "a fresh table is created");
    store
}

/// authenticate's configuration for tests: a fixed key, 1 h tokens, the given lockout limit.
pub fn authenticate_config(max_attempts: u32) -> AuthenticateConfig {
    AuthenticateConfig {
        issuer: IssuerConfig {
            key: KeyMaterial {
                kid: "default".into(),
                secret: Secret::new(b"0123456789abcdef0123456789abcdef".to_vec()),
            },
            ttl: Duration::from_secs(3600),
            names: TokenAudience { issuer: "authenticate".into(), audience: "api".into() },
        },
        cors_allow_origin: "*".into(),
        lockout: LockoutPolicy { max_attempts, lockout_secs: 900 },
    }
}

/// The sample `GET /authenticate` event with these Basic credentials.
pub fn basic_login(username: &str, password: &str) -> lambda_http::Request {
    let mut event: Value = serde_json::from_str(include_str!("../../../events/authenticate-get.json")).unwrap();
    let header = format!("Basic {}", STANDARD.encode(format!("{username}:{password}")));
    event["headers"]["Authorization"] = json!(header);
    event["multiValueHeaders"]["Authorization"] = json!([header]);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}
