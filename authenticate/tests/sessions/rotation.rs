//! The session's own life: rotation, reuse, a race, revocation, expiry, and
//! what the store keeps of its tokens.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::clock::now_epoch_millis;
use common::session::{RefreshToken, SECRET_BYTES, Session, session_id};
use lambda_http::http::StatusCode;
use serde_json::json;
use tokio::task::JoinSet;

use super::http::{self, FORM, JSON, Reply};
use super::{ALICE, BOB, Harness, PASSWORD, Pair, claims, config};

const DAY_SECS: u64 = 86_400;

/// What the store keeps of a token.
fn hash(token: &str) -> String {
    RefreshToken::parse(token).unwrap().hash()
}

fn session_of(token: &str) -> String {
    RefreshToken::parse(token).unwrap().session_id()
}

/// A token of our shape with fresh random bytes.
fn random_token(session: Option<&str>) -> RefreshToken {
    let id = session.map_or_else(|| session_id(*uuid::Uuid::new_v4().as_bytes()), str::to_string);
    let mut secret = [0u8; SECRET_BYTES];
    secret[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    secret[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    RefreshToken::new(&id, secret).unwrap()
}

pub async fn rotation(h: &Harness) {
    let first = h.login(ALICE).await;
    let started = h.session_of(&first.refresh).await;
    assert_eq!(started.token_hash, hash(&first.refresh));
    assert!(started.spent.is_empty() && !started.revoked, "{started:?}");
    assert_eq!(started.expires_at, started.created_at_ms / 1000 + config().refresh_ttl.as_secs(), "REFRESH_TTL");

    let mut chain = vec![first.clone()];
    for n in 0..3 {
        let previous = chain.last().unwrap();
        // RFC 6749 says form-encoded; JSON is accepted too.
        let request = if n == 1 { http::refresh_json(&previous.refresh) } else { http::refresh(&previous.refresh) };
        let next = Pair::from_reply(&h.send(request).await, &format!("rotation {n}"));
        assert_ne!(next.refresh, previous.refresh, "a new refresh token each time");
        assert_ne!(next.access, previous.access);
        assert_eq!(session_of(&next.refresh), session_of(&first.refresh), "the same session");
        let claims = claims(&next.access);
        assert_eq!((claims.username.as_str(), claims.roles.as_slice()), (ALICE, &["viewer".to_string()][..]));
        assert_eq!(claims.sub, super::claims(&first.access).sub);
        chain.push(next);
    }
    let stored = h.session_of(&first.refresh).await;
    assert_eq!(stored.token_hash, hash(&chain[3].refresh));
    assert_eq!(stored.spent, chain[..3].iter().map(|p| hash(&p.refresh)).collect::<Vec<_>>(), "oldest first");
    assert!(!stored.revoked);
    assert_eq!((stored.created_at_ms, stored.expires_at), (started.created_at_ms, started.expires_at), "not extended");
}

pub async fn reuse_revokes_the_session(h: &Harness) {
    let t0 = h.login(ALICE).await;
    let other = h.login(ALICE).await;
    let t1 = h.rotate(&t0.refresh).await;
    let t2 = h.rotate(&t1.refresh).await;

    h.assert_refused(&t0.refresh, "a spent token presented again").await;
    assert!(h.session_of(&t2.refresh).await.revoked, "reuse revokes the whole session");
    h.assert_refused(&t2.refresh, "the newest token of a session ended by reuse").await;
    h.assert_refused(&t1.refresh, "another spent token").await;
    h.rotate(&other.refresh).await;
}

/// Of concurrent refreshes with one token, one rotates; the others lost the
/// race or found the token spent, both of which the service treats as reuse:
/// the session ends, and the winner's new token with it.
pub async fn concurrent_refresh_has_exactly_one_winner(h: &Harness) {
    const RACERS: usize = 12;
    let start = h.login(ALICE).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut racers = JoinSet::new();
    for _ in 0..RACERS {
        let (app, barrier, request) = (h.app.clone(), barrier.clone(), http::refresh(&start.refresh));
        racers.spawn(async move {
            barrier.wait().await;
            http::send(&app, request).await
        });
    }
    let replies = racers.join_all().await;
    let (winners, losers): (Vec<&Reply>, Vec<&Reply>) = replies.iter().partition(|r| r.status == StatusCode::OK);
    assert_eq!(winners.len(), 1, "{replies:?}");
    for loser in losers {
        loser.assert_invalid_grant("a refresh that lost the race");
    }
    let winner = Pair::from_reply(winners[0], "the winner");
    let stored = h.session_of(&start.refresh).await;
    assert!(stored.revoked, "the session ends: {stored:?}");
    assert_eq!((stored.token_hash, stored.spent), (hash(&winner.refresh), vec![hash(&start.refresh)]), "one rotation");
    h.assert_refused(&winner.refresh, "the winner's token, after the race").await;
}

pub async fn revoke_ends_the_session(h: &Harness) {
    let a = h.login(ALICE).await;
    let b = h.login(ALICE).await;
    let reply = h.send(http::revoke(&a.refresh)).await;
    assert_eq!((reply.status, &reply.body), (StatusCode::OK, &json!({})));
    assert!(h.session_of(&a.refresh).await.revoked);
    h.assert_refused(&a.refresh, "a revoked token").await;

    // A spent token still names its session: its holder may end it.
    let b1 = h.rotate(&b.refresh).await;
    let b2 = h.rotate(&b1.refresh).await;
    let by_json = h.send(http::post("/revoke", Some(JSON), &json!({"token": b.refresh}).to_string())).await;
    assert_eq!((by_json.status, by_json.body), (StatusCode::OK, json!({})));
    h.assert_refused(&b2.refresh, "the newest token of a session revoked with a spent one").await;
    assert_eq!(h.send(http::revoke(&b2.refresh)).await.status, StatusCode::OK, "revoking twice");
}

/// RFC 7009 §2.2: the answer says nothing about the token. A token of the
/// right session but with the wrong secret must not end it either.
pub async fn revoke_answers_the_same_whatever_the_token(h: &Harness) {
    let live = h.login(ALICE).await;
    let ended = h.login(BOB).await;
    h.send(http::revoke(&ended.refresh)).await;
    let forged = random_token(Some(&session_of(&live.refresh)));
    let unknown = random_token(None);
    let presented = [
        ("a well-formed unknown token", unknown.expose().to_string()),
        ("garbage", "not-a-refresh-token".to_string()),
        ("a token too long", format!("{}AAAA", live.refresh)),
        ("an access token", live.access.clone()),
        ("a live session with the wrong secret", forged.expose().to_string()),
        ("a revoked session's token", ended.refresh.clone()),
    ];
    let mut replies = Vec::new();
    for (what, token) in &presented {
        replies.push((what, h.send(http::revoke(token)).await));
    }
    replies.push((&"a live token", h.send(http::revoke(&h.login(BOB).await.refresh)).await));
    let (_, first) = &replies[0];
    for (what, reply) in &replies {
        assert_eq!((reply.status, reply.text.as_str()), (StatusCode::OK, "{}"), "{what}");
        assert_eq!(reply.headers, first.headers, "{what}");
    }
    h.rotate(&live.refresh).await;

    // RFC 6749 §3.1: an empty parameter is an omitted one; a malformed
    // request, answered the same whatever a token would have been.
    for body in ["token=", "", "token_type_hint=refresh_token"] {
        h.send(http::post("/revoke", Some(FORM), body)).await.assert_oauth_error("invalid_request", body);
    }
}

/// A session ends `REFRESH_TTL` after its login, to the second, whatever its
/// refreshes.
pub async fn expired_sessions_are_refused(h: &Harness) {
    let user = h.users.get_user(ALICE).await.unwrap().unwrap();
    let now = now_epoch_millis();
    let mut written = Vec::new();
    // Live, ending this very second, ended two days ago (written last: SQLite
    // deletes the sessions expired by a new session's start).
    for started in [now, now - DAY_SECS * 1000, now - 3 * DAY_SECS * 1000] {
        let token = random_token(None);
        let session = Session::start(token.session_id(), &user, &token, started, DAY_SECS);
        h.sessions.create_session(&session).await.unwrap();
        written.push(token.expose().to_string());
    }
    for token in &written {
        h.session_of(token).await;
    }
    h.rotate(&written[0]).await;
    h.assert_refused(&written[1], "a session at its last second").await;
    h.assert_refused(&written[2], "a session that ended two days ago").await;

    // Through a login, with sessions of 3 s: a refresh within them, none after.
    let mut short = config();
    short.refresh_ttl = Duration::from_secs(3);
    let app = h.app_with(short);
    let first = Pair::from_reply(&http::send(&app, http::login(ALICE, PASSWORD)).await, "login");
    let expires_at = h.session_of(&first.refresh).await.expires_at;
    let next = Pair::from_reply(&http::send(&app, http::refresh(&first.refresh)).await, "refresh within 3 s");
    assert_eq!(h.session_of(&next.refresh).await.expires_at, expires_at, "a refresh does not extend it");
    let left = (expires_at * 1000).saturating_sub(now_epoch_millis());
    tokio::time::sleep(Duration::from_millis(left + 50)).await;
    http::send(&app, http::refresh(&next.refresh)).await.assert_invalid_grant("after REFRESH_TTL");
}

/// Only SHA-256 of tokens: neither a token nor its secret, in any form, in
/// what the store returns or in the bytes it keeps.
pub async fn no_refresh_token_in_the_store(h: &Harness) {
    let a0 = h.login(ALICE).await;
    let a1 = h.rotate(&a0.refresh).await;
    let a2 = h.rotate(&a1.refresh).await;
    h.assert_refused(&a0.refresh, "reuse").await;
    let b0 = Pair::from_reply(&h.send(http::password_grant(BOB, PASSWORD)).await, "password grant");
    let b1 = h.rotate(&b0.refresh).await;
    h.send(http::revoke(&b1.refresh)).await;
    let c0 = h.login(ALICE).await;
    let issued: Vec<String> = [a0, a1, a2, b0, b1, c0.clone()].into_iter().map(|p| p.refresh).collect();
    let hashes: HashSet<String> = issued.iter().map(|t| hash(t)).collect();
    // The token's text past the session id, and its secret's raw bytes.
    let needles: Vec<Vec<u8>> = issued
        .iter()
        .flat_map(|t| {
            [t.as_bytes().to_vec(), t.as_bytes()[22..].to_vec(), URL_SAFE_NO_PAD.decode(t).unwrap()[16..].to_vec()]
        })
        .collect();

    let mut sessions = h.sessions.list_sessions(ALICE).await.unwrap();
    sessions.extend(h.sessions.list_sessions(BOB).await.unwrap());
    assert_eq!(sessions.len(), 3, "{sessions:?}");
    for session in &sessions {
        assert!(hashes.contains(&session.token_hash), "{session:?}");
        assert!(session.spent.iter().all(|spent| hashes.contains(spent)), "{session:?}");
        let fields = [&session.session_id, &session.username, &session.user_id, &session.token_hash];
        for field in fields.into_iter().chain(&session.spent) {
            assert!(needles.iter().all(|n| !contains(field.as_bytes(), n)), "{session:?}");
        }
    }

    let raw = h.raw_contents().await;
    assert!(contains(&raw, hash(&c0.refresh).as_bytes()), "the raw contents hold the sessions");
    for (n, needle) in needles.iter().enumerate() {
        assert!(!contains(&raw, needle), "needle {n} (token {}) is stored", n / 3);
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}
