//! `authenticate`'s configuration, from common's shared parsers.

use std::time::Duration;

use common::config::{ConfigError, IssuerConfig, Lookup, cors_allow_origin, issuer_config, lockout, optional};
use common::duration::parse_duration;
use common::store::LockoutPolicy;

pub const REFRESH_TTL: &str = "REFRESH_TTL";
/// How long a session may last, at most: a refresh token is a long-lived
/// credential, and a year is what Auth0 allows for an absolute lifetime.
pub const MAX_REFRESH_TTL: Duration = Duration::from_secs(365 * 86_400);

/// Everything `authenticate` needs apart from where users and sessions are
/// stored (`USERS_TABLE`, `SESSIONS_TABLE`, read by the stores).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticateConfig {
    pub issuer: IssuerConfig,
    pub cors_allow_origin: String,
    /// Brute-force protection: attempts per window, and how long a lock lasts.
    pub lockout: LockoutPolicy,
    /// A session's whole life, from its login, whatever its refreshes.
    pub refresh_ttl: Duration,
}

impl AuthenticateConfig {
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            issuer: issuer_config(lookup)?,
            cors_allow_origin: cors_allow_origin(lookup)?,
            lockout: lockout(lookup)?,
            refresh_ttl: refresh_ttl(lookup)?,
        })
    }
}

fn refresh_ttl(lookup: Lookup<'_>) -> Result<Duration, ConfigError> {
    const EXPECTED: &str = "a session lifetime with a unit, greater than zero and at most 365d (default 30d)";
    let Some(text) = optional(lookup, REFRESH_TTL) else {
        return Ok(Duration::from_secs(30 * 86_400));
    };
    match parse_duration(&text) {
        Ok(d) if d.is_zero() || d > MAX_REFRESH_TTL => {
            Err(ConfigError::invalid(REFRESH_TTL, Some(&text), "out of range", EXPECTED))
        }
        Ok(d) => Ok(d),
        Err(why) => Err(ConfigError::invalid(REFRESH_TTL, Some(&text), &why, EXPECTED)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use common::config::{JWT_SECRET, LOGIN_MAX_ATTEMPTS};

    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn config(extra: &[(&'static str, &'static str)]) -> Result<AuthenticateConfig, ConfigError> {
        let mut env = HashMap::from([(JWT_SECRET, SECRET)]);
        env.extend(extra.iter().copied());
        AuthenticateConfig::from_lookup(&|name| env.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn reads_the_issuer_cors_lockout_and_sessions() {
        let config = config(&[(LOGIN_MAX_ATTEMPTS, "3")]).unwrap();
        assert_eq!(config.issuer.ttl, Duration::from_secs(900), "15 minutes by default");
        assert_eq!(config.cors_allow_origin, "*");
        assert_eq!(config.lockout, LockoutPolicy { max_attempts: 3, lockout_secs: 900 });
        assert_eq!(config.refresh_ttl, Duration::from_secs(30 * 86_400));
        let missing = AuthenticateConfig::from_lookup(&|_| None).unwrap_err();
        assert_eq!(missing.var, JWT_SECRET);
    }

    #[test]
    fn es256_needs_the_key_secret_and_no_hmac_secret() {
        use common::config::{IssuerKey, JWT_ALGORITHM, JWT_SIGNING_KEY_SECRET};
        let env = HashMap::from([(JWT_ALGORITHM, "ES256"), (JWT_SIGNING_KEY_SECRET, "prod/token-signing-key")]);
        let es256 = AuthenticateConfig::from_lookup(&|name| env.get(name).map(|v| v.to_string())).unwrap();
        assert!(
            matches!(es256.issuer.key, IssuerKey::Es256 { ref secret_id, .. } if secret_id == "prod/token-signing-key")
        );
        let env = HashMap::from([(JWT_ALGORITHM, "ES256"), (JWT_SECRET, SECRET)]);
        let missing = AuthenticateConfig::from_lookup(&|name| env.get(name).map(|v| v.to_string())).unwrap_err();
        assert_eq!(missing.var, JWT_SIGNING_KEY_SECRET);
        let bad = config(&[(JWT_ALGORITHM, "RS384")]).unwrap_err();
        assert_eq!(bad.var, JWT_ALGORITHM);
        let env = HashMap::from([(JWT_ALGORITHM, "RS256"), (JWT_SIGNING_KEY_SECRET, "prod/token-signing-key")]);
        let rs256 = AuthenticateConfig::from_lookup(&|name| env.get(name).map(|v| v.to_string())).unwrap();
        assert!(
            matches!(rs256.issuer.key, IssuerKey::Rs256 { ref secret_id, .. } if secret_id == "prod/token-signing-key")
        );
    }

    #[test]
    fn the_session_lifetime_is_bounded() {
        assert_eq!(config(&[(REFRESH_TTL, "365d")]).unwrap().refresh_ttl, MAX_REFRESH_TTL);
        assert_eq!(config(&[(REFRESH_TTL, "12h")]).unwrap().refresh_ttl, Duration::from_secs(12 * 3600));
        for bad in ["366d", "0s", "30", "forever"] {
            assert_eq!(config(&[(REFRESH_TTL, bad)]).unwrap_err().var, REFRESH_TTL, "{bad}");
        }
    }
}
