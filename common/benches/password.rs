//! argon2id verification at the parameters authenticate uses (OWASP: m=19456 KiB, t=2, p=1).

use std::hint::black_box;
use std::time::Duration;

use common::password::{PasswordCheck, PasswordHasher};
use criterion::{Criterion, criterion_group, criterion_main};

fn password(c: &mut Criterion) {
    let hasher = PasswordHasher::owasp();
    let hash = hasher.hash("correct horse battery staple").unwrap();
    let mut group = c.benchmark_group("password");
    // Tens of milliseconds per verify: ten samples are enough for a median.
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function("argon2id verify (OWASP)", |b| {
        b.iter(|| {
            let check = hasher.verify(black_box("correct horse battery staple"), black_box(&hash)).unwrap();
            assert_eq!(check, PasswordCheck::Match { needs_rehash: false });
        })
    });
    group.finish();
}

criterion_group!(benches, password);
criterion_main!(benches);
