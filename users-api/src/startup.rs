//! The Lambda's own set-up: configuration from the environment and the
//! DynamoDB user and session tables at the AWS SDK's standard settings.

use std::sync::Arc;

use common::config::{ConfigError, Lookup, sessions_table, users_table};
use common::password::PasswordHasher;
use store_dynamodb::{DynamoSessionStore, DynamoUserStore};

use crate::{UsersApi, UsersApiConfig};

/// Why the function cannot start; names the variable.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl UsersApi {
    /// Built once at cold start from the environment: `USERS_TABLE`,
    /// `SESSIONS_TABLE`, `ADMIN_ROLE`, CORS and the lockout policy.
    pub async fn from_env(lookup: Lookup<'_>) -> Result<Self, StartupError> {
        let config = UsersApiConfig::from_lookup(lookup)?;
        let (users, sessions) = (users_table(lookup)?, sessions_table(lookup)?);
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let client = aws_sdk_dynamodb::Client::new(&sdk);
        let users = Arc::new(DynamoUserStore::new(client.clone(), users));
        let sessions = Arc::new(DynamoSessionStore::new(client, sessions));
        Ok(Self::new(&config, users, sessions, PasswordHasher::owasp()))
    }
}
