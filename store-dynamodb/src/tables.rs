//! Creating a table, for `admin init` and the tests: production tables come
//! from the deployment (`serverless.yml`).

use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::types::TableStatus;
use common::store::StoreError;

use crate::{Target, unavailable};

/// Whether the table exists and can be described: what a program checks at start.
pub(crate) async fn check(at: &Target<'_>) -> Result<(), StoreError> {
    at.client.describe_table().table_name(at.table).send().await.map_err(|err| unavailable(at, &err))?;
    Ok(())
}

/// Sends the creation unless the table exists, then waits until it is
/// active. Returns whether it created it.
pub(crate) async fn create_if_missing(at: &Target<'_>, request: CreateTableFluentBuilder) -> Result<bool, StoreError> {
    let (client, table) = (at.client, at.table);
    let created = match request.send().await {
        Ok(_) => true,
        Err(err) if err.code() == Some("ResourceInUseException") => false,
        Err(err) => return Err(unavailable(at, &err)),
    };
    for _ in 0..120 {
        let described = client.describe_table().table_name(table).send().await.map_err(|err| unavailable(at, &err))?;
        if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(created);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(StoreError::Unavailable(format!("table {table} did not become active within 60 s")))
}
