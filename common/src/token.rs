//! HS256 JWTs: issue for `authenticate`, verify for `check-token`.
//!
//! Verification is deliberately narrower than the JWT spec allows: the header
//! may carry only `alg` (which must be HS256), `typ` and `kid`, so header
//! parameters that tell a verifier where to fetch keys (`jku`, `x5u`, `jwk`) or
//! extensions it must understand (`crit`) are refused outright rather than ignored.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{IssuerConfig, KeyMaterial, VerifierConfig};

/// Longer tokens are refused before any decoding; ours are well under 1 KiB.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// `aud` may be a string or an array of strings (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
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
    key: EncodingKey,
    header: Header,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl TokenIssuer {
    pub fn new(config: &IssuerConfig) -> Result<Self, TokenError> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(config.key.kid.clone());
        Ok(Self {
            key: EncodingKey::from_secret(config.key.secret.expose()).map_err(|_| TokenError::EmptyKey)?,
            header,
            issuer: config.names.issuer.clone(),
            audience: config.names.audience.clone(),
            ttl_secs: config.ttl.as_secs(),
        })
    }

    pub fn issue(&self, subject: Subject<'_>, now: u64) -> Result<IssuedToken, TokenError> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: Audience::One(self.audience.clone()),
            sub: subject.user_id.to_string(),
            username: subject.username.to_string(),
            roles: subject.roles.to_vec(),
            iat: now,
            nbf: now,
            exp: now.saturating_add(self.ttl_secs),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let access_token = jsonwebtoken::encode(&self.header, &claims, &self.key).map_err(|_| TokenError::Signing)?;
        Ok(IssuedToken { access_token, expires_in: self.ttl_secs })
    }
}

/// The only header this service accepts. `deny_unknown_fields` is the point.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrictHeader {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    kid: Option<String>,
}

/// Verifies tokens against the current and previous keys. Built once at cold start.
pub struct TokenVerifier {
    current_kid: String,
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
    leeway_secs: u64,
}

impl TokenVerifier {
    pub fn new(config: &VerifierConfig) -> Result<Self, TokenError> {
        let decoding = |k: &KeyMaterial| {
            let key = DecodingKey::from_secret(k.secret.expose()).map_err(|_| TokenError::EmptyKey)?;
            Ok((k.kid.clone(), key))
        };
        let keys = std::iter::once(&config.current)
            .chain(&config.previous)
            .map(decoding)
            .collect::<Result<_, TokenError>>()?;

        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.names.issuer]);
        validation.set_audience(&[&config.names.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        // Time claims are checked in `check_times` against an injected clock,
        // so tests (and the local API) control "now".
        validation.validate_exp = false;
        validation.validate_nbf = false;

        Ok(Self { current_kid: config.current.kid.clone(), keys, validation, leeway_secs: config.leeway.as_secs() })
    }

    pub fn verify(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong);
        }
        let well_formed = token.split('.').count() == 3
            && token.split('.').all(|part| !part.is_empty())
            && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if !well_formed {
            return Err(TokenError::Malformed);
        }
        let key = self.key_for(token)?;
        let claims =
            jsonwebtoken::decode::<Claims>(token, key, &self.validation).map_err(|e| map_jwt_error(e.kind()))?.claims;
        self.check_times(&claims, now)?;
        Ok(claims)
    }

    /// Reads the header strictly and picks the key its `kid` names. An unknown
    /// kid is refused without trying the other keys.
    fn key_for(&self, token: &str) -> Result<&DecodingKey, TokenError> {
        let encoded = token.split('.').next().unwrap_or_default();
        let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| TokenError::Malformed)?;
        let header: StrictHeader = serde_json::from_slice(&bytes).map_err(|_| TokenError::BadHeader)?;
        if header.alg != "HS256" {
            return Err(TokenError::WrongAlgorithm);
        }
        if header.typ.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("JWT")) {
            return Err(TokenError::BadHeader);
        }
        let kid = header.kid.as_deref().unwrap_or(&self.current_kid);
        self.keys.get(kid).ok_or(TokenError::UnknownKey)
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

fn map_jwt_error(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => TokenError::WrongAlgorithm,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAudience => TokenError::WrongAudience,
        ErrorKind::MissingRequiredClaim(_) | ErrorKind::InvalidClaimFormat(_) | ErrorKind::Json(_) => {
            TokenError::InvalidClaims
        }
        ErrorKind::ExpiredSignature => TokenError::Expired,
        ErrorKind::ImmatureSignature => TokenError::NotYetValid,
        _ => TokenError::Malformed,
    }
}

#[cfg(test)]
mod tests;
