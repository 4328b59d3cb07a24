//! The verifier against the jsonwebtoken-based one it replaced: the same
//! answer (claims, or the same refusal) for thousands of mutated tokens.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::json;

use super::verify::StrictHeader;
use super::{Claims, MAX_TOKEN_BYTES, Subject, TokenError, TokenIssuer, TokenVerifier};
use crate::config::{IssuerConfig, KeyMaterial, Secret, TokenAudience, VerifierConfig, VerifierKeys};

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const OLD_SECRET: &[u8] = b"an-older-key-that-was-rotated-out-of-signing";
const NOW: u64 = 1_700_000_000;

/// The previous implementation, verbatim apart from its packaging and the role rule added since.
struct Reference {
    current_kid: String,
    keys: HashMap<String, DecodingKey>,
    validation: Validation,
    leeway_secs: u64,
}

impl Reference {
    fn new(config: &VerifierConfig) -> Self {
        let VerifierKeys::Hs256 { current, previous } = &config.keys else { panic!("the reference is HS256 only") };
        let keys = std::iter::once(current)
            .chain(previous)
            .map(|k| (k.kid.clone(), DecodingKey::from_secret(k.secret.expose()).unwrap()))
            .collect();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.names.issuer]);
        validation.set_audience(&[&config.names.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Self { current_kid: current.kid.clone(), keys, validation, leeway_secs: config.leeway.as_secs() }
    }

    fn verify(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong);
        }
        let well_formed = token.split('.').count() == 3
            && token.split('.').all(|part| !part.is_empty())
            && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if !well_formed {
            return Err(TokenError::Malformed);
        }
        let encoded = token.split('.').next().unwrap_or_default();
        let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| TokenError::Malformed)?;
        let header: StrictHeader = serde_json::from_slice(&bytes).map_err(|_| TokenError::BadHeader)?;
        if header.alg != "HS256" {
            return Err(TokenError::WrongAlgorithm);
        }
        if header.typ.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("JWT")) {
            return Err(TokenError::BadHeader);
        }
        let kid = header.kid.as_deref().unwrap_or(&self.current_kid);
        let key = self.keys.get(kid).ok_or(TokenError::UnknownKey)?;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::InvalidSignature => TokenError::BadSignature,
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => TokenError::WrongAlgorithm,
                ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
                ErrorKind::InvalidAudience => TokenError::WrongAudience,
                ErrorKind::MissingRequiredClaim(_) | ErrorKind::InvalidClaimFormat(_) | ErrorKind::Json(_) => {
                    TokenError::InvalidClaims
                }
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                _ => TokenError::Malformed,
            })?
            .claims;
        let leeway = self.leeway_secs;
        if now >= claims.exp.saturating_add(leeway) {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now.saturating_add(leeway) {
            return Err(TokenError::NotYetValid);
        }
        if claims.iat > now.saturating_add(leeway) {
            return Err(TokenError::IssuedInFuture);
        }
        // The one rule added since: every role a valid role name.
        if claims.roles.iter().any(|role| crate::user::validate_role(role).is_err()) {
            return Err(TokenError::InvalidClaims);
        }
        Ok(claims)
    }
}

fn current() -> KeyMaterial {
    KeyMaterial { kid: "k1".into(), secret: Secret::new(SECRET.to_vec()) }
}

fn config() -> VerifierConfig {
    VerifierConfig {
        keys: VerifierKeys::Hs256 {
            current: current(),
            previous: vec![KeyMaterial { kid: "k0".into(), secret: Secret::new(OLD_SECRET.to_vec()) }],
        },
        names: TokenAudience { issuer: "authenticate".into(), audience: "api".into() },
        leeway: Duration::from_secs(30),
    }
}

fn sign(header: &str, payload: &str, secret: &[u8]) -> String {
    let message = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let key = EncodingKey::from_secret(secret).unwrap();
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
    format!("{message}.{signature}")
}

/// Headers and claims an attacker or a buggy client could send, all signed with a real key.
fn corpus() -> Vec<String> {
    let headers = [
        r#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#,
        r#"{"typ":"JWT","alg":"HS256","kid":"k1"}"#,
        r#"{"alg":"HS256","kid":"k0"}"#,
        r#"{"alg":"HS256"}"#,
        r#"{"alg":"HS256","typ":"jwt"}"#,
        r#"{"alg":"HS256","typ":null,"kid":null}"#,
        r#"{"alg":"HS\u0032\u00356","kid":"k\u0031"}"#,
        r#"{"alg":"HS256","kid":"k2"}"#,
        r#"{"alg":"HS512","kid":"k1"}"#,
        r#"{"alg":"none"}"#,
        r#"{"alg":"HS256","typ":"at+jwt"}"#,
        r#"{"alg":"HS256","crit":["b64"],"b64":false}"#,
        r#"{"alg":"HS256","cty":"JWT"}"#,
        r#"{"alg":"HS256","alg":"HS256"}"#,
        r#"{"alg":"HS256"} "#,
        r#"{"alg":"HS256"}x"#,
        r#"["HS256"]"#,
        r#"["HS256","JWT","k0"]"#,
        r#"["HS256","JWT","k9"]"#,
        r#"["RS256"]"#,
        r#" {"alg":"HS256"}"#,
        "",
    ];
    let good = json!({
        "iss": "authenticate", "aud": "api", "sub": "u-1", "username": "alice", "roles": ["admin"],
        "iat": NOW, "nbf": NOW, "exp": NOW + 3600, "jti": "j-1"
    });
    let mut claims: Vec<String> = vec![good.to_string()];
    for (name, values) in [
        ("aud", vec![json!(["x", "api"]), json!([]), json!(["x"]), json!("API"), json!(1), json!(null), json!([1])]),
        ("iss", vec![json!("other"), json!(["authenticate"]), json!(null)]),
        ("exp", vec![json!(NOW), json!(NOW - 31), json!(1.5), json!("1"), json!(-1), json!(u64::MAX)]),
        ("nbf", vec![json!(NOW + 31), json!(NOW + 30), json!(0)]),
        ("iat", vec![json!(NOW + 31), json!(0)]),
        ("roles", vec![json!([]), json!("admin"), json!([null])]),
        ("sub", vec![json!(""), json!(1), json!("s\u{e9}\"\\")]),
        ("jti", vec![json!(null)]),
        ("extra", vec![json!({"nested": [1, 2]})]),
    ] {
        for value in values {
            let mut changed = good.clone();
            changed[name] = value;
            claims.push(changed.to_string());
        }
        let mut removed = good.clone();
        removed.as_object_mut().unwrap().remove(name);
        claims.push(removed.to_string());
    }
    let good_text = good.to_string();
    claims.push(format!("{} ", good_text));
    claims.push(format!("{}{{}}", good_text));
    claims.push(good_text.replacen("\"sub\":\"u-1\"", "\"sub\":\"u-1\",\"sub\":\"admin\"", 1));
    claims.push(format!(r#"["authenticate","api","u-1","alice",["admin"],{NOW},{NOW},{},"j-1"]"#, NOW + 3600));
    claims.push(format!(r#"[{},{NOW},"u-1","authenticate","api"]"#, NOW + 3600));
    claims.push("{}".into());
    claims.push("null".into());

    let mut tokens = Vec::new();
    for header in headers {
        for claims in &claims {
            tokens.push(sign(header, claims, SECRET));
        }
        tokens.push(sign(header, &claims[0], OLD_SECRET));
    }
    // Every one-character edit of the claims JSON, re-signed: the parsers must agree.
    for (i, _) in good_text.char_indices() {
        for c in ['"', ',', ':', '1', 'a', ' ', '{', ']', '\\'] {
            let mut changed = good_text.clone();
            changed.replace_range(i..i + 1, &c.to_string());
            tokens.push(sign(headers[0], &changed, SECRET));
        }
    }
    tokens
}

/// Every single-character change, truncation and extension of a valid token.
fn mutations(token: &str) -> Vec<String> {
    let mut out = Vec::new();
    let alphabet = ['A', 'B', 'g', 'Q', 'w', '_', '-', '.', '=', '+', '/', ' ', 'é'];
    for (i, _) in token.char_indices() {
        for c in alphabet {
            let mut changed = token.to_string();
            changed.replace_range(i..i + 1, &c.to_string());
            out.push(changed);
        }
        out.push(token[..i].to_string());
    }
    for suffix in ["A", "AA", "AAA", "AAAA", ".", "=", &"A".repeat(60)] {
        out.push(format!("{token}{suffix}"));
    }
    out
}

#[test]
fn verifies_exactly_like_the_jsonwebtoken_implementation() {
    let ours = TokenVerifier::new(&config()).unwrap();
    let reference = Reference::new(&config());
    let mut tokens = corpus();
    let issuer = TokenIssuer::new(&IssuerConfig {
        key: current().into(),
        ttl: Duration::from_secs(3600),
        names: config().names,
    })
    .unwrap();
    let issued = issuer.issue(Subject { user_id: "u-1", username: "alice", roles: &["a".into()] }, NOW).unwrap();
    tokens.extend(mutations(&issued.access_token));
    // Signatures of every length, on both sides of the verifier's stack buffer.
    let (message, _) = issued.access_token.rsplit_once('.').unwrap();
    for length in 1..=100 {
        for fill in ["A", "_"] {
            tokens.push(format!("{message}.{}", fill.repeat(length)));
        }
    }
    tokens.push(issued.access_token);
    let mut accepted = 0;
    for token in &tokens {
        for now in [NOW, NOW + 3600 + 29, NOW + 3600 + 30, NOW - 31] {
            let expected = reference.verify(token, now);
            assert_eq!(ours.verify(token, now), expected, "{token}");
            accepted += usize::from(expected.is_ok());
        }
    }
    assert!(accepted > 10, "the corpus must contain tokens that verify, not only refusals");
    assert!(tokens.len() > 1000, "{}", tokens.len());
}

#[test]
fn issues_the_same_bytes_as_jsonwebtoken() {
    let config = IssuerConfig { key: current().into(), ttl: Duration::from_secs(3600), names: config().names };
    let issued = TokenIssuer::new(&config)
        .unwrap()
        .issue(Subject { user_id: "u-1", username: "al\"ice", roles: &["a".into(), "b".into()] }, NOW)
        .unwrap();
    let claims: Claims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(issued.access_token.split('.').nth(1).unwrap()).unwrap())
            .unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let reference = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(SECRET).unwrap()).unwrap();
    assert_eq!(issued.access_token, reference);
    assert_eq!(issued.expires_in, 3600);
}
