//! Shared set-up for the admin tests.

#![allow(dead_code)]

/// A folder of the test's own, removed when dropped.
pub struct TempDir(common::testing::TempDir);

impl TempDir {
    pub fn new() -> Self {
        Self(common::testing::TempDir::new("admin-test"))
    }

    pub fn path(&self) -> &std::path::Path {
        self.0.path()
    }
}

/// Fails loudly, rather than skipping, when no DynamoDB endpoint is configured.
pub fn require_dynamodb_endpoint() {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some(),
        "AWS_ENDPOINT_URL_DYNAMODB is not set: run the suite with ./scripts/test.sh, which starts a local DynamoDB"
    );
}
