//! Keys that carry their algorithm: a token is signed by a [`SigningKey`] and
//! checked by the [`VerifyingKey`] its `kid` names in a [`KeySet`], and the
//! header's `alg` must be that key's own algorithm.
//!
//! The algorithm belongs to the key, never to the token: whatever `alg` a
//! header claims, the signature is checked the way the named key dictates, or
//! not at all. That is what refuses the classic confusion attack (an HS256
//! token "signed" with an ES256 public key used as an HMAC secret names an
//! ES256 key, and HS256 is not its algorithm: `WrongAlgorithm`).
//!
//! Every key is prepared once, at cold start (HMAC pads derived, the ES256
//! key pair parsed, header encoded), so signing and verifying only feed it.
//! Each asymmetric algorithm's own code (formats, ring) is in its module,
//! `es256.rs` and `rs256.rs`; JWKs in `jwk.rs`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;

use super::TokenError;
use super::es256::{Es256PrivateKey, Es256Signer, PublicPoint};
use super::jwk::{Jwk, Jwks};
use super::private_key::PrivateKey;
use super::rs256::{Rs256PrivateKey, Rs256Signer, RsaPublicKey};

type HmacSha256 = Hmac<Sha256>;

/// The longest raw signature of any [`Algorithm`]: HS256 gives 32 bytes, ES256
/// 64 (r‖s, RFC 7518 §3.4), RS256 as many as the modulus, up to 1024 (8192
/// bits). The verifier bounds a signature by its key's own length, not this.
pub const MAX_SIGNATURE_BYTES: usize = 1024;

/// Signatures up to this length (HS256's and ES256's) are held on the stack.
const INLINE_SIGNATURE_BYTES: usize = 64;

/// A JWS algorithm this service signs and verifies with (RFC 7518 §3.1 names).
///
/// Extension point: a new algorithm is a variant here (its name in
/// [`Algorithm::name`] and [`Algorithm::from_name`], its length in
/// [`Algorithm::signature_len`], [`MAX_SIGNATURE_BYTES`] raised if longer),
/// and a variant of each key enum in this file (`SigningKind`,
/// `VerifyingKind`), with its JWK in `jwk.rs` if it has a public half, and
/// in `PrivateKey` if a secret holds its private key. The issuer, the
/// verifier and the key set need no change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// HMAC with SHA-256 (RFC 7518 §3.2): one shared secret signs and verifies.
    Hs256,
    /// ECDSA on P-256 with SHA-256 (RFC 7518 §3.4): a private key signs, its
    /// public key verifies.
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3): as ES256, with RSA keys
    /// of 2048 bits or more; what API Gateway's own JWT authorizer verifies.
    Rs256,
}

impl Algorithm {
    /// The name written in, and required of, a token header's `alg`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Es256 => "ES256",
            Self::Rs256 => "RS256",
        }
    }

    /// The longest raw signature, at most [`MAX_SIGNATURE_BYTES`]: the exact
    /// length for HS256 and ES256; an RS256 key's is its modulus' length
    /// ([`SigningKey::signature_len`]).
    pub const fn max_signature_len(self) -> usize {
        match self {
            Self::Hs256 => 32,
            Self::Es256 => 64,
            Self::Rs256 => MAX_SIGNATURE_BYTES,
        }
    }

    /// The algorithm a header's `alg` names, if this service implements it.
    /// Case-sensitive, as JOSE names are: `hs256` and `none` are nothing.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "HS256" => Some(Self::Hs256),
            "ES256" => Some(Self::Es256),
            "RS256" => Some(Self::Rs256),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A raw signature. HS256's and ES256's are held on the stack, so issuing
/// those tokens allocates nothing for it; RS256's (256 bytes and more) are on
/// the heap, which costs nothing next to the RSA operation.
#[derive(Clone)]
pub struct Signature(SignatureBytes);

#[derive(Clone)]
enum SignatureBytes {
    Inline { bytes: [u8; INLINE_SIGNATURE_BYTES], len: usize },
    Heap(Vec<u8>),
}

impl Signature {
    fn new(raw: &[u8]) -> Self {
        let mut bytes = [0; INLINE_SIGNATURE_BYTES];
        bytes[..raw.len()].copy_from_slice(raw);
        Self(SignatureBytes::Inline { bytes, len: raw.len() })
    }
}

impl AsRef<[u8]> for Signature {
    fn as_ref(&self) -> &[u8] {
        match &self.0 {
            SignatureBytes::Inline { bytes, len } => &bytes[..*len],
            SignatureBytes::Heap(bytes) => bytes,
        }
    }
}

/// The header every token carries, in jsonwebtoken's field order so tokens
/// are byte-for-byte what that crate produced for the same claims.
#[derive(Serialize)]
struct IssuedHeader<'a> {
    typ: &'static str,
    alg: &'static str,
    kid: &'a str,
}

/// The key `authenticate` signs with, and the header it writes.
pub struct SigningKey {
    kid: String,
    /// `base64url(header).`: the same for every token this key signs, so it is
    /// encoded once here rather than per token.
    header_prefix: String,
    kind: SigningKind,
}

/// The secret half of each algorithm, prepared for signing.
enum SigningKind {
    /// Already keyed: each token clones it instead of re-deriving the pads.
    Hs256(HmacSha256),
    /// ring's parsed key pair (boxed: it is much larger than the HMAC state).
    Es256(Box<Es256Signer>),
    /// ring's parsed RSA key pair, its CRT parameters precomputed.
    Rs256(Box<Rs256Signer>),
}

impl SigningKey {
    /// An HS256 key named `kid`. An empty secret is refused: HMAC would accept
    /// it, and every token would be forgeable.
    pub fn hs256(kid: impl Into<String>, secret: &[u8]) -> Result<Self, TokenError> {
        Self::new(kid.into(), SigningKind::Hs256(keyed_mac(secret)?))
    }

    /// An ES256 key named `kid`: the private key of a P-256 pair (see
    /// [`Es256PrivateKey`] for its formats). Parsing and checking the pair
    /// costs ~17 µs, once.
    pub fn es256(kid: impl Into<String>, key: &Es256PrivateKey) -> Result<Self, TokenError> {
        Self::new(kid.into(), SigningKind::Es256(Box::new(Es256Signer::new(key)?)))
    }

    /// An RS256 key named `kid`: an RSA private key of 2048 to 4096 bits (see
    /// [`Rs256PrivateKey`]).
    pub fn rs256(kid: impl Into<String>, key: &Rs256PrivateKey) -> Result<Self, TokenError> {
        Self::new(kid.into(), SigningKind::Rs256(Box::new(Rs256Signer::new(key)?)))
    }

    /// The key a signing-key secret holds, with its own algorithm.
    pub fn from_private(kid: impl Into<String>, key: &PrivateKey) -> Result<Self, TokenError> {
        match key {
            PrivateKey::Es256(key) => Self::es256(kid, key),
            PrivateKey::Rs256(key) => Self::rs256(kid, key),
        }
    }

    fn new(kid: String, kind: SigningKind) -> Result<Self, TokenError> {
        let mut key = Self { kid, header_prefix: String::new(), kind };
        let header = IssuedHeader { typ: "JWT", alg: key.algorithm().name(), kid: &key.kid };
        let header = serde_json::to_vec(&header).map_err(|_| TokenError::Signing)?;
        key.header_prefix = URL_SAFE_NO_PAD.encode(header);
        key.header_prefix.push('.');
        Ok(key)
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn algorithm(&self) -> Algorithm {
        match self.kind {
            SigningKind::Hs256(_) => Algorithm::Hs256,
            SigningKind::Es256(_) => Algorithm::Es256,
            SigningKind::Rs256(_) => Algorithm::Rs256,
        }
    }

    /// The length of every signature this key makes.
    pub fn signature_len(&self) -> usize {
        match &self.kind {
            SigningKind::Rs256(signer) => signer.public().signature_len(),
            _ => self.algorithm().max_signature_len(),
        }
    }

    /// `base64url({"typ":"JWT","alg":…,"kid":…}).`, the start of every token
    /// this key signs; the header names this key and its algorithm.
    pub fn header_prefix(&self) -> &str {
        &self.header_prefix
    }

    /// Signs the JWS signing input, `header.payload` as ASCII.
    pub fn sign(&self, signing_input: &[u8]) -> Result<Signature, TokenError> {
        match &self.kind {
            SigningKind::Hs256(mac) => {
                let mut mac = mac.clone();
                mac.update(signing_input);
                Ok(Signature::new(&mac.finalize().into_bytes()))
            }
            SigningKind::Es256(signer) => Ok(Signature::new(&signer.sign(signing_input)?)),
            SigningKind::Rs256(signer) => Ok(Signature(SignatureBytes::Heap(signer.sign(signing_input)?))),
        }
    }

    /// The key that verifies what this one signs, under the same kid: the
    /// public half for ES256 and RS256; for HS256, the same secret.
    pub fn verifying_key(&self) -> VerifyingKey {
        let kind = match &self.kind {
            SigningKind::Hs256(mac) => VerifyingKind::Hs256(mac.clone()),
            SigningKind::Es256(signer) => VerifyingKind::Es256(signer.public()),
            SigningKind::Rs256(signer) => VerifyingKind::Rs256(signer.public()),
        };
        VerifyingKey { kid: self.kid.clone(), kind }
    }
}

/// Never the secret, so a stray `{:?}` cannot leak it.
impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).field("alg", &self.algorithm()).finish_non_exhaustive()
    }
}

/// A key `check-token` accepts signatures from, named by its `kid`.
pub struct VerifyingKey {
    kid: String,
    kind: VerifyingKind,
}

/// What each algorithm verifies with, prepared once.
enum VerifyingKind {
    /// The same secret that signed, already keyed. A secret: never published.
    Hs256(HmacSha256),
    /// The public point; published as a JWK.
    Es256(PublicPoint),
    /// The modulus and exponent; published as a JWK.
    Rs256(RsaPublicKey),
}

impl VerifyingKey {
    /// An HS256 key named `kid`; an empty secret is refused.
    pub fn hs256(kid: impl Into<String>, secret: &[u8]) -> Result<Self, TokenError> {
        Ok(Self { kid: kid.into(), kind: VerifyingKind::Hs256(keyed_mac(secret)?) })
    }

    /// An ES256 key named `kid` from its public key: the uncompressed SEC1
    /// point `0x04‖x‖y` (65 bytes) or a P-256 SubjectPublicKeyInfo (91 bytes of
    /// DER). Only the form is checked here (nanoseconds); see also
    /// [`Jwk::verifying_key`] for a JWK's `x` and `y`.
    pub fn es256(kid: impl Into<String>, public_key: &[u8]) -> Result<Self, TokenError> {
        Ok(Self::from_es256_point(kid.into(), PublicPoint::from_bytes(public_key)?))
    }

    pub(super) fn from_es256_point(kid: String, point: PublicPoint) -> Self {
        Self { kid, kind: VerifyingKind::Es256(point) }
    }

    /// An RS256 key named `kid` from its modulus and public exponent,
    /// big-endian (a JWK's `n` and `e`, decoded; see [`Jwk::verifying_key`]).
    /// `n` under 2048 bits is `WeakKey`; over 8192 bits, or an `e` ring does
    /// not verify with (even, under 3, over 2³³−1), `InvalidKey`.
    pub fn rs256(kid: impl Into<String>, n: &[u8], e: &[u8]) -> Result<Self, TokenError> {
        Ok(Self::from_rs256_public(kid.into(), RsaPublicKey::from_components(n, e)?))
    }

    pub(super) fn from_rs256_public(kid: String, public: RsaPublicKey) -> Self {
        Self { kid, kind: VerifyingKind::Rs256(public) }
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn algorithm(&self) -> Algorithm {
        match self.kind {
            VerifyingKind::Hs256(_) => Algorithm::Hs256,
            VerifyingKind::Es256(_) => Algorithm::Es256,
            VerifyingKind::Rs256(_) => Algorithm::Rs256,
        }
    }

    /// The length of every signature this key verifies; the verifier decodes
    /// nothing longer.
    pub fn signature_len(&self) -> usize {
        match &self.kind {
            VerifyingKind::Rs256(public) => public.signature_len(),
            _ => self.algorithm().max_signature_len(),
        }
    }

    /// Refuses a header whose `alg` is not exactly this key's algorithm, so a
    /// token can never choose how the key is used.
    pub fn require_algorithm(&self, header_alg: &str) -> Result<(), TokenError> {
        if header_alg == self.algorithm().name() { Ok(()) } else { Err(TokenError::WrongAlgorithm) }
    }

    /// Checks `signature` (raw bytes) over `signing_input` in constant time.
    /// A signature of the wrong length simply does not verify.
    pub fn verify(&self, signing_input: &[u8], signature: &[u8]) -> Result<(), TokenError> {
        match &self.kind {
            VerifyingKind::Hs256(mac) => {
                let mut mac = mac.clone();
                mac.update(signing_input);
                mac.verify_slice(signature).map_err(|_| TokenError::BadSignature)
            }
            VerifyingKind::Es256(point) => point.verify(signing_input, signature),
            VerifyingKind::Rs256(public) => public.verify(signing_input, signature),
        }
    }

    /// The public key as a JWK, or `None` for an HS256 key (a secret).
    pub fn jwk(&self) -> Option<Jwk> {
        match &self.kind {
            VerifyingKind::Hs256(_) => None,
            VerifyingKind::Es256(point) => Some(Jwk::es256(&self.kid, point)),
            VerifyingKind::Rs256(public) => Some(Jwk::rs256(&self.kid, public)),
        }
    }

    /// An ES256 public key as the uncompressed SEC1 point; an RS256 key's
    /// modulus `n`; `None` for HS256.
    pub fn public_key(&self) -> Option<&[u8]> {
        match &self.kind {
            VerifyingKind::Hs256(_) => None,
            VerifyingKind::Es256(point) => Some(point.as_bytes()),
            VerifyingKind::Rs256(public) => Some(public.modulus()),
        }
    }
}

/// Never the secret.
impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey").field("kid", &self.kid).field("alg", &self.algorithm()).finish_non_exhaustive()
    }
}

/// The keys a verifier accepts, looked up by `kid`: the current key, then
/// those retired from signing but still accepted so that rotation logs nobody out.
#[derive(Debug)]
pub struct KeySet {
    current_kid: String,
    /// The current key first, then the previous ones; a handful at most, so a
    /// scan beats hashing the kid.
    keys: Vec<VerifyingKey>,
}

impl KeySet {
    pub fn new(current: VerifyingKey, previous: impl IntoIterator<Item = VerifyingKey>) -> Self {
        let current_kid = current.kid.clone();
        Self { current_kid, keys: std::iter::once(current).chain(previous).collect() }
    }

    /// The key `kid` names, or the current key's kid when the header has none.
    /// An unknown kid is `None`: no other key is tried in its place.
    pub fn get(&self, kid: Option<&str>) -> Option<&VerifyingKey> {
        let kid = kid.unwrap_or(&self.current_kid);
        // Searched from the end, so a kid configured twice resolves to the last
        // one, as the map this replaced did.
        self.keys.iter().rev().find(|key| key.kid == kid)
    }

    /// The key for a header's `alg` and `kid`: the kid must name a key, and
    /// `alg` must be that key's algorithm. Whether `alg` is an algorithm this
    /// service implements at all is the caller's first check (see
    /// [`Algorithm::from_name`]), so that stays `WrongAlgorithm` before the kid is read.
    pub fn resolve(&self, alg: &str, kid: Option<&str>) -> Result<&VerifyingKey, TokenError> {
        let key = self.get(kid).ok_or(TokenError::UnknownKey)?;
        key.require_algorithm(alg)?;
        Ok(key)
    }

    /// Every key, current first.
    pub fn iter(&self) -> impl Iterator<Item = &VerifyingKey> {
        self.keys.iter()
    }

    /// The JWK Set a JWKS endpoint serves: the public key of every key a
    /// token can reach, current first. HS256 keys are never in it (so an
    /// HS256-only set gives `{"keys":[]}`), nor a key shadowed by a later one
    /// of the same kid.
    pub fn jwks(&self) -> Jwks {
        let reachable = |key: &&VerifyingKey| self.get(Some(&key.kid)).is_some_and(|found| std::ptr::eq(found, *key));
        Jwks { keys: self.keys.iter().filter(reachable).filter_map(VerifyingKey::jwk).collect() }
    }
}

fn keyed_mac(secret: &[u8]) -> Result<HmacSha256, TokenError> {
    if secret.is_empty() {
        return Err(TokenError::EmptyKey);
    }
    HmacSha256::new_from_slice(secret).map_err(|_| TokenError::EmptyKey)
}

#[cfg(test)]
mod tests;
