//! Operator tooling for the token service: the `admin` CLI's commands, the
//! choice and opening of the user store (embedded SQLite file or DynamoDB
//! table), and random secrets. `local-api` opens its store and its local
//! secret through the same code, so the server and the CLI always agree on
//! where users live.

pub mod commands;
pub mod secret;
pub mod store;

pub use commands::{AdminError, Cli, Command, Io, PasswordPrompt, TerminalPrompt, UsersCommand};
pub use store::{Store, StoreArgs, StoreKind};
