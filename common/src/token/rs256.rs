//! RS256: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3), with `ring`.
//!
//! Why RSA at all, when ES256 signs faster and its tokens are shorter: API
//! Gateway HTTP APIs' built-in JWT authorizer accepts RSA-signed tokens only
//! ("Currently, only RSA-based algorithms are supported",
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html>),
//! and the zero-Lambda deployment has it verify our tokens from our JWKS.
//!
//! Formats:
//! - the private key is a **PKCS#8** document (what `openssl genpkey -algorithm
//!   RSA -pkeyopt rsa_keygen_bits:2048` writes), PEM or one line of base64 as
//!   for ES256, of 2048 to 4096 bits (ring signs with nothing larger) with an
//!   exponent of at least 65537; ring cannot generate RSA keys, so the
//!   deployment's key generator makes it;
//! - the public key is a JWK's `n` and `e`, big-endian: `n` of 2048 to 8192
//!   bits, `e` odd, from 3 to 2³³−1 (what ring verifies with);
//! - a signature is exactly as long as the modulus (256 bytes at 2048 bits).

use std::fmt;
use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};

use super::{TokenError, pkcs8};

/// Smaller moduli are factorable in reach of a determined attacker (NIST SP
/// 800-57 retired them in 2013), and RFC 7518 §3.3 requires 2048.
pub const RSA_MIN_BITS: usize = 2048;
/// The largest modulus a verifying key may have: ring's bound, and a cap on
/// the work a configured key can ask of every verification.
pub const RSA_MAX_BITS: usize = 8192;
/// ring's largest public exponent: larger ones only slow verification down.
const MAX_EXPONENT: u64 = (1 << 33) - 1;

/// An RS256 private key: a PKCS#8 document of an RSA key pair, checked when
/// made. What `authenticate` signs with, kept in Secrets Manager as PEM;
/// never printed by `{:?}`.
pub struct Rs256PrivateKey {
    pkcs8: Vec<u8>,
    public: RsaPublicKey,
}

impl Rs256PrivateKey {
    /// A PKCS#8 DER document (unencrypted) of an RSA key of 2048 to 4096 bits.
    /// A smaller key is `WeakKey`; ring checks the pair's consistency (~1 ms at
    /// 2048 bits, once).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, TokenError> {
        let pair = parse_pair(der)?;
        let components: RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
        let public = RsaPublicKey::from_components(&components.n, &components.e)?;
        Ok(Self { pkcs8: der.to_vec(), public })
    }

    /// The key as configured: PEM (`-----BEGIN PRIVATE KEY-----`) or the base64
    /// of the DER alone. PKCS#1's `BEGIN RSA PRIVATE KEY` is refused (`openssl
    /// pkcs8 -topk8 -nocrypt` converts it).
    pub fn from_text(text: &str) -> Result<Self, TokenError> {
        Self::from_pkcs8_der(&pkcs8::der_from_text(text)?)
    }

    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    pub fn to_base64(&self) -> String {
        pkcs8::to_base64(&self.pkcs8)
    }

    pub fn to_pem(&self) -> String {
        pkcs8::to_pem(&self.pkcs8)
    }

    /// The modulus `n`, big-endian without leading zeros (a JWK's `n`, decoded).
    pub fn modulus(&self) -> &[u8] {
        self.public.modulus()
    }

    /// The public exponent `e`, big-endian without leading zeros.
    pub fn exponent(&self) -> &[u8] {
        self.public.exponent()
    }

    /// The modulus' length in bits.
    pub fn bits(&self) -> usize {
        self.public.bits()
    }
}

/// Never the key.
impl fmt::Debug for Rs256PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rs256PrivateKey").field("bits", &self.bits()).finish_non_exhaustive()
    }
}

fn parse_pair(der: &[u8]) -> Result<RsaKeyPair, TokenError> {
    // ring says why only as a name (its Display); "TooSmall" is a modulus
    // under 2048 bits (or an exponent under 65537), the one refusal worth its
    // own message.
    RsaKeyPair::from_pkcs8(der).map_err(|rejected| match rejected.to_string().as_str() {
        "TooSmall" => TokenError::WeakKey,
        _ => TokenError::InvalidKey,
    })
}

/// The secret half, parsed once.
pub(super) struct Rs256Signer {
    pair: RsaKeyPair,
    /// PKCS#1 v1.5 padding is deterministic; ring's signing API takes a
    /// random source for the padding schemes that are not.
    rng: SystemRandom,
    public: RsaPublicKey,
}

impl Rs256Signer {
    pub fn new(key: &Rs256PrivateKey) -> Result<Self, TokenError> {
        Ok(Self { pair: parse_pair(&key.pkcs8)?, rng: SystemRandom::new(), public: key.public.clone() })
    }

    /// The signature over SHA-256 of the message, as long as the modulus.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, TokenError> {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair.sign(&RSA_PKCS1_SHA256, &self.rng, message, &mut signature).map_err(|_| TokenError::Signing)?;
        Ok(signature)
    }

    pub fn public(&self) -> RsaPublicKey {
        self.public.clone()
    }
}

/// An RSA public key, checked for size and form here; ring parses it again on
/// each verification (it keeps no parsed public key that can be built from
/// `n` and `e`), which is part of the measured cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RsaPublicKey {
    /// Shared, so the verifying key of a signing key costs no copy of `n`.
    n: Arc<[u8]>,
    e: Arc<[u8]>,
}

impl RsaPublicKey {
    /// `n` and `e`, big-endian. Leading zero bytes are dropped (RFC 7518
    /// §6.3.1.1 forbids them, but some libraries write a sign byte before `n`;
    /// the value is the same). `n` under [`RSA_MIN_BITS`] is `WeakKey`; over
    /// [`RSA_MAX_BITS`], even, or `e` even, under 3 or over 2³³−1: `InvalidKey`.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<Self, TokenError> {
        let (n, e) = (strip_leading_zeros(n), strip_leading_zeros(e));
        let bits = bit_length(n);
        if bits > RSA_MAX_BITS || n.last().is_none_or(|low| low & 1 == 0) {
            return Err(TokenError::InvalidKey);
        }
        if bits < RSA_MIN_BITS {
            return Err(TokenError::WeakKey);
        }
        if e.len() > 5 {
            return Err(TokenError::InvalidKey);
        }
        let exponent = e.iter().fold(0u64, |value, &byte| (value << 8) | u64::from(byte));
        if !(3..=MAX_EXPONENT).contains(&exponent) || exponent & 1 == 0 {
            return Err(TokenError::InvalidKey);
        }
        Ok(Self { n: n.into(), e: e.into() })
    }

    pub fn modulus(&self) -> &[u8] {
        &self.n
    }

    pub fn exponent(&self) -> &[u8] {
        &self.e
    }

    pub fn bits(&self) -> usize {
        bit_length(&self.n)
    }

    /// The length of every signature this key verifies: the modulus' bytes.
    pub fn signature_len(&self) -> usize {
        self.n.len()
    }

    /// A signature of exactly the modulus' length over the message; any other
    /// length, or a value that is not a PKCS#1 v1.5 SHA-256 signature by this
    /// key, does not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), TokenError> {
        if signature.len() != self.n.len() {
            return Err(TokenError::BadSignature);
        }
        RsaPublicKeyComponents { n: &self.n[..], e: &self.e[..] }
            .verify(&RSA_PKCS1_2048_8192_SHA256, message, signature)
            .map_err(|_| TokenError::BadSignature)
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Bits of a big-endian number without leading zero bytes.
fn bit_length(bytes: &[u8]) -> usize {
    bytes.first().map_or(0, |&top| (bytes.len() - 1) * 8 + (8 - top.leading_zeros() as usize))
}

#[cfg(test)]
pub(crate) mod tests;
