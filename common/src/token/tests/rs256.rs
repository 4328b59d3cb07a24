//! RS256 tokens end to end: issue, verify, rotate, publish; and every way a
//! token may try to get around the public key, as for ES256.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

use super::{b64, forge_raw, good_claims, names, roles};
use crate::token::rs256::tests::{KEY_PEM, MODULUS_HEX, OTHER_KEY_PEM, PUBLIC_PEM, hex, pem_body, private_key};
use crate::token::{
    Claims, Jwk, Jwks, KeySet, Rs256PrivateKey, SigningKey, Subject, TokenError, TokenIssuer, TokenVerifier,
    VerifyingKey,
};

const NOW: u64 = 1_700_000_000;

fn signing(kid: &str, pem: &str) -> SigningKey {
    SigningKey::rs256(kid, &Rs256PrivateKey::from_text(pem).unwrap()).unwrap()
}

fn issuer(kid: &str, pem: &str) -> TokenIssuer {
    TokenIssuer::with_key(signing(kid, pem), &names(), Duration::from_secs(3600))
}

fn issue(issuer: &TokenIssuer) -> String {
    let roles = roles();
    issuer.issue(Subject { user_id: "user-1", username: "alice", roles: &roles }, NOW).unwrap().access_token
}

fn keys() -> KeySet {
    KeySet::new(signing("r1", KEY_PEM).verifying_key(), [signing("r0", OTHER_KEY_PEM).verifying_key()])
}

/// Public keys only: the current RS256 key `r1`, the previous `r0`.
fn verifier() -> TokenVerifier {
    TokenVerifier::with_keys(keys(), &names(), Duration::from_secs(30))
}

/// Signs `header.payload` with RS256 through jsonwebtoken (RustCrypto's `rsa`).
fn forge_rs256(header: &Value, claims: &Value, pem: &str) -> String {
    let message = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    let key = their_key(pem);
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::RS256).unwrap();
    format!("{message}.{signature}")
}

/// jsonwebtoken's RSA key: PKCS#1 DER, the RSAPrivateKey inside the PKCS#8
/// document (after its version and rsaEncryption identifier, 22 bytes in,
/// an OCTET STRING with a two-byte length).
fn their_key(pem: &str) -> EncodingKey {
    let pkcs8 = STANDARD.decode(pem_body(pem)).unwrap();
    assert_eq!(pkcs8[22..24], [0x04, 0x82]);
    EncodingKey::from_rsa_der(&pkcs8[26..])
}

fn rs256_kid(kid: &str) -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": kid})
}

fn header_of(token: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap()
}

#[test]
fn round_trip_with_public_keys_only() {
    let token = issue(&issuer("r1", KEY_PEM));
    assert_eq!(header_of(&token), json!({"typ": "JWT", "alg": "RS256", "kid": "r1"}));
    let signature = token.rsplit('.').next().unwrap();
    assert_eq!(signature.len(), 342, "256 bytes, unpadded base64url");
    let claims = verifier().verify(&token, NOW).unwrap();
    assert_eq!((claims.sub.as_str(), claims.username.as_str(), claims.roles), ("user-1", "alice", roles()));
    assert_eq!(verifier().verify(&token, NOW + 3600 + 30), Err(TokenError::Expired));
    // A 4096-bit key: its 512-byte signatures decode and verify too.
    let big = crate::token::rs256::tests::BIG_KEY_PEM;
    let token = issue(&issuer("big", big));
    assert_eq!(token.rsplit('.').next().unwrap().len(), 683);
    let verifier =
        TokenVerifier::with_keys(KeySet::new(signing("big", big).verifying_key(), []), &names(), Duration::ZERO);
    assert!(verifier.verify(&token, NOW).is_ok());
}

/// jsonwebtoken (RustCrypto's `rsa`) verifies our tokens, and we verify its.
#[test]
fn tokens_interoperate_with_jsonwebtoken() {
    let token = issue(&issuer("r1", KEY_PEM));
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&["authenticate"]);
    validation.set_audience(&["api"]);
    validation.validate_exp = false;
    let jwk = signing("r1", KEY_PEM).verifying_key().jwk().unwrap();
    let key = DecodingKey::from_rsa_components(jwk.n.as_ref().unwrap(), jwk.e.as_ref().unwrap()).unwrap();
    let theirs = jsonwebtoken::decode::<Claims>(&token, &key, &validation).unwrap();
    assert_eq!(theirs.header.kid.as_deref(), Some("r1"));
    assert_eq!(theirs.claims, verifier().verify(&token, NOW).unwrap());
    // Their reading of our JWK JSON, too.
    let their_jwk: jsonwebtoken::jwk::Jwk = serde_json::from_str(&serde_json::to_string(&jwk).unwrap()).unwrap();
    assert!(jsonwebtoken::decode::<Claims>(&token, &DecodingKey::from_jwk(&their_jwk).unwrap(), &validation).is_ok());

    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("r1".into());
    let forged = jsonwebtoken::encode(&header, &good_claims(), &their_key(KEY_PEM)).unwrap();
    assert_eq!(verifier().verify(&forged, NOW).unwrap().sub, "user-1");
}

/// Signed by OpenSSL (`openssl dgst -sha256 -sign` of `header.payload` with
/// KEY_PEM; an RSA signature needs no rewriting): a third implementation.
const OPENSSL_TOKEN: &str = include_str!("rs256_openssl_token.txt");

#[test]
fn a_token_signed_by_openssl_verifies() {
    let token = OPENSSL_TOKEN.trim();
    let key = signing("rs", KEY_PEM).verifying_key();
    let verifier = TokenVerifier::with_keys(KeySet::new(key, []), &names(), Duration::ZERO);
    let claims = verifier.verify(token, 1_800_000_000).unwrap();
    assert_eq!((claims.username.as_str(), claims.roles), ("alice", roles()));
    // PKCS#1 v1.5 is deterministic: ring signs the same bytes openssl did.
    let (message, signature) = token.rsplit_once('.').unwrap();
    let ours = signing("rs", KEY_PEM).sign(message.as_bytes()).unwrap();
    assert_eq!(URL_SAFE_NO_PAD.encode(ours), signature);
    let mut raw = URL_SAFE_NO_PAD.decode(signature).unwrap();
    raw[0] ^= 1;
    let tampered = format!("{message}.{}", URL_SAFE_NO_PAD.encode(raw));
    assert_eq!(verifier.verify(&tampered, 1_800_000_000), Err(TokenError::BadSignature));
}

#[test]
fn rotation_new_key_signs_previous_public_key_still_verifies() {
    let old_token = issue(&issuer("r0", OTHER_KEY_PEM));
    let new_token = issue(&issuer("r1", KEY_PEM));
    assert!(verifier().verify(&old_token, NOW).is_ok(), "the previous key still verifies");
    assert!(verifier().verify(&new_token, NOW).is_ok());
    let relabelled = forge_rs256(&rs256_kid("r1"), &good_claims(), OTHER_KEY_PEM);
    assert_eq!(verifier().verify(&relabelled, NOW), Err(TokenError::BadSignature));
    let current_only =
        TokenVerifier::with_keys(KeySet::new(signing("r1", KEY_PEM).verifying_key(), []), &names(), Duration::ZERO);
    assert_eq!(current_only.verify(&old_token, NOW), Err(TokenError::UnknownKey));
    let no_kid = json!({"alg": "RS256", "typ": "JWT"});
    assert!(verifier().verify(&forge_rs256(&no_kid, &good_claims(), KEY_PEM), NOW).is_ok(), "the current key");
}

/// The classic confusion attack, with the RSA public key in every form it is
/// published or printed as the HMAC secret: HS256 is not that key's algorithm.
#[test]
fn hs256_tokens_keyed_with_the_public_key_are_refused() {
    let jwk = serde_json::to_string(&signing("r1", KEY_PEM).verifying_key().jwk().unwrap()).unwrap();
    let jwks = serde_json::to_string(&keys().jwks()).unwrap();
    let spki_der = STANDARD.decode(pem_body(PUBLIC_PEM)).unwrap();
    let secrets: Vec<Vec<u8>> = vec![
        spki_der,
        PUBLIC_PEM.as_bytes().to_vec(),
        PUBLIC_PEM.trim_end().as_bytes().to_vec(),
        hex(MODULUS_HEX),
        MODULUS_HEX.as_bytes().to_vec(),
        jwk.into_bytes(),
        jwks.into_bytes(),
    ];
    for secret in &secrets {
        for header in [
            json!({"alg": "HS256", "typ": "JWT", "kid": "r1"}),
            json!({"alg": "HS256", "kid": "r0"}),
            json!({"alg": "HS256"}),
        ] {
            let token = forge_raw(&header.to_string(), &good_claims().to_string(), secret);
            assert_eq!(verifier().verify(&token, NOW), Err(TokenError::WrongAlgorithm), "{header}");
        }
    }
}

/// RS256 and ES256 keys side by side (a migration): each kid accepts only its
/// own key's algorithm, and an RS256 token naming an ES256 key is refused
/// before any signature check, as is the reverse.
#[test]
fn mixed_key_sets_pin_each_kid_to_its_algorithm() {
    let ec = crate::token::es256::tests::private_key();
    let ec_key = SigningKey::es256("e1", &ec).unwrap();
    let keys = KeySet::new(signing("r1", KEY_PEM).verifying_key(), [ec_key.verifying_key()]);
    let verifier = TokenVerifier::with_keys(keys, &names(), Duration::ZERO);
    assert!(verifier.verify(&issue(&issuer("r1", KEY_PEM)), NOW).is_ok());
    let es_token = TokenIssuer::with_key(ec_key, &names(), Duration::from_secs(60));
    assert!(verifier.verify(&issue(&es_token), NOW).is_ok());
    let rs_as_e1 = forge_rs256(&rs256_kid("e1"), &good_claims(), KEY_PEM);
    assert_eq!(verifier.verify(&rs_as_e1, NOW), Err(TokenError::WrongAlgorithm));
    let es_as_r1 = issue(&es_token).replacen(
        &b64(br#"{"typ":"JWT","alg":"ES256","kid":"e1"}"#),
        &b64(br#"{"typ":"JWT","alg":"ES256","kid":"r1"}"#),
        1,
    );
    assert_eq!(verifier.verify(&es_as_r1, NOW), Err(TokenError::WrongAlgorithm));
    let kids: Vec<String> = verifier.keys().jwks().keys.into_iter().map(|k| k.kid).collect();
    assert_eq!(kids, ["r1", "e1"], "both public keys are published");
}

#[test]
fn none_and_other_algorithms_are_refused() {
    let claims = good_claims().to_string();
    for alg in ["none", "None", "rs256", "RS384", "RS512", "PS256", "ES256", "HS256", ""] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": "r1"}).to_string();
        let unsigned = format!("{}.{}.", b64(header.as_bytes()), b64(claims.as_bytes()));
        assert_eq!(verifier().verify(&unsigned, NOW), Err(TokenError::Malformed), "{alg} unsigned");
        let with_signature = forge_rs256(&json!({"alg": alg, "kid": "r1"}), &good_claims(), KEY_PEM);
        assert_eq!(verifier().verify(&with_signature, NOW), Err(TokenError::WrongAlgorithm), "{alg}");
    }
    // RS384 signed by the same key, honestly labelled: not this key's algorithm.
    let message = format!("{}.{}", b64(br#"{"alg":"RS384","kid":"r1"}"#), b64(claims.as_bytes()));
    let key = their_key(KEY_PEM);
    let rs384 =
        format!("{message}.{}", jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::RS384).unwrap());
    assert_eq!(verifier().verify(&rs384, NOW), Err(TokenError::WrongAlgorithm));
}

#[test]
fn signatures_of_the_wrong_form_are_refused() {
    let token = issue(&issuer("r1", KEY_PEM));
    let (message, signature) = token.rsplit_once('.').unwrap();
    let raw = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let with = |bytes: &[u8]| format!("{message}.{}", URL_SAFE_NO_PAD.encode(bytes));
    assert!(verifier().verify(&with(&raw), NOW).is_ok());
    // PSS by the same key (RS256's sibling, PS256) is not PKCS#1 v1.5.
    let pss = {
        let key = their_key(KEY_PEM);
        URL_SAFE_NO_PAD.decode(jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::PS256).unwrap()).unwrap()
    };
    let mut flipped = raw.clone();
    flipped[255] ^= 0x80;
    for wrong in
        [pss, flipped, raw[..255].to_vec(), [&raw[..], &[0]].concat(), vec![0; 256], vec![0xff; 256], vec![0; 1024]]
    {
        assert_eq!(verifier().verify(&with(&wrong), NOW), Err(TokenError::BadSignature), "{} bytes", wrong.len());
    }
    for length in [1, 2, 43, 86, 87, 341, 342, 343, 1366, 2000] {
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
fn the_jwks_document_has_exactly_the_published_shape() {
    let n = URL_SAFE_NO_PAD.encode(hex(MODULUS_HEX));
    let other = Rs256PrivateKey::from_text(OTHER_KEY_PEM).unwrap();
    let n0 = URL_SAFE_NO_PAD.encode(other.modulus());
    assert_eq!(
        serde_json::to_string(&keys().jwks()).unwrap(),
        format!(
            r#"{{"keys":[{{"kty":"RSA","n":"{n}","e":"AQAB","kid":"r1","alg":"RS256","use":"sig"}},{{"kty":"RSA","n":"{n0}","e":"AQAB","kid":"r0","alg":"RS256","use":"sig"}}]}}"#
        )
    );
    assert_eq!(n.len(), 342);
    // Read back, the set verifies what its keys signed.
    let read: Jwks = serde_json::from_str(&serde_json::to_string(&keys().jwks()).unwrap()).unwrap();
    let mut keys = read.verifying_keys().unwrap().into_iter();
    let verifier = TokenVerifier::with_keys(KeySet::new(keys.next().unwrap(), keys), &names(), Duration::ZERO);
    assert!(verifier.verify(&issue(&issuer("r0", OTHER_KEY_PEM)), NOW).is_ok());
    let key = VerifyingKey::rs256("r1", &hex(MODULUS_HEX), &[1, 0, 1]).unwrap();
    assert_eq!((key.public_key(), key.signature_len()), (Some(&hex(MODULUS_HEX)[..]), 256));
}

#[test]
fn jwks_that_are_not_rsa_public_keys_are_refused() {
    let jwk = signing("r1", KEY_PEM).verifying_key().jwk().unwrap();
    let n = jwk.n.clone().unwrap();
    let ec = crate::token::es256::tests::private_key();
    let ec_jwk = SigningKey::es256("e1", &ec).unwrap().verifying_key().jwk().unwrap();
    let mut value = serde_json::to_value(&jwk).unwrap();
    let secret = json!(URL_SAFE_NO_PAD.encode([7u8; 128]));
    for (field, bad) in [
        ("kty", json!("EC")),
        ("kty", json!("oct")),
        ("kty", json!("rsa")),
        ("alg", json!("HS256")),
        ("alg", json!("RS384")),
        ("alg", json!("ES256")),
        ("use", json!("enc")),
        ("n", json!(format!("{n}="))),
        ("n", json!(&n[..170])),
        ("n", json!(format!("{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}"))),
        ("e", json!("AQAA")),
        ("e", json!("AQ")),
        ("e", json!("")),
        ("crv", json!("P-256")),
        ("x", ec_jwk.x.clone().into()),
        ("d", secret.clone()),
        ("p", secret.clone()),
        ("q", secret.clone()),
        ("dp", secret.clone()),
        ("dq", secret.clone()),
        ("qi", secret.clone()),
        ("k", secret.clone()),
        ("x5c", json!(["MIIB"])),
    ] {
        let original = value.get(field).cloned();
        value[field] = bad.clone();
        let refused = serde_json::from_value::<Jwk>(value.clone()).map_or(Ok(()), |jwk| match jwk.verifying_key() {
            Err(TokenError::InvalidKey | TokenError::WeakKey) => Ok(()),
            Err(e) => Err(format!("{e:?}")),
            Ok(_) => Err("accepted".to_string()),
        });
        assert_eq!(refused, Ok(()), "{field} = {bad}");
        match original {
            Some(original) => value[field] = original,
            None => drop(value.as_object_mut().unwrap().remove(field)),
        }
    }
    // An EC key with an RSA field is refused the same way.
    let mut ec_value = serde_json::to_value(&ec_jwk).unwrap();
    ec_value["n"] = json!(n);
    assert!(serde_json::from_value::<Jwk>(ec_value).unwrap().verifying_key().is_err());
    // Without alg and use (other tools omit them), the key still reads.
    assert!(Jwk { alg: None, key_use: None, ..jwk }.verifying_key().is_ok());
}

#[test]
fn small_rsa_keys_are_refused_to_sign_and_to_verify() {
    let small = crate::token::rs256::tests::SMALL_KEY_PEM;
    assert_eq!(Rs256PrivateKey::from_text(small).unwrap_err(), TokenError::WeakKey);
    // Its public half as a JWK (read with jsonwebtoken's parser of the PEM's own components).
    let der = STANDARD.decode(pem_body(small)).unwrap();
    let n = small_modulus(&der);
    assert_eq!(n.len(), 128);
    let jwk = json!({"kty": "RSA", "n": URL_SAFE_NO_PAD.encode(&n), "e": "AQAB", "kid": "small"});
    let jwk: Jwk = serde_json::from_value(jwk).unwrap();
    assert_eq!(jwk.verifying_key().unwrap_err(), TokenError::WeakKey);
    assert_eq!(VerifyingKey::rs256("small", &n, &[1, 0, 1]).unwrap_err(), TokenError::WeakKey);
}

/// The modulus of a 1024-bit PKCS#8 RSA key: its first INTEGER after the
/// version, at a fixed offset for a key of this size (openssl's layout).
fn small_modulus(der: &[u8]) -> Vec<u8> {
    let at = der.windows(3).position(|w| w == [0x02, 0x81, 0x81]).unwrap();
    der[at + 4..at + 3 + 0x81].to_vec()
}

#[test]
fn debug_output_never_shows_the_private_key() {
    let shown = format!("{:?}", signing("r1", KEY_PEM));
    assert!(shown.contains("r1") && shown.contains("Rs256"), "{shown}");
    assert!(!shown.contains(&private_key().to_base64()[40..80]), "{shown}");
}
