//! A successful login in-process, against its floor: one argon2id verify at
//! the OWASP parameters plus the store's two conditional writes (the attempt's
//! reservation, which also reads the user, and the reset after the right
//! password). With AWS_ENDPOINT_URL_DYNAMODB set (scripts/bench.sh starts
//! moto) it also runs against DynamoDB.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use authenticate::{Credentials, LoginService};
use common::password::Params;
use common::password::PasswordHasher;
use common::store::memory::MemoryUserStore;
use common::store::{LockoutPolicy, LoginStore, UserDirectory};
use common::testing::Tokens;
use common::token::TokenIssuer;
use common::user::User;
use criterion::{Criterion, criterion_group, criterion_main};
use store_dynamodb::DynamoUserStore;

const PASSWORD: &str = "correct horse battery staple";

fn user(hash: String) -> User {
    User {
        username: "alice".into(),
        user_id: "8d2f3c1e-1111-4a4a-9b9b-000000000001".into(),
        password_hash: hash,
        roles: vec!["admin".into(), "dev".into()],
        disabled: false,
        created_at: "2026-01-01T00:00:00Z".into(),
        failed_logins: 0,
        locked_until: None,
        last_attempt_at: None,
        sessions_revoked_at: None,
    }
}

fn service(store: Arc<dyn LoginStore>, hasher: &PasswordHasher) -> LoginService {
    let issuer = TokenIssuer::new(&Tokens::with_secret("bench-secret-0123456789abcdef0123").issuer_config()).unwrap();
    LoginService::new(store, hasher.clone(), issuer, LockoutPolicy { max_attempts: 5, lockout_secs: 900 })
}

fn credentials() -> Credentials {
    Credentials { username: "alice".into(), password: PASSWORD.into() }
}

fn login(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let hasher = PasswordHasher::owasp();
    let hash = hasher.hash(PASSWORD).unwrap();

    let mut group = c.benchmark_group("login");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function("argon2id verify (OWASP)", |b| {
        b.iter(|| hasher.verify(black_box(PASSWORD), black_box(&hash)).unwrap())
    });

    let memory = Arc::new(MemoryUserStore::new());
    runtime.block_on(memory.create_user(&user(hash.clone()))).unwrap();
    let login = service(memory, &hasher);
    group.bench_function("login, memory store", |b| {
        b.iter(|| runtime.block_on(login.login(credentials(), common::clock::now_epoch_seconds())).unwrap())
    });

    // Everything a login does apart from argon2's work (lookup, the hop to the
    // blocking pool and back, token issue), with argon2 at its minimum cost:
    // the login's overhead over its floor.
    let cheap = PasswordHasher::with_params(Params::new(8, 1, 1, None).unwrap());
    let cheap_store = Arc::new(MemoryUserStore::new());
    runtime.block_on(cheap_store.create_user(&user(cheap.hash(PASSWORD).unwrap()))).unwrap();
    let cheap_login = service(cheap_store, &cheap);
    group.bench_function("login overhead (memory store, argon2 at m=8 KiB t=1)", |b| {
        b.iter(|| runtime.block_on(cheap_login.login(credentials(), common::clock::now_epoch_seconds())).unwrap())
    });

    if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some() {
        let store = runtime.block_on(async {
            let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let table = format!("bench-login-{}", std::process::id());
            let store = DynamoUserStore::new(aws_sdk_dynamodb::Client::new(&config), table);
            store.ensure_table().await.unwrap();
            store.create_user(&user(hash.clone())).await.unwrap();
            Arc::new(store)
        });
        let policy = LockoutPolicy { max_attempts: u32::MAX, lockout_secs: 900 };
        group.bench_function("DynamoDB reservation + reset (two UpdateItem)", |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let now = common::clock::now_epoch_seconds();
                    store.reserve_login_attempt(black_box("alice"), now, policy).await.unwrap();
                    store.record_successful_login(black_box("alice"), now).await.unwrap()
                })
            })
        });
        let login = service(store, &hasher);
        group.bench_function("login, DynamoDB store", |b| {
            b.iter(|| runtime.block_on(login.login(credentials(), common::clock::now_epoch_seconds())).unwrap())
        });
    } else {
        eprintln!("AWS_ENDPOINT_URL_DYNAMODB is not set: skipping the DynamoDB login benchmarks");
    }
    group.finish();
}

criterion_group!(benches, login);
criterion_main!(benches);
