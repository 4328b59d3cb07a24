//! Issuing tokens, for `authenticate`.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::TokenError;
use super::claims::IssuedClaims;
use super::keys::SigningKey;
use crate::config::{IssuerConfig, IssuerKey, TokenAudience};

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
    key: SigningKey,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl TokenIssuer {
    /// The HS256 issuer `authenticate` configures from its environment. An
    /// ES256 or RS256 configuration only says where its private key is: read
    /// it, then use [`TokenIssuer::with_key`] (`InvalidKey` here).
    pub fn new(config: &IssuerConfig) -> Result<Self, TokenError> {
        let IssuerKey::Hs256(key) = &config.key else {
            return Err(TokenError::InvalidKey);
        };
        let key = SigningKey::hs256(key.kid.as_str(), key.secret.expose())?;
        Ok(Self::with_key(key, &config.names, config.ttl))
    }

    /// An issuer signing with any [`SigningKey`], whatever its algorithm.
    pub fn with_key(key: SigningKey, names: &TokenAudience, ttl: Duration) -> Self {
        Self { key, issuer: names.issuer.clone(), audience: names.audience.clone(), ttl_secs: ttl.as_secs() }
    }

    /// The key that verifies this issuer's tokens (for a JWKS: its public half).
    pub fn verifying_key(&self) -> super::keys::VerifyingKey {
        self.key.verifying_key()
    }

    pub fn issue(&self, subject: Subject<'_>, now: u64) -> Result<IssuedToken, TokenError> {
        let mut jti = uuid::Uuid::encode_buffer();
        let scope = subject.roles.join(" ");
        let claims = IssuedClaims {
            iss: &self.issuer,
            aud: &self.audience,
            sub: subject.user_id,
            username: subject.username,
            roles: subject.roles,
            scope: &scope,
            iat: now,
            nbf: now,
            exp: now.saturating_add(self.ttl_secs),
            jti: uuid::Uuid::new_v4().hyphenated().encode_lower(&mut jti),
        };
        let claims = serde_json::to_vec(&claims).map_err(|_| TokenError::Signing)?;
        let header_prefix = self.key.header_prefix();
        // header. + payload + . + signature, allocated once
        let signature_chars = (self.key.signature_len() * 4).div_ceil(3);
        let mut access_token =
            String::with_capacity(header_prefix.len() + claims.len().div_ceil(3) * 4 + 1 + signature_chars);
        access_token.push_str(header_prefix);
        URL_SAFE_NO_PAD.encode_string(&claims, &mut access_token);
        let signature = self.key.sign(access_token.as_bytes())?;
        access_token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut access_token);
        Ok(IssuedToken { access_token, expires_in: self.ttl_secs })
    }
}
