//! The logins: their tables and users, the scenarios (right password, wrong
//! password, unknown user; the refresh is in `refresh.rs`), and the floors
//! each one is compared with.
//!
//! A login (`authenticate/src/login.rs`) reserves an attempt with one
//! conditional `UpdateItem` that also returns the user, verifies the password
//! with argon2id, after the right password resets the counter with a second
//! conditional `UpdateItem` and starts a session with a conditional `PutItem`
//! (`authenticate/src/sessions.rs`). A wrong password that leaves the limit
//! unfilled writes nothing more; an unknown user's reservation fails its
//! condition (nothing written) and a dummy argon2id verify follows. The floors
//! are those steps done directly: argon2id in the harness, the store calls
//! as bare HTTP with the store's own expressions.

use std::cell::Cell;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::clock::now_epoch_seconds;
use common::config::{VerifierConfig, VerifierKeys};
use common::password::{PasswordCheck, PasswordHasher};
use common::token::TokenVerifier;
use serde_json::{Value, json};

use super::args::Args;
use super::refresh;
use super::scenarios::{Scenario, expect, json_of, key, names, secret_env, spec, warm_up};
use crate::affinity;
use crate::dynamodb::LocalDynamoDb;
use crate::runtime_api::Outcome;

const LOGIN_EVENT: &str = include_str!("../../../events/authenticate-post.json");
/// The user and password in `LOGIN_EVENT`.
const USER: &str = "alice";
const PASSWORD: &str = "correct horse battery staple";
pub(crate) const USER_ID: &str = "8d2f3c1e-1111-4a4a-9b9b-0000000000b1";
/// The floors' own user: their writes never meet a login's on the same item.
const FLOOR_USER: &str = "floor";
const FLOOR_USER_ID: &str = "8d2f3c1e-1111-4a4a-9b9b-0000000000f1";
const UNKNOWN_USER: &str = "nobody";
const WRONG_PASSWORD: &str = "not the password";
/// `LOGIN_MAX_ATTEMPTS` of the login functions (the default today). Each
/// wrong-password user takes one attempt fewer, so no wrong password fills the
/// limit and pays for the lock's write, and none is refused as locked.
const MAX_ATTEMPTS: usize = 5;

// The expressions of `reserve_login_attempt` and `record_successful_login` in
// common/src/store/dynamodb.rs, as the SDK sends them: the floor must cost
// moto what the login costs it. A test checks they still match.
const RESERVE_UPDATE: &str = "ADD #failed :one SET #attempted = :now";
const RESERVE_CONDITION: &str = "attribute_exists(#username) AND (attribute_not_exists(#locked) OR #locked <= :now) \
                                 AND (attribute_not_exists(#failed) OR #failed < :max)";
const RESET_UPDATE: &str = "SET #failed = :zero";
const RESET_CONDITION: &str = "attribute_exists(#username) AND (attribute_not_exists(#locked) OR #locked <= :now)";

/// Which login a scenario sends, and so which floor it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Login {
    /// 200 with a token: reservation, argon2id, reset.
    Success,
    /// 401: reservation, argon2id.
    WrongPassword,
    /// 401: refused reservation, dummy argon2id.
    UnknownUser,
    /// 200 with a new token pair: session and user read, rotation.
    Refresh,
}

pub(crate) struct LoginTable {
    name: String,
    sessions: String,
    wrong_password_users: usize,
    /// The first token of the session the refresh scenario continues.
    refresh_token: common::session::RefreshToken,
}

fn db_host(args: &Args) -> String {
    args.dynamodb.as_deref().unwrap_or_default().trim_start_matches("http://").trim_end_matches('/').to_string()
}

/// Users enough for `attempts` wrong passwords without filling any one's limit.
fn wrong_password_users(attempts: usize) -> usize {
    attempts.div_ceil(MAX_ATTEMPTS - 1).max(1)
}

fn wrong_password_username(k: usize) -> String {
    format!("wrong-password-{k}")
}

/// The user the `n`th wrong password goes to.
fn wrong_password_user(n: usize, users: usize) -> usize {
    n / (MAX_ATTEMPTS - 1) % users
}

fn user_item(username: &str, user_id: &str, hash: &str) -> Value {
    // A new user as common's `user_to_item` writes it: the counter at 0, no
    // lock, no attempt yet.
    json!({
        "username": {"S": username},
        "user_id": {"S": user_id},
        "password_hash": {"S": hash},
        "roles": {"L": [{"S": "admin"}, {"S": "dev"}]},
        "disabled": {"BOOL": false},
        "created_at": {"S": "2026-01-01T00:00:00Z"},
        "failed_logins": {"N": "0"},
    })
}

/// A fresh table holding the login event's user, the floors' user and the
/// wrong-password users (none for the unknown user).
pub(crate) fn prepare_table(db: &LocalDynamoDb, hasher: &PasswordHasher, args: &Args) -> Result<LoginTable, String> {
    let (refresh_token, session) = refresh::first_session(USER);
    let table = LoginTable {
        name: format!("bench-users-{}", std::process::id()),
        sessions: format!("bench-sessions-{}", std::process::id()),
        wrong_password_users: wrong_password_users(args.cold + warm_up(args.logins) + args.logins),
        refresh_token,
    };
    create_sessions_table(db, &table.sessions)?;
    for item in [
        session,
        refresh::session_item(&refresh::floor_session_id(), FLOOR_USER, FLOOR_USER_ID, refresh::FLOOR_FIRST_HASH),
    ] {
        db.call("PutItem", &json!({"TableName": table.sessions, "Item": item}))?;
    }
    db.call(
        "CreateTable",
        &json!({
            "TableName": table.name,
            "KeySchema": [{"AttributeName": "username", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "username", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    )?;
    let hash = hasher.hash(PASSWORD).map_err(|e| e.to_string())?;
    let users = [(USER.to_string(), USER_ID.to_string()), (FLOOR_USER.into(), FLOOR_USER_ID.into())].into_iter().chain(
        (0..table.wrong_password_users)
            .map(|k| (wrong_password_username(k), format!("00000000-0000-4000-9000-{k:012}"))),
    );
    for (username, user_id) in users {
        db.call("PutItem", &json!({"TableName": table.name, "Item": user_item(&username, &user_id, &hash)}))?;
    }
    Ok(table)
}

/// As `DynamoSessionStore::ensure_table` and the deployment create it: the
/// index is written on every session write, so the floor pays for it too.
fn create_sessions_table(db: &LocalDynamoDb, name: &str) -> Result<(), String> {
    let key = |name: &str, kind: &str| json!({"AttributeName": name, "KeyType": kind});
    db.call(
        "CreateTable",
        &json!({
            "TableName": name,
            "KeySchema": [key("session_id", "HASH")],
            "AttributeDefinitions": [
                {"AttributeName": "session_id", "AttributeType": "S"},
                {"AttributeName": "username", "AttributeType": "S"},
                {"AttributeName": "created_at_ms", "AttributeType": "N"},
            ],
            "GlobalSecondaryIndexes": [{
                "IndexName": "by-user",
                "KeySchema": [key("username", "HASH"), key("created_at_ms", "RANGE")],
                "Projection": {"ProjectionType": "ALL"},
            }],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    )?;
    Ok(())
}

fn event(username: &str, password: &str) -> Result<Vec<u8>, String> {
    let mut event: Value = serde_json::from_str(LOGIN_EVENT).map_err(|e| e.to_string())?;
    event["body"] = json!({"username": username, "password": password}).to_string().into();
    serde_json::to_vec(&event).map_err(|e| e.to_string())
}

fn body_of(answer: &Value) -> Result<Value, String> {
    serde_json::from_str(answer["body"].as_str().ok_or("no body")?).map_err(|e| format!("body is not JSON: {e}"))
}

/// The one answer to a wrong password and to an unknown user alike.
fn invalid_credentials(outcome: &Outcome) -> Result<(), String> {
    let answer = json_of(outcome)?;
    expect("statusCode", &answer["statusCode"], &json!(401))?;
    let want = json!({"error": "invalid_credentials", "error_description": "invalid username or password"});
    expect("body", &body_of(&answer)?, &want)
}

pub(crate) fn scenarios(args: &Args, bin_dir: &Path, table: &LoginTable) -> Result<Vec<Scenario>, String> {
    let mut env = secret_env();
    env.extend([
        ("USERS_TABLE".to_string(), table.name.clone()),
        ("SESSIONS_TABLE".to_string(), table.sessions.clone()),
        ("AWS_ENDPOINT_URL_DYNAMODB".to_string(), format!("http://{}", db_host(args))),
        ("AWS_ACCESS_KEY_ID".to_string(), "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), "testing".to_string()),
        ("LOGIN_MAX_ATTEMPTS".to_string(), MAX_ATTEMPTS.to_string()),
    ]);
    let verifier = || {
        TokenVerifier::new(&VerifierConfig {
            keys: VerifierKeys::Hs256 { current: key(), previous: vec![] },
            names: names(),
            leeway: Duration::from_secs(30),
        })
        .map_err(|e| e.to_string())
    };
    let (login_verifier, refresh_verifier) = (verifier()?, verifier()?);
    let wrong: Vec<Vec<u8>> = (0..table.wrong_password_users)
        .map(|k| event(&wrong_password_username(k), WRONG_PASSWORD))
        .collect::<Result<_, _>>()?;
    // Counted here rather than taken from the index the run passes, which
    // restarts at 0 for every cold start.
    let sent = Cell::new(0);
    let unknown = event(UNKNOWN_USER, PASSWORD)?;
    Ok(vec![
        Scenario {
            name: "authenticate",
            label: "authenticate, login (DynamoDB on moto)",
            spec: spec(bin_dir, "authenticate", env.clone()),
            invocations: args.logins,
            variant: String::new(),
            event: Box::new(|_| LOGIN_EVENT.as_bytes().to_vec()),
            check: Box::new(move |_, outcome| {
                let answer = json_of(outcome)?;
                expect("statusCode", &answer["statusCode"], &json!(200))?;
                let body = body_of(&answer)?;
                expect("expires_in", &body["expires_in"], &json!(900))?;
                body["refresh_token"].as_str().ok_or("no refresh_token")?;
                let token = body["access_token"].as_str().ok_or("no access_token")?;
                let claims =
                    login_verifier.verify(token, now_epoch_seconds()).map_err(|e| format!("issued token: {e}"))?;
                expect("sub", &json!(claims.sub), &json!(USER_ID))
            }),
            login: Some(Login::Success),
        },
        Scenario {
            name: "authenticate-wrong-password",
            label: "authenticate, wrong password → 401",
            spec: spec(bin_dir, "authenticate", env.clone()),
            invocations: args.logins,
            variant: String::new(),
            event: Box::new(move |_| {
                let n = sent.replace(sent.get() + 1);
                wrong[wrong_password_user(n, wrong.len())].clone()
            }),
            check: Box::new(|_, outcome| invalid_credentials(outcome)),
            login: Some(Login::WrongPassword),
        },
        Scenario {
            name: "authenticate-unknown-user",
            label: "authenticate, unknown user → 401",
            spec: spec(bin_dir, "authenticate", env.clone()),
            invocations: args.logins,
            variant: String::new(),
            event: Box::new(move |_| unknown.clone()),
            check: Box::new(|_, outcome| invalid_credentials(outcome)),
            login: Some(Login::UnknownUser),
        },
        refresh::scenario(args, bin_dir, env, table.refresh_token.clone(), refresh_verifier),
    ])
}

fn reserve_request(table: &str, username: &str, now: u64) -> Value {
    json!({
        "TableName": table,
        "Key": {"username": {"S": username}},
        "UpdateExpression": RESERVE_UPDATE,
        "ConditionExpression": RESERVE_CONDITION,
        "ExpressionAttributeNames": {
            "#username": "username", "#failed": "failed_logins", "#locked": "locked_until", "#attempted": "last_attempt_at",
        },
        "ExpressionAttributeValues": {
            ":one": {"N": "1"}, ":now": {"N": now.to_string()}, ":max": {"N": MAX_ATTEMPTS.to_string()},
        },
        "ReturnValues": "ALL_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    })
}

fn reset_request(table: &str, username: &str, now: u64) -> Value {
    json!({
        "TableName": table,
        "Key": {"username": {"S": username}},
        "UpdateExpression": RESET_UPDATE,
        "ConditionExpression": RESET_CONDITION,
        "ExpressionAttributeNames": {"#username": "username", "#failed": "failed_logins", "#locked": "locked_until"},
        "ExpressionAttributeValues": {":zero": {"N": "0"}, ":now": {"N": now.to_string()}},
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    })
}

/// Samples of the steps of a login, done directly, one of each per pass.
#[derive(Debug, Default)]
pub(crate) struct Floors {
    /// argon2id verify at the OWASP parameters, of the hash the reservation returned.
    pub(crate) argon2: Vec<Duration>,
    /// A granted reservation (`ALL_NEW`).
    pub(crate) reserve: Vec<Duration>,
    /// The reset after a right password.
    pub(crate) reset: Vec<Duration>,
    /// An unknown user's reservation: the condition fails, nothing is written.
    pub(crate) refused: Vec<Duration>,
    /// A new session's conditional `PutItem`, after a right password.
    pub(crate) session: Vec<Duration>,
    /// A refresh's reads and its rotation (`refresh.rs`).
    pub(crate) get_session: Vec<Duration>,
    pub(crate) get_user: Vec<Duration>,
    pub(crate) rotate: Vec<Duration>,
}

impl Floors {
    pub(crate) fn extend(&mut self, other: Floors) {
        self.argon2.extend(other.argon2);
        self.reserve.extend(other.reserve);
        self.reset.extend(other.reset);
        self.refused.extend(other.refused);
        self.session.extend(other.session);
        self.get_session.extend(other.get_session);
        self.get_user.extend(other.get_user);
        self.rotate.extend(other.rotate);
    }
}

/// What the floor thread keeps between passes.
struct FloorState {
    users: String,
    sessions: String,
    /// The floor session's current token hash.
    hash: String,
    /// Sessions the floor has started, for fresh ids.
    started: u64,
}

fn session_put(table: &str, item: Value) -> Value {
    json!({
        "TableName": table,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(#id)",
        "ExpressionAttributeNames": {"#id": "session_id"},
    })
}

fn measure_floors(
    db: &LocalDynamoDb,
    hasher: &PasswordHasher,
    state: &mut FloorState,
    count: usize,
) -> Result<Floors, String> {
    let mut floors = Floors::default();
    let table = state.users.as_str();
    for _ in 0..count {
        let now = now_epoch_seconds();
        let t = Instant::now();
        let (status, granted) = db.call_status("UpdateItem", &reserve_request(table, FLOOR_USER, now))?;
        floors.reserve.push(t.elapsed());
        if status != 200 {
            return Err(format!("floor reservation: status {status}: {granted}"));
        }
        // 1 proves the previous pass's reset was applied.
        expect("floor reservation's counter", &granted["Attributes"]["failed_logins"]["N"], &json!("1"))?;
        let hash = granted["Attributes"]["password_hash"]["S"].as_str().ok_or("floor reservation: no password_hash")?;

        let t = Instant::now();
        let check = hasher.verify(PASSWORD, hash).map_err(|e| e.to_string())?;
        floors.argon2.push(t.elapsed());
        if !matches!(check, PasswordCheck::Match { .. }) {
            return Err("argon2id floor: the password did not match".to_string());
        }

        let t = Instant::now();
        db.call("UpdateItem", &reset_request(table, FLOOR_USER, now))?;
        floors.reset.push(t.elapsed());

        state.started += 1;
        let id = format!("floor-session-{}-{}", std::process::id(), state.started);
        let item = refresh::session_item(&id, FLOOR_USER, FLOOR_USER_ID, "floor-hash");
        let t = Instant::now();
        db.call("PutItem", &session_put(&state.sessions, item))?;
        floors.session.push(t.elapsed());

        refresh::measure(db, (table, &state.sessions), FLOOR_USER, &mut state.hash, &mut floors)?;

        let t = Instant::now();
        let (status, refused) = db.call_status("UpdateItem", &reserve_request(table, UNKNOWN_USER, now))?;
        floors.refused.push(t.elapsed());
        let failed_condition =
            refused["__type"].as_str().is_some_and(|t| t.ends_with("#ConditionalCheckFailedException"));
        if status != 400 || !failed_condition || refused.get("Item").is_some() {
            return Err(format!(
                "unknown user's reservation: expected a failed condition and no item, got {status}: {refused}"
            ));
        }
    }
    Ok(floors)
}

/// A thread on the function's CPU that times the floors of a login. It lives
/// for the whole run, like authenticate's blocking thread: a fresh thread pays
/// for fresh argon2 memory (page faults) on its first verifications.
pub(crate) struct LoginFloors {
    requests: mpsc::Sender<usize>,
    results: mpsc::Receiver<Result<Floors, String>>,
}

impl LoginFloors {
    pub(crate) fn start(
        hasher: PasswordHasher,
        url: String,
        table: &LoginTable,
        cpus: Option<Vec<usize>>,
    ) -> Result<Self, String> {
        let (requests, work) = mpsc::channel::<usize>();
        let (done, results) = mpsc::channel();
        let mut state = FloorState {
            users: table.name.clone(),
            sessions: table.sessions.clone(),
            hash: refresh::FLOOR_FIRST_HASH.to_string(),
            started: 0,
        };
        std::thread::Builder::new()
            .name("login-floors".into())
            .spawn(move || {
                let db = match LocalDynamoDb::new(&url) {
                    Ok(db) => db,
                    Err(e) => return drop(done.send(Err(e))),
                };
                if let Some(cpus) = &cpus
                    && let Err(e) = affinity::restrict(cpus)
                {
                    let _ = done.send(Err(format!("sched_setaffinity: {e}")));
                    return;
                }
                // Warm-up, as the function's own was.
                if let Err(e) = measure_floors(&db, &hasher, &mut state, 3) {
                    let _ = done.send(Err(e));
                    return;
                }
                for count in work {
                    if done.send(measure_floors(&db, &hasher, &mut state, count)).is_err() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_wrong_password_fills_a_limit() {
        for attempts in [1, 4, 5, 130, 331] {
            let users = wrong_password_users(attempts);
            let mut taken = vec![0; users];
            for n in 0..attempts {
                taken[wrong_password_user(n, users)] += 1;
            }
            assert!(taken.iter().all(|&t| t < MAX_ATTEMPTS), "{attempts} attempts: {taken:?}");
        }
    }

    /// The floor is only a floor if moto does the login's own work: the
    /// expressions must be the store's.
    #[test]
    fn expressions_are_the_stores() {
        // Read at run time, so that moving the store fails this test with its
        // path rather than the bench crate's build.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../store-dynamodb/src/users.rs");
        let store = std::fs::read_to_string(path).unwrap_or_else(|e| {
            panic!("{path}: {e}: the login's store moved; point this test and the expressions at it")
        });
        let store = store.as_str();
        let constant = |name: &str| -> String {
            let start = format!("const {name}: &str = \"");
            let at = store.find(&start).unwrap_or_else(|| panic!("no {name} in the store")) + start.len();
            store[at..].split('"').next().unwrap().to_string()
        };
        let (exists, unlocked) = (constant("EXISTS"), constant("UNLOCKED"));
        let expand = |template: &str| template.replace("{EXISTS}", &exists).replace("{UNLOCKED}", &unlocked);
        for (ours, template) in [
            (RESERVE_UPDATE, "\"ADD #failed :one SET #attempted = :now\""),
            (RESERVE_CONDITION, "\"{EXISTS} AND {UNLOCKED} AND (attribute_not_exists(#failed) OR #failed < :max)\""),
            (RESET_UPDATE, "\"SET #failed = :zero\""),
            (RESET_CONDITION, "\"{EXISTS} AND {UNLOCKED}\""),
        ] {
            assert!(store.contains(template), "the store no longer sends {template}");
            assert_eq!(format!("\"{ours}\""), expand(template));
        }
        for (placeholder, attribute) in [
            ("#username", "USERNAME"),
            ("#failed", "FAILED_LOGINS"),
            ("#locked", "LOCKED_UNTIL"),
            ("#attempted", "LAST_ATTEMPT_AT"),
        ] {
            assert!(store.contains(&format!("(\"{placeholder}\", attr::{attribute})")), "{placeholder}");
            let name = constant(attribute);
            assert_eq!(reserve_request("t", "u", 0)["ExpressionAttributeNames"][placeholder], json!(name));
        }
        // DynamoDB rejects a request that names a placeholder its expressions do not use.
        for request in [reserve_request("t", "u", 0), reset_request("t", "u", 0)] {
            let expressions = format!("{} {}", request["UpdateExpression"], request["ConditionExpression"]);
            for field in ["ExpressionAttributeNames", "ExpressionAttributeValues"] {
                for placeholder in request[field].as_object().unwrap().keys() {
                    assert!(expressions.contains(placeholder.as_str()), "{placeholder} unused");
                }
            }
        }
    }
}
