//! `users-api`'s configuration, from common's shared parsers.

use common::config::{ConfigError, Lookup, cors_allow_origin, lockout, optional};
use common::store::LockoutPolicy;
use common::user::validate_role;

/// The role the user routes require, whatever the access table says.
pub const ADMIN_ROLE: &str = "ADMIN_ROLE";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsersApiConfig {
    pub cors_allow_origin: String,
    /// `PUT /me/password` checks the current password under the login's limit.
    pub lockout: LockoutPolicy,
    /// Required of every caller of `/users...` (default `admin`).
    pub admin_role: String,
}

impl UsersApiConfig {
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, ConfigError> {
        const EXPECTED: &str = "a role name (1-64 letters, digits, '-', '_', '.', ':'); default admin";
        let admin_role = optional(lookup, ADMIN_ROLE).unwrap_or_else(|| "admin".into());
        validate_role(&admin_role)
            .map_err(|err| ConfigError::invalid(ADMIN_ROLE, Some(&admin_role), &err.to_string(), EXPECTED))?;
        Ok(Self { cors_allow_origin: cors_allow_origin(lookup)?, lockout: lockout(lookup)?, admin_role })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_role_defaults_to_admin_and_is_a_role_name() {
        assert_eq!(UsersApiConfig::from_lookup(&|_| None).unwrap().admin_role, "admin");
        let custom = |name: &str| (name == ADMIN_ROLE).then(|| "user-admins".to_string());
        assert_eq!(UsersApiConfig::from_lookup(&custom).unwrap().admin_role, "user-admins");
        let bad = |name: &str| (name == ADMIN_ROLE).then(|| "a,b".to_string());
        assert_eq!(UsersApiConfig::from_lookup(&bad).unwrap_err().var, ADMIN_ROLE);
    }
}
