//! check-token in RS256 mode, configured as the deployment does (JWT_ALGORITHM
//! and JWT_PUBLIC_KEYS of RSA JWKs, no secret): a genuine token is allowed, in
//! both event shapes; a token signed by a key it does not hold, the classic
//! confusion (alg switched to HS256, "signed" with the public key as the HMAC
//! secret), `alg: none` and ES256 tokens are refused; rotation keeps the
//! previous key's tokens valid until that key is removed; EC keys are refused
//! at start-up.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use check_token::{ACCESS_RULES, Authorizer, AuthorizerAnswer, AuthorizerError, AuthorizerEvent, CheckTokenConfig};
use common::config::{JWT_ALGORITHM, JWT_PUBLIC_KEYS, JWT_SECRET, TokenAudience};
use common::testing::{RSA_KEY_PEM, RSA_OTHER_KEY_PEM, RSA_PUBLIC_PEM};
use common::token::{Es256PrivateKey, Jwks, PrivateKey, Rs256PrivateKey, SigningKey, Subject, TokenIssuer};
use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};

const NOW: u64 = 1_800_000_000;
const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/hello";

struct Key {
    kid: &'static str,
    private: PrivateKey,
}

impl Key {
    fn new(kid: &'static str, pem: &str) -> Self {
        Self { kid, private: PrivateKey::from_text(pem).unwrap() }
    }

    fn es256(kid: &'static str) -> Self {
        Self { kid, private: Es256PrivateKey::generate().unwrap().into() }
    }

    fn signing(&self) -> SigningKey {
        SigningKey::from_private(self.kid, &self.private).unwrap()
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

fn config(public_keys: &str, extra: &[(&'static str, &'static str)]) -> Result<CheckTokenConfig, String> {
    let mut env = HashMap::from([
        (JWT_ALGORITHM, "RS256"),
        (JWT_PUBLIC_KEYS, public_keys),
        (ACCESS_RULES, r#"{"GET /hello": ["*"]}"#),
    ]);
    env.extend(extra.iter().copied());
    CheckTokenConfig::from_lookup(&|name| env.get(name).map(|v| v.to_string())).map_err(|err| err.to_string())
}

fn authorizer(public_keys: &str) -> Authorizer {
    Authorizer::new(&config(public_keys, &[]).unwrap()).unwrap()
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

#[test]
fn a_genuine_rs256_token_is_allowed() {
    let key = Key::new("k1", RSA_KEY_PEM);
    assert!(allowed(&authorizer(&jwks(&[&key])), &key.token()));
}

#[test]
fn a_token_signed_by_a_key_not_configured_is_refused() {
    let authorizer = authorizer(&jwks(&[&Key::new("k1", RSA_KEY_PEM)]));
    assert!(!allowed(&authorizer, &Key::new("k1", RSA_OTHER_KEY_PEM).token()), "same kid, another key");
    assert!(!allowed(&authorizer, &Key::new("k9", RSA_KEY_PEM).token()), "unknown kid");
}

#[test]
fn the_public_key_used_as_an_hmac_secret_is_refused() {
    let key = Key::new("k1", RSA_KEY_PEM);
    let set = jwks(&[&key]);
    let authorizer = authorizer(&set);
    let genuine = key.token();
    let modulus = Rs256PrivateKey::from_text(RSA_KEY_PEM).unwrap().modulus().to_vec();
    let jwk = serde_json::to_string(&key.signing().verifying_key().jwk().unwrap()).unwrap();
    let spki_der = base64::engine::general_purpose::STANDARD
        .decode(RSA_PUBLIC_PEM.lines().filter(|l| !l.starts_with("-----")).collect::<String>())
        .unwrap();
    for secret in [
        modulus,
        spki_der,
        RSA_PUBLIC_PEM.as_bytes().to_vec(),
        RSA_PUBLIC_PEM.trim().as_bytes().to_vec(),
        jwk.into_bytes(),
        set.into_bytes(),
    ] {
        for header in [json!({"typ": "JWT", "alg": "HS256", "kid": "k1"}), json!({"alg": "HS256"})] {
            let forged = resigned(&genuine, header.clone(), hs256(&secret));
            assert!(!allowed(&authorizer, &forged), "{header}");
        }
    }
}

#[test]
fn alg_none_and_other_algorithms_are_refused() {
    let key = Key::new("k1", RSA_KEY_PEM);
    let authorizer = authorizer(&jwks(&[&key]));
    let genuine = key.token();
    let signature = genuine.rsplit('.').next().unwrap();
    for alg in ["none", "None", "NONE", "RS384", "RS512", "PS256", "rs256"] {
        for header in [json!({"alg": alg}), json!({"typ": "JWT", "alg": alg, "kid": "k1"})] {
            let unsigned = resigned(&genuine, header.clone(), |_| Vec::new());
            assert!(!allowed(&authorizer, unsigned.trim_end_matches('.')), "{header}");
            assert!(!allowed(&authorizer, &unsigned), "{header}");
            assert!(!allowed(&authorizer, &format!("{unsigned}{signature}")), "{header} with the genuine signature");
        }
    }
}

#[test]
fn rotation_keeps_the_previous_key_until_it_is_removed() {
    let (old, new) = (Key::new("2026-01", RSA_OTHER_KEY_PEM), Key::new("2026-06", RSA_KEY_PEM));
    let during = authorizer(&jwks(&[&new, &old]));
    assert!(allowed(&during, &new.token()), "the new key signs");
    assert!(allowed(&during, &old.token()), "the previous key still verifies");
    let after = authorizer(&jwks(&[&new]));
    assert!(!allowed(&after, &old.token()), "a removed key verifies nothing");
}

#[test]
fn es256_and_hs256_tokens_are_refused_by_an_rs256_authorizer() {
    let key = Key::new("default", RSA_KEY_PEM);
    let authorizer = authorizer(&jwks(&[&key]));
    let ec = Key::es256("default");
    assert!(!allowed(&authorizer, &ec.token()), "ES256 naming the RSA key's kid");
    let hs =
        resigned(&key.token(), json!({"alg": "HS256", "kid": "default"}), hs256(b"0123456789abcdef0123456789abcdef"));
    assert!(!allowed(&authorizer, &hs));
}

#[test]
fn an_rs256_authorizer_refuses_ec_keys_and_secrets_at_start_up() {
    let (rsa, ec) = (Key::new("k1", RSA_KEY_PEM), Key::es256("e1"));
    let err = config(&jwks(&[&rsa, &ec]), &[]).unwrap_err();
    assert!(err.starts_with("JWT_PUBLIC_KEYS is invalid") && err.contains("not an RS256 key"), "{err}");
    let err = config(&jwks(&[&rsa]), &[(JWT_SECRET, "0123456789abcdef0123456789abcdef")]).unwrap_err();
    assert!(err.starts_with("JWT_SECRET is invalid") && err.contains("JWT_ALGORITHM=RS256"), "{err}");
    assert!(!err.contains("0123456789abcdef"), "never the secret: {err}");
}
