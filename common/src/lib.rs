//! The pure core of the token service.
//!
//! Everything here is plain logic: configuration parsing, token issue and
//! verification, IAM policy building, password hashing, and the user-store
//! trait. Nothing in this crate knows about the Lambda runtime; the DynamoDB
//! store is compiled only with the `dynamodb` feature so the authorizer and
//! `hello` never link the AWS SDK.

pub mod clock;
pub mod config;
pub mod credentials;
pub mod duration;
pub mod identity;
#[cfg(feature = "logging")]
pub mod logging;
pub mod password;
pub mod policy;
pub mod response;
pub mod store;
pub mod token;
pub mod user;
