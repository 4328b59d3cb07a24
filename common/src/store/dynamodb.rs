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

use super::{FailedLogin, LockoutPolicy, StoreError, UserChange, UserStore};
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
    pub const FAILED_LOGINS: &str = "failed_logins";
    pub const LOCKED_UNTIL: &str = "locked_until";
}

/// Every expression names attributes through these placeholders, so reserved
/// words (`roles`) never break one.
const NAMES: [(&str, &str); 7] = [
    ("#username", attr::USERNAME),
    ("#hash", attr::PASSWORD_HASH),
    ("#roles", attr::ROLES),
    ("#disabled", attr::DISABLED),
    ("#failed", attr::FAILED_LOGINS),
    ("#locked", attr::LOCKED_UNTIL),
    ("#user_id", attr::USER_ID),
];

const EXISTS: &str = "attribute_exists(#username)";
/// Unlocked at `:now`: no lock, or one that has run out.
const UNLOCKED: &str = "(attribute_not_exists(#locked) OR #locked <= :now)";

fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
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

/// The outcome of one conditional write.
enum Write {
    Applied(Option<Item>),
    ConditionFailed,
}

impl DynamoUserStore {
    /// One conditional UpdateItem. Only the placeholders the expressions use
    /// are sent: DynamoDB rejects unused ones.
    async fn update(
        &self,
        username: &str,
        update: &str,
        condition: &str,
        values: &[(&str, AttributeValue)],
        return_new: bool,
    ) -> Result<Write, StoreError> {
        let used = |placeholder: &str| update.contains(placeholder) || condition.contains(placeholder);
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::USERNAME, Self::key(username))
            .update_expression(update)
            .condition_expression(condition);
        for (placeholder, name) in NAMES.iter().filter(|(p, _)| used(p)) {
            request = request.expression_attribute_names(*placeholder, *name);
        }
        for (placeholder, value) in values {
            request = request.expression_attribute_values(*placeholder, value.clone());
        }
        if return_new {
            request = request.return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew);
        }
        match request.send().await {
            Ok(output) => Ok(Write::Applied(output.attributes)),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Ok(Write::ConditionFailed)
            }
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn update_existing(
        &self,
        username: &str,
        update: &str,
        values: &[(&str, AttributeValue)],
    ) -> Result<(), StoreError> {
        match self.update(username, update, EXISTS, values, false).await? {
            Write::Applied(_) => Ok(()),
            Write::ConditionFailed => Err(StoreError::NotFound(username.to_string())),
        }
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

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let mut pages = self.client.scan().table_name(&self.table).consistent_read(true).into_paginator().send();
        let mut users = Vec::new();
        while let Some(page) = pages.next().await {
            for item in page.map_err(unavailable)?.items() {
                users.push(user_from_item(item)?);
            }
        }
        users.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(users)
    }

    async fn update_user(&self, username: &str, change: UserChange) -> Result<(), StoreError> {
        match change {
            UserChange::PasswordHash(hash) => {
                self.update_existing(username, "SET #hash = :hash", &[(":hash", AttributeValue::S(hash))]).await
            }
            UserChange::Roles(roles) => {
                let list = AttributeValue::L(roles.into_iter().map(AttributeValue::S).collect());
                self.update_existing(username, "SET #roles = :roles", &[(":roles", list)]).await
            }
            UserChange::Disabled(disabled) => {
                self.update_existing(username, "SET #disabled = :d", &[(":d", AttributeValue::Bool(disabled))]).await
            }
            UserChange::Unlock => {
                self.update_existing(username, "SET #failed = :zero REMOVE #locked", &[(":zero", number(0))]).await
            }
        }
    }

    async fn delete_user(&self, username: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(attr::USERNAME, Self::key(username))
            .condition_expression(EXISTS)
            .expression_attribute_names("#username", attr::USERNAME)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Err(StoreError::NotFound(username.to_string()))
            }
            Err(err) => Err(unavailable(err)),
        }
    }

    /// Each attempt is one conditional UpdateItem, so concurrent failures are
    /// never lost: either the counting write applies (below the limit), or the
    /// locking write applies (the failure that reaches the limit), or neither
    /// condition holds because another writer got there first, and we re-read
    /// and try again.
    async fn record_failed_login(
        &self,
        username: &str,
        now: u64,
        policy: LockoutPolicy,
    ) -> Result<FailedLogin, StoreError> {
        let below_limit = policy.max_attempts.saturating_sub(1);
        let until = now.saturating_add(policy.lockout_secs);
        for _ in 0..16 {
            if below_limit > 0 {
                let count = self
                    .update(
                        username,
                        "ADD #failed :one",
                        &format!("{EXISTS} AND {UNLOCKED} AND (attribute_not_exists(#failed) OR #failed < :below)"),
                        &[(":one", number(1)), (":now", number(now)), (":below", number(u64::from(below_limit)))],
                        true,
                    )
                    .await?;
                if let Write::Applied(item) = count {
                    let counted = item.as_ref().map(user_from_item).transpose()?.map_or(1, |u| u.failed_logins);
                    return Ok(FailedLogin::Counted(counted));
                }
            }
            let lock = self
                .update(
                    username,
                    "SET #failed = :zero, #locked = :until",
                    &format!("{EXISTS} AND {UNLOCKED} AND (attribute_not_exists(#failed) OR #failed >= :below)"),
                    &[
                        (":zero", number(0)),
                        (":until", number(until)),
                        (":now", number(now)),
                        (":below", number(u64::from(below_limit))),
                    ],
                    false,
                )
                .await?;
            if let Write::Applied(_) = lock {
                return Ok(FailedLogin::LockedNow(until));
            }
            // Neither applied: the user is missing, locked, or changed under us.
            let user = self.get_user(username).await?.ok_or_else(|| StoreError::NotFound(username.to_string()))?;
            if let Some(locked_until) = user.locked_until.filter(|&t| t > now) {
                return Ok(FailedLogin::AlreadyLocked(locked_until));
            }
        }
        Err(StoreError::Unavailable(format!("failed login for {username:?} not recorded: too much contention")))
    }

    async fn reset_failed_logins(&self, username: &str) -> Result<(), StoreError> {
        self.update_existing(username, "SET #failed = :zero", &[(":zero", number(0))]).await
    }

    async fn replace_password_hash(&self, username: &str, expected: &str, new_hash: &str) -> Result<bool, StoreError> {
        let write = self
            .update(
                username,
                "SET #hash = :new",
                &format!("{EXISTS} AND #hash = :expected"),
                &[(":new", AttributeValue::S(new_hash.into())), (":expected", AttributeValue::S(expected.into()))],
                false,
            )
            .await?;
        Ok(matches!(write, Write::Applied(_)))
    }
}

/// Kept for item mapping helpers that build maps by hand.
pub type Item = HashMap<String, AttributeValue>;
