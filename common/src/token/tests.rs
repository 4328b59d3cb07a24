use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
// Tokens are forged with jsonwebtoken, an independent implementation.
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::{KeySet, MAX_TOKEN_BYTES, SigningKey, Subject, TokenError, TokenIssuer, TokenVerifier, VerifyingKey};
use crate::config::{IssuerConfig, KeyMaterial, Secret, TokenAudience, VerifierConfig, VerifierKeys};

mod es256;
mod rs256;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const OLD_SECRET: &[u8] = b"an-older-key-that-was-rotated-out-of-signing";
const NOW: u64 = 1_700_000_000;

fn names() -> TokenAudience {
    TokenAudience { issuer: "authenticate".into(), audience: "api".into() }
}

fn key(kid: &str, secret: &[u8]) -> KeyMaterial {
    KeyMaterial { kid: kid.into(), secret: Secret::new(secret.to_vec()) }
}

fn issuer() -> TokenIssuer {
    TokenIssuer::new(&IssuerConfig { key: key("k1", SECRET).into(), ttl: Duration::from_secs(3600), names: names() })
        .unwrap()
}

fn verifier() -> TokenVerifier {
    TokenVerifier::new(&VerifierConfig {
        keys: VerifierKeys::Hs256 { current: key("k1", SECRET), previous: vec![key("k0", OLD_SECRET)] },
        names: names(),
        leeway: Duration::from_secs(30),
    })
    .unwrap()
}

fn roles() -> Vec<String> {
    vec!["admin".into(), "dev".into()]
}

fn issue_at(now: u64) -> String {
    let roles = roles();
    issuer().issue(Subject { user_id: "user-1", username: "alice", roles: &roles }, now).unwrap().access_token
}

fn good_claims() -> Value {
    json!({
        "iss": "authenticate", "aud": "api", "sub": "user-1", "username": "alice",
        "roles": ["admin"], "iat": NOW, "nbf": NOW, "exp": NOW + 3600, "jti": "j-1"
    })
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Builds a token from raw header and payload text, signed with `secret` under HS256.
fn forge_raw(header: &str, payload: &str, secret: &[u8]) -> String {
    let message = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &EncodingKey::from_secret(secret).unwrap(), Algorithm::HS256)
            .unwrap();
    format!("{message}.{signature}")
}

fn forge(header: Value, claims: Value) -> String {
    forge_raw(&header.to_string(), &claims.to_string(), SECRET)
}

fn hs256_kid(kid: &str) -> Value {
    json!({"alg": "HS256", "typ": "JWT", "kid": kid})
}

#[test]
fn issued_token_has_the_documented_header_and_claims() {
    let token = issue_at(NOW);
    let mut parts = token.split('.');
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    assert_eq!(header, json!({"alg": "HS256", "typ": "JWT", "kid": "k1"}));
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
    assert_eq!(claims["iss"], "authenticate");
    assert_eq!(claims["aud"], "api");
    assert_eq!(claims["sub"], "user-1");
    assert_eq!(claims["username"], "alice");
    assert_eq!(claims["roles"], json!(["admin", "dev"]));
    assert_eq!(claims["iat"], NOW);
    assert_eq!(claims["nbf"], NOW);
    assert_eq!(claims["exp"], NOW + 3600);
    let jti = uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).unwrap();
    assert_eq!(jti.get_version_num(), 4);
}

#[test]
fn each_token_gets_a_fresh_jti() {
    assert_ne!(issue_at(NOW), issue_at(NOW));
}

#[test]
fn round_trip() {
    let claims = verifier().verify(&issue_at(NOW), NOW).unwrap();
    assert_eq!(claims.sub, "user-1");
    assert_eq!(claims.username, "alice");
    assert_eq!(claims.roles, roles());
    assert_eq!(claims.exp, NOW + 3600);
}

#[test]
fn expiry_honours_the_leeway_exactly() {
    let token = issue_at(NOW);
    let exp = NOW + 3600;
    assert!(verifier().verify(&token, exp + 29).is_ok());
    assert_eq!(verifier().verify(&token, exp + 30), Err(TokenError::Expired));
    assert_eq!(verifier().verify(&token, exp + 100_000), Err(TokenError::Expired));
}

#[test]
fn not_yet_valid_and_future_iat_are_refused_beyond_the_leeway() {
    let token = issue_at(NOW);
    assert!(verifier().verify(&token, NOW - 30).is_ok());
    assert_eq!(verifier().verify(&token, NOW - 31), Err(TokenError::NotYetValid));

    let mut claims = good_claims();
    claims["nbf"] = json!(NOW - 100);
    claims["iat"] = json!(NOW + 31);
    assert_eq!(verifier().verify(&forge(hs256_kid("k1"), claims), NOW), Err(TokenError::IssuedInFuture));
}

#[test]
fn zero_leeway_is_exact() {
    let strict = TokenVerifier::new(&VerifierConfig {
        keys: VerifierKeys::Hs256 { current: key("k1", SECRET), previous: vec![] },
        names: names(),
        leeway: Duration::ZERO,
    })
    .unwrap();
    let token = issue_at(NOW);
    assert!(strict.verify(&token, NOW + 3599).is_ok());
    assert_eq!(strict.verify(&token, NOW + 3600), Err(TokenError::Expired));
    assert_eq!(strict.verify(&token, NOW - 1), Err(TokenError::NotYetValid));
}

#[test]
fn tampered_payload_fails_the_signature() {
    let token = issue_at(NOW);
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["roles"] = json!(["admin", "superuser"]);
    let tampered = format!("{}.{}.{}", parts[0], b64(claims.to_string().as_bytes()), parts[2]);
    assert_eq!(verifier().verify(&tampered, NOW), Err(TokenError::BadSignature));
}

#[test]
fn signature_problems_are_refused() {
    let token = issue_at(NOW);
    let (message, signature) = token.rsplit_once('.').unwrap();
    let mut flipped = signature.as_bytes().to_vec();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    let flipped = format!("{message}.{}", String::from_utf8(flipped).unwrap());
    assert_eq!(verifier().verify(&flipped, NOW), Err(TokenError::BadSignature));
    assert_eq!(verifier().verify(&format!("{message}."), NOW), Err(TokenError::Malformed), "empty signature");
    let long = format!("{message}.{signature}AAAA");
    assert_eq!(verifier().verify(&long, NOW), Err(TokenError::BadSignature));
    let other_key =
        forge_raw(&hs256_kid("k1").to_string(), &good_claims().to_string(), b"another-secret-of-thirty-two-bytes!!");
    assert_eq!(verifier().verify(&other_key, NOW), Err(TokenError::BadSignature));
}

/// A signature that is not base64url is malformed; any other that is not the
/// key's does not verify, whatever its length.
#[test]
fn signatures_of_every_length_are_malformed_or_do_not_verify() {
    let token = issue_at(NOW);
    let (message, _) = token.rsplit_once('.').unwrap();
    for length in 1..=100 {
        let forged = format!("{message}.{}", "A".repeat(length));
        let expected = if length % 4 == 1 { TokenError::Malformed } else { TokenError::BadSignature };
        assert_eq!(verifier().verify(&forged, NOW), Err(expected), "{length}");
    }
}

#[test]
fn issuer_and_verifier_can_be_built_from_keys() {
    let signing = SigningKey::hs256("k9", OLD_SECRET).unwrap();
    let issuer = TokenIssuer::with_key(signing, &names(), Duration::from_secs(60));
    let roles = roles();
    let token = issuer.issue(Subject { user_id: "user-1", username: "alice", roles: &roles }, NOW).unwrap();
    assert_eq!(token.expires_in, 60);
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.access_token.split('.').next().unwrap()).unwrap())
            .unwrap();
    assert_eq!(header, json!({"alg": "HS256", "typ": "JWT", "kid": "k9"}));

    let keys =
        KeySet::new(VerifyingKey::hs256("k1", SECRET).unwrap(), [VerifyingKey::hs256("k9", OLD_SECRET).unwrap()]);
    let verifier = TokenVerifier::with_keys(keys, &names(), Duration::ZERO);
    assert_eq!(verifier.verify(&token.access_token, NOW).unwrap().exp, NOW + 60);
    assert_eq!(verifier.verify(&token.access_token, NOW + 60), Err(TokenError::Expired));
    // Signed with k9's secret but naming k1: checked with k1's key only.
    let relabelled = forge_raw(&hs256_kid("k1").to_string(), &good_claims().to_string(), OLD_SECRET);
    assert_eq!(verifier.verify(&relabelled, NOW), Err(TokenError::BadSignature));
}

#[test]
fn only_hs256_is_accepted() {
    let claims = good_claims().to_string();
    for alg in ["none", "None", "NONE", "HS384", "HS512", "RS256", "ES256", "EdDSA", ""] {
        let header = json!({"alg": alg, "typ": "JWT", "kid": "k1"}).to_string();
        let signed = forge_raw(&header, &claims, SECRET);
        assert_eq!(verifier().verify(&signed, NOW), Err(TokenError::WrongAlgorithm), "{alg}");
        let unsigned = format!("{}.{}.", b64(header.as_bytes()), b64(claims.as_bytes()));
        // The unsecured form (RFC 7519 §6) has an empty signature: refused before the header is read.
        assert_eq!(verifier().verify(&unsigned, NOW), Err(TokenError::Malformed), "{alg} unsigned");
    }
    // A real HS512 token made with the right secret is still refused.
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &good_claims(),
        &EncodingKey::from_secret(SECRET).unwrap(),
    )
    .unwrap();
    assert_eq!(verifier().verify(&hs512, NOW), Err(TokenError::WrongAlgorithm));
}

#[test]
fn key_fetching_and_critical_header_parameters_are_refused() {
    for extra in [
        json!({"jku": "https://evil.example/jwks.json"}),
        json!({"x5u": "https://evil.example/cert.pem"}),
        json!({"jwk": {"kty": "oct", "k": "AAAA"}}),
        json!({"crit": ["exp-ext"], "exp-ext": 1}),
        json!({"cty": "JWT"}),
    ] {
        let mut header = hs256_kid("k1");
        header.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        assert_eq!(
            verifier().verify(&forge(header.clone(), good_claims()), NOW),
            Err(TokenError::BadHeader),
            "{header}"
        );
    }
    let wrong_typ = json!({"alg": "HS256", "typ": "at+jwt+evil"});
    assert_eq!(verifier().verify(&forge(wrong_typ, good_claims()), NOW), Err(TokenError::BadHeader));
}

#[test]
fn kid_selects_the_key_and_unknown_kids_are_refused() {
    let old = forge_raw(&hs256_kid("k0").to_string(), &good_claims().to_string(), OLD_SECRET);
    assert!(verifier().verify(&old, NOW).is_ok(), "a previous key still verifies");
    // The old key's token relabelled as current must not verify.
    let relabelled = forge_raw(&hs256_kid("k1").to_string(), &good_claims().to_string(), OLD_SECRET);
    assert_eq!(verifier().verify(&relabelled, NOW), Err(TokenError::BadSignature));
    for kid in ["k2", "../../etc/passwd", "' OR '1'='1", "", "k1\u{0}"] {
        assert_eq!(
            verifier().verify(&forge(hs256_kid(kid), good_claims()), NOW),
            Err(TokenError::UnknownKey),
            "{kid:?}"
        );
    }
}

#[test]
fn a_token_without_kid_uses_the_current_key() {
    let no_kid = json!({"alg": "HS256", "typ": "JWT"});
    assert!(verifier().verify(&forge(no_kid.clone(), good_claims()), NOW).is_ok());
    let signed_with_old = forge_raw(&no_kid.to_string(), &good_claims().to_string(), OLD_SECRET);
    assert_eq!(verifier().verify(&signed_with_old, NOW), Err(TokenError::BadSignature));
}

#[test]
fn issuer_and_audience_must_match() {
    let mut claims = good_claims();
    claims["iss"] = json!("someone-else");
    assert_eq!(verifier().verify(&forge(hs256_kid("k1"), claims), NOW), Err(TokenError::WrongIssuer));

    let mut claims = good_claims();
    claims["aud"] = json!("other-api");
    assert_eq!(verifier().verify(&forge(hs256_kid("k1"), claims), NOW), Err(TokenError::WrongAudience));

    let mut claims = good_claims();
    claims["aud"] = json!(["a", "b"]);
    assert_eq!(verifier().verify(&forge(hs256_kid("k1"), claims), NOW), Err(TokenError::WrongAudience));

    let mut claims = good_claims();
    claims["aud"] = json!(["other", "api"]);
    assert!(verifier().verify(&forge(hs256_kid("k1"), claims), NOW).is_ok(), "an array containing ours is accepted");
}

#[test]
fn every_required_claim_must_be_present() {
    for name in ["iss", "aud", "sub", "username", "roles", "iat", "nbf", "exp", "jti"] {
        let mut claims = good_claims();
        claims.as_object_mut().unwrap().remove(name);
        assert_eq!(verifier().verify(&forge(hs256_kid("k1"), claims), NOW), Err(TokenError::InvalidClaims), "{name}");
    }
}

#[test]
fn mistyped_claims_are_refused() {
    for (name, value) in [
        ("exp", json!((NOW + 3600).to_string())),
        ("nbf", json!("0")),
        ("iat", json!(1.5)),
        ("exp", json!(-1)),
        ("roles", json!("admin")),
        ("roles", json!([1, 2])),
        ("sub", json!(42)),
        ("username", json!(null)),
        ("jti", json!({"a": 1})),
        ("iss", json!(["authenticate"])),
    ] {
        let mut claims = good_claims();
        claims[name] = value.clone();
        assert_eq!(
            verifier().verify(&forge(hs256_kid("k1"), claims), NOW),
            Err(TokenError::InvalidClaims),
            "{name} = {value}"
        );
    }
}

/// A validly signed token whose roles could never have been issued: a comma
/// would split into two roles in the authorizer context.
#[test]
fn roles_that_are_not_role_names_are_refused() {
    for roles in [json!(["viewer,admin"]), json!(["admin", ""]), json!(["a b"]), json!(["*"])] {
        let mut claims = good_claims();
        claims["roles"] = roles.clone();
        assert_eq!(verifier().verify(&forge(hs256_kid("k1"), claims), NOW), Err(TokenError::InvalidClaims), "{roles}");
    }
    let mut claims = good_claims();
    claims["roles"] = json!([]);
    assert!(verifier().verify(&forge(hs256_kid("k1"), claims), NOW).is_ok(), "no roles at all is fine");
}

#[test]
fn duplicate_keys_are_refused() {
    let header = hs256_kid("k1").to_string();
    let payload = r#"{"iss":"authenticate","aud":"api","sub":"user-1","username":"alice","roles":[],"iat":1700000000,"nbf":1700000000,"exp":1700003600,"jti":"j","sub":"admin-user"}"#;
    assert_eq!(verifier().verify(&forge_raw(&header, payload, SECRET), NOW), Err(TokenError::InvalidClaims));
    let dup_header = r#"{"alg":"HS256","alg":"none"}"#;
    assert_eq!(
        verifier().verify(&forge_raw(dup_header, &good_claims().to_string(), SECRET), NOW),
        Err(TokenError::BadHeader)
    );
}

#[test]
fn malformed_tokens_are_refused() {
    let token = issue_at(NOW);
    for bad in [
        String::new(),
        "abc".into(),
        "a.b".into(),
        "a.b.c.d".into(),
        "..".into(),
        format!("{token}."),
        format!(" {token}"),
        format!("{token}\t"),
        token.replace('.', ". "),
        format!("{token}=="),
        "ünïcödé.a.b".into(),
        format!("{}.!!!.{}", token.split('.').next().unwrap(), token.rsplit('.').next().unwrap()),
    ] {
        assert!(
            matches!(verifier().verify(&bad, NOW), Err(TokenError::Malformed | TokenError::BadSignature)),
            "{bad:?}"
        );
    }
    let not_json = format!("{}.{}.sig", b64(b"not json"), b64(b"{}"));
    assert_eq!(verifier().verify(&not_json, NOW), Err(TokenError::BadHeader));
}

#[test]
fn over_long_tokens_are_refused_before_decoding() {
    let long = "a".repeat(MAX_TOKEN_BYTES + 1);
    assert_eq!(verifier().verify(&long, NOW), Err(TokenError::TooLong));
    let mut claims = good_claims();
    claims["pad"] = json!("x".repeat(MAX_TOKEN_BYTES));
    assert_eq!(verifier().verify(&forge(hs256_kid("k1"), claims), NOW), Err(TokenError::TooLong));
}

#[test]
fn error_messages_never_contain_the_token() {
    let token = issue_at(NOW);
    let err = verifier().verify(&token, NOW + 10_000).unwrap_err();
    assert!(!err.to_string().contains(&token));
    assert!(!err.to_string().contains(token.split('.').nth(2).unwrap()));
}

#[test]
fn every_token_carries_its_roles_as_a_space_separated_scope() {
    let claims = verifier().verify(&issue_at(NOW), NOW).unwrap();
    assert_eq!(claims.scope, "admin dev", "what API Gateway's JWT authorizer matches authorizationScopes against");
    let none = issuer().issue(Subject { user_id: "u", username: "bob", roles: &[] }, NOW).unwrap();
    assert_eq!(verifier().verify(&none.access_token, NOW).unwrap().scope, "");
    // A role with a space would split into two scopes: no role may hold one.
    for role in ["a b", "a\tb", " admin"] {
        assert!(crate::user::validate_role(role).is_err(), "{role:?}");
    }
}
