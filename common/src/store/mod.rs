//! Where users live: a small trait with in-memory, SQLite and DynamoDB implementations.

use async_trait::async_trait;

use crate::session::Session;
use crate::user::User;

pub mod lockout;
pub mod memory;

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
    /// Ends every session started up to this millisecond (`sessions_revoked_at`).
    EndSessions(u64),
}

/// What reserving a login attempt found; see [`LoginStore::reserve_login_attempt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// One attempt is taken: the user as stored after the reservation (its
    /// `failed_logins` counts this attempt). Only now may the password be verified.
    Granted(User),
    /// No such user; nothing was written.
    UnknownUser,
    /// Locked until this epoch second: no password may be verified.
    Locked(u64),
    /// Every attempt of the window is taken by logins still being verified.
    Busy,
}

/// What recording a right password found; see [`LoginStore::record_successful_login`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRecorded {
    /// The failed-login count is back to 0: the login may go on.
    Reset,
    /// Another attempt locked the user while this one was being verified.
    Locked(u64),
}

/// The brute-force policy a failed login is recorded under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures that lock the account (at least 1).
    pub max_attempts: u32,
    pub lockout_secs: u64,
}

/// The user table as operators see it (the admin CLI, the management API).
/// Usernames passed in are already normalized (lowercased).
#[async_trait]
pub trait UserDirectory: Send + Sync {
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
}

/// The user table as a login uses it: each call is one atomic read-modify-write
/// (one conditional `UpdateItem` on DynamoDB), so concurrent logins cannot
/// race between a check and a write. See [`lockout`] for the rules.
#[async_trait]
pub trait LoginStore: Send + Sync {
    /// Takes one of the user's login attempts, before any password is checked:
    /// granted only while the user exists, is unlocked at `now` and has taken
    /// fewer than `policy.max_attempts`. Also the login's only read of the user.
    async fn reserve_login_attempt(
        &self,
        username: &str,
        now: u64,
        policy: LockoutPolicy,
    ) -> Result<Reservation, StoreError>;

    /// After a wrong password: locks the user for `policy.lockout_secs` (and
    /// starts a new window) if its attempts have reached the limit. Returns the
    /// lock's end if this call locked. [`StoreError::NotFound`] if there is no such user.
    async fn lock_if_limit_reached(
        &self,
        username: &str,
        now: u64,
        policy: LockoutPolicy,
    ) -> Result<Option<u64>, StoreError>;

    /// After a right password: the failed-login count back to 0, unless the
    /// user was locked meanwhile. [`StoreError::NotFound`] if there is no such user.
    async fn record_successful_login(&self, username: &str, now: u64) -> Result<LoginRecorded, StoreError>;

    /// Replaces the password hash only if it is still `expected`, so a
    /// concurrent password change wins over a rehash. Returns whether it applied.
    async fn replace_password_hash(&self, username: &str, expected: &str, new_hash: &str) -> Result<bool, StoreError>;
}

/// The sessions refresh tokens continue (see [`crate::session`]). Only hashes
/// of tokens are stored, never a token.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session; never overwrites one ([`StoreError::AlreadyExists`]).
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;

    /// A strongly consistent read of one session.
    async fn get_session(&self, session_id: &str) -> Result<Option<Session>, StoreError>;

    /// Rotates the token of `read` (the session as the caller read it) to
    /// `new_hash`, only if the stored session still has `read`'s current token
    /// and is not revoked: of concurrent rotations of one token, exactly one
    /// applies. The old token joins the spent list ([`Session::spent_after`]).
    /// Returns whether it applied.
    async fn rotate_session(&self, read: &Session, new_hash: &str) -> Result<bool, StoreError>;

    /// Marks a session revoked (kept until it expires, so its tokens are
    /// recognised and refused); nothing if there is no such session.
    async fn revoke_session(&self, session_id: &str) -> Result<(), StoreError>;

    /// A user's sessions, oldest first.
    async fn list_sessions(&self, username: &str) -> Result<Vec<Session>, StoreError>;

    /// Deletes a user's sessions; how many there were.
    async fn delete_sessions(&self, username: &str) -> Result<usize, StoreError>;
}

/// A store with both faces, as every backend here has.
pub trait UserStore: UserDirectory + LoginStore {}

impl<T: UserDirectory + LoginStore> UserStore for T {}
