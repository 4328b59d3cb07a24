//! Tokens an attacker would send, each through the whole authorizer (event
//! JSON in, as API Gateway sends it). Every one must be `Unauthorized`; the
//! genuine token next to them must be allowed, so the table cannot pass by
//! refusing everything.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use check_token::CheckTokenConfig;
use check_token::policy::StageArn;
use check_token::{Authorizer, AuthorizerError};
use common::access::AccessRules;
use common::testing::Tokens;
use common::token::{Subject, TokenIssuer};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

const SECRET: &[u8] = b"adversarial-suite-secret-0123456789abcdef";
const NOW: u64 = 1_800_000_000;
const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/hello";

fn tokens() -> Tokens {
    Tokens::with_secret(SECRET)
}

fn authorizer() -> Authorizer {
    let access = AccessRules::parse(r#"{"GET /hello": ["*"]}"#).unwrap();
    let config = CheckTokenConfig { verifier: tokens().verifier_config(), stage: StageArn::FromMethodArn, access };
    Authorizer::new(&config).unwrap()
}

fn genuine() -> String {
    let issuer = TokenIssuer::new(&tokens().issuer_config()).unwrap();
    issuer.issue(Subject { user_id: "u-1", username: "alice", roles: &["user".into()] }, NOW).unwrap().access_token
}

fn claims() -> Value {
    json!({"iss": "authenticate", "aud": "api", "sub": "u-1", "username": "alice", "roles": ["user"],
           "iat": NOW, "nbf": NOW, "exp": NOW + 3600, "jti": "j-1"})
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn sign(alg: Algorithm, message: &str, secret: &[u8]) -> String {
    jsonwebtoken::crypto::sign(message.as_bytes(), &EncodingKey::from_secret(secret).unwrap(), alg).unwrap()
}

/// Joins raw header and payload bytes and signs them with HS256 and the real secret.
fn forge_bytes(header: &[u8], payload: &[u8]) -> String {
    let message = format!("{}.{}", b64(header), b64(payload));
    let signature = sign(Algorithm::HS256, &message, SECRET);
    format!("{message}.{signature}")
}

fn forge(header: &str, payload: &str) -> String {
    forge_bytes(header.as_bytes(), payload.as_bytes())
}

fn with_header(header: Value) -> String {
    forge(&header.to_string(), &claims().to_string())
}

fn with_claims(change: impl FnOnce(&mut Value)) -> String {
    let mut claims = claims();
    change(&mut claims);
    forge(r#"{"alg":"HS256","typ":"JWT","kid":"default"}"#, &claims.to_string())
}

fn without(claim: &'static str) -> String {
    with_claims(|c| {
        c.as_object_mut().unwrap().remove(claim);
    })
}

fn authorize(authorization: &str) -> Result<Value, AuthorizerError> {
    let event = json!({"type": "TOKEN", "authorizationToken": authorization, "methodArn": ARN}).to_string();
    let request = serde_json::from_str(&event).unwrap();
    authorizer().authorize(&request, NOW).map(|r| serde_json::to_value(r).unwrap())
}

fn cases() -> Vec<(&'static str, String)> {
    let good = genuine();
    let (head, rest) = good.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let claims_text = claims().to_string();
    let unsigned = |alg: &str| format!("{}.{}.", b64(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#)), b64(&claims_text));
    let signed_as = |alg: Algorithm, name: &str| {
        let message =
            format!("{}.{}", b64(format!(r#"{{"alg":"{name}","typ":"JWT","kid":"default"}}"#)), b64(&claims_text));
        let signature = sign(alg, &message, SECRET);
        format!("{message}.{signature}")
    };
    let mut more_roles = claims();
    more_roles["roles"] = json!(["admin"]);
    vec![
        // Algorithm confusion.
        ("alg none, no signature", unsigned("none")),
        ("alg None, no signature", unsigned("None")),
        ("alg none, signed", with_header(json!({"alg": "none", "typ": "JWT"}))),
        ("alg HS384 with the real secret", signed_as(Algorithm::HS384, "HS384")),
        ("alg HS512 with the real secret", signed_as(Algorithm::HS512, "HS512")),
        ("alg RS256, HMAC'd with the secret as if it were a public key", signed_as(Algorithm::HS256, "RS256")),
        ("alg missing", with_header(json!({"typ": "JWT", "kid": "default"}))),
        // Header parameters that fetch keys or demand extensions.
        ("jku", with_header(json!({"alg": "HS256", "jku": "https://attacker.example/jwks.json"}))),
        ("x5u", with_header(json!({"alg": "HS256", "x5u": "https://attacker.example/cert.pem"}))),
        ("jwk", with_header(json!({"alg": "HS256", "jwk": {"kty": "oct", "k": STANDARD.encode(b"attacker")}}))),
        ("unknown crit", with_header(json!({"alg": "HS256", "crit": ["x-unknown"], "x-unknown": true}))),
        ("kid path traversal", with_header(json!({"alg": "HS256", "kid": "../../../../dev/null"}))),
        ("kid SQL", with_header(json!({"alg": "HS256", "kid": "x' UNION SELECT 'secret"}))),
        ("kid unknown", with_header(json!({"alg": "HS256", "kid": "other"}))),
        ("kid not a string", with_header(json!({"alg": "HS256", "kid": 7}))),
        // Signatures.
        ("empty signature", format!("{head}.{payload}.")),
        ("missing signature", format!("{head}.{payload}")),
        ("extra-long signature", format!("{head}.{payload}.{signature}AAAAAAAA")),
        ("payload tampered after signing", format!("{head}.{}.{signature}", b64(more_roles.to_string()))),
        ("signed with another secret", {
            let message = format!("{head}.{payload}");
            format!("{message}.{}", sign(Algorithm::HS256, &message, b"another-secret-another-secret-xx"))
        }),
        // Time.
        ("expired", with_claims(|c| c["exp"] = json!(NOW - 31))),
        ("nbf in the future", with_claims(|c| c["nbf"] = json!(NOW + 31))),
        ("iat in the future beyond the leeway", with_claims(|c| c["iat"] = json!(NOW + 31))),
        // Issuer and audience.
        ("wrong iss", with_claims(|c| c["iss"] = json!("attacker"))),
        ("a role smuggling a second one", with_claims(|c| c["roles"] = json!(["viewer,admin"]))),
        ("an empty role", with_claims(|c| c["roles"] = json!(["user", ""]))),
        ("a role that is not a role name", with_claims(|c| c["roles"] = json!(["admin role"]))),
        ("wrong aud", with_claims(|c| c["aud"] = json!("other-api"))),
        ("aud array without ours", with_claims(|c| c["aud"] = json!(["a", "b"]))),
        ("aud empty array", with_claims(|c| c["aud"] = json!([]))),
        // Claim types and presence.
        ("exp as a string", with_claims(|c| c["exp"] = json!((NOW + 3600).to_string()))),
        ("roles as a string", with_claims(|c| c["roles"] = json!("admin"))),
        ("sub as a number", with_claims(|c| c["sub"] = json!(1))),
        ("exp missing", without("exp")),
        ("username missing", without("username")),
        ("jti missing", without("jti")),
        (
            "duplicate sub key",
            forge(r#"{"alg":"HS256"}"#, &claims_text.replacen(r#""sub":"u-1""#, r#""sub":"u-1","sub":"admin""#, 1)),
        ),
        ("duplicate alg key", forge(r#"{"alg":"HS256","alg":"none"}"#, &claims_text)),
        // Encoding and size.
        ("non-UTF-8 payload", forge_bytes(br#"{"alg":"HS256"}"#, &[0x7b, 0xff, 0xfe, 0x7d])),
        ("non-UTF-8 header", forge_bytes(&[0x7b, 0xc3, 0x28, 0x7d], claims_text.as_bytes())),
        ("non-ASCII character", format!("{head}.{payload}.{signature}é")),
        ("padded base64", format!("{head}=.{payload}.{signature}")),
        ("over-long token", with_claims(|c| c["pad"] = json!("x".repeat(9000)))),
        ("two tokens joined", format!("{good}.{good}")),
        ("empty", String::new()),
        ("garbage", "not.a.token".into()),
    ]
}

#[test]
fn the_genuine_token_is_allowed() {
    let allowed = authorize(&format!("Bearer {}", genuine())).unwrap();
    assert_eq!(allowed["principalId"], "u-1");
}

#[test]
fn every_forged_or_malformed_token_is_unauthorized() {
    for (case, token) in cases() {
        match authorize(&format!("Bearer {token}")) {
            Err(AuthorizerError::Unauthorized(_)) => {}
            other => panic!("{case}: expected Unauthorized, got {other:?}"),
        }
    }
}

#[test]
fn bearer_variants() {
    let token = genuine();
    for (case, authorization, allowed) in [
        ("canonical", format!("Bearer {token}"), true),
        ("lowercase scheme", format!("bearer {token}"), true),
        ("uppercase scheme", format!("BEARER {token}"), true),
        ("missing scheme", token.clone(), false),
        ("doubled scheme", format!("Bearer Bearer {token}"), false),
        ("tab separator", format!("Bearer\t{token}"), false),
        ("two spaces", format!("Bearer  {token}"), false),
        ("trailing space", format!("Bearer {token} "), false),
        ("newline", format!("Bearer {token}\n"), false),
        ("Basic scheme", format!("Basic {}", STANDARD.encode("alice:pw")), false),
        ("scheme only", "Bearer".into(), false),
        ("empty", String::new(), false),
    ] {
        let result = authorize(&authorization);
        assert_eq!(result.is_ok(), allowed, "{case}: {result:?}");
        if !allowed {
            assert!(matches!(result, Err(AuthorizerError::Unauthorized(_))), "{case}");
        }
    }
}
