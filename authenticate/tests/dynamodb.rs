//! The authenticate handler against a real DynamoDB-compatible server on
//! 127.0.0.1 (see scripts/test.sh); the store itself is tested in store-dynamodb.

mod support;

use std::sync::Arc;

use authenticate::{Authenticate, Stores};
use aws_sdk_dynamodb::types::AttributeValue;
use common::password::PasswordHasher;
use common::store::memory::MemorySessionStore;
use common::store::{StoreError, UserDirectory};
use lambda_http::Body;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use store_dynamodb::DynamoUserStore;

const PASSWORD: &str = "correct horse battery staple";

async fn login_status(app: &Authenticate, username: &str, password: &str) -> (StatusCode, Value) {
    let response = app.handle(support::basic_login(username, password)).await.unwrap();
    let body = match response.body() {
        Body::Text(text) => serde_json::from_str(text).unwrap(),
        other => panic!("unexpected body {other:?}"),
    };
    (response.status(), body)
}

#[tokio::test]
async fn login_against_dynamodb() {
    let store = Arc::new(support::fresh_store().await);
    let hasher = PasswordHasher::owasp();
    store.create_user(&common::testing::user("Alice", hasher.hash(PASSWORD).unwrap(), &["admin"])).await.unwrap();
    let mut disabled = common::testing::user("dave", hasher.hash(PASSWORD).unwrap(), &[]);
    disabled.disabled = true;
    store.create_user(&disabled).await.unwrap();
    let app = Authenticate::new(
        &support::authenticate_config(5),
        Stores::new(store, Arc::new(MemorySessionStore::new())),
        hasher,
    )
    .unwrap();

    let (status, body) = login_status(&app, "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let (wrong, wrong_body) = login_status(&app, "alice", "wrong").await;
    let (unknown, unknown_body) = login_status(&app, "nobody", PASSWORD).await;
    assert_eq!((wrong, unknown), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(wrong_body, unknown_body);
    assert_eq!(login_status(&app, "dave", PASSWORD).await.0, StatusCode::FORBIDDEN);
}

/// Operators write users with their own tools; absent `roles` and `disabled`
/// must read as "no roles" and "enabled".
#[tokio::test]
async fn login_with_an_item_written_by_hand() {
    let store = support::fresh_store().await;
    let hash = PasswordHasher::owasp().hash(PASSWORD).unwrap();
    support::client()
        .await
        .put_item()
        .table_name(store.table())
        .item("username", AttributeValue::S("carol".into()))
        .item("user_id", AttributeValue::S(uuid::Uuid::new_v4().to_string()))
        .item("password_hash", AttributeValue::S(hash))
        .item("created_at", AttributeValue::S("2026-11-28T17:00:00Z".into()))
        .send()
        .await
        .unwrap();
    let user = store.get_user("carol").await.unwrap().unwrap();
    assert!(user.roles.is_empty() && !user.disabled);
    let app = Authenticate::new(
        &support::authenticate_config(5),
        Stores::new(Arc::new(store), Arc::new(MemorySessionStore::new())),
        PasswordHasher::owasp(),
    )
    .unwrap();
    assert_eq!(login_status(&app, "carol", PASSWORD).await.0, StatusCode::OK);
}

#[tokio::test]
async fn missing_table_is_503_and_no_token() {
    let store = DynamoUserStore::new(support::client().await, format!("missing-{}", uuid::Uuid::new_v4()));
    let app = Authenticate::new(
        &support::authenticate_config(5),
        Stores::new(Arc::new(store), Arc::new(MemorySessionStore::new())),
        PasswordHasher::owasp(),
    )
    .unwrap();
    let (status, body) = login_status(&app, "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        body,
        json!({"error": "temporarily_unavailable", "error_description": "the service is temporarily unavailable; try again later"})
    );
}

/// A role that is not a role name, in whatever attribute type holds it, makes
/// the item invalid: 503 and no token, never a login with extra roles.
#[tokio::test]
async fn an_invalid_stored_role_is_never_a_token() {
    let store = support::fresh_store().await;
    let hash = PasswordHasher::owasp().hash(PASSWORD).unwrap();
    let comma = AttributeValue::S("viewer,admin".into());
    for (username, roles) in [
        ("set", AttributeValue::Ss(vec!["viewer,admin".into()])),
        ("list", AttributeValue::L(vec![comma])),
        ("blank", AttributeValue::Ss(vec!["viewer".into(), " ".into()])),
    ] {
        support::client()
            .await
            .put_item()
            .table_name(store.table())
            .item("username", AttributeValue::S(username.into()))
            .item("user_id", AttributeValue::S(uuid::Uuid::new_v4().to_string()))
            .item("password_hash", AttributeValue::S(hash.clone()))
            .item("created_at", AttributeValue::S("2026-11-28T17:00:00Z".into()))
            .item("roles", roles)
            .send()
            .await
            .unwrap();
        assert!(matches!(store.get_user(username).await, Err(StoreError::InvalidItem(_))), "{username}");
    }
    let app = Authenticate::new(
        &support::authenticate_config(5),
        Stores::new(Arc::new(store), Arc::new(MemorySessionStore::new())),
        PasswordHasher::owasp(),
    )
    .unwrap();
    for username in ["set", "list", "blank"] {
        let (status, body) = login_status(&app, username, PASSWORD).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{username}: {body}");
        assert!(body.get("access_token").is_none());
    }
}
