//! The commands: each takes the store and its input/output handles, so tests
//! call the same code as the binary. The rules (what a valid user is, how a
//! password is hashed) are the `users` crate's; this is prompting and printing.

use std::io;

use common::clock::{now_epoch_seconds, rfc3339};
use common::user::User;
use local_store::{Initialized, Store, StoreArgs};
use users::{SessionsEnded, Users};

use crate::AdminError;
use crate::cli::{Command, SessionsCommand, UsersCommand};
use crate::prompt::{Io, new_password};

fn output_error(err: io::Error) -> AdminError {
    AdminError::Other(format!("cannot write the output: {err}"))
}

/// The store the command works on. Only `init` and `users add` may create
/// the embedded one ([`Command::may_create_store`]); every other command
/// needs it there already.
pub async fn open_store(
    command: &Command,
    args: &StoreArgs,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Store, AdminError> {
    let store = match command.may_create_store() {
        true => Store::open(args, lookup).await?,
        false => Store::open_existing(args, lookup).await?,
    };
    Ok(store)
}

/// Runs a command that needs a store (`secret` does not: see [`secret`]).
pub async fn run(command: &Command, store: &Store, io: &mut Io<'_>) -> Result<(), AdminError> {
    match command {
        Command::Init => init(store, io).await,
        Command::Users { command } => users(command, &operations(store), io).await,
        Command::Sessions { command } => sessions(command, &operations(store), io).await,
        Command::Secret => secret(io),
    }
}

/// The user operations over the store's users and sessions.
fn operations(store: &Store) -> Users {
    Users::new(store.user_store(), store.session_store())
}

/// `admin init`.
pub async fn init(store: &Store, io: &mut Io<'_>) -> Result<(), AdminError> {
    let lines = match store.init().await? {
        Initialized::Embedded(path) => vec![format!("embedded store {} is ready (nothing to create)", path.display())],
        Initialized::Tables(tables) => tables
            .into_iter()
            .map(|(table, created)| match created {
                true => format!("created DynamoDB table {table}; it is active"),
                false => format!("DynamoDB table {table} already exists; it is active"),
            })
            .collect(),
    };
    lines.iter().try_for_each(|line| writeln!(io.stdout, "{line}")).map_err(output_error)
}

/// `admin secret`.
pub fn secret(io: &mut Io<'_>) -> Result<(), AdminError> {
    let secret = local_store::secret::generate().map_err(|err| AdminError::Other(format!("no randomness: {err}")))?;
    writeln!(io.stdout, "{secret}").map_err(output_error)
}

/// `admin users ...`.
pub async fn users(command: &UsersCommand, users: &Users, io: &mut Io<'_>) -> Result<(), AdminError> {
    let line = match command {
        UsersCommand::Add { username, roles, password_stdin } => {
            // Fail before asking for a password the store would then refuse.
            let (username, roles) = users.check_new(username, roles).await?;
            let password = new_password(io, &username, *password_stdin)?;
            let user = users.add(&username, &password, &roles, now_epoch_seconds()).await?;
            format!("created user {} (user_id {}, roles: {})", user.username, user.user_id, roles_text(&user.roles))
        }
        UsersCommand::List => return list(users, io).await,
        UsersCommand::Show { username } => return show(users, io, username).await,
        UsersCommand::SetPassword { username, password_stdin } => {
            let user = users.get(username).await?;
            let password = new_password(io, &user.username, *password_stdin)?;
            let ended = users.set_password(&user.username, &password).await?;
            format!("password of {} changed; its sessions ended ({})", user.username, removed(ended))
        }
        UsersCommand::Roles { username, roles } => {
            let roles = users.set_roles(username, roles).await?;
            format!(
                "roles of {}: {} (tokens issued before keep their old roles until they expire)",
                common::user::normalize_username(username),
                roles_text(&roles)
            )
        }
        UsersCommand::Disable { username } => {
            let ended = users.disable(username).await?;
            let username = common::user::normalize_username(username);
            format!("user {username} disabled: its logins are refused, its sessions ended ({})", removed(ended))
        }
        UsersCommand::Enable { username } => {
            users.enable(username).await?;
            format!("user {} enabled", common::user::normalize_username(username))
        }
        UsersCommand::Unlock { username } => {
            users.unlock(username).await?;
            format!("user {} unlocked: failed logins cleared", common::user::normalize_username(username))
        }
        UsersCommand::Delete { username } => {
            let ended = users.delete(username).await?;
            format!(
                "deleted user {}; its sessions ended ({})",
                common::user::normalize_username(username),
                removed(ended)
            )
        }
    };
    writeln!(io.stdout, "{line}").map_err(output_error)
}

/// `admin sessions ...`.
pub async fn sessions(command: &SessionsCommand, users: &Users, io: &mut Io<'_>) -> Result<(), AdminError> {
    match command {
        SessionsCommand::List { username } => {
            let rows: Vec<[String; 4]> = users
                .sessions(username, now_epoch_seconds())
                .await?
                .iter()
                .map(|s| {
                    // The id is how every refresh token of the session begins:
                    // its start tells sessions apart, and is all that is shown.
                    let id = s.session_id.chars().take(SESSION_ID_SHOWN).collect();
                    [id, rfc3339(s.created_at_ms / 1000), rfc3339(s.expires_at), s.state.as_str().to_string()]
                })
                .collect();
            table(io, ["SESSION", "CREATED_AT", "EXPIRES_AT", "STATE"], &rows)
        }
        SessionsCommand::Revoke { username } => {
            let ended = users.end_sessions(username).await?;
            let username = common::user::normalize_username(username);
            writeln!(io.stdout, "sessions of {username} ended ({})", removed(ended)).map_err(output_error)
        }
    }
}

/// Characters of a session id `sessions list` shows.
const SESSION_ID_SHOWN: usize = 8;

/// What happened to the records of sessions that just ended.
fn removed(ended: SessionsEnded) -> String {
    match ended {
        SessionsEnded::Deleted(count) => format!("{count} removed"),
        SessionsEnded::NotDeleted => "their records could not be removed; they are refused all the same".to_string(),
    }
}

async fn list(users: &Users, io: &mut Io<'_>) -> Result<(), AdminError> {
    let all = users.list().await?;
    let now = now_epoch_seconds();
    let rows: Vec<[String; 5]> = all
        .iter()
        .map(|u| [u.username.clone(), u.user_id.clone(), roles_text(&u.roles), status(u, now), u.created_at.clone()])
        .collect();
    table(io, ["USERNAME", "USER_ID", "ROLES", "STATUS", "CREATED_AT"], &rows)
}

/// Left-aligned columns two spaces apart, under their header.
fn table<const N: usize>(io: &mut Io<'_>, header: [&str; N], rows: &[[String; N]]) -> Result<(), AdminError> {
    let header = header.map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(rows) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        writeln!(io.stdout, "{}", cells.join("  ").trim_end()).map_err(output_error)?;
    }
    Ok(())
}

async fn show(users: &Users, io: &mut Io<'_>, username: &str) -> Result<(), AdminError> {
    let user = users.get(username).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_times() {
        let mut user = common::testing::user("a", "", &[]);
        assert_eq!(status(&user, 100), "enabled");
        user.locked_until = Some(200);
        assert_eq!(status(&user, 100), "locked until 1970-01-01T00:03:20Z");
        assert_eq!(status(&user, 300), "enabled");
        user.disabled = true;
        assert_eq!(status(&user, 100), "disabled");
    }
}
