//! The HTTP side of API Gateway that the functions behind it share
//! (`authenticate`, `hello`, and any function you add): JSON answers with the
//! CORS origin and `Cache-Control: no-store`, the uniform error body, and the
//! caller as the authorizer named it. The authorizer itself (`check-token`)
//! speaks another protocol and does not use this crate.

mod caller;
mod request;
mod response;

pub use caller::{CallerError, caller};
pub use request::{BodyError, MAX_JSON_BODY_BYTES, is_json_media_type, json_body, path_parameter, route};
pub use response::{error_response, json_response};
