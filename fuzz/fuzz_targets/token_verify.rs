//! Token verification: never a panic, and no second spelling of a genuine
//! token verifies. The HMAC covers the header and payload text exactly, so
//! the only room for malleability is the signature's encoding: a verified
//! token's signature must be the canonical base64url of its bytes.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::config::{KeyMaterial, Secret, TokenAudience, VerifierConfig};
use common::token::TokenVerifier;
use libfuzzer_sys::fuzz_target;

/// The seed corpus (fuzz/seeds/token_verify) holds tokens signed with this key, valid at this time.
const SECRET: &[u8] = b"fuzzing-secret-0123456789abcdef-0123";
const NOW: u64 = 1_800_000_000;

static VERIFIER: LazyLock<TokenVerifier> = LazyLock::new(|| {
    let current = KeyMaterial { kid: "default".into(), secret: Secret::new(SECRET.to_vec()) };
    let names = TokenAudience { issuer: "authenticate".into(), audience: "api".into() };
    let config = VerifierConfig { current, previous: vec![], names, leeway: Duration::from_secs(30) };
    TokenVerifier::new(&config).unwrap()
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
