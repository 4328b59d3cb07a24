//! The `admin` CLI's commands: managing users in the embedded SQLite store or
//! the DynamoDB table. The store options and opening ([`store`]) and random
//! secrets ([`secret`]) come from `local-api`, so the server and the CLI
//! always agree on where users live; linking it also means that after
//! `cargo run -p local-api` the admin build reuses every compiled
//! dependency (same crates, same features) instead of rebuilding them.

pub mod commands;

pub use commands::{AdminError, Cli, Command, Io, PasswordPrompt, TerminalPrompt, UsersCommand};
pub use local_api::store::{Store, StoreArgs, StoreKind};
pub use local_api::{secret, store};
