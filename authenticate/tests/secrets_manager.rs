//! The ES256 and RS256 signing keys read from a real Secrets Manager API (moto in
//! `./scripts/test.sh`, which exports AWS_ENDPOINT_URL_SECRETSMANAGER).

use authenticate::{SecretSource, SecretsManager, Signer};
use common::config::{IssuerKey, JWT_SIGNING_KEY_SECRET};
use common::token::{Algorithm, Es256PrivateKey, Jwks};

/// The SDK's own per-service variable is AWS_ENDPOINT_URL_SECRETS_MANAGER (from
/// the service id "Secrets Manager"); the suite's name is set as the endpoint here.
async fn sdk() -> aws_config::SdkConfig {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_SECRETSMANAGER")
        .expect("AWS_ENDPOINT_URL_SECRETSMANAGER is not set: run the suite with ./scripts/test.sh, which starts moto");
    aws_config::defaults(aws_config::BehaviorVersion::latest()).endpoint_url(endpoint).load().await
}

fn unique(name: &str) -> String {
    format!("{name}-{}", uuid::Uuid::new_v4())
}

#[tokio::test]
async fn the_key_and_its_kid_come_from_get_secret_value() {
    let sdk = sdk().await;
    let key = Es256PrivateKey::generate().unwrap();
    let value = serde_json::json!({ "kid": "2026-05", "private_key": key.to_pem() }).to_string();
    let name = unique("token-signing-key");
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let created = client.create_secret().name(&name).secret_string(value).send().await.unwrap();
    // By name and by ARN, as JWT_SIGNING_KEY_SECRET may give either.
    for id in [name.clone(), created.arn.unwrap()] {
        let config = IssuerKey::Es256 { secret_id: id, previous: Jwks::default() };
        let signer = Signer::load(&config, &SecretsManager::new(&sdk)).await.unwrap();
        assert_eq!(signer.algorithm(), Algorithm::Es256);
        assert_eq!(signer.jwks().keys[0].kid, "2026-05");
        assert_eq!(signer.jwks().verifying_keys().unwrap()[0].public_key().unwrap(), key.public_key());
    }
}

/// The zero-Lambda deployment's secret: the same JSON with an RSA key, as the
/// stack's key generator stores it.
#[tokio::test]
async fn an_rsa_key_in_the_same_json_signs_rs256() {
    let sdk = sdk().await;
    let value = serde_json::json!({ "kid": "rsa-2026-06", "private_key": common::testing::RSA_KEY_PEM }).to_string();
    let name = unique("token-signing-key-rsa");
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    client.create_secret().name(&name).secret_string(value).send().await.unwrap();
    let config = IssuerKey::Rs256 { secret_id: name.clone(), previous: Jwks::default() };
    let signer = Signer::load(&config, &SecretsManager::new(&sdk)).await.unwrap();
    assert_eq!(signer.algorithm(), Algorithm::Rs256);
    assert_eq!((signer.jwks().keys[0].kid.as_str(), signer.jwks().keys[0].kty.as_str()), ("rsa-2026-06", "RSA"));
    // The same secret under JWT_ALGORITHM=ES256 is refused, naming the mismatch.
    let es256 = IssuerKey::Es256 { secret_id: name, previous: Jwks::default() };
    let err = Signer::load(&es256, &SecretsManager::new(&sdk)).await.unwrap_err();
    assert!(err.to_string().contains("JWT_ALGORITHM is ES256"), "{err}");
}

#[tokio::test]
async fn a_missing_or_malformed_secret_stops_start_up_naming_the_variable() {
    let sdk = sdk().await;
    let source = SecretsManager::new(&sdk);
    let missing = IssuerKey::Es256 { secret_id: unique("no-such-secret"), previous: Jwks::default() };
    let err = Signer::load(&missing, &source).await.unwrap_err();
    assert_eq!(err.var, JWT_SIGNING_KEY_SECRET);
    assert!(!err.to_string().contains('\n'), "one line: {err}");

    let key = Es256PrivateKey::generate().unwrap();
    let name = unique("bare-pem");
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    client.create_secret().name(&name).secret_string(key.to_pem()).send().await.unwrap();
    assert_eq!(source.secret_string(&name).await.unwrap(), key.to_pem());
    let bare = IssuerKey::Es256 { secret_id: name, previous: Jwks::default() };
    let err = Signer::load(&bare, &source).await.unwrap_err();
    assert_eq!(err.var, JWT_SIGNING_KEY_SECRET);
    assert!(!err.to_string().contains(&key.to_base64()[20..60]), "never the key: {err}");
}
