//! An in-memory user store, for tests and examples.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{StoreError, UserStore};
use crate::user::User;

#[derive(Debug, Default)]
pub struct MemoryUserStore {
    users: Mutex<HashMap<String, User>>,
}

impl MemoryUserStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn users(&self) -> std::sync::MutexGuard<'_, HashMap<String, User>> {
        // A panic while holding the lock cannot leave a half-written user: every
        // write is a single insert or remove, so the data is still consistent.
        self.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl UserStore for MemoryUserStore {
    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(self.users().get(username).cloned())
    }

    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let mut users = self.users();
        if users.contains_key(&user.username) {
            return Err(StoreError::AlreadyExists(user.username.clone()));
        }
        users.insert(user.username.clone(), user.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passes_the_store_contract() {
        super::super::contract::run_all(&MemoryUserStore::new()).await;
    }
}
