//! The same flow with `--store dynamodb`, against the DynamoDB-compatible
//! server `scripts/test.sh` starts (a table of its own, created by `admin init`).

mod support;

use local_store::{Initialized, Store};
use reqwest::StatusCode;
use support::{Harness, Options, PASSWORD, add_user, require_dynamodb_endpoint};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_and_hello_with_users_in_dynamodb() {
    require_dynamodb_endpoint();
    let table = format!("local-api-test-{}", uuid::Uuid::new_v4());
    let api = Harness::start(Options { dynamodb_table: Some(table.clone()), ..Options::default() }).await;
    assert!(matches!(&api.store, Store::Dynamodb { users, .. } if users.table() == table));
    let created = vec![(table.clone(), true), (format!("{table}-sessions"), true)];
    assert_eq!(api.store.init().await.unwrap(), Initialized::Tables(created), "admin init");
    add_user(&api.store, "Alice", &["admin"]).await;

    let token = api.login("alice", PASSWORD).await;
    let hello = api.hello(Some(&format!("Bearer {token}"))).await;
    assert_eq!(hello.status, StatusCode::OK, "{}", hello.text);
    assert_eq!(hello.json()["message"], "Hello, alice!");
    assert_eq!(hello.json()["user"]["roles"], serde_json::json!(["admin"]));
    assert_eq!(api.hello(None).await.status, StatusCode::UNAUTHORIZED);
    let wrong = api.send(api.client.get(api.url("/authenticate")).basic_auth("alice", Some("not the password"))).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.store.user_store().get_user("alice").await.unwrap().unwrap().failed_logins, 1);
    assert!(!api.dir.path().join("data").exists(), "nothing is written to the embedded store");
}
