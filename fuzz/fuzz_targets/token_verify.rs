//! Token verification: never a panic, and no second spelling of a genuine
//! token verifies. The signature covers the header and payload text exactly,
//! so the only room for malleability in the text is the signature's encoding:
//! a verified token's signature must be the canonical base64url of its bytes.
//! (ECDSA's second valid signature, (r, n − s), is other bytes, canonically
//! encoded; RSA PKCS#1 v1.5 has none.) The key set mixes HS256 (`default`),
//! ES256 (`es`) and RS256 (`rs`), the last two public keys only.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::config::TokenAudience;
use common::token::{KeySet, Rs256PrivateKey, SigningKey, TokenVerifier, VerifyingKey};
use libfuzzer_sys::fuzz_target;

/// The seed corpus (fuzz/seeds/token_verify) holds tokens signed with these keys, valid at this time.
const SECRET: &[u8] = b"fuzzing-secret-0123456789abcdef-0123";
/// The public point of common's ES256 test key (`es256_genuine` was signed by openssl with it).
const ES256_PUBLIC: [u8; 65] = [
    0x04, 0xe0, 0xf5, 0x44, 0xb0, 0x82, 0xd4, 0x74, 0x0d, 0x8c, 0x79, 0x5f, 0x3d, 0x37, 0x9a, 0xd3, 0x3d, 0x44, 0x8d,
    0xe1, 0x4c, 0x54, 0x45, 0x1c, 0x8a, 0x07, 0x0d, 0xd8, 0x43, 0xbb, 0x76, 0x0a, 0xfc, 0x48, 0x4f, 0x16, 0xdd, 0xc0,
    0x7a, 0xb5, 0x16, 0xcc, 0xde, 0x1b, 0x1a, 0xe3, 0x4e, 0xac, 0xa2, 0xdc, 0x9c, 0x0c, 0xd9, 0x5a, 0x40, 0x97, 0x50,
    0xe7, 0xaa, 0x32, 0xba, 0xe0, 0xbe, 0x11, 0xd9,
];
const NOW: u64 = 1_800_000_000;

static VERIFIER: LazyLock<TokenVerifier> = LazyLock::new(|| {
    let current = VerifyingKey::hs256("default", SECRET).unwrap();
    let es256 = VerifyingKey::es256("es", &ES256_PUBLIC).unwrap();
    // common's RSA test key (`rs256_genuine` was signed by openssl with it); only its public half is kept.
    let rsa = Rs256PrivateKey::from_text(common::testing::RSA_KEY_PEM).unwrap();
    let rs256 = SigningKey::rs256("rs", &rsa).unwrap().verifying_key();
    let names = TokenAudience { issuer: "authenticate".into(), audience: "api".into() };
    TokenVerifier::with_keys(KeySet::new(current, [es256, rs256]), &names, Duration::from_secs(30))
});

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    if let Ok(claims) = VERIFIER.verify(token, NOW) {
        let signature = token.rsplit('.').next().unwrap();
        let canonical = URL_SAFE_NO_PAD.encode(URL_SAFE_NO_PAD.decode(signature).unwrap());
        assert_eq!(signature, canonical, "a non-canonical signature encoding verified");
        assert_eq!(claims.aud, common::token::Audience::One("api".into()));
    }
});
