//! Brute-force counting under concurrency, against a DynamoDB-compatible
//! server (moto with its item operations serialized, as DynamoDB applies each
//! item write atomically; see scripts/moto_server.py).

mod support;

use std::sync::Arc;

use authenticate::Authenticate;
use common::password::PasswordHasher;
use common::store::UserStore;
use common::user::User;
use lambda_http::http::StatusCode;
use tokio::task::JoinSet;

const PASSWORD: &str = "correct horse battery staple";

async fn forty_concurrent_failures(max_attempts: u32) -> (Vec<StatusCode>, User) {
    let store = Arc::new(support::fresh_store().await);
    let hash = PasswordHasher::owasp().hash(PASSWORD).unwrap();
    store.create_user(&User::new("alice", hash, vec![])).await.unwrap();
    let app = Arc::new(
        Authenticate::new(&support::authenticate_config(max_attempts), store.clone(), PasswordHasher::owasp()).unwrap(),
    );
    let mut requests = JoinSet::new();
    for _ in 0..40 {
        let app = app.clone();
        requests.spawn(
            async move { app.handle(support::basic_login("alice", "not-the-password")).await.unwrap().status() },
        );
    }
    let statuses = requests.join_all().await;
    (statuses, store.get_user("alice").await.unwrap().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_failure_is_lost_under_concurrency() {
    let (statuses, user) = forty_concurrent_failures(1000).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
    assert_eq!(user.failed_logins, 40);
    assert_eq!(user.locked_until, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_failures_at_the_default_limit_lock_the_user() {
    let (statuses, user) = forty_concurrent_failures(5).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let unauthorized = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert!(unauthorized >= 5, "{unauthorized} answered 401");
    assert!(user.locked_until.is_some_and(|t| t > common::clock::now_epoch_seconds()), "{user:?}");
}
