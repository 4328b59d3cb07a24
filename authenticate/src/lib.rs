//! `GET /authenticate` (HTTP Basic) and `POST /authenticate` (JSON): username
//! and password in, HS256 access token out.
//!
//! `main.rs` builds an [`Authenticate`] once ([`Authenticate::from_env`]); the
//! Lambda, the tests and the local API all go through [`Authenticate::handle`].

mod config;
mod handler;
mod login;
mod startup;

pub use common::credentials::{Credentials, CredentialsError, from_basic_header, from_json_body};
pub use config::AuthenticateConfig;
pub use handler::Authenticate;
pub use login::LoginService;
pub use startup::StartupError;
pub use users::credentials::LoginError;
