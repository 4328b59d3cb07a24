//! The admin commands: clap definitions and the logic behind them. Every
//! command takes the store and its input/output handles, so tests call the
//! same code as the binary.

use std::io::{self, BufRead, IsTerminal, Write};

use common::clock::now_epoch_seconds;
use common::password::PasswordHasher;
use common::store::{StoreError, UserChange, UserStore};
use common::user::{MAX_PASSWORD_BYTES, User, normalize_username, validate_roles, validate_username};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use local_api::store::{Initialized, Store, StoreArgs};

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Manage the users of the token service.
#[derive(Debug, clap::Parser)]
#[command(name = "admin", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum Command {
    /// Create the DynamoDB table if it is missing and wait until it is active (nothing to do for the embedded store).
    Init,
    /// Add, list, show and change users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Print a fresh random secret for JWT_SECRET (64 hex characters).
    Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is prompted for twice (no echo), or read from standard input.
    Add {
        /// The login name: 1-128 bytes, no ':' or control characters; stored lowercased.
        username: String,
        /// A role (letters, digits, '-', '_', '.', ':'); repeat for several.
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List every user.
    List,
    /// Show one user (never the password hash).
    Show {
        /// The login name (case-insensitive).
        username: String,
    },
    /// Replace a user's password.
    SetPassword {
        /// The login name (case-insensitive).
        username: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Replace a user's roles with the ones given (none clears them).
    Roles {
        /// The login name (case-insensitive).
        username: String,
        #[arg(value_name = "ROLE")]
        roles: Vec<String>,
    },
    /// Refuse the user's logins (tokens already issued stay valid until they expire).
    Disable {
        /// The login name (case-insensitive).
        username: String,
    },
    /// Allow the user's logins again.
    Enable {
        /// The login name (case-insensitive).
        username: String,
    },
    /// Clear the brute-force lockout: the failed-login count and the lock.
    Unlock {
        /// The login name (case-insensitive).
        username: String,
    },
    /// Delete a user.
    Delete {
        /// The login name (case-insensitive).
        username: String,
    },
}

/// A failed command; each kind has its own exit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("user {0:?} already exists")]
    Exists(String),
    #[error("user {0:?} not found")]
    NotFound(String),
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Other(String),
}

impl AdminError {
    /// 2 invalid input, 3 user exists, 4 user not found, 5 store unreachable, 1 anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Invalid(_) => 2,
            Self::Exists(_) => 3,
            Self::NotFound(_) => 4,
            Self::Unreachable(_) => 5,
            Self::Other(_) => 1,
        }
    }
}

impl From<StoreError> for AdminError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::AlreadyExists(name) => Self::Exists(name),
            StoreError::NotFound(name) => Self::NotFound(name),
            StoreError::Unavailable(cause) => Self::Unreachable(format!("user store unreachable: {cause}")),
            StoreError::InvalidItem(cause) => Self::Other(format!("the user store holds an invalid item: {cause}")),
        }
    }
}

fn output_error(err: io::Error) -> AdminError {
    AdminError::Other(format!("cannot write the output: {err}"))
}

/// Reads a password without echo. The binary uses [`TerminalPrompt`]; tests script it.
pub trait PasswordPrompt {
    /// Whether there is a terminal to prompt on.
    fn is_terminal(&self) -> bool;
    fn read_hidden(&mut self, prompt: &str) -> io::Result<String>;
}

/// Prompts on the controlling terminal with `rpassword`, when standard input is one.
#[derive(Debug, Default)]
pub struct TerminalPrompt;

impl PasswordPrompt for TerminalPrompt {
    fn is_terminal(&self) -> bool {
        io::stdin().is_terminal()
    }

    fn read_hidden(&mut self, prompt: &str) -> io::Result<String> {
        rpassword::prompt_password(prompt)
    }
}

/// The handles a command reads and writes.
pub struct Io<'a> {
    pub stdin: &'a mut dyn BufRead,
    pub stdout: &'a mut dyn Write,
    pub prompt: &'a mut dyn PasswordPrompt,
}

/// Runs a command that needs a store (`secret` does not: see [`secret`]).
pub async fn run(command: &Command, store: &Store, io: &mut Io<'_>) -> Result<(), AdminError> {
    match command {
        Command::Init => init(store, io).await,
        Command::Users { command } => users(command, store.user_store().as_ref(), io).await,
        Command::Secret => secret(io),
    }
}

/// `admin init`.
pub async fn init(store: &Store, io: &mut Io<'_>) -> Result<(), AdminError> {
    let line = match store.init().await? {
        Initialized::Embedded(path) => format!("embedded store {} is ready (nothing to create)", path.display()),
        Initialized::TableCreated(table) => format!("created DynamoDB table {table}; it is active"),
        Initialized::TableExisted(table) => format!("DynamoDB table {table} already exists; it is active"),
    };
    writeln!(io.stdout, "{line}").map_err(output_error)
}

/// `admin secret`.
pub fn secret(io: &mut Io<'_>) -> Result<(), AdminError> {
    let secret = local_api::secret::generate().map_err(|err| AdminError::Other(format!("no randomness: {err}")))?;
    writeln!(io.stdout, "{secret}").map_err(output_error)
}

/// `admin users ...`.
pub async fn users(command: &UsersCommand, store: &dyn UserStore, io: &mut Io<'_>) -> Result<(), AdminError> {
    match command {
        UsersCommand::Add { username, roles, password_stdin } => add(store, io, username, roles, *password_stdin).await,
        UsersCommand::List => list(store, io).await,
        UsersCommand::Show { username } => show(store, io, username).await,
        UsersCommand::SetPassword { username, password_stdin } => {
            set_password(store, io, username, *password_stdin).await
        }
        UsersCommand::Roles { username, roles } => set_roles(store, io, username, roles).await,
        UsersCommand::Disable { username } => {
            change(store, io, username, UserChange::Disabled(true), "disabled: its logins are refused").await
        }
        UsersCommand::Enable { username } => change(store, io, username, UserChange::Disabled(false), "enabled").await,
        UsersCommand::Unlock { username } => {
            change(store, io, username, UserChange::Unlock, "unlocked: failed logins cleared").await
        }
        UsersCommand::Delete { username } => {
            let username = normalize_username(username);
            store.delete_user(&username).await?;
            writeln!(io.stdout, "deleted user {username}").map_err(output_error)
        }
    }
}

async fn add(
    store: &dyn UserStore,
    io: &mut Io<'_>,
    username: &str,
    roles: &[String],
    password_stdin: bool,
) -> Result<(), AdminError> {
    let username = validate_username(username).map_err(|err| AdminError::Invalid(err.to_string()))?;
    let roles = validate_roles(roles).map_err(|err| AdminError::Invalid(err.to_string()))?;
    // Fail before asking for a password the store would then refuse.
    if store.get_user(&username).await?.is_some() {
        return Err(AdminError::Exists(username));
    }
    let password = new_password(io, &username, password_stdin)?;
    let user = User::new(&username, hash(password).await?, roles);
    store.create_user(&user).await?;
    writeln!(io.stdout, "created user {} (user_id {}, roles: {})", user.username, user.user_id, roles_text(&user.roles))
        .map_err(output_error)
}

async fn list(store: &dyn UserStore, io: &mut Io<'_>) -> Result<(), AdminError> {
    let users = store.list_users().await?;
    let now = now_epoch_seconds();
    let rows: Vec<[String; 5]> = users
        .iter()
        .map(|u| [u.username.clone(), u.user_id.clone(), roles_text(&u.roles), status(u, now), u.created_at.clone()])
        .collect();
    let header = ["USERNAME", "USER_ID", "ROLES", "STATUS", "CREATED_AT"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        writeln!(io.stdout, "{}", cells.join("  ").trim_end()).map_err(output_error)?;
    }
    Ok(())
}

async fn show(store: &dyn UserStore, io: &mut Io<'_>, username: &str) -> Result<(), AdminError> {
    let username = normalize_username(username);
    let user = store.get_user(&username).await?.ok_or(AdminError::NotFound(username))?;
    let locked = match user.locked_until {
        None => "no".to_string(),
        Some(until) => match user.locked_for(now_epoch_seconds()) {
            Some(left) => format!("until {} ({left} s from now)", rfc3339(until)),
            None => format!("no (the lock ended at {})", rfc3339(until)),
        },
    };
    let lines = [
        ("username", user.username.clone()),
        ("user_id", user.user_id.clone()),
        ("roles", roles_text(&user.roles)),
        ("disabled", if user.disabled { "yes" } else { "no" }.to_string()),
        ("created_at", user.created_at.clone()),
        ("failed_logins", user.failed_logins.to_string()),
        ("locked", locked),
    ];
    for (name, value) in lines {
        writeln!(io.stdout, "{:<15}{value}", format!("{name}:")).map_err(output_error)?;
    }
    Ok(())
}

async fn set_password(
    store: &dyn UserStore,
    io: &mut Io<'_>,
    username: &str,
    password_stdin: bool,
) -> Result<(), AdminError> {
    let username = normalize_username(username);
    if store.get_user(&username).await?.is_none() {
        return Err(AdminError::NotFound(username));
    }
    let password = new_password(io, &username, password_stdin)?;
    let hash = hash(password).await?;
    store.update_user(&username, UserChange::PasswordHash(hash)).await?;
    writeln!(io.stdout, "password of {username} changed").map_err(output_error)
}

async fn set_roles(store: &dyn UserStore, io: &mut Io<'_>, username: &str, roles: &[String]) -> Result<(), AdminError> {
    let username = normalize_username(username);
    let roles = validate_roles(roles).map_err(|err| AdminError::Invalid(err.to_string()))?;
    let text = roles_text(&roles);
    store.update_user(&username, UserChange::Roles(roles)).await?;
    writeln!(io.stdout, "roles of {username}: {text} (tokens issued before keep their old roles until they expire)")
        .map_err(output_error)
}

async fn change(
    store: &dyn UserStore,
    io: &mut Io<'_>,
    username: &str,
    change: UserChange,
    what: &str,
) -> Result<(), AdminError> {
    let username = normalize_username(username);
    store.update_user(&username, change).await?;
    writeln!(io.stdout, "user {username} {what}").map_err(output_error)
}

/// The new password: one line of standard input, or typed twice at the terminal.
fn new_password(io: &mut Io<'_>, username: &str, from_stdin: bool) -> Result<String, AdminError> {
    let password = if from_stdin {
        let mut line = String::new();
        let read = io
            .stdin
            .read_line(&mut line)
            .map_err(|err| AdminError::Invalid(format!("cannot read the password from standard input: {err}")))?;
        if read == 0 {
            return Err(AdminError::Invalid("no password on standard input".into()));
        }
        strip_line_ending(line)
    } else {
        if !io.prompt.is_terminal() {
            return Err(AdminError::Invalid(
                "standard input is not a terminal: pass the password on standard input with --password-stdin".into(),
            ));
        }
        let prompt_error = |err: io::Error| AdminError::Invalid(format!("cannot read the password: {err}"));
        let first = io.prompt.read_hidden(&format!("New password for {username}: ")).map_err(prompt_error)?;
        let second = io.prompt.read_hidden("Repeat it: ").map_err(prompt_error)?;
        if first != second {
            return Err(AdminError::Invalid("the two passwords differ".into()));
        }
        first
    };
    check_password(&password)?;
    Ok(password)
}

fn strip_line_ending(mut line: String) -> String {
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    line
}

/// At least 8 characters, and no longer than a login accepts.
pub fn check_password(password: &str) -> Result<(), AdminError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AdminError::Invalid(format!("the password is shorter than {MIN_PASSWORD_CHARS} characters")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AdminError::Invalid(format!(
            "the password is longer than {MAX_PASSWORD_BYTES} bytes, which a login refuses"
        )));
    }
    Ok(())
}

/// argon2id with the OWASP parameters, on the blocking pool.
async fn hash(password: String) -> Result<String, AdminError> {
    tokio::task::spawn_blocking(move || PasswordHasher::owasp().hash(&password))
        .await
        .map_err(|err| AdminError::Other(format!("hashing did not complete: {err}")))?
        .map_err(|err| AdminError::Other(err.to_string()))
}

fn roles_text(roles: &[String]) -> String {
    if roles.is_empty() { "(none)".to_string() } else { roles.join(",") }
}

fn status(user: &User, now: u64) -> String {
    match (user.disabled, user.locked_for(now)) {
        (true, _) => "disabled".to_string(),
        (false, Some(_)) => format!("locked until {}", rfc3339(user.locked_until.unwrap_or_default())),
        (false, None) => "enabled".to_string(),
    }
}

fn rfc3339(epoch: u64) -> String {
    i64::try_from(epoch)
        .ok()
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| epoch.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(AdminError::from(StoreError::AlreadyExists("a".into())).exit_code(), 3);
        assert_eq!(AdminError::from(StoreError::NotFound("a".into())).exit_code(), 4);
        assert_eq!(AdminError::from(StoreError::Unavailable("x".into())).exit_code(), 5);
        assert_eq!(AdminError::from(StoreError::InvalidItem("x".into())).exit_code(), 1);
        assert_eq!(AdminError::Invalid("x".into()).exit_code(), 2);
    }

    #[test]
    fn passwords_need_eight_characters() {
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
        assert!(check_password("äöüäöüäö").is_ok(), "characters, not bytes");
        assert!(check_password(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
    }

    #[test]
    fn only_one_line_ending_is_stripped() {
        assert_eq!(strip_line_ending("pw\n".into()), "pw");
        assert_eq!(strip_line_ending("pw\r\n".into()), "pw");
        assert_eq!(strip_line_ending("pw".into()), "pw");
        assert_eq!(strip_line_ending(" pw \n".into()), " pw ", "spaces are part of the password");
    }

    #[test]
    fn status_and_times() {
        let mut user = User::new("a", String::new(), vec![]);
        assert_eq!(status(&user, 100), "enabled");
        user.locked_until = Some(200);
        assert_eq!(status(&user, 100), "locked until 1970-01-01T00:03:20Z");
        assert_eq!(status(&user, 300), "enabled");
        user.disabled = true;
        assert_eq!(status(&user, 100), "disabled");
    }
}
