//! Public keys as JSON Web Keys (RFC 7517, RFC 7518 §6): what `GET
//! /.well-known/jwks.json` serves, and a form a verifier can be configured from.
//!
//! Only public keys are ever written: an HS256 key is a shared secret and has
//! no JWK here, and a JWK carrying a private part (`d`; RSA's `p`, `q`, `dp`,
//! `dq`, `qi`) is refused on reading as an unknown field, so a private key
//! pasted where public keys belong does not go unnoticed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::TokenError;
use super::es256::PublicPoint;
use super::keys::{Algorithm, VerifyingKey};
use super::rs256::RsaPublicKey;

/// One public key, in the field order the JWKS endpoint serves:
/// `{"kty":"EC","crv":"P-256","x":…,"y":…,"kid":…,"alg":"ES256","use":"sig"}`
/// or `{"kty":"RSA","n":…,"e":…,"kid":…,"alg":"RS256","use":"sig"}`.
///
/// One struct for both key types rather than an enum tagged by `kty`, so the
/// fields of the other type are refused by name (an EC key with an `n` is not
/// an RSA key with an extra field) and `kid` is read the same way for both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jwk {
    /// `EC` or `RSA`.
    pub kty: String,
    /// EC only: `P-256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC only: base64url of the 32-byte big-endian coordinates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// RSA only: base64url of the modulus and the public exponent, big-endian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
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
            crv: Some("P-256".into()),
            x: Some(URL_SAFE_NO_PAD.encode(point.x())),
            y: Some(URL_SAFE_NO_PAD.encode(point.y())),
            n: None,
            e: None,
            kid: kid.into(),
            alg: Some(Algorithm::Es256.name().into()),
            key_use: Some("sig".into()),
        }
    }

    pub(super) fn rs256(kid: &str, public: &RsaPublicKey) -> Self {
        Self {
            kty: "RSA".into(),
            crv: None,
            x: None,
            y: None,
            n: Some(URL_SAFE_NO_PAD.encode(public.modulus())),
            e: Some(URL_SAFE_NO_PAD.encode(public.exponent())),
            kid: kid.into(),
            alg: Some(Algorithm::Rs256.name().into()),
            key_use: Some("sig".into()),
        }
    }

    /// The algorithm of the key this JWK describes, by its `kty` (`None` for
    /// any other type); [`Jwk::verifying_key`] checks the rest.
    pub fn algorithm(&self) -> Option<Algorithm> {
        match self.kty.as_str() {
            "EC" => Some(Algorithm::Es256),
            "RSA" => Some(Algorithm::Rs256),
            _ => None,
        }
    }

    /// The verifying key this JWK describes: `EC` on `P-256` with `x` and `y`
    /// (exactly 32 bytes each), or `RSA` with `n` (2048 to 8192 bits) and `e`,
    /// all in unpadded base64url, and no field of the other type. `alg` and
    /// `use`, when given, must be the key's algorithm and `sig`. An RSA
    /// modulus under 2048 bits is `WeakKey`; anything else wrong, `InvalidKey`.
    pub fn verifying_key(&self) -> Result<VerifyingKey, TokenError> {
        let algorithm = self.algorithm().ok_or(TokenError::InvalidKey)?;
        let named = |value: &Option<String>, expected: &str| value.as_deref().is_none_or(|v| v == expected);
        if !named(&self.alg, algorithm.name()) || !named(&self.key_use, "sig") {
            return Err(TokenError::InvalidKey);
        }
        let decode = |text: &Option<String>| {
            text.as_deref()
                .ok_or(TokenError::InvalidKey)
                .and_then(|t| URL_SAFE_NO_PAD.decode(t).map_err(|_| TokenError::InvalidKey))
        };
        match algorithm {
            Algorithm::Es256 if self.crv.as_deref() == Some("P-256") && self.n.is_none() && self.e.is_none() => {
                let point = PublicPoint::from_coordinates(&decode(&self.x)?, &decode(&self.y)?)?;
                Ok(VerifyingKey::from_es256_point(self.kid.clone(), point))
            }
            Algorithm::Rs256 if self.crv.is_none() && self.x.is_none() && self.y.is_none() => {
                let public = RsaPublicKey::from_components(&decode(&self.n)?, &decode(&self.e)?)?;
                Ok(VerifyingKey::from_rs256_public(self.kid.clone(), public))
            }
            _ => Err(TokenError::InvalidKey),
        }
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
