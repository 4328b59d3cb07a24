//! The sessions table (migration 3): one row per session, the current token's
//! hash and the spent ones (JSON), never a token.

use async_trait::async_trait;
use common::session::Session;
use common::store::{SessionStore, StoreError};
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params};

use crate::{SqliteUserStore, epoch, unavailable};

const COLUMNS: &str = "session_id, username, user_id, token_hash, spent, created_at_ms, expires_at, revoked";

fn row(row: &Row<'_>) -> rusqlite::Result<(Session, String)> {
    let spent: String = row.get(4)?;
    let number = |i: usize| -> rusqlite::Result<u64> { Ok(u64::try_from(row.get::<_, i64>(i)?).unwrap_or(0)) };
    let session = Session {
        session_id: row.get(0)?,
        username: row.get(1)?,
        user_id: row.get(2)?,
        token_hash: row.get(3)?,
        spent: Vec::new(),
        created_at_ms: number(5)?,
        expires_at: number(6)?,
        revoked: row.get(7)?,
    };
    Ok((session, spent))
}

fn read(raw: (Session, String)) -> Result<Session, StoreError> {
    let (mut session, spent) = raw;
    session.spent = serde_json::from_str(&spent)
        .map_err(|_| StoreError::InvalidItem(format!("session {:?}: spent is not a JSON list", session.session_id)))?;
    Ok(session)
}

fn select(connection: &Connection, session_id: &str) -> Result<Option<Session>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM sessions WHERE session_id = ?1");
    connection.query_row(&sql, params![session_id], row).optional().map_err(unavailable)?.map(read).transpose()
}

#[async_trait]
impl SessionStore for SqliteUserStore {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let session = session.clone();
        self.call(move |connection| {
            // What DynamoDB's TTL does for the table: expired sessions go, here when a new one comes.
            connection
                .execute("DELETE FROM sessions WHERE expires_at <= ?1", params![epoch(session.created_at_ms / 1000)])
                .map_err(unavailable)?;
            let sql = format!("INSERT INTO sessions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
            let spent = serde_json::to_string(&session.spent).unwrap_or_else(|_| "[]".into());
            let inserted = connection.execute(
                &sql,
                params![
                    session.session_id,
                    session.username,
                    session.user_id,
                    session.token_hash,
                    spent,
                    epoch(session.created_at_ms),
                    epoch(session.expires_at),
                    session.revoked,
                ],
            );
            match inserted {
                Ok(_) => Ok(()),
                Err(rusqlite::Error::SqliteFailure(err, _)) if err.code == ErrorCode::ConstraintViolation => {
                    Err(StoreError::AlreadyExists(session.session_id.clone()))
                }
                Err(err) => Err(unavailable(err)),
            }
        })
        .await
    }

    async fn get_session(&self, session_id: &str) -> Result<Option<Session>, StoreError> {
        let session_id = session_id.to_string();
        self.call(move |connection| select(connection, &session_id)).await
    }

    async fn rotate_session(&self, read: &Session, new_hash: &str) -> Result<bool, StoreError> {
        let (read, new_hash) = (read.clone(), new_hash.to_string());
        self.call(move |connection| {
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(unavailable)?;
            let Some(stored) = select(&tx, &read.session_id)? else { return Ok(false) };
            if stored.revoked || stored.token_hash != read.token_hash {
                return Ok(false);
            }
            let spent = serde_json::to_string(&stored.spent_after(&read.token_hash)).unwrap_or_else(|_| "[]".into());
            tx.execute(
                "UPDATE sessions SET token_hash = ?2, spent = ?3 WHERE session_id = ?1",
                params![read.session_id, new_hash, spent],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
            Ok(true)
        })
        .await
    }

    async fn revoke_session(&self, session_id: &str) -> Result<(), StoreError> {
        let session_id = session_id.to_string();
        self.call(move |connection| {
            connection
                .execute("UPDATE sessions SET revoked = 1 WHERE session_id = ?1", params![session_id])
                .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn list_sessions(&self, username: &str) -> Result<Vec<Session>, StoreError> {
        let username = username.to_string();
        self.call(move |connection| {
            let sql = format!("SELECT {COLUMNS} FROM sessions WHERE username = ?1 ORDER BY created_at_ms, session_id");
            let mut statement = connection.prepare(&sql).map_err(unavailable)?;
            let rows = statement.query_map(params![username], row).map_err(unavailable)?;
            rows.map(|raw| read(raw.map_err(unavailable)?)).collect()
        })
        .await
    }

    async fn delete_sessions(&self, username: &str) -> Result<usize, StoreError> {
        let username = username.to_string();
        self.call(move |connection| {
            connection.execute("DELETE FROM sessions WHERE username = ?1", params![username]).map_err(unavailable)
        })
        .await
    }
}
