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
    /// Consecutive failed logins since the last success or lock.
    pub failed_logins: u32,
    /// Epoch seconds until which logins are refused; compared with the clock in code.
    pub locked_until: Option<u64>,
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

impl User {
    /// A new, enabled user with a fresh `user_id` and `created_at` of now.
    pub fn new(username: &str, password_hash: String, roles: Vec<String>) -> Self {
        let created_at = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Self {
            username: normalize_username(username),
            user_id: uuid::Uuid::new_v4().to_string(),
            password_hash,
            roles,
            disabled: false,
            created_at,
            failed_logins: 0,
            locked_until: None,
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
    fn new_user_has_uuid_and_rfc3339_timestamp() {
        let user = User::new("Bob", "$argon2id$...".into(), vec!["admin".into()]);
        assert_eq!(user.username, "bob");
        assert_eq!(uuid::Uuid::parse_str(&user.user_id).unwrap().get_version_num(), 4);
        assert!(time::OffsetDateTime::parse(&user.created_at, &time::format_description::well_known::Rfc3339).is_ok());
        assert!(!user.disabled);
    }

    #[test]
    fn lock_is_compared_with_the_clock() {
        let mut user = User::new("bob", String::new(), vec![]);
        assert_eq!(user.locked_for(100), None);
        user.locked_until = Some(160);
        assert_eq!(user.locked_for(100), Some(60));
        assert_eq!(user.locked_for(160), None);
        assert_eq!(user.locked_for(200), None);
    }

    #[test]
    fn debug_hides_the_hash() {
        let user = User::new("bob", "$argon2id$secret-hash".into(), vec![]);
        assert!(!format!("{user:?}").contains("secret-hash"));
    }
}
