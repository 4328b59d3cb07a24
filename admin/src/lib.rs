//! The `admin` CLI: managing users in the embedded SQLite store or the
//! DynamoDB table. Which store, opened how, comes from `local-store` (shared
//! with the local API, so both always agree on where users live); what a valid
//! user is and how it changes, from `users` (shared with the management API).

pub mod cli;
pub mod commands;
mod error;
pub mod prompt;

pub use cli::{Cli, Command, SessionsCommand, UsersCommand};
pub use error::AdminError;
pub use prompt::{Io, PasswordPrompt, TerminalPrompt};

/// A failed command: one line on stderr, and its exit code.
pub fn exit(err: AdminError) -> std::process::ExitCode {
    eprintln!("admin: {err}");
    std::process::ExitCode::from(err.exit_code())
}
