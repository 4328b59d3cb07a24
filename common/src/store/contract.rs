//! The behaviour every store must have. Each implementation's tests call
//! [`run_all`] on a fresh, empty store: the [`super::UserDirectory`] part, then the
//! [`super::LoginStore`] part.

use super::lockout::STALE_RESERVATION_SECS;
use super::{LockoutPolicy, LoginRecorded, Reservation, StoreError, UserChange, UserStore};
use crate::user::User;

const POLICY: LockoutPolicy = LockoutPolicy { max_attempts: 3, lockout_secs: 900 };
const NOW: u64 = 1_700_000_000;

fn sample(username: &str, roles: &[&str]) -> User {
    let hash = format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$hash-of-{username}");
    crate::testing::user(username, hash, roles)
}

pub async fn run_all(store: &dyn UserStore) {
    run_directory(store).await;
    run_login(store).await;
}

/// The operators' side.
pub async fn run_directory(store: &dyn UserStore) {
    missing_user_is_none(store).await;
    created_user_reads_back_identically(store).await;
    create_never_overwrites(store).await;
    empty_roles_and_disabled_round_trip(store).await;
    unicode_usernames_round_trip(store).await;
    list_is_sorted_and_complete(store).await;
    updates_apply_one_field(store).await;
    changes_to_missing_users_are_not_found(store).await;
    delete_removes(store).await;
}

/// The login side. Uses users whose names start with `login-`.
pub async fn run_login(store: &dyn UserStore) {
    unknown_users_are_reported_without_a_write(store).await;
    reservations_count_up_to_the_limit(store).await;
    the_failure_at_the_limit_locks(store).await;
    a_lock_expires_with_the_clock(store).await;
    a_limit_of_one_locks_at_once(store).await;
    success_resets_the_count(store).await;
    success_while_locked_is_refused(store).await;
    lost_reservations_lock_after_a_while(store).await;
    unlock_clears_the_counters(store).await;
    login_writes_to_missing_users_are_not_found(store).await;
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
    assert_eq!(store.get_user("ghost").await.unwrap(), None, "no write may create the user");
}

async fn delete_removes(store: &dyn UserStore) {
    store.create_user(&sample("dave", &[])).await.unwrap();
    store.delete_user("dave").await.unwrap();
    assert_eq!(store.get_user("dave").await.unwrap(), None);
}

async fn reserve(store: &dyn UserStore, username: &str, now: u64, policy: LockoutPolicy) -> Reservation {
    store.reserve_login_attempt(username, now, policy).await.unwrap()
}

async fn counters(store: &dyn UserStore, username: &str) -> (u32, Option<u64>) {
    let user = store.get_user(username).await.unwrap().unwrap();
    (user.failed_logins, user.locked_until)
}

async fn unknown_users_are_reported_without_a_write(store: &dyn UserStore) {
    assert_eq!(reserve(store, "login-ghost", NOW, POLICY).await, Reservation::UnknownUser);
    assert_eq!(store.get_user("login-ghost").await.unwrap(), None, "no write may create the user");
}

async fn reservations_count_up_to_the_limit(store: &dyn UserStore) {
    let user = sample("login-frank", &["admin"]);
    store.create_user(&user).await.unwrap();
    for expected in 1..=3 {
        match reserve(store, "login-frank", NOW, POLICY).await {
            Reservation::Granted(granted) => {
                assert_eq!(granted.failed_logins, expected);
                assert_eq!(granted.last_attempt_at, Some(NOW));
                assert_eq!(
                    (&granted.user_id, &granted.roles, &granted.password_hash),
                    (&user.user_id, &user.roles, &user.password_hash)
                );
                assert_eq!(Some(granted), store.get_user("login-frank").await.unwrap(), "the user as stored");
            }
            other => panic!("reservation {expected}: {other:?}"),
        }
    }
    assert_eq!(reserve(store, "login-frank", NOW, POLICY).await, Reservation::Busy, "the limit is taken");
    assert_eq!(counters(store, "login-frank").await, (3, None), "a refused reservation takes nothing");
}

async fn the_failure_at_the_limit_locks(store: &dyn UserStore) {
    let until = NOW + 900;
    assert_eq!(store.lock_if_limit_reached("login-frank", NOW, POLICY).await.unwrap(), Some(until));
    assert_eq!(counters(store, "login-frank").await, (0, Some(until)));
    assert_eq!(store.lock_if_limit_reached("login-frank", NOW, POLICY).await.unwrap(), None, "already locked");
    assert_eq!(reserve(store, "login-frank", NOW + 1, POLICY).await, Reservation::Locked(until));
    assert_eq!(counters(store, "login-frank").await, (0, Some(until)), "a locked user's attempts are not taken");

    store.create_user(&sample("login-gail", &[])).await.unwrap();
    reserve(store, "login-gail", NOW, POLICY).await;
    assert_eq!(store.lock_if_limit_reached("login-gail", NOW, POLICY).await.unwrap(), None, "under the limit");
    assert_eq!(counters(store, "login-gail").await, (1, None), "a failure keeps its reservation");
}

async fn a_lock_expires_with_the_clock(store: &dyn UserStore) {
    let after = NOW + 900;
    assert!(
        matches!(reserve(store, "login-frank", after, POLICY).await, Reservation::Granted(u) if u.failed_logins == 1)
    );
}

async fn a_limit_of_one_locks_at_once(store: &dyn UserStore) {
    store.create_user(&sample("login-gina", &[])).await.unwrap();
    let strict = LockoutPolicy { max_attempts: 1, lockout_secs: 60 };
    assert!(matches!(reserve(store, "login-gina", NOW, strict).await, Reservation::Granted(_)));
    assert_eq!(store.lock_if_limit_reached("login-gina", NOW, strict).await.unwrap(), Some(NOW + 60));
}

async fn success_resets_the_count(store: &dyn UserStore) {
    store.create_user(&sample("login-hank", &[])).await.unwrap();
    reserve(store, "login-hank", NOW, POLICY).await;
    reserve(store, "login-hank", NOW, POLICY).await;
    assert_eq!(store.record_successful_login("login-hank", NOW).await.unwrap(), LoginRecorded::Reset);
    assert_eq!(counters(store, "login-hank").await, (0, None));
}

async fn success_while_locked_is_refused(store: &dyn UserStore) {
    store.create_user(&sample("login-ida", &[])).await.unwrap();
    for _ in 0..3 {
        reserve(store, "login-ida", NOW, POLICY).await;
    }
    // One of three attempts in flight fails and locks; the right password among them finishes after.
    let until = store.lock_if_limit_reached("login-ida", NOW, POLICY).await.unwrap().unwrap();
    assert_eq!(store.record_successful_login("login-ida", NOW).await.unwrap(), LoginRecorded::Locked(until));
    assert_eq!(counters(store, "login-ida").await, (0, Some(until)), "the lock stands");
}

async fn lost_reservations_lock_after_a_while(store: &dyn UserStore) {
    store.create_user(&sample("login-jay", &[])).await.unwrap();
    for _ in 0..3 {
        reserve(store, "login-jay", NOW, POLICY).await;
    }
    let soon = NOW + STALE_RESERVATION_SECS - 1;
    assert_eq!(reserve(store, "login-jay", soon, POLICY).await, Reservation::Busy, "may still be in flight");
    let stale = NOW + STALE_RESERVATION_SECS;
    assert_eq!(reserve(store, "login-jay", stale, POLICY).await, Reservation::Locked(stale + 900));
    assert_eq!(counters(store, "login-jay").await, (0, Some(stale + 900)));
}

async fn unlock_clears_the_counters(store: &dyn UserStore) {
    store.update_user("login-jay", UserChange::Unlock).await.unwrap();
    assert_eq!(counters(store, "login-jay").await, (0, None));
    assert!(matches!(reserve(store, "login-jay", NOW + 61, POLICY).await, Reservation::Granted(_)));
}

async fn login_writes_to_missing_users_are_not_found(store: &dyn UserStore) {
    let not_found = StoreError::NotFound("login-ghost".into());
    assert_eq!(store.lock_if_limit_reached("login-ghost", NOW, POLICY).await, Err(not_found.clone()));
    assert_eq!(store.record_successful_login("login-ghost", NOW).await, Err(not_found));
    assert_eq!(store.get_user("login-ghost").await.unwrap(), None, "no write may create the user");
}

async fn replace_password_hash_is_conditional(store: &dyn UserStore) {
    store.create_user(&sample("login-ivy", &[])).await.unwrap();
    let old = store.get_user("login-ivy").await.unwrap().unwrap().password_hash;
    assert!(store.replace_password_hash("login-ivy", &old, "$argon2id$rehashed").await.unwrap());
    assert!(
        !store.replace_password_hash("login-ivy", &old, "$argon2id$stale").await.unwrap(),
        "the hash changed meanwhile"
    );
    assert_eq!(store.get_user("login-ivy").await.unwrap().unwrap().password_hash, "$argon2id$rehashed");
}

/// The sessions side: what every [`super::SessionStore`] must do.
pub async fn run_sessions(store: &dyn super::SessionStore) {
    use crate::session::{RefreshToken, SECRET_BYTES, Session, session_id};

    let alice = sample("alice", &["admin"]);
    let token = |n: u8| RefreshToken::new(&session_id([n; 16]), [n; SECRET_BYTES]).unwrap();
    let start = |n: u8, user: &User, at_ms: u64| Session::start(session_id([n; 16]), user, &token(n), at_ms, 3600);
    let now_ms = NOW * 1000;

    // Created once, read back identically, never overwritten.
    let first = start(1, &alice, now_ms);
    store.create_session(&first).await.unwrap();
    assert_eq!(store.get_session(&first.session_id).await.unwrap(), Some(first.clone()));
    assert!(matches!(store.create_session(&first).await, Err(StoreError::AlreadyExists(_))));
    assert_eq!(store.get_session("nope").await.unwrap(), None);

    // Rotation: exactly one of two rotations of the same read applies.
    let second_hash = format!("{:0>64}", 2);
    assert!(store.rotate_session(&first, &second_hash).await.unwrap());
    assert!(!store.rotate_session(&first, "lost-the-race").await.unwrap(), "the token changed meanwhile");
    let rotated = store.get_session(&first.session_id).await.unwrap().unwrap();
    assert_eq!(rotated.token_hash, second_hash);
    assert_eq!(rotated.spent, std::slice::from_ref(&first.token_hash));
    assert_eq!((rotated.created_at_ms, rotated.expires_at), (first.created_at_ms, first.expires_at), "same life span");

    // Many rotations keep only the newest spent hashes.
    let mut current = rotated;
    for i in 0..(crate::session::MAX_SPENT + 3) {
        let next = format!("{i:0>64}");
        assert!(store.rotate_session(&current, &next).await.unwrap());
        current = store.get_session(&first.session_id).await.unwrap().unwrap();
    }
    assert_eq!(current.spent.len(), crate::session::MAX_SPENT);

    // Revoked: no rotation applies any more; revoking twice or a missing one is fine.
    store.revoke_session(&first.session_id).await.unwrap();
    store.revoke_session(&first.session_id).await.unwrap();
    store.revoke_session("nope").await.unwrap();
    let revoked = store.get_session(&first.session_id).await.unwrap().unwrap();
    assert!(revoked.revoked);
    assert!(!store.rotate_session(&revoked, "after-revocation").await.unwrap());

    // A user's sessions: listed oldest first, deleted together, others untouched.
    let bob = sample("bob", &[]);
    store.create_session(&start(3, &alice, now_ms + 5)).await.unwrap();
    store.create_session(&start(4, &bob, now_ms + 1)).await.unwrap();
    let listed: Vec<String> = store.list_sessions("alice").await.unwrap().into_iter().map(|s| s.session_id).collect();
    assert_eq!(listed, [session_id([1; 16]), session_id([3; 16])]);
    assert_eq!(store.delete_sessions("alice").await.unwrap(), 2);
    assert!(store.list_sessions("alice").await.unwrap().is_empty());
    assert_eq!(store.delete_sessions("alice").await.unwrap(), 0);
    assert_eq!(store.list_sessions("bob").await.unwrap().len(), 1);
}
