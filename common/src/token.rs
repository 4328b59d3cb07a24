//! HS256 JWTs: issue for `authenticate`, verify for `check-token`.
//!
//! Verification is deliberately narrower than the JWT spec allows: the header
//! may carry only `alg` (which must be HS256), `typ` and `kid`, so header
//! parameters that tell a verifier where to fetch keys (`jku`, `x5u`, `jwk`) or
//! extensions it must understand (`crit`) are refused outright rather than ignored.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::{IssuerConfig, KeyMaterial, VerifierConfig};
use crate::user::validate_role;

// The tests forge tokens with jsonwebtoken, an independent implementation.
#[cfg(test)]
use jsonwebtoken::{Algorithm, EncodingKey, Header};

type HmacSha256 = Hmac<Sha256>;

/// Longer tokens are refused before any decoding; ours are well under 1 KiB.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// `aud` may be a string or an array of strings (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, audience: &str) -> bool {
        match self {
            Self::One(one) => one == audience,
            Self::Many(many) => many.iter().any(|a| a == audience),
        }
    }
}

/// Accepts exactly what `#[serde(untagged)]` would (a string, or an array of
/// strings), without buffering the value first to try each variant in turn.
impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AudienceVisitor;

        impl<'de> Visitor<'de> for AudienceVisitor {
            type Value = Audience;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an array of strings")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Audience, E> {
                Ok(Audience::One(value.to_owned()))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<Audience, E> {
                Ok(Audience::One(value))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Audience, A::Error> {
                let mut many = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
                while let Some(one) = seq.next_element::<String>()? {
                    many.push(one);
                }
                Ok(Audience::Many(many))
            }
        }

        deserializer.deserialize_any(AudienceVisitor)
    }
}

/// The claims of every token this service issues, and all of them are required on verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: Audience,
    /// The user's `user_id`, stable across renames.
    pub sub: String,
    pub username: String,
    pub roles: Vec<String>,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
}

/// Why a token was refused. The messages are safe to log: they never contain the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token longer than {MAX_TOKEN_BYTES} bytes")]
    TooLong,
    #[error("token is not a compact JWS (three base64url parts)")]
    Malformed,
    #[error("token header is not JSON or has parameters other than alg, typ and kid")]
    BadHeader,
    #[error("token algorithm is not HS256")]
    WrongAlgorithm,
    #[error("token names a key id that is not configured")]
    UnknownKey,
    #[error("token signature does not verify")]
    BadSignature,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet (nbf)")]
    NotYetValid,
    #[error("token was issued in the future (iat)")]
    IssuedInFuture,
    #[error("token issuer is not accepted")]
    WrongIssuer,
    #[error("token audience is not accepted")]
    WrongAudience,
    #[error("token claims are missing or of the wrong type")]
    InvalidClaims,
    #[error("token could not be signed")]
    Signing,
    #[error("a configured signing key is empty")]
    EmptyKey,
}

/// What the caller of [`TokenIssuer::issue`] is.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub user_id: &'a str,
    pub username: &'a str,
    pub roles: &'a [String],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub access_token: String,
    /// Seconds until `exp`, as OAuth 2.0's `expires_in`.
    pub expires_in: u64,
}

/// Signs tokens with the current key. Built once at cold start.
pub struct TokenIssuer {
    /// HMAC-SHA256 already keyed: each token clones it instead of re-deriving the pads.
    mac: HmacSha256,
    /// `base64url(header).`, the same for every token this issuer signs.
    header_prefix: String,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

/// The header every token carries, in jsonwebtoken's field order so tokens
/// are byte-for-byte what that crate produced for the same claims.
#[derive(Serialize)]
struct IssuedHeader<'a> {
    typ: &'static str,
    alg: &'static str,
    kid: &'a str,
}

/// [`Claims`] borrowed from the issuer and the subject, serialised in the same
/// field order.
#[derive(Serialize)]
struct IssuedClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    username: &'a str,
    roles: &'a [String],
    iat: u64,
    nbf: u64,
    exp: u64,
    jti: &'a str,
}

fn keyed_mac(secret: &[u8]) -> Result<HmacSha256, TokenError> {
    if secret.is_empty() {
        return Err(TokenError::EmptyKey);
    }
    HmacSha256::new_from_slice(secret).map_err(|_| TokenError::EmptyKey)
}

impl TokenIssuer {
    pub fn new(config: &IssuerConfig) -> Result<Self, TokenError> {
        let header = IssuedHeader { typ: "JWT", alg: "HS256", kid: &config.key.kid };
        let header = serde_json::to_vec(&header).map_err(|_| TokenError::Signing)?;
        let mut header_prefix = URL_SAFE_NO_PAD.encode(header);
        header_prefix.push('.');
        Ok(Self {
            mac: keyed_mac(config.key.secret.expose())?,
            header_prefix,
            issuer: config.names.issuer.clone(),
            audience: config.names.audience.clone(),
            ttl_secs: config.ttl.as_secs(),
        })
    }

    pub fn issue(&self, subject: Subject<'_>, now: u64) -> Result<IssuedToken, TokenError> {
        let mut jti = uuid::Uuid::encode_buffer();
        let claims = IssuedClaims {
            iss: &self.issuer,
            aud: &self.audience,
            sub: subject.user_id,
            username: subject.username,
            roles: subject.roles,
            iat: now,
            nbf: now,
            exp: now.saturating_add(self.ttl_secs),
            jti: uuid::Uuid::new_v4().hyphenated().encode_lower(&mut jti),
        };
        let claims = serde_json::to_vec(&claims).map_err(|_| TokenError::Signing)?;
        // header. + payload + . + 43 characters of signature
        let mut access_token = String::with_capacity(self.header_prefix.len() + claims.len().div_ceil(3) * 4 + 44);
        access_token.push_str(&self.header_prefix);
        URL_SAFE_NO_PAD.encode_string(&claims, &mut access_token);
        let mut mac = self.mac.clone();
        mac.update(access_token.as_bytes());
        access_token.push('.');
        URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut access_token);
        Ok(IssuedToken { access_token, expires_in: self.ttl_secs })
    }
}

/// The only header this service accepts. `deny_unknown_fields` is the point.
/// The values borrow from the decoded header unless they contain escapes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrictHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "optional_cow")]
    typ: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "optional_cow")]
    kid: Option<Cow<'a, str>>,
}

/// `Option<Cow<str>>` that borrows when it can (serde's own impl always copies).
fn optional_cow<'de: 'a, 'a, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    #[derive(Deserialize)]
    struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);
    Ok(Option::<Borrowed<'a>>::deserialize(deserializer)?.map(|b| b.0))
}

/// One verification key, keyed once at cold start.
struct VerifyingKey {
    kid: String,
    mac: HmacSha256,
}

/// Verifies tokens against the current and previous keys. Built once at cold start.
///
/// Each step reads the token once: the header is decoded and checked, the
/// signature is checked with the pre-keyed HMAC of the key the header names,
/// and only then are the claims decoded, once, into [`Claims`].
pub struct TokenVerifier {
    current_kid: String,
    /// The current key first, then the previous ones; a handful at most.
    keys: Vec<VerifyingKey>,
    issuer: String,
    audience: String,
    leeway_secs: u64,
}

impl TokenVerifier {
    pub fn new(config: &VerifierConfig) -> Result<Self, TokenError> {
        let verifying = |k: &KeyMaterial| Ok(VerifyingKey { kid: k.kid.clone(), mac: keyed_mac(k.secret.expose())? });
        let keys = std::iter::once(&config.current)
            .chain(&config.previous)
            .map(verifying)
            .collect::<Result<_, TokenError>>()?;
        Ok(Self {
            current_kid: config.current.kid.clone(),
            keys,
            issuer: config.names.issuer.clone(),
            audience: config.names.audience.clone(),
            leeway_secs: config.leeway.as_secs(),
        })
    }

    pub fn verify(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong);
        }
        let (header, payload, signature) = compact_parts(token).ok_or(TokenError::Malformed)?;
        let key = self.key_for(header)?;
        // The signed message is `header.payload`, the token up to its last dot.
        let message = &token[..header.len() + 1 + payload.len()];
        verify_signature(&key.mac, message, signature)?;
        let claims = decode_claims(payload)?;
        if claims.iss != self.issuer {
            return Err(TokenError::WrongIssuer);
        }
        if !claims.aud.contains(&self.audience) {
            return Err(TokenError::WrongAudience);
        }
        self.check_times(&claims, now)?;
        // A role with a comma would become two roles in the authorizer context,
        // so a role that could never have been issued is refused, signed or not.
        if claims.roles.iter().any(|role| validate_role(role).is_err()) {
            return Err(TokenError::InvalidClaims);
        }
        Ok(claims)
    }

    /// Reads the header strictly and picks the key its `kid` names. An unknown
    /// kid is refused without trying the other keys.
    fn key_for(&self, encoded: &str) -> Result<&VerifyingKey, TokenError> {
        // Ours is 52 characters; a header this size decodes on the stack.
        let mut buffer = [0u8; 192];
        let heap;
        let bytes = if encoded.len() <= 256 {
            let n = URL_SAFE_NO_PAD.decode_slice(encoded, &mut buffer).map_err(|_| TokenError::Malformed)?;
            &buffer[..n]
        } else {
            heap = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| TokenError::Malformed)?;
            &heap[..]
        };
        let header: StrictHeader = serde_json::from_slice(bytes).map_err(|_| TokenError::BadHeader)?;
        if header.alg != "HS256" {
            return Err(TokenError::WrongAlgorithm);
        }
        if header.typ.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("JWT")) {
            return Err(TokenError::BadHeader);
        }
        let kid = header.kid.as_deref().unwrap_or(&self.current_kid);
        // Searched from the end, so a kid configured twice resolves to the last
        // one, as the map this replaced did.
        let key = self.keys.iter().rev().find(|k| k.kid == kid).ok_or(TokenError::UnknownKey)?;
        // serde also reads a struct from an array (`["HS256"]`); the header must
        // be an object. Refused as InvalidClaims, the reason the jsonwebtoken
        // implementation this replaced gave at this point.
        if !is_json_object(bytes) {
            return Err(TokenError::InvalidClaims);
        }
        Ok(key)
    }

    fn check_times(&self, claims: &Claims, now: u64) -> Result<(), TokenError> {
        let leeway = self.leeway_secs;
        // RFC 7519 §4.1.4: valid only while now is before exp.
        if now >= claims.exp.saturating_add(leeway) {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now.saturating_add(leeway) {
            return Err(TokenError::NotYetValid);
        }
        if claims.iat > now.saturating_add(leeway) {
            return Err(TokenError::IssuedInFuture);
        }
        Ok(())
    }
}

/// The three non-empty base64url parts of a compact JWS, or `None`.
fn compact_parts(token: &str) -> Option<(&str, &str, &str)> {
    // Branch-free per byte (`|`, not `||`), so the check over the whole token vectorises.
    let base64url_or_dot = |b: u8| {
        b.is_ascii_digit() | b.is_ascii_uppercase() | b.is_ascii_lowercase() | (b == b'-') | (b == b'_') | (b == b'.')
    };
    if !token.bytes().fold(true, |ok, b| ok & base64url_or_dot(b)) {
        return None;
    }
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || header.is_empty() || payload.is_empty() || signature.is_empty() {
        return None;
    }
    Some((header, payload, signature))
}

/// Checks the HMAC in constant time. A signature that is not base64url is
/// malformed; one of the wrong length simply does not verify.
fn verify_signature(key: &HmacSha256, message: &str, signature: &str) -> Result<(), TokenError> {
    // 84 characters decode to at most 63 bytes; ours are 43 (32 bytes).
    let mut buffer = [0u8; 64];
    let decoded = if signature.len() <= 84 {
        let n = URL_SAFE_NO_PAD.decode_slice(signature, &mut buffer).map_err(|_| TokenError::Malformed)?;
        &buffer[..n]
    } else {
        URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
        return Err(TokenError::BadSignature);
    };
    let mut mac = key.clone();
    mac.update(message.as_bytes());
    mac.verify_slice(decoded).map_err(|_| TokenError::BadSignature)
}

/// Every claim, with the right types and no key twice, in a JSON object (not
/// the array form serde would also read into a struct); anything else is `InvalidClaims`.
fn decode_claims(payload: &str) -> Result<Claims, TokenError> {
    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenError::Malformed)?;
    if !is_json_object(&bytes) {
        return Err(TokenError::InvalidClaims);
    }
    serde_json::from_slice(&bytes).map_err(|_| TokenError::InvalidClaims)
}

/// Whether JSON text starts with `{` (after JSON whitespace).
fn is_json_object(json: &[u8]) -> bool {
    json.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) == Some(&b'{')
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod equivalence;
