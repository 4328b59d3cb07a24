//! Configuration from environment variables, parsed and validated once at cold start.
//!
//! The parsers every function shares live here; each function crate builds its
//! own `Config` from them. Every parser takes a [`Lookup`] so tests can pass a
//! map instead of mutating the process environment; production code passes
//! [`process_env`]. Each error names the variable and what it expects, and
//! never echoes a secret.

use std::fmt;
use std::time::Duration;

use crate::duration::parse_duration;
use crate::store::LockoutPolicy;

mod keys;
mod signing;

pub use keys::{KID_EXPECTED, check_secret, is_valid_kid, previous_keys, signing_key};
pub use signing::{
    SIGNING_KEY_SECRET_EXPECTED, SigningKeySecret, algorithm, public_keys, published_keys, signing_key_secret_id,
};

use crate::token::{Algorithm, Jwks};

/// Reads a variable from the process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Where variables come from: [`process_env`], or a map in tests.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

pub const USERS_TABLE: &str = "USERS_TABLE";
pub const SESSIONS_TABLE: &str = "SESSIONS_TABLE";
pub const JWT_ALGORITHM: &str = "JWT_ALGORITHM";
pub const JWT_SIGNING_KEY_SECRET: &str = "JWT_SIGNING_KEY_SECRET";
pub const JWT_PUBLIC_KEYS: &str = "JWT_PUBLIC_KEYS";
pub const JWT_SECRET: &str = "JWT_SECRET";
pub const JWT_KEY_ID: &str = "JWT_KEY_ID";
pub const JWT_PREVIOUS_KEYS: &str = "JWT_PREVIOUS_KEYS";
pub const JWT_TTL: &str = "JWT_TTL";
pub const JWT_ISSUER: &str = "JWT_ISSUER";
pub const JWT_AUDIENCE: &str = "JWT_AUDIENCE";
pub const JWT_LEEWAY: &str = "JWT_LEEWAY";
pub const CORS_ALLOW_ORIGIN: &str = "CORS_ALLOW_ORIGIN";
pub const LOGIN_MAX_ATTEMPTS: &str = "LOGIN_MAX_ATTEMPTS";
pub const LOGIN_LOCKOUT: &str = "LOGIN_LOCKOUT";

/// HMAC-SHA256 keys shorter than the hash output weaken the MAC (RFC 7518 §3.2).
pub const MIN_SECRET_BYTES: usize = 32;
/// A key of 32 bytes drawn from fewer values than this (`aaaa…`, `abababab…`,
/// a placeholder) is guessable whatever its length.
pub const MIN_DISTINCT_SECRET_BYTES: usize = 8;
const MAX_LEEWAY: Duration = Duration::from_secs(300);
/// Auth0's own cap for access tokens: a longer-lived token is a credential
/// nobody can take back.
pub const MAX_TTL: Duration = Duration::from_secs(30 * 86_400);

/// A configuration variable that is missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var} {problem}; expected {expected}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
    pub expected: &'static str,
}

impl ConfigError {
    pub fn missing(var: &'static str, expected: &'static str) -> Self {
        Self { var, problem: "is not set".into(), expected }
    }

    /// `shown` is the offending value for non-secret variables, `None` for secrets.
    pub fn invalid(var: &'static str, shown: Option<&str>, why: &str, expected: &'static str) -> Self {
        let problem = match shown {
            Some(value) => format!("is invalid ({value:?}: {why})"),
            None => format!("is invalid ({why})"),
        };
        Self { var, problem, expected }
    }
}

/// Key material whose `Debug` never shows the bytes, so a stray `{:?}` cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([redacted; {} bytes])", self.0.len())
    }
}

/// One HMAC key and the `kid` that names it in token headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMaterial {
    pub kid: String,
    pub secret: Secret,
}

/// What the issuer writes and the verifier requires in `iss` / `aud`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAudience {
    pub issuer: String,
    pub audience: String,
}

/// Everything a token issuer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerConfig {
    pub key: IssuerKey,
    pub ttl: Duration,
    pub names: TokenAudience,
}

/// What an issuer signs with, by `JWT_ALGORITHM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerKey {
    /// `JWT_SECRET` and `JWT_KEY_ID`.
    Hs256(KeyMaterial),
    /// Where the private key is: it is never in the environment, so the
    /// function reads it at start-up (authenticate: Secrets Manager).
    Es256 {
        /// `JWT_SIGNING_KEY_SECRET`.
        secret_id: String,
        /// `JWT_PUBLIC_KEYS`: retired public keys still published, so verifiers
        /// fetching the JWKS keep accepting tokens they signed.
        previous: Jwks,
    },
    /// As ES256, with an RSA key (the zero-Lambda deployment: API Gateway's
    /// own JWT authorizer verifies RSA signatures only).
    Rs256 {
        /// `JWT_SIGNING_KEY_SECRET`.
        secret_id: String,
        /// `JWT_PUBLIC_KEYS`: retired RSA public keys still published.
        previous: Jwks,
    },
}

impl From<KeyMaterial> for IssuerKey {
    fn from(key: KeyMaterial) -> Self {
        Self::Hs256(key)
    }
}

impl IssuerKey {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::Hs256(_) => Algorithm::Hs256,
            Self::Es256 { .. } => Algorithm::Es256,
            Self::Rs256 { .. } => Algorithm::Rs256,
        }
    }
}

/// Everything a token verifier needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    pub keys: VerifierKeys,
    pub names: TokenAudience,
    pub leeway: Duration,
}

/// What a verifier accepts, by `JWT_ALGORITHM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifierKeys {
    Hs256 {
        current: KeyMaterial,
        /// Keys retired from signing but still accepted, so rotation logs nobody out.
        previous: Vec<KeyMaterial>,
    },
    /// `JWT_PUBLIC_KEYS`: public keys only, the first the current one.
    Es256(Jwks),
    /// `JWT_PUBLIC_KEYS`: RSA public keys only, the first the current one.
    Rs256(Jwks),
}

/// An unset or empty variable reads as `None`: deploy tools often render
/// "not configured" as an empty string.
pub fn optional(lookup: Lookup<'_>, var: &str) -> Option<String> {
    lookup(var).filter(|v| !v.is_empty())
}

/// What `authenticate` signs with: `JWT_ALGORITHM`; with HS256 `JWT_SECRET`
/// and `JWT_KEY_ID`, with ES256 or RS256 `JWT_SIGNING_KEY_SECRET` and the
/// optional `JWT_PUBLIC_KEYS`; then `JWT_TTL`, `JWT_ISSUER`, `JWT_AUDIENCE`.
pub fn issuer_config(lookup: Lookup<'_>) -> Result<IssuerConfig, ConfigError> {
    let key = match algorithm(lookup)? {
        Algorithm::Hs256 => IssuerKey::Hs256(signing_key(lookup)?),
        Algorithm::Es256 => IssuerKey::Es256 {
            secret_id: signing_key_secret_id(lookup)?,
            previous: public_keys(lookup, Algorithm::Es256, false)?,
        },
        Algorithm::Rs256 => IssuerKey::Rs256 {
            secret_id: signing_key_secret_id(lookup)?,
            previous: public_keys(lookup, Algorithm::Rs256, false)?,
        },
    };
    Ok(IssuerConfig { key, ttl: ttl(lookup)?, names: token_audience(lookup)? })
}

/// What `check-token` verifies with: `JWT_ALGORITHM`; with HS256 the signing
/// key and `JWT_PREVIOUS_KEYS`, with ES256 or RS256 `JWT_PUBLIC_KEYS` alone;
/// then the names and `JWT_LEEWAY`.
pub fn verifier_config(lookup: Lookup<'_>) -> Result<VerifierConfig, ConfigError> {
    let keys = match algorithm(lookup)? {
        Algorithm::Hs256 => {
            let current = signing_key(lookup)?;
            let previous = previous_keys(lookup, &current.kid)?;
            VerifierKeys::Hs256 { current, previous }
        }
        asymmetric @ (Algorithm::Es256 | Algorithm::Rs256) => {
            // A verifier of public keys has no use for a secret: one set here
            // is a deployment mistake that would leave a secret where none is needed.
            for var in [JWT_SECRET, JWT_PREVIOUS_KEYS] {
                if optional(lookup, var).is_some() {
                    return Err(ConfigError::invalid(
                        var,
                        None,
                        &format!("set while JWT_ALGORITHM={asymmetric}, where a verifier holds public keys only"),
                        "unset: with ES256 or RS256 the keys are JWT_PUBLIC_KEYS",
                    ));
                }
            }
            let keys = public_keys(lookup, asymmetric, true)?;
            if asymmetric == Algorithm::Es256 { VerifierKeys::Es256(keys) } else { VerifierKeys::Rs256(keys) }
        }
    };
    Ok(VerifierConfig { keys, names: token_audience(lookup)?, leeway: leeway(lookup)? })
}

/// The DynamoDB table of users; only the DynamoDB store asks for it.
pub fn users_table(lookup: Lookup<'_>) -> Result<String, ConfigError> {
    table_name(
        lookup,
        USERS_TABLE,
        "the name of the DynamoDB user table (3-255 characters: letters, digits, '_', '-', '.')",
    )
}

/// The DynamoDB table of sessions; only the DynamoDB store asks for it.
pub fn sessions_table(lookup: Lookup<'_>) -> Result<String, ConfigError> {
    table_name(
        lookup,
        SESSIONS_TABLE,
        "the name of the DynamoDB sessions table (3-255 characters: letters, digits, '_', '-', '.')",
    )
}

fn table_name(lookup: Lookup<'_>, var: &'static str, expected: &'static str) -> Result<String, ConfigError> {
    let name = optional(lookup, var).ok_or(ConfigError::missing(var, expected))?;
    let valid_chars = name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if !(3..=255).contains(&name.len()) || !valid_chars {
        return Err(ConfigError::invalid(var, Some(&name), "not a DynamoDB table name", expected));
    }
    Ok(name)
}

fn ttl(lookup: Lookup<'_>) -> Result<Duration, ConfigError> {
    const EXPECTED: &str =
        "a token lifetime with a unit, greater than zero and at most 30d: 900s, 15m, 1h or 7d (default 15m)";
    // Short: with refresh tokens a client renews it without the password,
    // and until it expires a token cannot be taken back.
    let Some(text) = optional(lookup, JWT_TTL) else {
        return Ok(Duration::from_secs(15 * 60));
    };
    match parse_duration(&text) {
        Ok(d) if d.is_zero() => Err(ConfigError::invalid(JWT_TTL, Some(&text), "zero", EXPECTED)),
        Ok(d) if d > MAX_TTL => Err(ConfigError::invalid(JWT_TTL, Some(&text), "longer than 30d", EXPECTED)),
        Ok(d) => Ok(d),
        Err(why) => Err(ConfigError::invalid(JWT_TTL, Some(&text), &why, EXPECTED)),
    }
}

fn leeway(lookup: Lookup<'_>) -> Result<Duration, ConfigError> {
    const EXPECTED: &str = "a clock-skew tolerance with a unit, from 0s to 5m (e.g. 30s)";
    let Some(text) = optional(lookup, JWT_LEEWAY) else {
        return Ok(Duration::from_secs(30));
    };
    match parse_duration(&text) {
        Ok(d) if d > MAX_LEEWAY => Err(ConfigError::invalid(JWT_LEEWAY, Some(&text), "longer than 5m", EXPECTED)),
        Ok(d) => Ok(d),
        Err(why) => Err(ConfigError::invalid(JWT_LEEWAY, Some(&text), &why, EXPECTED)),
    }
}

pub fn lockout(lookup: Lookup<'_>) -> Result<LockoutPolicy, ConfigError> {
    const ATTEMPTS_EXPECTED: &str = "a whole number of failed logins from 1 to 1000 (default 5)";
    const LOCKOUT_EXPECTED: &str = "a lock duration with a unit, greater than zero and at most 30d (default 15m)";
    let max_attempts = match optional(lookup, LOGIN_MAX_ATTEMPTS) {
        None => 5,
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => return Err(ConfigError::invalid(LOGIN_MAX_ATTEMPTS, Some(&text), "out of range", ATTEMPTS_EXPECTED)),
        },
    };
    let lockout = match optional(lookup, LOGIN_LOCKOUT) {
        None => Duration::from_secs(15 * 60),
        Some(text) => match parse_duration(&text) {
            Ok(d) if d.is_zero() || d > Duration::from_secs(30 * 86_400) => {
                return Err(ConfigError::invalid(LOGIN_LOCKOUT, Some(&text), "out of range", LOCKOUT_EXPECTED));
            }
            Ok(d) => d,
            Err(why) => return Err(ConfigError::invalid(LOGIN_LOCKOUT, Some(&text), &why, LOCKOUT_EXPECTED)),
        },
    };
    Ok(LockoutPolicy { max_attempts, lockout_secs: lockout.as_secs() })
}

fn token_audience(lookup: Lookup<'_>) -> Result<TokenAudience, ConfigError> {
    Ok(TokenAudience {
        issuer: claim_name(lookup, JWT_ISSUER, "authenticate")?,
        audience: claim_name(lookup, JWT_AUDIENCE, "api")?,
    })
}

fn claim_name(lookup: Lookup<'_>, var: &'static str, default: &str) -> Result<String, ConfigError> {
    const EXPECTED: &str = "a non-blank string of at most 256 bytes";
    let value = optional(lookup, var).unwrap_or_else(|| default.into());
    if value.trim().is_empty() || value.len() > 256 {
        return Err(ConfigError::invalid(var, Some(&value), "blank or too long", EXPECTED));
    }
    Ok(value)
}

pub fn cors_allow_origin(lookup: Lookup<'_>) -> Result<String, ConfigError> {
    const EXPECTED: &str = "'*' or an origin such as https://app.example.com";
    let origin = optional(lookup, CORS_ALLOW_ORIGIN).unwrap_or_else(|| "*".into());
    // A header value with a newline would let configuration inject headers.
    if origin.bytes().any(|b| b.is_ascii_control()) || origin.contains(',') {
        return Err(ConfigError::invalid(CORS_ALLOW_ORIGIN, Some(&origin), "not a single origin", EXPECTED));
    }
    Ok(origin)
}

#[cfg(test)]
mod tests;
