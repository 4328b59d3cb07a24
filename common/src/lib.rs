//! The pure core of the token service.
//!
//! Plain logic and the seams around it: configuration parsing, credentials
//! parsing, token issue and verification, password hashing, the users, the
//! authorizer-context contract between the authorizer and the functions behind
//! it, and the store traits with an in-memory store. Nothing here knows about
//! Lambda, API Gateway, HTTP or the AWS SDK: the DynamoDB and SQLite stores
//! live in `store-dynamodb` and `store-sqlite`, API Gateway's side in the
//! function crates and `apigw`. Time and randomness come in from callers.

pub mod access;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod duration;
pub mod identity;
#[cfg(feature = "logging")]
pub mod logging;
pub mod password;
pub mod session;
pub mod startup;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod token;
pub mod user;
pub mod wildcard;
