//! The login decision: look the user up, check the password, issue a token.

use std::sync::Arc;

use common::password::{PasswordCheck, PasswordHasher};
use common::store::{StoreError, UserStore};
use common::token::{IssuedToken, Subject, TokenIssuer};
use common::user::normalize_username;

use crate::credentials::Credentials;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown user or wrong password: deliberately indistinguishable.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// Right password, but an operator disabled the account.
    #[error("account disabled")]
    AccountDisabled,
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
}

impl LoginService {
    pub fn new(store: Arc<dyn UserStore>, hasher: PasswordHasher, issuer: TokenIssuer) -> Self {
        Self { store, hasher, issuer }
    }

    pub async fn login(&self, credentials: Credentials, now: u64) -> Result<IssuedToken, LoginError> {
        let username = normalize_username(&credentials.username);
        let user = self.store.get_user(&username).await.map_err(LoginError::StoreUnavailable)?;
        let Some(user) = user else {
            // Same argon2 cost as a wrong password, so timing does not reveal
            // which usernames exist.
            self.verify_dummy(credentials.password).await?;
            return Err(LoginError::InvalidCredentials);
        };
        match self.verify(credentials.password, user.password_hash.clone()).await? {
            PasswordCheck::Mismatch => Err(LoginError::InvalidCredentials),
            PasswordCheck::Match { .. } if user.disabled => Err(LoginError::AccountDisabled),
            PasswordCheck::Match { .. } => {
                let subject = Subject { user_id: &user.user_id, username: &user.username, roles: &user.roles };
                self.issuer.issue(subject, now).map_err(|e| LoginError::Internal(e.to_string()))
            }
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
