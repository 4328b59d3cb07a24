//! Which algorithm signs (`JWT_ALGORITHM`) and the keys of the asymmetric ones
//! (ES256, RS256): where the private key is (`JWT_SIGNING_KEY_SECRET`), the
//! secret's own format, and the public keys a verifier accepts or an issuer
//! keeps publishing (`JWT_PUBLIC_KEYS`).
//!
//! None of these messages ever quotes a key: a private key pasted into the
//! wrong variable must not end up in a log.

use serde::{Deserialize, Serialize};

use super::{ConfigError, JWT_ALGORITHM, JWT_PUBLIC_KEYS, JWT_SIGNING_KEY_SECRET, KID_EXPECTED, Lookup, is_valid_kid};
use crate::config::optional;
use crate::token::{Algorithm, Jwks, PrivateKey, TokenError, VerifyingKey};

const ALGORITHM_EXPECTED: &str = "HS256 (the default: one shared secret), ES256 (ECDSA P-256: a private key \
     signs, public keys verify) or RS256 (the same with RSA keys, for API Gateway's own JWT authorizer)";
const SECRET_ID_EXPECTED: &str = "the name or ARN of the Secrets Manager secret holding \
     {\"kid\": \"<key id>\", \"private_key\": \"<PKCS#8 PEM of a P-256 key (ES256) or an RSA key (RS256)>\"}";
const PUBLIC_KEYS_EXPECTED: &str = "a JWK Set of public keys of JWT_ALGORITHM's type, {\"keys\": [{\"kty\":\"EC\",\
     \"crv\":\"P-256\",\"x\":…,\"y\":…,\"kid\":…}, …]} for ES256, {\"keys\": [{\"kty\":\"RSA\",\"n\":…,\"e\":…,\
     \"kid\":…}, …]} (2048 to 8192 bits) for RS256, each kid unique, no private part (d, p, q, dp, dq, qi)";
pub const SIGNING_KEY_SECRET_EXPECTED: &str = "a JSON object {\"kid\": \"<key id: 1-64 letters, digits, '.', '_' \
     or '-'>\", \"private_key\": \"<PKCS#8 PEM, as openssl genpkey writes it, of a P-256 key for ES256 or an RSA \
     key of 2048 to 4096 bits for RS256>\"}";

/// The members of a private JWK (RFC 7518 §6.2.2, §6.3.2, §6.4.1): any of
/// them where public keys belong is a leaked private key.
const PRIVATE_JWK_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// `JWT_ALGORITHM`: HS256 when unset. The names are JOSE's; case is forgiven
/// here (a typo's case is not a security decision), nothing else is.
pub fn algorithm(lookup: Lookup<'_>) -> Result<Algorithm, ConfigError> {
    let Some(text) = optional(lookup, JWT_ALGORITHM) else {
        return Ok(Algorithm::Hs256);
    };
    match Algorithm::from_name(&text.to_ascii_uppercase()) {
        Some(algorithm) => Ok(algorithm),
        None => Err(ConfigError::invalid(JWT_ALGORITHM, Some(&text), "not a supported algorithm", ALGORITHM_EXPECTED)),
    }
}

/// `JWT_SIGNING_KEY_SECRET`: a secret's name or ARN (not secret itself, so it
/// may be shown).
pub fn signing_key_secret_id(lookup: Lookup<'_>) -> Result<String, ConfigError> {
    let id = optional(lookup, JWT_SIGNING_KEY_SECRET)
        .ok_or(ConfigError::missing(JWT_SIGNING_KEY_SECRET, SECRET_ID_EXPECTED))?;
    if id.len() > 2048 || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigError::invalid(
            JWT_SIGNING_KEY_SECRET,
            Some(&id),
            "not a secret name or ARN",
            SECRET_ID_EXPECTED,
        ));
    }
    Ok(id)
}

/// `JWT_PUBLIC_KEYS`: every key valid and of `algorithm` (a verifier pinned to
/// one algorithm accepts no other, even by kid), kids valid and unique.
/// `required`: the verifier's whole key set (then an unset or empty set is
/// refused); otherwise the issuer's previous keys, `{"keys":[]}` when unset.
pub fn public_keys(lookup: Lookup<'_>, algorithm: Algorithm, required: bool) -> Result<Jwks, ConfigError> {
    let invalid = |why: &str| ConfigError::invalid(JWT_PUBLIC_KEYS, None, why, PUBLIC_KEYS_EXPECTED);
    let Some(text) = optional(lookup, JWT_PUBLIC_KEYS) else {
        return if required {
            Err(ConfigError::missing(JWT_PUBLIC_KEYS, PUBLIC_KEYS_EXPECTED))
        } else {
            Ok(Jwks::default())
        };
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| invalid("not JSON"))?;
    // A private JWK would otherwise be "an unknown field"; say what it is.
    let keys = value.get("keys").and_then(serde_json::Value::as_array);
    let private = |key: &serde_json::Value| PRIVATE_JWK_MEMBERS.iter().any(|member| key.get(member).is_some());
    if keys.is_some_and(|keys| keys.iter().any(private)) {
        return Err(invalid("holds a private key (a JWK with d, p, q, dp, dq, qi or k): only public keys belong here"));
    }
    let jwks: Jwks = serde_json::from_value(value).map_err(|_| invalid("not a JWK Set of EC or RSA public keys"))?;
    if required && jwks.keys.is_empty() {
        return Err(invalid("holds no key, so no token could verify"));
    }
    for (i, jwk) in jwks.keys.iter().enumerate() {
        if !is_valid_kid(&jwk.kid) {
            return Err(invalid(&format!("the kid {:?} is not valid ({KID_EXPECTED})", jwk.kid)));
        }
        if jwks.keys[..i].iter().any(|earlier| earlier.kid == jwk.kid) {
            return Err(invalid(&format!("the kid {:?} appears twice", jwk.kid)));
        }
        if jwk.algorithm() != Some(algorithm) {
            let why =
                format!("the key {:?} is not an {algorithm} key (kty {:?}), as JWT_ALGORITHM says", jwk.kid, jwk.kty);
            return Err(invalid(&why));
        }
        jwk.verifying_key().map_err(|err| {
            let kind = if algorithm == Algorithm::Es256 { "a P-256" } else { "an RSA" };
            let why = match err {
                TokenError::WeakKey => format!("the key {:?} is an RSA key under 2048 bits", jwk.kid),
                _ => format!("the key {:?} is not {kind} public key", jwk.kid),
            };
            invalid(&why)
        })?;
    }
    Ok(jwks)
}

/// What an issuer publishes: its own public key first, then the previous ones.
/// A previous key under the signer's kid must be the same key (it is then
/// listed once): two keys under one kid would make verifiers pick either.
pub fn published_keys(own: &VerifyingKey, previous: &Jwks) -> Result<Jwks, ConfigError> {
    let own_jwk = own.jwk().ok_or_else(|| {
        ConfigError::invalid(JWT_ALGORITHM, None, "an HS256 key has no public half", ALGORITHM_EXPECTED)
    })?;
    let mut keys = vec![own_jwk.clone()];
    for jwk in &previous.keys {
        if jwk.kid != own_jwk.kid {
            keys.push(jwk.clone());
        } else if !same_public_key(jwk, &own_jwk) {
            let why = format!("the kid {:?} is the signing key's, but the key is different", jwk.kid);
            return Err(ConfigError::invalid(JWT_PUBLIC_KEYS, None, &why, PUBLIC_KEYS_EXPECTED));
        }
    }
    Ok(Jwks { keys })
}

/// Whether a configured JWK is the key `own` publishes: compared as read
/// (leading zeros dropped, `alg` and `use` as written), not as text.
fn same_public_key(jwk: &crate::token::Jwk, own: &crate::token::Jwk) -> bool {
    jwk.verifying_key().ok().and_then(|key| key.jwk()).is_some_and(|read| &read == own)
}

/// The Secrets Manager secret (and the local API's key file): the kid and the
/// private key travel together, so a rotated secret and its kid always agree.
/// The key's type says its algorithm, which must be `JWT_ALGORITHM`'s
/// ([`SigningKeySecret::require_algorithm`]).
pub struct SigningKeySecret {
    pub kid: String,
    pub key: PrivateKey,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretJson<'a> {
    kid: &'a str,
    private_key: String,
}

impl SigningKeySecret {
    /// Reads the secret's text; errors name `JWT_SIGNING_KEY_SECRET` and never
    /// quote the text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let invalid = |why: &str| ConfigError::invalid(JWT_SIGNING_KEY_SECRET, None, why, SIGNING_KEY_SECRET_EXPECTED);
        let json: SecretJson = serde_json::from_str(text)
            .map_err(|_| invalid("its value is not a JSON object with exactly kid and private_key"))?;
        if !is_valid_kid(json.kid) {
            return Err(invalid(&format!("its kid {:?} is not valid ({KID_EXPECTED})", json.kid)));
        }
        let key = PrivateKey::from_text(&json.private_key).map_err(|err| match err {
            TokenError::WeakKey => invalid("its private_key is an RSA key under 2048 bits (or exponent under 65537)"),
            _ => invalid("its private_key is not a PKCS#8 P-256 or RSA private key"),
        })?;
        Ok(Self { kid: json.kid.to_string(), key })
    }

    /// Refuses a key of another algorithm than `JWT_ALGORITHM`'s: an RSA key
    /// in an ES256 deployment (or the reverse) would sign tokens no verifier
    /// of that deployment accepts.
    pub fn require_algorithm(&self, algorithm: Algorithm) -> Result<(), ConfigError> {
        let found = self.key.algorithm();
        if found == algorithm {
            return Ok(());
        }
        let name = |alg: Algorithm| if alg == Algorithm::Rs256 { "an RSA key (RS256)" } else { "a P-256 key (ES256)" };
        let why = format!("its private_key is {}, but JWT_ALGORITHM is {algorithm}", name(found));
        Err(ConfigError::invalid(JWT_SIGNING_KEY_SECRET, None, &why, SIGNING_KEY_SECRET_EXPECTED))
    }

    /// The same JSON [`SigningKeySecret::parse`] reads, the key as PEM.
    pub fn to_json(&self) -> String {
        let json = SecretJson { kid: &self.kid, private_key: self.key.to_pem() };
        serde_json::to_string(&json).unwrap_or_default()
    }
}

/// Never the key.
impl std::fmt::Debug for SigningKeySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeySecret").field("kid", &self.kid).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
