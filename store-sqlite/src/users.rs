//! The users table: rows to [`User`]s (validated on every read) and the
//! directory's and the login's operations.

use async_trait::async_trait;
use common::store::memory::apply_change;
use common::store::{
    LockoutPolicy, LoginRecorded, LoginStore, Reservation, StoreError, UserChange, UserDirectory, lockout,
};
use common::user::{User, validate_role};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, Transaction, params};

use crate::{SqliteUserStore, epoch, unavailable};

const COLUMNS: &str = "username, user_id, password_hash, roles, disabled, created_at, failed_logins, locked_until, \
     last_attempt_at, sessions_revoked_at";

/// A row as stored, before validation.
struct RawUser {
    username: String,
    user_id: String,
    password_hash: String,
    roles: String,
    disabled: bool,
    created_at: String,
    failed_logins: i64,
    locked_until: Option<i64>,
    last_attempt_at: Option<i64>,
    sessions_revoked_at: Option<i64>,
}

fn raw_user(row: &Row<'_>) -> rusqlite::Result<RawUser> {
    Ok(RawUser {
        username: row.get(0)?,
        user_id: row.get(1)?,
        password_hash: row.get(2)?,
        roles: row.get(3)?,
        disabled: row.get(4)?,
        created_at: row.get(5)?,
        failed_logins: row.get(6)?,
        locked_until: row.get(7)?,
        last_attempt_at: row.get(8)?,
        sessions_revoked_at: row.get(9)?,
    })
}

impl RawUser {
    fn into_user(self) -> Result<User, StoreError> {
        let invalid = |what: &str| StoreError::InvalidItem(format!("user {:?}: {what}", self.username));
        let roles: Vec<String> =
            serde_json::from_str(&self.roles).map_err(|_| invalid("roles is not a JSON array of strings"))?;
        // The same rule as at creation, whatever wrote the row.
        if roles.iter().any(|role| validate_role(role).is_err()) {
            return Err(invalid("roles holds an invalid role name"));
        }
        let failed_logins = u32::try_from(self.failed_logins).map_err(|_| invalid("failed_logins out of range"))?;
        let epoch = |value: Option<i64>, name: &str| match value {
            None => Ok(None),
            Some(at) => u64::try_from(at).map(Some).map_err(|_| invalid(&format!("{name} is negative"))),
        };
        let locked_until = epoch(self.locked_until, "locked_until")?;
        let last_attempt_at = epoch(self.last_attempt_at, "last_attempt_at")?;
        let sessions_revoked_at = epoch(self.sessions_revoked_at, "sessions_revoked_at")?;
        Ok(User {
            username: self.username,
            user_id: self.user_id,
            password_hash: self.password_hash,
            roles,
            disabled: self.disabled,
            created_at: self.created_at,
            failed_logins,
            locked_until,
            last_attempt_at,
            sessions_revoked_at,
        })
    }
}

pub(crate) fn select_user(connection: &Connection, username: &str) -> Result<Option<User>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = ?1");
    connection
        .query_row(&sql, params![username], raw_user)
        .optional()
        .map_err(unavailable)?
        .map(RawUser::into_user)
        .transpose()
}

fn roles_json(roles: &[String]) -> String {
    serde_json::to_string(roles).unwrap_or_else(|_| "[]".into())
}

/// Writes every field an update can change; identity fields stay as created.
pub(crate) fn write_mutable_fields(tx: &Transaction<'_>, user: &User) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE users SET password_hash = ?2, roles = ?3, disabled = ?4, failed_logins = ?5, locked_until = ?6,
         last_attempt_at = ?7, sessions_revoked_at = ?8 WHERE username = ?1",
        params![
            user.username,
            user.password_hash,
            roles_json(&user.roles),
            user.disabled,
            i64::from(user.failed_logins),
            user.locked_until.map(epoch),
            user.last_attempt_at.map(epoch),
            user.sessions_revoked_at.map(epoch),
        ],
    )
    .map_err(unavailable)?;
    Ok(())
}

#[async_trait]
impl UserDirectory for SqliteUserStore {
    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let username = username.to_string();
        self.call(move |connection| select_user(connection, &username)).await
    }

    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let user = user.clone();
        self.call(move |connection| {
            let sql = format!("INSERT INTO users ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
            let inserted = connection.execute(
                &sql,
                params![
                    user.username,
                    user.user_id,
                    user.password_hash,
                    roles_json(&user.roles),
                    user.disabled,
                    user.created_at,
                    i64::from(user.failed_logins),
                    user.locked_until.map(epoch),
                    user.last_attempt_at.map(epoch),
                    user.sessions_revoked_at.map(epoch),
                ],
            );
            match inserted {
                Ok(_) => Ok(()),
                Err(rusqlite::Error::SqliteFailure(err, _)) if err.code == ErrorCode::ConstraintViolation => {
                    Err(StoreError::AlreadyExists(user.username.clone()))
                }
                Err(err) => Err(unavailable(err)),
            }
        })
        .await
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.call(|connection| {
            // BINARY collation compares UTF-8 bytes: the same order as Rust's `str`.
            let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username");
            let mut statement = connection.prepare(&sql).map_err(unavailable)?;
            let rows = statement.query_map([], raw_user).map_err(unavailable)?;
            rows.map(|row| row.map_err(unavailable)?.into_user()).collect()
        })
        .await
    }

    async fn update_user(&self, username: &str, change: UserChange) -> Result<(), StoreError> {
        self.modify(username, move |user| apply_change(user, change)).await
    }

    async fn delete_user(&self, username: &str) -> Result<(), StoreError> {
        let username = username.to_string();
        self.call(move |connection| {
            match connection.execute("DELETE FROM users WHERE username = ?1", params![username]).map_err(unavailable)? {
                0 => Err(StoreError::NotFound(username)),
                _ => Ok(()),
            }
        })
        .await
    }
}

#[async_trait]
impl LoginStore for SqliteUserStore {
    async fn reserve_login_attempt(
        &self,
        username: &str,
        now: u64,
        policy: LockoutPolicy,
    ) -> Result<Reservation, StoreError> {
        self.modify_if_present(username, move |user| lockout::reserve(user, now, policy)).await
    }

    async fn lock_if_limit_reached(
        &self,
        username: &str,
        now: u64,
        policy: LockoutPolicy,
    ) -> Result<Option<u64>, StoreError> {
        self.modify(username, move |user| lockout::lock_if_limit_reached(user, now, policy)).await
    }

    async fn record_successful_login(&self, username: &str, now: u64) -> Result<LoginRecorded, StoreError> {
        self.modify(username, move |user| lockout::record_success(user, now)).await
    }

    async fn replace_password_hash(&self, username: &str, expected: &str, new_hash: &str) -> Result<bool, StoreError> {
        let expected = expected.to_string();
        let new_hash = new_hash.to_string();
        self.modify(username, move |user| {
            let applies = user.password_hash == expected;
            if applies {
                user.password_hash = new_hash;
            }
            applies
        })
        .await
    }
}
