//! The whole token service on one machine: the very handlers the Lambdas run
//! (`authenticate`, `check-token`, `hello`), behind an emulation of API
//! Gateway's REST API whose routes, CORS and TOKEN authorizer settings come
//! from `serverless.yml`.
//!
//! The pure parts have their own modules: [`routes`] (the route table from
//! `serverless.yml`), [`iam`] (policy evaluation), [`cache`] (the authorizer
//! cache), [`clock`]. [`gateway`] puts them together; [`server`] serves it
//! over HTTP; [`run`] is the binary. [`store`] (which user store, opened how)
//! and [`secret`] (random keys, the local JWT secret) are shared with the
//! `admin` CLI, which links this crate.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use authenticate::Authenticate;
use check_token::Authorizer;
use common::config::{AuthenticateConfig, CheckTokenConfig, ConfigError, HelloConfig, JWT_SECRET, process_env};
use common::password::PasswordHasher;
use common::store::UserStore;
use common::token::TokenError;
use tokio::net::TcpListener;

pub mod authorizer;
pub mod cache;
pub mod clock;
pub mod event;
pub mod gateway;
pub mod iam;
pub mod routes;
pub mod secret;
pub mod server;
pub mod store;
pub mod trust;

pub use authorizer::{CheckToken, TokenAuthorizer};
pub use clock::{Clock, ManualClock, SystemClock};
pub use event::ApiIdentity;
pub use gateway::{Function, Gateway};
pub use routes::RouteTable;
pub use server::{RequestLog, RunningServer};

use secret::{LocalSecretError, LocalSecretOrigin, load_or_create_local};
use store::{OpenError, Store, StoreArgs};

/// The region when `AWS_REGION` is unset.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Why the local API cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
    #[error("configuration error: {0}")]
    Token(#[from] TokenError),
    #[error(transparent)]
    Routes(#[from] routes::RouteError),
    #[error("serverless.yml routes to function {0:?}, which the local API cannot run")]
    UnknownFunction(String),
    #[error("user store: {0}")]
    Store(#[from] OpenError),
    /// The data folder's rule ([`trust`]); the message names the path and the fix.
    #[error(transparent)]
    Untrusted(#[from] trust::Untrusted),
    #[error("{0}")]
    Io(String),
}

/// Assembles a [`Gateway`] from configuration: the same `from_lookup`
/// parsing as the Lambdas, the routes of `serverless.yml`, and the
/// `check-token` authorizer, each replaceable in tests.
pub struct GatewayBuilder<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    store: Arc<dyn UserStore>,
    routes: Option<RouteTable>,
    clock: Arc<dyn Clock>,
    authorizers: HashMap<String, Arc<dyn TokenAuthorizer>>,
    ttl_override: Option<u64>,
}

impl<'a> GatewayBuilder<'a> {
    /// `lookup` reads the environment variables the Lambdas read.
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>, store: Arc<dyn UserStore>) -> Self {
        Self {
            lookup,
            store,
            routes: None,
            clock: Arc::new(SystemClock),
            authorizers: HashMap::new(),
            ttl_override: None,
        }
    }

    /// Routes other than `serverless.yml`'s (tests).
    pub fn routes(mut self, routes: RouteTable) -> Self {
        self.routes = Some(routes);
        self
    }

    /// The clock of the authorizer cache and of the authorizer's token checks.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the authorizer function of this name (tests).
    pub fn authorizer(mut self, name: &str, authorizer: Arc<dyn TokenAuthorizer>) -> Self {
        self.authorizers.insert(name.to_string(), authorizer);
        self
    }

    /// Overrides every authorizer's `resultTtlInSeconds` (0 disables the cache).
    pub fn authorizer_ttl(mut self, seconds: Option<u64>) -> Self {
        self.ttl_override = seconds;
        self
    }

    pub fn build(self) -> Result<Gateway, StartupError> {
        let lookup = self.lookup;
        let authenticate_config = AuthenticateConfig::from_lookup(lookup)?;
        let check_token_config = CheckTokenConfig::from_lookup(lookup)?;
        let hello = HelloConfig::from_lookup(lookup)?;
        let routes = match self.routes {
            Some(routes) => routes,
            None => RouteTable::from_serverless_yml()?,
        };
        let mut authorizers = self.authorizers;
        if !authorizers.contains_key("checkToken") {
            authorizers.insert("checkToken".into(), Arc::new(CheckToken(Authorizer::new(&check_token_config)?)));
        }
        let mut functions = HashMap::new();
        let mut validators = HashMap::new();
        for route in &routes.routes {
            let function = Function::by_name(&route.function)
                .ok_or_else(|| StartupError::UnknownFunction(route.function.clone()))?;
            functions.insert(route.function.clone(), function);
            if let Some(spec) = &route.authorizer {
                if !authorizers.contains_key(&spec.function) {
                    return Err(StartupError::UnknownFunction(spec.function.clone()));
                }
                if let Some(expression) = &spec.validation_expression {
                    // Java's matches(), as API Gateway applies it: the whole value.
                    let regex = regex_lite::Regex::new(&format!("^(?:{expression})$"))
                        .map_err(|err| routes::RouteError(format!("identityValidationExpression: {err}")))?;
                    validators.insert(expression.clone(), regex);
                }
            }
        }
        let region = (lookup)("AWS_REGION").filter(|r| !r.is_empty()).unwrap_or_else(|| DEFAULT_REGION.into());
        Ok(Gateway {
            routes,
            api: ApiIdentity::local(region),
            functions,
            authenticate: Authenticate::new(&authenticate_config, self.store, PasswordHasher::owasp())?,
            cors_allow_origin: hello.cors_allow_origin.clone(),
            hello,
            authorizers,
            validators,
            ttl_override: self.ttl_override,
            cache: Mutex::new(cache::AuthorizerCache::new()),
            clock: self.clock,
            invocations: AtomicU64::new(0),
        })
    }
}

/// The `local-api` command line.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "local-api", version, about = "Runs the token service locally behind an emulated API Gateway")]
pub struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// Seconds an authorizer decision is cached per token (0 disables the
    /// cache); default: resultTtlInSeconds from serverless.yml (300).
    #[arg(long, env = "AUTHORIZER_TTL")]
    pub authorizer_ttl: Option<u64>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// The binary: opens the store, settles the JWT secret, serves until Ctrl-C.
pub async fn run(args: Args) -> Result<(), StartupError> {
    let secret_note = local_secret(&args)?;
    let store = Store::open(&args.store, &process_env).await.map_err(|err| match err {
        OpenError::Untrusted(untrusted) => StartupError::Untrusted(untrusted),
        err => StartupError::Store(err),
    })?;
    let lookup = {
        let generated = secret_note.as_ref().map(|(secret, _)| secret.clone());
        move |name: &str| match process_env(name).filter(|v| !v.is_empty()) {
            None if name == JWT_SECRET => generated.clone(),
            value => value,
        }
    };
    let gateway =
        Arc::new(GatewayBuilder::new(&lookup, store.user_store()).authorizer_ttl(args.authorizer_ttl).build()?);
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
        .await
        .map_err(|err| StartupError::Io(format!("cannot listen on 127.0.0.1:{}: {err}", args.port)))?;
    let server = RunningServer::start(Arc::clone(&gateway), listener, server::stdout_log())
        .map_err(|err| StartupError::Io(err.to_string()))?;
    print!("{}", banner(&server.url(), &gateway, &store, secret_note.as_ref().map(|(_, origin)| origin)));
    tokio::signal::ctrl_c().await.map_err(|err| StartupError::Io(format!("cannot wait for Ctrl-C: {err}")))?;
    println!("stopping");
    server.stop().await.map_err(|err| StartupError::Io(err.to_string()))
}

/// Without `JWT_SECRET`, the secret generated once in the data folder.
fn local_secret(args: &Args) -> Result<Option<(String, LocalSecretOrigin)>, StartupError> {
    if process_env(JWT_SECRET).is_some_and(|v| !v.is_empty()) {
        return Ok(None);
    }
    load_or_create_local(&args.store.data_dir).map(Some).map_err(|err| match err {
        LocalSecretError::Untrusted(untrusted) => StartupError::Untrusted(untrusted),
        err => StartupError::Io(format!("cannot keep a local JWT secret in {}: {err}", args.store.data_dir.display())),
    })
}

/// What the user sees on start-up: where things are and what to type next.
pub fn banner(url: &str, gateway: &Gateway, store: &Store, secret: Option<&LocalSecretOrigin>) -> String {
    let mut text = format!("local-api: the token service on {url} (API Gateway stage \"local\")\n");
    for route in &gateway.routes().routes {
        let methods = match &route.methods {
            routes::Methods::One(method) => method.to_string(),
            routes::Methods::Any => "ANY".into(),
        };
        let authorizer = match &route.authorizer {
            Some(spec) => {
                format!("  (TOKEN authorizer {}, decisions cached {} s)", spec.function, gateway.authorizer_ttl(spec))
            }
            None => String::new(),
        };
        text.push_str(&format!("  {methods:<5} {url}{}{authorizer}\n", route.path));
    }
    text.push_str(&format!("users: {}\n", store.describe()));
    text.push_str(&match secret {
        Some(LocalSecretOrigin::Generated(path)) => format!(
            "JWT_SECRET is not set: generated a random secret in {} (owner-only); set JWT_SECRET to use your own\n",
            path.display()
        ),
        Some(LocalSecretOrigin::Existing(path)) => {
            format!("JWT_SECRET is not set: using the secret generated earlier in {}\n", path.display())
        }
        None => "JWT_SECRET: from the environment\n".to_string(),
    });
    let store_flag = match store {
        Store::Embedded(sqlite) => match sqlite.path().parent() {
            Some(dir) if dir != std::path::Path::new(store::DEFAULT_DATA_DIR) => {
                format!(" --data-dir {}", dir.display())
            }
            _ => String::new(),
        },
        Store::Dynamodb(_) => " --store dynamodb".into(),
    };
    text.push_str(&format!(
        "\nCreate a user:  cargo run -p admin --{store_flag} users add alice --role admin\n\
         Log in:         curl -u alice {url}/authenticate    (answers {{\"access_token\":...}})\n\
         Call hello:     curl -H \"Authorization: Bearer <access_token>\" {url}/hello\n\
         Stop with Ctrl-C. Each request is logged as: METHOD PATH STATUS LATENCY authorizer=hit|miss|none\n"
    ));
    text
}
