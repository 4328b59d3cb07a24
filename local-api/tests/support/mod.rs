//! Shared set-up: a local API on an ephemeral port over a store in a temp
//! dir, users created with the admin CLI's operations (the `users` crate),
//! and an HTTP client.

#![allow(dead_code)]

pub mod process;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use local_api::server::ServerLimits;
use local_api::{Gateway, GatewayBuilder, ManualClock, RouteTable, RunningServer, TokenAuthorizer};
use local_store::store::{Store, StoreArgs};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio::net::TcpListener;

pub const PASSWORD: &str = "correct horse battery staple";
pub const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A folder of the test's own, removed when dropped.
pub struct TempDir(common::testing::TempDir);

impl TempDir {
    pub fn new() -> Self {
        Self(common::testing::TempDir::new("local-api-test"))
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

#[allow(unused_imports)]
pub use store_dynamodb::testing::fresh_store;

/// The sample `GET /authenticate` event with these Basic credentials, as a
/// Lambda receives it (for tests that call the handlers directly).
pub fn basic_login(username: &str, password: &str) -> lambda_http::Request {
    use base64::Engine;
    let mut event: Value = serde_json::from_str(include_str!("../../../events/authenticate-get.json")).unwrap();
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    let header = format!("Basic {encoded}");
    event["headers"]["Authorization"] = serde_json::json!(header);
    event["multiValueHeaders"]["Authorization"] = serde_json::json!([header]);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

/// The operations `admin users ...` runs, on this store.
pub fn users(store: &Store) -> users::Users {
    users::Users::new(store.user_store(), store.session_store())
}

/// `admin users add <name> --role ...`, with [`PASSWORD`].
pub async fn add_user(store: &Store, username: &str, roles: &[&str]) {
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    users(store).add(username, PASSWORD, &roles, common::clock::now_epoch_seconds()).await.unwrap();
}

/// What a test changes about the server.
#[derive(Default)]
pub struct Options {
    pub env: Vec<(&'static str, String)>,
    pub routes: Option<RouteTable>,
    pub authorizer: Option<Arc<dyn TokenAuthorizer>>,
    pub authorizer_ttl: Option<u64>,
    /// The DynamoDB store of this users table (and `<table>-sessions`) instead of the embedded one.
    pub dynamodb_table: Option<String>,
    pub limits: ServerLimits,
    /// A REST API (the default) or an HTTP API.
    pub api: local_api::ApiKind,
}

/// A running local API and what the test needs to look inside it.
pub struct Harness {
    pub dir: TempDir,
    pub store: Store,
    pub gateway: Arc<Gateway>,
    pub server: RunningServer,
    pub clock: Arc<ManualClock>,
    pub log: Arc<Mutex<Vec<String>>>,
    pub client: reqwest::Client,
}

/// The environment the Lambdas would get: the secret and the test's extras.
fn environment(options: &Options) -> HashMap<String, String> {
    let mut env: HashMap<String, String> = HashMap::from([("JWT_SECRET".into(), SECRET.into())]);
    if let Some(table) = &options.dynamodb_table {
        env.insert("USERS_TABLE".into(), table.clone());
        env.insert("SESSIONS_TABLE".into(), format!("{table}-sessions"));
    }
    for (name, value) in &options.env {
        env.insert(name.to_string(), value.clone());
    }
    env
}

impl Harness {
    pub async fn start(options: Options) -> Self {
        let dir = TempDir::new();
        let env = environment(&options);
        let lookup = move |name: &str| env.get(name).cloned();
        let args = match options.dynamodb_table {
            Some(_) => StoreArgs::dynamodb(),
            None => StoreArgs::embedded(dir.path().join("data")),
        };
        let store = Store::open(&args, &lookup).await.unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        let mut builder = GatewayBuilder::new(&lookup, store.user_store(), store.session_store())
            .clock(clock.clone())
            .authorizer_ttl(options.authorizer_ttl)
            .api_kind(options.api);
        if let Some(routes) = options.routes {
            builder = builder.routes(routes);
        }
        if let Some(authorizer) = options.authorizer {
            builder = builder.authorizer("checkToken", authorizer);
        }
        let gateway = Arc::new(builder.build().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = RunningServer::start_with(
            gateway.clone(),
            listener,
            Arc::new(move |line: &str| sink.lock().unwrap().push(line.to_string())),
            options.limits,
        )
        .unwrap();
        Self { dir, store, gateway, server, clock, log, client: reqwest::Client::new() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    pub fn invocations(&self) -> u64 {
        self.gateway.authorizer_invocations()
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn last_log_line(&self) -> String {
        self.log_lines().last().cloned().unwrap_or_default()
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        Reply { status, headers, text }
    }

    /// `GET /authenticate` with HTTP Basic; the access token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let reply = self.send(self.client.get(self.url("/authenticate")).basic_auth(username, Some(password))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json()["access_token"].as_str().unwrap().to_string()
    }

    /// `GET /hello`, with this `Authorization` header if any.
    pub async fn hello(&self, authorization: Option<&str>) -> Reply {
        self.call(reqwest::Method::GET, "/hello", authorization).await
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, authorization: Option<&str>) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        self.send(request).await
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|err| panic!("{err}: {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Fails loudly, rather than skipping, when no DynamoDB endpoint is configured.
pub fn require_dynamodb_endpoint() {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some(),
        "AWS_ENDPOINT_URL_DYNAMODB is not set: run the suite with ./scripts/test.sh, which starts a local DynamoDB"
    );
}
