//! For tests against the DynamoDB-compatible server `scripts/test.sh` starts
//! (feature `test-support`): a client at the SDK's standard settings, and a
//! store on a fresh table of its own.

use aws_sdk_dynamodb::Client;

use crate::DynamoUserStore;

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

/// A session store on a table of its own, created for this test.
pub async fn fresh_session_store() -> crate::DynamoSessionStore {
    let table = format!("sessions-test-{}", uuid::Uuid::new_v4());
    let store = crate::DynamoSessionStore::new(client().await, table);
    assert!(store.ensure_table().await.unwrap(), "a fresh table is created");
    store
}
