//! Which user store to use, and opening it: the embedded SQLite file in the
//! data folder, or the DynamoDB table named by `USERS_TABLE`. The local API and
//! the admin CLI share these options, so both always open the same store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::config::{ConfigError, SESSIONS_TABLE, sessions_table, users_table};
use common::store::{SessionStore, StoreError, UserStore};
use store_dynamodb::{DynamoSessionStore, DynamoUserStore};
use store_sqlite::SqliteUserStore;

use crate::trust::{self, Role, Untrusted};

/// The file of the embedded store, inside the data folder.
pub const DATABASE_FILE: &str = "users.sqlite3";
/// The default data folder, relative to the working directory (git-ignored).
pub const DEFAULT_DATA_DIR: &str = ".local";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    /// A SQLite file in the data folder, created on first use.
    #[default]
    Embedded,
    /// The table named by USERS_TABLE, at the AWS SDK's endpoint and credential settings.
    Dynamodb,
}

/// The store options, shared by `admin` and `local-api`.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct StoreArgs {
    /// Where users live.
    #[arg(long, value_enum, default_value_t = StoreKind::Embedded, global = true)]
    pub store: StoreKind,
    /// Folder of the embedded store and the local JWT secret (created 0700).
    #[arg(long, env = "LOCAL_DATA_DIR", default_value = DEFAULT_DATA_DIR, global = true)]
    pub data_dir: PathBuf,
}

impl StoreArgs {
    pub fn embedded(data_dir: impl Into<PathBuf>) -> Self {
        Self { store: StoreKind::Embedded, data_dir: data_dir.into() }
    }

    pub fn dynamodb() -> Self {
        Self { store: StoreKind::Dynamodb, data_dir: PathBuf::from(DEFAULT_DATA_DIR) }
    }
}

/// Why a store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// `USERS_TABLE` is missing or invalid.
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The data folder or the database breaks the data folder's rule ([`trust`]).
    #[error(transparent)]
    Untrusted(#[from] Untrusted),
    /// [`Store::open_existing`] found no embedded store in this folder (an absolute path).
    #[error(
        "no store at {}: create one with `admin init` (or `admin users add`), or name the folder that holds \
         {DATABASE_FILE} with --data-dir or LOCAL_DATA_DIR",
        .0.display()
    )]
    Missing(PathBuf),
}

/// An opened store: users and sessions.
#[derive(Debug, Clone)]
pub enum Store {
    /// One SQLite file holds both.
    Embedded(SqliteUserStore),
    /// The tables named by `USERS_TABLE` and `SESSIONS_TABLE`.
    Dynamodb { users: DynamoUserStore, sessions: DynamoSessionStore },
}

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Initialized {
    /// The embedded store needs nothing: opening it created the file and tables.
    Embedded(PathBuf),
    /// Each DynamoDB table, and whether this call created it.
    Tables(Vec<(String, bool)>),
}

/// The sessions table beside a users table, as the deployment names them
/// (`<service>-<stage>-users`, `<service>-<stage>-sessions`), so the local
/// tools need only `USERS_TABLE`; otherwise `<users table>-sessions`.
pub fn default_sessions_table(users: &str) -> String {
    match users.strip_suffix("-users") {
        Some(stem) => format!("{stem}-sessions"),
        None => format!("{users}-sessions"),
    }
}

impl Store {
    /// Opens the store the options name, creating the embedded one (folder
    /// and database) if it is not there yet. `lookup` reads `USERS_TABLE` and
    /// `SESSIONS_TABLE` (the process environment in the binaries, a map in tests).
    pub async fn open(args: &StoreArgs, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, OpenError> {
        Self::open_with(args, lookup, IfMissing::Create).await
    }

    /// Opens a store that is already there: an embedded store missing from
    /// the data folder is [`OpenError::Missing`], and nothing is created. For
    /// every command but the ones that create users: a mistyped `--data-dir`
    /// or a run from another directory would otherwise show an empty store
    /// and leave a stray folder behind. (A DynamoDB store is never created by
    /// opening it.)
    pub async fn open_existing(args: &StoreArgs, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, OpenError> {
        Self::open_with(args, lookup, IfMissing::Refuse).await
    }

    async fn open_with(
        args: &StoreArgs,
        lookup: &dyn Fn(&str) -> Option<String>,
        if_missing: IfMissing,
    ) -> Result<Self, OpenError> {
        match args.store {
            StoreKind::Embedded => {
                let dir = args.data_dir.clone();
                let open = move || {
                    if if_missing == IfMissing::Refuse {
                        refuse_if_missing(&dir)?;
                    }
                    open_embedded(&dir)
                };
                let store = tokio::task::spawn_blocking(open).await.map_err(|err| {
                    StoreError::Unavailable(format!("opening the embedded store did not complete: {err}"))
                })??;
                Ok(Self::Embedded(store))
            }
            StoreKind::Dynamodb => {
                let users = users_table(lookup)?;
                let sessions = match lookup(SESSIONS_TABLE).filter(|name| !name.is_empty()) {
                    Some(_) => sessions_table(lookup)?,
                    None => default_sessions_table(&users),
                };
                let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                check_sdk_config(&sdk).await?;
                let client = aws_sdk_dynamodb::Client::new(&sdk);
                // The SDK's own precedence; only for messages ("cannot reach URL").
                let endpoint = lookup("AWS_ENDPOINT_URL_DYNAMODB")
                    .or_else(|| lookup("AWS_ENDPOINT_URL"))
                    .filter(|url| !url.is_empty());
                Ok(Self::Dynamodb {
                    users: DynamoUserStore::new(client.clone(), users).with_endpoint(endpoint.clone()),
                    sessions: DynamoSessionStore::new(client, sessions).with_endpoint(endpoint),
                })
            }
        }
    }

    /// Whether the store can serve: the DynamoDB tables exist and answer
    /// (a `DescribeTable` each). The local API calls it before it listens,
    /// so a missing table is one line at start rather than a 503 per request.
    /// The embedded store was checked by opening it.
    pub async fn check(&self) -> Result<(), StoreError> {
        match self {
            Self::Embedded(_) => Ok(()),
            Self::Dynamodb { users, sessions } => {
                users.check().await?;
                sessions.check().await
            }
        }
    }

    pub fn user_store(&self) -> Arc<dyn UserStore> {
        match self {
            Self::Embedded(store) => Arc::new(store.clone()),
            Self::Dynamodb { users, .. } => Arc::new(users.clone()),
        }
    }

    pub fn session_store(&self) -> Arc<dyn SessionStore> {
        match self {
            Self::Embedded(store) => Arc::new(store.clone()),
            Self::Dynamodb { sessions, .. } => Arc::new(sessions.clone()),
        }
    }

    /// For messages: `embedded store .local/users.sqlite3` or `DynamoDB tables users, sessions`.
    pub fn describe(&self) -> String {
        match self {
            Self::Embedded(store) => format!("embedded store {}", store.path().display()),
            Self::Dynamodb { users, sessions } => format!("DynamoDB tables {}, {}", users.table(), sessions.table()),
        }
    }

    /// Creates the DynamoDB tables that are missing, as the deployment
    /// defines them, and waits until they are active; nothing to do for the
    /// embedded store.
    pub async fn init(&self) -> Result<Initialized, StoreError> {
        match self {
            Self::Embedded(store) => Ok(Initialized::Embedded(store.path().to_path_buf())),
            Self::Dynamodb { users, sessions } => Ok(Initialized::Tables(vec![
                (users.table().to_string(), users.ensure_table().await?),
                (sessions.table().to_string(), sessions.ensure_table().await?),
            ])),
        }
    }
}

/// A region and credentials, before any call: without them every call
/// fails with the SDK's whole provider chain in its message. Resolving the
/// credentials here is what the first call would do anyway.
async fn check_sdk_config(sdk: &aws_config::SdkConfig) -> Result<(), StoreError> {
    use aws_sdk_dynamodb::config::ProvideCredentials;
    if sdk.region().is_none() {
        return Err(StoreError::Unavailable("no AWS region: set AWS_REGION (or a region in your AWS profile)".into()));
    }
    let resolved = match sdk.credentials_provider() {
        Some(provider) => provider.provide_credentials().await.is_ok(),
        None => false,
    };
    if !resolved {
        return Err(StoreError::Unavailable(NO_CREDENTIALS.into()));
    }
    Ok(())
}

/// What to do when no credentials were found (any values do for a local DynamoDB).
const NO_CREDENTIALS: &str = "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and \
    AWS_SECRET_ACCESS_KEY (any values for a local DynamoDB)";

/// Whether opening the embedded store may create it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IfMissing {
    Create,
    Refuse,
}

/// [`OpenError::Missing`] when the data folder holds no database (or is not
/// there). Anything else that stops the lookup (a file where the folder
/// should be, no permission) is left for the opening to report. Blocking.
fn refuse_if_missing(dir: &Path) -> Result<(), OpenError> {
    match std::fs::symlink_metadata(dir.join(DATABASE_FILE)) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            // Absolute, so a run from the wrong directory shows where it looked.
            Err(OpenError::Missing(std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())))
        }
        _ => Ok(()),
    }
}

/// The SQLite store in the data folder, once the folder and the database's
/// files pass the data folder's rule ([`trust`]). Blocking.
fn open_embedded(dir: &Path) -> Result<SqliteUserStore, OpenError> {
    create_private_dir(dir)
        .map_err(|err| StoreError::Unavailable(format!("cannot create the data folder {}: {err}", dir.display())))?;
    trust::verify(dir, Role::DataFolder)?;
    // SQLite's journal files hold recent writes, hashes included.
    for suffix in ["", "-wal", "-shm"] {
        trust::verify(&dir.join(format!("{DATABASE_FILE}{suffix}")), Role::Database)?;
    }
    Ok(SqliteUserStore::open(dir.join(DATABASE_FILE))?)
}

/// Creates the folder (and its parents) owner-only on Unix; an existing folder is left as it is.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the system's temporary one, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new() -> Self {
            let path = std::env::temp_dir().join(format!("local-store-test-{}", uuid::Uuid::new_v4()));
            create_private_dir(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[tokio::test]
    async fn opening_an_existing_store_creates_nothing() {
        let scratch = Scratch::new();
        let data = scratch.0.join("data");
        let args = StoreArgs::embedded(&data);
        let err = Store::open_existing(&args, &|_| None).await.unwrap_err();
        assert!(matches!(&err, OpenError::Missing(path) if *path == data), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "no store at {}: create one with `admin init` (or `admin users add`), or name the folder that holds \
                 users.sqlite3 with --data-dir or LOCAL_DATA_DIR",
                data.display()
            )
        );
        assert!(!data.exists(), "no folder created");

        // An empty folder is no store either, and stays empty.
        create_private_dir(&data).unwrap();
        assert!(matches!(Store::open_existing(&args, &|_| None).await, Err(OpenError::Missing(_))));
        assert_eq!(std::fs::read_dir(&data).unwrap().count(), 0);

        Store::open(&args, &|_| None).await.unwrap();
        Store::open_existing(&args, &|_| None).await.unwrap();
    }

    #[tokio::test]
    async fn a_relative_folder_is_named_absolute() {
        let err = Store::open_existing(&StoreArgs::embedded("no-such-folder-here"), &|_| None).await.unwrap_err();
        let OpenError::Missing(path) = err else { panic!("{err:?}") };
        assert_eq!(path, std::env::current_dir().unwrap().join("no-such-folder-here"));
    }

    #[test]
    fn the_sessions_table_beside_a_deployed_users_table() {
        assert_eq!(default_sessions_table("jwt-token-service-dev-users"), "jwt-token-service-dev-sessions");
        assert_eq!(default_sessions_table("people"), "people-sessions");
    }
}
