//! The claims every token carries, and how the verifier reads them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::TokenError;

/// `aud` may be a string or an array of strings (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub(super) fn contains(&self, audience: &str) -> bool {
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
    /// The roles space-separated, for API Gateway's JWT authorizer; our own
    /// verifier reads `roles`. Optional on reading, so tokens issued before
    /// the claim existed still verify until they expire.
    #[serde(default)]
    pub scope: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
}

/// [`Claims`] borrowed from the issuer and the subject, serialised in the same
/// field order.
#[derive(Serialize)]
pub(super) struct IssuedClaims<'a> {
    pub iss: &'a str,
    pub aud: &'a str,
    pub sub: &'a str,
    pub username: &'a str,
    pub roles: &'a [String],
    /// The roles joined by single spaces (roles hold no space), as OAuth's
    /// `scope`: what API Gateway's built-in JWT authorizer matches a route's
    /// `authorizationScopes` against.
    pub scope: &'a str,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: &'a str,
}

/// Every claim, with the right types and no key twice, in a JSON object (not
/// the array form serde would also read into a struct); anything else is `InvalidClaims`.
pub(super) fn decode_claims(payload: &str) -> Result<Claims, TokenError> {
    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenError::Malformed)?;
    if !is_json_object(&bytes) {
        return Err(TokenError::InvalidClaims);
    }
    serde_json::from_slice(&bytes).map_err(|_| TokenError::InvalidClaims)
}

/// Whether JSON text starts with `{` (after JSON whitespace).
pub(super) fn is_json_object(json: &[u8]) -> bool {
    json.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) == Some(&b'{')
}
