//! check-token in ES256 mode, configured as the deployment does (JWT_ALGORITHM
//! and JWT_PUBLIC_KEYS, no secret): a genuine token is allowed, in both event
//! shapes; a token signed by a key it does not hold, the classic confusion
//! (alg switched to HS256, "signed" with the public key as the HMAC secret)
//! and `alg: none` are refused; rotation keeps the previous key's tokens
//! valid until that key is removed.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use check_token::{ACCESS_RULES, Authorizer, AuthorizerAnswer, AuthorizerError, AuthorizerEvent, CheckTokenConfig};
use common::config::{JWT_ALGORITHM, JWT_PUBLIC_KEYS, TokenAudience};
use common::token::{Es256PrivateKey, Jwks, SigningKey, Subject, TokenIssuer};
use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};

const NOW: u64 = 1_800_000_000;
const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/hello";

struct Key {
    kid: &'static str,
    private: Es256PrivateKey,
}

impl Key {
    fn new(kid: &'static str) -> Self {
        Self { kid, private: Es256PrivateKey::generate().unwrap() }
    }

    fn signing(&self) -> SigningKey {
        SigningKey::es256(self.kid, &self.private).unwrap()
    }

    fn token(&self) -> String {
        let names = TokenAudience { issuer: "authenticate".into(), audience: "api".into() };
        let issuer = TokenIssuer::with_key(self.signing(), &names, std::time::Duration::from_secs(3600));
        let roles = ["user".to_string()];
        issuer.issue(Subject { user_id: "u-1", username: "alice", roles: &roles }, NOW).unwrap().access_token
    }
}

fn jwks(keys: &[&Key]) -> String {
    let keys = keys.iter().map(|key| key.signing().verifying_key().jwk().unwrap()).collect();
    serde_json::to_string(&Jwks { keys }).unwrap()
}

fn authorizer(public_keys: &str) -> Authorizer {
    let env = HashMap::from([
        (JWT_ALGORITHM, "ES256"),
        (JWT_PUBLIC_KEYS, public_keys),
        (ACCESS_RULES, r#"{"GET /hello": ["*"]}"#),
    ]);
    let config = CheckTokenConfig::from_lookup(&|name| env.get(name).map(|v| v.to_string())).unwrap();
    Authorizer::new(&config).unwrap()
}

fn rest(authorizer: &Authorizer, token: &str) -> Result<Value, AuthorizerError> {
    let event = json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"), "methodArn": ARN});
    let request = serde_json::from_value(event).unwrap();
    authorizer.authorize(&request, NOW).map(|r| serde_json::to_value(r).unwrap())
}

fn http_api(authorizer: &Authorizer, token: &str) -> bool {
    let mut event: Value = serde_json::from_str(include_str!("../../events/check-token-http.json")).unwrap();
    let authorization = format!("Bearer {token}");
    event["headers"]["authorization"] = json!(authorization);
    event["identitySource"] = json!([authorization, "GET /hello"]);
    event["routeKey"] = json!("GET /hello");
    event["requestContext"]["routeKey"] = json!("GET /hello");
    let event: AuthorizerEvent = serde_json::from_value(event).unwrap();
    match authorizer.answer(event, NOW).unwrap() {
        AuthorizerAnswer::HttpApi(response) => serde_json::to_value(response).unwrap()["isAuthorized"] == json!(true),
        other => panic!("not an HTTP API answer: {other:?}"),
    }
}

fn allowed(authorizer: &Authorizer, token: &str) -> bool {
    let rest = rest(authorizer, token);
    assert_eq!(rest.is_ok(), http_api(authorizer, token), "both event shapes agree on {token}");
    match rest {
        Ok(_) => true,
        Err(AuthorizerError::Unauthorized(_)) => false,
        Err(other) => panic!("a bad token must be Unauthorized, not {other:?}"),
    }
}

/// The header of `token` replaced, the payload kept, signed by `sign`.
fn resigned(token: &str, header: Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let message = format!("{}.{payload}", URL_SAFE_NO_PAD.encode(header.to_string()));
    let signature = sign(message.as_bytes());
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn hs256(secret: &[u8]) -> impl FnOnce(&[u8]) -> Vec<u8> {
    let secret = secret.to_vec();
    move |message| {
        let key = EncodingKey::from_secret(&secret).unwrap();
        let signature = jsonwebtoken::crypto::sign(message, &key, jsonwebtoken::Algorithm::HS256).unwrap();
        URL_SAFE_NO_PAD.decode(signature).unwrap()
    }
}

fn public_pem(key: &Key) -> String {
    // SubjectPublicKeyInfo of a P-256 point: the fixed DER prefix, then the point.
    const SPKI_PREFIX: [u8; 26] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
        0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    let der = [&SPKI_PREFIX[..], &key.private.public_key()[..]].concat();
    format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", STANDARD.encode(der))
}

#[test]
fn a_genuine_es256_token_is_allowed() {
    let key = Key::new("k1");
    let authorizer = authorizer(&jwks(&[&key]));
    assert!(allowed(&authorizer, &key.token()));
}

#[test]
fn a_token_signed_by_a_key_not_configured_is_refused() {
    let key = Key::new("k1");
    let authorizer = authorizer(&jwks(&[&key]));
    assert!(!allowed(&authorizer, &Key::new("k1").token()), "same kid, another key");
    assert!(!allowed(&authorizer, &Key::new("k9").token()), "unknown kid");
}

#[test]
fn the_public_key_used_as_an_hmac_secret_is_refused() {
    let key = Key::new("k1");
    let authorizer = authorizer(&jwks(&[&key]));
    let genuine = key.token();
    let point = key.private.public_key();
    let jwk = serde_json::to_string(&key.signing().verifying_key().jwk().unwrap()).unwrap();
    for secret in
        [point.to_vec(), public_pem(&key).into_bytes(), public_pem(&key).trim().as_bytes().to_vec(), jwk.into_bytes()]
    {
        for header in [json!({"typ": "JWT", "alg": "HS256", "kid": "k1"}), json!({"alg": "HS256"})] {
            let forged = resigned(&genuine, header.clone(), hs256(&secret));
            assert!(!allowed(&authorizer, &forged), "{header}");
        }
    }
}

#[test]
fn alg_none_is_refused() {
    let key = Key::new("k1");
    let authorizer = authorizer(&jwks(&[&key]));
    let genuine = key.token();
    for alg in ["none", "None", "NONE"] {
        for header in [json!({"alg": alg}), json!({"typ": "JWT", "alg": alg, "kid": "k1"})] {
            let unsigned = resigned(&genuine, header.clone(), |_| Vec::new());
            assert!(!allowed(&authorizer, unsigned.trim_end_matches('.')), "{header}");
            assert!(!allowed(&authorizer, &unsigned), "{header}");
            let with_signature = format!("{unsigned}{}", genuine.rsplit('.').next().unwrap());
            assert!(!allowed(&authorizer, &with_signature), "{header} with the genuine signature");
        }
    }
}

#[test]
fn rotation_keeps_the_previous_key_until_it_is_removed() {
    let (old, new) = (Key::new("2026-01"), Key::new("2026-05"));
    let during = authorizer(&jwks(&[&new, &old]));
    assert!(allowed(&during, &new.token()), "the new key signs");
    assert!(allowed(&during, &old.token()), "the previous key still verifies");
    let after = authorizer(&jwks(&[&new]));
    assert!(allowed(&after, &new.token()));
    assert!(!allowed(&after, &old.token()), "a removed key verifies nothing");
}

#[test]
fn an_hs256_token_is_refused_by_an_es256_authorizer() {
    let key = Key::new("default");
    let authorizer = authorizer(&jwks(&[&key]));
    let hs = SigningKey::hs256("default", b"0123456789abcdef0123456789abcdef").unwrap();
    let names = TokenAudience { issuer: "authenticate".into(), audience: "api".into() };
    let issuer = TokenIssuer::with_key(hs, &names, std::time::Duration::from_secs(3600));
    let token = issuer.issue(Subject { user_id: "u", username: "a", roles: &[] }, NOW).unwrap().access_token;
    assert!(!allowed(&authorizer, &token));
}
