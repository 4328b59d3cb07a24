//! Shared set-up for tests that talk to a DynamoDB-compatible server.

#![allow(dead_code)]

use authenticate::AuthenticateConfig;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::store::LockoutPolicy;
use common::testing::Tokens;
use serde_json::{Value, json};

#[allow(unused_imports)]
pub use store_dynamodb::testing::{client, fresh_store};

/// authenticate's configuration for tests: a fixed key, 1 h tokens, the given lockout limit.
pub fn authenticate_config(max_attempts: u32) -> AuthenticateConfig {
    AuthenticateConfig {
        issuer: Tokens::with_secret("0123456789abcdef0123456789abcdef").issuer_config(),
        cors_allow_origin: "*".into(),
        lockout: LockoutPolicy { max_attempts, lockout_secs: 900 },
        refresh_ttl: std::time::Duration::from_secs(30 * 86_400),
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
