//! The user record, as stored in the user table.

use serde::Serialize;

/// One row of the user table. See the README for the DynamoDB item schema.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Lowercased; the table's partition key.
    pub username: String,
    /// UUID v4 assigned at creation; becomes the token's `sub`.
    pub user_id: String,
    /// Argon2id PHC string.
    #[serde(skip)]
    pub password_hash: String,
    pub roles: Vec<String>,
    pub disabled: bool,
    /// RFC 3339.
    pub created_at: String,
    /// Login attempts taken in the current window (reserved before the
    /// password is checked; back to 0 after a success or a lock).
    pub failed_logins: u32,
    /// Epoch seconds until which logins are refused; compared with the clock in code.
    pub locked_until: Option<u64>,
    /// Epoch seconds of the last reserved login attempt.
    pub last_attempt_at: Option<u64>,
    /// Milliseconds since the epoch: every session started up to then is over
    /// (set when the user is disabled, deleted or given a new password).
    pub sessions_revoked_at: Option<u64>,
}

/// A `User`'s `Debug` leaves out the password hash, so logging a user is safe.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("username", &self.username)
            .field("user_id", &self.user_id)
            .field("roles", &self.roles)
            .field("disabled", &self.disabled)
            .field("created_at", &self.created_at)
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .field("last_attempt_at", &self.last_attempt_at)
            .field("sessions_revoked_at", &self.sessions_revoked_at)
            .finish_non_exhaustive()
    }
}

/// Longest username accepted, in bytes as received.
pub const MAX_USERNAME_BYTES: usize = 128;
/// Longest password accepted, in bytes as received: argon2 cost does not grow
/// with length, but parsing and copying megabyte passwords is a cheap DoS.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Usernames are case-insensitive: stored and looked up in Unicode lowercase.
pub fn normalize_username(username: &str) -> String {
    username.to_lowercase()
}

/// Longest role name accepted, in bytes.
pub const MAX_ROLE_BYTES: usize = 64;

/// Why a username is refused when a user is created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUsername {
    #[error("the username is empty")]
    Empty,
    #[error("the username is longer than {MAX_USERNAME_BYTES} bytes")]
    TooLong,
    /// HTTP Basic splits `username:password` at the first colon.
    #[error("the username contains ':', which HTTP Basic cannot carry")]
    Colon,
    #[error("the username contains a control character")]
    Control,
    /// `" alice"` would be stored as such, and a user typing `alice` could
    /// never log in as it: refused rather than trimmed, so what is stored is
    /// what was typed.
    #[error("the username starts or ends with whitespace")]
    SurroundingWhitespace,
}

/// Checks a new username (1-128 bytes, before and after lowercasing; no `:`,
/// no control characters, no whitespace at either end) and returns it
/// normalized, as it is stored.
pub fn validate_username(username: &str) -> Result<String, InvalidUsername> {
    if username.is_empty() {
        return Err(InvalidUsername::Empty);
    }
    if username.contains(':') {
        return Err(InvalidUsername::Colon);
    }
    if username.chars().any(char::is_control) {
        return Err(InvalidUsername::Control);
    }
    if username.trim() != username {
        return Err(InvalidUsername::SurroundingWhitespace);
    }
    let normalized = normalize_username(username);
    // Lowercasing can lengthen a string (e.g. 'İ' becomes two code points).
    if username.len() > MAX_USERNAME_BYTES || normalized.len() > MAX_USERNAME_BYTES {
        return Err(InvalidUsername::TooLong);
    }
    Ok(normalized)
}

/// Why a role name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRole {
    #[error("a role name is empty")]
    Empty,
    #[error("the role name {0:?} is longer than {MAX_ROLE_BYTES} bytes")]
    TooLong(String),
    /// Commas in particular: the authorizer context joins roles with commas.
    #[error("the role name {0:?} has a character other than ASCII letters, digits, '-', '_', '.', ':'")]
    Character(String),
}

/// A role name: 1-64 ASCII letters, digits, `-`, `_`, `.` or `:`; never a
/// comma, since the authorizer context joins roles with commas.
pub fn validate_role(role: &str) -> Result<(), InvalidRole> {
    if role.is_empty() {
        return Err(InvalidRole::Empty);
    }
    if role.len() > MAX_ROLE_BYTES {
        return Err(InvalidRole::TooLong(role.to_string()));
    }
    if !role.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) {
        return Err(InvalidRole::Character(role.to_string()));
    }
    Ok(())
}

/// Validates every role and drops repeats, keeping the first occurrence's place.
pub fn validate_roles<S: AsRef<str>>(roles: &[S]) -> Result<Vec<String>, InvalidRole> {
    let mut valid: Vec<String> = Vec::with_capacity(roles.len());
    for role in roles {
        let role = role.as_ref();
        validate_role(role)?;
        if !valid.iter().any(|r| r == role) {
            valid.push(role.to_string());
        }
    }
    Ok(valid)
}

impl User {
    /// A new, enabled user. The caller brings the identity's randomness and
    /// time: `user_id` a fresh UUID v4, `created_at` RFC 3339.
    pub fn new(username: &str, password_hash: String, roles: Vec<String>, user_id: String, created_at: String) -> Self {
        Self {
            username: normalize_username(username),
            user_id,
            password_hash,
            roles,
            disabled: false,
            created_at,
            failed_logins: 0,
            locked_until: None,
            last_attempt_at: None,
            sessions_revoked_at: None,
        }
    }

    /// Seconds the lock still has to run at `now`, if the user is locked.
    pub fn locked_for(&self, now: u64) -> Option<u64> {
        self.locked_until.filter(|&until| until > now).map(|until| until - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_unicode_lowercased() {
        assert_eq!(normalize_username("Alice"), "alice");
        assert_eq!(normalize_username("ÉMILE"), "émile");
        assert_eq!(normalize_username("ΣΊΣΥΦΟΣ"), "σίσυφος");
    }

    #[test]
    fn a_new_user_is_enabled_and_normalized() {
        let user = User::new(
            "Bob",
            "$argon2id$...".into(),
            vec!["admin".into()],
            "id-1".into(),
            "2026-01-01T00:00:00Z".into(),
        );
        assert_eq!((user.username.as_str(), user.user_id.as_str()), ("bob", "id-1"));
        assert!(!user.disabled);
        assert_eq!((user.failed_logins, user.locked_until, user.last_attempt_at), (0, None, None));
    }

    #[test]
    fn lock_is_compared_with_the_clock() {
        let mut user = crate::testing::user("bob", "", &[]);
        assert_eq!(user.locked_for(100), None);
        user.locked_until = Some(160);
        assert_eq!(user.locked_for(100), Some(60));
        assert_eq!(user.locked_for(160), None);
        assert_eq!(user.locked_for(200), None);
    }

    #[test]
    fn valid_usernames_are_normalized() {
        assert_eq!(validate_username("Alice"), Ok("alice".into()));
        assert_eq!(validate_username("ÉMILE"), Ok("émile".into()));
        assert_eq!(validate_username("a.b-c_d@example.com"), Ok("a.b-c_d@example.com".into()));
        assert_eq!(validate_username("with space"), Ok("with space".into()));
        assert_eq!(validate_username(&"x".repeat(MAX_USERNAME_BYTES)), Ok("x".repeat(MAX_USERNAME_BYTES)));
    }

    #[test]
    fn invalid_usernames_are_refused() {
        assert_eq!(validate_username(""), Err(InvalidUsername::Empty));
        assert_eq!(validate_username(&"x".repeat(MAX_USERNAME_BYTES + 1)), Err(InvalidUsername::TooLong));
        // 64 'İ' are 128 bytes, but 192 once lowercased.
        assert_eq!(validate_username(&"İ".repeat(64)), Err(InvalidUsername::TooLong));
        assert_eq!(validate_username("a:b"), Err(InvalidUsername::Colon));
        for control in ["a\nb", "a\tb", "\u{0}", "a\u{7f}", "a\u{85}b"] {
            assert_eq!(validate_username(control), Err(InvalidUsername::Control), "{control:?}");
        }
        for spaced in [" spaced ", " alice", "alice ", "\u{a0}alice", "alice\u{3000}", " "] {
            assert_eq!(validate_username(spaced), Err(InvalidUsername::SurroundingWhitespace), "{spaced:?}");
        }
    }

    #[test]
    fn role_names() {
        for good in ["admin", "r:1", "team.dev-ops_2", "A", &"r".repeat(MAX_ROLE_BYTES)] {
            assert_eq!(validate_role(good), Ok(()), "{good}");
        }
        assert_eq!(validate_role(""), Err(InvalidRole::Empty));
        assert!(matches!(validate_role(&"r".repeat(MAX_ROLE_BYTES + 1)), Err(InvalidRole::TooLong(_))));
        for bad in ["a,b", "a b", "é", "a/b", "a\n", "*"] {
            assert!(matches!(validate_role(bad), Err(InvalidRole::Character(_))), "{bad:?}");
        }
    }

    #[test]
    fn roles_are_deduplicated_in_order() {
        assert_eq!(validate_roles(&["dev", "admin", "dev"]), Ok(vec!["dev".to_string(), "admin".to_string()]));
        assert_eq!(validate_roles::<&str>(&[]), Ok(vec![]));
        assert!(validate_roles(&["ok", "not,ok"]).is_err());
    }

    #[test]
    fn debug_hides_the_hash() {
        let user = crate::testing::user("bob", "$argon2id$secret-hash", &[]);
        assert!(!format!("{user:?}").contains("secret-hash"));
    }
}
