//! The sessions table: partition key `session_id`, so a refresh reads and
//! rotates its session by key; a global secondary index on `username`
//! (sorted by `created_at_ms`) makes "every session of a user" one query; the
//! table's TTL deletes a session some time after `expires_at`. Only hashes of
//! refresh tokens are stored.
//!
//! The index is eventually consistent, so ending a user's sessions does not
//! rely on it: the user item's `sessions_revoked_at`, read on every refresh,
//! is what ends them; deleting the items found through the index is cleanup.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use common::session::Session;
use common::store::{SessionStore, StoreError};

use crate::{Item, Target, build_failed, tables};

/// Attribute names of a session item.
pub mod attr {
    pub const SESSION_ID: &str = "session_id";
    pub const USERNAME: &str = "username";
    pub const USER_ID: &str = "user_id";
    pub const TOKEN_HASH: &str = "token_hash";
    pub const SPENT: &str = "spent";
    pub const CREATED_AT_MS: &str = "created_at_ms";
    /// The table's TTL attribute.
    pub const EXPIRES_AT: &str = "expires_at";
    pub const REVOKED: &str = "revoked";
}

/// The index that lists a user's sessions.
pub const BY_USER_INDEX: &str = "by-user";

#[derive(Debug, Clone)]
pub struct DynamoSessionStore {
    client: Client,
    table: String,
    endpoint: Option<String>,
}

fn text(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

fn number(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn spent_list(spent: &[String]) -> AttributeValue {
    AttributeValue::L(spent.iter().map(|hash| text(hash)).collect())
}

pub fn session_to_item(session: &Session) -> Item {
    Item::from([
        (attr::SESSION_ID.to_string(), text(&session.session_id)),
        (attr::USERNAME.to_string(), text(&session.username)),
        (attr::USER_ID.to_string(), text(&session.user_id)),
        (attr::TOKEN_HASH.to_string(), text(&session.token_hash)),
        (attr::SPENT.to_string(), spent_list(&session.spent)),
        (attr::CREATED_AT_MS.to_string(), number(session.created_at_ms)),
        (attr::EXPIRES_AT.to_string(), number(session.expires_at)),
        (attr::REVOKED.to_string(), AttributeValue::Bool(session.revoked)),
    ])
}

pub fn session_from_item(item: &Item) -> Result<Session, StoreError> {
    let invalid = |name: &str| StoreError::InvalidItem(format!("session attribute {name} is missing or mistyped"));
    let string = |name: &'static str| match item.get(name) {
        Some(AttributeValue::S(s)) => Ok(s.clone()),
        _ => Err(invalid(name)),
    };
    let number = |name: &'static str| match item.get(name) {
        Some(AttributeValue::N(n)) => n.parse::<u64>().map_err(|_| invalid(name)),
        _ => Err(invalid(name)),
    };
    let spent = match item.get(attr::SPENT) {
        None => Vec::new(),
        Some(AttributeValue::L(list)) => list
            .iter()
            .map(|v| match v {
                AttributeValue::S(s) => Ok(s.clone()),
                _ => Err(invalid(attr::SPENT)),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid(attr::SPENT)),
    };
    Ok(Session {
        session_id: string(attr::SESSION_ID)?,
        username: string(attr::USERNAME)?,
        user_id: string(attr::USER_ID)?,
        token_hash: string(attr::TOKEN_HASH)?,
        spent,
        created_at_ms: number(attr::CREATED_AT_MS)?,
        expires_at: number(attr::EXPIRES_AT)?,
        revoked: matches!(item.get(attr::REVOKED), Some(AttributeValue::Bool(true))),
    })
}

impl DynamoSessionStore {
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

    fn key(session_id: &str) -> (String, AttributeValue) {
        (attr::SESSION_ID.to_string(), text(session_id))
    }

    /// Creates the table as the deployment does (key, index, TTL) if it does
    /// not exist, and waits until it is active. Returns whether it created it.
    pub async fn ensure_table(&self) -> Result<bool, StoreError> {
        let definition = |name: &str, kind: ScalarAttributeType| {
            AttributeDefinition::builder().attribute_name(name).attribute_type(kind).build().map_err(build_failed)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder().attribute_name(name).key_type(kind).build().map_err(build_failed)
        };
        let index = GlobalSecondaryIndex::builder()
            .index_name(BY_USER_INDEX)
            .key_schema(key(attr::USERNAME, KeyType::Hash)?)
            .key_schema(key(attr::CREATED_AT_MS, KeyType::Range)?)
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .map_err(build_failed)?;
        let request = self
            .client
            .create_table()
            .table_name(&self.table)
            .attribute_definitions(definition(attr::SESSION_ID, ScalarAttributeType::S)?)
            .attribute_definitions(definition(attr::USERNAME, ScalarAttributeType::S)?)
            .attribute_definitions(definition(attr::CREATED_AT_MS, ScalarAttributeType::N)?)
            .key_schema(key(attr::SESSION_ID, KeyType::Hash)?)
            .global_secondary_indexes(index)
            .billing_mode(BillingMode::PayPerRequest);
        let created = tables::create_if_missing(&self.target(), request).await?;
        if created {
            let ttl = TimeToLiveSpecification::builder()
                .attribute_name(attr::EXPIRES_AT)
                .enabled(true)
                .build()
                .map_err(build_failed)?;
            let update = self.client.update_time_to_live().table_name(&self.table).time_to_live_specification(ttl);
            update.send().await.map_err(|err| self.unavailable(&err))?;
        }
        Ok(created)
    }
}

#[async_trait]
impl SessionStore for DynamoSessionStore {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(session_to_item(session)))
            .condition_expression("attribute_not_exists(#id)")
            .expression_attribute_names("#id", attr::SESSION_ID)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => {
                Err(StoreError::AlreadyExists(session.session_id.clone()))
            }
            Err(err) => Err(self.unavailable(&err)),
        }
    }

    async fn get_session(&self, session_id: &str) -> Result<Option<Session>, StoreError> {
        let (name, key) = Self::key(session_id);
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(name, key)
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| self.unavailable(&err))?;
        output.item.as_ref().map(session_from_item).transpose()
    }

    /// One conditional UpdateItem: of concurrent rotations of one token,
    /// DynamoDB applies exactly one.
    async fn rotate_session(&self, read: &Session, new_hash: &str) -> Result<bool, StoreError> {
        let (name, key) = Self::key(&read.session_id);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(name, key)
            .update_expression("SET #hash = :new, #spent = :spent")
            .condition_expression("#hash = :presented AND #revoked = :false")
            .expression_attribute_names("#hash", attr::TOKEN_HASH)
            .expression_attribute_names("#spent", attr::SPENT)
            .expression_attribute_names("#revoked", attr::REVOKED)
            .expression_attribute_values(":new", text(new_hash))
            .expression_attribute_values(":spent", spent_list(&read.spent_after(&read.token_hash)))
            .expression_attribute_values(":presented", text(&read.token_hash))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(false),
                _ => Err(self.unavailable(&err)),
            },
        }
    }

    async fn revoke_session(&self, session_id: &str) -> Result<(), StoreError> {
        let (name, key) = Self::key(session_id);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(name, key)
            .update_expression("SET #revoked = :true")
            .condition_expression("attribute_exists(#id)")
            .expression_attribute_names("#revoked", attr::REVOKED)
            .expression_attribute_names("#id", attr::SESSION_ID)
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(()),
            Err(err) => Err(self.unavailable(&err)),
        }
    }

    async fn list_sessions(&self, username: &str) -> Result<Vec<Session>, StoreError> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_USER_INDEX)
            .key_condition_expression("#username = :username")
            .expression_attribute_names("#username", attr::USERNAME)
            .expression_attribute_values(":username", text(username))
            .into_paginator()
            .send();
        let mut sessions = Vec::new();
        while let Some(page) = pages.next().await {
            for item in page.map_err(|err| self.unavailable(&err))?.items() {
                sessions.push(session_from_item(item)?);
            }
        }
        Ok(sessions)
    }

    async fn delete_sessions(&self, username: &str) -> Result<usize, StoreError> {
        let sessions = self.list_sessions(username).await?;
        for session in &sessions {
            let (name, key) = Self::key(&session.session_id);
            self.client
                .delete_item()
                .table_name(&self.table)
                .key(name, key)
                .send()
                .await
                .map_err(|err| self.unavailable(&err))?;
        }
        Ok(sessions.len())
    }
}
