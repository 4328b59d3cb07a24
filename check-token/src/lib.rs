//! The API Gateway Lambda authorizer, for a REST API (`TOKEN` events,
//! answered with a policy) and an HTTP API (payload format 2.0 `REQUEST`
//! events, answered with the simple response), over one verification core.
//!
//! `main.rs` builds an [`Authorizer`] once and hands each event to
//! [`Authorizer::handle_event`]; tests and the local API call the same code.

mod authorizer;
mod bearer;
mod config;
mod event;
mod http_api;
pub mod policy;

pub use authorizer::{Authorizer, AuthorizerError, AuthorizerResponse, UnauthorizedReason};
pub use bearer::bearer_token;
pub use config::{ACCESS_RULES, API_GATEWAY_ARN, CheckTokenConfig};
pub use event::{AuthorizerAnswer, AuthorizerEvent, EventShape};
pub use http_api::{HttpApiRequest, HttpApiResponse, route_admits};
