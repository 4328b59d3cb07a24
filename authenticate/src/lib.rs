//! `GET /authenticate` (HTTP Basic) and `POST /authenticate` (JSON): username
//! and password in, an access token and a refresh token out; `POST /token`
//! (OAuth 2.0: the refresh_token and password grants) and `POST /revoke`;
//! `GET /.well-known/jwks.json` and `/.well-known/openid-configuration`.
//!
//! `main.rs` builds an [`Authenticate`] once ([`Authenticate::from_env`]); the
//! Lambda, the tests and the local API all go through [`Authenticate::handle`].

mod config;
pub mod discovery;
mod grants;
mod handler;
mod login;
mod sessions;
mod signing;
mod startup;
mod well_known;

pub use common::credentials::{Credentials, CredentialsError, from_basic_header, from_json_body};
pub use config::{AuthenticateConfig, REFRESH_TTL};
pub use handler::{Authenticate, Stores};
pub use login::LoginService;
pub use signing::{SecretSource, Signer};
pub use startup::{SecretsManager, StartupError};
pub use users::credentials::LoginError;
pub use well_known::{JWKS_PATH, OPENID_CONFIGURATION_PATH};
