//! The Lambda's own set-up: configuration from the environment, the DynamoDB
//! tables and, with ES256 or RS256, the signing key from Secrets Manager, all at the
//! AWS SDK's standard settings.

use std::sync::Arc;

use aws_sdk_secretsmanager::error::DisplayErrorContext;
use common::config::{ConfigError, Lookup, sessions_table, users_table};
use common::password::PasswordHasher;
use common::token::TokenError;
use store_dynamodb::{DynamoSessionStore, DynamoUserStore};

use crate::signing::{SecretSource, Signer};
use crate::{Authenticate, AuthenticateConfig, Stores};

/// Why the function cannot start; names the variable, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// `GetSecretValue` on the one secret `JWT_SIGNING_KEY_SECRET` names: the
/// only Secrets Manager call, once per cold start (authenticate's role may
/// read that secret and nothing else).
pub struct SecretsManager(aws_sdk_secretsmanager::Client);

impl SecretsManager {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        Self(aws_sdk_secretsmanager::Client::new(sdk))
    }
}

impl SecretSource for SecretsManager {
    async fn secret_string(&self, secret_id: &str) -> Result<String, String> {
        let output = self.0.get_secret_value().secret_id(secret_id).send().await.map_err(|err| {
            // The error's whole chain on one line (service code, message, or
            // the connection failure); a GetSecretValue error holds no value.
            DisplayErrorContext(&err).to_string().replace('\n', " ")
        })?;
        output.secret_string.ok_or_else(|| "it has no SecretString (a binary secret is not read)".into())
    }
}

impl Authenticate {
    /// Built once at cold start from the environment: `USERS_TABLE`,
    /// `SESSIONS_TABLE`, the token settings (with ES256 or RS256, the key in
    /// `JWT_SIGNING_KEY_SECRET`), CORS and the lockout policy.
    pub async fn from_env(lookup: Lookup<'_>) -> Result<Self, StartupError> {
        let config = AuthenticateConfig::from_lookup(lookup)?;
        let (users, sessions) = (users_table(lookup)?, sessions_table(lookup)?);
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let signer = Signer::load(&config.issuer.key, &SecretsManager::new(&sdk)).await?;
        let client = aws_sdk_dynamodb::Client::new(&sdk);
        let users = Arc::new(DynamoUserStore::new(client.clone(), users));
        let sessions = Arc::new(DynamoSessionStore::new(client, sessions));
        Ok(Self::with_signer(&config, signer, Stores::new(users, sessions), PasswordHasher::owasp()))
    }
}
