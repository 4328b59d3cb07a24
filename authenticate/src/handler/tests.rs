use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::clock::now_epoch_seconds;
use common::password::PasswordHasher;
use common::store::memory::{MemorySessionStore, MemoryUserStore};
use common::store::unavailable::UnavailableStore;
use common::store::{LockoutPolicy, UserDirectory};
use common::testing::Tokens;
use common::token::TokenVerifier;
use lambda_http::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL};
use serde_json::Value;

use super::*;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const PASSWORD: &str = "correct horse battery staple";
const GET_EVENT: &str = include_str!("../../../events/authenticate-get.json");
const POST_EVENT: &str = include_str!("../../../events/authenticate-post.json");

fn tokens() -> Tokens {
    Tokens::with_secret(SECRET).ttl(Duration::from_secs(900)).leeway(Duration::ZERO)
}

fn config() -> AuthenticateConfig {
    AuthenticateConfig {
        issuer: tokens().issuer_config(),
        cors_allow_origin: "*".into(),
        lockout: LockoutPolicy { max_attempts: 5, lockout_secs: 900 },
        refresh_ttl: std::time::Duration::from_secs(30 * 86_400),
    }
}

fn verifier() -> TokenVerifier {
    TokenVerifier::new(&tokens().verifier_config()).unwrap()
}

async fn store_with_users() -> Arc<MemoryUserStore> {
    let hasher = PasswordHasher::owasp();
    let store = Arc::new(MemoryUserStore::new());
    let alice = common::testing::user("alice", hasher.hash(PASSWORD).unwrap(), &["admin"]);
    let mut dave = common::testing::user("dave", hasher.hash(PASSWORD).unwrap(), &[]);
    dave.disabled = true;
    store.create_user(&alice).await.unwrap();
    store.create_user(&dave).await.unwrap();
    store
}

async fn app() -> Authenticate {
    Authenticate::new(
        &config(),
        Stores::new(store_with_users().await, Arc::new(MemorySessionStore::new())),
        PasswordHasher::owasp(),
    )
    .unwrap()
}

fn get(authorization: Option<&str>) -> Request {
    let mut event: Value = serde_json::from_str(GET_EVENT).unwrap();
    let headers = ["headers", "multiValueHeaders"];
    for h in headers {
        event[h].as_object_mut().unwrap().remove("Authorization");
    }
    if let Some(value) = authorization {
        event["headers"]["Authorization"] = json!(value);
        event["multiValueHeaders"]["Authorization"] = json!([value]);
    }
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

fn post(content_type: Option<&str>, body: &str) -> Request {
    lambda_http::request::from_str(&post_event(content_type, body).to_string()).unwrap()
}

fn post_event(content_type: Option<&str>, body: &str) -> Value {
    let mut event: Value = serde_json::from_str(POST_EVENT).unwrap();
    for h in ["headers", "multiValueHeaders"] {
        event[h].as_object_mut().unwrap().remove("Content-Type");
    }
    if let Some(ct) = content_type {
        event["headers"]["Content-Type"] = json!(ct);
        event["multiValueHeaders"]["Content-Type"] = json!([ct]);
    }
    event["body"] = json!(body);
    event
}

fn with_method(method: &str) -> Request {
    let mut event: Value = serde_json::from_str(GET_EVENT).unwrap();
    event["httpMethod"] = json!(method);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

/// A request to another of the function's resources (`/token`, `/revoke`).
fn at(method: &str, resource: &str, content_type: Option<&str>, body: &str) -> Request {
    let mut event: Value = serde_json::from_str(POST_EVENT).unwrap();
    for h in ["headers", "multiValueHeaders"] {
        event[h].as_object_mut().unwrap().remove("Content-Type");
    }
    if let Some(ct) = content_type {
        event["headers"]["Content-Type"] = json!(ct);
        event["multiValueHeaders"]["Content-Type"] = json!([ct]);
    }
    event["httpMethod"] = json!(method);
    event["requestContext"]["httpMethod"] = json!(method);
    event["resource"] = json!(resource);
    event["path"] = json!(resource);
    event["requestContext"]["resourcePath"] = json!(resource);
    event["body"] = json!(body);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn body_text(response: &Response<Body>) -> String {
    match response.body() {
        Body::Text(text) => text.clone(),
        other => panic!("unexpected body {other:?}"),
    }
}

fn body_json(response: &Response<Body>) -> Value {
    serde_json::from_str(&body_text(response)).unwrap()
}

fn error_body(error: &str, description: &str) -> Value {
    json!({"error": error, "error_description": description})
}

/// Every error answer has both fields, as non-empty strings, and nothing else.
fn assert_uniform_error(response: &Response<Body>, context: &str) {
    let body = body_json(response);
    let fields = body.as_object().unwrap_or_else(|| panic!("{context}: not an object: {body}"));
    let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(keys, ["error", "error_description"], "{context}: {body}");
    for key in keys {
        assert!(body[key].as_str().is_some_and(|text| !text.is_empty()), "{context}: {body}");
    }
}

#[tokio::test]
async fn sample_get_event_logs_in_with_basic() {
    let response = app().await.handle(lambda_http::request::from_str(GET_EVENT).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let body = body_json(&response);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let claims = verifier().verify(body["access_token"].as_str().unwrap(), now_epoch_seconds()).unwrap();
    assert_eq!(claims.username, "alice");
    assert_eq!(claims.roles, vec!["admin".to_string()]);
}

#[tokio::test]
async fn sample_post_event_logs_in_with_json() {
    let response = app().await.handle(lambda_http::request::from_str(POST_EVENT).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{}", body_text(&response));
    assert!(body_json(&response)["access_token"].is_string());
    assert!(!response.headers().contains_key(WWW_AUTHENTICATE));
}

#[tokio::test]
async fn usernames_are_case_insensitive() {
    let response = app().await.handle(get(Some(&basic("ALICE", PASSWORD)))).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_identical_401s() {
    let app = app().await;
    let wrong = app.handle(get(Some(&basic("alice", "wrong password")))).await.unwrap();
    let unknown = app.handle(get(Some(&basic("mallory", PASSWORD)))).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body_text(&wrong), body_text(&unknown));
    assert_eq!(wrong.headers(), unknown.headers());
    assert_eq!(body_json(&wrong)["error"], "invalid_credentials");
    assert_eq!(wrong.headers()[WWW_AUTHENTICATE], r#"Basic realm="authenticate", charset="UTF-8""#);

    let wrong_post =
        app.handle(post(Some("application/json"), r#"{"username":"alice","password":"nope"}"#)).await.unwrap();
    let unknown_post =
        app.handle(post(Some("application/json"), r#"{"username":"zed","password":"nope"}"#)).await.unwrap();
    assert_eq!(wrong_post.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body_text(&wrong_post), body_text(&unknown_post));
    assert!(!wrong_post.headers().contains_key(WWW_AUTHENTICATE), "no browser dialog for POST");
}

#[tokio::test]
async fn missing_credentials_or_other_schemes_are_401_with_a_challenge() {
    let app = app().await;
    for authorization in [None, Some("Bearer abc.def.ghi"), Some("Digest x")] {
        let response = app.handle(get(authorization)).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(body_json(&response)["error"], "invalid_credentials");
        assert!(body_json(&response)["error_description"].is_string());
        assert!(response.headers().contains_key(WWW_AUTHENTICATE));
    }
}

#[tokio::test]
async fn malformed_basic_is_400() {
    let app = app().await;
    for authorization in [
        "Basic !!!".to_string(),
        "Basic ".to_string(),
        format!("Basic {}", STANDARD.encode("no-colon")),
        basic("", PASSWORD),
        basic("alice", ""),
        basic(&"a".repeat(129), PASSWORD),
        basic("alice", &"p".repeat(1025)),
    ] {
        let response = app.handle(get(Some(&authorization))).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{authorization:.40}");
        assert_eq!(body_json(&response)["error"], "invalid_request");
        assert!(body_json(&response)["error_description"].is_string());
    }
}

#[tokio::test]
async fn post_needs_json() {
    let app = app().await;
    let response = app.handle(post(Some("text/plain"), r#"{"username":"alice","password":"x"}"#)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body_json(&response)["error"], "invalid_request");
    let response = app.handle(post(None, r#"{"username":"alice","password":"x"}"#)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let ok = app
        .handle(post(
            Some("application/json; charset=utf-8"),
            &json!({"username": "alice", "password": PASSWORD}).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    for body in ["{", r#"{"username":"alice"}"#, r#"{"username":"","password":"x"}"#] {
        let response = app.handle(post(Some("application/json"), body)).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        assert!(!response.headers().contains_key(WWW_AUTHENTICATE));
    }
}

/// A POST with `Authorization: Basic` and no body (`curl -u alice -X POST`).
fn post_with_basic(authorization: &str, content_type: Option<&str>, body: &str) -> Request {
    let mut event = post_event(content_type, body);
    event["headers"]["Authorization"] = json!(authorization);
    event["multiValueHeaders"]["Authorization"] = json!([authorization]);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

#[tokio::test]
async fn a_post_with_basic_and_no_body_logs_in_like_a_get() {
    let app = app().await;
    for content_type in [None, Some("application/json"), Some("text/plain")] {
        let response = app.handle(post_with_basic(&basic("alice", PASSWORD), content_type, "")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{content_type:?}: {}", body_text(&response));
        assert!(body_json(&response)["access_token"].is_string());
    }
    let wrong = app.handle(post_with_basic(&basic("alice", "wrong"), None, "")).await.unwrap();
    let unknown = app.handle(post_with_basic(&basic("mallory", PASSWORD), None, "")).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!((body_text(&wrong), wrong.headers()), (body_text(&unknown), unknown.headers()));
    assert!(!wrong.headers().contains_key(WWW_AUTHENTICATE), "no browser dialog for POST");
}

#[tokio::test]
async fn a_post_with_basic_and_a_body_is_ambiguous() {
    let app = app().await;
    let body = json!({"username": "alice", "password": PASSWORD}).to_string();
    let response =
        app.handle(post_with_basic(&basic("alice", PASSWORD), Some("application/json"), &body)).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        body_json(&response),
        error_body(
            "invalid_request",
            "send the credentials either as Authorization: Basic or as a JSON body, not both"
        )
    );
}

#[tokio::test]
async fn other_methods_are_405() {
    let app = app().await;
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] {
        let response = app.handle(with_method(method)).await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(response.headers()[ALLOW], "GET, POST");
    }
}

#[tokio::test]
async fn disabled_user_with_the_right_password_is_403() {
    let app = app().await;
    let response = app.handle(get(Some(&basic("dave", PASSWORD)))).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(body_json(&response), error_body("account_disabled", "the account is disabled; ask an administrator"));
    let wrong = app.handle(get(Some(&basic("dave", "wrong")))).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "a wrong password reveals nothing about the account");
}

#[tokio::test]
async fn store_failure_is_503_and_issues_no_token() {
    let app = Authenticate::new(
        &config(),
        Stores::new(Arc::new(UnavailableStore), Arc::new(MemorySessionStore::new())),
        PasswordHasher::owasp(),
    )
    .unwrap();
    let response = app.handle(get(Some(&basic("alice", PASSWORD)))).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body_json(&response), error_body("temporarily_unavailable", UNAVAILABLE));
}

#[tokio::test]
async fn corrupt_stored_hash_is_a_500_without_details() {
    let store = Arc::new(MemoryUserStore::new());
    store.create_user(&common::testing::user("erin", "not-a-phc-string", &[])).await.unwrap();
    let app =
        Authenticate::new(&config(), Stores::new(store, Arc::new(MemorySessionStore::new())), PasswordHasher::owasp())
            .unwrap();
    let response = app.handle(get(Some(&basic("erin", PASSWORD)))).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body_json(&response), error_body("server_error", "the request could not be completed"));
}

/// 400, 401, 403, 405, 415, 429, 500 and 503 from every endpoint: each says
/// what is wrong in `error_description` as well as `error`.
#[tokio::test]
async fn every_error_answer_carries_error_and_error_description() {
    let app = app().await;
    let token = |body: &str| at("POST", "/token", Some("application/x-www-form-urlencoded"), body);
    let mut answers = vec![
        ("401 unknown user", app.handle(get(Some(&basic("mallory", PASSWORD)))).await.unwrap()),
        ("401 no credentials", app.handle(get(None)).await.unwrap()),
        ("400 malformed Basic", app.handle(get(Some("Basic !!!"))).await.unwrap()),
        ("403 disabled", app.handle(get(Some(&basic("dave", PASSWORD)))).await.unwrap()),
        ("405", app.handle(with_method("PUT")).await.unwrap()),
        ("415", app.handle(post(Some("text/plain"), "{}")).await.unwrap()),
        ("400 token grant", app.handle(token("grant_type=refresh_token")).await.unwrap()),
        ("400 unsupported grant", app.handle(token("grant_type=magic")).await.unwrap()),
        ("400 invalid grant", app.handle(token("grant_type=refresh_token&refresh_token=x")).await.unwrap()),
        ("405 token", app.handle(at("GET", "/token", None, "")).await.unwrap()),
        ("405 revoke", app.handle(at("GET", "/revoke", None, "")).await.unwrap()),
    ];
    for _ in 0..5 {
        app.handle(get(Some(&basic("alice", "wrong")))).await.unwrap();
    }
    answers.push(("429", app.handle(get(Some(&basic("alice", PASSWORD)))).await.unwrap()));
    let unavailable = Authenticate::new(
        &config(),
        Stores::new(Arc::new(UnavailableStore), Arc::new(MemorySessionStore::new())),
        PasswordHasher::owasp(),
    )
    .unwrap();
    answers.push(("503", unavailable.handle(get(Some(&basic("alice", PASSWORD)))).await.unwrap()));
    let corrupt = Arc::new(MemoryUserStore::new());
    corrupt.create_user(&common::testing::user("erin", "not-a-phc-string", &[])).await.unwrap();
    let corrupt = Authenticate::new(
        &config(),
        Stores::new(corrupt, Arc::new(MemorySessionStore::new())),
        PasswordHasher::owasp(),
    )
    .unwrap();
    answers.push(("500", corrupt.handle(get(Some(&basic("erin", PASSWORD)))).await.unwrap()));
    for (context, response) in &answers {
        assert!(response.status().is_client_error() || response.status().is_server_error(), "{context}");
        assert_uniform_error(response, context);
    }
}

#[tokio::test]
async fn cors_origin_is_configurable_on_every_answer() {
    let mut config = config();
    config.cors_allow_origin = "https://app.example.com".into();
    let app = Authenticate::new(
        &config,
        Stores::new(store_with_users().await, Arc::new(MemorySessionStore::new())),
        PasswordHasher::owasp(),
    )
    .unwrap();
    for request in [get(Some(&basic("alice", PASSWORD))), get(None), get(Some("Basic !!"))] {
        let response = app.handle(request).await.unwrap();
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example.com");
    }
}

mod lockout_and_rehash {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;
    use common::password::Params;
    use common::store::{LoginRecorded, Reservation, StoreError, UserChange};

    use super::*;

    /// The memory store as a login sees it, counting round trips, and failing
    /// one kind of call on demand.
    #[derive(Default)]
    struct Observed {
        inner: MemoryUserStore,
        calls: AtomicUsize,
        failing: Option<&'static str>,
    }

    impl Observed {
        fn call(&self, name: &'static str) -> Result<(), StoreError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            match self.failing {
                Some(failing) if failing == name => Err(StoreError::Unavailable("throttled".into())),
                _ => Ok(()),
            }
        }

        fn calls(&self) -> usize {
            self.calls.swap(0, Ordering::SeqCst)
        }
    }

    #[async_trait]
    impl LoginStore for Observed {
        async fn reserve_login_attempt(
            &self,
            username: &str,
            now: u64,
            policy: LockoutPolicy,
        ) -> Result<Reservation, StoreError> {
            self.call("reserve")?;
            self.inner.reserve_login_attempt(username, now, policy).await
        }
        async fn lock_if_limit_reached(
            &self,
            username: &str,
            now: u64,
            policy: LockoutPolicy,
        ) -> Result<Option<u64>, StoreError> {
            self.call("lock")?;
            self.inner.lock_if_limit_reached(username, now, policy).await
        }
        async fn record_successful_login(&self, username: &str, now: u64) -> Result<LoginRecorded, StoreError> {
            self.call("success")?;
            self.inner.record_successful_login(username, now).await
        }
        async fn replace_password_hash(&self, username: &str, old: &str, new: &str) -> Result<bool, StoreError> {
            self.call("rehash")?;
            self.inner.replace_password_hash(username, old, new).await
        }
    }

    /// The observed store for logins; a refresh's reads and the sessions in memory.
    fn observed_stores(store: &Arc<Observed>) -> Stores {
        Stores {
            logins: store.clone(),
            users: Arc::new(MemoryUserStore::new()),
            sessions: Arc::new(MemorySessionStore::new()),
        }
    }

    async fn observed(failing: Option<&'static str>) -> (Arc<Observed>, Authenticate) {
        let store = Arc::new(Observed { failing, ..Default::default() });
        let user = common::testing::user("alice", PasswordHasher::owasp().hash(PASSWORD).unwrap(), &[]);
        store.inner.create_user(&user).await.unwrap();
        let app = Authenticate::new(&config(), observed_stores(&store), PasswordHasher::owasp()).unwrap();
        (store, app)
    }

    async fn status(app: &Authenticate, password: &str) -> Response<Body> {
        app.handle(get(Some(&basic("alice", password)))).await.unwrap()
    }

    #[tokio::test]
    async fn five_failures_lock_the_user_even_against_the_right_password() {
        let (store, app) = observed(None).await;
        for attempt in 1..=5 {
            assert_eq!(status(&app, "wrong").await.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
        }
        let locked = status(&app, PASSWORD).await;
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body_json(&locked), error_body("too_many_attempts", TOO_MANY_ATTEMPTS));
        let retry_after: u64 = locked.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!((899..=900).contains(&retry_after), "{retry_after}");
        assert_eq!(status(&app, "wrong").await.status(), StatusCode::TOO_MANY_REQUESTS);
        let user = store.inner.get_user("alice").await.unwrap().unwrap();
        assert_eq!(user.failed_logins, 0, "the locking write starts a new window");
        assert!(user.locked_until.is_some());
    }

    #[tokio::test]
    async fn no_password_is_verified_while_locked() {
        let (store, app) = observed(None).await;
        for _ in 0..5 {
            status(&app, "wrong").await;
        }
        // Were the password checked, this corrupt hash would make a 500.
        store.inner.update_user("alice", UserChange::PasswordHash("corrupt".into())).await.unwrap();
        assert_eq!(status(&app, PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    }

    #[tokio::test]
    async fn an_expired_lock_lets_the_user_in() {
        let store = Arc::new(MemoryUserStore::new());
        let mut user = common::testing::user("alice", PasswordHasher::owasp().hash(PASSWORD).unwrap(), &[]);
        user.locked_until = Some(now_epoch_seconds() - 1);
        store.create_user(&user).await.unwrap();
        let app = Authenticate::new(
            &config(),
            Stores::new(store, Arc::new(MemorySessionStore::new())),
            PasswordHasher::owasp(),
        )
        .unwrap();
        assert_eq!(status(&app, PASSWORD).await.status(), StatusCode::OK);
    }

    /// A login is one reservation (which also reads the user), plus the reset
    /// after a right password; a wrong one writes nothing more until it fills the limit.
    #[tokio::test]
    async fn round_trips_per_outcome() {
        let (store, app) = observed(None).await;
        assert_eq!(status(&app, PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(store.calls(), 2, "reserve + reset");
        status(&app, "wrong").await;
        assert_eq!(store.calls(), 1, "reserve only");
        status(&app, "wrong").await;
        store.calls();
        assert_eq!(store.inner.get_user("alice").await.unwrap().unwrap().failed_logins, 2);
        assert_eq!(status(&app, PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(store.inner.get_user("alice").await.unwrap().unwrap().failed_logins, 0, "a success resets");
        store.calls();
        for _ in 0..4 {
            status(&app, "wrong").await;
        }
        assert_eq!(store.calls(), 4);
        status(&app, "wrong").await;
        assert_eq!(store.calls(), 2, "the failure that fills the limit also locks");
    }

    #[tokio::test]
    async fn unknown_users_cost_one_round_trip_and_no_write() {
        let (store, app) = observed(None).await;
        for _ in 0..3 {
            let response = app.handle(get(Some(&basic("mallory", "guess")))).await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(store.calls(), 1, "as many as a wrong password");
        }
        assert_eq!(store.inner.get_user("mallory").await.unwrap(), None);
    }

    #[tokio::test]
    async fn no_attempt_without_a_reservation_and_no_token_without_the_reset() {
        for failing in ["reserve", "success"] {
            let (_, app) = observed(Some(failing)).await;
            let response = status(&app, PASSWORD).await;
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{failing}");
            assert_eq!(body_json(&response), error_body("temporarily_unavailable", UNAVAILABLE));
        }
        let (_, app) = observed(Some("reserve")).await;
        assert_eq!(status(&app, "wrong").await.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    /// The right password among attempts in flight: another attempt fills the
    /// limit and locks while it is being verified, so it gets 429, not a token.
    #[tokio::test]
    async fn a_lock_set_during_verification_wins_over_the_right_password() {
        let store = Arc::new(MemoryUserStore::new());
        store
            .create_user(&common::testing::user("alice", PasswordHasher::owasp().hash(PASSWORD).unwrap(), &[]))
            .await
            .unwrap();
        let policy = config().lockout;
        let now = now_epoch_seconds();
        // Four wrong attempts already reserved and in flight; ours takes the fifth.
        for _ in 0..4 {
            store.reserve_login_attempt("alice", now, policy).await.unwrap();
        }
        let login = LoginService::new(
            store.clone(),
            LockingWhileVerifying { inner: PasswordHasher::owasp(), store: store.clone(), policy, now },
            common::token::TokenIssuer::new(&config().issuer).unwrap(),
            policy,
        );
        let credentials = common::credentials::Credentials { username: "alice".into(), password: PASSWORD.into() };
        assert!(matches!(login.login(credentials, now).await, Err(crate::LoginError::Locked { .. })));
    }

    /// Verifies, and meanwhile (as a concurrent failure would) locks the user.
    struct LockingWhileVerifying {
        inner: PasswordHasher,
        store: Arc<MemoryUserStore>,
        policy: LockoutPolicy,
        now: u64,
    }

    impl common::password::PasswordHashing for LockingWhileVerifying {
        fn hash(&self, password: &str) -> Result<String, common::password::PasswordError> {
            self.inner.hash(password)
        }
        fn verify(
            &self,
            password: &str,
            stored: &str,
        ) -> Result<common::password::PasswordCheck, common::password::PasswordError> {
            let locked = tokio::runtime::Handle::current()
                .block_on(self.store.lock_if_limit_reached("alice", self.now, self.policy))
                .unwrap();
            assert!(locked.is_some(), "the limit was full");
            self.inner.verify(password, stored)
        }
        fn verify_dummy(&self, password: &str) {
            self.inner.verify_dummy(password)
        }
    }

    #[tokio::test]
    async fn a_limit_of_one_locks_on_the_first_failure() {
        let store = Arc::new(MemoryUserStore::new());
        store
            .create_user(&common::testing::user("alice", PasswordHasher::owasp().hash(PASSWORD).unwrap(), &[]))
            .await
            .unwrap();
        let mut config = config();
        config.lockout = LockoutPolicy { max_attempts: 1, lockout_secs: 60 };
        let app = Authenticate::new(
            &config,
            Stores::new(store, Arc::new(MemorySessionStore::new())),
            PasswordHasher::owasp(),
        )
        .unwrap();
        assert_eq!(status(&app, "wrong").await.status(), StatusCode::UNAUTHORIZED);
        let locked = status(&app, PASSWORD).await;
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(locked.headers()[RETRY_AFTER].to_str().unwrap().parse::<u64>().unwrap() <= 60);
    }

    #[tokio::test]
    async fn a_weak_hash_is_upgraded_on_login() {
        let store = Arc::new(MemoryUserStore::new());
        let weak = PasswordHasher::with_params(Params::new(8 * 1024, 1, 1, None).unwrap());
        let old_hash = weak.hash(PASSWORD).unwrap();
        store.create_user(&common::testing::user("alice", old_hash.clone(), &[])).await.unwrap();
        let app = Authenticate::new(
            &config(),
            Stores::new(store.clone(), Arc::new(MemorySessionStore::new())),
            PasswordHasher::owasp(),
        )
        .unwrap();
        assert_eq!(status(&app, PASSWORD).await.status(), StatusCode::OK);
        let new_hash = store.get_user("alice").await.unwrap().unwrap().password_hash;
        assert_ne!(new_hash, old_hash);
        assert!(new_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{new_hash}");
        assert_eq!(status(&app, PASSWORD).await.status(), StatusCode::OK, "the new hash verifies");
    }

    #[tokio::test]
    async fn a_current_hash_is_left_alone() {
        let (store, app) = observed(None).await;
        let before = store.inner.get_user("alice").await.unwrap().unwrap().password_hash;
        assert_eq!(status(&app, PASSWORD).await.status(), StatusCode::OK);
        assert_eq!(store.inner.get_user("alice").await.unwrap().unwrap().password_hash, before);
    }
}
