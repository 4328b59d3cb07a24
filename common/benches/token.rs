//! Token issue and verify: HS256 (the default), ES256 and RS256, and the
//! asymmetric keys' handling at cold start (parsing the private key, reading
//! a JWK, the JWKS).

use std::hint::black_box;
use std::time::Duration;

use common::config::{IssuerConfig, KeyMaterial, Secret, TokenAudience, VerifierConfig, VerifierKeys};
use common::token::{Es256PrivateKey, Jwk, KeySet, Rs256PrivateKey, SigningKey, Subject, TokenIssuer, TokenVerifier};
use criterion::{Criterion, criterion_group, criterion_main};

const SECRET: &[u8] = b"bench-secret-0123456789abcdef0123456789abcdef";
const NOW: u64 = 1_800_000_000;
/// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`.
const ES256_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyPiIHWhrXREhLwLs
y9F29V0My469SSv7qw5IAuTx0XGhRANCAATg9USwgtR0DYx5Xz03mtM9RI3hTFRF
HIoHDdhDu3YK/EhPFt3AerUWzN4bGuNOrKLcnAzZWkCXUOeqMrrgvhHZ
-----END PRIVATE KEY-----
";

/// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` (common::testing::RSA_KEY_PEM).
const RS256_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
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

fn names() -> TokenAudience {
    TokenAudience { issuer: "authenticate".into(), audience: "api".into() }
}

fn key() -> KeyMaterial {
    KeyMaterial { kid: "default".into(), secret: Secret::new(SECRET.to_vec()) }
}

fn tampered(token: &str) -> String {
    let (message, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    format!("{message}.{flipped}{}", &signature[1..])
}

fn token(c: &mut Criterion) {
    let issuer =
        TokenIssuer::new(&IssuerConfig { key: key().into(), ttl: Duration::from_secs(3600), names: names() }).unwrap();
    let verifier = TokenVerifier::new(&VerifierConfig {
        keys: VerifierKeys::Hs256 { current: key(), previous: vec![] },
        names: names(),
        leeway: Duration::from_secs(30),
    })
    .unwrap();
    let roles = vec!["admin".to_string(), "dev".to_string()];
    let subject = Subject { user_id: "8d2f3c1e-1111-4a4a-9b9b-000000000001", username: "alice", roles: &roles };

    c.bench_function("token/issue", |b| b.iter(|| issuer.issue(black_box(subject), black_box(NOW)).unwrap()));

    let token = issuer.issue(subject, NOW).unwrap().access_token;
    c.bench_function("token/verify", |b| b.iter(|| verifier.verify(black_box(&token), black_box(NOW)).unwrap()));

    let tampered_hs256 = tampered(&token);
    c.bench_function("token/verify, bad signature", |b| {
        b.iter(|| verifier.verify(black_box(&tampered_hs256), black_box(NOW)).unwrap_err())
    });

    // ES256: the issuer holds the private key, the verifier the public key only.
    let private = Es256PrivateKey::from_text(ES256_KEY_PEM).unwrap();
    let signing = SigningKey::es256("default", &private).unwrap();
    let keys = KeySet::new(signing.verifying_key(), []);
    let es256_verifier = TokenVerifier::with_keys(keys, &names(), Duration::from_secs(30));
    let es256_issuer = TokenIssuer::with_key(signing, &names(), Duration::from_secs(3600));

    c.bench_function("token/issue, ES256", |b| {
        b.iter(|| es256_issuer.issue(black_box(subject), black_box(NOW)).unwrap())
    });
    let es256_token = es256_issuer.issue(subject, NOW).unwrap().access_token;
    c.bench_function("token/verify, ES256", |b| {
        b.iter(|| es256_verifier.verify(black_box(&es256_token), black_box(NOW)).unwrap())
    });
    let tampered_es256 = tampered(&es256_token);
    c.bench_function("token/verify, ES256, bad signature", |b| {
        b.iter(|| es256_verifier.verify(black_box(&tampered_es256), black_box(NOW)).unwrap_err())
    });

    // RS256 (2048 bits): the same, with an RSA key.
    let signing = SigningKey::rs256("default", &Rs256PrivateKey::from_text(RS256_KEY_PEM).unwrap()).unwrap();
    let keys = KeySet::new(signing.verifying_key(), []);
    let rs256_verifier = TokenVerifier::with_keys(keys, &names(), Duration::from_secs(30));
    let rs256_issuer = TokenIssuer::with_key(signing, &names(), Duration::from_secs(3600));
    c.bench_function("token/issue, RS256", |b| {
        b.iter(|| rs256_issuer.issue(black_box(subject), black_box(NOW)).unwrap())
    });
    let rs256_token = rs256_issuer.issue(subject, NOW).unwrap().access_token;
    c.bench_function("token/verify, RS256", |b| {
        b.iter(|| rs256_verifier.verify(black_box(&rs256_token), black_box(NOW)).unwrap())
    });
    let tampered_rs256 = tampered(&rs256_token);
    c.bench_function("token/verify, RS256, bad signature", |b| {
        b.iter(|| rs256_verifier.verify(black_box(&tampered_rs256), black_box(NOW)).unwrap_err())
    });
    let signature = |token: &str| token.rsplit('.').next().unwrap().len();
    eprintln!(
        "token bytes with the same claims: HS256 {}, ES256 {}, RS256 {} (signature {}, {} and {} characters)",
        token.len(),
        es256_token.len(),
        rs256_token.len(),
        signature(&token),
        signature(&es256_token),
        signature(&rs256_token)
    );
}

/// What ES256 adds to a cold start: authenticate reads its private key,
/// check-token its public keys (as JWKs); the JWKS endpoint serialises them.
fn es256_keys(c: &mut Criterion) {
    c.bench_function("token/ES256 signing key from PEM (parse, pair check)", |b| {
        b.iter(|| SigningKey::es256("default", &Es256PrivateKey::from_text(black_box(ES256_KEY_PEM)).unwrap()).unwrap())
    });
    let private = Es256PrivateKey::from_text(ES256_KEY_PEM).unwrap();
    c.bench_function("token/ES256 signing key from a parsed private key", |b| {
        b.iter(|| SigningKey::es256("default", black_box(&private)).unwrap())
    });
    let public = SigningKey::es256("default", &private).unwrap().verifying_key();
    let jwk = serde_json::to_string(&public.jwk().unwrap()).unwrap();
    c.bench_function("token/ES256 verifying key from JWK JSON", |b| {
        b.iter(|| serde_json::from_str::<Jwk>(black_box(&jwk)).unwrap().verifying_key().unwrap())
    });
    let keys =
        KeySet::new(public, [SigningKey::es256("old", &Es256PrivateKey::generate().unwrap()).unwrap().verifying_key()]);
    c.bench_function("token/JWKS JSON of two ES256 keys", |b| {
        b.iter(|| serde_json::to_vec(&black_box(&keys).jwks()).unwrap())
    });
    c.bench_function("token/ES256 key generation (OS RNG, PKCS#8)", |b| {
        b.iter(|| Es256PrivateKey::generate().unwrap())
    });
}

/// What RS256 adds to a cold start: ring checks the RSA key pair (authenticate,
/// once); check-token reads the public keys from JWKs.
fn rs256_keys(c: &mut Criterion) {
    c.bench_function("token/RS256 signing key from PEM (parse, pair check)", |b| {
        b.iter(|| SigningKey::rs256("default", &Rs256PrivateKey::from_text(black_box(RS256_KEY_PEM)).unwrap()).unwrap())
    });
    let public = SigningKey::rs256("default", &Rs256PrivateKey::from_text(RS256_KEY_PEM).unwrap()).unwrap();
    let jwk = serde_json::to_string(&public.verifying_key().jwk().unwrap()).unwrap();
    c.bench_function("token/RS256 verifying key from JWK JSON", |b| {
        b.iter(|| serde_json::from_str::<Jwk>(black_box(&jwk)).unwrap().verifying_key().unwrap())
    });
}

criterion_group!(benches, token, es256_keys, rs256_keys);
criterion_main!(benches);
