//! The DynamoDB adapter of the stores `common` defines: the user table
//! ([`DynamoUserStore`]) and the sessions table ([`DynamoSessionStore`]). Only the crates that talk to DynamoDB link it, so
//! check-token and hello link neither the AWS SDK nor a TLS stack.
//!
//! Errors are matched by their typed error code, never by message text; an
//! item that breaks the schema is [`common::store::StoreError::InvalidItem`],
//! whose message names the attribute, never its value.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use common::store::StoreError;

mod item;
mod sessions;
mod tables;
#[cfg(feature = "test-support")]
pub mod testing;
mod users;

pub use item::{user_from_item, user_to_item};
pub use sessions::DynamoSessionStore;
pub use users::{DynamoUserStore, attr};

/// One DynamoDB item, as the SDK holds it.
pub type Item = HashMap<String, AttributeValue>;

/// The SDK's error with its whole chain of causes, for logs.
pub(crate) fn unavailable<E: std::error::Error>(err: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(&err).to_string())
}
