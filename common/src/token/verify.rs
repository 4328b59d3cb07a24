//! Verifying tokens, for `check-token`.

use std::borrow::Cow;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer};

use super::claims::{Claims, decode_claims, is_json_object};
use super::keys::{Algorithm, KeySet, VerifyingKey};
use super::{MAX_TOKEN_BYTES, TokenError};
use crate::config::{KeyMaterial, TokenAudience, VerifierConfig, VerifierKeys};
use crate::user::validate_role;

/// The only header this service accepts. `deny_unknown_fields` is the point.
/// The values borrow from the decoded header unless they contain escapes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StrictHeader<'a> {
    #[serde(borrow)]
    pub alg: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "optional_cow")]
    pub typ: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "optional_cow")]
    pub kid: Option<Cow<'a, str>>,
}

/// `Option<Cow<str>>` that borrows when it can (serde's own impl always copies).
fn optional_cow<'de: 'a, 'a, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    #[derive(Deserialize)]
    struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);
    Ok(Option::<Borrowed<'a>>::deserialize(deserializer)?.map(|b| b.0))
}

/// Verifies tokens against the current and previous keys. Built once at cold start.
///
/// Each step reads the token once: the header is decoded and checked, the
/// signature is checked with the pre-keyed key the header names, and only
/// then are the claims decoded, once, into [`Claims`].
pub struct TokenVerifier {
    keys: KeySet,
    issuer: String,
    audience: String,
    leeway_secs: u64,
}

impl TokenVerifier {
    /// The verifier `check-token` configures from its environment: HS256
    /// secrets, or ES256 or RS256 public keys (the first of the JWK Set is the
    /// current one).
    pub fn new(config: &VerifierConfig) -> Result<Self, TokenError> {
        let keys = match &config.keys {
            VerifierKeys::Hs256 { current, previous } => {
                let hs256 = |k: &KeyMaterial| VerifyingKey::hs256(k.kid.as_str(), k.secret.expose());
                let previous = previous.iter().map(hs256).collect::<Result<Vec<_>, _>>()?;
                KeySet::new(hs256(current)?, previous)
            }
            VerifierKeys::Es256(jwks) | VerifierKeys::Rs256(jwks) => {
                let mut keys = jwks.verifying_keys()?.into_iter();
                let current = keys.next().ok_or(TokenError::InvalidKey)?;
                KeySet::new(current, keys)
            }
        };
        Ok(Self::with_keys(keys, &config.names, config.leeway))
    }

    /// A verifier accepting any [`KeySet`], whatever the algorithms of its keys.
    pub fn with_keys(keys: KeySet, names: &TokenAudience, leeway: Duration) -> Self {
        Self { keys, issuer: names.issuer.clone(), audience: names.audience.clone(), leeway_secs: leeway.as_secs() }
    }

    /// The keys it accepts, for a JWKS endpoint ([`KeySet::jwks`]).
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    pub fn verify(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong);
        }
        let (header, payload, signature) = compact_parts(token).ok_or(TokenError::Malformed)?;
        let key = self.key_for(header)?;
        // The signed message is `header.payload`, the token up to its last dot.
        let message = &token[..header.len() + 1 + payload.len()];
        verify_signature(key, message, signature)?;
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

    /// Reads the header strictly and picks the key its `kid` names, which must
    /// be a key for the header's `alg`. An unknown kid is refused without
    /// trying the other keys.
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
        // An algorithm this service does not implement is refused before
        // anything else in the header is read, whatever key it names.
        if Algorithm::from_name(&header.alg).is_none() {
            return Err(TokenError::WrongAlgorithm);
        }
        if header.typ.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("JWT")) {
            return Err(TokenError::BadHeader);
        }
        let key = self.keys.resolve(&header.alg, header.kid.as_deref())?;
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

/// Signatures this long (HS256's 32 bytes, ES256's 64) decode on the stack;
/// RS256's, 256 bytes and more, on the heap, which costs nothing next to the
/// RSA verification. Zeroing a buffer for the largest (1 KiB) on every HS256
/// token would not.
const STACK_SIGNATURE_BYTES: usize = 64;

/// Decodes the signature and has the key check it. A signature that is not
/// base64url is malformed; one of the wrong length simply does not verify.
fn verify_signature(key: &VerifyingKey, message: &str, signature: &str) -> Result<(), TokenError> {
    if signature.len() <= (STACK_SIGNATURE_BYTES * 4).div_ceil(3) {
        let mut buffer = [0u8; STACK_SIGNATURE_BYTES];
        let n = URL_SAFE_NO_PAD.decode_slice(signature, &mut buffer).map_err(|_| TokenError::Malformed)?;
        return key.verify(message.as_bytes(), &buffer[..n]);
    }
    let decoded = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
    key.verify(message.as_bytes(), &decoded)
}
