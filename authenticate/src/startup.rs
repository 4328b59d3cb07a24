//! The Lambda's own set-up: configuration from the environment and the
//! DynamoDB user table at the AWS SDK's standard settings.

use std::sync::Arc;

use common::config::{ConfigError, Lookup, sessions_table, users_table};
use common::password::PasswordHasher;
use common::token::TokenError;
use store_dynamodb::{DynamoSessionStore, DynamoUserStore};

use crate::{Authenticate, AuthenticateConfig, Stores};

/// Why the function cannot start; names the variable, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl Authenticate {
    /// Built once at cold start from the environment: `USERS_TABLE`,
    /// `SESSIONS_TABLE`, the token settings, CORS and the lockout policy.
    pub async fn from_env(lookup: Lookup<'_>) -> Result<Self, StartupError> {
        let config = AuthenticateConfig::from_lookup(lookup)?;
        let (users, sessions) = (users_table(lookup)?, sessions_table(lookup)?);
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let client = aws_sdk_dynamodb::Client::new(&sdk);
        let users = Arc::new(DynamoUserStore::new(client.clone(), users));
        let sessions = Arc::new(DynamoSessionStore::new(client, sessions));
        Ok(Self::new(&config, Stores::new(users, sessions), PasswordHasher::owasp())?)
    }
}
