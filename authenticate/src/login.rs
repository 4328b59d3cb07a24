//! A login: the credentials checked under the brute-force limit (the `users`
//! crate's [`CredentialCheck`]), a disabled account refused, a token issued.

use std::sync::Arc;

use common::credentials::Credentials;
use common::password::PasswordHashing;
use common::store::{LockoutPolicy, LoginStore};
use common::token::{IssuedToken, Subject, TokenIssuer};
use common::user::User;
use users::credentials::{CredentialCheck, LoginError};

pub struct LoginService {
    credentials: CredentialCheck,
    issuer: TokenIssuer,
}

impl LoginService {
    pub fn new(
        store: Arc<dyn LoginStore>,
        hasher: impl PasswordHashing,
        issuer: TokenIssuer,
        lockout: LockoutPolicy,
    ) -> Self {
        Self { credentials: CredentialCheck::new(store, hasher, lockout), issuer }
    }

    /// The enabled user these credentials belong to.
    pub async fn user(&self, credentials: Credentials, now: u64) -> Result<User, LoginError> {
        let user = self.credentials.check(&credentials.username, credentials.password, now).await?;
        if user.disabled {
            return Err(LoginError::AccountDisabled);
        }
        Ok(user)
    }

    /// An access token for the user as it is now (its roles, its id).
    pub fn issue(&self, user: &User, now: u64) -> Result<IssuedToken, LoginError> {
        let subject = Subject { user_id: &user.user_id, username: &user.username, roles: &user.roles };
        self.issuer.issue(subject, now).map_err(|e| LoginError::Internal(e.to_string()))
    }

    /// Both: what a login without a session is.
    pub async fn login(&self, credentials: Credentials, now: u64) -> Result<IssuedToken, LoginError> {
        let user = self.user(credentials, now).await?;
        self.issue(&user, now)
    }
}
