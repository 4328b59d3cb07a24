//! The behaviour every [`UserStore`] must have. Each implementation's tests call
//! [`run_all`] on a fresh, empty store.

use super::{FailedLogin, LockoutPolicy, StoreError, UserChange, UserStore};
use crate::user::User;

const POLICY: LockoutPolicy = LockoutPolicy { max_attempts: 3, lockout_secs: 900 };
const NOW: u64 = 1_700_000_000;

fn sample(username: &str, roles: &[&str]) -> User {
    let hash = format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$hash-of-{username}");
    User::new(username, hash, roles.iter().map(|r| r.to_string()).collect())
}

pub async fn run_all(store: &dyn UserStore) {
    missing_user_is_none(store).await;
    created_user_reads_back_identically(store).await;
    create_never_overwrites(store).await;
    empty_roles_and_disabled_round_trip(store).await;
    unicode_usernames_round_trip(store).await;
    list_is_sorted_and_complete(store).await;
    updates_apply_one_field(store).await;
    changes_to_missing_users_are_not_found(store).await;
    delete_removes(store).await;
    failed_logins_count_then_lock(store).await;
    a_lock_expires_with_the_clock(store).await;
    a_limit_of_one_locks_at_once(store).await;
    reset_and_unlock_clear_the_counters(store).await;
    replace_password_hash_is_conditional(store).await;
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

async fn list_is_sorted_and_complete(store: &dyn UserStore) {
    let names: Vec<String> = store.list_users().await.unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["alice", "bob", "carol", "émile"]);
}

async fn updates_apply_one_field(store: &dyn UserStore) {
    let before = store.get_user("alice").await.unwrap().unwrap();
    store.update_user("alice", UserChange::Roles(vec!["ops".into()])).await.unwrap();
    store.update_user("alice", UserChange::Disabled(true)).await.unwrap();
    store.update_user("alice", UserChange::PasswordHash("$argon2id$new".into())).await.unwrap();
    let after = store.get_user("alice").await.unwrap().unwrap();
    assert_eq!(after.roles, ["ops"]);
    assert!(after.disabled);
    assert_eq!(after.password_hash, "$argon2id$new");
    assert_eq!((after.user_id, after.created_at), (before.user_id, before.created_at));
    store.update_user("alice", UserChange::Disabled(false)).await.unwrap();
    store.update_user("alice", UserChange::Roles(vec![])).await.unwrap();
    let cleared = store.get_user("alice").await.unwrap().unwrap();
    assert!(!cleared.disabled && cleared.roles.is_empty());
}

async fn changes_to_missing_users_are_not_found(store: &dyn UserStore) {
    let not_found = Err(StoreError::NotFound("ghost".into()));
    assert_eq!(store.update_user("ghost", UserChange::Disabled(true)).await, not_found);
    assert_eq!(store.update_user("ghost", UserChange::Unlock).await, not_found);
    assert_eq!(store.delete_user("ghost").await, not_found);
    assert_eq!(store.record_failed_login("ghost", NOW, POLICY).await, Err(StoreError::NotFound("ghost".into())));
    assert_eq!(store.get_user("ghost").await.unwrap(), None, "no write may create the user");
}

async fn delete_removes(store: &dyn UserStore) {
    store.create_user(&sample("dave", &[])).await.unwrap();
    store.delete_user("dave").await.unwrap();
    assert_eq!(store.get_user("dave").await.unwrap(), None);
}

async fn failed_logins_count_then_lock(store: &dyn UserStore) {
    store.create_user(&sample("frank", &[])).await.unwrap();
    assert_eq!(store.record_failed_login("frank", NOW, POLICY).await.unwrap(), FailedLogin::Counted(1));
    assert_eq!(store.record_failed_login("frank", NOW, POLICY).await.unwrap(), FailedLogin::Counted(2));
    let until = NOW + 900;
    assert_eq!(store.record_failed_login("frank", NOW, POLICY).await.unwrap(), FailedLogin::LockedNow(until));
    let locked = store.get_user("frank").await.unwrap().unwrap();
    assert_eq!((locked.failed_logins, locked.locked_until), (0, Some(until)));
    assert_eq!(store.record_failed_login("frank", NOW + 1, POLICY).await.unwrap(), FailedLogin::AlreadyLocked(until));
    let still = store.get_user("frank").await.unwrap().unwrap();
    assert_eq!((still.failed_logins, still.locked_until), (0, Some(until)), "a locked user's failures are not counted");
}

async fn a_lock_expires_with_the_clock(store: &dyn UserStore) {
    let after = NOW + 900;
    assert_eq!(store.record_failed_login("frank", after, POLICY).await.unwrap(), FailedLogin::Counted(1));
}

async fn a_limit_of_one_locks_at_once(store: &dyn UserStore) {
    store.create_user(&sample("gina", &[])).await.unwrap();
    let strict = LockoutPolicy { max_attempts: 1, lockout_secs: 60 };
    assert_eq!(store.record_failed_login("gina", NOW, strict).await.unwrap(), FailedLogin::LockedNow(NOW + 60));
}

async fn reset_and_unlock_clear_the_counters(store: &dyn UserStore) {
    store.create_user(&sample("hank", &[])).await.unwrap();
    store.record_failed_login("hank", NOW, POLICY).await.unwrap();
    store.reset_failed_logins("hank").await.unwrap();
    assert_eq!(store.get_user("hank").await.unwrap().unwrap().failed_logins, 0);
    for _ in 0..3 {
        store.record_failed_login("hank", NOW, POLICY).await.unwrap();
    }
    assert!(store.get_user("hank").await.unwrap().unwrap().locked_until.is_some());
    store.update_user("hank", UserChange::Unlock).await.unwrap();
    let unlocked = store.get_user("hank").await.unwrap().unwrap();
    assert_eq!((unlocked.failed_logins, unlocked.locked_until), (0, None));
}

async fn replace_password_hash_is_conditional(store: &dyn UserStore) {
    store.create_user(&sample("ivy", &[])).await.unwrap();
    let old = store.get_user("ivy").await.unwrap().unwrap().password_hash;
    assert!(store.replace_password_hash("ivy", &old, "$argon2id$rehashed").await.unwrap());
    assert!(!store.replace_password_hash("ivy", &old, "$argon2id$stale").await.unwrap(), "the hash changed meanwhile");
    assert_eq!(store.get_user("ivy").await.unwrap().unwrap().password_hash, "$argon2id$rehashed");
}
