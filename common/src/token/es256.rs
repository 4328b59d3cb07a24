//! ES256: ECDSA on P-256 with SHA-256 (RFC 7518 §3.4), with `ring`.
//!
//! Why `ring` (BENCHMARKS.md, "ES256: the crypto crate and the algorithm"):
//! on this service's machine it signs in ~28 µs and verifies in ~79 µs, as
//! fast as aws-lc-rs and 3.6× faster than RustCrypto's pure-Rust `p256` at
//! verifying; it is not a TLS stack or an AWS crate (which `common` and
//! check-token must not link), and it cross-builds for arm64 with
//! cargo-lambda's zig.
//!
//! Formats:
//! - the private key is a **PKCS#8** document (what `openssl genpkey -algorithm
//!   EC -pkeyopt ec_paramgen_curve:P-256` writes, and what [`Es256PrivateKey::generate`]
//!   makes), given as PEM (`-----BEGIN PRIVATE KEY-----`) or as the base64 of
//!   its DER on one line; it holds the public key too, so the issuer can
//!   publish its own public half without any curve arithmetic;
//! - the public key is the uncompressed SEC1 point `0x04‖x‖y` (65 bytes: a
//!   JWK's `x` and `y`), or the same point in a SubjectPublicKeyInfo (91 bytes
//!   of DER, `openssl pkey -pubout -outform DER`);
//! - signatures are JOSE's raw `r‖s`, 64 bytes, never DER.

use std::fmt;

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};

use super::{TokenError, pkcs8};

/// An uncompressed SEC1 point: `0x04`, then x and y, 32 bytes each.
pub const ES256_POINT_BYTES: usize = 65;
/// `r‖s`, 32 bytes each.
pub(super) const SIGNATURE_BYTES: usize = 64;
const COORDINATE_BYTES: usize = 32;

/// The DER every P-256 SubjectPublicKeyInfo starts with (id-ecPublicKey,
/// prime256v1, a 66-byte BIT STRING with no unused bits); the point follows.
const SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The field prime of P-256, big-endian: a coordinate must be below it.
const FIELD_PRIME: [u8; COORDINATE_BYTES] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
];

/// An ES256 private key: a PKCS#8 document of a P-256 key pair, checked when
/// made. What `authenticate` will sign with, kept in Secrets Manager as PEM
/// or one line of base64; never printed by `{:?}`.
pub struct Es256PrivateKey {
    pkcs8: Vec<u8>,
    public: PublicPoint,
}

impl Es256PrivateKey {
    /// A fresh key pair from the operating system's random number generator
    /// (`getrandom`), for the local API and a deploy-time generator. (ring takes
    /// randomness only from its own `SystemRandom`, so there is no variant
    /// taking the caller's bytes; tests use fixed PKCS#8 documents instead.)
    pub fn generate() -> Result<Self, TokenError> {
        let document = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(|_| TokenError::KeyGeneration)?;
        Self::from_pkcs8_der(document.as_ref())
    }

    /// A PKCS#8 DER document (v1 or v2, unencrypted) holding a P-256 key pair
    /// with its public key. The pair is checked (the public key must be the
    /// private key's), which costs one scalar multiplication, ~17 µs.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, TokenError> {
        let pair = parse_pair(der)?;
        let public = PublicPoint::from_sec1(pair.public_key().as_ref())?;
        Ok(Self { pkcs8: der.to_vec(), public })
    }

    /// The key as configured: PEM (`-----BEGIN PRIVATE KEY-----` … `-----END
    /// PRIVATE KEY-----`, what `openssl genpkey` writes) or the base64 of the
    /// DER alone, line breaks and surrounding spaces ignored. SEC1's `BEGIN EC
    /// PRIVATE KEY` and encrypted PKCS#8 are refused (`openssl pkcs8 -topk8
    /// -nocrypt` converts them).
    pub fn from_text(text: &str) -> Result<Self, TokenError> {
        Self::from_pkcs8_der(&pkcs8::der_from_text(text)?)
    }

    /// The PKCS#8 DER document.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The base64 of the DER on one line: an environment variable's form.
    pub fn to_base64(&self) -> String {
        pkcs8::to_base64(&self.pkcs8)
    }

    /// PEM, 64 characters a line, as openssl writes it.
    pub fn to_pem(&self) -> String {
        pkcs8::to_pem(&self.pkcs8)
    }

    /// The public key, as the uncompressed SEC1 point `0x04‖x‖y`.
    pub fn public_key(&self) -> [u8; ES256_POINT_BYTES] {
        self.public.0
    }
}

/// Never the key.
impl fmt::Debug for Es256PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Es256PrivateKey").finish_non_exhaustive()
    }
}

fn parse_pair(der: &[u8]) -> Result<EcdsaKeyPair, TokenError> {
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &SystemRandom::new())
        .map_err(|_| TokenError::InvalidKey)
}

/// The secret half, parsed once: ring's key pair and its random source.
pub(super) struct Es256Signer {
    pair: EcdsaKeyPair,
    /// ring draws each signature's nonce from it, mixed with the key and the
    /// message, so a weak generator would not expose the key.
    rng: SystemRandom,
    public: PublicPoint,
}

impl Es256Signer {
    pub fn new(key: &Es256PrivateKey) -> Result<Self, TokenError> {
        Ok(Self { pair: parse_pair(&key.pkcs8)?, rng: SystemRandom::new(), public: key.public })
    }

    /// `r‖s` over SHA-256 of the message.
    pub fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_BYTES], TokenError> {
        let signature = self.pair.sign(&self.rng, message).map_err(|_| TokenError::Signing)?;
        signature.as_ref().try_into().map_err(|_| TokenError::Signing)
    }

    pub fn public(&self) -> PublicPoint {
        self.public
    }
}

/// A P-256 public key: the uncompressed SEC1 point, checked for its form and
/// range here (nanoseconds, so a key set of any size costs nothing at cold
/// start). ring checks that the point is on the curve on every verification
/// (part of the measured ~79 µs): a point that is not verifies nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PublicPoint([u8; ES256_POINT_BYTES]);

impl PublicPoint {
    /// The 65-byte SEC1 point or a 91-byte P-256 SubjectPublicKeyInfo.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TokenError> {
        match bytes.strip_prefix(&SPKI_PREFIX[..]) {
            Some(point) if bytes.len() == SPKI_PREFIX.len() + ES256_POINT_BYTES => Self::from_sec1(point),
            _ => Self::from_sec1(bytes),
        }
    }

    /// A JWK's `x` and `y`, decoded: 32 bytes each.
    pub fn from_coordinates(x: &[u8], y: &[u8]) -> Result<Self, TokenError> {
        if x.len() != COORDINATE_BYTES || y.len() != COORDINATE_BYTES {
            return Err(TokenError::InvalidKey);
        }
        let mut point = [0x04; ES256_POINT_BYTES];
        point[1..1 + COORDINATE_BYTES].copy_from_slice(x);
        point[1 + COORDINATE_BYTES..].copy_from_slice(y);
        Self::from_sec1(&point)
    }

    fn from_sec1(bytes: &[u8]) -> Result<Self, TokenError> {
        let point: [u8; ES256_POINT_BYTES] = bytes.try_into().map_err(|_| TokenError::InvalidKey)?;
        let (x, y) = point[1..].split_at(COORDINATE_BYTES);
        // Compressed points (0x02, 0x03) and the point at infinity are not accepted.
        if point[0] != 0x04 || x >= &FIELD_PRIME[..] || y >= &FIELD_PRIME[..] {
            return Err(TokenError::InvalidKey);
        }
        Ok(Self(point))
    }

    pub fn x(&self) -> &[u8] {
        &self.0[1..1 + COORDINATE_BYTES]
    }

    pub fn y(&self) -> &[u8] {
        &self.0[1 + COORDINATE_BYTES..]
    }

    pub fn as_bytes(&self) -> &[u8; ES256_POINT_BYTES] {
        &self.0
    }

    /// A 64-byte `r‖s` signature over the message. Any other length (a DER
    /// signature, say) does not verify; nor does `r` or `s` of zero or at
    /// least the group order, nor a point off the curve.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), TokenError> {
        if signature.len() != SIGNATURE_BYTES {
            return Err(TokenError::BadSignature);
        }
        ring::signature::UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.0[..])
            .verify(message, signature)
            .map_err(|_| TokenError::BadSignature)
    }
}

#[cfg(test)]
pub(super) mod tests;
