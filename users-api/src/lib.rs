//! The management API: what an administrator does to users, over HTTP with a
//! token instead of AWS credentials, and a caller's change of their own
//! password. Every route is behind the authorizer and the access table; the
//! function also checks the caller's role itself (defence in depth against a
//! table that opens too much). The rules are the admin CLI's (`users`).
//!
//! `main.rs` builds a [`UsersApi`] once ([`UsersApi::from_env`]); the Lambda,
//! the tests and the local API all go through [`UsersApi::handle`].

mod config;
mod handler;
mod startup;
mod view;

pub use config::{ADMIN_ROLE, UsersApiConfig};
pub use handler::UsersApi;
pub use startup::StartupError;
