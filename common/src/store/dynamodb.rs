//! The user table in DynamoDB.
//!
//! Errors are matched by their typed error code, never by message text.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
};

use super::{StoreError, UserStore};
use crate::user::User;

mod item;

pub use item::{user_from_item, user_to_item};

/// Attribute names of the user item; `roles` is a DynamoDB reserved word, so
/// expressions must refer to it through a `#placeholder`.
pub mod attr {
    pub const USERNAME: &str = "username";
    pub const USER_ID: &str = "user_id";
    pub const PASSWORD_HASH: &str = "password_hash";
    pub const ROLES: &str = "roles";
    pub const DISABLED: &str = "disabled";
    pub const CREATED_AT: &str = "created_at";
}

#[derive(Debug, Clone)]
pub struct DynamoUserStore {
    client: Client,
    table: String,
}

fn unavailable<E: std::error::Error>(err: E) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(&err).to_string())
}

impl DynamoUserStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn key(username: &str) -> AttributeValue {
        AttributeValue::S(username.to_string())
    }

    /// Creates the table (on-demand billing, `username` as partition key) if it
    /// does not exist, and waits until it is active. Returns whether it created it.
    pub async fn ensure_table(&self) -> Result<bool, StoreError> {
        let attribute = AttributeDefinition::builder()
            .attribute_name(attr::USERNAME)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(unavailable)?;
        let key = KeySchemaElement::builder()
            .attribute_name(attr::USERNAME)
            .key_type(KeyType::Hash)
            .build()
            .map_err(unavailable)?;
        let created = match self
            .client
            .create_table()
            .table_name(&self.table)
            .attribute_definitions(attribute)
            .key_schema(key)
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
        {
            Ok(_) => true,
            Err(err) if err.code() == Some("ResourceInUseException") => false,
            Err(err) => return Err(unavailable(err)),
        };
        self.wait_until_active().await?;
        Ok(created)
    }

    async fn wait_until_active(&self) -> Result<(), StoreError> {
        for _ in 0..120 {
            let described = self.client.describe_table().table_name(&self.table).send().await.map_err(unavailable)?;
            if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Err(StoreError::Unavailable(format!("table {} did not become active within 60 s", self.table)))
    }
}

#[async_trait]
impl UserStore for DynamoUserStore {
    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::USERNAME, Self::key(username))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        output.item.as_ref().map(user_from_item).transpose()
    }

    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(user_to_item(user)))
            .condition_expression("attribute_not_exists(#username)")
            .expression_attribute_names("#username", attr::USERNAME)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Err(StoreError::AlreadyExists(user.username.clone()))
            }
            Err(err) => Err(unavailable(err)),
        }
    }
}

/// Kept for item mapping helpers that build maps by hand.
pub type Item = HashMap<String, AttributeValue>;
