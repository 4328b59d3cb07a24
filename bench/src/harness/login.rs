//! The login scenario's table, and the floors a login is compared with.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::password::PasswordHasher;
use serde_json::json;

use super::args::Args;
use super::scenarios::expect;
use crate::affinity;
use crate::dynamodb::LocalDynamoDb;

pub(crate) const LOGIN_PASSWORD: &str = "correct horse battery staple";
pub(crate) const LOGIN_USER_ID: &str = "8d2f3c1e-1111-4a4a-9b9b-0000000000b1";

pub(crate) fn db_host(args: &Args) -> String {
    args.dynamodb.as_deref().unwrap_or_default().trim_start_matches("http://").trim_end_matches('/').to_string()
}

/// A fresh table holding the one user the login event names.
pub(crate) fn prepare_table(db: &LocalDynamoDb, hasher: &PasswordHasher) -> Result<String, String> {
    let table = format!("bench-users-{}", std::process::id());
    db.call(
        "CreateTable",
        &json!({
            "TableName": table,
            "KeySchema": [{"AttributeName": "username", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "username", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    )?;
    let hash = hasher.hash(LOGIN_PASSWORD).map_err(|e| e.to_string())?;
    db.call(
        "PutItem",
        &json!({
            "TableName": table,
            "Item": {
                "username": {"S": "alice"},
                "user_id": {"S": LOGIN_USER_ID},
                "password_hash": {"S": hash},
                "roles": {"L": [{"S": "admin"}, {"S": "dev"}]},
                "created_at": {"S": "2026-01-01T00:00:00Z"},
            },
        }),
    )?;
    Ok(table)
}

pub(crate) type Floors = (Vec<Duration>, Vec<Duration>);

/// A thread on the function's CPU that times the floors of a login: argon2id
/// verifications and `GetItem` round trips. It lives for the whole run, like
/// authenticate's blocking thread: a fresh thread pays for fresh argon2 memory
/// (page faults) on its first verifications.
pub(crate) struct LoginFloors {
    requests: mpsc::Sender<usize>,
    results: mpsc::Receiver<Result<Floors, String>>,
}

impl LoginFloors {
    pub(crate) fn start(
        hasher: PasswordHasher,
        url: String,
        table: String,
        cpus: Option<Vec<usize>>,
    ) -> Result<Self, String> {
        let (requests, work) = mpsc::channel::<usize>();
        let (done, results) = mpsc::channel();
        std::thread::Builder::new()
            .name("login-floors".into())
            .spawn(move || {
                let run = |count: usize| -> Result<Floors, String> {
                    let db = LocalDynamoDb::new(&url)?;
                    let hash = hasher.hash(LOGIN_PASSWORD).map_err(|e| e.to_string())?;
                    let key = json!({"TableName": table, "Key": {"username": {"S": "alice"}}, "ConsistentRead": true});
                    let (mut argon2, mut get_item) = (Vec::new(), Vec::new());
                    for _ in 0..count {
                        let t = Instant::now();
                        let check = hasher.verify(LOGIN_PASSWORD, &hash).map_err(|e| e.to_string())?;
                        argon2.push(t.elapsed());
                        if !matches!(check, common::password::PasswordCheck::Match { .. }) {
                            return Err("argon2id floor: the password did not match".to_string());
                        }
                        let t = Instant::now();
                        let item = db.call("GetItem", &key)?;
                        get_item.push(t.elapsed());
                        expect("GetItem", &item["Item"]["user_id"]["S"], &json!(LOGIN_USER_ID))?;
                    }
                    Ok((argon2, get_item))
                };
                if let Some(cpus) = &cpus
                    && let Err(e) = affinity::restrict(cpus)
                {
                    let _ = done.send(Err(format!("sched_setaffinity: {e}")));
                    return;
                }
                // Warm-up, as the function's own was.
                let _ = run(3);
                for count in work {
                    if done.send(run(count)).is_err() {
                        return;
                    }
                }
            })
            .map_err(|e| format!("cannot start the floor thread: {e}"))?;
        Ok(Self { requests, results })
    }

    pub(crate) fn measure(&self, count: usize) -> Result<Floors, String> {
        self.requests.send(count).map_err(|_| "the floor thread stopped".to_string())?;
        self.results.recv().map_err(|_| "the floor thread stopped".to_string())?
    }
}
