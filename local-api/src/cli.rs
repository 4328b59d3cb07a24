//! The `local-api` binary: its command line, the store and the local secret
//! it settles, and the banner it prints.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::config::{JWT_ALGORITHM, JWT_ISSUER, JWT_SECRET, SigningKeySecret, process_env};
use common::store::StoreError;
use common::token::Algorithm;
use local_store::secret::{LocalSecretError, LocalSecretOrigin, load_or_create_local};
use local_store::signing_key::{LocalKeyError, load_or_create_local_es256};
use local_store::store::{self, OpenError, Store, StoreArgs};
use tokio::net::TcpListener;

use crate::server::{self, RunningServer};
use crate::{ApiKind, Gateway, GatewayBuilder, StartupError, routes};

/// The `local-api` command line.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "local-api", version, about = "Runs the token service locally behind an emulated API Gateway")]
pub struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// Address to listen on. Anything but a loopback address lets other
    /// machines call the API: a warning says so.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Environment variables for the functions from a dotenv file (KEY=value
    /// lines, `#` comments), as `cargo lambda watch --env-file`; variables
    /// already set in the environment win.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// The request log: `text` lines or `json` lines with a timestamp
    /// (default: json when AWS_LAMBDA_LOG_FORMAT=JSON, as for the functions' own logs).
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Seconds an authorizer decision is cached per token (0 disables the
    /// cache); default: resultTtlInSeconds from serverless.yml (300).
    #[arg(long, env = "AUTHORIZER_TTL")]
    pub authorizer_ttl: Option<u64>,
    /// Which kind of API Gateway API to emulate: `rest` (a REST API, as
    /// `serverless deploy` creates by default) or `http` (an HTTP API, as
    /// with `--param="api=http"`).
    #[arg(long, value_enum, default_value_t = ApiKind::Rest)]
    pub api: ApiKind,
    /// How tokens are signed: `hs256` (a shared secret, JWT_SECRET or one
    /// generated in the data folder) or `es256` (a key pair generated in the
    /// data folder; /.well-known/jwks.json publishes its public key). Default:
    /// JWT_ALGORITHM, else hs256.
    #[arg(long, value_enum, value_name = "ALGORITHM")]
    pub jwt_algorithm: Option<JwtAlgorithm>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `--jwt-algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JwtAlgorithm {
    Hs256,
    Es256,
}

/// The flag, else JWT_ALGORITHM as the functions read it (its error names the variable).
fn jwt_algorithm(args: &Args) -> Result<Algorithm, StartupError> {
    Ok(match args.jwt_algorithm {
        Some(JwtAlgorithm::Hs256) => Algorithm::Hs256,
        Some(JwtAlgorithm::Es256) => Algorithm::Es256,
        None => common::config::algorithm(&process_env)?,
    })
}

/// How the request log is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// How long Ctrl-C waits for requests in flight before the server exits anyway.
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// Loads `--env-file` into the process environment, without overriding what
/// is already set. Call it before any thread starts: the environment is
/// process-wide and the AWS SDK reads it later.
pub fn load_env_file(args: &Args) -> Result<(), StartupError> {
    let Some(path) = &args.env_file else { return Ok(()) };
    dotenvy::from_path(path).map_err(|err| match err {
        dotenvy::Error::Io(io) => StartupError::Io(format!("--env-file {}: {io}", path.display())),
        // Its message names the line; a value never appears in it.
        other => StartupError::Io(format!("--env-file {}: {other}", path.display())),
    })
}

/// The request log's format: the flag, else the functions' own setting.
fn log_format(args: &Args) -> LogFormat {
    args.log_format.unwrap_or_else(|| match process_env("AWS_LAMBDA_LOG_FORMAT") {
        Some(format) if format.eq_ignore_ascii_case("json") => LogFormat::Json,
        _ => LogFormat::Text,
    })
}

/// The binary: opens the store, settles the JWT secret, serves until Ctrl-C.
pub async fn run(args: Args) -> Result<(), StartupError> {
    let algorithm = jwt_algorithm(&args)?;
    // Each mode keeps only its own key: no HMAC secret is made for ES256.
    let (secret_note, es256_key) = match algorithm {
        Algorithm::Hs256 => (local_secret(&args)?, None),
        Algorithm::Es256 => {
            let (key, origin) = local_es256_key(&args)?;
            (None, Some((key, origin)))
        }
        Algorithm::Rs256 => return Err(crate::builder::rs256_is_not_local()),
    };
    let store = Store::open(&args.store, &process_env).await.map_err(|err| match err {
        OpenError::Untrusted(untrusted) => StartupError::Untrusted(untrusted),
        OpenError::Store(StoreError::Unavailable(cause)) => StartupError::Unavailable(cause),
        err => StartupError::Store(err),
    })?;
    // Refuse to serve without the tables, rather than answer 503 to every request.
    store.check().await.map_err(|err| match err {
        StoreError::Unavailable(cause) => StartupError::Unavailable(cause),
        other => StartupError::Store(OpenError::Store(other)),
    })?;
    // Bound before the functions are built: the default issuer is the address served.
    let address = SocketAddr::from((args.host, args.port));
    let listener = TcpListener::bind(address)
        .await
        .map_err(|err| StartupError::Io(format!("cannot listen on {address}: {err}")))?;
    let base_url = format!(
        "http://{}",
        listener.local_addr().map_err(|err| StartupError::Io(format!("cannot listen on {address}: {err}")))?
    );
    let lookup = {
        let generated = secret_note.as_ref().map(|(secret, _)| secret.clone());
        let base_url = base_url.clone();
        move |name: &str| match process_env(name).filter(|v| !v.is_empty()) {
            _ if name == JWT_ALGORITHM => Some(algorithm.name().to_string()),
            None if name == JWT_SECRET => generated.clone(),
            // The token's iss is the API's base URL, so OpenID discovery from
            // the issuer works as with a deployed API.
            None if name == JWT_ISSUER => Some(base_url.clone()),
            value => value,
        }
    };
    let mut builder = GatewayBuilder::new(&lookup, store.user_store(), store.session_store())
        .authorizer_ttl(args.authorizer_ttl)
        .api_kind(args.api);
    let mut key_origin = None;
    if let Some((key, origin)) = es256_key {
        builder = builder.es256_key(key);
        key_origin = Some(origin);
    }
    let gateway = Arc::new(builder.build()?);
    let log = match log_format(&args) {
        LogFormat::Text => server::stdout_log(),
        LogFormat::Json => server::stdout_json_log(),
    };
    let server =
        RunningServer::start(Arc::clone(&gateway), listener, log).map_err(|err| StartupError::Io(err.to_string()))?;
    if !args.host.is_loopback() {
        eprintln!(
            "local-api: warning: listening on {address}, not on a loopback address: other machines can call this API \
             (it is meant for development only)"
        );
    }
    print!("{}", banner(&server.url(), &gateway, &store, secret_note.as_ref().map(|(_, origin)| origin)));
    print!("{}", signing_banner(algorithm, key_origin.as_ref()));
    tokio::signal::ctrl_c().await.map_err(|err| StartupError::Io(format!("cannot wait for Ctrl-C: {err}")))?;
    println!("stopping");
    // Requests in flight get a moment to finish; a client holding a
    // connection open does not keep the process alive.
    match tokio::time::timeout(STOP_GRACE, server.stop()).await {
        Ok(stopped) => stopped.map_err(|err| StartupError::Io(err.to_string())),
        Err(_) => Ok(()),
    }
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

/// Without a key of its own, the ES256 key pair generated once in the data folder.
fn local_es256_key(args: &Args) -> Result<(SigningKeySecret, LocalSecretOrigin), StartupError> {
    load_or_create_local_es256(&args.store.data_dir).map_err(|err| match err {
        LocalKeyError::Untrusted(untrusted) => StartupError::Untrusted(untrusted),
        err => StartupError::Io(format!("cannot keep a local ES256 key in {}: {err}", args.store.data_dir.display())),
    })
}

/// Which algorithm signs, and where its key is (never the key).
pub fn signing_banner(algorithm: Algorithm, es256_key: Option<&LocalSecretOrigin>) -> String {
    match (algorithm, es256_key) {
        (Algorithm::Es256, Some(LocalSecretOrigin::Generated(path))) => format!(
            "tokens: ES256, signed with a key pair generated in {} (owner-only); public keys at /.well-known/jwks.json\n",
            path.display()
        ),
        (Algorithm::Es256, Some(LocalSecretOrigin::Existing(path))) => format!(
            "tokens: ES256, signed with the key pair generated earlier in {}; public keys at /.well-known/jwks.json\n",
            path.display()
        ),
        (algorithm, _) => {
            format!("tokens: {algorithm}, signed with JWT_SECRET (a shared secret; /.well-known/jwks.json is empty)\n")
        }
    }
}

/// What the user sees on start-up: where things are and what to type next.
pub fn banner(url: &str, gateway: &Gateway, store: &Store, secret: Option<&LocalSecretOrigin>) -> String {
    let mut text = match gateway.kind() {
        ApiKind::Rest => format!("local-api: the token service on {url} (an API Gateway REST API, stage \"local\")\n"),
        ApiKind::Http => {
            format!("local-api: the token service on {url} (an API Gateway HTTP API, stage \"$default\")\n")
        }
    };
    let per = match gateway.kind() {
        ApiKind::Rest => ("TOKEN authorizer", "per token"),
        ApiKind::Http => ("REQUEST authorizer", "per token and route"),
    };
    for route in &gateway.routes().routes {
        let methods = match &route.methods {
            routes::Methods::One(method) => method.to_string(),
            routes::Methods::Any => "ANY".into(),
        };
        let authorizer = match &route.authorizer {
            Some(spec) => {
                format!(
                    "  ({} {}, decisions cached {} s {})",
                    per.0,
                    spec.function,
                    gateway.authorizer_ttl(spec),
                    per.1
                )
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
        Store::Dynamodb { .. } => " --store dynamodb".into(),
    };
    text.push_str(&format!(
        "\nCreate a user:  cargo run -p admin --{store_flag} users add alice --role admin\n\
         Log in:         curl -u alice {url}/authenticate    (answers {{\"access_token\":...}})\n\
         Call hello:     curl -H \"Authorization: Bearer <access_token>\" {url}/hello\n\
         Stop with Ctrl-C. Each request is logged as: METHOD PATH STATUS LATENCY authorizer=hit|miss|none\n"
    ));
    text
}
