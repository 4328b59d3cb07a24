//! JWTs: issue for `authenticate`, verify for `check-token`.
//!
//! Verification is deliberately narrower than the JWT spec allows: the header
//! may carry only `alg`, `typ` and `kid`, so header parameters that tell a
//! verifier where to fetch keys (`jku`, `x5u`, `jwk`) or extensions it must
//! understand (`crit`) are refused outright rather than ignored. `alg` must be
//! the algorithm of the key `kid` names: HS256 (a shared secret), ES256
//! (ECDSA P-256) or RS256 (RSA, which API Gateway's JWT authorizer needs);
//! with either of the last two check-token holds only public keys.
//!
//! - `claims`: what a token says, and how the verifier reads it;
//! - `keys`: [`Algorithm`], [`SigningKey`], [`VerifyingKey`] and [`KeySet`],
//!   where a new algorithm is added;
//! - `es256`: ES256's key formats and crypto ([`Es256PrivateKey`]);
//! - `rs256`: RS256's ([`Rs256PrivateKey`]); `pkcs8`: the PEM both read;
//! - `private_key`: either, as a signing-key secret holds it ([`PrivateKey`]);
//! - `jwk`: public keys as JWKs and the JWK Set ([`Jwk`], [`Jwks`]);
//! - `issue`: [`TokenIssuer`];
//! - `verify`: [`TokenVerifier`].

mod claims;
mod es256;
mod issue;
mod jwk;
mod keys;
mod pkcs8;
mod private_key;
mod rs256;
mod verify;

pub use claims::{Audience, Claims};
pub use es256::{ES256_POINT_BYTES, Es256PrivateKey};
pub use issue::{IssuedToken, Subject, TokenIssuer};
pub use jwk::{Jwk, Jwks};
pub use keys::{Algorithm, KeySet, MAX_SIGNATURE_BYTES, Signature, SigningKey, VerifyingKey};
pub use private_key::PrivateKey;
pub use rs256::{RSA_MAX_BITS, RSA_MIN_BITS, Rs256PrivateKey};
pub use verify::TokenVerifier;

/// Longer tokens are refused before any decoding; ours are well under 1 KiB.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Why a token was refused. The messages are safe to log: they never contain the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token longer than {MAX_TOKEN_BYTES} bytes")]
    TooLong,
    #[error("token is not a compact JWS (three base64url parts)")]
    Malformed,
    #[error("token header is not JSON or has parameters other than alg, typ and kid")]
    BadHeader,
    #[error("token algorithm is not the algorithm of the key it names")]
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
    #[error("a configured key is not a valid key for its algorithm")]
    InvalidKey,
    #[error("a configured RSA key is too weak: its modulus is under 2048 bits (or its exponent under 65537)")]
    WeakKey,
    #[error("a key could not be generated")]
    KeyGeneration,
}

#[cfg(test)]
mod tests;

/// openssl's RSA keys, for the configuration's tests.
#[cfg(test)]
pub(crate) use rs256::tests as rs256_test_keys;

#[cfg(test)]
mod equivalence;
