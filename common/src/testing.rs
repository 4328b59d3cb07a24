//! Fixtures for tests across the workspace (feature `test-support`): token
//! configurations built from a few values instead of struct literals copied
//! into every test, and users with fresh ids.

use std::time::Duration;

use crate::config::{IssuerConfig, KeyMaterial, Secret, TokenAudience, VerifierConfig, VerifierKeys};
use crate::user::User;

/// A token set-up: one key, names, lifetime and leeway, from which the issuer
/// and the verifier configurations follow. Defaults: kid `default`, issuer
/// `authenticate`, audience `api`, 1 h tokens, 30 s leeway.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub kid: String,
    pub secret: Vec<u8>,
    pub issuer: String,
    pub audience: String,
    pub ttl: Duration,
    pub leeway: Duration,
    /// Retired keys the verifier still accepts: (kid, secret).
    pub previous: Vec<(String, Vec<u8>)>,
}

impl Tokens {
    pub fn with_secret(secret: impl AsRef<[u8]>) -> Self {
        Self {
            kid: "default".into(),
            secret: secret.as_ref().to_vec(),
            issuer: "authenticate".into(),
            audience: "api".into(),
            ttl: Duration::from_secs(3600),
            leeway: Duration::from_secs(30),
            previous: Vec::new(),
        }
    }

    pub fn kid(mut self, kid: &str) -> Self {
        self.kid = kid.into();
        self
    }

    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    pub fn names(mut self, issuer: &str, audience: &str) -> Self {
        self.issuer = issuer.into();
        self.audience = audience.into();
        self
    }

    pub fn previous(mut self, kid: &str, secret: impl AsRef<[u8]>) -> Self {
        self.previous.push((kid.into(), secret.as_ref().to_vec()));
        self
    }

    pub fn key(&self) -> KeyMaterial {
        KeyMaterial { kid: self.kid.clone(), secret: Secret::new(self.secret.clone()) }
    }

    pub fn names_config(&self) -> TokenAudience {
        TokenAudience { issuer: self.issuer.clone(), audience: self.audience.clone() }
    }

    pub fn issuer_config(&self) -> IssuerConfig {
        IssuerConfig { key: self.key().into(), ttl: self.ttl, names: self.names_config() }
    }

    pub fn verifier_config(&self) -> VerifierConfig {
        VerifierConfig {
            keys: VerifierKeys::Hs256 {
                current: self.key(),
                previous: self
                    .previous
                    .iter()
                    .map(|(kid, secret)| KeyMaterial { kid: kid.clone(), secret: Secret::new(secret.clone()) })
                    .collect(),
            },
            names: self.names_config(),
            leeway: self.leeway,
        }
    }
}

/// A new, enabled user with a random id, created now.
pub fn user(username: &str, password_hash: impl Into<String>, roles: &[&str]) -> User {
    let created_at = crate::clock::rfc3339(crate::clock::now_epoch_seconds());
    User::new(
        username,
        password_hash.into(),
        roles.iter().map(|r| r.to_string()).collect(),
        uuid::Uuid::new_v4().to_string(),
        created_at,
    )
}

/// A folder of its own under the system temp dir, removed when dropped.
#[derive(Debug)]
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|err| panic!("cannot create {}: {err}", dir.display()));
        Self(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
