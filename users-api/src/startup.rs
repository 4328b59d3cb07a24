//! The Lambda's own set-up: configuration from the environment and the
//! DynamoDB user table at the AWS SDK's standard settings.

use std::sync::Arc;

use common::config::{ConfigError, Lookup, users_table};
use common::password::PasswordHasher;
use store_dynamodb::DynamoUserStore;

use crate::{UsersApi, UsersApiConfig};

/// Why the function cannot start; names the variable.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl UsersApi {
    /// Built once at cold start from the environment: `USERS_TABLE`,
    /// `ADMIN_ROLE`, CORS and the lockout policy.
    pub async fn from_env(lookup: Lookup<'_>) -> Result<Self, StartupError> {
        let config = UsersApiConfig::from_lookup(lookup)?;
        let table = users_table(lookup)?;
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let store = DynamoUserStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
        Ok(Self::new(&config, Arc::new(store), PasswordHasher::owasp()))
    }
}
