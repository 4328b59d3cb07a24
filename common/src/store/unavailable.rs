//! A store whose every call fails as an unreachable database would: for
//! testing that callers fail closed.

use async_trait::async_trait;

use super::{FailedLogin, LockoutPolicy, StoreError, UserChange, UserStore};
use crate::user::User;

#[derive(Debug, Default)]
pub struct UnavailableStore;

fn down<T>() -> Result<T, StoreError> {
    Err(StoreError::Unavailable("connection refused (test store)".into()))
}

#[async_trait]
impl UserStore for UnavailableStore {
    async fn get_user(&self, _: &str) -> Result<Option<User>, StoreError> {
        down()
    }
    async fn create_user(&self, _: &User) -> Result<(), StoreError> {
        down()
    }
    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        down()
    }
    async fn update_user(&self, _: &str, _: UserChange) -> Result<(), StoreError> {
        down()
    }
    async fn delete_user(&self, _: &str) -> Result<(), StoreError> {
        down()
    }
    async fn record_failed_login(&self, _: &str, _: u64, _: LockoutPolicy) -> Result<FailedLogin, StoreError> {
        down()
    }
    async fn reset_failed_logins(&self, _: &str) -> Result<(), StoreError> {
        down()
    }
    async fn replace_password_hash(&self, _: &str, _: &str, _: &str) -> Result<bool, StoreError> {
        down()
    }
}
