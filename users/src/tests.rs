use common::clock::now_epoch_millis;
use common::session::{RefreshToken, SECRET_BYTES, Session, session_id};
use common::store::memory::{MemorySessionStore, MemoryUserStore};
use common::store::unavailable::UnavailableStore;
use common::user::MAX_USERNAME_BYTES;

use super::*;

const PASSWORD: &str = "correct horse battery staple";
const NOW: u64 = 1_795_885_200;

/// argon2 at its minimum cost: these tests are about the rules, not the hash.
fn cheap() -> PasswordHasher {
    PasswordHasher::with_params(common::password::Params::new(8, 1, 1, None).unwrap())
}

fn users() -> (Users, Arc<MemoryUserStore>) {
    let (users, store, _) = with_sessions();
    (users, store)
}

fn with_sessions() -> (Users, Arc<MemoryUserStore>, Arc<MemorySessionStore>) {
    let (store, sessions) = (Arc::new(MemoryUserStore::new()), Arc::new(MemorySessionStore::new()));
    (Users::with_hasher(store.clone(), sessions.clone(), cheap()), store, sessions)
}

/// What a login starts: a session of the user as stored now, begun at `at_ms`.
async fn session_at(directory: &dyn UserDirectory, username: &str, at_ms: u64) -> Session {
    let user = directory.get_user(username).await.unwrap().unwrap();
    let id = session_id(*uuid::Uuid::new_v4().as_bytes());
    let token = RefreshToken::new(&id, [7; SECRET_BYTES]).unwrap();
    Session::start(id, &user, &token, at_ms, 3600)
}

/// A session a login starts now, stored.
async fn log_in(directory: &dyn UserDirectory, sessions: &MemorySessionStore, username: &str) -> Session {
    let session = session_at(directory, username, now_epoch_millis()).await;
    sessions.create_session(&session).await.unwrap();
    session
}

/// Whether a refresh would let the session go on, as far as its user goes.
async fn refreshable(directory: &dyn UserDirectory, session: &Session) -> bool {
    session.still_valid_for(directory.get_user(&session.username).await.unwrap().as_ref())
}

fn roles(names: &[&str]) -> Vec<String> {
    names.iter().map(|r| r.to_string()).collect()
}

#[tokio::test]
async fn add_normalizes_validates_and_never_overwrites() {
    let (users, store) = users();
    let alice = users.add("Alice", PASSWORD, &roles(&["admin", "dev", "admin"]), NOW).await.unwrap();
    assert_eq!((alice.username.as_str(), alice.roles.clone()), ("alice", roles(&["admin", "dev"])));
    assert_eq!(alice.created_at, "2026-11-28T17:00:00Z");
    assert_eq!(uuid::Uuid::parse_str(&alice.user_id).unwrap().get_version_num(), 4);
    assert!(alice.password_hash.starts_with("$argon2id$"));
    assert_eq!(store.get_user("alice").await.unwrap(), Some(alice));
    assert_eq!(users.add("ALICE", PASSWORD, &[], NOW).await, Err(UsersError::Exists("alice".into())));
    assert_eq!(users.check_new("alice", &[]).await, Err(UsersError::Exists("alice".into())));
}

#[tokio::test]
async fn invalid_input_creates_nothing() {
    let (users, store) = users();
    for (name, password, role) in [
        ("", PASSWORD, "r"),
        ("a:b", PASSWORD, "r"),
        (&"x".repeat(MAX_USERNAME_BYTES + 1), PASSWORD, "r"),
        ("bob", "short", "r"),
        ("bob", PASSWORD, "a,b"),
        ("bob", PASSWORD, ""),
        (" spaced ", PASSWORD, "r"),
        ("bob", "          ", "r"),
    ] {
        let result = users.add(name, password, &roles(&[role]), NOW).await;
        assert!(matches!(result, Err(UsersError::Invalid(_))), "{name:?} {password:?} {role:?}: {result:?}");
    }
    assert!(store.list_users().await.unwrap().is_empty());
}

#[tokio::test]
async fn changes_apply_and_name_a_missing_user() {
    let (users, _) = users();
    users.add("carol", PASSWORD, &[], NOW).await.unwrap();
    let before = users.get("CAROL").await.unwrap().password_hash;
    users.set_password("Carol", "another long password").await.unwrap();
    assert_ne!(users.get("carol").await.unwrap().password_hash, before);
    assert_eq!(users.set_roles("carol", &roles(&["ops", "ops"])).await.unwrap(), roles(&["ops"]));
    users.set_disabled("carol", true).await.unwrap();
    assert!(users.get("carol").await.unwrap().disabled);
    users.unlock("carol").await.unwrap();
    users.delete("carol").await.unwrap();
    let missing = UsersError::NotFound("carol".into());
    assert_eq!(users.get("carol").await.unwrap_err(), missing);
    assert_eq!(users.set_password("carol", PASSWORD).await.unwrap_err(), missing);
    assert_eq!(users.set_disabled("carol", false).await.unwrap_err(), missing);
    assert_eq!(users.disable("carol").await.unwrap_err(), missing);
    assert_eq!(users.unlock("carol").await.unwrap_err(), missing);
    assert_eq!(users.delete("carol").await.unwrap_err(), missing);
    assert_eq!(users.end_sessions("carol").await.unwrap_err(), missing);
    assert_eq!(users.sessions("carol", NOW).await.unwrap_err(), missing);
    assert!(matches!(users.set_roles("carol", &roles(&["bad role"])).await, Err(UsersError::Invalid(_))));
}

#[test]
fn passwords_need_eight_characters_and_fit_a_login() {
    assert!(check_password("1234567").is_err());
    assert!(check_password("12345678").is_ok());
    assert!(check_password("äöüäöüäö").is_ok(), "characters, not bytes");
    assert!(check_password(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
}

#[tokio::test]
async fn a_password_of_only_whitespace_is_refused_when_set_or_changed() {
    let only_whitespace = UsersError::Invalid("the password is only whitespace".into());
    for blank in [" ".repeat(8), "\t".repeat(12), "\u{a0}".repeat(9)] {
        assert_eq!(check_password(&blank), Err(only_whitespace.clone()), "{blank:?}");
    }
    assert!(check_password("  inner spaces are fine  ").is_ok());
    let (users, store) = users();
    users.add("carol", PASSWORD, &[], NOW).await.unwrap();
    let before = store.get_user("carol").await.unwrap().unwrap().password_hash;
    assert_eq!(users.set_password("carol", "          ").await.unwrap_err(), only_whitespace);
    assert_eq!(store.get_user("carol").await.unwrap().unwrap().password_hash, before);
}

#[tokio::test]
async fn disabling_ends_every_session_and_enabling_brings_none_back() {
    let (users, store, sessions) = with_sessions();
    users.add("alice", PASSWORD, &[], NOW).await.unwrap();
    users.add("bob", PASSWORD, &[], NOW).await.unwrap();
    let alices = [log_in(&*store, &sessions, "alice").await, log_in(&*store, &sessions, "alice").await];
    let bobs = log_in(&*store, &sessions, "bob").await;

    assert_eq!(users.disable("Alice").await, Ok(SessionsEnded::Deleted(2)));
    for session in &alices {
        assert!(!refreshable(&*store, session).await);
    }
    assert!(sessions.list_sessions("alice").await.unwrap().is_empty(), "items deleted");
    assert!(refreshable(&*store, &bobs).await, "another user's sessions go on");
    assert_eq!(sessions.list_sessions("bob").await.unwrap(), [bobs]);

    users.enable("alice").await.unwrap();
    for session in &alices {
        assert!(!refreshable(&*store, session).await, "not resurrected by enabling");
    }
    let ended_at = store.get_user("alice").await.unwrap().unwrap().sessions_revoked_at.unwrap();
    let after = session_at(&*store, "alice", ended_at + 1).await;
    assert!(refreshable(&*store, &after).await, "a login after enabling starts a session that lasts");
}

#[tokio::test]
async fn a_new_password_ends_every_session() {
    let (users, store, sessions) = with_sessions();
    users.add("carol", PASSWORD, &[], NOW).await.unwrap();
    let session = log_in(&*store, &sessions, "carol").await;
    assert_eq!(users.set_password("CAROL", "another long password").await, Ok(SessionsEnded::Deleted(1)));
    assert!(!refreshable(&*store, &session).await);
    assert!(sessions.list_sessions("carol").await.unwrap().is_empty());
    assert!(!store.get_user("carol").await.unwrap().unwrap().disabled);
    // A refused password changes nothing, sessions included.
    let kept = log_in(&*store, &sessions, "carol").await;
    assert!(matches!(users.set_password("carol", "short").await, Err(UsersError::Invalid(_))));
    assert_eq!(sessions.list_sessions("carol").await.unwrap(), [kept]);
}

#[tokio::test]
async fn deleting_a_user_ends_its_sessions_even_under_the_same_name_again() {
    let (users, store, sessions) = with_sessions();
    users.add("dave", PASSWORD, &[], NOW).await.unwrap();
    let session = log_in(&*store, &sessions, "dave").await;
    assert_eq!(users.delete("Dave").await, Ok(SessionsEnded::Deleted(1)));
    assert!(!refreshable(&*store, &session).await);
    assert!(sessions.list_sessions("dave").await.unwrap().is_empty());
    users.add("dave", PASSWORD, &[], NOW).await.unwrap();
    assert!(!refreshable(&*store, &session).await, "the new dave is someone else");
}

#[tokio::test]
async fn ending_sessions_keeps_the_user_as_it_is() {
    let (users, store, sessions) = with_sessions();
    users.add("erin", PASSWORD, &roles(&["ops"]), NOW).await.unwrap();
    let before = store.get_user("erin").await.unwrap().unwrap();
    let ended = [log_in(&*store, &sessions, "erin").await, log_in(&*store, &sessions, "erin").await];
    assert_eq!(users.end_sessions("ERIN").await, Ok(SessionsEnded::Deleted(2)));
    for session in &ended {
        assert!(!refreshable(&*store, session).await);
    }
    let after = store.get_user("erin").await.unwrap().unwrap();
    assert!(after.sessions_revoked_at.is_some());
    assert_eq!(User { sessions_revoked_at: None, ..after }, before, "nothing else changed");
    assert_eq!(users.end_sessions("erin").await, Ok(SessionsEnded::Deleted(0)), "none left");
}

/// A mark set by a clock ahead of ours stays: lowering it would revive the
/// sessions started in between.
#[tokio::test]
async fn the_end_of_sessions_never_moves_back() {
    let (users, store, sessions) = with_sessions();
    users.add("iris", PASSWORD, &[], NOW).await.unwrap();
    let ahead = now_epoch_millis() + 3_600_000;
    store.update_user("iris", UserChange::EndSessions(ahead)).await.unwrap();
    let session = session_at(&*store, "iris", ahead - 1).await;
    sessions.create_session(&session).await.unwrap();
    users.end_sessions("iris").await.unwrap();
    users.disable("iris").await.unwrap();
    users.set_password("iris", "another long password").await.unwrap();
    assert_eq!(store.get_user("iris").await.unwrap().unwrap().sessions_revoked_at, Some(ahead));
    assert!(!session.still_valid_for(store.get_user("iris").await.unwrap().as_ref()));
}

#[tokio::test]
async fn sessions_are_listed_with_their_state_and_never_a_hash() {
    let (users, store, sessions) = with_sessions();
    users.add("fay", PASSWORD, &[], NOW).await.unwrap();
    let now_ms = now_epoch_millis();
    let active = session_at(&*store, "fay", now_ms - 2).await;
    let mut expired = session_at(&*store, "fay", now_ms - 1).await;
    expired.expires_at = now_ms / 1000 - 1;
    let revoked = session_at(&*store, "fay", now_ms).await;
    for session in [&active, &expired, &revoked] {
        sessions.create_session(session).await.unwrap();
    }
    sessions.revoke_session(&revoked.session_id).await.unwrap();
    let now = now_ms / 1000;
    let listed = users.sessions("FAY", now).await.unwrap();
    let states: Vec<(&str, SessionState)> = listed.iter().map(|s| (s.session_id.as_str(), s.state)).collect();
    assert_eq!(
        states,
        [
            (active.session_id.as_str(), SessionState::Active),
            (expired.session_id.as_str(), SessionState::Expired),
            (revoked.session_id.as_str(), SessionState::Revoked),
        ]
    );
    assert_eq!((listed[0].created_at_ms, listed[0].expires_at), (active.created_at_ms, active.expires_at));
    assert!(!format!("{listed:?}").contains(&active.token_hash));

    // Ended with the user's: kept in the list (here, as if the cleanup had
    // failed) and shown revoked, not active.
    store.update_user("fay", UserChange::EndSessions(now_ms)).await.unwrap();
    let listed = users.sessions("fay", now).await.unwrap();
    assert_eq!(listed[0].state, SessionState::Revoked);
}

/// The write on the user is what ends the sessions: once it is done, a
/// failed cleanup is logged and the operation succeeds.
#[tokio::test]
async fn a_failed_cleanup_still_ends_the_sessions_and_succeeds() {
    let store = Arc::new(MemoryUserStore::new());
    let users = Users::with_hasher(store.clone(), Arc::new(UnavailableStore), cheap());
    users.add("gus", PASSWORD, &[], NOW).await.unwrap();
    let session = session_at(&*store, "gus", now_epoch_millis()).await;
    assert_eq!(users.set_password("gus", "another long password").await, Ok(SessionsEnded::NotDeleted));
    assert!(!refreshable(&*store, &session).await);
    assert_eq!(users.end_sessions("gus").await, Ok(SessionsEnded::NotDeleted));
    assert_eq!(users.disable("gus").await, Ok(SessionsEnded::NotDeleted));
    users.set_disabled("gus", true).await.unwrap();
    assert_eq!(users.delete("gus").await, Ok(SessionsEnded::NotDeleted));
    assert_eq!(store.get_user("gus").await.unwrap(), None);
}

/// Cleanup never runs before the write that ends the sessions: when that
/// write fails, the operation fails and every session item is left as it was.
#[tokio::test]
async fn a_failed_change_leaves_the_sessions_alone() {
    let (seed, sessions) = (MemoryUserStore::new(), Arc::new(MemorySessionStore::new()));
    seed.create_user(&common::testing::user("hal", "$argon2id$x", &[])).await.unwrap();
    let session = log_in(&seed, &sessions, "hal").await;
    let users = Users::with_hasher(Arc::new(UnavailableStore), sessions.clone(), cheap());
    for result in [
        users.set_password("hal", PASSWORD).await,
        users.disable("hal").await,
        users.set_disabled("hal", true).await.map(|()| SessionsEnded::Deleted(0)),
        users.delete("hal").await,
        users.end_sessions("hal").await,
    ] {
        assert!(matches!(result, Err(UsersError::Unavailable(_))), "{result:?}");
    }
    assert_eq!(sessions.list_sessions("hal").await.unwrap(), [session]);
}
