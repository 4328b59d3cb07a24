//! The user table in an embedded SQLite database file: the default store when
//! the whole service runs on one machine (`local-api`, the `admin` CLI).
//!
//! rusqlite is blocking, so every call runs on tokio's blocking pool, on the
//! store's one connection behind a mutex. The file is in WAL mode with a busy
//! timeout, so the local server and the admin CLI (two processes, two
//! connections) can use it at once; every read-modify-write is a single
//! `BEGIN IMMEDIATE` transaction, which takes the write lock before it reads,
//! so no concurrent update is lost.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use common::store::StoreError;
use common::user::User;
use rusqlite::{Connection, TransactionBehavior};

mod sessions;
mod users;

use users::{select_user, write_mutable_fields};

/// How long a writer waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The schema, one step per entry: `PRAGMA user_version` counts the steps a
/// file has had, and opening it runs the rest, each in its own transaction.
/// A change to the schema is a new entry at the end; entries never change.
const MIGRATIONS: &[&str] = &[
    // 1: the users.
    "CREATE TABLE IF NOT EXISTS users (
        username      TEXT PRIMARY KEY NOT NULL,
        user_id       TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        roles         TEXT NOT NULL DEFAULT '[]',
        disabled      INTEGER NOT NULL DEFAULT 0,
        created_at    TEXT NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until  INTEGER
    ) WITHOUT ROWID",
    // 2: when the last login attempt was reserved (see store::lockout).
    "ALTER TABLE users ADD COLUMN last_attempt_at INTEGER",
    // 3: sessions (see common::session), and when a user last ended them all.
    "ALTER TABLE users ADD COLUMN sessions_revoked_at INTEGER;
     CREATE TABLE sessions (
        session_id    TEXT PRIMARY KEY NOT NULL,
        username      TEXT NOT NULL,
        user_id       TEXT NOT NULL,
        token_hash    TEXT NOT NULL,
        spent         TEXT NOT NULL DEFAULT '[]',
        created_at_ms INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL,
        revoked       INTEGER NOT NULL DEFAULT 0
     ) WITHOUT ROWID;
     CREATE INDEX sessions_by_user ON sessions (username, created_at_ms)",
];

/// A [`UserStore`] in one SQLite file. Cheap to clone (the clones share the connection).
#[derive(Clone)]
pub struct SqliteUserStore {
    path: PathBuf,
    connection: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteUserStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteUserStore").field("path", &self.path).finish_non_exhaustive()
    }
}

pub(crate) fn unavailable(err: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("SQLite: {err}"))
}

impl SqliteUserStore {
    /// Opens the database file, creating it (owner-only permissions on Unix:
    /// it holds password hashes) and its table on first use. The folder must
    /// exist. Blocking: call it at start-up or on the blocking pool.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        create_private_file(&path)
            .map_err(|err| StoreError::Unavailable(format!("cannot create {}: {err}", path.display())))?;
        let connection = Connection::open(&path).map_err(unavailable)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(unavailable)?;
        let mode: String =
            connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0)).map_err(unavailable)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(format!("{} cannot use WAL mode (got {mode})", path.display())));
        }
        // With WAL, NORMAL is durable against application crashes and much faster than FULL.
        connection.pragma_update(None, "synchronous", "NORMAL").map_err(unavailable)?;
        let mut connection = connection;
        migrate(&mut connection, &path)?;
        Ok(Self { path, connection: Arc::new(Mutex::new(connection)) })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the connection, on the blocking pool.
    pub(crate) async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock cannot leave a half-applied write:
            // an unfinished transaction is rolled back when it is dropped.
            let mut connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut connection)
        })
        .await
        .map_err(|err| StoreError::Unavailable(format!("SQLite call did not complete: {err}")))?
    }

    /// One read-modify-write of a user, in a `BEGIN IMMEDIATE` transaction;
    /// [`StoreError::NotFound`] if there is no such user.
    pub(crate) async fn modify<T, F>(&self, username: &str, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut User) -> T + Send + 'static,
    {
        let missing = StoreError::NotFound(username.to_string());
        self.modify_if_present(username, move |user| user.map(f).ok_or(missing)).await?
    }

    /// One read-modify-write in a `BEGIN IMMEDIATE` transaction, which takes
    /// the write lock before it reads; `f` sees `None` for a missing user, and
    /// then nothing is written.
    pub(crate) async fn modify_if_present<T, F>(&self, username: &str, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(Option<&mut User>) -> T + Send + 'static,
    {
        let username = username.to_string();
        self.call(move |connection| {
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(unavailable)?;
            let mut user = select_user(&tx, &username)?;
            let result = f(user.as_mut());
            if let Some(user) = &user {
                write_mutable_fields(&tx, user)?;
            }
            tx.commit().map_err(unavailable)?;
            Ok(result)
        })
        .await
    }
}

/// Creates the file with mode 0600 if it does not exist yet; SQLite gives its
/// `-wal` and `-shm` files the same permissions.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

fn migrate(connection: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let latest = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    let version: i64 = connection.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(unavailable)?;
    if version > latest {
        return Err(StoreError::Unavailable(format!(
            "{} has schema version {version}, newer than this program's {latest}",
            path.display()
        )));
    }
    for (done, step) in MIGRATIONS.iter().enumerate().skip(usize::try_from(version).unwrap_or(0)) {
        // The write lock first, so two processes opening one old file cannot
        // both run a step; the second then finds it done.
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(unavailable)?;
        let current: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(unavailable)?;
        if current > i64::try_from(done).unwrap_or(i64::MAX) {
            continue;
        }
        tx.execute_batch(step).map_err(unavailable)?;
        tx.pragma_update(None, "user_version", i64::try_from(done + 1).unwrap_or(i64::MAX)).map_err(unavailable)?;
        tx.commit().map_err(unavailable)?;
    }
    Ok(())
}

/// Epoch seconds (or milliseconds) as SQLite's signed integer; no real clock reaches the limit.
pub(crate) fn epoch(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use common::store::{LockoutPolicy, LoginStore, Reservation, UserDirectory};
    use common::testing::TempDir;
    use rusqlite::Connection;

    use super::*;

    fn temp_dir() -> TempDir {
        TempDir::new("store-sqlite-test")
    }

    #[tokio::test]
    async fn passes_the_session_contract() {
        let dir = temp_dir();
        let store = SqliteUserStore::open(dir.path().join("users.db")).unwrap();
        common::store::contract::run_sessions(&store).await;
    }

    #[tokio::test]
    async fn passes_the_store_contract() {
        let dir = temp_dir();
        let store = SqliteUserStore::open(dir.path().join("users.db")).unwrap();
        common::store::contract::run_all(&store).await;
    }

    #[tokio::test]
    async fn data_survives_reopening_and_the_file_is_private_and_in_wal_mode() {
        let dir = temp_dir();
        let path = dir.path().join("users.db");
        let user = common::testing::user("alice", "$argon2id$x", &["admin"]);
        SqliteUserStore::open(&path).unwrap().create_user(&user).await.unwrap();
        let reopened = SqliteUserStore::open(&path).unwrap();
        assert_eq!(reopened.get_user("alice").await.unwrap(), Some(user));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        let mode: String =
            Connection::open(&path).unwrap().pragma_query_value(None, "journal_mode", |row| row.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    /// Two connections to one file, as the server and the CLI have: no more
    /// attempts are granted than the limit, and none is lost.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reservations_from_two_connections_stop_at_the_limit() {
        let dir = temp_dir();
        let path = dir.path().join("users.db");
        let first = SqliteUserStore::open(&path).unwrap();
        let second = SqliteUserStore::open(&path).unwrap();
        first.create_user(&common::testing::user("bob", "$argon2id$x", &[])).await.unwrap();
        let policy = LockoutPolicy { max_attempts: 25, lockout_secs: 60 };
        let mut tasks = Vec::new();
        for store in [first.clone(), second.clone()] {
            for _ in 0..20 {
                let store = store.clone();
                tasks.push(tokio::spawn(async move { store.reserve_login_attempt("bob", 1, policy).await }));
            }
        }
        let mut granted = 0;
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Reservation::Granted(_) => granted += 1,
                Reservation::Busy => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(granted, 25);
        assert_eq!(second.get_user("bob").await.unwrap().unwrap().failed_logins, 25);
    }

    #[tokio::test]
    async fn a_row_with_an_invalid_role_is_an_invalid_item() {
        let dir = temp_dir();
        let path = dir.path().join("users.db");
        let store = SqliteUserStore::open(&path).unwrap();
        store.create_user(&common::testing::user("mallory", "$argon2id$x", &["viewer"])).await.unwrap();
        Connection::open(&path)
            .unwrap()
            .execute("UPDATE users SET roles = '[\"viewer,admin\"]' WHERE username = 'mallory'", [])
            .unwrap();
        let policy = LockoutPolicy { max_attempts: 5, lockout_secs: 60 };
        for result in [
            store.get_user("mallory").await.map(|_| ()),
            store.reserve_login_attempt("mallory", 1, policy).await.map(|_| ()),
            store.list_users().await.map(|_| ()),
        ] {
            assert!(matches!(&result, Err(StoreError::InvalidItem(m)) if m.contains("role")), "{result:?}");
        }
    }

    /// A file written by the first version of the schema gains the new column
    /// and keeps its users.
    #[tokio::test]
    async fn an_old_file_is_migrated() {
        let dir = temp_dir();
        let path = dir.path().join("users.db");
        let old = Connection::open(&path).unwrap();
        old.execute_batch(MIGRATIONS[0]).unwrap();
        old.pragma_update(None, "user_version", 1).unwrap();
        old.execute(
            "INSERT INTO users (username, user_id, password_hash, roles, created_at, failed_logins)
             VALUES ('old', 'id-1', '$argon2id$x', '[\"admin\"]', '2026-01-01T00:00:00Z', 2)",
            [],
        )
        .unwrap();
        drop(old);
        let store = SqliteUserStore::open(&path).unwrap();
        let user = store.get_user("old").await.unwrap().unwrap();
        assert_eq!((user.roles, user.failed_logins, user.last_attempt_at), (vec!["admin".to_string()], 2, None));
        let version: i64 =
            Connection::open(&path).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[tokio::test]
    async fn a_corrupt_row_is_an_invalid_item() {
        let dir = temp_dir();
        let path = dir.path().join("users.db");
        let store = SqliteUserStore::open(&path).unwrap();
        Connection::open(&path)
            .unwrap()
            .execute(
                "INSERT INTO users (username, user_id, password_hash, roles, created_at) VALUES ('x', 'id', 'h', 'nope', 't')",
                [],
            )
            .unwrap();
        assert!(matches!(store.get_user("x").await, Err(StoreError::InvalidItem(_))));
        assert!(matches!(store.list_users().await, Err(StoreError::InvalidItem(_))));
    }

    #[test]
    fn a_missing_folder_is_unavailable() {
        let dir = temp_dir();
        let err = SqliteUserStore::open(dir.path().join("no-such-dir").join("users.db")).unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = temp_dir();
        let path = dir.path().join("users.db");
        SqliteUserStore::open(&path).unwrap();
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(SqliteUserStore::open(&path), Err(StoreError::Unavailable(_))));
    }
}
