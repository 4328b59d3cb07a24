use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::*;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const OLD_SECRET: &[u8] = b"an-older-key-that-was-rotated-out-of-signing";
const MESSAGE: &[u8] = b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEifQ";

/// Every algorithm this build implements; a new variant goes here too.
const ALL: [Algorithm; 3] = [Algorithm::Hs256, Algorithm::Es256, Algorithm::Rs256];

fn verifying(kid: &str, secret: &[u8]) -> VerifyingKey {
    VerifyingKey::hs256(kid, secret).unwrap()
}

fn key_set() -> KeySet {
    KeySet::new(verifying("k1", SECRET), [verifying("k0", OLD_SECRET)])
}

#[test]
fn algorithm_names_are_the_jose_names_exactly() {
    assert_eq!(Algorithm::Hs256.name(), "HS256");
    assert_eq!(Algorithm::Hs256.to_string(), "HS256");
    assert_eq!(Algorithm::Es256.name(), "ES256");
    assert_eq!(Algorithm::Rs256.name(), "RS256");
    assert_eq!((Algorithm::Es256.max_signature_len(), Algorithm::Rs256.max_signature_len()), (64, 1024));
    assert_eq!(MAX_SIGNATURE_BYTES, 1024, "RSA up to 8192 bits");
    for alg in ALL {
        assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
        assert!(alg.max_signature_len() <= MAX_SIGNATURE_BYTES, "{alg}");
    }
    for name in [
        "hs256", "Hs256", "HS256 ", " HS256", "HS384", "HS512", "rs256", "RS384", "PS256", "es256", "ES384", "none",
        "None", "",
    ] {
        assert_eq!(Algorithm::from_name(name), None, "{name:?}");
    }
}

#[test]
fn signing_and_verifying_round_trip() {
    let signing = SigningKey::hs256("k1", SECRET).unwrap();
    assert_eq!((signing.kid(), signing.algorithm()), ("k1", Algorithm::Hs256));
    let signature = signing.sign(MESSAGE).unwrap();
    assert_eq!(signature.as_ref().len(), Algorithm::Hs256.max_signature_len());
    let key = verifying("k1", SECRET);
    assert_eq!((key.kid(), key.algorithm()), ("k1", Algorithm::Hs256));
    assert_eq!(key.verify(MESSAGE, signature.as_ref()), Ok(()));
}

#[test]
fn hs256_signatures_are_what_jsonwebtoken_computes() {
    let ours = SigningKey::hs256("k1", SECRET).unwrap().sign(MESSAGE).unwrap();
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET).unwrap();
    let theirs = jsonwebtoken::crypto::sign(MESSAGE, &key, jsonwebtoken::Algorithm::HS256).unwrap();
    assert_eq!(URL_SAFE_NO_PAD.encode(ours), theirs);
}

#[test]
fn a_signature_verifies_only_its_message_under_its_secret() {
    let signature = SigningKey::hs256("k1", SECRET).unwrap().sign(MESSAGE).unwrap();
    let signature = signature.as_ref();
    let key = verifying("k1", SECRET);
    assert_eq!(key.verify(b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTIifQ", signature), Err(TokenError::BadSignature));
    assert_eq!(verifying("k1", OLD_SECRET).verify(MESSAGE, signature), Err(TokenError::BadSignature));
    let mut flipped = signature.to_vec();
    flipped[31] ^= 1;
    for wrong in
        [&flipped[..], &signature[..31], &[signature, &[0]].concat()[..], &[][..], &[0; MAX_SIGNATURE_BYTES][..]]
    {
        assert_eq!(key.verify(MESSAGE, wrong), Err(TokenError::BadSignature), "{wrong:?}");
    }
}

#[test]
fn the_header_prefix_names_the_key_and_its_algorithm() {
    let signing = SigningKey::hs256("k1", SECRET).unwrap();
    let encoded = signing.header_prefix().strip_suffix('.').expect("the prefix ends with the dot");
    let header = URL_SAFE_NO_PAD.decode(encoded).unwrap();
    // jsonwebtoken's field order, byte for byte.
    assert_eq!(header, br#"{"typ":"JWT","alg":"HS256","kid":"k1"}"#);

    let odd = SigningKey::hs256("a \"quoted\" kid", SECRET).unwrap();
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(odd.header_prefix().trim_end_matches('.')).unwrap()).unwrap();
    assert_eq!(header, json!({"typ": "JWT", "alg": "HS256", "kid": "a \"quoted\" kid"}));
}

#[test]
fn empty_secrets_are_refused() {
    assert_eq!(SigningKey::hs256("k1", b"").unwrap_err(), TokenError::EmptyKey);
    assert_eq!(VerifyingKey::hs256("k1", b"").unwrap_err(), TokenError::EmptyKey);
}

#[test]
fn a_key_refuses_a_header_naming_another_algorithm() {
    let key = verifying("k1", SECRET);
    assert_eq!(key.require_algorithm("HS256"), Ok(()));
    for alg in ["HS384", "HS512", "RS256", "ES256", "EdDSA", "none", "hs256", "HS256 ", ""] {
        assert_eq!(key.require_algorithm(alg), Err(TokenError::WrongAlgorithm), "{alg:?}");
    }
}

#[test]
fn key_set_looks_keys_up_by_kid() {
    let keys = key_set();
    assert_eq!(keys.get(Some("k1")).unwrap().kid(), "k1");
    assert_eq!(keys.get(Some("k0")).unwrap().kid(), "k0");
    let kids: Vec<&str> = keys.iter().map(VerifyingKey::kid).collect();
    assert_eq!(kids, ["k1", "k0"], "current first");
}

#[test]
fn a_header_without_kid_gets_the_current_key() {
    let keys = key_set();
    assert_eq!(keys.get(None).unwrap().kid(), "k1");
    assert_eq!(keys.resolve("HS256", None).unwrap().kid(), "k1");
}

#[test]
fn an_unknown_kid_gets_no_key_at_all() {
    let keys = key_set();
    for kid in ["k2", "", "K1", "k1 ", "k1\u{0}", "../k1"] {
        assert!(keys.get(Some(kid)).is_none(), "{kid:?}");
        assert_eq!(keys.resolve("HS256", Some(kid)).unwrap_err(), TokenError::UnknownKey, "{kid:?}");
    }
}

/// Within the key set the kid is read first: the algorithm is the named key's to refuse.
#[test]
fn resolve_requires_the_named_keys_algorithm() {
    let keys = key_set();
    assert_eq!(keys.resolve("HS512", Some("k0")).unwrap_err(), TokenError::WrongAlgorithm);
    assert_eq!(keys.resolve("HS512", None).unwrap_err(), TokenError::WrongAlgorithm);
    assert_eq!(keys.resolve("HS512", Some("k2")).unwrap_err(), TokenError::UnknownKey);
    assert_eq!(keys.resolve("HS256", Some("k0")).unwrap().kid(), "k0");
}

/// The map this replaced kept the last of two entries for one kid; the
/// current key's kid is looked up the same way.
#[test]
fn a_kid_configured_twice_resolves_to_the_last_key() {
    let keys = KeySet::new(verifying("k1", SECRET), [verifying("k1", OLD_SECRET)]);
    let old_signature = SigningKey::hs256("k1", OLD_SECRET).unwrap().sign(MESSAGE).unwrap();
    for kid in [Some("k1"), None] {
        let key = keys.resolve("HS256", kid).unwrap();
        assert_eq!(key.verify(MESSAGE, old_signature.as_ref()), Ok(()), "{kid:?}");
    }
}

#[test]
fn debug_output_never_shows_a_secret() {
    let secret = "a-secret-that-must-never-be-printed!";
    let shown = [
        format!("{:?}", SigningKey::hs256("k1", secret.as_bytes()).unwrap()),
        format!("{:?}", KeySet::new(verifying("k1", secret.as_bytes()), [])),
    ];
    for shown in shown {
        assert!(shown.contains("k1") && shown.contains("Hs256"), "{shown}");
        assert!(!shown.contains(secret), "{shown}");
    }
}
