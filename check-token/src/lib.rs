//! The API Gateway REST TOKEN authorizer.
//!
//! `main.rs` builds an [`Authorizer`] once and hands each event to
//! [`Authorizer::handle`]; tests and the local API call the same function.

mod authorizer;
mod bearer;
mod config;
pub mod policy;

pub use authorizer::{Authorizer, AuthorizerError, AuthorizerResponse};
pub use bearer::bearer_token;
pub use config::{ACCESS_RULES, API_GATEWAY_ARN, CheckTokenConfig};
