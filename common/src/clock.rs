//! Wall-clock time in whole seconds, the resolution JWT claims use.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch. A clock before 1970 reads as 0 rather than
/// panicking: a token check against such a clock fails safe (every token looks
/// issued in the future).
pub fn now_epoch_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Milliseconds since the Unix epoch (0 before it), for what orders events
/// within a second: a session started just after its user ended them all.
pub fn now_epoch_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0)
}

/// Epoch seconds as RFC 3339 in UTC (`2026-11-28T17:00:00Z`), as stored in `created_at`.
pub fn rfc3339(epoch_seconds: u64) -> String {
    i64::try_from(epoch_seconds)
        .ok()
        .and_then(|seconds| time::OffsetDateTime::from_unix_timestamp(seconds).ok())
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| epoch_seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_in_utc() {
        assert_eq!(rfc3339(1_795_885_200), "2026-11-28T17:00:00Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
