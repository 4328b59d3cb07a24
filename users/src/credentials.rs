//! Checking a password the way a login does, under the brute-force limit:
//! reserve an attempt (which also reads the user), verify, then lock or
//! reset, and upgrade a weak hash. `authenticate` logs users in with it; the
//! management API checks a current password with it before changing it, so
//! that check counts against the same limit.
//!
//! The attempt is reserved before argon2 runs, in one atomic write, so no
//! burst of concurrent requests gets more than `LOGIN_MAX_ATTEMPTS` passwords
//! verified per lockout window (see `common::store::lockout`).

use std::sync::Arc;

use common::password::{PasswordCheck, PasswordHashing};
use common::store::{LockoutPolicy, LoginRecorded, LoginStore, Reservation, StoreError};
use common::user::{User, normalize_username};

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown user or wrong password: deliberately indistinguishable.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// Right password, but an operator disabled the account.
    #[error("account disabled")]
    AccountDisabled,
    /// Locked after too many failures, or every attempt of the window is
    /// being verified; the caller may retry after this many seconds.
    #[error("too many login attempts; retry in {retry_after} seconds")]
    Locked { retry_after: u64 },
    /// The store could not be read or written: fail closed.
    #[error("user store unavailable")]
    StoreUnavailable(#[source] StoreError),
    /// Our fault (corrupt stored hash, a worker thread that died); logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Built once; cheap to share.
pub struct CredentialCheck {
    store: Arc<dyn LoginStore>,
    hasher: Arc<dyn PasswordHashing>,
    lockout: LockoutPolicy,
}

impl CredentialCheck {
    pub fn new(store: Arc<dyn LoginStore>, hasher: impl PasswordHashing, lockout: LockoutPolicy) -> Self {
        Self { store, hasher: Arc::new(hasher), lockout }
    }

    /// The user whose password this is. Counts as one login attempt; a
    /// disabled user is returned too (what that means is the caller's call).
    pub async fn check(&self, username: &str, password: String, now: u64) -> Result<User, LoginError> {
        let username = normalize_username(username);
        let reservation = self
            .store
            .reserve_login_attempt(&username, now, self.lockout)
            .await
            .map_err(LoginError::StoreUnavailable)?;
        let user = match reservation {
            Reservation::Granted(user) => user,
            Reservation::UnknownUser => {
                // Same argon2 cost as a wrong password and the same one store
                // round trip, so timing does not reveal which usernames exist;
                // and no write, so probing costs us nothing.
                self.verify_dummy(password).await?;
                return Err(LoginError::InvalidCredentials);
            }
            // No password is checked without an attempt: guessing is pointless.
            Reservation::Locked(until) => return Err(LoginError::Locked { retry_after: until.saturating_sub(now) }),
            // The limit is held by logins still being verified: they end within
            // a second or so, and one of them may lock the user.
            Reservation::Busy => return Err(LoginError::Locked { retry_after: 1 }),
        };
        match self.verify(password.clone(), user.password_hash.clone()).await? {
            PasswordCheck::Mismatch => Err(self.failure(&user, now).await),
            PasswordCheck::Match { needs_rehash } => {
                self.success(&user, now).await?;
                if needs_rehash {
                    self.rehash(&user, password).await;
                }
                Ok(user)
            }
        }
    }

    /// A wrong password keeps its reservation; only the one that finds the
    /// limit full has anything to write (the lock).
    async fn failure(&self, user: &User, now: u64) -> LoginError {
        if user.failed_logins < self.lockout.max_attempts {
            return LoginError::InvalidCredentials;
        }
        match self.store.lock_if_limit_reached(&user.username, now, self.lockout).await {
            Ok(Some(_)) => {
                tracing::warn!(username = %user.username, "user locked after too many failed logins");
                LoginError::InvalidCredentials
            }
            // Already locked by another attempt, reset by a right password, or
            // deleted meanwhile: this password was still wrong.
            Ok(None) | Err(StoreError::NotFound(_)) => LoginError::InvalidCredentials,
            Err(err) => LoginError::StoreUnavailable(err),
        }
    }

    /// A right password resets the count, unless another attempt locked the
    /// user while this one was being verified: then it is refused.
    async fn success(&self, user: &User, now: u64) -> Result<(), LoginError> {
        match self.store.record_successful_login(&user.username, now).await {
            Ok(LoginRecorded::Reset) => Ok(()),
            Ok(LoginRecorded::Locked(until)) => Err(LoginError::Locked { retry_after: until.saturating_sub(now) }),
            Err(StoreError::NotFound(_)) => Err(LoginError::InvalidCredentials),
            Err(err) => Err(LoginError::StoreUnavailable(err)),
        }
    }

    /// Upgrades a hash made with weaker parameters, conditional on the old
    /// hash so that a concurrent password change wins. Not needed to let the
    /// user in, so a failure is logged and the check goes on.
    async fn rehash(&self, user: &User, password: String) {
        let hasher = Arc::clone(&self.hasher);
        let new_hash = match tokio::task::spawn_blocking(move || hasher.hash(&password)).await {
            Ok(Ok(hash)) => hash,
            Ok(Err(err)) => return tracing::warn!(error = %err, "rehash failed"),
            Err(err) => return tracing::warn!(error = %err, "rehash did not complete"),
        };
        match self.store.replace_password_hash(&user.username, &user.password_hash, &new_hash).await {
            Ok(true) => tracing::info!(username = %user.username, "password hash upgraded to the current parameters"),
            Ok(false) => tracing::info!(username = %user.username, "password changed meanwhile; rehash skipped"),
            Err(err) => tracing::warn!(username = %user.username, error = %err, "could not store the upgraded hash"),
        }
    }

    /// argon2 takes tens of milliseconds of CPU: run it on the blocking pool so
    /// a server handling several logins at once keeps serving other requests.
    async fn verify(&self, password: String, hash: String) -> Result<PasswordCheck, LoginError> {
        let hasher = Arc::clone(&self.hasher);
        tokio::task::spawn_blocking(move || hasher.verify(&password, &hash))
            .await
            .map_err(|e| LoginError::Internal(format!("password check did not complete: {e}")))?
            .map_err(|e| LoginError::Internal(e.to_string()))
    }

    async fn verify_dummy(&self, password: String) -> Result<(), LoginError> {
        let hasher = Arc::clone(&self.hasher);
        tokio::task::spawn_blocking(move || hasher.verify_dummy(&password))
            .await
            .map_err(|e| LoginError::Internal(format!("password check did not complete: {e}")))
    }
}
