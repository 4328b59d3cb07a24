//! `authenticate`'s configuration, from common's shared parsers.

use common::config::{ConfigError, IssuerConfig, Lookup, cors_allow_origin, issuer_config, lockout};
use common::store::LockoutPolicy;

/// Everything `authenticate` needs apart from where users are stored
/// (`USERS_TABLE`, read by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticateConfig {
    pub issuer: IssuerConfig,
    pub cors_allow_origin: String,
    /// Brute-force protection: attempts per window, and how long a lock lasts.
    pub lockout: LockoutPolicy,
}

impl AuthenticateConfig {
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            issuer: issuer_config(lookup)?,
            cors_allow_origin: cors_allow_origin(lookup)?,
            lockout: lockout(lookup)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use common::config::{JWT_SECRET, LOGIN_MAX_ATTEMPTS};

    use super::*;

    #[test]
    fn reads_the_issuer_cors_and_lockout() {
        let env = HashMap::from([(JWT_SECRET, "0123456789abcdef0123456789abcdef"), (LOGIN_MAX_ATTEMPTS, "3")]);
        let config = AuthenticateConfig::from_lookup(&|name| env.get(name).map(|v| v.to_string())).unwrap();
        assert_eq!(config.issuer.ttl, Duration::from_secs(3600));
        assert_eq!(config.cors_allow_origin, "*");
        assert_eq!(config.lockout, LockoutPolicy { max_attempts: 3, lockout_secs: 900 });
        let missing = AuthenticateConfig::from_lookup(&|_| None).unwrap_err();
        assert_eq!(missing.var, JWT_SECRET);
    }
}
