//! The discovery documents through the handler, in every mode: exact bodies
//! and headers, and ES256 and RS256 logins whose tokens verify with the served
//! keys only.

use std::sync::Arc;
use std::time::Duration;

use authenticate::{Authenticate, AuthenticateConfig, Signer, Stores};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::config::{IssuerKey, SigningKeySecret, TokenAudience, VerifierConfig, VerifierKeys};
use common::password::PasswordHasher;
use common::store::LockoutPolicy;
use common::store::memory::{MemorySessionStore, MemoryUserStore};
use common::testing::Tokens;
use common::testing::{RSA_KEY_PEM, RSA_OTHER_KEY_PEM};
use common::token::{Algorithm, Es256PrivateKey, Jwks, PrivateKey, Rs256PrivateKey, SigningKey, TokenVerifier};
use lambda_http::http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

const ISSUER: &str = "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod";
const PASSWORD: &str = "correct horse battery staple";

fn config(issuer: &str) -> AuthenticateConfig {
    AuthenticateConfig {
        issuer: Tokens::with_secret("0123456789abcdef0123456789abcdef").names(issuer, "api").issuer_config(),
        cors_allow_origin: "*".into(),
        lockout: LockoutPolicy { max_attempts: 5, lockout_secs: 900 },
        refresh_ttl: Duration::from_secs(86_400),
    }
}

fn es256_secret(kid: &str) -> SigningKeySecret {
    SigningKeySecret { kid: kid.into(), key: Es256PrivateKey::generate().unwrap().into() }
}

fn rs256_secret(kid: &str) -> SigningKeySecret {
    SigningKeySecret { kid: kid.into(), key: Rs256PrivateKey::from_text(RSA_KEY_PEM).unwrap().into() }
}

fn signer(secret: &SigningKeySecret, previous: &Jwks) -> Signer {
    Signer::from_secret(secret, secret.key.algorithm(), previous).unwrap()
}

async fn app(issuer: &str, signer: Option<Signer>) -> Authenticate {
    let hasher = PasswordHasher::owasp();
    let users = Arc::new(MemoryUserStore::new());
    let alice = common::testing::user("alice", hasher.hash(PASSWORD).unwrap(), &["admin", "ops"]);
    common::store::UserDirectory::create_user(&*users, &alice).await.unwrap();
    let stores = Stores::new(users, Arc::new(MemorySessionStore::new()));
    match signer {
        Some(signer) => Authenticate::with_signer(&config(issuer), signer, stores, hasher),
        None => Authenticate::new(&config(issuer), stores, hasher).unwrap(),
    }
}

fn request(method: &str, path: &str) -> Request {
    let mut event: Value = serde_json::from_str(include_str!("../../events/authenticate-get.json")).unwrap();
    event["resource"] = json!(path);
    event["path"] = json!(path);
    event["httpMethod"] = json!(method);
    event["requestContext"]["resourcePath"] = json!(path);
    event["requestContext"]["httpMethod"] = json!(method);
    event["requestContext"]["path"] = json!(format!("/prod{path}"));
    for headers in ["headers", "multiValueHeaders"] {
        event[headers].as_object_mut().unwrap().remove("Authorization");
    }
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

async fn get(app: &Authenticate, path: &str) -> (Response<Body>, String) {
    let response = app.handle(request("GET", path)).await.unwrap();
    let body = match response.body() {
        Body::Text(text) => text.clone(),
        other => panic!("not text: {other:?}"),
    };
    (response, body)
}

fn assert_public_json(response: &Response<Body>) {
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=300");
}

fn coordinates(key: &Es256PrivateKey) -> (String, String) {
    let point = key.public_key();
    (URL_SAFE_NO_PAD.encode(&point[1..33]), URL_SAFE_NO_PAD.encode(&point[33..]))
}

#[tokio::test]
async fn es256_serves_its_public_key_then_the_previous_ones() {
    let secret = es256_secret("2026-05");
    let old = Es256PrivateKey::generate().unwrap();
    let previous = Jwks { keys: vec![SigningKey::es256("2026-01", &old).unwrap().verifying_key().jwk().unwrap()] };
    let app = app(ISSUER, Some(signer(&secret, &previous))).await;
    let (response, body) = get(&app, "/.well-known/jwks.json").await;
    assert_public_json(&response);
    let PrivateKey::Es256(key) = &secret.key else { panic!("ES256") };
    let ((x1, y1), (x0, y0)) = (coordinates(key), coordinates(&old));
    let expected = format!(
        r#"{{"keys":[{{"kty":"EC","crv":"P-256","x":"{x1}","y":"{y1}","kid":"2026-05","alg":"ES256","use":"sig"}},{{"kty":"EC","crv":"P-256","x":"{x0}","y":"{y0}","kid":"2026-01","alg":"ES256","use":"sig"}}]}}"#
    );
    assert_eq!(body, expected);
    assert!(!body.contains(&STANDARD.encode(secret.key.pkcs8_der())[40..80]), "no private part");
}

/// The zero-Lambda deployment's JWKS: API Gateway's JWT authorizer reads RSA
/// keys from it, in exactly this shape.
#[tokio::test]
async fn rs256_serves_its_rsa_public_key_then_the_previous_ones() {
    let secret = rs256_secret("2026-06");
    let old = Rs256PrivateKey::from_text(RSA_OTHER_KEY_PEM).unwrap();
    let previous = Jwks { keys: vec![SigningKey::rs256("2026-01", &old).unwrap().verifying_key().jwk().unwrap()] };
    let app = app(ISSUER, Some(signer(&secret, &previous))).await;
    let (response, body) = get(&app, "/.well-known/jwks.json").await;
    assert_public_json(&response);
    let PrivateKey::Rs256(key) = &secret.key else { panic!("RS256") };
    let (n1, n0) = (URL_SAFE_NO_PAD.encode(key.modulus()), URL_SAFE_NO_PAD.encode(old.modulus()));
    let expected = format!(
        r#"{{"keys":[{{"kty":"RSA","n":"{n1}","e":"AQAB","kid":"2026-06","alg":"RS256","use":"sig"}},{{"kty":"RSA","n":"{n0}","e":"AQAB","kid":"2026-01","alg":"RS256","use":"sig"}}]}}"#
    );
    assert_eq!(body, expected);
    assert!(!body.contains(&STANDARD.encode(secret.key.pkcs8_der())[400..440]), "no private part");
    let (_, body) = get(&app, "/.well-known/openid-configuration").await;
    assert_eq!(body, openid_configuration(ISSUER, ISSUER, "RS256"));
}

#[tokio::test]
async fn hs256_serves_an_empty_key_set() {
    let (response, body) = get(&app(ISSUER, None).await, "/.well-known/jwks.json").await;
    assert_public_json(&response);
    assert_eq!(body, r#"{"keys":[]}"#);
}

fn openid_configuration(base: &str, issuer: &str, alg: &str) -> String {
    format!(
        concat!(
            r#"{{"issuer":"{issuer}","jwks_uri":"{base}/.well-known/jwks.json","token_endpoint":"{base}/token","#,
            r#""revocation_endpoint":"{base}/revoke","grant_types_supported":["password","refresh_token"],"#,
            r#""token_endpoint_auth_methods_supported":["none"],"revocation_endpoint_auth_methods_supported":["none"],"#,
            r#""response_types_supported":["token"],"subject_types_supported":["public"],"#,
            r#""id_token_signing_alg_values_supported":["{alg}"],"#,
            r#""claims_supported":["iss","sub","aud","exp","iat","jti","username","roles","scope"]}}"#
        ),
        base = base,
        issuer = issuer,
        alg = alg
    )
}

#[tokio::test]
async fn the_openid_configuration_is_exact_in_both_modes() {
    let es256 = app(ISSUER, Some(signer(&es256_secret("k1"), &Jwks::default()))).await;
    let (response, body) = get(&es256, "/.well-known/openid-configuration").await;
    assert_public_json(&response);
    assert_eq!(body, openid_configuration(ISSUER, ISSUER, "ES256"));
    let (response, body) = get(&app(&format!("{ISSUER}/"), None).await, "/.well-known/openid-configuration").await;
    assert_public_json(&response);
    assert_eq!(body, openid_configuration(ISSUER, &format!("{ISSUER}/"), "HS256"), "one slash, issuer verbatim");
}

#[tokio::test]
async fn an_issuer_that_is_no_url_gets_urls_from_the_host_and_stage() {
    let (response, body) = get(&app("authenticate", None).await, "/.well-known/openid-configuration").await;
    assert_public_json(&response);
    assert_eq!(body, openid_configuration(ISSUER, "authenticate", "HS256"));
}

#[tokio::test]
async fn other_methods_are_refused_as_elsewhere() {
    let app = app(ISSUER, None).await;
    for path in ["/.well-known/jwks.json", "/.well-known/openid-configuration"] {
        let response = app.handle(request("POST", path)).await.unwrap();
        assert_eq!(response.status(), 405, "{path}");
        assert_eq!(response.headers()[ALLOW], "GET");
    }
}

#[tokio::test]
async fn es256_and_rs256_tokens_verify_with_the_served_keys_alone_and_carry_scope() {
    for secret in [es256_secret("k1"), rs256_secret("k1")] {
        let algorithm = secret.key.algorithm();
        let app = app(ISSUER, Some(signer(&secret, &Jwks::default()))).await;
        let mut login = request("GET", "/authenticate");
        let basic = format!("Basic {}", STANDARD.encode(format!("alice:{PASSWORD}")));
        login.headers_mut().insert("authorization", basic.parse().unwrap());
        let response = app.handle(login).await.unwrap();
        assert_eq!(response.status(), 200);
        let Body::Text(body) = response.body() else { panic!("text") };
        let token: Value = serde_json::from_str(body).unwrap();
        let token = token["access_token"].as_str().unwrap();
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
        assert_eq!(header, json!({"typ": "JWT", "alg": algorithm.name(), "kid": "k1"}));
        let (_, jwks) = get(&app, "/.well-known/jwks.json").await;
        let served: Jwks = serde_json::from_str(&jwks).unwrap();
        let keys =
            if algorithm == Algorithm::Rs256 { VerifierKeys::Rs256(served) } else { VerifierKeys::Es256(served) };
        let verifier = TokenVerifier::new(&VerifierConfig {
            keys,
            names: TokenAudience { issuer: ISSUER.into(), audience: "api".into() },
            leeway: Duration::from_secs(30),
        })
        .unwrap();
        let claims = verifier.verify(token, common::clock::now_epoch_seconds()).unwrap();
        assert_eq!((claims.username.as_str(), claims.scope.as_str()), ("alice", "admin ops"), "{algorithm}");
        assert_eq!(claims.iss, ISSUER);
    }
}

#[tokio::test]
async fn new_refuses_an_es256_configuration_whose_key_is_not_read_yet() {
    let mut config = config(ISSUER);
    for key in [
        IssuerKey::Es256 { secret_id: "s".into(), previous: Jwks::default() },
        IssuerKey::Rs256 { secret_id: "s".into(), previous: Jwks::default() },
    ] {
        config.issuer.key = key;
        let stores = Stores::new(Arc::new(MemoryUserStore::new()), Arc::new(MemorySessionStore::new()));
        assert!(Authenticate::new(&config, stores, PasswordHasher::owasp()).is_err());
    }
}
