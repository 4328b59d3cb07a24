//! Where users live: a small trait with an in-memory and a DynamoDB implementation.

use async_trait::async_trait;

use crate::user::User;

pub mod memory;

#[cfg(feature = "dynamodb")]
pub mod dynamodb;

#[cfg(any(test, feature = "test-support"))]
pub mod contract;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("user {0:?} already exists")]
    AlreadyExists(String),
    #[error("user {0:?} not found")]
    NotFound(String),
    /// The store could not be reached or refused the call; the text is for logs only.
    #[error("user store unavailable: {0}")]
    Unavailable(String),
    /// An item in the table does not follow the schema.
    #[error("invalid user item: {0}")]
    InvalidItem(String),
}

/// The user table. Usernames passed in are already normalized (lowercased).
#[async_trait]
pub trait UserStore: Send + Sync {
    /// A strongly consistent read of one user.
    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError>;

    /// Creates a user; never overwrites one ([`StoreError::AlreadyExists`]).
    async fn create_user(&self, user: &User) -> Result<(), StoreError>;
}
