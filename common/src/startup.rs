//! How a Lambda stops when it cannot start: one line in its log naming the
//! problem (never a secret: configuration errors do not echo them), then exit
//! status 1, which Lambda reports as an init error, before anything is served.

use std::fmt::Display;

/// The value, or the logged reason and `exit(1)`.
pub fn or_exit<T, E: Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|err| {
        tracing::error!("configuration error: {err}");
        std::process::exit(1)
    })
}
