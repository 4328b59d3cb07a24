//! Sessions through the local API, as a client sees them: the refresh token
//! of a login, `POST /token` (rotation, reuse, the password grant),
//! `POST /revoke`, and the management API ending a user's sessions; on the
//! embedded store and on DynamoDB.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Harness, Options, PASSWORD, add_user};

/// An access token and a refresh token.
struct Pair {
    access: String,
    refresh: String,
}

impl Pair {
    fn of(reply: &support::Reply) -> Self {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let body = reply.json();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900, "JWT_TTL's default: 15 minutes");
        let field = |name: &str| body[name].as_str().unwrap_or_else(|| panic!("no {name}: {body}")).to_string();
        Self { access: field("access_token"), refresh: field("refresh_token") }
    }
}

impl Harness {
    async fn log_in(&self, username: &str, password: &str) -> Pair {
        let reply = self
            .send(
                self.client.post(self.url("/authenticate")).json(&json!({"username": username, "password": password})),
            )
            .await;
        Pair::of(&reply)
    }

    /// `POST /token`, form-encoded as RFC 6749 says.
    async fn token(&self, form: &[(&str, &str)]) -> support::Reply {
        let reply = self.send(self.client.post(self.url("/token")).form(form)).await;
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{}", reply.text);
        reply
    }

    async fn refresh(&self, refresh_token: &str) -> support::Reply {
        self.token(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
    }

    async fn revoke(&self, token: &str) -> support::Reply {
        self.send(self.client.post(self.url("/revoke")).form(&[("token", token)])).await
    }

    async fn with_bearer(&self, method: Method, path: &str, token: &str, body: Value) -> support::Reply {
        let request = self.client.request(method, self.url(path)).bearer_auth(token).json(&body);
        self.send(request).await
    }
}

fn assert_invalid_grant(reply: &support::Reply) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.json()["error"], "invalid_grant", "{}", reply.text);
    assert!(reply.json()["error_description"].is_string());
}

/// Login, rotation, reuse of a spent token ending the session, revocation,
/// the password grant, and the management API ending sessions.
async fn sessions_through_the_api(api: &Harness) {
    add_user(&api.store, "root", &["admin"]).await;
    add_user(&api.store, "alice", &["dev"]).await;

    // Rotation: a new pair; the new access token works behind the authorizer.
    let first = api.log_in("alice", PASSWORD).await;
    let second = Pair::of(&api.refresh(&first.refresh).await);
    assert_ne!(second.refresh, first.refresh);
    assert_eq!(api.hello(Some(&format!("Bearer {}", second.access))).await.status, StatusCode::OK);
    let third = Pair::of(&api.refresh(&second.refresh).await);

    // Reuse: the spent token ends the session, the newest token with it.
    assert_invalid_grant(&api.refresh(&first.refresh).await);
    assert_invalid_grant(&api.refresh(&third.refresh).await);

    // Revocation: 200 whatever the token; a known one ends its session.
    let session = api.log_in("alice", PASSWORD).await;
    let revoked = api.revoke(&session.refresh).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    for unknown in ["garbage", &third.refresh, &"A".repeat(64)] {
        let reply = api.revoke(unknown).await;
        assert_eq!((reply.status, reply.text.as_str()), (revoked.status, revoked.text.as_str()), "no oracle");
    }
    assert_invalid_grant(&api.refresh(&session.refresh).await);
    let empty = api.revoke("").await;
    assert_eq!((empty.status, empty.json()["error"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_request")));

    // The password grant: a login by another door, lockout and all.
    Pair::of(&api.token(&[("grant_type", "password"), ("username", "alice"), ("password", PASSWORD)]).await);
    let wrong = api.token(&[("grant_type", "password"), ("username", "alice"), ("password", "wrong")]).await;
    assert_eq!((wrong.status, wrong.json()["error"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_grant")));
    let unsupported = api.token(&[("grant_type", "client_credentials")]).await;
    assert_eq!(unsupported.json()["error"], "unsupported_grant_type");
    let missing = api.token(&[("grant_type", "refresh_token")]).await;
    assert_eq!(missing.json()["error"], "invalid_request");

    // The management API ends sessions: disable, password change (by the
    // user), delete. Each time an open session is refused afterwards.
    let root = api.log_in("root", PASSWORD).await;
    let open = api.log_in("alice", PASSWORD).await;
    let disabled = api.with_bearer(Method::PATCH, "/users/alice", &root.access, json!({"disabled": true})).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    assert_invalid_grant(&api.refresh(&open.refresh).await);
    let enabled = api.with_bearer(Method::PATCH, "/users/alice", &root.access, json!({"disabled": false})).await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.text);
    assert_invalid_grant(&api.refresh(&open.refresh).await);

    let open = api.log_in("alice", PASSWORD).await;
    let other = api.log_in("alice", PASSWORD).await;
    let new_password = "a brand new passphrase for alice";
    let changed = api
        .with_bearer(
            Method::PUT,
            "/me/password",
            &open.access,
            json!({"current_password": PASSWORD, "new_password": new_password}),
        )
        .await;
    assert!(changed.status.is_success(), "{} {}", changed.status, changed.text);
    assert_invalid_grant(&api.refresh(&open.refresh).await);
    assert_invalid_grant(&api.refresh(&other.refresh).await);

    let open = api.log_in("alice", new_password).await;
    let deleted = api.with_bearer(Method::DELETE, "/users/alice", &root.access, json!({})).await;
    assert!(deleted.status.is_success(), "{} {}", deleted.status, deleted.text);
    assert_invalid_grant(&api.refresh(&open.refresh).await);

    // The root's own session is untouched by all of that.
    Pair::of(&api.refresh(&root.refresh).await);
}

fn assert_no_refresh_token_logged(api: &Harness, tokens: &[&str]) {
    let log = api.log_lines().join("\n");
    for token in tokens {
        assert!(!log.contains(token), "a refresh token in the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_on_the_embedded_store() {
    let api = Harness::start(Options::default()).await;
    sessions_through_the_api(&api).await;

    // Only hashes on disk: a live token appears in no file of the store.
    add_user(&api.store, "carol", &[]).await;
    let pair = api.log_in("carol", PASSWORD).await;
    let rotated = Pair::of(&api.refresh(&pair.refresh).await);
    for entry in std::fs::read_dir(api.dir.path().join("data")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for token in [&pair.refresh, &rotated.refresh] {
            assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "a refresh token on disk");
        }
    }
    assert_no_refresh_token_logged(&api, &[&pair.refresh, &rotated.refresh]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_on_dynamodb() {
    support::require_dynamodb_endpoint();
    let table = format!("local-api-sessions-{}", uuid::Uuid::new_v4().simple());
    let api = Harness::start(Options { dynamodb_table: Some(table), ..Options::default() }).await;
    api.store.init().await.unwrap();
    sessions_through_the_api(&api).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_endpoints_answer_cors_preflights() {
    let api = Harness::start(Options::default()).await;
    for path in ["/token", "/revoke"] {
        let reply = api.call(Method::OPTIONS, path, None).await;
        assert!(reply.status.is_success(), "{path}: {}", reply.status);
        assert!(reply.header("access-control-allow-methods").is_some_and(|m| m.contains("POST")), "{path}");
    }
}
