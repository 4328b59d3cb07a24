//! The behaviour every [`UserStore`] must have. Each implementation's tests call
//! [`run_all`] on a fresh, empty store.

use super::{StoreError, UserStore};
use crate::user::User;

fn sample(username: &str, roles: &[&str]) -> User {
    User::new(
        username,
        format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$hash-of-{username}"),
        roles.iter().map(|r| r.to_string()).collect(),
    )
}

pub async fn run_all(store: &dyn UserStore) {
    missing_user_is_none(store).await;
    created_user_reads_back_identically(store).await;
    create_never_overwrites(store).await;
    empty_roles_and_disabled_round_trip(store).await;
    unicode_usernames_round_trip(store).await;
}

async fn missing_user_is_none(store: &dyn UserStore) {
    assert_eq!(store.get_user("nobody").await.unwrap(), None);
}

async fn created_user_reads_back_identically(store: &dyn UserStore) {
    let user = sample("alice", &["admin", "dev"]);
    store.create_user(&user).await.unwrap();
    assert_eq!(store.get_user("alice").await.unwrap(), Some(user));
}

async fn create_never_overwrites(store: &dyn UserStore) {
    let first = sample("bob", &["reader"]);
    store.create_user(&first).await.unwrap();
    let second = sample("bob", &["admin"]);
    assert_eq!(store.create_user(&second).await, Err(StoreError::AlreadyExists("bob".into())));
    assert_eq!(store.get_user("bob").await.unwrap(), Some(first));
}

async fn empty_roles_and_disabled_round_trip(store: &dyn UserStore) {
    let mut user = sample("carol", &[]);
    user.disabled = true;
    store.create_user(&user).await.unwrap();
    assert_eq!(store.get_user("carol").await.unwrap(), Some(user));
}

async fn unicode_usernames_round_trip(store: &dyn UserStore) {
    let user = sample("ÉMILE", &["r:1"]);
    assert_eq!(user.username, "émile");
    store.create_user(&user).await.unwrap();
    assert_eq!(store.get_user("émile").await.unwrap(), Some(user));
}
