//! Refresh-token sessions through `Authenticate::handle`, each flow written
//! once (in `sessions/`) and run on every store pair: memory, one SQLite file,
//! and DynamoDB (the server `scripts/test.sh` starts; without it these fail,
//! as every DynamoDB test here does). Every answer is checked for
//! `Cache-Control: no-store` on the way (`sessions::http::send`).

mod sessions;
mod support;

use sessions::{accounts, rotation};

/// One `#[tokio::test]` per case on `$store` (a `Harness` constructor). Multi-threaded, so
/// that concurrent refreshes really run at once.
macro_rules! on_store {
    ($store:ident: $($module:ident::$case:ident),+ $(,)?) => {
        mod $store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let harness = crate::sessions::Harness::$store().await;
                    crate::$module::$case(&harness).await;
                }
            )+
        }
    };
}

macro_rules! on_every_store {
    ($($cases:tt)+) => {
        on_store!(memory: $($cases)+);
        on_store!(sqlite: $($cases)+);
        on_store!(dynamodb: $($cases)+);
    };
}

on_every_store!(
    rotation::rotation,
    rotation::reuse_revokes_the_session,
    rotation::concurrent_refresh_has_exactly_one_winner,
    rotation::revoke_ends_the_session,
    rotation::revoke_answers_the_same_whatever_the_token,
    rotation::expired_sessions_are_refused,
    rotation::no_refresh_token_in_the_store,
    accounts::a_disabled_user_cannot_refresh,
    accounts::a_deleted_user_cannot_refresh,
    accounts::a_password_change_ends_every_session,
    accounts::changed_roles_reach_the_next_access_token,
    accounts::the_password_grant_is_a_login,
    accounts::malformed_requests_are_refused,
);
