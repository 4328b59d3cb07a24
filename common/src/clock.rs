//! Wall-clock time in whole seconds, the resolution JWT claims use.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch. A clock before 1970 reads as 0 rather than
/// panicking: a token check against such a clock fails safe (every token looks
/// issued in the future).
pub fn now_epoch_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
