//! What an administrator does to users, and the rules that guard it: the one
//! implementation behind the admin CLI and the management API, so both accept
//! and refuse exactly the same things. Usernames are normalized here; hashing
//! runs on the blocking pool. Disabling, deleting or changing the password of
//! a user ends all of its sessions ([`sessions`]).

use std::sync::Arc;

pub mod credentials;
pub mod sessions;

use common::clock::rfc3339;
use common::password::{PasswordError, PasswordHasher, PasswordHashing};
use common::store::{SessionStore, StoreError, UserChange, UserDirectory};
use common::user::{MAX_PASSWORD_BYTES, User, normalize_username, validate_roles, validate_username};
pub use sessions::{SessionState, SessionSummary, SessionsEnded};

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Why an operation was refused; each kind maps to one status or exit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsersError {
    /// A bad username, role or password: the caller's to fix.
    #[error("{0}")]
    Invalid(String),
    #[error("user {0:?} already exists")]
    Exists(String),
    #[error("user {0:?} not found")]
    NotFound(String),
    /// The store could not be reached; the text is for the operator's eyes and logs.
    #[error("user store unreachable: {0}")]
    Unavailable(String),
    /// Our fault: an invalid stored item, a hashing failure.
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for UsersError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::AlreadyExists(name) => Self::Exists(name),
            StoreError::NotFound(name) => Self::NotFound(name),
            StoreError::Unavailable(cause) => Self::Unavailable(cause),
            StoreError::InvalidItem(cause) => Self::Internal(format!("the user store holds an invalid item: {cause}")),
        }
    }
}

/// At least 8 characters, not all of them whitespace, and no longer than a
/// login accepts.
pub fn check_password(password: &str) -> Result<(), UsersError> {
    // Eight spaces pass a length rule but are the first thing guessed, and
    // are what a paste of an empty field or a stray newline leaves.
    if !password.is_empty() && password.trim().is_empty() {
        return Err(UsersError::Invalid("the password is only whitespace".into()));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(UsersError::Invalid(format!("the password is shorter than {MIN_PASSWORD_CHARS} characters")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(UsersError::Invalid(format!(
            "the password is longer than {MAX_PASSWORD_BYTES} bytes, which a login refuses"
        )));
    }
    Ok(())
}

/// The operations, over a directory of users and their sessions.
#[derive(Clone)]
pub struct Users {
    directory: Arc<dyn UserDirectory>,
    sessions: Arc<dyn SessionStore>,
    hasher: Arc<dyn PasswordHashing>,
}

impl Users {
    pub fn new(directory: Arc<dyn UserDirectory>, sessions: Arc<dyn SessionStore>) -> Self {
        Self::with_hasher(directory, sessions, PasswordHasher::owasp())
    }

    /// With other hashing parameters (tests).
    pub fn with_hasher(
        directory: Arc<dyn UserDirectory>,
        sessions: Arc<dyn SessionStore>,
        hasher: impl PasswordHashing,
    ) -> Self {
        Self { directory, sessions, hasher: Arc::new(hasher) }
    }

    /// Checks a new user's name and roles, and that the name is free, before
    /// anyone is asked for a password the store would then refuse. Returns
    /// them as they would be stored.
    pub async fn check_new(&self, username: &str, roles: &[String]) -> Result<(String, Vec<String>), UsersError> {
        let username = validate_username(username).map_err(|err| UsersError::Invalid(err.to_string()))?;
        let roles = validate_roles(roles).map_err(|err| UsersError::Invalid(err.to_string()))?;
        if self.directory.get_user(&username).await?.is_some() {
            return Err(UsersError::Exists(username));
        }
        Ok((username, roles))
    }

    /// Creates an enabled user with a fresh id, created at `now` (epoch seconds).
    pub async fn add(&self, username: &str, password: &str, roles: &[String], now: u64) -> Result<User, UsersError> {
        let username = validate_username(username).map_err(|err| UsersError::Invalid(err.to_string()))?;
        let roles = validate_roles(roles).map_err(|err| UsersError::Invalid(err.to_string()))?;
        check_password(password)?;
        let hash = self.hash(password).await?;
        let user = User::new(&username, hash, roles, uuid::Uuid::new_v4().to_string(), rfc3339(now));
        self.directory.create_user(&user).await?;
        Ok(user)
    }

    pub async fn get(&self, username: &str) -> Result<User, UsersError> {
        let username = normalize_username(username);
        self.directory.get_user(&username).await?.ok_or(UsersError::NotFound(username))
    }

    /// Every user, sorted by username.
    pub async fn list(&self) -> Result<Vec<User>, UsersError> {
        Ok(self.directory.list_users().await?)
    }

    /// Replaces the password and ends the user's sessions: whoever held
    /// them may have known the old one. An error after the new hash is
    /// written leaves the sessions alive; the same call again ends them.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<SessionsEnded, UsersError> {
        let username = normalize_username(username);
        check_password(password)?;
        if self.directory.get_user(&username).await?.is_none() {
            return Err(UsersError::NotFound(username));
        }
        let hash = self.hash(password).await?;
        self.directory.update_user(&username, UserChange::PasswordHash(hash)).await?;
        self.end_all(&username).await
    }

    /// Replaces the roles; returns them as stored (validated, repeats dropped).
    pub async fn set_roles(&self, username: &str, roles: &[String]) -> Result<Vec<String>, UsersError> {
        let username = normalize_username(username);
        let roles = validate_roles(roles).map_err(|err| UsersError::Invalid(err.to_string()))?;
        self.directory.update_user(&username, UserChange::Roles(roles.clone())).await?;
        Ok(roles)
    }

    /// Refuses the user's logins and ends its sessions. Disabled first: were
    /// the sessions ended first, a login between the two writes would start
    /// one that comes back when the user is enabled again.
    pub async fn disable(&self, username: &str) -> Result<SessionsEnded, UsersError> {
        let username = normalize_username(username);
        self.directory.update_user(&username, UserChange::Disabled(true)).await?;
        self.end_all(&username).await
    }

    /// Lets the user log in again; the sessions a disable ended stay ended.
    pub async fn enable(&self, username: &str) -> Result<(), UsersError> {
        Ok(self.directory.update_user(&normalize_username(username), UserChange::Disabled(false)).await?)
    }

    /// [`Self::disable`] or [`Self::enable`].
    pub async fn set_disabled(&self, username: &str, disabled: bool) -> Result<(), UsersError> {
        match disabled {
            true => self.disable(username).await.map(drop),
            false => self.enable(username).await,
        }
    }

    /// Clears the brute-force lockout: the attempts counter and the lock.
    pub async fn unlock(&self, username: &str) -> Result<(), UsersError> {
        Ok(self.directory.update_user(&normalize_username(username), UserChange::Unlock).await?)
    }

    /// Deleting the user ends its sessions: a refresh finds no user (or, once
    /// the name is taken again, another `user_id`). Their items are cleanup.
    pub async fn delete(&self, username: &str) -> Result<SessionsEnded, UsersError> {
        let username = normalize_username(username);
        self.directory.delete_user(&username).await?;
        Ok(self.delete_session_items(&username).await)
    }

    /// argon2id on the blocking pool: tens of milliseconds of CPU.
    async fn hash(&self, password: &str) -> Result<String, UsersError> {
        let hasher = Arc::clone(&self.hasher);
        let password = password.to_string();
        tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|err| UsersError::Internal(format!("hashing did not complete: {err}")))?
            .map_err(|err: PasswordError| UsersError::Internal(err.to_string()))
    }
}

#[cfg(test)]
mod tests;
