//! The DynamoDB store against the DynamoDB-compatible server on 127.0.0.1
//! that `scripts/test.sh` starts: the store contract, table creation, and the
//! failures a deployment can meet.

use aws_sdk_dynamodb::types::AttributeValue;
use common::store::{StoreError, UserDirectory, contract};
use store_dynamodb::DynamoUserStore;
use store_dynamodb::testing::{client, fresh_session_store, fresh_store};

#[tokio::test]
async fn passes_the_store_contract() {
    contract::run_all(&fresh_store().await).await;
}

#[tokio::test]
async fn passes_the_session_contract() {
    let store = fresh_session_store().await;
    contract::run_sessions(&store).await;
    assert!(!store.ensure_table().await.unwrap(), "the second call finds the table");
}

#[tokio::test]
async fn ensure_table_is_idempotent() {
    let store = fresh_store().await;
    assert!(!store.ensure_table().await.unwrap(), "the second call finds the table");
}

#[tokio::test]
async fn a_missing_table_is_unavailable() {
    let store = DynamoUserStore::new(client().await, format!("missing-{}", std::process::id()));
    assert!(matches!(store.get_user("alice").await, Err(StoreError::Unavailable(_))));
}

#[tokio::test]
async fn a_malformed_item_is_an_error_not_a_login() {
    let store = fresh_store().await;
    client()
        .await
        .put_item()
        .table_name(store.table())
        .item("username", AttributeValue::S("mallory".into()))
        .item("user_id", AttributeValue::S("u".into()))
        .item("password_hash", AttributeValue::N("1".into()))
        .item("created_at", AttributeValue::S("2026-11-28T17:00:00Z".into()))
        .send()
        .await
        .unwrap();
    assert!(matches!(store.get_user("mallory").await, Err(StoreError::InvalidItem(_))));
}
