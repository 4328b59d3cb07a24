//! Where users live: a small trait with in-memory, SQLite and DynamoDB implementations.

use async_trait::async_trait;

use crate::user::User;

pub mod memory;

#[cfg(feature = "dynamodb")]
pub mod dynamodb;

#[cfg(feature = "sqlite")]
pub mod sqlite;

#[cfg(any(test, feature = "test-support"))]
pub mod contract;

#[cfg(any(test, feature = "test-support"))]
pub mod unavailable;

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

/// A change an operator makes to an existing user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserChange {
    PasswordHash(String),
    Roles(Vec<String>),
    Disabled(bool),
    /// Clears `failed_logins` and `locked_until`.
    Unlock,
}

/// What recording one failed login did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedLogin {
    /// Counted; the user is not locked. Holds the new count.
    Counted(u32),
    /// This failure reached the limit: the user is now locked until the given epoch second.
    LockedNow(u64),
    /// The user was already locked when the write happened; nothing was counted.
    AlreadyLocked(u64),
}

/// The brute-force policy a failed login is recorded under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures that lock the account (at least 1).
    pub max_attempts: u32,
    pub lockout_secs: u64,
}

/// The user table. Usernames passed in are already normalized (lowercased).
#[async_trait]
pub trait UserStore: Send + Sync {
    /// A strongly consistent read of one user.
    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError>;

    /// Creates a user; never overwrites one ([`StoreError::AlreadyExists`]).
    async fn create_user(&self, user: &User) -> Result<(), StoreError>;

    /// Every user, sorted by username.
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;

    /// Applies an operator's change; [`StoreError::NotFound`] if there is no such user.
    async fn update_user(&self, username: &str, change: UserChange) -> Result<(), StoreError>;

    /// Deletes a user; [`StoreError::NotFound`] if there is no such user.
    async fn delete_user(&self, username: &str) -> Result<(), StoreError>;

    /// Atomically counts one failed login, applied only while the user is
    /// unlocked at `now`; the failure that reaches `policy.max_attempts` locks
    /// the user for `policy.lockout_secs` and resets the count to 0. No
    /// concurrent failure is lost. [`StoreError::NotFound`] if there is no such user.
    async fn record_failed_login(
        &self,
        username: &str,
        now: u64,
        policy: LockoutPolicy,
    ) -> Result<FailedLogin, StoreError>;

    /// After a successful login: `failed_logins` back to 0 (callers only call
    /// this when it was not 0, to save a write).
    async fn reset_failed_logins(&self, username: &str) -> Result<(), StoreError>;

    /// Replaces the password hash only if it is still `expected`, so a
    /// concurrent password change wins over a rehash. Returns whether it applied.
    async fn replace_password_hash(&self, username: &str, expected: &str, new_hash: &str) -> Result<bool, StoreError>;
}
