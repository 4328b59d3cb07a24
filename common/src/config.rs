//! Configuration from environment variables, parsed and validated once at cold start.
//!
//! Every function takes a `lookup` so tests can pass a map instead of mutating
//! the process environment; production code passes [`process_env`]. Each
//! error names the variable and what it expects, and never echoes a secret.

use std::fmt;
use std::time::Duration;

use crate::duration::parse_duration;
use crate::policy::PolicyResource;
use crate::store::LockoutPolicy;

/// Reads a variable from the process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub const USERS_TABLE: &str = "USERS_TABLE";
pub const JWT_SECRET: &str = "JWT_SECRET";
pub const JWT_KEY_ID: &str = "JWT_KEY_ID";
pub const JWT_PREVIOUS_KEYS: &str = "JWT_PREVIOUS_KEYS";
pub const JWT_TTL: &str = "JWT_TTL";
pub const JWT_ISSUER: &str = "JWT_ISSUER";
pub const JWT_AUDIENCE: &str = "JWT_AUDIENCE";
pub const JWT_LEEWAY: &str = "JWT_LEEWAY";
pub const API_GATEWAY_ARN: &str = "API_GATEWAY_ARN";
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
    fn missing(var: &'static str, expected: &'static str) -> Self {
        Self { var, problem: "is not set".into(), expected }
    }

    /// `shown` is the offending value for non-secret variables, `None` for secrets.
    fn invalid(var: &'static str, shown: Option<&str>, why: &str, expected: &'static str) -> Self {
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

/// Everything `authenticate` needs to sign tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerConfig {
    pub key: KeyMaterial,
    pub ttl: Duration,
    pub names: TokenAudience,
}

/// Everything `check-token` needs to verify tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    pub current: KeyMaterial,
    /// Keys retired from signing but still accepted, so rotation logs nobody out.
    pub previous: Vec<KeyMaterial>,
    pub names: TokenAudience,
    pub leeway: Duration,
}

/// Configuration of the `authenticate` function, apart from where users are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticateConfig {
    pub issuer: IssuerConfig,
    pub cors_allow_origin: String,
    /// Brute-force protection: consecutive failures that lock a user, and for how long.
    pub lockout: LockoutPolicy,
}

/// Configuration of the `check-token` authorizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckTokenConfig {
    pub verifier: VerifierConfig,
    pub resource: PolicyResource,
}

/// Configuration of the `hello` function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloConfig {
    pub cors_allow_origin: String,
}

type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// An unset or empty variable reads as `None`: deploy tools often render
/// "not configured" as an empty string.
fn optional(lookup: Lookup<'_>, var: &str) -> Option<String> {
    lookup(var).filter(|v| !v.is_empty())
}

impl AuthenticateConfig {
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            issuer: IssuerConfig { key: current_key(lookup)?, ttl: ttl(lookup)?, names: token_audience(lookup)? },
            cors_allow_origin: cors_allow_origin(lookup)?,
            lockout: lockout(lookup)?,
        })
    }
}

impl CheckTokenConfig {
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, ConfigError> {
        let current = current_key(lookup)?;
        let previous = previous_keys(lookup, &current.kid)?;
        Ok(Self {
            verifier: VerifierConfig { current, previous, names: token_audience(lookup)?, leeway: leeway(lookup)? },
            resource: policy_resource(lookup)?,
        })
    }
}

impl HelloConfig {
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self { cors_allow_origin: cors_allow_origin(lookup)? })
    }
}

/// The DynamoDB table of users; only the DynamoDB store asks for it.
pub fn users_table(lookup: Lookup<'_>) -> Result<String, ConfigError> {
    const EXPECTED: &str = "the name of the DynamoDB user table (3-255 characters: letters, digits, '_', '-', '.')";
    let name = optional(lookup, USERS_TABLE).ok_or(ConfigError::missing(USERS_TABLE, EXPECTED))?;
    let valid_chars = name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if !(3..=255).contains(&name.len()) || !valid_chars {
        return Err(ConfigError::invalid(USERS_TABLE, Some(&name), "not a DynamoDB table name", EXPECTED));
    }
    Ok(name)
}

fn current_key(lookup: Lookup<'_>) -> Result<KeyMaterial, ConfigError> {
    const EXPECTED: &str = "an HMAC key of at least 32 bytes with at least 8 different byte values (e.g. 64 random hex characters)";
    let secret = optional(lookup, JWT_SECRET).ok_or(ConfigError::missing(JWT_SECRET, EXPECTED))?;
    check_secret(secret.as_bytes()).map_err(|why| ConfigError::invalid(JWT_SECRET, None, &why, EXPECTED))?;
    Ok(KeyMaterial { kid: key_id(lookup)?, secret: Secret::new(secret.into_bytes()) })
}

/// Why an HMAC key is refused; the message never holds the key.
pub fn check_secret(secret: &[u8]) -> Result<(), String> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(format!("{} bytes, fewer than {MIN_SECRET_BYTES}", secret.len()));
    }
    let mut seen = [false; 256];
    secret.iter().for_each(|&b| seen[usize::from(b)] = true);
    let distinct = seen.iter().filter(|&&s| s).count();
    if distinct < MIN_DISTINCT_SECRET_BYTES {
        return Err(format!("weak: only {distinct} different byte values, fewer than {MIN_DISTINCT_SECRET_BYTES}"));
    }
    Ok(())
}

const KID_EXPECTED: &str = "1-64 characters: letters, digits, '.', '_' or '-'";

fn is_valid_kid(kid: &str) -> bool {
    (1..=64).contains(&kid.len()) && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

fn key_id(lookup: Lookup<'_>) -> Result<String, ConfigError> {
    let kid = optional(lookup, JWT_KEY_ID).unwrap_or_else(|| "default".into());
    if !is_valid_kid(&kid) {
        return Err(ConfigError::invalid(JWT_KEY_ID, Some(&kid), "not a valid key id", KID_EXPECTED));
    }
    Ok(kid)
}

/// The keys a rotation retired, as a JSON object `{"kid": "secret", ...}`
/// whose secrets are the old `JWT_SECRET` values pasted verbatim: rotating is
/// a copy, never a transformation that could be forgotten.
fn previous_keys(lookup: Lookup<'_>, current_kid: &str) -> Result<Vec<KeyMaterial>, ConfigError> {
    const EXPECTED: &str = "a JSON object mapping each retired kid to its old JWT_SECRET, verbatim \
         (e.g. {\"2026-10\": \"<the old secret>\"}), or {} / none for no previous keys; \
         no kid equal to JWT_KEY_ID";
    let Some(text) = optional(lookup, JWT_PREVIOUS_KEYS) else {
        return Ok(Vec::new());
    };
    // `none` is what older stacks stored while there were no previous keys
    // (a Secrets Manager secret cannot hold an empty string).
    if text.trim() == "none" {
        return Ok(Vec::new());
    }
    let invalid = |why: String| ConfigError::invalid(JWT_PREVIOUS_KEYS, None, &why, EXPECTED);
    let entries = parse_key_object(&text).map_err(|why| invalid(why.to_string()))?;
    let mut keys: Vec<KeyMaterial> = Vec::new();
    for (kid, secret) in entries {
        if !is_valid_kid(&kid) {
            return Err(invalid(format!("the kid {kid:?} is not valid ({KID_EXPECTED})")));
        }
        if kid == current_kid {
            return Err(invalid(format!("the kid {kid:?} is the current JWT_KEY_ID")));
        }
        if keys.iter().any(|k| k.kid == kid) {
            return Err(invalid(format!("the kid {kid:?} appears twice")));
        }
        check_secret(secret.as_bytes()).map_err(|why| invalid(format!("the secret of kid {kid:?}: {why}")))?;
        keys.push(KeyMaterial { kid, secret: Secret::new(secret.into_bytes()) });
    }
    Ok(keys)
}

/// Why `JWT_PREVIOUS_KEYS` is not a JSON object of strings. Never quotes the
/// text: it holds secrets.
#[derive(Debug, thiserror::Error)]
enum KeyObjectError {
    #[error("not a JSON object of kid to secret strings (the format before was kid=base64: paste each old secret verbatim into a JSON object instead)")]
    NotAnObject,
}

/// The pairs of a JSON object in order, duplicates kept (so they can be refused).
fn parse_key_object(text: &str) -> Result<Vec<(String, String)>, KeyObjectError> {
    struct Pairs(Vec<(String, String)>);

    impl<'de> serde::Deserialize<'de> for Pairs {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Pairs;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object of strings")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                    let mut pairs = Vec::new();
                    while let Some(pair) = map.next_entry::<String, String>()? {
                        pairs.push(pair);
                    }
                    Ok(Pairs(pairs))
                }
            }
            deserializer.deserialize_map(Visit)
        }
    }

    serde_json::from_str::<Pairs>(text).map(|pairs| pairs.0).map_err(|_| KeyObjectError::NotAnObject)
}

fn ttl(lookup: Lookup<'_>) -> Result<Duration, ConfigError> {
    const EXPECTED: &str = "a token lifetime with a unit, greater than zero and at most 30d: 900s, 15m, 1h or 7d";
    let Some(text) = optional(lookup, JWT_TTL) else {
        return Ok(Duration::from_secs(3_600));
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

fn lockout(lookup: Lookup<'_>) -> Result<LockoutPolicy, ConfigError> {
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

fn policy_resource(lookup: Lookup<'_>) -> Result<PolicyResource, ConfigError> {
    const EXPECTED: &str =
        "an execute-api ARN such as arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*, or unset";
    match optional(lookup, API_GATEWAY_ARN) {
        None => Ok(PolicyResource::FromMethodArn),
        Some(arn) => PolicyResource::configured(&arn)
            .map_err(|e| ConfigError::invalid(API_GATEWAY_ARN, Some(&arn), &e.to_string(), EXPECTED)),
    }
}

fn cors_allow_origin(lookup: Lookup<'_>) -> Result<String, ConfigError> {
    const EXPECTED: &str = "'*' or an origin such as https://app.example.com";
    let origin = optional(lookup, CORS_ALLOW_ORIGIN).unwrap_or_else(|| "*".into());
    // A header value with a newline would let configuration inject headers.
    if origin.bytes().any(|b| b.is_ascii_control()) || origin.contains(',') {
        return Err(ConfigError::invalid(CORS_ALLOW_ORIGIN, Some(&origin), "not a single origin", EXPECTED));
    }
    Ok(origin)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn authenticate_defaults() {
        let config = AuthenticateConfig::from_lookup(&env(&[(JWT_SECRET, SECRET)])).unwrap();
        assert_eq!(config.issuer.ttl, Duration::from_secs(3600));
        assert_eq!(config.issuer.key.kid, "default");
        assert_eq!(config.issuer.key.secret.expose(), SECRET.as_bytes());
        assert_eq!(config.issuer.names.issuer, "authenticate");
        assert_eq!(config.issuer.names.audience, "api");
        assert_eq!(config.cors_allow_origin, "*");
        assert_eq!(config.lockout, LockoutPolicy { max_attempts: 5, lockout_secs: 900 });
    }

    #[test]
    fn lockout_settings() {
        let config = AuthenticateConfig::from_lookup(&env(&[
            (JWT_SECRET, SECRET),
            (LOGIN_MAX_ATTEMPTS, "1"),
            (LOGIN_LOCKOUT, "1h"),
        ]))
        .unwrap();
        assert_eq!(config.lockout, LockoutPolicy { max_attempts: 1, lockout_secs: 3600 });
        for (var, bad) in [
            (LOGIN_MAX_ATTEMPTS, "0"),
            (LOGIN_MAX_ATTEMPTS, "-1"),
            (LOGIN_MAX_ATTEMPTS, "five"),
            (LOGIN_MAX_ATTEMPTS, "1001"),
            (LOGIN_MAX_ATTEMPTS, "2.5"),
            (LOGIN_LOCKOUT, "0s"),
            (LOGIN_LOCKOUT, "900"),
            (LOGIN_LOCKOUT, "31d"),
        ] {
            let err = AuthenticateConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (var, bad)])).unwrap_err();
            assert_eq!(err.var, var, "{bad}");
        }
    }

    #[test]
    fn check_token_defaults() {
        let config = CheckTokenConfig::from_lookup(&env(&[(JWT_SECRET, SECRET)])).unwrap();
        assert_eq!(config.verifier.leeway, Duration::from_secs(30));
        assert!(config.verifier.previous.is_empty());
        assert_eq!(config.resource, PolicyResource::FromMethodArn);
    }

    #[test]
    fn reads_every_variable() {
        let lookup = env(&[
            (JWT_SECRET, SECRET),
            (JWT_KEY_ID, "k2"),
            (JWT_TTL, "15m"),
            (JWT_ISSUER, "https://auth.example.com"),
            (JWT_AUDIENCE, "orders"),
            (JWT_LEEWAY, "0s"),
            (API_GATEWAY_ARN, "arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/*/*"),
            (CORS_ALLOW_ORIGIN, "https://app.example.com"),
        ]);
        let auth = AuthenticateConfig::from_lookup(&lookup).unwrap();
        assert_eq!(auth.issuer.ttl, Duration::from_secs(900));
        assert_eq!(auth.issuer.key.kid, "k2");
        assert_eq!(auth.cors_allow_origin, "https://app.example.com");
        let check = CheckTokenConfig::from_lookup(&lookup).unwrap();
        assert_eq!(check.verifier.leeway, Duration::ZERO);
        assert_eq!(check.verifier.names.issuer, "https://auth.example.com");
        assert_eq!(check.verifier.names.audience, "orders");
        assert_eq!(
            check.resource,
            PolicyResource::Configured("arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/*/*".into())
        );
    }

    #[test]
    fn secret_is_required_and_long_enough() {
        let err = AuthenticateConfig::from_lookup(&env(&[])).unwrap_err();
        assert_eq!(err.var, JWT_SECRET);
        let err = AuthenticateConfig::from_lookup(&env(&[(JWT_SECRET, "")])).unwrap_err();
        assert_eq!(err.var, JWT_SECRET);
        let short = "x".repeat(31);
        let err = CheckTokenConfig::from_lookup(&env(&[(JWT_SECRET, &short)])).unwrap_err();
        assert_eq!(err.var, JWT_SECRET);
        assert!(err.to_string().contains("31 bytes"), "{err}");
        assert!(!err.to_string().contains(&short), "the secret must not be echoed: {err}");
    }

    #[test]
    fn ttl_needs_a_unit_and_is_positive() {
        for bad in ["3600", "0s", "0m", "1w", "abc", "31d", "36500d", "721h"] {
            let err = AuthenticateConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (JWT_TTL, bad)])).unwrap_err();
            assert_eq!(err.var, JWT_TTL, "{bad}");
            assert!(err.to_string().starts_with("JWT_TTL is invalid"), "{err}");
        }
    }

    #[test]
    fn ttl_may_reach_thirty_days() {
        let config = AuthenticateConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (JWT_TTL, "30d")])).unwrap();
        assert_eq!(config.issuer.ttl, MAX_TTL);
    }

    #[test]
    fn a_secret_of_few_distinct_bytes_is_weak_whatever_its_length() {
        for weak in ["a".repeat(64), "ab".repeat(40), "0123456".repeat(10), "password".repeat(4).replace('d', "s")] {
            let err = CheckTokenConfig::from_lookup(&env(&[(JWT_SECRET, &weak)])).unwrap_err();
            assert_eq!(err.var, JWT_SECRET, "{weak}");
            assert!(err.to_string().contains("weak"), "{err}");
            assert!(!err.to_string().contains(&weak), "the secret must not be echoed: {err}");
        }
        assert!(CheckTokenConfig::from_lookup(&env(&[(JWT_SECRET, &"01234567".repeat(4))])).is_ok(), "8 values");
    }

    #[test]
    fn leeway_is_bounded() {
        for (value, ok) in [("0s", true), ("5m", true), ("301s", false), ("1h", false), ("30", false)] {
            let result = CheckTokenConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (JWT_LEEWAY, value)]));
            assert_eq!(result.is_ok(), ok, "{value}: {result:?}");
        }
    }

    #[test]
    fn api_gateway_arn_is_validated_and_empty_means_unset() {
        let unset = CheckTokenConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (API_GATEWAY_ARN, "")])).unwrap();
        assert_eq!(unset.resource, PolicyResource::FromMethodArn);
        for bad in ["*", "arn:aws:s3:::bucket", "arn:aws:execute-api:us-east-1:123456789012", "not-an-arn"] {
            let err = CheckTokenConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (API_GATEWAY_ARN, bad)])).unwrap_err();
            assert_eq!(err.var, API_GATEWAY_ARN, "{bad}");
        }
    }

    #[test]
    fn issuer_and_audience_must_not_be_blank() {
        let err = AuthenticateConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (JWT_ISSUER, "  ")])).unwrap_err();
        assert_eq!(err.var, JWT_ISSUER);
    }

    #[test]
    fn key_id_is_restricted() {
        for bad in ["../etc/passwd", "a b", "x'; DROP TABLE", &"k".repeat(65)] {
            let err = AuthenticateConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (JWT_KEY_ID, bad)])).unwrap_err();
            assert_eq!(err.var, JWT_KEY_ID, "{bad}");
        }
    }

    #[test]
    fn users_table_is_required_and_validated() {
        assert_eq!(users_table(&env(&[])).unwrap_err().var, USERS_TABLE);
        assert_eq!(users_table(&env(&[(USERS_TABLE, "")])).unwrap_err().var, USERS_TABLE);
        assert_eq!(users_table(&env(&[(USERS_TABLE, "a b")])).unwrap_err().var, USERS_TABLE);
        assert_eq!(users_table(&env(&[(USERS_TABLE, "users-dev")])).unwrap(), "users-dev");
    }

    #[test]
    fn cors_origin_cannot_inject_headers() {
        let err = HelloConfig::from_lookup(&env(&[(CORS_ALLOW_ORIGIN, "https://a\r\nSet-Cookie: x")])).unwrap_err();
        assert_eq!(err.var, CORS_ALLOW_ORIGIN);
    }

    /// An old JWT_SECRET goes in verbatim, whatever characters it holds.
    #[test]
    fn previous_keys_are_old_secrets_pasted_verbatim() {
        let generated = "Zq8m2LkR9xYtW3vN7bJc5HdF1sGp4aQe6uMi0oKyXnBrTzCwVhEjPlDfSgA1b2c3";
        let punctuated = r#"tricky "quoted" \ secret, with = and : 0123456789"#;
        let list = serde_json::json!({"old": generated, "older": punctuated}).to_string();
        let config = CheckTokenConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (JWT_PREVIOUS_KEYS, &list)])).unwrap();
        let kids: Vec<_> = config.verifier.previous.iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(kids, ["old", "older"]);
        assert_eq!(config.verifier.previous[0].secret.expose(), generated.as_bytes());
        assert_eq!(config.verifier.previous[1].secret.expose(), punctuated.as_bytes());
    }

    #[test]
    fn previous_keys_none_means_no_keys() {
        for value in ["", "none", "{}", " {} "] {
            let config =
                CheckTokenConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (JWT_PREVIOUS_KEYS, value)])).unwrap();
            assert!(config.verifier.previous.is_empty(), "{value:?}");
        }
    }

    #[test]
    fn previous_keys_reject_bad_entries() {
        let good = "a-retired-secret-0123456789abcdefghijklmnop";
        let cases = [
            // The old kid=base64 form: refused with a hint, not misread.
            format!("old={good}"),
            format!("old={good},older={good}"),
            good.to_string(),
            format!(r#"{{"default": "{good}"}}"#),
            r#"{"old": "short"}"#.to_string(),
            format!(r#"{{"old": "{}"}}"#, "x".repeat(40)),
            format!(r#"{{"old": "{good}", "old": "{good}"}}"#),
            format!(r#"{{"bad kid": "{good}"}}"#),
            r#"{"old": 42}"#.to_string(),
            format!(r#"["old", "{good}"]"#),
            format!(r#"{{"old": "{good}""#),
        ];
        for bad in cases {
            let err =
                CheckTokenConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (JWT_PREVIOUS_KEYS, &bad)])).unwrap_err();
            assert_eq!(err.var, JWT_PREVIOUS_KEYS, "{bad}");
            assert!(!err.to_string().contains(good), "secret echoed: {err}");
        }
        let old_format = format!("old={good}");
        let err =
            CheckTokenConfig::from_lookup(&env(&[(JWT_SECRET, SECRET), (JWT_PREVIOUS_KEYS, &old_format)])).unwrap_err();
        assert!(err.to_string().contains("verbatim"), "the message says what to do: {err}");
    }

    #[test]
    fn secret_debug_is_redacted() {
        let shown = format!("{:?}", Secret::new(SECRET.as_bytes().to_vec()));
        assert!(!shown.contains(SECRET));
    }
}
