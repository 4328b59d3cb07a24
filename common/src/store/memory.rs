//! An in-memory user store, for tests and examples.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{
    LockoutPolicy, LoginRecorded, LoginStore, Reservation, SessionStore, StoreError, UserChange, UserDirectory, lockout,
};
use crate::session::Session;
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
        // Every write is a whole-record insert or in-place field update under the
        // lock, so a panic elsewhere cannot leave a half-written user behind.
        self.users.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn with_user<T>(&self, username: &str, f: impl FnOnce(&mut User) -> T) -> Result<T, StoreError> {
        let mut users = self.users();
        let user = users.get_mut(username).ok_or_else(|| StoreError::NotFound(username.to_string()))?;
        Ok(f(user))
    }
}

/// Applies an operator's change to a user record.
pub fn apply_change(user: &mut User, change: UserChange) {
    match change {
        UserChange::PasswordHash(hash) => user.password_hash = hash,
        UserChange::Roles(roles) => user.roles = roles,
        UserChange::Disabled(disabled) => user.disabled = disabled,
        UserChange::Unlock => {
            user.failed_logins = 0;
            user.locked_until = None;
        }
        UserChange::EndSessions(at) => user.sessions_revoked_at = Some(at),
    }
}

#[async_trait]
impl UserDirectory for MemoryUserStore {
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

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let users = self.users();
        let sorted: BTreeMap<_, _> = users.iter().collect();
        Ok(sorted.into_values().cloned().collect())
    }

    async fn update_user(&self, username: &str, change: UserChange) -> Result<(), StoreError> {
        self.with_user(username, |user| apply_change(user, change))
    }

    async fn delete_user(&self, username: &str) -> Result<(), StoreError> {
        self.users().remove(username).map(|_| ()).ok_or_else(|| StoreError::NotFound(username.to_string()))
    }
}

#[async_trait]
impl LoginStore for MemoryUserStore {
    async fn reserve_login_attempt(
        &self,
        username: &str,
        now: u64,
        policy: LockoutPolicy,
    ) -> Result<Reservation, StoreError> {
        Ok(lockout::reserve(self.users().get_mut(username), now, policy))
    }

    async fn lock_if_limit_reached(
        &self,
        username: &str,
        now: u64,
        policy: LockoutPolicy,
    ) -> Result<Option<u64>, StoreError> {
        self.with_user(username, |user| lockout::lock_if_limit_reached(user, now, policy))
    }

    async fn record_successful_login(&self, username: &str, now: u64) -> Result<LoginRecorded, StoreError> {
        self.with_user(username, |user| lockout::record_success(user, now))
    }

    async fn replace_password_hash(&self, username: &str, expected: &str, new_hash: &str) -> Result<bool, StoreError> {
        self.with_user(username, |user| {
            let applies = user.password_hash == expected;
            if applies {
                user.password_hash = new_hash.to_string();
            }
            applies
        })
    }
}

/// Sessions in memory, for tests.
#[derive(Debug, Default)]
pub struct MemorySessionStore {
    sessions: Mutex<HashMap<String, Session>>,
}

impl MemorySessionStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let mut sessions = self.sessions();
        if sessions.contains_key(&session.session_id) {
            return Err(StoreError::AlreadyExists(session.session_id.clone()));
        }
        sessions.insert(session.session_id.clone(), session.clone());
        Ok(())
    }

    async fn get_session(&self, session_id: &str) -> Result<Option<Session>, StoreError> {
        Ok(self.sessions().get(session_id).cloned())
    }

    async fn rotate_session(&self, read: &Session, new_hash: &str) -> Result<bool, StoreError> {
        let mut sessions = self.sessions();
        let Some(stored) = sessions.get_mut(&read.session_id) else { return Ok(false) };
        if stored.revoked || stored.token_hash != read.token_hash {
            return Ok(false);
        }
        stored.spent = stored.spent_after(&read.token_hash);
        stored.token_hash = new_hash.to_string();
        Ok(true)
    }

    async fn revoke_session(&self, session_id: &str) -> Result<(), StoreError> {
        if let Some(session) = self.sessions().get_mut(session_id) {
            session.revoked = true;
        }
        Ok(())
    }

    async fn list_sessions(&self, username: &str) -> Result<Vec<Session>, StoreError> {
        let mut mine: Vec<Session> = self.sessions().values().filter(|s| s.username == username).cloned().collect();
        mine.sort_by_key(|s| (s.created_at_ms, s.session_id.clone()));
        Ok(mine)
    }

    async fn delete_sessions(&self, username: &str) -> Result<usize, StoreError> {
        let mut sessions = self.sessions();
        let before = sessions.len();
        sessions.retain(|_, s| s.username != username);
        Ok(before - sessions.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passes_the_store_contract() {
        super::super::contract::run_all(&MemoryUserStore::new()).await;
    }

    #[tokio::test]
    async fn passes_the_session_contract() {
        super::super::contract::run_sessions(&MemorySessionStore::new()).await;
    }
}
