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

/// A 2048-bit RSA key (`openssl genpkey -algorithm RSA -pkeyopt
/// rsa_keygen_bits:2048`, PKCS#8 PEM), for RS256 tests: ring cannot generate
/// RSA keys, so every test of RS256 signs with one of these two.
pub const RSA_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDT1V9CMyvsbOEk
IhlZVICr/O7EvSKpaFfWJP6dcHIlP36kvYHrQeyViu9ysw74vKnr1nmzu6Bz57qk
nPrAoS+eppqX2w4WYPKNxdDx3rHMXAfx69q2JsxG+BHsb2M658IrY01WX7DDgw1v
5/C/q3rG+da/9OyES/6CZYnqHhot9HmiPDj/0qP660jPgnkI/hW53aXTmVGm17SD
4oeWhwOmx6gccFA7rjsEK5wJNVP0wH6hVEkzsGv9o2FcDFxyxUpgbaS+HnrsOgl/
SpwyrktgP4s0Tty5PZ4gAMByOOSm9DK1FNz52fmD0YNd5R9jaahUlteQu5jTa+rs
Zd9maerZAgMBAAECggEAWmtre9Bn4UUgXNIJS+4b9k3ChUvOLc2SIKAt5noG3wtZ
PWx+tjKvj618Q9NWgqnVRguIa0WdWZwCOR2gkvS6ZNfsiQFB5B+BqS5U38kUz4xA
/+ySsMmizHA7BlcNXilq4iZC7qltxCZ+Z9PzGX1SrPgbyFf9VQMzIenBkqNCvXYk
B5979Y/4RYZaR3v1oD/KjCuznvAN5hAvVzDiMzSscjrPb6SnV7W3PQjDhG8Yf8nP
2cou+a1xi1XAQmPR+RyD11vrx1aHjzA/0LgVkfDR15oyCG/IRUDgZpWzcVj7iYsZ
fkJo5ERzh5EbMNEckXjZLFLqnBxx+W0L7S/nWWiM2QKBgQD2/C6KrmfczLdVU1KL
iSD2Eg3rXHTv1aH8aiqfNK/85nBfkHr1gETFDzWgZ6d/G8G6prGcaRW7l8RIv4yz
nOB5q3xi5jXXhG9CDCuifK5NdjxRpW2ABoEPFxygPTGLUnqJGDQotq1qUd32UspX
lm/co6bSzSBZ7uP156Iad1ph2wKBgQDbkLw4KhqA/oTHFY/OMy5FRJcVWc5L+yP9
QPnENxhaF/Z7wOhG+umk7t21X9LJmgfwQccb0SJt15e4Iu5sl8Brtq7vomg34S1r
6LLSc468ln86odf3YhpFkpTbRQDJ2aiCDFeWiFiUSHnnek8hwM9PJhenWx/55IWQ
vGW5nFoGWwKBgQCrNoAxBNvdFVDV5m/naMUfr75UdQBfLdIf/5zSRpzlDP3DUY3b
V/LUREnhi1lyZNR0RpADJFm7dGbOI3MvI8X8siMFEB8s6pKRz4wEFLhj3F3OH4Z7
5IZc5qGidyk8Mo3dMZkezBwFAwGCezvnYdLjudKweSA/F7qRQeR+wlQ2VwKBgQDT
I7W8FNDz5s1sXRGy6oi+V50qDPhTHKiZK1iEFa83Q//lNbaoOzVfQ8y0U/dxosur
gLWlzFDdbAscKYs5phyF+GD1VCoAQmvZbyY3NqS2OcsTaPszi4VUDgdTbGG7ubFP
jerUeT0lKyT/MiDShoVUyX7JktmHBvhiHKl9+hqgLQKBgGr1vL7IVFUKl3Mladza
pWOWn7L2At5WaJwamUOUMmdr1lv4GxEcKfMKLdBAjLOU/+4bnWRg7Ko9JQv+yJF7
KhSUxtmcPhgZVBwJzpOnpXdaEAb/EXt+NRr9s/OOynpRv6yXWkvJhY08NH+ZqfFZ
9LISFPrM8FQ75/9SP7YtZTBA
-----END PRIVATE KEY-----
";

/// `openssl pkey -pubout` of [`RSA_KEY_PEM`] (SubjectPublicKeyInfo PEM): one of
/// the forms an attacker may try as an HMAC secret.
pub const RSA_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA09VfQjMr7GzhJCIZWVSA
q/zuxL0iqWhX1iT+nXByJT9+pL2B60HslYrvcrMO+Lyp69Z5s7ugc+e6pJz6wKEv
nqaal9sOFmDyjcXQ8d6xzFwH8evatibMRvgR7G9jOufCK2NNVl+ww4MNb+fwv6t6
xvnWv/TshEv+gmWJ6h4aLfR5ojw4/9Kj+utIz4J5CP4Vud2l05lRpte0g+KHlocD
pseoHHBQO647BCucCTVT9MB+oVRJM7Br/aNhXAxccsVKYG2kvh567DoJf0qcMq5L
YD+LNE7cuT2eIADAcjjkpvQytRTc+dn5g9GDXeUfY2moVJbXkLuY02vq7GXfZmnq
2QIDAQAB
-----END PUBLIC KEY-----
";

/// A second 2048-bit RSA key, for rotation and wrong-key tests.
pub const RSA_OTHER_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDVgX55UDwH+DKB
hrI05Y6YQE1yKeE9kvBawxsg9h/dN0azDUFf8s7rblaQxU+d2+YSmWudU0MSUiww
YjATTv8QPetb7GZcqMzagIwIUAIb9FOguJz04Z12S7GHs4lsuOu8tov8CTC4fW3r
6LwNZngkbdvSD3ok4JxRCvFyblqoOGlgFCcwbXQBqE6IWQVI7+6gxZZBM5a5HqOt
DXo1whMZwld2uKvNO6IGpSQcQZdmHzCv9Y+UdVMjX2DOHg+D9uBzGzN+y8Rlxgwv
DIEMBgDUWVi4KAI79z6phWY6vps58saHxjg/9g8OfEWL5eJAiNHIXVr2SHCfpDz8
nZnOUWMfAgMBAAECggEACY8UJgNLxMGTJU3DXG9Ap0a4ZkRDaNnTeATPNKEVrnZN
7IX154FRS/od1w/LxOdg/B6Gp721aDRp9Q/tqMJQf3N+PkMtwWKaAAMMV0eZvehT
oYOnx1DzQftuldhEbqvde2P4OCRYhudat1qtUgjvQmucEWIPAmf/Uk45SXnGW6H3
QXxT+7Y2ri5o+rzBrFjuFO0vmWblbQpPLBI1aD3qR7ib3rFGKlWyTxd5XGMx0Z69
Q1WmwpT8nMJ4xgW0TFbvtRLW1QaQSabqlc69G9Jd4g6xEqGUSCKj4rtmtWpsCLGX
KyT1KTIiazHPK9/f1oyCBbsxOFb5K0/dKQY2KEOg0QKBgQD+wuPMbjk+TaCR+YBZ
BhvgYLxZBQEnA947i963RFzcOD05bW6+pKDTo5+a0PrHo7GrlHOmKv9mPctHr7gN
3x56eED72o86MOgPSeQ7T03bourQep++xXuoF8DDYCMe8QL/CqhXgF2VWQ2ouf1Q
vyjEWJWwKLMIe9ITCsF97UzB7wKBgQDWi0CKru8eas6IEMRd0OrKOUtt1tC4GasB
VTjPuqXzT1/00H4KVWO2DG60Cwc4CXUE2LZLv8VcuiaZW/QtlX+PsrV3EWv9bXzf
8Dldo0nneMeOrt5ey9yXbIgmQDI5qTfqjnQYi2y16QE62oNQKdIfeeHJpHVbYHhN
Bze3ywzh0QKBgQDgerOkx57TAi2xUmrAhrx7emGcAufgC+1/BKELVUaJmViBSKbj
f0ZjFfMlxGylCt0b9ePtkEeZPGvpT7FbL7W4bku8X/oCaWOhTRe5Fwjgtm43o0Ut
IO/zznJA9W4c7nsYZbit2WMcnOqHONM3mij+0ZucLFCM8iXKN5kFL9qJqwKBgDRO
Wvv0zmOSEqxluhpNVxDaiyNKXjSkPWbjyigLD26UiYZ8Vl5alybJPSw0DByDYb4+
v6MULCABWmvFWXDLo//6x/cxjiyJRwqp3LKRnvEKJ00IITrnZO6eDUuWFyirsvBC
rtdVFrn7Bsu8fotKxunZo0ywBdSzXmEZQ2JR5OAhAoGAIZkgw9zbHJ2pJaTwoE7Y
wkUXbAzskY+PT2EwbWebg1VmonBZKydG+I2VAtA5q59erlhzVBSbTly55IQAArJV
THRKWQTR1WdCi4Vb3mdtgGYoicQQiqJmAS8C0J37CmM4AXpr0KlFPHQCkVdIqv0v
UiO4r4jWrh42nHU5LlpftcQ=
-----END PRIVATE KEY-----
";
