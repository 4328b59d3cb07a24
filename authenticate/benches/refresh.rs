//! A refresh against a login, both whole requests through
//! `Authenticate::handle` on the same stores. A refresh is a session read, a
//! user read and one conditional write, with no argon2: it must cost far less
//! than a login (argon2id at the OWASP parameters, two conditional writes and
//! the new session's put), and on DynamoDB no more than its floor, those
//! three calls made directly. Each refresh presents the token the previous one
//! returned, so every iteration is a real rotation, never reuse. With
//! AWS_ENDPOINT_URL_DYNAMODB set (scripts/bench.sh starts moto) it also runs
//! against DynamoDB.

use std::cell::RefCell;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use authenticate::{Authenticate, AuthenticateConfig, Stores};
use common::password::PasswordHasher;
use common::session::RefreshToken;
use common::store::memory::{MemorySessionStore, MemoryUserStore};
use common::store::{LockoutPolicy, SessionStore, UserStore};
use common::testing::Tokens;
use criterion::{Criterion, criterion_group, criterion_main};
use lambda_http::http::StatusCode;
use lambda_http::http::request::Parts;
use lambda_http::{Body, Request};
use serde_json::{Value, json};
use store_dynamodb::{DynamoSessionStore, DynamoUserStore};
use tokio::runtime::Runtime;

const PASSWORD: &str = "correct horse battery staple";

fn config() -> AuthenticateConfig {
    AuthenticateConfig {
        issuer: Tokens::with_secret("bench-secret-0123456789abcdef0123").issuer_config(),
        cors_allow_origin: "*".into(),
        // Every login here has the right password: the limit is never reached.
        lockout: LockoutPolicy { max_attempts: 5, lockout_secs: 900 },
        refresh_ttl: Duration::from_secs(30 * 86_400),
    }
}

/// The sample event's request line and headers for `resource`, parsed once:
/// each iteration then only adds its body, so the event's JSON parsing (the
/// runtime's work, the same for both) is left out.
fn template(resource: &str, content_type: &str) -> Parts {
    let mut event: Value = serde_json::from_str(include_str!("../../events/authenticate-post.json")).unwrap();
    event["resource"] = json!(resource);
    event["path"] = json!(resource);
    event["requestContext"]["resourcePath"] = json!(resource);
    event["headers"]["Content-Type"] = json!(content_type);
    event["multiValueHeaders"]["Content-Type"] = json!([content_type]);
    event["body"] = json!("");
    lambda_http::request::from_str(&event.to_string()).unwrap().into_parts().0
}

/// One store pair, alice on it, and the app over it.
struct Setup {
    users: Arc<dyn UserStore>,
    sessions: Arc<dyn SessionStore>,
    app: Authenticate,
    login: Parts,
    refresh: Parts,
}

impl Setup {
    fn new(runtime: &Runtime, users: Arc<dyn UserStore>, sessions: Arc<dyn SessionStore>) -> Self {
        let hasher = PasswordHasher::owasp();
        let alice = common::testing::user("alice", hasher.hash(PASSWORD).unwrap(), &["admin", "dev"]);
        runtime.block_on(users.create_user(&alice)).unwrap();
        Self {
            app: Authenticate::new(&config(), Stores::new(users.clone(), sessions.clone()), hasher).unwrap(),
            users,
            sessions,
            login: template("/authenticate", "application/json"),
            refresh: template("/token", "application/x-www-form-urlencoded"),
        }
    }

    /// Sends `body` on `parts`; the new refresh token of the 200.
    fn send(&self, runtime: &Runtime, parts: &Parts, body: String) -> String {
        let response = runtime.block_on(self.app.handle(Request::from_parts(parts.clone(), Body::from(body)))).unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{response:?}");
        let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        body["refresh_token"].as_str().unwrap().to_string()
    }

    fn login(&self, runtime: &Runtime) -> String {
        let body = json!({"username": "alice", "password": PASSWORD}).to_string();
        self.send(runtime, &self.login, body)
    }

    fn bench(&self, c: &mut Criterion, runtime: &Runtime, stores: &str) {
        let mut group = c.benchmark_group("refresh");
        group.sample_size(10);
        let latest = RefCell::new(self.login(runtime));
        group.bench_function(format!("refresh (POST /token), {stores}"), |b| {
            b.iter(|| {
                let body = format!("grant_type=refresh_token&refresh_token={}", latest.borrow());
                let next = self.send(runtime, &self.refresh, body);
                *latest.borrow_mut() = next;
            })
        });
        group.bench_function(format!("login (POST /authenticate), {stores}"), |b| b.iter(|| self.login(runtime)));
        group.finish();
    }

    /// A refresh's store calls alone, on a session of their own: what a
    /// refresh cannot go below on a remote store.
    fn bench_floor(&self, c: &mut Criterion, runtime: &Runtime, stores: &str) {
        let id = RefreshToken::parse(&self.login(runtime)).unwrap().session_id();
        let mut group = c.benchmark_group("refresh");
        group.sample_size(10);
        let mut n = 0u64;
        group.bench_function(format!("refresh floor (get session, get user, rotate), {stores}"), |b| {
            b.iter(|| {
                n += 1;
                runtime.block_on(async {
                    let session = self.sessions.get_session(black_box(&id)).await.unwrap().unwrap();
                    self.users.get_user(black_box("alice")).await.unwrap().unwrap();
                    assert!(self.sessions.rotate_session(&session, &format!("{n:064x}")).await.unwrap());
                })
            })
        });
        group.finish();
    }
}

fn refresh(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let memory = Setup::new(&runtime, Arc::new(MemoryUserStore::new()), Arc::new(MemorySessionStore::new()));
    memory.bench(c, &runtime, "memory stores");

    if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some() {
        let (users, sessions) = runtime.block_on(async {
            let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let client = aws_sdk_dynamodb::Client::new(&config);
            let users = DynamoUserStore::new(client.clone(), format!("bench-refresh-users-{}", std::process::id()));
            let sessions = DynamoSessionStore::new(client, format!("bench-refresh-sessions-{}", std::process::id()));
            users.ensure_table().await.unwrap();
            sessions.ensure_table().await.unwrap();
            (users, sessions)
        });
        let dynamodb = Setup::new(&runtime, Arc::new(users), Arc::new(sessions));
        dynamodb.bench(c, &runtime, "DynamoDB stores");
        dynamodb.bench_floor(c, &runtime, "DynamoDB stores");
    } else {
        eprintln!("AWS_ENDPOINT_URL_DYNAMODB is not set: skipping the DynamoDB session benchmarks");
    }
}

criterion_group!(benches, refresh);
criterion_main!(benches);
