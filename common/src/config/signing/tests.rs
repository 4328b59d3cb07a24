use std::collections::HashMap;

use super::*;
use crate::config::{IssuerKey, JWT_PREVIOUS_KEYS, JWT_SECRET, VerifierKeys, issuer_config, verifier_config};
use crate::token::{Es256PrivateKey, Jwk, SigningKey};

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
    assert_eq!(algorithm(&env(&[(JWT_ALGORITHM, "RS256")])).unwrap(), Algorithm::Rs256);
    for bad in ["none", "RS384", "PS256", "HS512", "ES 256", "es384"] {
        let err = algorithm(&env(&[(JWT_ALGORITHM, bad)])).unwrap_err();
        assert_eq!(err.var, JWT_ALGORITHM, "{bad}");
        let message = err.to_string();
        assert!(["HS256", "ES256", "RS256"].iter().all(|alg| message.contains(alg)), "{err}");
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
    off_curve.x = Some("____________________________________________".into());
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
    assert_eq!(secret.key.pkcs8_der(), key.pkcs8_der());
    assert_eq!(secret.key.algorithm(), Algorithm::Es256);
    assert_eq!(SigningKeySecret::parse(&secret.to_json()).unwrap().key.pkcs8_der(), key.pkcs8_der(), "round trip");
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

mod rs256 {
    use super::*;
    use crate::token::{PrivateKey, Rs256PrivateKey};

    /// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`, as the token tests use.
    fn rsa_pem() -> &'static str {
        crate::token::rs256_test_keys::KEY_PEM
    }

    fn rsa_jwk(kid: &str, pem: &str) -> Jwk {
        SigningKey::rs256(kid, &Rs256PrivateKey::from_text(pem).unwrap()).unwrap().verifying_key().jwk().unwrap()
    }

    #[test]
    fn an_rs256_issuer_needs_the_secret_id_and_reads_previous_rsa_keys() {
        let old = rsa_jwk("old", crate::token::rs256_test_keys::OTHER_KEY_PEM);
        let keys = jwks(&[&old]);
        let lookup = env(&[(JWT_ALGORITHM, "RS256"), (JWT_SIGNING_KEY_SECRET, "k"), (JWT_PUBLIC_KEYS, &keys)]);
        let config = issuer_config(&lookup).unwrap();
        assert_eq!(config.key, IssuerKey::Rs256 { secret_id: "k".into(), previous: Jwks { keys: vec![old] } });
        assert_eq!(config.key.algorithm(), Algorithm::Rs256);
        let missing = issuer_config(&env(&[(JWT_ALGORITHM, "RS256"), (JWT_SECRET, SECRET)])).unwrap_err();
        assert_eq!(missing.var, JWT_SIGNING_KEY_SECRET);
        // Previous keys of the other algorithm are refused by the issuer too.
        let (_, ec) = public_jwk("ec");
        let ec_keys = jwks(&[&ec]);
        let lookup = env(&[(JWT_ALGORITHM, "RS256"), (JWT_SIGNING_KEY_SECRET, "k"), (JWT_PUBLIC_KEYS, &ec_keys)]);
        assert_eq!(issuer_config(&lookup).unwrap_err().var, JWT_PUBLIC_KEYS);
    }

    #[test]
    fn an_rs256_verifier_holds_exactly_rsa_public_keys_and_no_secret() {
        let current = rsa_jwk("new", rsa_pem());
        let old = rsa_jwk("old", crate::token::rs256_test_keys::OTHER_KEY_PEM);
        let keys = jwks(&[&current, &old]);
        let config = verifier_config(&env(&[(JWT_ALGORITHM, "RS256"), (JWT_PUBLIC_KEYS, &keys)])).unwrap();
        assert_eq!(config.keys, VerifierKeys::Rs256(Jwks { keys: vec![current.clone(), old] }));
        for var in [JWT_SECRET, JWT_PREVIOUS_KEYS] {
            let lookup = env(&[(JWT_ALGORITHM, "RS256"), (JWT_PUBLIC_KEYS, &keys), (var, SECRET)]);
            let err = verifier_config(&lookup).unwrap_err();
            assert_eq!(err.var, var);
            assert!(err.to_string().contains("JWT_ALGORITHM=RS256"), "{err}");
            assert!(!err.to_string().contains(SECRET), "never the secret: {err}");
        }
    }

    #[test]
    fn an_rs256_verifier_refuses_ec_small_private_or_mixed_up_keys() {
        let current = rsa_jwk("k1", rsa_pem());
        let (_, ec) = public_jwk("e1");
        let small = Rs256PrivateKey::from_text(crate::token::rs256_test_keys::SMALL_KEY_PEM);
        assert!(small.is_err());
        let mut short_n = serde_json::to_value(&current).unwrap();
        short_n["n"] = serde_json::json!(short_n["n"].as_str().unwrap()[..171].to_string() + "Q");
        let mut mixed = serde_json::to_value(&current).unwrap();
        mixed["crv"] = serde_json::json!("P-256");
        let mut wrong_alg = current.clone();
        wrong_alg.alg = Some("ES256".into());
        let mut cases = vec![
            ("an EC key", jwks(&[&ec])),
            ("an EC key after an RSA key", jwks(&[&current, &ec])),
            ("under 2048 bits", serde_json::json!({ "keys": [short_n] }).to_string()),
            ("crv on an RSA key", serde_json::json!({ "keys": [mixed] }).to_string()),
            ("alg ES256 on an RSA key", jwks(&[&wrong_alg])),
            ("the private key's PEM", rsa_pem().to_string()),
        ];
        for member in ["d", "p", "q", "dp", "dq", "qi"] {
            let mut private = serde_json::to_value(&current).unwrap();
            private[member] = serde_json::json!("c2VjcmV0IHByaW1lIG9mIGEgcHJpdmF0ZSBrZXk");
            cases.push(("a private member", serde_json::json!({ "keys": [private] }).to_string()));
        }
        for (name, text) in cases {
            let err = verifier_config(&env(&[(JWT_ALGORITHM, "RS256"), (JWT_PUBLIC_KEYS, &text)])).unwrap_err();
            assert_eq!(err.var, JWT_PUBLIC_KEYS, "{name}");
            let message = err.to_string();
            assert!(!message.contains("c2VjcmV0") && !message.contains("PRIVATE KEY"), "never a key: {message}");
        }
        // And the reverse: an ES256 verifier refuses an RSA key.
        let err =
            verifier_config(&env(&[(JWT_ALGORITHM, "ES256"), (JWT_PUBLIC_KEYS, &jwks(&[&current]))])).unwrap_err();
        assert!(err.to_string().contains("not an ES256 key"), "{err}");
    }

    #[test]
    fn the_secret_may_hold_an_rsa_key_whose_type_must_match_the_algorithm() {
        let text = serde_json::json!({ "kid": "2026-05", "private_key": rsa_pem() }).to_string();
        let secret = SigningKeySecret::parse(&text).unwrap();
        assert_eq!(secret.key.algorithm(), Algorithm::Rs256);
        assert!(matches!(secret.key, PrivateKey::Rs256(_)));
        assert_eq!(secret.require_algorithm(Algorithm::Rs256), Ok(()));
        let err = secret.require_algorithm(Algorithm::Es256).unwrap_err();
        assert_eq!(err.var, JWT_SIGNING_KEY_SECRET);
        assert!(err.to_string().contains("an RSA key (RS256), but JWT_ALGORITHM is ES256"), "{err}");
        let ec = SigningKeySecret { kid: "k".into(), key: Es256PrivateKey::generate().unwrap().into() };
        assert!(ec.require_algorithm(Algorithm::Rs256).unwrap_err().to_string().contains("a P-256 key (ES256)"));
        assert_eq!(SigningKeySecret::parse(&secret.to_json()).unwrap().key.pkcs8_der(), secret.key.pkcs8_der());
        let small = crate::token::rs256_test_keys::SMALL_KEY_PEM;
        let err = SigningKeySecret::parse(&serde_json::json!({ "kid": "k", "private_key": small }).to_string());
        let message = err.unwrap_err().to_string();
        assert!(message.contains("under 2048 bits") && !message.contains(&small[40..80]), "{message}");
    }

    #[test]
    fn published_rsa_keys_put_the_signer_first_and_compare_keys_not_text() {
        let signer = SigningKey::rs256("k2", &Rs256PrivateKey::from_text(rsa_pem()).unwrap()).unwrap().verifying_key();
        let own = signer.jwk().unwrap();
        // The same key written with a sign byte before n and without alg/use.
        let mut n =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, own.n.as_ref().unwrap()).unwrap();
        n.insert(0, 0);
        let padded = Jwk {
            n: Some(base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, n)),
            alg: None,
            key_use: None,
            ..own.clone()
        };
        let published = published_keys(&signer, &Jwks { keys: vec![padded] }).unwrap();
        assert_eq!(published.keys, [own]);
        let impostor = rsa_jwk("k2", crate::token::rs256_test_keys::OTHER_KEY_PEM);
        assert_eq!(published_keys(&signer, &Jwks { keys: vec![impostor] }).unwrap_err().var, JWT_PUBLIC_KEYS);
    }
}
