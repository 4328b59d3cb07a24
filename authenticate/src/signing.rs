//! The key `authenticate` signs with and the public keys it publishes.
//!
//! With HS256 the key is the configured secret and nothing is published. With
//! ES256 or RS256 the private key is never in the environment: it is read once
//! at cold start from wherever [`SecretSource`] looks (Secrets Manager in the
//! Lambda, see `startup.rs`; the data folder in the local API; a string in tests).

use std::future::Future;

use common::config::{
    ConfigError, IssuerKey, JWT_SIGNING_KEY_SECRET, KeyMaterial, SIGNING_KEY_SECRET_EXPECTED, SigningKeySecret,
    published_keys,
};
use common::token::{Algorithm, Jwks, SigningKey, TokenError};

/// Reads the text of the secret `JWT_SIGNING_KEY_SECRET` names. The error is
/// a one-line reason that never holds the secret's value.
pub trait SecretSource {
    fn secret_string(&self, secret_id: &str) -> impl Future<Output = Result<String, String>> + Send;
}

/// The signing key and the JWK Set that verifies what it signs (and what it signed before).
#[derive(Debug)]
pub struct Signer {
    key: SigningKey,
    jwks: Jwks,
}

impl Signer {
    /// An HS256 key: a shared secret, so nothing is published (`{"keys":[]}`).
    pub fn hs256(key: &KeyMaterial) -> Result<Self, TokenError> {
        Ok(Self { key: SigningKey::hs256(key.kid.as_str(), key.secret.expose())?, jwks: Jwks::default() })
    }

    /// An ES256 or RS256 key read from its secret, which must hold a key of
    /// `algorithm` (`JWT_ALGORITHM`'s), publishing its own public key first,
    /// then `previous` (`JWT_PUBLIC_KEYS`).
    pub fn from_secret(secret: &SigningKeySecret, algorithm: Algorithm, previous: &Jwks) -> Result<Self, ConfigError> {
        secret.require_algorithm(algorithm)?;
        let key = SigningKey::from_private(secret.kid.as_str(), &secret.key).map_err(|_| {
            ConfigError::invalid(
                JWT_SIGNING_KEY_SECRET,
                None,
                "its private key cannot sign",
                SIGNING_KEY_SECRET_EXPECTED,
            )
        })?;
        let jwks = published_keys(&key.verifying_key(), previous)?;
        Ok(Self { key, jwks })
    }

    /// The signer a configuration describes, reading an ES256 or RS256 key from
    /// `source` (once).
    pub async fn load(key: &IssuerKey, source: &impl SecretSource) -> Result<Self, ConfigError> {
        match key {
            IssuerKey::Hs256(key) => Self::hs256(key).map_err(|_| {
                ConfigError::invalid(common::config::JWT_SECRET, None, "not a usable HMAC key", "a non-empty secret")
            }),
            IssuerKey::Es256 { secret_id, previous } | IssuerKey::Rs256 { secret_id, previous } => {
                let text = source.secret_string(secret_id).await.map_err(|why| {
                    let why = format!("the secret cannot be read: {why}");
                    ConfigError::invalid(JWT_SIGNING_KEY_SECRET, Some(secret_id), &why, SIGNING_KEY_SECRET_EXPECTED)
                })?;
                Self::from_secret(&SigningKeySecret::parse(&text)?, key.algorithm(), previous)
            }
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        self.key.algorithm()
    }

    /// What `GET /.well-known/jwks.json` serves.
    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }

    pub(crate) fn into_parts(self) -> (SigningKey, Jwks) {
        (self.key, self.jwks)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use common::config::Secret;
    use common::token::Es256PrivateKey;

    use super::*;

    struct Secrets(HashMap<&'static str, String>);

    impl SecretSource for Secrets {
        async fn secret_string(&self, secret_id: &str) -> Result<String, String> {
            self.0.get(secret_id).cloned().ok_or_else(|| "ResourceNotFoundException: no such secret".into())
        }
    }

    fn es256_config(previous: Jwks) -> IssuerKey {
        IssuerKey::Es256 { secret_id: "token-signing-key".into(), previous }
    }

    fn secret(kid: &str) -> (Es256PrivateKey, String) {
        let key = Es256PrivateKey::generate().unwrap();
        let json = serde_json::json!({ "kid": kid, "private_key": key.to_pem() }).to_string();
        (key, json)
    }

    #[tokio::test]
    async fn an_es256_key_comes_from_its_secret_with_its_kid() {
        let (key, json) = secret("2026-05");
        let source = Secrets(HashMap::from([("token-signing-key", json)]));
        let signer = Signer::load(&es256_config(Jwks::default()), &source).await.unwrap();
        assert_eq!(signer.algorithm(), Algorithm::Es256);
        let (signing, jwks) = signer.into_parts();
        assert_eq!(signing.kid(), "2026-05");
        assert_eq!(jwks.keys.len(), 1);
        assert_eq!(jwks.keys[0].kid, "2026-05");
        assert_eq!(jwks.verifying_keys().unwrap()[0].public_key().unwrap(), key.public_key());
    }

    #[tokio::test]
    async fn an_unreadable_or_bad_secret_names_the_variable_and_never_the_key() {
        let (_, json) = secret("k1");
        let pem_line = json[40..70].to_string();
        let bad_kid = json.replace("\"k1\"", "\"k 1\"");
        for (name, source) in [
            ("missing", Secrets(HashMap::new())),
            ("not json", Secrets(HashMap::from([("token-signing-key", "-----BEGIN PRIVATE KEY-----".into())]))),
            ("bad kid", Secrets(HashMap::from([("token-signing-key", bad_kid)]))),
        ] {
            let err = Signer::load(&es256_config(Jwks::default()), &source).await.unwrap_err();
            assert_eq!(err.var, JWT_SIGNING_KEY_SECRET, "{name}");
            assert!(!err.to_string().contains(&pem_line), "{name}: {err}");
        }
    }

    #[tokio::test]
    async fn previous_public_keys_follow_and_a_kid_clash_is_refused() {
        let (_, json) = secret("new");
        let source = Secrets(HashMap::from([("token-signing-key", json)]));
        let old = SigningKey::es256("old", &Es256PrivateKey::generate().unwrap()).unwrap().verifying_key();
        let previous = Jwks { keys: vec![old.jwk().unwrap()] };
        let signer = Signer::load(&es256_config(previous), &source).await.unwrap();
        let kids: Vec<_> = signer.jwks().keys.iter().map(|k| k.kid.as_str()).collect();
        assert_eq!(kids, ["new", "old"]);
        let impostor = SigningKey::es256("new", &Es256PrivateKey::generate().unwrap()).unwrap().verifying_key();
        let clash = Jwks { keys: vec![impostor.jwk().unwrap()] };
        let err = Signer::load(&es256_config(clash), &source).await.unwrap_err();
        assert_eq!(err.var, common::config::JWT_PUBLIC_KEYS);
    }

    #[tokio::test]
    async fn an_rs256_key_comes_from_its_secret_and_publishes_its_rsa_jwk() {
        let json = serde_json::json!({ "kid": "rsa-1", "private_key": common::testing::RSA_KEY_PEM }).to_string();
        let source = Secrets(HashMap::from([("token-signing-key", json)]));
        let config = IssuerKey::Rs256 { secret_id: "token-signing-key".into(), previous: Jwks::default() };
        let signer = Signer::load(&config, &source).await.unwrap();
        assert_eq!(signer.algorithm(), Algorithm::Rs256);
        let jwk = &signer.jwks().keys[0];
        assert_eq!((jwk.kty.as_str(), jwk.kid.as_str(), jwk.alg.as_deref()), ("RSA", "rsa-1", Some("RS256")));
        assert_eq!(jwk.e.as_deref(), Some("AQAB"));
    }

    #[tokio::test]
    async fn the_secret_s_key_type_must_be_the_configured_algorithm() {
        let rsa = serde_json::json!({ "kid": "k", "private_key": common::testing::RSA_KEY_PEM }).to_string();
        let (_, ec) = secret("k");
        for (config, text, found) in [
            (es256_config(Jwks::default()), rsa, "an RSA key (RS256), but JWT_ALGORITHM is ES256"),
            (
                IssuerKey::Rs256 { secret_id: "token-signing-key".into(), previous: Jwks::default() },
                ec,
                "a P-256 key (ES256), but JWT_ALGORITHM is RS256",
            ),
        ] {
            let source = Secrets(HashMap::from([("token-signing-key", text)]));
            let err = Signer::load(&config, &source).await.unwrap_err();
            assert_eq!(err.var, JWT_SIGNING_KEY_SECRET);
            assert!(err.to_string().contains(found), "{err}");
            assert!(!err.to_string().contains("BEGIN"), "never the key: {err}");
        }
    }

    #[tokio::test]
    async fn hs256_publishes_nothing() {
        let key =
            KeyMaterial { kid: "default".into(), secret: Secret::new(b"0123456789abcdef0123456789abcdef".to_vec()) };
        let signer = Signer::load(&IssuerKey::Hs256(key), &Secrets(HashMap::new())).await.unwrap();
        assert_eq!(signer.algorithm(), Algorithm::Hs256);
        assert_eq!(serde_json::to_string(signer.jwks()).unwrap(), r#"{"keys":[]}"#);
    }
}
