use common::store::memory::MemoryUserStore;
use common::user::MAX_USERNAME_BYTES;

use super::*;

const PASSWORD: &str = "correct horse battery staple";
const NOW: u64 = 1_795_885_200;

/// argon2 at its minimum cost: these tests are about the rules, not the hash.
fn users() -> (Users, Arc<MemoryUserStore>) {
    let store = Arc::new(MemoryUserStore::new());
    let cheap = PasswordHasher::with_params(common::password::Params::new(8, 1, 1, None).unwrap());
    (Users::with_hasher(store.clone(), cheap), store)
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
    let missing = Err(UsersError::NotFound("carol".into()));
    assert_eq!(users.get("carol").await, missing.clone().map(|_: ()| unreachable!()));
    assert_eq!(users.set_password("carol", PASSWORD).await, missing);
    assert_eq!(users.set_disabled("carol", false).await, missing);
    assert_eq!(users.unlock("carol").await, missing);
    assert_eq!(users.delete("carol").await, missing);
    assert!(matches!(users.set_roles("carol", &roles(&["bad role"])).await, Err(UsersError::Invalid(_))));
}

#[test]
fn passwords_need_eight_characters_and_fit_a_login() {
    assert!(check_password("1234567").is_err());
    assert!(check_password("12345678").is_ok());
    assert!(check_password("äöüäöüäö").is_ok(), "characters, not bytes");
    assert!(check_password(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
}
