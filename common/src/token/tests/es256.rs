//! ES256 tokens end to end: issue, verify, rotate, publish; and every way a
//! token may try to get around the public key.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

use super::{b64, forge_raw, good_claims, names, roles};
use crate::token::es256::tests::{KEY_PEM, OTHER_KEY_PEM, PUBLIC_HEX, PUBLIC_PEM, der_signature, hex, private_key};
use crate::token::{
    Claims, Es256PrivateKey, Jwk, Jwks, KeySet, SigningKey, Subject, TokenError, TokenIssuer, TokenVerifier,
    VerifyingKey,
};

const NOW: u64 = 1_700_000_000;

fn signing(kid: &str, pem: &str) -> SigningKey {
    SigningKey::es256(kid, &Es256PrivateKey::from_text(pem).unwrap()).unwrap()
}

fn issuer(kid: &str, pem: &str) -> TokenIssuer {
    TokenIssuer::with_key(signing(kid, pem), &names(), Duration::from_secs(3600))
}

fn issue(issuer: &TokenIssuer) -> String {
    let roles = roles();
    issuer.issue(Subject { user_id: "user-1", username: "alice", roles: &roles }, NOW).unwrap().access_token
}

/// Public keys only: the current ES256 key `e1`, the previous `e0`.
fn verifier() -> TokenVerifier {
    let current = signing("e1", KEY_PEM).verifying_key();
    let previous = signing("e0", OTHER_KEY_PEM).verifying_key();
    TokenVerifier::with_keys(KeySet::new(current, [previous]), &names(), Duration::from_secs(30))
}

/// Signs `header.payload` with ES256 through jsonwebtoken (an independent implementation).
fn forge_es256(header: &Value, claims: &Value, pem: &str) -> String {
    let message = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    let key = EncodingKey::from_ec_der(Es256PrivateKey::from_text(pem).unwrap().pkcs8_der());
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::ES256).unwrap();
    format!("{message}.{signature}")
}

fn es256_kid(kid: &str) -> Value {
    json!({"alg": "ES256", "typ": "JWT", "kid": kid})
}

fn header_of(token: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap()
}

#[test]
fn round_trip_with_public_keys_only() {
    let token = issue(&issuer("e1", KEY_PEM));
    assert_eq!(header_of(&token), json!({"typ": "JWT", "alg": "ES256", "kid": "e1"}));
    let signature = token.rsplit('.').next().unwrap();
    assert_eq!(signature.len(), 86, "64 bytes of r‖s, unpadded base64url");
    let claims = verifier().verify(&token, NOW).unwrap();
    assert_eq!((claims.sub.as_str(), claims.username.as_str(), claims.roles), ("user-1", "alice", roles()));
    assert_eq!(verifier().verify(&token, NOW + 3600 + 30), Err(TokenError::Expired));
}

/// jsonwebtoken (RustCrypto's p256) verifies our tokens, and we verify its.
#[test]
fn tokens_interoperate_with_jsonwebtoken() {
    let token = issue(&issuer("e1", KEY_PEM));
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&["authenticate"]);
    validation.set_audience(&["api"]);
    validation.validate_exp = false;
    let public = private_key().public_key();
    let key = DecodingKey::from_ec_components(
        &URL_SAFE_NO_PAD.encode(&public[1..33]),
        &URL_SAFE_NO_PAD.encode(&public[33..]),
    )
    .unwrap();
    let theirs = jsonwebtoken::decode::<Claims>(&token, &key, &validation).unwrap();
    assert_eq!(theirs.header.kid.as_deref(), Some("e1"));
    assert_eq!(theirs.claims, verifier().verify(&token, NOW).unwrap());

    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("e1".into());
    let forged =
        jsonwebtoken::encode(&header, &good_claims(), &EncodingKey::from_ec_der(private_key().pkcs8_der())).unwrap();
    assert_eq!(verifier().verify(&forged, NOW).unwrap().sub, "user-1");
}

/// Signed by OpenSSL (`openssl dgst -sha256 -sign` of `header.payload` with
/// KEY_PEM, its DER signature rewritten as r‖s): a third implementation.
/// Also the ES256 seed of the `token_verify` fuzz target.
const OPENSSL_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiIsImtpZCI6ImVzIn0.eyJpc3MiOiJhdXRoZW50aWNhdGUiLCJhdWQiOiJhcGkiLCJzdWIiOiJ1c2VyLTEiLCJ1c2VybmFtZSI6ImFsaWNlIiwicm9sZXMiOlsiYWRtaW4iLCJkZXYiXSwiaWF0IjoxODAwMDAwMDAwLCJuYmYiOjE4MDAwMDAwMDAsImV4cCI6MTgwMDAwMzYwMCwianRpIjoiYjFmN2UyYTQtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxIn0.wLLdQYn8gtumkDh6IWFbRznfozn2M8D5BjyqwQ16ZHDKcu5Hw96rNa8ZSdo3HiTqWSeWwAwoXuuPeIjPMv7ZSQ";

#[test]
fn a_token_signed_by_openssl_verifies() {
    let key = signing("es", KEY_PEM).verifying_key();
    let verifier = TokenVerifier::with_keys(KeySet::new(key, []), &names(), Duration::ZERO);
    let claims = verifier.verify(OPENSSL_TOKEN, 1_800_000_000).unwrap();
    assert_eq!((claims.username.as_str(), claims.roles), ("alice", roles()));
    let (message, _) = OPENSSL_TOKEN.rsplit_once('.').unwrap();
    let relabelled = format!("{message}.{}", OPENSSL_TOKEN.rsplit('.').next().unwrap().replacen('w', "x", 1));
    assert_eq!(verifier.verify(&relabelled, 1_800_000_000), Err(TokenError::BadSignature));
}

#[test]
fn rotation_new_key_signs_previous_public_key_still_verifies() {
    let old_token = issue(&issuer("e0", OTHER_KEY_PEM));
    let new_token = issue(&issuer("e1", KEY_PEM));
    assert!(verifier().verify(&old_token, NOW).is_ok(), "the previous key still verifies");
    assert!(verifier().verify(&new_token, NOW).is_ok());
    // The old key's token relabelled as the current key's does not verify.
    let relabelled = forge_es256(&es256_kid("e1"), &good_claims(), OTHER_KEY_PEM);
    assert_eq!(verifier().verify(&relabelled, NOW), Err(TokenError::BadSignature));
    // Once removed, the old key's tokens are refused by kid, no other key tried.
    let current_only =
        TokenVerifier::with_keys(KeySet::new(signing("e1", KEY_PEM).verifying_key(), []), &names(), Duration::ZERO);
    assert_eq!(current_only.verify(&old_token, NOW), Err(TokenError::UnknownKey));
    assert!(current_only.verify(&new_token, NOW).is_ok());
}

#[test]
fn unknown_kids_are_refused_and_no_kid_means_the_current_key() {
    for kid in ["e2", "k1", "", "E1", "e1 "] {
        let token = forge_es256(&es256_kid(kid), &good_claims(), KEY_PEM);
        assert_eq!(verifier().verify(&token, NOW), Err(TokenError::UnknownKey), "{kid:?}");
    }
    let no_kid = json!({"alg": "ES256", "typ": "JWT"});
    assert!(verifier().verify(&forge_es256(&no_kid, &good_claims(), KEY_PEM), NOW).is_ok());
    assert_eq!(
        verifier().verify(&forge_es256(&no_kid, &good_claims(), OTHER_KEY_PEM), NOW),
        Err(TokenError::BadSignature)
    );
}

/// The classic confusion attack: the public key is public, so an attacker
/// signs an HS256 token with it as the HMAC secret, in every form the key is
/// published, naming the ES256 key (or none). HS256 is not that key's algorithm.
#[test]
fn hs256_tokens_keyed_with_the_public_key_are_refused() {
    let public = hex(PUBLIC_HEX);
    let jwk = serde_json::to_string(&signing("e1", KEY_PEM).verifying_key().jwk().unwrap()).unwrap();
    let jwks = serde_json::to_string(&verifier_keys().jwks()).unwrap();
    let spki_der = base64::engine::general_purpose::STANDARD
        .decode(PUBLIC_PEM.lines().filter(|l| !l.starts_with("-----")).collect::<String>())
        .unwrap();
    let secrets: Vec<Vec<u8>> = vec![
        public.clone(),
        public[1..].to_vec(),
        spki_der,
        PUBLIC_PEM.as_bytes().to_vec(),
        PUBLIC_PEM.trim_end().as_bytes().to_vec(),
        jwk.into_bytes(),
        jwks.into_bytes(),
        PUBLIC_HEX.as_bytes().to_vec(),
    ];
    for secret in &secrets {
        for header in [
            json!({"alg": "HS256", "typ": "JWT", "kid": "e1"}),
            json!({"alg": "HS256", "kid": "e0"}),
            json!({"alg": "HS256"}),
        ] {
            let token = forge_raw(&header.to_string(), &good_claims().to_string(), secret);
            assert_eq!(verifier().verify(&token, NOW), Err(TokenError::WrongAlgorithm), "{header}");
        }
    }
}

fn verifier_keys() -> KeySet {
    KeySet::new(signing("e1", KEY_PEM).verifying_key(), [signing("e0", OTHER_KEY_PEM).verifying_key()])
}

/// A key set in transition from HS256 to ES256 (or back): each kid accepts
/// only its own key's algorithm.
#[test]
fn mixed_key_sets_pin_each_kid_to_its_algorithm() {
    let hs_secret = b"0123456789abcdef0123456789abcdef";
    let keys = KeySet::new(signing("e1", KEY_PEM).verifying_key(), [VerifyingKey::hs256("h0", hs_secret).unwrap()]);
    let verifier = TokenVerifier::with_keys(keys, &names(), Duration::ZERO);
    let hs_token = forge_raw(&json!({"alg": "HS256", "kid": "h0"}).to_string(), &good_claims().to_string(), hs_secret);
    assert!(verifier.verify(&hs_token, NOW).is_ok(), "the old HS256 key still verifies its tokens");
    assert!(verifier.verify(&issue(&issuer("e1", KEY_PEM)), NOW).is_ok());
    // ES256 naming the HS256 key, HS256 naming the ES256 key: refused before any signature check.
    let es_as_h0 = forge_es256(&es256_kid("h0"), &good_claims(), KEY_PEM);
    assert_eq!(verifier.verify(&es_as_h0, NOW), Err(TokenError::WrongAlgorithm));
    let hs_as_e1 = forge_raw(&json!({"alg": "HS256", "kid": "e1"}).to_string(), &good_claims().to_string(), hs_secret);
    assert_eq!(verifier.verify(&hs_as_e1, NOW), Err(TokenError::WrongAlgorithm));
    let hs_no_kid = forge_raw(&json!({"alg": "HS256"}).to_string(), &good_claims().to_string(), hs_secret);
    assert_eq!(verifier.verify(&hs_no_kid, NOW), Err(TokenError::WrongAlgorithm), "no kid: the current key, ES256");
    // The JWKS holds the ES256 key only.
    assert_eq!(verifier_keys_jwks_kids(&verifier), ["e1"]);
}

fn verifier_keys_jwks_kids(verifier: &TokenVerifier) -> Vec<String> {
    verifier.keys().jwks().keys.into_iter().map(|k| k.kid).collect()
}

#[test]
fn none_and_other_algorithms_are_refused() {
    let claims = good_claims().to_string();
    for alg in ["none", "None", "NONE", "es256", "ES384", "ES512", "ES256K", "RS256", "PS256", "EdDSA", ""] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": "e1"}).to_string();
        let unsigned = format!("{}.{}.", b64(header.as_bytes()), b64(claims.as_bytes()));
        assert_eq!(verifier().verify(&unsigned, NOW), Err(TokenError::Malformed), "{alg} unsigned");
        let with_signature = forge_es256(&json!({"alg": alg, "kid": "e1"}), &good_claims(), KEY_PEM);
        assert_eq!(verifier().verify(&with_signature, NOW), Err(TokenError::WrongAlgorithm), "{alg}");
    }
}

#[test]
fn signatures_of_the_wrong_form_are_refused() {
    let token = issue(&issuer("e1", KEY_PEM));
    let (message, signature) = token.rsplit_once('.').unwrap();
    let raw = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let with = |bytes: &[u8]| format!("{message}.{}", URL_SAFE_NO_PAD.encode(bytes));
    assert!(verifier().verify(&with(&raw), NOW).is_ok());
    let der = der_signature(&raw);
    assert!(der.len() > 64);
    for wrong in [der, raw[..63].to_vec(), [&raw[..], &[0]].concat(), raw[..32].to_vec(), vec![0; 64]] {
        assert_eq!(verifier().verify(&with(&wrong), NOW), Err(TokenError::BadSignature), "{} bytes", wrong.len());
    }
    // Every length of signature text: malformed base64url, or not a signature.
    for length in 1..=120 {
        let forged = format!("{message}.{}", "A".repeat(length));
        let expected = if length % 4 == 1 { TokenError::Malformed } else { TokenError::BadSignature };
        assert_eq!(verifier().verify(&forged, NOW), Err(expected), "{length}");
    }
    let mut tampered = good_claims();
    tampered["roles"] = json!(["admin", "superuser"]);
    let payload_swapped =
        format!("{}.{}.{signature}", message.split('.').next().unwrap(), b64(tampered.to_string().as_bytes()));
    assert_eq!(verifier().verify(&payload_swapped, NOW), Err(TokenError::BadSignature));
}

#[test]
fn the_strict_header_rules_hold_for_es256() {
    for extra in [json!({"jku": "https://evil.example/jwks.json"}), json!({"jwk": {"kty": "EC"}}), json!({"x5u": "x"})]
    {
        let mut header = es256_kid("e1");
        header.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        assert_eq!(verifier().verify(&forge_es256(&header, &good_claims(), KEY_PEM), NOW), Err(TokenError::BadHeader));
    }
}

#[test]
fn jwk_export_and_import_round_trip() {
    let key = signing("e1", KEY_PEM).verifying_key();
    let jwk = key.jwk().unwrap();
    let imported = jwk.verifying_key().unwrap();
    assert_eq!((imported.kid(), imported.public_key()), ("e1", key.public_key()));
    let token = issue(&issuer("e1", KEY_PEM));
    let from_jwks: Jwks = serde_json::from_str(&serde_json::to_string(&verifier_keys().jwks()).unwrap()).unwrap();
    let mut keys = from_jwks.verifying_keys().unwrap().into_iter();
    let verifier = TokenVerifier::with_keys(KeySet::new(keys.next().unwrap(), keys), &names(), Duration::ZERO);
    assert!(verifier.verify(&token, NOW).is_ok());
    assert!(verifier.verify(&issue(&issuer("e0", OTHER_KEY_PEM)), NOW).is_ok());
    // Without alg and use (other tools omit them), the key still reads.
    let bare = Jwk { alg: None, key_use: None, ..jwk.clone() };
    assert!(bare.verifying_key().is_ok());
}

#[test]
fn the_jwks_document_has_exactly_the_published_shape() {
    let public = hex(PUBLIC_HEX);
    let (x, y) = (URL_SAFE_NO_PAD.encode(&public[1..33]), URL_SAFE_NO_PAD.encode(&public[33..]));
    let jwks = serde_json::to_string(&verifier_keys().jwks()).unwrap();
    let other = Es256PrivateKey::from_text(OTHER_KEY_PEM).unwrap().public_key();
    let (x0, y0) = (URL_SAFE_NO_PAD.encode(&other[1..33]), URL_SAFE_NO_PAD.encode(&other[33..]));
    assert_eq!(
        jwks,
        format!(
            r#"{{"keys":[{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}","kid":"e1","alg":"ES256","use":"sig"}},{{"kty":"EC","crv":"P-256","x":"{x0}","y":"{y0}","kid":"e0","alg":"ES256","use":"sig"}}]}}"#
        )
    );
    assert_eq!(x.len(), 43);
    // HS256 keys are secrets: an HS256 key set publishes nothing.
    let hs = KeySet::new(VerifyingKey::hs256("k1", b"secret").unwrap(), [VerifyingKey::hs256("k0", b"old").unwrap()]);
    assert_eq!(serde_json::to_string(&hs.jwks()).unwrap(), r#"{"keys":[]}"#);
    // A kid configured twice is published once: the key that verifies it.
    let shadowed = KeySet::new(
        signing("e1", OTHER_KEY_PEM).verifying_key(),
        [signing("e1", KEY_PEM).verifying_key(), VerifyingKey::hs256("e1", b"secret").unwrap()],
    );
    assert_eq!(shadowed.jwks().keys.len(), 0, "the last e1 is the HS256 key");
    let twice = KeySet::new(signing("e1", OTHER_KEY_PEM).verifying_key(), [signing("e1", KEY_PEM).verifying_key()]);
    assert_eq!(twice.jwks().keys, [signing("e1", KEY_PEM).verifying_key().jwk().unwrap()]);
}

#[test]
fn jwks_that_are_not_es256_public_keys_are_refused() {
    let jwk = signing("e1", KEY_PEM).verifying_key().jwk().unwrap();
    let (x, y) = (jwk.x.clone().unwrap(), jwk.y.clone().unwrap());
    let mut value = serde_json::to_value(&jwk).unwrap();
    for (field, bad) in [
        ("kty", json!("RSA")),
        ("kty", json!("oct")),
        ("crv", json!("P-384")),
        ("alg", json!("HS256")),
        ("alg", json!("ES384")),
        ("use", json!("enc")),
        ("x", json!(&x[..42])),
        ("x", json!(format!("{x}="))),
        ("y", json!(format!("{y}AA"))),
        ("n", json!(x)),
        ("x", json!(jwk.y)),
    ] {
        let original = value[field].clone();
        value[field] = bad.clone();
        let refused = serde_json::from_value::<Jwk>(value.clone()).map_or(Ok(()), |jwk| match jwk.verifying_key() {
            Err(TokenError::InvalidKey) => Ok(()),
            Err(e) => Err(format!("{e:?}")),
            Ok(_) => Err("accepted".into()),
        });
        // x = y is a well-formed point off the curve: accepted in form, it verifies nothing.
        if field == "x" && bad == json!(jwk.y) {
            assert_eq!(refused, Err("accepted".to_string()));
            let off = serde_json::from_value::<Jwk>(value.clone()).unwrap().verifying_key().unwrap();
            let token = issue(&issuer("e1", KEY_PEM));
            let verifier = TokenVerifier::with_keys(KeySet::new(off, []), &names(), Duration::ZERO);
            assert_eq!(verifier.verify(&token, NOW), Err(TokenError::BadSignature));
        } else {
            assert_eq!(refused, Ok(()), "{field} = {bad}");
        }
        value[field] = original;
    }
    // A private JWK (with d) is refused where a public key belongs.
    let mut private = serde_json::to_value(&jwk).unwrap();
    private["d"] = json!(URL_SAFE_NO_PAD.encode([1u8; 32]));
    assert!(serde_json::from_value::<Jwk>(private).is_err());
}

#[test]
fn verifying_keys_are_read_from_sec1_or_spki() {
    let public = hex(PUBLIC_HEX);
    let token = issue(&issuer("e1", KEY_PEM));
    let spki = base64::engine::general_purpose::STANDARD
        .decode(PUBLIC_PEM.lines().filter(|l| !l.starts_with("-----")).collect::<String>())
        .unwrap();
    for bytes in [public.clone(), spki] {
        let key = VerifyingKey::es256("e1", &bytes).unwrap();
        assert_eq!(key.public_key(), Some(&public[..]));
        let verifier = TokenVerifier::with_keys(KeySet::new(key, []), &names(), Duration::ZERO);
        assert!(verifier.verify(&token, NOW).is_ok());
    }
    assert_eq!(VerifyingKey::es256("e1", &public[1..]).unwrap_err(), TokenError::InvalidKey);
    assert_eq!(VerifyingKey::hs256("k", b"secret").unwrap().public_key(), None);
}

#[test]
fn debug_output_never_shows_the_private_key() {
    let key = signing("e1", KEY_PEM);
    let shown = format!("{key:?}");
    assert!(shown.contains("e1") && shown.contains("Es256"), "{shown}");
    let private = private_key();
    for secret in [private.to_base64(), hex_string(&private.pkcs8_der()[36..68])] {
        assert!(!shown.contains(&secret), "{shown}");
    }
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
