//! A refresh reads the user as it is now: what an operator changes reaches
//! the next refresh. And the token endpoint's other grant and its refusals.
//!
//! The operator's side is written to the user store directly, as `users::Users`
//! leaves it: the change, plus `UserChange::EndSessions` where the operation
//! ends every session (disable, password change).

use std::time::Duration;

use common::clock::now_epoch_millis;
use common::store::UserChange;
use lambda_http::http::StatusCode;
use lambda_http::http::header::{ALLOW, RETRY_AFTER};

use super::http::{self, FORM, JSON};
use super::{ALICE, BOB, Harness, MAX_ATTEMPTS, PASSWORD, Pair, claims, hasher};

/// What an operator does to end a user's sessions, at this millisecond.
async fn end_sessions(h: &Harness, username: &str) {
    h.users.update_user(username, UserChange::EndSessions(now_epoch_millis())).await.unwrap();
    // A session started in the same millisecond counts as ended (fail-closed);
    // the next login must start after it.
    tokio::time::sleep(Duration::from_millis(5)).await;
}

pub async fn a_disabled_user_cannot_refresh(h: &Harness) {
    let a = h.login(ALICE).await;
    let b = h.login(ALICE).await;
    let bob = h.login(BOB).await;
    h.users.update_user(ALICE, UserChange::Disabled(true)).await.unwrap();
    h.assert_refused(&a.refresh, "a disabled user").await;
    assert!(h.session_of(&a.refresh).await.revoked, "a refresh refused for the user ends the session");
    h.send(http::password_grant(ALICE, PASSWORD)).await.assert_invalid_grant("the password grant of a disabled user");

    end_sessions(h, ALICE).await;
    h.users.update_user(ALICE, UserChange::Disabled(false)).await.unwrap();
    h.assert_refused(&b.refresh, "a session of before the disabling, once enabled again").await;
    h.rotate(&h.login(ALICE).await.refresh).await;
    h.rotate(&bob.refresh).await;
}

/// A user deleted and created again under the same name is someone else:
/// the old sessions stay refused even if never presented in between.
pub async fn a_deleted_user_cannot_refresh(h: &Harness) {
    let a = h.login(ALICE).await;
    let b = h.login(ALICE).await;
    let bob = h.login(BOB).await;
    h.users.delete_user(ALICE).await.unwrap();
    h.assert_refused(&a.refresh, "a deleted user").await;
    let gone = h.send(http::password_grant(ALICE, PASSWORD)).await;
    gone.assert_invalid_grant("the password grant of a deleted user");

    let again = common::testing::user(ALICE, hasher().hash(PASSWORD).unwrap(), &["viewer"]);
    h.users.create_user(&again).await.unwrap();
    h.assert_refused(&b.refresh, "a session of the user deleted, under the name created again").await;
    let fresh = h.rotate(&h.login(ALICE).await.refresh).await;
    assert_eq!(claims(&fresh.access).sub, again.user_id);
    h.rotate(&bob.refresh).await;
}

pub async fn a_password_change_ends_every_session(h: &Harness) {
    const NEW_PASSWORD: &str = "a brand new passphrase";
    let a0 = h.login(ALICE).await;
    let a1 = h.rotate(&a0.refresh).await;
    let b0 = h.login(ALICE).await;
    let bob = h.login(BOB).await;
    let new_hash = hasher().hash(NEW_PASSWORD).unwrap();
    h.users.update_user(ALICE, UserChange::PasswordHash(new_hash)).await.unwrap();
    end_sessions(h, ALICE).await;

    h.assert_refused(&a1.refresh, "a rotated session of before the change").await;
    h.assert_refused(&b0.refresh, "a session of before the change").await;
    assert_eq!(h.send(http::login(ALICE, PASSWORD)).await.status, StatusCode::UNAUTHORIZED, "the old password");
    let fresh = Pair::from_reply(&h.send(http::login(ALICE, NEW_PASSWORD)).await, "the new password");
    h.rotate(&fresh.refresh).await;
    h.rotate(&bob.refresh).await;
}

pub async fn changed_roles_reach_the_next_access_token(h: &Harness) {
    let first = h.login(ALICE).await;
    assert_eq!(claims(&first.access).roles, ["viewer"]);
    let roles = vec!["admin".to_string(), "dev".to_string()];
    h.users.update_user(ALICE, UserChange::Roles(roles.clone())).await.unwrap();
    let next = h.rotate(&first.refresh).await;
    let (before, after) = (claims(&first.access), claims(&next.access));
    assert_eq!(after.roles, roles);
    assert_eq!((after.sub, after.username), (before.sub, before.username));
    h.users.update_user(ALICE, UserChange::Roles(Vec::new())).await.unwrap();
    assert!(claims(&h.rotate(&next.refresh).await.access).roles.is_empty());
}

/// `grant_type=password` is a login: the same lockout, counted together with
/// `/authenticate`'s attempts, and once locked the same 429.
pub async fn the_password_grant_is_a_login(h: &Harness) {
    let grant = Pair::from_reply(&h.send(http::password_grant(ALICE, PASSWORD)).await, "password grant");
    assert_eq!(claims(&grant.access).username, ALICE);
    let session = h.rotate(&grant.refresh).await;
    let json = format!(r#"{{"grant_type":"password","username":"ALICE","password":"{PASSWORD}"}}"#);
    Pair::from_reply(&h.send(http::post("/token", Some(JSON), &json)).await, "password grant as JSON");

    // One attempt fewer than the limit through /token, the last through /authenticate.
    let mut wrong = Vec::new();
    for _ in 1..MAX_ATTEMPTS {
        wrong.push(h.send(http::password_grant(ALICE, "not the password")).await);
    }
    let unknown = h.send(http::password_grant("nobody", PASSWORD)).await;
    for reply in wrong.iter().chain([&unknown]) {
        reply.assert_invalid_grant("a wrong password or an unknown user");
        assert_eq!(reply.text, unknown.text, "no oracle for usernames");
    }
    let last = h.send(http::login(ALICE, "not the password")).await;
    assert_eq!(last.status, StatusCode::UNAUTHORIZED, "{last:?}");

    let by_grant = h.send(http::password_grant(ALICE, PASSWORD)).await;
    let by_login = h.send(http::login(ALICE, PASSWORD)).await;
    for reply in [&by_grant, &by_login] {
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "locked, the right password too: {reply:?}");
        assert!(reply.body.get("access_token").is_none() && reply.body.get("refresh_token").is_none());
        let retry_after: u64 = reply.headers[RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&retry_after), "{retry_after}");
    }
    assert_eq!(by_grant.body, by_login.body, "the same answer as /authenticate");
    Pair::from_reply(&h.send(http::password_grant(BOB, PASSWORD)).await, "another user is not locked");
    // The lock is against guessing passwords; a session started before goes on.
    h.rotate(&session.refresh).await;
}

/// RFC 6749 §5.2's codes for requests that are not a grant; none spends the
/// token it carries.
pub async fn malformed_requests_are_refused(h: &Harness) {
    let live = h.login(ALICE).await;
    let token = live.refresh.as_str();
    let valid = http::form(&[("grant_type", "refresh_token"), ("refresh_token", token)]);
    let twice = format!("{valid}&refresh_token={token}");
    let number = r#"{"grant_type":"refresh_token","refresh_token":5}"#;
    let cases = [
        ("/token", Some(FORM), "grant_type=client_credentials".to_string(), "unsupported_grant_type"),
        (
            "/token",
            Some(FORM),
            format!("grant_type=authorization_code&refresh_token={token}"),
            "unsupported_grant_type",
        ),
        ("/token", Some(FORM), format!("refresh_token={token}"), "invalid_request"),
        ("/token", Some(FORM), "grant_type=refresh_token".to_string(), "invalid_request"),
        ("/token", Some(FORM), "grant_type=refresh_token&refresh_token=".to_string(), "invalid_request"),
        ("/token", Some(FORM), twice, "invalid_request"),
        ("/token", Some(FORM), format!("grant_type=password&username={ALICE}"), "invalid_request"),
        ("/token", Some("text/plain"), valid.clone(), "invalid_request"),
        ("/token", Some("multipart/form-data; boundary=x"), valid.clone(), "invalid_request"),
        ("/token", None, valid.clone(), "invalid_request"),
        ("/token", Some(JSON), valid.clone(), "invalid_request"),
        ("/token", Some(JSON), number.to_string(), "invalid_request"),
        ("/revoke", Some("text/plain"), format!("token={token}"), "invalid_request"),
    ];
    for (resource, content_type, body, error) in cases {
        let reply = h.send(http::post(resource, content_type, &body)).await;
        reply.assert_oauth_error(error, &format!("{resource} {content_type:?} {body}"));
    }
    for resource in ["/token", "/revoke"] {
        let reply = h.send(http::request("GET", resource, None, "")).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{reply:?}");
        assert_eq!(reply.headers[ALLOW], "POST");
    }
    for garbage in ["not-a-token", "", "%00", &token[..40]] {
        let body = format!("grant_type=refresh_token&refresh_token={garbage}x");
        h.send(http::post("/token", Some(FORM), &body)).await.assert_invalid_grant(garbage);
    }
    assert_eq!(h.session_of(token).await.token_hash, common::session::RefreshToken::parse(token).unwrap().hash());
    h.rotate(token).await;
}
