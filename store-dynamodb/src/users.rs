//! The user table: [`DynamoUserStore`], both the operators' directory and the
//! login's conditional writes.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType,
};

use common::store::lockout::{self, STALE_RESERVATION_SECS};
use common::store::{LockoutPolicy, LoginRecorded, LoginStore, Reservation, StoreError, UserChange, UserDirectory};
use common::user::User;

use crate::item::{user_from_item, user_to_item};
use crate::{Item, Target, build_failed, tables};

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
    pub const LAST_ATTEMPT_AT: &str = "last_attempt_at";
    pub const SESSIONS_REVOKED_AT: &str = "sessions_revoked_at";
}

/// Every expression names attributes through these placeholders, so reserved
/// words (`roles`) never break one.
const NAMES: [(&str, &str); 9] = [
    ("#username", attr::USERNAME),
    ("#hash", attr::PASSWORD_HASH),
    ("#roles", attr::ROLES),
    ("#disabled", attr::DISABLED),
    ("#failed", attr::FAILED_LOGINS),
    ("#locked", attr::LOCKED_UNTIL),
    ("#user_id", attr::USER_ID),
    ("#attempted", attr::LAST_ATTEMPT_AT),
    ("#sessions_revoked", attr::SESSIONS_REVOKED_AT),
];

const EXISTS: &str = "attribute_exists(#username)";
/// Unlocked at `:now`: no lock, or one that has run out.
const UNLOCKED: &str = "(attribute_not_exists(#locked) OR #locked <= :now)";
/// Every attempt of the window taken.
const LIMIT_FULL: &str = "#failed >= :max";

fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

#[derive(Debug, Clone)]
pub struct DynamoUserStore {
    client: Client,
    table: String,
    endpoint: Option<String>,
}

impl DynamoUserStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into(), endpoint: None }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Whether the table is there and reachable with these credentials: a
    /// `DescribeTable`, for a program to refuse to start rather than fail
    /// every request (the local API does). The error is the store's one-line cause.
    pub async fn check(&self) -> Result<(), StoreError> {
        tables::check(&self.target()).await
    }

    /// Names the endpoint URL the client was built with in failure messages
    /// (`cannot reach URL`); without it they name the region.
    pub fn with_endpoint(mut self, url: Option<String>) -> Self {
        self.endpoint = url;
        self
    }

    fn target(&self) -> Target<'_> {
        Target { client: &self.client, table: &self.table, endpoint: self.endpoint.as_deref() }
    }

    fn unavailable<E>(&self, err: &SdkError<E, HttpResponse>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        crate::unavailable(&self.target(), err)
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
            .map_err(build_failed)?;
        let key = KeySchemaElement::builder()
            .attribute_name(attr::USERNAME)
            .key_type(KeyType::Hash)
            .build()
            .map_err(build_failed)?;
        let request = self
            .client
            .create_table()
            .table_name(&self.table)
            .attribute_definitions(attribute)
            .key_schema(key)
            .billing_mode(BillingMode::PayPerRequest);
        tables::create_if_missing(&self.target(), request).await
    }
}

/// The outcome of one conditional write. Both carry the item: as written
/// (when asked for), or as it stood when the condition failed (`None`: no such item).
enum Write {
    Applied(Option<Item>),
    ConditionFailed(Option<Item>),
}

impl DynamoUserStore {
    /// One conditional UpdateItem. Only the placeholders the expressions use
    /// are sent: DynamoDB rejects unused ones. A failed condition returns the
    /// item as it stood (`ReturnValuesOnConditionCheckFailure`), so the caller
    /// learns why in the same round trip.
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
            .condition_expression(condition)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        for (placeholder, name) in NAMES.iter().filter(|(p, _)| used(p)) {
            request = request.expression_attribute_names(*placeholder, *name);
        }
        for (placeholder, value) in values.iter().filter(|(p, _)| used(p)) {
            request = request.expression_attribute_values(*placeholder, value.clone());
        }
        if return_new {
            request = request.return_values(ReturnValue::AllNew);
        }
        match request.send().await {
            Ok(output) => Ok(Write::Applied(output.attributes)),
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    Ok(Write::ConditionFailed(failed.item.clone()))
                }
                _ => Err(self.unavailable(&err)),
            },
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
            Write::ConditionFailed(_) => Err(StoreError::NotFound(username.to_string())),
        }
    }

    /// A limit held for [`STALE_RESERVATION_SECS`] by attempts that never
    /// reported back: lock, as if they had failed. `None` if the user changed meanwhile.
    async fn lock_stale_limit(
        &self,
        username: &str,
        now: u64,
        policy: LockoutPolicy,
    ) -> Result<Option<u64>, StoreError> {
        let until = now.saturating_add(policy.lockout_secs);
        let stale_before = now.saturating_sub(STALE_RESERVATION_SECS);
        let write = self
            .update(
                username,
                "SET #failed = :zero, #locked = :until",
                &format!("{EXISTS} AND {UNLOCKED} AND {LIMIT_FULL} AND (attribute_not_exists(#attempted) OR #attempted <= :stale)"),
                &[
                    (":zero", number(0)),
                    (":until", number(until)),
                    (":now", number(now)),
                    (":max", number(u64::from(policy.max_attempts))),
                    (":stale", number(stale_before)),
                ],
                false,
            )
            .await?;
        Ok(matches!(write, Write::Applied(_)).then_some(until))
    }
}

#[async_trait]
impl UserDirectory for DynamoUserStore {
    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::USERNAME, Self::key(username))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| self.unavailable(&err))?;
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
            Err(err) => Err(self.unavailable(&err)),
        }
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let mut pages = self.client.scan().table_name(&self.table).consistent_read(true).into_paginator().send();
        let mut users = Vec::new();
        while let Some(page) = pages.next().await {
            for item in page.map_err(|err| self.unavailable(&err))?.items() {
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
            UserChange::EndSessions(at) => {
                self.update_existing(username, "SET #sessions_revoked = :at", &[(":at", number(at))]).await
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
            Err(err) => Err(self.unavailable(&err)),
        }
    }
}

#[async_trait]
impl LoginStore for DynamoUserStore {
    /// One conditional UpdateItem that takes the attempt and returns the user
    /// (`ALL_NEW`), or, when refused, returns why (`ALL_OLD`: no item for an
    /// unknown user, so unknown users cost the same one round trip and no write).
    async fn reserve_login_attempt(
        &self,
        username: &str,
        now: u64,
        policy: LockoutPolicy,
    ) -> Result<Reservation, StoreError> {
        let write = self
            .update(
                username,
                "ADD #failed :one SET #attempted = :now",
                &format!("{EXISTS} AND {UNLOCKED} AND (attribute_not_exists(#failed) OR #failed < :max)"),
                &[(":one", number(1)), (":now", number(now)), (":max", number(u64::from(policy.max_attempts)))],
                true,
            )
            .await?;
        let user = match write {
            Write::Applied(Some(item)) => return Ok(Reservation::Granted(user_from_item(&item)?)),
            Write::Applied(None) => {
                return Err(StoreError::Unavailable("UpdateItem returned no attributes for ALL_NEW".into()));
            }
            Write::ConditionFailed(None) => return Ok(Reservation::UnknownUser),
            Write::ConditionFailed(Some(item)) => user_from_item(&item)?,
        };
        if let Some(until) = user.locked_until.filter(|&until| until > now) {
            return Ok(Reservation::Locked(until));
        }
        if lockout::is_stale(&user, now)
            && let Some(until) = self.lock_stale_limit(username, now, policy).await?
        {
            return Ok(Reservation::Locked(until));
        }
        Ok(Reservation::Busy)
    }

    async fn lock_if_limit_reached(
        &self,
        username: &str,
        now: u64,
        policy: LockoutPolicy,
    ) -> Result<Option<u64>, StoreError> {
        let until = now.saturating_add(policy.lockout_secs);
        let write = self
            .update(
                username,
                "SET #failed = :zero, #locked = :until",
                &format!("{EXISTS} AND {UNLOCKED} AND {LIMIT_FULL}"),
                &[
                    (":zero", number(0)),
                    (":until", number(until)),
                    (":now", number(now)),
                    (":max", number(u64::from(policy.max_attempts))),
                ],
                false,
            )
            .await?;
        match write {
            Write::Applied(_) => Ok(Some(until)),
            Write::ConditionFailed(None) => Err(StoreError::NotFound(username.to_string())),
            Write::ConditionFailed(Some(_)) => Ok(None),
        }
    }

    async fn record_successful_login(&self, username: &str, now: u64) -> Result<LoginRecorded, StoreError> {
        let write = self
            .update(
                username,
                "SET #failed = :zero",
                &format!("{EXISTS} AND {UNLOCKED}"),
                &[(":zero", number(0)), (":now", number(now))],
                false,
            )
            .await?;
        match write {
            Write::Applied(_) => Ok(LoginRecorded::Reset),
            Write::ConditionFailed(None) => Err(StoreError::NotFound(username.to_string())),
            Write::ConditionFailed(Some(item)) => {
                let until = user_from_item(&item)?.locked_until.unwrap_or(now);
                Ok(LoginRecorded::Locked(until))
            }
        }
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
