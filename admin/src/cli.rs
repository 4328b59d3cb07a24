//! The command line: what `admin --help` shows.

use local_store::StoreArgs;

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
    /// List or end a user's refresh-token sessions.
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
    /// Print a fresh random secret for JWT_SECRET (64 hex characters).
    Secret,
}

impl Command {
    /// Whether the command may create the embedded store: only `init` and
    /// `users add`. Every other one needs users to exist, so running it on an
    /// empty or mistyped data folder is a mistake to report, not a store to make.
    pub fn may_create_store(&self) -> bool {
        matches!(self, Self::Init | Self::Users { command: UsersCommand::Add { .. } })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is prompted for twice (no echo), or read from standard input.
    Add {
        /// The login name: 1-128 bytes, no ':' or control characters, no whitespace at either end; stored lowercased.
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
    /// Replace a user's password, and end its sessions.
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
    /// Refuse the user's logins and end its sessions (access tokens issued stay valid until they expire).
    Disable {
        /// The login name (case-insensitive).
        username: String,
    },
    /// Allow the user's logins again (sessions ended before stay ended).
    Enable {
        /// The login name (case-insensitive).
        username: String,
    },
    /// Clear the brute-force lockout: the failed-login count and the lock.
    Unlock {
        /// The login name (case-insensitive).
        username: String,
    },
    /// Delete a user, and end its sessions.
    Delete {
        /// The login name (case-insensitive).
        username: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum SessionsCommand {
    /// List a user's sessions: id (its start only), start, expiry, state; never a token or its hash.
    List {
        /// The login name (case-insensitive).
        username: String,
    },
    /// End every session of a user: their refresh tokens are refused from now on.
    Revoke {
        /// The login name (case-insensitive).
        username: String,
    },
}
