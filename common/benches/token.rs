//! Token issue and verify: HS256 (the default) and ES256, and ES256's key
//! handling at cold start (parsing the private key, reading a JWK, the JWKS).

use std::hint::black_box;
use std::time::Duration;

use common::config::{IssuerConfig, KeyMaterial, Secret, TokenAudience, VerifierConfig, VerifierKeys};
use common::token::{Es256PrivateKey, Jwk, KeySet, SigningKey, Subject, TokenIssuer, TokenVerifier};
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
    eprintln!(
        "token bytes with the same claims: HS256 {}, ES256 {} (signature {} and {} characters)",
        token.len(),
        es256_token.len(),
        token.rsplit('.').next().unwrap().len(),
        es256_token.rsplit('.').next().unwrap().len()
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

criterion_group!(benches, token, es256_keys);
criterion_main!(benches);
