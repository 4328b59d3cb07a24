//! The brute-force state machine, for the stores that hold a lock while they
//! update a user (memory, SQLite). DynamoDB's store writes the same rules as
//! condition expressions.
//!
//! `failed_logins` counts the attempts taken in the current window: an attempt
//! is reserved *before* argon2 runs, so however many logins arrive at once, at
//! most `max_attempts` passwords are verified per window. A wrong password
//! keeps its reservation; the failure that finds the limit full locks the user
//! and starts a new window; a right password resets the count.

use super::{LockoutPolicy, LoginRecorded, Reservation};
use crate::user::User;

/// A limit held this long by reservations that never reported back (a
/// process that died between the reservation and the verdict) is treated as
/// failed attempts, so the user is locked for the lockout and then freed,
/// instead of waiting on attempts that will never finish. Longer than any
/// login can take (Lambda's timeout for authenticate is 10 s, API Gateway's 29 s).
pub const STALE_RESERVATION_SECS: u64 = 60;

/// Takes one attempt if the user is unlocked and under the limit.
pub fn reserve(user: Option<&mut User>, now: u64, policy: LockoutPolicy) -> Reservation {
    let Some(user) = user else {
        return Reservation::UnknownUser;
    };
    if let Some(until) = user.locked_until.filter(|&until| until > now) {
        return Reservation::Locked(until);
    }
    if user.failed_logins < policy.max_attempts {
        user.failed_logins += 1;
        user.last_attempt_at = Some(now);
        return Reservation::Granted(user.clone());
    }
    if is_stale(user, now) {
        return Reservation::Locked(lock(user, now, policy));
    }
    Reservation::Busy
}

/// After a wrong password: locks the user if the limit is full. Returns the
/// lock's end if this call locked.
pub fn lock_if_limit_reached(user: &mut User, now: u64, policy: LockoutPolicy) -> Option<u64> {
    if user.locked_for(now).is_some() || user.failed_logins < policy.max_attempts {
        return None;
    }
    Some(lock(user, now, policy))
}

/// After a right password: the count goes back to 0, unless another attempt
/// locked the user while this one was being verified.
pub fn record_success(user: &mut User, now: u64) -> LoginRecorded {
    if let Some(until) = user.locked_until.filter(|&until| until > now) {
        return LoginRecorded::Locked(until);
    }
    user.failed_logins = 0;
    LoginRecorded::Reset
}

/// Whether the limit has been held, unresolved, for [`STALE_RESERVATION_SECS`].
pub fn is_stale(user: &User, now: u64) -> bool {
    user.last_attempt_at.is_none_or(|at| at.saturating_add(STALE_RESERVATION_SECS) <= now)
}

fn lock(user: &mut User, now: u64, policy: LockoutPolicy) -> u64 {
    let until = now.saturating_add(policy.lockout_secs);
    user.failed_logins = 0;
    user.locked_until = Some(until);
    until
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: LockoutPolicy = LockoutPolicy { max_attempts: 2, lockout_secs: 900 };
    const NOW: u64 = 1_700_000_000;

    fn user() -> User {
        crate::testing::user("alice", String::new(), &[])
    }

    #[test]
    fn reservations_stop_at_the_limit() {
        let mut alice = user();
        assert!(matches!(reserve(Some(&mut alice), NOW, POLICY), Reservation::Granted(u) if u.failed_logins == 1));
        assert!(matches!(reserve(Some(&mut alice), NOW, POLICY), Reservation::Granted(u) if u.failed_logins == 2));
        assert_eq!(reserve(Some(&mut alice), NOW, POLICY), Reservation::Busy);
        assert_eq!(alice.failed_logins, 2, "a refused reservation takes nothing");
        assert_eq!(reserve(None, NOW, POLICY), Reservation::UnknownUser);
    }

    #[test]
    fn the_failure_that_finds_the_limit_full_locks() {
        let mut alice = user();
        reserve(Some(&mut alice), NOW, POLICY);
        assert_eq!(lock_if_limit_reached(&mut alice, NOW, POLICY), None, "under the limit");
        reserve(Some(&mut alice), NOW, POLICY);
        assert_eq!(lock_if_limit_reached(&mut alice, NOW, POLICY), Some(NOW + 900));
        assert_eq!((alice.failed_logins, alice.locked_until), (0, Some(NOW + 900)));
        assert_eq!(lock_if_limit_reached(&mut alice, NOW, POLICY), None, "already locked");
        assert_eq!(reserve(Some(&mut alice), NOW + 899, POLICY), Reservation::Locked(NOW + 900));
        assert!(matches!(reserve(Some(&mut alice), NOW + 900, POLICY), Reservation::Granted(_)), "a new window");
    }

    #[test]
    fn success_resets_unless_locked_meanwhile() {
        let mut alice = user();
        reserve(Some(&mut alice), NOW, POLICY);
        assert_eq!(record_success(&mut alice, NOW), LoginRecorded::Reset);
        assert_eq!(alice.failed_logins, 0);
        alice.locked_until = Some(NOW + 10);
        assert_eq!(record_success(&mut alice, NOW), LoginRecorded::Locked(NOW + 10));
    }

    #[test]
    fn a_limit_held_by_lost_reservations_locks_after_a_while() {
        let mut alice = user();
        reserve(Some(&mut alice), NOW, POLICY);
        reserve(Some(&mut alice), NOW, POLICY);
        let later = NOW + STALE_RESERVATION_SECS - 1;
        assert_eq!(reserve(Some(&mut alice), later, POLICY), Reservation::Busy);
        let stale = NOW + STALE_RESERVATION_SECS;
        assert_eq!(reserve(Some(&mut alice), stale, POLICY), Reservation::Locked(stale + 900));
        assert_eq!(alice.failed_logins, 0);
    }
}
