//! Token issue and verify.

use std::hint::black_box;
use std::time::Duration;

use common::config::{IssuerConfig, KeyMaterial, Secret, TokenAudience, VerifierConfig};
use common::token::{Subject, TokenIssuer, TokenVerifier};
use criterion::{Criterion, criterion_group, criterion_main};

const SECRET: &[u8] = b"bench-secret-0123456789abcdef0123456789abcdef";
const NOW: u64 = 1_800_000_000;

fn names() -> TokenAudience {
    TokenAudience { issuer: "authenticate".into(), audience: "api".into() }
}

fn key() -> KeyMaterial {
    KeyMaterial { kid: "default".into(), secret: Secret::new(SECRET.to_vec()) }
}

fn token(c: &mut Criterion) {
    let issuer =
        TokenIssuer::new(&IssuerConfig { key: key(), ttl: Duration::from_secs(3600), names: names() }).unwrap();
    let verifier = TokenVerifier::new(&VerifierConfig {
        current: key(),
        previous: vec![],
        names: names(),
        leeway: Duration::from_secs(30),
    })
    .unwrap();
    let roles = vec!["admin".to_string(), "dev".to_string()];
    let subject = Subject { user_id: "8d2f3c1e-1111-4a4a-9b9b-000000000001", username: "alice", roles: &roles };

    c.bench_function("token/issue", |b| b.iter(|| issuer.issue(black_box(subject), black_box(NOW)).unwrap()));

    let token = issuer.issue(subject, NOW).unwrap().access_token;
    c.bench_function("token/verify", |b| b.iter(|| verifier.verify(black_box(&token), black_box(NOW)).unwrap()));

    let (message, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{message}.{flipped}{}", &signature[1..]);
    c.bench_function("token/verify, bad signature", |b| {
        b.iter(|| verifier.verify(black_box(&tampered), black_box(NOW)).unwrap_err())
    });
}

criterion_group!(benches, token);
criterion_main!(benches);
