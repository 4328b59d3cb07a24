//! The signing secret, its key id and the previous keys of a rotation.

use super::{
    ConfigError, JWT_KEY_ID, JWT_PREVIOUS_KEYS, JWT_SECRET, KeyMaterial, Lookup, MIN_DISTINCT_SECRET_BYTES,
    MIN_SECRET_BYTES, Secret, optional,
};
use std::fmt;

/// `JWT_SECRET` and `JWT_KEY_ID`: the key that signs (and verifies) tokens now.
pub fn signing_key(lookup: Lookup<'_>) -> Result<KeyMaterial, ConfigError> {
    const EXPECTED: &str =
        "an HMAC key of at least 32 bytes with at least 8 different byte values (e.g. 64 random hex characters)";
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

pub const KID_EXPECTED: &str = "1-64 characters: letters, digits, '.', '_' or '-'";

pub fn is_valid_kid(kid: &str) -> bool {
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
pub fn previous_keys(lookup: Lookup<'_>, current_kid: &str) -> Result<Vec<KeyMaterial>, ConfigError> {
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
    #[error(
        "not a JSON object of kid to secret strings (the format before was kid=base64: paste each old secret verbatim into a JSON object instead)"
    )]
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
