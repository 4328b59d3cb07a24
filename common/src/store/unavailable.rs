//! A store whose every call fails as an unreachable database would: for
//! testing that callers fail closed.

use async_trait::async_trait;

use super::{LockoutPolicy, LoginRecorded, LoginStore, Reservation, StoreError, UserChange, UserDirectory};
use crate::user::User;

#[derive(Debug, Default)]
pub struct UnavailableStore;

fn down<T>() -> Result<T, StoreError> {
    Err(StoreError::Unavailable("connection refused (test store)".into()))
}

#[async_trait]
impl UserDirectory for UnavailableStore {
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
}

#[async_trait]
impl LoginStore for UnavailableStore {
    async fn reserve_login_attempt(&self, _: &str, _: u64, _: LockoutPolicy) -> Result<Reservation, StoreError> {
        down()
    }
    async fn lock_if_limit_reached(&self, _: &str, _: u64, _: LockoutPolicy) -> Result<Option<u64>, StoreError> {
        down()
    }
    async fn record_successful_login(&self, _: &str, _: u64) -> Result<LoginRecorded, StoreError> {
        down()
    }
    async fn replace_password_hash(&self, _: &str, _: &str, _: &str) -> Result<bool, StoreError> {
        down()
    }
}

#[async_trait]
impl super::SessionStore for UnavailableStore {
    async fn create_session(&self, _: &crate::session::Session) -> Result<(), StoreError> {
        down()
    }
    async fn get_session(&self, _: &str) -> Result<Option<crate::session::Session>, StoreError> {
        down()
    }
    async fn rotate_session(&self, _: &crate::session::Session, _: &str) -> Result<bool, StoreError> {
        down()
    }
    async fn revoke_session(&self, _: &str) -> Result<(), StoreError> {
        down()
    }
    async fn list_sessions(&self, _: &str) -> Result<Vec<crate::session::Session>, StoreError> {
        down()
    }
    async fn delete_sessions(&self, _: &str) -> Result<usize, StoreError> {
        down()
    }
}
