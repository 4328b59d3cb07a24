//! The login decision: look the user up, refuse while locked, check the
//! password, count failures, rehash weak hashes, issue a token.

use std::sync::Arc;

use common::password::{PasswordCheck, PasswordHasher};
use common::store::{FailedLogin, LockoutPolicy, StoreError, UserStore};
use common::token::{IssuedToken, Subject, TokenIssuer};
use common::user::{User, normalize_username};

use common::credentials::Credentials;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown user or wrong password: deliberately indistinguishable.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// Right password, but an operator disabled the account.
    #[error("account disabled")]
    AccountDisabled,
    /// Locked after too many failures; the caller may retry after this many seconds.
    #[error("too many failed logins; locked for {retry_after} more seconds")]
    Locked { retry_after: u64 },
    /// The store could not be read, or a failure could not be recorded: fail closed.
    #[error("user store unavailable")]
    StoreUnavailable(#[source] StoreError),
    /// Our fault (corrupt stored hash, a worker thread that died); logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

pub struct LoginService {
    store: Arc<dyn UserStore>,
    hasher: PasswordHasher,
    issuer: TokenIssuer,
    lockout: LockoutPolicy,
}

impl LoginService {
    pub fn new(store: Arc<dyn UserStore>, hasher: PasswordHasher, issuer: TokenIssuer, lockout: LockoutPolicy) -> Self {
        Self { store, hasher, issuer, lockout }
    }

    pub async fn login(&self, credentials: Credentials, now: u64) -> Result<IssuedToken, LoginError> {
        let username = normalize_username(&credentials.username);
        let user = self.store.get_user(&username).await.map_err(LoginError::StoreUnavailable)?;
        let Some(user) = user else {
            // Same argon2 cost as a wrong password, so timing does not reveal
            // which usernames exist; and no write, so probing costs us nothing.
            self.verify_dummy(credentials.password).await?;
            return Err(LoginError::InvalidCredentials);
        };
        // While locked, not even the right password is checked: guessing is pointless.
        if let Some(retry_after) = user.locked_for(now) {
            return Err(LoginError::Locked { retry_after });
        }
        match self.verify(credentials.password.clone(), user.password_hash.clone()).await? {
            PasswordCheck::Mismatch => Err(self.count_failure(&user, now).await),
            PasswordCheck::Match { .. } if user.disabled => Err(LoginError::AccountDisabled),
            PasswordCheck::Match { needs_rehash } => {
                self.after_success(&user, needs_rehash, credentials.password).await;
                let subject = Subject { user_id: &user.user_id, username: &user.username, roles: &user.roles };
                self.issuer.issue(subject, now).map_err(|e| LoginError::Internal(e.to_string()))
            }
        }
    }

    /// Records the failure atomically; what the write found decides the answer.
    async fn count_failure(&self, user: &User, now: u64) -> LoginError {
        match self.store.record_failed_login(&user.username, now, self.lockout).await {
            Ok(FailedLogin::Counted(_)) => LoginError::InvalidCredentials,
            Ok(FailedLogin::LockedNow(_)) => {
                tracing::warn!(username = %user.username, "user locked after too many failed logins");
                LoginError::InvalidCredentials
            }
            Ok(FailedLogin::AlreadyLocked(until)) => LoginError::Locked { retry_after: until.saturating_sub(now) },
            // Deleted between the read and the write: it is an unknown user now.
            Err(StoreError::NotFound(_)) => LoginError::InvalidCredentials,
            Err(err) => LoginError::StoreUnavailable(err),
        }
    }

    /// Housekeeping after a right password. Neither write is needed to let the
    /// user in, so a failure is logged and the login goes on.
    async fn after_success(&self, user: &User, needs_rehash: bool, password: String) {
        if user.failed_logins != 0
            && let Err(err) = self.store.reset_failed_logins(&user.username).await
        {
            tracing::warn!(username = %user.username, error = %err, "could not reset the failed-login count");
        }
        if needs_rehash {
            self.rehash(user, password).await;
        }
    }

    /// Upgrades a hash made with weaker parameters, conditional on the old
    /// hash so that a concurrent password change wins.
    async fn rehash(&self, user: &User, password: String) {
        let hasher = self.hasher.clone();
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
        let hasher = self.hasher.clone();
        tokio::task::spawn_blocking(move || hasher.verify(&password, &hash))
            .await
            .map_err(|e| LoginError::Internal(format!("password check did not complete: {e}")))?
            .map_err(|e| LoginError::Internal(e.to_string()))
    }

    async fn verify_dummy(&self, password: String) -> Result<(), LoginError> {
        let hasher = self.hasher.clone();
        tokio::task::spawn_blocking(move || hasher.verify_dummy(&password))
            .await
            .map_err(|e| LoginError::Internal(format!("password check did not complete: {e}")))
    }
}
