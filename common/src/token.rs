//! JWTs: issue for `authenticate`, verify for `check-token`.
//!
//! Verification is deliberately narrower than the JWT spec allows: the header
//! may carry only `alg`, `typ` and `kid`, so header parameters that tell a
//! verifier where to fetch keys (`jku`, `x5u`, `jwk`) or extensions it must
//! understand (`crit`) are refused outright rather than ignored. `alg` must be
//! the algorithm of the key `kid` names (HS256, the only one so far).
//!
//! - `claims`: what a token says, and how the verifier reads it;
//! - `keys`: [`Algorithm`], [`SigningKey`], [`VerifyingKey`] and [`KeySet`],
//!   where a new algorithm is added;
//! - `issue`: [`TokenIssuer`];
//! - `verify`: [`TokenVerifier`].

mod claims;
mod issue;
mod keys;
mod verify;

pub use claims::{Audience, Claims};
pub use issue::{IssuedToken, Subject, TokenIssuer};
pub use keys::{Algorithm, KeySet, MAX_SIGNATURE_BYTES, Signature, SigningKey, VerifyingKey};
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

#[cfg(test)]
mod tests;

#[cfg(test)]
mod equivalence;
