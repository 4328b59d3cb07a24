//! The whole token service on one machine: the very handlers the Lambdas run
//! (`authenticate`, `check-token`, `hello`), behind an emulation of API
//! Gateway's REST API whose routes, CORS and TOKEN authorizer settings come
//! from `serverless.yml`.
//!
//! The pure parts have their own modules: [`routes`] (the route table from
//! `serverless.yml`), [`iam`] (policy evaluation), [`cache`] (the authorizer
//! cache), [`clock`]. [`gateway`] puts them together, [`builder`] assembles it
//! from configuration, [`server`] serves it over HTTP, [`cli`] is the binary.
//! Which store, opened how, and the local secret come from `local-store`,
//! shared with the `admin` CLI.

use common::config::ConfigError;
use common::token::TokenError;
use local_store::store::OpenError;
use local_store::trust;

pub mod authorizer;
pub mod builder;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod event;
pub mod event_http;
pub mod gateway;
pub mod http_api;
pub mod iam;
pub mod paths;
pub mod routes;
pub mod server;

pub use authorizer::{CheckToken, TokenAuthorizer};
pub use builder::GatewayBuilder;
pub use cli::{Args, banner, run};
pub use clock::{Clock, ManualClock, SystemClock};
pub use event::ApiIdentity;
pub use gateway::{ApiKind, Function, Gateway};
pub use routes::RouteTable;
pub use server::{RequestLog, RunningServer};

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
    /// The store cannot serve (a missing DynamoDB table, no credentials, an
    /// endpoint that does not answer): the store's own one-line cause.
    #[error("user store unavailable: {0}")]
    Unavailable(String),
    /// The data folder's rule ([`trust`]); the message names the path and the fix.
    #[error(transparent)]
    Untrusted(#[from] trust::Untrusted),
    #[error("{0}")]
    Io(String),
}
