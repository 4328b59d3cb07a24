//! Public keys as JSON Web Keys (RFC 7517): what `GET /.well-known/jwks.json`
//! serves, and a form a verifier can be configured from.
//!
//! Only public keys are ever written: an HS256 key is a shared secret and has
//! no JWK here, and a JWK carrying a private part (`d`) is refused on reading,
//! so a private key pasted where public keys belong does not go unnoticed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::TokenError;
use super::es256::PublicPoint;
use super::keys::{Algorithm, VerifyingKey};

/// One public key, in the field order the JWKS endpoint serves:
/// `{"kty":"EC","crv":"P-256","x":…,"y":…,"kid":…,"alg":"ES256","use":"sig"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    /// base64url of the 32-byte big-endian coordinate.
    pub x: String,
    pub y: String,
    pub kid: String,
    /// Always written; optional on reading, but if present it must be the key's algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Always `sig` when written; optional on reading, but if present it must be `sig`.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
}

impl Jwk {
    pub(super) fn es256(kid: &str, point: &PublicPoint) -> Self {
        Self {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: URL_SAFE_NO_PAD.encode(point.x()),
            y: URL_SAFE_NO_PAD.encode(point.y()),
            kid: kid.into(),
            alg: Some(Algorithm::Es256.name().into()),
            key_use: Some("sig".into()),
        }
    }

    /// The verifying key this JWK describes. Only `EC` on `P-256`, for
    /// `ES256` and `sig` when those are given; `x` and `y` exactly 32 bytes
    /// each in unpadded base64url.
    pub fn verifying_key(&self) -> Result<VerifyingKey, TokenError> {
        let named = |value: &Option<String>, expected: &str| value.as_deref().is_none_or(|v| v == expected);
        if self.kty != "EC"
            || self.crv != "P-256"
            || !named(&self.alg, Algorithm::Es256.name())
            || !named(&self.key_use, "sig")
        {
            return Err(TokenError::InvalidKey);
        }
        let coordinate = |text: &str| URL_SAFE_NO_PAD.decode(text).map_err(|_| TokenError::InvalidKey);
        let point = PublicPoint::from_coordinates(&coordinate(&self.x)?, &coordinate(&self.y)?)?;
        Ok(VerifyingKey::from_es256_point(self.kid.clone(), point))
    }
}

/// A JWK Set: `{"keys":[…]}`, current key first. Empty for HS256.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Every key, in order; the first that is not a valid public key fails the whole set.
    pub fn verifying_keys(&self) -> Result<Vec<VerifyingKey>, TokenError> {
        self.keys.iter().map(Jwk::verifying_key).collect()
    }
}
