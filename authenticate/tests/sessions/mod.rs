//! One `Authenticate` over one store pair, for the session flows of
//! `tests/refresh.rs`: memory, one SQLite file (users and sessions), or two
//! fresh DynamoDB tables on the server `scripts/test.sh` starts.

pub mod accounts;
pub mod http;
pub mod rotation;

use std::sync::Arc;

use authenticate::{Authenticate, AuthenticateConfig, Stores};
use aws_sdk_dynamodb::Client;
use common::clock::now_epoch_seconds;
use common::password::{Params, PasswordHasher};
use common::session::{RefreshToken, Session};
use common::store::memory::{MemorySessionStore, MemoryUserStore};
use common::store::{SessionStore, UserStore};
use common::testing::{TempDir, Tokens};
use common::token::{Claims, TokenVerifier};
use lambda_http::Request;
use lambda_http::http::StatusCode;
use store_sqlite::SqliteUserStore;

use self::http::{Reply, send};

pub const PASSWORD: &str = "correct horse battery staple";
/// `LOGIN_MAX_ATTEMPTS` for these tests.
pub const MAX_ATTEMPTS: u32 = 3;
/// The users every harness starts with: alice a viewer, bob without roles.
pub const ALICE: &str = "alice";
pub const BOB: &str = "bob";

/// argon2 at its minimum cost: these tests are about sessions, and a login's
/// cost is the benches' business. Users are hashed with it too, so no login
/// rewrites a hash.
pub fn hasher() -> PasswordHasher {
    PasswordHasher::with_params(Params::new(8, 1, 1, None).unwrap())
}

/// What holds the stores' bytes, to look for tokens in them.
enum Backend {
    Memory,
    /// The folder of the one database file (and its `-wal`, `-shm`).
    Sqlite(TempDir),
    Dynamo {
        client: Client,
        tables: [String; 2],
    },
}

pub struct Harness {
    pub app: Arc<Authenticate>,
    pub users: Arc<dyn UserStore>,
    pub sessions: Arc<dyn SessionStore>,
    backend: Backend,
}

/// A token pair from a 200.
#[derive(Debug, Clone)]
pub struct Pair {
    pub access: String,
    pub refresh: String,
}

impl Pair {
    pub fn from_reply(reply: &Reply, context: &str) -> Self {
        assert_eq!(reply.status, StatusCode::OK, "{context}: {reply:?}");
        assert_eq!(reply.body["token_type"], "Bearer", "{context}");
        assert_eq!(reply.body["expires_in"], 3600, "{context}");
        let text = |name: &str| reply.body[name].as_str().unwrap_or_else(|| panic!("{context}: no {name}")).to_string();
        let pair = Self { access: text("access_token"), refresh: text("refresh_token") };
        assert!(RefreshToken::parse(&pair.refresh).is_some(), "{context}: the refresh token is one of ours");
        pair
    }
}

pub fn config() -> AuthenticateConfig {
    crate::support::authenticate_config(MAX_ATTEMPTS)
}

impl Harness {
    pub async fn memory() -> Self {
        Self::new(Arc::new(MemoryUserStore::new()), Arc::new(MemorySessionStore::new()), Backend::Memory).await
    }

    pub async fn sqlite() -> Self {
        let dir = TempDir::new("refresh-test");
        let store = Arc::new(SqliteUserStore::open(dir.path().join("auth.sqlite3")).unwrap());
        Self::new(store.clone(), store, Backend::Sqlite(dir)).await
    }

    pub async fn dynamodb() -> Self {
        // Fails without AWS_ENDPOINT_URL_DYNAMODB, as every DynamoDB test here does.
        let users = store_dynamodb::testing::fresh_store().await;
        let sessions = store_dynamodb::testing::fresh_session_store().await;
        let client = store_dynamodb::testing::client().await;
        let tables = [users.table().to_string(), sessions.table().to_string()];
        Self::new(Arc::new(users), Arc::new(sessions), Backend::Dynamo { client, tables }).await
    }

    async fn new(users: Arc<dyn UserStore>, sessions: Arc<dyn SessionStore>, backend: Backend) -> Self {
        let hash = hasher().hash(PASSWORD).unwrap();
        users.create_user(&common::testing::user(ALICE, hash.clone(), &["viewer"])).await.unwrap();
        users.create_user(&common::testing::user(BOB, hash, &[])).await.unwrap();
        let app = Arc::new(Self::build(&users, &sessions, &config()));
        Self { app, users, sessions, backend }
    }

    fn build(
        users: &Arc<dyn UserStore>,
        sessions: &Arc<dyn SessionStore>,
        config: &AuthenticateConfig,
    ) -> Authenticate {
        Authenticate::new(config, Stores::new(users.clone(), sessions.clone()), hasher()).unwrap()
    }

    /// Another `Authenticate` on the same stores, configured otherwise.
    pub fn app_with(&self, config: AuthenticateConfig) -> Authenticate {
        Self::build(&self.users, &self.sessions, &config)
    }

    pub async fn send(&self, request: Request) -> Reply {
        send(&self.app, request).await
    }

    /// A login of `username` with the right password: a new session.
    pub async fn login(&self, username: &str) -> Pair {
        Pair::from_reply(&self.send(http::login(username, PASSWORD)).await, &format!("login {username}"))
    }

    pub async fn refresh(&self, token: &str) -> Reply {
        self.send(http::refresh(token)).await
    }

    /// A refresh that must succeed: the next pair.
    pub async fn rotate(&self, token: &str) -> Pair {
        Pair::from_reply(&self.refresh(token).await, "refresh")
    }

    pub async fn assert_refused(&self, token: &str, context: &str) {
        self.refresh(token).await.assert_invalid_grant(context);
    }

    /// The stored session a refresh token belongs to.
    pub async fn session_of(&self, token: &str) -> Session {
        let id = RefreshToken::parse(token).unwrap().session_id();
        self.sessions.get_session(&id).await.unwrap().expect("the session is stored")
    }

    /// Everything the backend holds, as bytes: the database files; every
    /// item of both tables as the SDK reads them; for memory, what its API shows.
    pub async fn raw_contents(&self) -> Vec<u8> {
        match &self.backend {
            Backend::Memory => {
                let mut text = String::new();
                for username in [ALICE, BOB] {
                    text.push_str(&format!("{:?}", self.users.get_user(username).await.unwrap()));
                    for s in self.sessions.list_sessions(username).await.unwrap() {
                        text.push_str(&format!(
                            "{} {} {} {} {:?}\n",
                            s.session_id, s.username, s.user_id, s.token_hash, s.spent
                        ));
                    }
                }
                text.into_bytes()
            }
            Backend::Sqlite(dir) => {
                let mut bytes = Vec::new();
                for entry in std::fs::read_dir(dir.path()).unwrap() {
                    bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
                }
                bytes
            }
            Backend::Dynamo { client, tables } => {
                let mut text = String::new();
                for table in tables {
                    let scan = client.scan().table_name(table).consistent_read(true).send().await.unwrap();
                    assert!(scan.last_evaluated_key().is_none(), "one page holds these few items");
                    text.push_str(&format!("{:?}\n", scan.items()));
                }
                text.into_bytes()
            }
        }
    }
}

/// The claims of an access token this service issued.
pub fn claims(access_token: &str) -> Claims {
    let tokens = Tokens::with_secret("0123456789abcdef0123456789abcdef");
    let verifier = TokenVerifier::new(&tokens.verifier_config()).unwrap();
    verifier.verify(access_token, now_epoch_seconds()).unwrap()
}
