//! The HTTP side of API Gateway that the functions behind it share
//! (`authenticate`, `hello`, and any function you add): JSON answers with the
//! CORS origin and `Cache-Control: no-store`, the uniform error body, and the
//! caller as the authorizer named it. The authorizer itself (`check-token`)
//! speaks another protocol and does not use this crate.

mod caller;
mod response;

pub use caller::{CallerError, caller};
pub use response::{error_response, json_response};
