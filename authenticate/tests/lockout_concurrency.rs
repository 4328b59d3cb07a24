//! The brute-force limit under concurrency, on every store: a burst of
//! concurrent logins gets at most `LOGIN_MAX_ATTEMPTS` passwords verified,
//! counted by a hasher that counts (and can hold) its verifications. DynamoDB
//! is moto with its item operations serialized, as DynamoDB applies each item
//! write atomically (see scripts/moto_server.py).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use authenticate::{Authenticate, Stores};
use common::password::{PasswordCheck, PasswordError, PasswordHasher, PasswordHashing};
use common::store::UserStore;
use common::store::memory::MemorySessionStore;
use common::store::memory::MemoryUserStore;
use common::testing::TempDir;
use lambda_http::http::StatusCode;
use lambda_http::http::header::RETRY_AFTER;
use store_sqlite::SqliteUserStore;
use tokio::task::JoinSet;

const PASSWORD: &str = "correct horse battery staple";
const WRONG: &str = "not-the-password";
const LIMIT: u32 = 5;

/// The real hasher, counting verifications (dummy ones apart) and, while
/// held, making them wait: a burst can then be observed mid-flight.
#[derive(Clone)]
struct CountingHasher {
    inner: PasswordHasher,
    verified: Arc<AtomicUsize>,
    dummies: Arc<AtomicUsize>,
    gate: Arc<(Mutex<bool>, Condvar)>,
}

impl CountingHasher {
    fn new(held: bool) -> Self {
        Self {
            inner: PasswordHasher::owasp(),
            verified: Arc::default(),
            dummies: Arc::default(),
            gate: Arc::new((Mutex::new(held), Condvar::new())),
        }
    }

    fn release(&self) {
        *self.gate.0.lock().unwrap() = false;
        self.gate.1.notify_all();
    }

    fn verified(&self) -> usize {
        self.verified.load(Ordering::SeqCst)
    }
}

/// Opens the gate when dropped, so a failing assertion ends the test instead
/// of leaving verifications blocked (the runtime waits for them on shutdown).
struct OpenOnDrop(CountingHasher);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        self.0.release();
    }
}

impl PasswordHashing for CountingHasher {
    fn hash(&self, password: &str) -> Result<String, PasswordError> {
        self.inner.hash(password)
    }

    fn verify(&self, password: &str, stored: &str) -> Result<PasswordCheck, PasswordError> {
        self.verified.fetch_add(1, Ordering::SeqCst);
        let (held, released) = &*self.gate;
        let _open = released.wait_while(held.lock().unwrap(), |held| *held).unwrap();
        self.inner.verify(password, stored)
    }

    fn verify_dummy(&self, password: &str) {
        self.dummies.fetch_add(1, Ordering::SeqCst);
        self.inner.verify_dummy(password)
    }
}

/// The three stores, each with alice on it; the guard keeps the SQLite file.
async fn stores() -> (Vec<(&'static str, Arc<dyn UserStore>)>, TempDir) {
    let dir = TempDir::new("lockout-test");
    let sqlite = SqliteUserStore::open(dir.path().join("users.sqlite3")).unwrap();
    let stores: Vec<(&'static str, Arc<dyn UserStore>)> = vec![
        ("memory", Arc::new(MemoryUserStore::new())),
        ("sqlite", Arc::new(sqlite)),
        ("dynamodb", Arc::new(support::fresh_store().await)),
    ];
    let hash = PasswordHasher::owasp().hash(PASSWORD).unwrap();
    for (_, store) in &stores {
        store.create_user(&common::testing::user("alice", hash.clone(), &[])).await.unwrap();
    }
    (stores, dir)
}

fn app(store: &Arc<dyn UserStore>, hasher: &CountingHasher, max_attempts: u32) -> Arc<Authenticate> {
    let stores = Stores::new(store.clone(), Arc::new(MemorySessionStore::new()));
    Arc::new(Authenticate::new(&support::authenticate_config(max_attempts), stores, hasher.clone()).unwrap())
}

fn burst(app: &Arc<Authenticate>, logins: usize, password: &'static str) -> JoinSet<StatusCode> {
    let mut requests = JoinSet::new();
    for _ in 0..logins {
        let app = app.clone();
        requests.spawn(async move { app.handle(support::basic_login("alice", password)).await.unwrap().status() });
    }
    requests
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_concurrent_wrong_passwords_verify_exactly_the_limit() {
    let (stores, _dir) = stores().await;
    for (name, store) in stores {
        let hasher = CountingHasher::new(false);
        let statuses = burst(&app(&store, &hasher, LIMIT), 40, WRONG).join_all().await;
        assert_eq!(hasher.verified(), LIMIT as usize, "{name}: passwords verified");
        assert_eq!(hasher.dummies.load(Ordering::SeqCst), 0, "{name}: a refused login spends no argon2");
        assert_eq!(count(&statuses, StatusCode::UNAUTHORIZED), LIMIT as usize, "{name}: {statuses:?}");
        assert_eq!(count(&statuses, StatusCode::TOO_MANY_REQUESTS), 40 - LIMIT as usize, "{name}: {statuses:?}");
        let user = store.get_user("alice").await.unwrap().unwrap();
        let now = common::clock::now_epoch_seconds();
        assert!(user.locked_until.is_some_and(|t| t > now), "{name}: locked after the burst: {user:?}");
    }
}

/// The attacker's best case: the right password arrives while the limit is
/// taken by wrong ones still being verified. It must not be verified, and
/// after the burst the account is locked for the right password too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_right_password_gets_no_token_once_the_attempts_are_taken() {
    let (stores, _dir) = stores().await;
    for (name, store) in stores {
        let hasher = CountingHasher::new(true);
        let _open_on_panic = OpenOnDrop(hasher.clone());
        let app = app(&store, &hasher, LIMIT);
        let mut wrong = burst(&app, 39, WRONG);
        // 34 come back at once with 429; five hold an attempt each, at the gate.
        let mut early = Vec::new();
        for _ in 0..(39 - LIMIT as usize) {
            early.push(
                tokio::time::timeout(Duration::from_secs(60), wrong.join_next()).await.unwrap().unwrap().unwrap(),
            );
        }
        assert!(early.iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{name}: {early:?}");
        // The five granted logins reach the hasher on the blocking pool, maybe after the refusals came back.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while hasher.verified() < LIMIT as usize && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(hasher.verified(), LIMIT as usize, "{name}: the attempts in flight");

        let right = app.handle(support::basic_login("alice", PASSWORD)).await.unwrap();
        assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS, "{name}: the limit is taken");
        assert!(right.headers().contains_key(RETRY_AFTER), "{name}");
        assert_eq!(hasher.verified(), LIMIT as usize, "{name}: the right password was not verified");

        hasher.release();
        let late = wrong.join_all().await;
        assert_eq!(late, vec![StatusCode::UNAUTHORIZED; LIMIT as usize], "{name}");

        let after = app.handle(support::basic_login("alice", PASSWORD)).await.unwrap();
        assert_eq!(after.status(), StatusCode::TOO_MANY_REQUESTS, "{name}: locked");
        let retry_after: u64 = after.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!((850..=900).contains(&retry_after), "{name}: Retry-After {retry_after}");
        assert_eq!(hasher.verified(), LIMIT as usize, "{name}: nothing verified while locked");
    }
}

/// With a limit too high to lock, concurrent failures are all counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_concurrent_failure_is_lost() {
    let (stores, _dir) = stores().await;
    for (name, store) in stores {
        let hasher = CountingHasher::new(false);
        let statuses = burst(&app(&store, &hasher, 1000), 40, WRONG).join_all().await;
        assert_eq!(count(&statuses, StatusCode::UNAUTHORIZED), 40, "{name}: {statuses:?}");
        let user = store.get_user("alice").await.unwrap().unwrap();
        assert_eq!((user.failed_logins, user.locked_until), (40, None), "{name}");
    }
}
