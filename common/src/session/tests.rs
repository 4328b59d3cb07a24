use super::*;

const NOW_MS: u64 = 1_795_885_200_000;
const NOW: u64 = NOW_MS / 1000;

fn user() -> User {
    crate::testing::user("alice", "$argon2id$x", &["admin"])
}

fn token(secret: u8) -> RefreshToken {
    RefreshToken::new(&session_id([7; SESSION_ID_BYTES]), [secret; SECRET_BYTES]).unwrap()
}

#[test]
fn a_token_is_48_random_bytes_naming_its_session() {
    let id = session_id([7; SESSION_ID_BYTES]);
    assert_eq!(id.len(), 22);
    let token = token(9);
    assert_eq!(token.expose().len(), 64, "48 bytes of base64url, URL-safe");
    assert!(token.expose().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(token.session_id(), id);
    assert_eq!(RefreshToken::parse(token.expose()), Some(token.clone()));
    assert_eq!(token.hash().len(), 64);
    assert_ne!(token.hash(), self::token(10).hash());
    assert!(!format!("{token:?}").contains(token.expose()));
}

#[test]
fn anything_else_is_not_a_token() {
    let good = token(9).expose().to_string();
    let plus = format!("+{}", &good[1..]);
    for bad in ["", "abc", &good[..63], &format!("{good}A"), &plus, "a.b.c", &"=".repeat(64)] {
        assert_eq!(RefreshToken::parse(bad), None, "{bad:?}");
    }
    assert_eq!(RefreshToken::new("not-an-id", [0; SECRET_BYTES]), None);
}

#[test]
fn a_presented_token_is_current_spent_or_invalid() {
    let first = token(1);
    let mut session = Session::start(first.session_id(), &user(), &first, NOW_MS, 3600);
    assert_eq!(session.expires_at, NOW + 3600);
    assert_eq!(session.presented(&first.hash(), NOW), Presented::Current);
    assert_eq!(session.presented(&token(2).hash(), NOW), Presented::Invalid(InvalidGrant::UnknownToken));
    session.spent = session.spent_after(&first.hash());
    session.token_hash = token(2).hash();
    assert_eq!(session.presented(&first.hash(), NOW), Presented::Spent);
    assert_eq!(session.presented(&token(2).hash(), NOW + 3599), Presented::Current);
    assert_eq!(session.presented(&token(2).hash(), NOW + 3600), Presented::Invalid(InvalidGrant::Expired));
    session.revoked = true;
    assert_eq!(session.presented(&token(2).hash(), NOW), Presented::Invalid(InvalidGrant::Revoked));
}

#[test]
fn the_spent_list_keeps_the_newest() {
    let first = token(1);
    let mut session = Session::start(first.session_id(), &user(), &first, NOW_MS, 3600);
    for i in 0..(MAX_SPENT + 5) {
        session.spent = session.spent_after(&format!("hash-{i}"));
    }
    assert_eq!(session.spent.len(), MAX_SPENT);
    assert_eq!(session.spent.last().unwrap(), &format!("hash-{}", MAX_SPENT + 4));
    assert_eq!(session.spent[0], "hash-5");
}

#[test]
fn the_user_as_it_is_now_decides() {
    let alice = user();
    let first = token(1);
    let session = Session::start(first.session_id(), &alice, &first, NOW_MS, 3600);
    assert!(session.still_valid_for(Some(&alice)));
    assert!(!session.still_valid_for(None), "deleted");
    let mut disabled = alice.clone();
    disabled.disabled = true;
    assert!(!session.still_valid_for(Some(&disabled)));
    let reborn = crate::testing::user("alice", "$argon2id$x", &["admin"]);
    assert!(!session.still_valid_for(Some(&reborn)), "same name, another user");
    let mut ended = alice.clone();
    ended.sessions_revoked_at = Some(NOW_MS);
    assert!(!session.still_valid_for(Some(&ended)), "ended in the same millisecond");
    ended.sessions_revoked_at = Some(NOW_MS - 1);
    assert!(session.still_valid_for(Some(&ended)), "a session started after the end");
}
