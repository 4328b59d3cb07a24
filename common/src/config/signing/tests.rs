use std::collections::HashMap;

use super::*;
use crate::config::{IssuerKey, JWT_PREVIOUS_KEYS, JWT_SECRET, VerifierKeys, issuer_config, verifier_config};
use crate::token::{Jwk, SigningKey};

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |name| map.get(name).cloned()
}

fn public_jwk(kid: &str) -> (Es256PrivateKey, Jwk) {
    let key = Es256PrivateKey::generate().unwrap();
    let jwk = SigningKey::es256(kid, &key).unwrap().verifying_key().jwk().unwrap();
    (key, jwk)
}

fn jwks(keys: &[&Jwk]) -> String {
    serde_json::json!({ "keys": keys }).to_string()
}

#[test]
fn the_algorithm_defaults_to_hs256_and_nothing_else_is_accepted() {
    assert_eq!(algorithm(&env(&[])).unwrap(), Algorithm::Hs256);
    assert_eq!(algorithm(&env(&[(JWT_ALGORITHM, "")])).unwrap(), Algorithm::Hs256, "empty is unset");
    assert_eq!(algorithm(&env(&[(JWT_ALGORITHM, "ES256")])).unwrap(), Algorithm::Es256);
    assert_eq!(algorithm(&env(&[(JWT_ALGORITHM, "hs256")])).unwrap(), Algorithm::Hs256);
    for bad in ["none", "RS256", "HS512", "ES 256", "es384"] {
        let err = algorithm(&env(&[(JWT_ALGORITHM, bad)])).unwrap_err();
        assert_eq!(err.var, JWT_ALGORITHM, "{bad}");
        assert!(err.to_string().contains("HS256") && err.to_string().contains("ES256"), "{err}");
    }
}

#[test]
fn an_es256_issuer_needs_the_secret_id_and_no_hmac_secret() {
    let lookup = env(&[(JWT_ALGORITHM, "ES256"), (JWT_SIGNING_KEY_SECRET, "arn:aws:secretsmanager:x:1:secret:k")]);
    let config = issuer_config(&lookup).unwrap();
    assert_eq!(
        config.key,
        IssuerKey::Es256 { secret_id: "arn:aws:secretsmanager:x:1:secret:k".into(), previous: Jwks::default() }
    );
    let missing = issuer_config(&env(&[(JWT_ALGORITHM, "ES256"), (JWT_SECRET, SECRET)])).unwrap_err();
    assert_eq!(missing.var, JWT_SIGNING_KEY_SECRET);
    let bad = issuer_config(&env(&[(JWT_ALGORITHM, "ES256"), (JWT_SIGNING_KEY_SECRET, "a b")])).unwrap_err();
    assert_eq!(bad.var, JWT_SIGNING_KEY_SECRET);
}

#[test]
fn an_es256_issuer_reads_its_previous_public_keys() {
    let (_, old) = public_jwk("old");
    let keys = jwks(&[&old]);
    let lookup = env(&[(JWT_ALGORITHM, "ES256"), (JWT_SIGNING_KEY_SECRET, "k"), (JWT_PUBLIC_KEYS, &keys)]);
    let IssuerKey::Es256 { previous, .. } = issuer_config(&lookup).unwrap().key else { panic!("ES256") };
    assert_eq!(previous.keys, [old]);
}

#[test]
fn an_es256_verifier_holds_exactly_the_public_keys() {
    let (_, current) = public_jwk("new");
    let (_, old) = public_jwk("old");
    let keys = jwks(&[&current, &old]);
    let config = verifier_config(&env(&[(JWT_ALGORITHM, "ES256"), (JWT_PUBLIC_KEYS, &keys)])).unwrap();
    assert_eq!(config.keys, VerifierKeys::Es256(Jwks { keys: vec![current, old] }));
}

#[test]
fn an_es256_verifier_refuses_any_secret() {
    let (_, current) = public_jwk("new");
    let keys = jwks(&[&current]);
    for var in [JWT_SECRET, JWT_PREVIOUS_KEYS] {
        let lookup = env(&[
            (JWT_ALGORITHM, "ES256"),
            (JWT_PUBLIC_KEYS, &keys),
            (var, r#"{"old": "0123456789abcdefghij0123456789abcdef"}"#),
        ]);
        let err = verifier_config(&lookup).unwrap_err();
        assert_eq!(err.var, var);
        assert!(!err.to_string().contains("0123456789abcdefghij"), "never the secret: {err}");
    }
}

#[test]
fn an_es256_verifier_refuses_missing_empty_invalid_or_private_keys() {
    let (private, current) = public_jwk("k1");
    let mut with_d = serde_json::to_value(&current).unwrap();
    with_d["d"] = serde_json::json!("c2VjcmV0IHNjYWxhciBvZiB0aGlydHktdHdvIGJ5dGVz");
    let private_jwks = serde_json::json!({ "keys": [with_d] }).to_string();
    let mut off_curve = current.clone();
    off_curve.x = "____________________________________________".into();
    let mut wrong_alg = current.clone();
    wrong_alg.alg = Some("HS256".into());
    let mut bad_kid = current.clone();
    bad_kid.kid = "a b".into();
    let pem = private.to_pem();
    let cases = [
        None,
        Some(String::new()),
        Some(r#"{"keys":[]}"#.to_string()),
        Some("not json".to_string()),
        Some(private_jwks),
        Some(pem.clone()),
        Some(jwks(&[&off_curve])),
        Some(jwks(&[&wrong_alg])),
        Some(jwks(&[&bad_kid])),
        Some(jwks(&[&current, &current])),
        Some(serde_json::json!({ "keys": [current], "extra": 1 }).to_string()),
    ];
    for case in cases {
        let mut pairs = vec![(JWT_ALGORITHM, "ES256")];
        if let Some(text) = &case {
            pairs.push((JWT_PUBLIC_KEYS, text));
        }
        let err = verifier_config(&env(&pairs)).unwrap_err();
        assert_eq!(err.var, JWT_PUBLIC_KEYS, "{case:?}");
        let message = err.to_string();
        assert!(!message.contains("c2VjcmV0") && !message.contains("PRIVATE KEY"), "never a key: {message}");
    }
}

#[test]
fn published_keys_put_the_signer_first_and_refuse_a_kid_clash() {
    let (key, own) = public_jwk("k2");
    let signer = SigningKey::es256("k2", &key).unwrap().verifying_key();
    let (_, old) = public_jwk("k1");
    let published = published_keys(&signer, &Jwks { keys: vec![old.clone(), own.clone()] }).unwrap();
    assert_eq!(published.keys, [own.clone(), old.clone()], "own key once, first");
    let (_, impostor) = public_jwk("k2");
    let err = published_keys(&signer, &Jwks { keys: vec![old, impostor] }).unwrap_err();
    assert_eq!(err.var, JWT_PUBLIC_KEYS);
}

#[test]
fn the_secret_holds_the_kid_and_the_pem_and_is_never_shown() {
    let key = Es256PrivateKey::generate().unwrap();
    let pem = key.to_pem();
    let text = serde_json::json!({ "kid": "2026-05", "private_key": pem }).to_string();
    let secret = SigningKeySecret::parse(&text).unwrap();
    assert_eq!(secret.kid, "2026-05");
    assert_eq!(secret.key.public_key(), key.public_key());
    assert_eq!(SigningKeySecret::parse(&secret.to_json()).unwrap().key.public_key(), key.public_key(), "round trip");
    assert!(!format!("{secret:?}").contains("PRIVATE"));
    let cases = [
        pem.clone(),
        serde_json::json!({ "kid": "a b", "private_key": pem }).to_string(),
        serde_json::json!({ "kid": "k", "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" })
            .to_string(),
        serde_json::json!({ "kid": "k" }).to_string(),
        serde_json::json!({ "kid": "k", "private_key": pem, "extra": true }).to_string(),
    ];
    for case in cases {
        let err = SigningKeySecret::parse(&case).unwrap_err();
        assert_eq!(err.var, JWT_SIGNING_KEY_SECRET);
        let body = &pem[30..60];
        assert!(!err.to_string().contains(body), "never the key: {err}");
    }
}
