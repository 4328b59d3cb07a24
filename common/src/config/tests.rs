use std::collections::HashMap;

use super::*;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn hmac_key(config: &IssuerConfig) -> &KeyMaterial {
    match &config.key {
        IssuerKey::Hs256(key) => key,
        other => panic!("not HS256: {other:?}"),
    }
}

fn previous(config: &VerifierConfig) -> &[KeyMaterial] {
    match &config.keys {
        VerifierKeys::Hs256 { previous, .. } => previous,
        other => panic!("not HS256: {other:?}"),
    }
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |name| map.get(name).cloned()
}

#[test]
fn defaults() {
    let issuer = issuer_config(&env(&[(JWT_SECRET, SECRET)])).unwrap();
    assert_eq!(issuer.ttl, Duration::from_secs(900));
    assert_eq!(hmac_key(&issuer).kid, "default");
    assert_eq!(hmac_key(&issuer).secret.expose(), SECRET.as_bytes());
    assert_eq!(issuer.names, TokenAudience { issuer: "authenticate".into(), audience: "api".into() });
    let verifier = verifier_config(&env(&[(JWT_SECRET, SECRET)])).unwrap();
    assert_eq!(verifier.leeway, Duration::from_secs(30));
    assert!(previous(&verifier).is_empty());
    assert_eq!(cors_allow_origin(&env(&[])).unwrap(), "*");
}

#[test]
fn reads_every_variable() {
    let lookup = env(&[
        (JWT_SECRET, SECRET),
        (JWT_KEY_ID, "k2"),
        (JWT_TTL, "15m"),
        (JWT_ISSUER, "https://auth.example.com"),
        (JWT_AUDIENCE, "orders"),
        (JWT_LEEWAY, "0s"),
        (CORS_ALLOW_ORIGIN, "https://app.example.com"),
    ]);
    let issuer = issuer_config(&lookup).unwrap();
    assert_eq!((issuer.ttl, hmac_key(&issuer).kid.as_str()), (Duration::from_secs(900), "k2"));
    let verifier = verifier_config(&lookup).unwrap();
    assert_eq!(verifier.leeway, Duration::ZERO);
    assert_eq!(verifier.names, TokenAudience { issuer: "https://auth.example.com".into(), audience: "orders".into() });
    assert_eq!(cors_allow_origin(&lookup).unwrap(), "https://app.example.com");
}

#[test]
fn cors_origin_cannot_inject_headers() {
    let err = cors_allow_origin(&env(&[(CORS_ALLOW_ORIGIN, "https://a\r\nSet-Cookie: x")])).unwrap_err();
    assert_eq!(err.var, CORS_ALLOW_ORIGIN);
}

#[test]
fn lockout_settings() {
    assert_eq!(lockout(&env(&[])).unwrap(), LockoutPolicy { max_attempts: 5, lockout_secs: 900 });
    let config = lockout(&env(&[(LOGIN_MAX_ATTEMPTS, "1"), (LOGIN_LOCKOUT, "1h")])).unwrap();
    assert_eq!(config, LockoutPolicy { max_attempts: 1, lockout_secs: 3600 });
    for (var, bad) in [
        (LOGIN_MAX_ATTEMPTS, "0"),
        (LOGIN_MAX_ATTEMPTS, "-1"),
        (LOGIN_MAX_ATTEMPTS, "five"),
        (LOGIN_MAX_ATTEMPTS, "1001"),
        (LOGIN_MAX_ATTEMPTS, "2.5"),
        (LOGIN_LOCKOUT, "0s"),
        (LOGIN_LOCKOUT, "900"),
        (LOGIN_LOCKOUT, "31d"),
    ] {
        let err = lockout(&env(&[(var, bad)])).unwrap_err();
        assert_eq!(err.var, var, "{bad}");
    }
}

#[test]
fn secret_is_required_and_long_enough() {
    let err = issuer_config(&env(&[])).unwrap_err();
    assert_eq!(err.var, JWT_SECRET);
    let err = issuer_config(&env(&[(JWT_SECRET, "")])).unwrap_err();
    assert_eq!(err.var, JWT_SECRET);
    let short = "x".repeat(31);
    let err = verifier_config(&env(&[(JWT_SECRET, &short)])).unwrap_err();
    assert_eq!(err.var, JWT_SECRET);
    assert!(err.to_string().contains("31 bytes"), "{err}");
    assert!(!err.to_string().contains(&short), "the secret must not be echoed: {err}");
}

#[test]
fn ttl_needs_a_unit_and_is_positive() {
    for bad in ["3600", "0s", "0m", "1w", "abc", "31d", "36500d", "721h"] {
        let err = issuer_config(&env(&[(JWT_SECRET, SECRET), (JWT_TTL, bad)])).unwrap_err();
        assert_eq!(err.var, JWT_TTL, "{bad}");
        assert!(err.to_string().starts_with("JWT_TTL is invalid"), "{err}");
    }
}

#[test]
fn ttl_may_reach_thirty_days() {
    let config = issuer_config(&env(&[(JWT_SECRET, SECRET), (JWT_TTL, "30d")])).unwrap();
    assert_eq!(config.ttl, MAX_TTL);
}

#[test]
fn a_secret_of_few_distinct_bytes_is_weak_whatever_its_length() {
    for weak in ["a".repeat(64), "ab".repeat(40), "0123456".repeat(10), "password".repeat(4).replace('d', "s")] {
        let err = verifier_config(&env(&[(JWT_SECRET, &weak)])).unwrap_err();
        assert_eq!(err.var, JWT_SECRET, "{weak}");
        assert!(err.to_string().contains("weak"), "{err}");
        assert!(!err.to_string().contains(&weak), "the secret must not be echoed: {err}");
    }
    assert!(verifier_config(&env(&[(JWT_SECRET, &"01234567".repeat(4))])).is_ok(), "8 values");
}

#[test]
fn leeway_is_bounded() {
    for (value, ok) in [("0s", true), ("5m", true), ("301s", false), ("1h", false), ("30", false)] {
        let result = verifier_config(&env(&[(JWT_SECRET, SECRET), (JWT_LEEWAY, value)]));
        assert_eq!(result.is_ok(), ok, "{value}: {result:?}");
    }
}

#[test]
fn issuer_and_audience_must_not_be_blank() {
    let err = issuer_config(&env(&[(JWT_SECRET, SECRET), (JWT_ISSUER, "  ")])).unwrap_err();
    assert_eq!(err.var, JWT_ISSUER);
}

#[test]
fn key_id_is_restricted() {
    for bad in ["../etc/passwd", "a b", "x'; DROP TABLE", &"k".repeat(65)] {
        let err = issuer_config(&env(&[(JWT_SECRET, SECRET), (JWT_KEY_ID, bad)])).unwrap_err();
        assert_eq!(err.var, JWT_KEY_ID, "{bad}");
    }
}

#[test]
fn users_table_is_required_and_validated() {
    assert_eq!(users_table(&env(&[])).unwrap_err().var, USERS_TABLE);
    assert_eq!(users_table(&env(&[(USERS_TABLE, "")])).unwrap_err().var, USERS_TABLE);
    assert_eq!(users_table(&env(&[(USERS_TABLE, "a b")])).unwrap_err().var, USERS_TABLE);
    assert_eq!(users_table(&env(&[(USERS_TABLE, "users-dev")])).unwrap(), "users-dev");
}

#[test]
fn previous_keys_are_old_secrets_pasted_verbatim() {
    let generated = "Zq8m2LkR9xYtW3vN7bJc5HdF1sGp4aQe6uMi0oKyXnBrTzCwVhEjPlDfSgA1b2c3";
    let punctuated = r#"tricky "quoted" \ secret, with = and : 0123456789"#;
    let list = serde_json::json!({"old": generated, "older": punctuated}).to_string();
    let config = verifier_config(&env(&[(JWT_SECRET, SECRET), (JWT_PREVIOUS_KEYS, &list)])).unwrap();
    let kids: Vec<_> = previous(&config).iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(kids, ["old", "older"]);
    assert_eq!(previous(&config)[0].secret.expose(), generated.as_bytes());
    assert_eq!(previous(&config)[1].secret.expose(), punctuated.as_bytes());
}

#[test]
fn previous_keys_none_means_no_keys() {
    for value in ["", "none", "{}", " {} "] {
        let config = verifier_config(&env(&[(JWT_SECRET, SECRET), (JWT_PREVIOUS_KEYS, value)])).unwrap();
        assert!(previous(&config).is_empty(), "{value:?}");
    }
}

#[test]
fn previous_keys_reject_bad_entries() {
    let good = "a-retired-secret-0123456789abcdefghijklmnop";
    let cases = [
        // The old kid=base64 form: refused with a hint, not misread.
        format!("old={good}"),
        format!("old={good},older={good}"),
        good.to_string(),
        format!(r#"{{"default": "{good}"}}"#),
        r#"{"old": "short"}"#.to_string(),
        format!(r#"{{"old": "{}"}}"#, "x".repeat(40)),
        format!(r#"{{"old": "{good}", "old": "{good}"}}"#),
        format!(r#"{{"bad kid": "{good}"}}"#),
        r#"{"old": 42}"#.to_string(),
        format!(r#"["old", "{good}"]"#),
        format!(r#"{{"old": "{good}""#),
    ];
    for bad in cases {
        let err = verifier_config(&env(&[(JWT_SECRET, SECRET), (JWT_PREVIOUS_KEYS, &bad)])).unwrap_err();
        assert_eq!(err.var, JWT_PREVIOUS_KEYS, "{bad}");
        assert!(!err.to_string().contains(good), "secret echoed: {err}");
    }
    let old_format = format!("old={good}");
    let err = verifier_config(&env(&[(JWT_SECRET, SECRET), (JWT_PREVIOUS_KEYS, &old_format)])).unwrap_err();
    assert!(err.to_string().contains("verbatim"), "the message says what to do: {err}");
}

#[test]
fn secret_debug_is_redacted() {
    let shown = format!("{:?}", Secret::new(SECRET.as_bytes().to_vec()));
    assert!(!shown.contains(SECRET));
}
