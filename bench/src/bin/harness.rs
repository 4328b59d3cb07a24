//! Runs the release binaries under a fake Lambda Runtime API and prints cold
//! start, first-invocation and warm latency, CPU per invocation and peak RSS
//! of each, beside the floors (the harness's own std-only echo, and a
//! `lambda_runtime` echo). Every answer is checked. See BENCHMARKS.md.
//!
//! ```text
//! harness [--bin-dir target/release] [--invocations 5000] [--rounds 10] [--cold 20]
//!         [--dynamodb http://127.0.0.1:PORT] [--logins 100] [--only name,name]
//!         [--pin split|same|none] [--variant name=dir ...] [--env KEY=VALUE ...]
//! harness criterion-table [target/criterion]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bench::affinity;
use bench::dynamodb::LocalDynamoDb;
use bench::runtime_api::{FunctionProcess, FunctionSpec, Memory, Outcome, RuntimeApi};
use bench::stats::{Summary, micros, millis, ratio};
use common::clock::now_epoch_seconds;
use common::config::{IssuerConfig, KeyMaterial, Secret, TokenAudience, VerifierConfig};
use common::password::PasswordHasher;
use common::token::{Subject, TokenIssuer, TokenVerifier};
use serde_json::{Value, json};

const SECRET: &str = "bench-secret-0123456789abcdef0123456789abcdef";
const METHOD_ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123defg/prod/GET/hello";
const STAGE_ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123defg/prod/*/*";
const HELLO_EVENT: &str = include_str!("../../../events/hello.json");
const LOGIN_EVENT: &str = include_str!("../../../events/authenticate-post.json");
const LOGIN_PASSWORD: &str = "correct horse battery staple";
const LOGIN_USER_ID: &str = "8d2f3c1e-1111-4a4a-9b9b-0000000000b1";
/// Distinct tokens sent round-robin, as API Gateway's cache would let through.
const TOKENS: usize = 64;

const USAGE: &str = "usage: harness [--bin-dir target/release] [--invocations 5000] [--rounds 10] [--cold 20]
               [--dynamodb http://127.0.0.1:PORT] [--logins 100] [--only name,name]
               [--pin split|same|none] [--variant name=dir ...] [--env KEY=VALUE ...]
       harness criterion-table [target/criterion]
functions: raw-echo, noop, check-token, check-token-unauthorized, hello, authenticate (with --dynamodb)";

struct Args {
    bin_dir: PathBuf,
    invocations: usize,
    rounds: usize,
    cold: usize,
    dynamodb: Option<String>,
    logins: usize,
    only: Option<Vec<String>>,
    /// `name=dir` pairs: compare builds (profiles) of noop, check-token and hello in one run.
    variants: Vec<(String, PathBuf)>,
    pin: Pin,
    /// Extra environment for every function (`--env KEY=VALUE`).
    env: Vec<(String, String)>,
}

/// Where the harness and the functions run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pin {
    /// Harness on one CPU, the function on another: every answer crosses CPUs,
    /// as between Lambda's Runtime API server and the function.
    Split,
    /// Everything on one CPU: the latency is the CPU time on the critical path.
    Same,
    /// Wherever the scheduler puts them.
    None,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        bin_dir: PathBuf::from("target/release"),
        invocations: 5000,
        rounds: 10,
        cold: 20,
        dynamodb: None,
        logins: 100,
        only: None,
        variants: Vec::new(),
        pin: Pin::Split,
        env: Vec::new(),
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|_| format!("{flag}: not a number: {v}"));
        match flag.as_str() {
            "--bin-dir" => parsed.bin_dir = PathBuf::from(value()?),
            "--invocations" => parsed.invocations = number(value()?)?,
            "--rounds" => parsed.rounds = number(value()?)?.max(1),
            "--cold" => parsed.cold = number(value()?)?,
            "--dynamodb" => parsed.dynamodb = Some(value()?).filter(|v| !v.is_empty()),
            "--logins" => parsed.logins = number(value()?)?,
            "--only" => parsed.only = Some(value()?.split(',').map(str::to_string).collect()),
            "--pin" => {
                parsed.pin = match value()?.as_str() {
                    "split" => Pin::Split,
                    "same" => Pin::Same,
                    "none" => Pin::None,
                    other => return Err(format!("--pin {other}: expected split, same or none")),
                }
            }
            "--env" => {
                let v = value()?;
                let (key, val) = v.split_once('=').ok_or_else(|| format!("--env {v}: expected KEY=VALUE"))?;
                parsed.env.push((key.to_string(), val.to_string()));
            }
            "--variant" => {
                let v = value()?;
                let (name, dir) = v.split_once('=').ok_or_else(|| format!("--variant {v}: expected name=dir"))?;
                parsed.variants.push((name.to_string(), PathBuf::from(dir)));
            }
            "--help" | "-h" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

type EventFn = Box<dyn Fn(usize) -> Vec<u8>>;
type CheckFn = Box<dyn Fn(usize, &Outcome) -> Result<(), String>>;

struct Scenario {
    /// Row label and `--only` name.
    name: &'static str,
    label: &'static str,
    /// The build it comes from, with `--variant`.
    variant: String,
    spec: FunctionSpec,
    invocations: usize,
    event: EventFn,
    check: CheckFn,
}

#[derive(Default)]
struct Measured {
    cold: Vec<Duration>,
    first: Vec<Duration>,
    warm: Vec<Duration>,
    cpu: Duration,
    cpu_invocations: usize,
    peak_rss_kib: Option<u64>,
    memory: Option<Memory>,
    log_bytes: u64,
    /// For authenticate: the in-harness floors measured between its batches.
    argon2: Vec<Duration>,
    get_item: Vec<Duration>,
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("criterion-table") {
        args.next();
        let dir = args.next().unwrap_or_else(|| "target/criterion".into());
        return criterion_table(Path::new(&dir));
    }
    let args = match parse_args(args) {
        Ok(args) => args,
        Err(err) => {
            eprintln!("harness: {err}");
            std::process::exit(2);
        }
    };
    if let Err(err) = run(&args) {
        eprintln!("harness: FAILED: {err}");
        std::process::exit(1);
    }
}

fn secret_env() -> Vec<(String, String)> {
    vec![("JWT_SECRET".into(), SECRET.into())]
}

fn names() -> TokenAudience {
    TokenAudience { issuer: "authenticate".into(), audience: "api".into() }
}

fn key() -> KeyMaterial {
    KeyMaterial { kid: "default".into(), secret: Secret::new(SECRET.as_bytes().to_vec()) }
}

fn spec(bin_dir: &Path, name: &str, env: Vec<(String, String)>) -> FunctionSpec {
    FunctionSpec { name: name.into(), exe: bin_dir.join(name), env, cpus: None, keep_output: false }
}

fn json_of(outcome: &Outcome) -> Result<Value, String> {
    match outcome {
        Outcome::Response(body) => serde_json::from_slice(body).map_err(|e| format!("response is not JSON: {e}")),
        Outcome::Error { error_type, body } => {
            Err(format!("function error {error_type:?}: {}", String::from_utf8_lossy(body)))
        }
    }
}

fn expect(what: &str, got: &Value, want: &Value) -> Result<(), String> {
    if got == want { Ok(()) } else { Err(format!("{what}: expected {want}, got {got}")) }
}

fn scenarios(args: &Args, dynamodb: Option<&(LocalDynamoDb, String)>) -> Result<Vec<Scenario>, String> {
    if args.variants.is_empty() {
        return scenarios_in(args, &args.bin_dir, dynamodb);
    }
    let mut all = Vec::new();
    for (variant, dir) in &args.variants {
        let mut list = scenarios_in(args, dir, None)?;
        list.retain(|s| ["noop", "check-token", "hello"].contains(&s.name));
        list.iter_mut().for_each(|s| s.variant = variant.clone());
        all.extend(list);
    }
    Ok(all)
}

fn scenarios_in(
    args: &Args,
    bin_dir: &Path,
    dynamodb: Option<&(LocalDynamoDb, String)>,
) -> Result<Vec<Scenario>, String> {
    let issuer = TokenIssuer::new(&IssuerConfig { key: key(), ttl: Duration::from_secs(6 * 3600), names: names() })
        .map_err(|e| e.to_string())?;
    let now = now_epoch_seconds();
    let roles = vec!["admin".to_string(), "dev".to_string()];
    let users: Vec<(String, String)> =
        (0..TOKENS).map(|i| (format!("00000000-0000-4000-8000-{i:012}"), format!("user{i}"))).collect();
    let tokens: Vec<String> = users
        .iter()
        .map(|(id, name)| issuer.issue(Subject { user_id: id, username: name, roles: &roles }, now))
        .map(|t| t.map(|t| t.access_token).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let authorizer_event = |token: &str| {
        serde_json::to_vec(
            &json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"), "methodArn": METHOD_ARN}),
        )
        .expect("a JSON value serialises")
    };
    let valid_events: Vec<Vec<u8>> = tokens.iter().map(|t| authorizer_event(t)).collect();
    // Same token with the signature's first character changed.
    let tampered: Vec<Vec<u8>> = tokens
        .iter()
        .map(|t| {
            let (message, signature) = t.rsplit_once('.').expect("a JWS has a signature");
            let flipped = if signature.starts_with('A') { "B" } else { "A" };
            authorizer_event(&format!("{message}.{flipped}{}", &signature[1..]))
        })
        .collect();

    let echo = |events: Vec<Vec<u8>>| -> (EventFn, CheckFn) {
        let events = std::sync::Arc::new(events);
        let sent = events.clone();
        (
            Box::new(move |i| sent[i % sent.len()].clone()),
            Box::new(move |i, outcome| {
                let want: Value = serde_json::from_slice(&events[i % events.len()]).map_err(|e| e.to_string())?;
                expect("echo", &json_of(outcome)?, &want)
            }),
        )
    };

    let mut list = Vec::new();
    let (event, check) = echo(valid_events.clone());
    list.push(Scenario {
        name: "raw-echo",
        label: "raw-echo (harness floor: std-only client)",
        spec: spec(bin_dir, "raw-echo", vec![]),
        invocations: args.invocations,
        variant: String::new(),
        event,
        check,
    });
    let (event, check) = echo(valid_events.clone());
    list.push(Scenario {
        name: "noop",
        label: "noop (lambda_runtime echo)",
        spec: spec(bin_dir, "noop", vec![]),
        invocations: args.invocations,
        variant: String::new(),
        event,
        check,
    });

    let valid = valid_events.clone();
    let expected = users.clone();
    list.push(Scenario {
        name: "check-token",
        label: "check-token, valid token → Allow",
        spec: spec(bin_dir, "check-token", secret_env()),
        invocations: args.invocations,
        variant: String::new(),
        event: Box::new(move |i| valid[i % valid.len()].clone()),
        check: Box::new(move |i, outcome| {
            let (id, name) = &expected[i % expected.len()];
            let answer = json_of(outcome)?;
            expect("principalId", &answer["principalId"], &json!(id))?;
            expect(
                "policyDocument",
                &answer["policyDocument"],
                &json!({"Version": "2012-10-17", "Statement": [
                    {"Action": ["execute-api:Invoke"], "Effect": "Allow", "Resource": [STAGE_ARN]}]}),
            )?;
            expect("context.username", &answer["context"]["username"], &json!(name))?;
            expect("context.roles", &answer["context"]["roles"], &json!("admin,dev"))
        }),
    });
    list.push(Scenario {
        name: "check-token-unauthorized",
        label: "check-token, tampered token → Unauthorized",
        spec: spec(bin_dir, "check-token", secret_env()),
        invocations: args.invocations,
        variant: String::new(),
        event: Box::new(move |i| tampered[i % tampered.len()].clone()),
        check: Box::new(|_, outcome| match outcome {
            Outcome::Error { body, .. } => {
                // API Gateway answers 401 only for exactly this message.
                let body: Value = serde_json::from_slice(body).map_err(|e| format!("error body: {e}"))?;
                expect("errorMessage", &body["errorMessage"], &json!("Unauthorized"))?;
                expect("errorType", &body["errorType"], &json!("Unauthorized"))
            }
            Outcome::Response(body) => Err(format!("expected Unauthorized, got {}", String::from_utf8_lossy(body))),
        }),
    });

    let hello: Value = serde_json::from_str(HELLO_EVENT).map_err(|e| e.to_string())?;
    let authorizer = &hello["requestContext"]["authorizer"];
    let roles: Vec<&str> = authorizer["roles"].as_str().unwrap_or_default().split(',').collect();
    let greeting = json!({
        "message": format!("Hello, {}!", authorizer["username"].as_str().unwrap_or_default()),
        "user": {"id": authorizer["principalId"], "username": authorizer["username"], "roles": roles},
    });
    let hello_bytes = serde_json::to_vec(&hello).map_err(|e| e.to_string())?;
    list.push(Scenario {
        name: "hello",
        label: "hello",
        spec: spec(bin_dir, "hello", vec![]),
        invocations: args.invocations,
        variant: String::new(),
        event: Box::new(move |_| hello_bytes.clone()),
        check: Box::new(move |_, outcome| {
            let answer = json_of(outcome)?;
            expect("statusCode", &answer["statusCode"], &json!(200))?;
            let body: Value = serde_json::from_str(answer["body"].as_str().ok_or("no body")?)
                .map_err(|e| format!("body is not JSON: {e}"))?;
            expect("body", &body, &greeting)
        }),
    });

    if let Some((_, table)) = dynamodb {
        let mut env = secret_env();
        env.extend([
            ("USERS_TABLE".to_string(), table.clone()),
            ("AWS_ENDPOINT_URL_DYNAMODB".to_string(), format!("http://{}", db_host(args))),
            ("AWS_ACCESS_KEY_ID".to_string(), "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY".to_string(), "testing".to_string()),
        ]);
        let verifier = TokenVerifier::new(&VerifierConfig {
            current: key(),
            previous: vec![],
            names: names(),
            leeway: Duration::from_secs(30),
        })
        .map_err(|e| e.to_string())?;
        list.push(Scenario {
            name: "authenticate",
            label: "authenticate, login (DynamoDB on moto)",
            spec: spec(bin_dir, "authenticate", env),
            invocations: args.logins,
            variant: String::new(),
            event: Box::new(|_| LOGIN_EVENT.as_bytes().to_vec()),
            check: Box::new(move |_, outcome| {
                let answer = json_of(outcome)?;
                expect("statusCode", &answer["statusCode"], &json!(200))?;
                let body: Value = serde_json::from_str(answer["body"].as_str().ok_or("no body")?)
                    .map_err(|e| format!("body is not JSON: {e}"))?;
                expect("expires_in", &body["expires_in"], &json!(3600))?;
                let token = body["access_token"].as_str().ok_or("no access_token")?;
                let claims = verifier.verify(token, now_epoch_seconds()).map_err(|e| format!("issued token: {e}"))?;
                expect("sub", &json!(claims.sub), &json!(LOGIN_USER_ID))
            }),
        });
    }
    if let Some(only) = &args.only {
        list.retain(|s| only.iter().any(|o| o == s.name));
    }
    Ok(list)
}

fn db_host(args: &Args) -> String {
    args.dynamodb.as_deref().unwrap_or_default().trim_start_matches("http://").trim_end_matches('/').to_string()
}

/// A fresh table holding the one user the login event names.
fn prepare_table(db: &LocalDynamoDb, hasher: &PasswordHasher) -> Result<String, String> {
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

fn run(args: &Args) -> Result<(), String> {
    let hasher = PasswordHasher::owasp();
    let dynamodb = match &args.dynamodb {
        Some(url) => {
            let db = LocalDynamoDb::new(url)?;
            let table = prepare_table(&db, &hasher)?;
            Some((db, table))
        }
        None => None,
    };
    let mut list = scenarios(args, dynamodb.as_ref())?;
    let placement = place(args.pin)?;
    for s in &mut list {
        s.spec.cpus = placement.function.clone();
        s.spec.env.extend(args.env.iter().cloned());
    }
    for s in &list {
        if !s.spec.exe.is_file() {
            return Err(format!(
                "{} not found: build the release binaries first (scripts/bench.sh)",
                s.spec.exe.display()
            ));
        }
    }
    let apis: Vec<RuntimeApi> =
        list.iter().map(|_| RuntimeApi::start()).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let mut results: Vec<Measured> = list.iter().map(|_| Measured::default()).collect();
    let mut request = 0u64;
    let mut next_id = || {
        request += 1;
        format!("5f2c8a4e-0000-4000-8000-{request:012x}")
    };
    let started = Instant::now();
    println!("{}\n", placement.description);

    // Cold starts, interleaved so a change in machine load hits every function alike.
    eprintln!("harness: {} cold starts per function", args.cold);
    for _ in 0..args.cold {
        for (i, s) in list.iter().enumerate() {
            let mut process = FunctionProcess::spawn(&s.spec, &apis[i])?;
            let invocation = process.invoke(&apis[i], &next_id(), &(s.event)(0))?;
            (s.check)(0, &invocation.outcome).map_err(|e| format!("{}: wrong answer: {e}", s.name))?;
            results[i].cold.push(process.cold_start);
            results[i].first.push(invocation.latency);
            process.kill();
        }
    }

    // Warm: every function stays up; interleaved rounds of invocations.
    eprintln!("harness: warm invocations in {} rounds", args.rounds);
    let floors = match (&dynamodb, &args.dynamodb) {
        (Some((_, table)), Some(url)) if list.iter().any(|s| s.name == "authenticate") => {
            Some(LoginFloors::start(hasher.clone(), url.clone(), table.clone(), placement.function.clone())?)
        }
        _ => None,
    };
    let mut processes: Vec<FunctionProcess> =
        list.iter().zip(&apis).map(|(s, api)| FunctionProcess::spawn(&s.spec, api)).collect::<Result<_, _>>()?;
    let mut sent = vec![0usize; list.len()];
    // Warm-up, not recorded: first-use allocations, page faults, branch predictors.
    for (i, s) in list.iter().enumerate() {
        for _ in 0..(s.invocations / 10).clamp(1, 200) {
            let invocation = processes[i].invoke(&apis[i], &next_id(), &(s.event)(sent[i]))?;
            (s.check)(sent[i], &invocation.outcome).map_err(|e| format!("{}: wrong answer: {e}", s.name))?;
            sent[i] += 1;
        }
    }
    for round in 0..args.rounds {
        for (i, s) in list.iter().enumerate() {
            let batch = s.invocations / args.rounds + usize::from(round < s.invocations % args.rounds);
            let cpu_before = processes[i].cpu_time();
            for _ in 0..batch {
                let invocation = processes[i].invoke(&apis[i], &next_id(), &(s.event)(sent[i]))?;
                (s.check)(sent[i], &invocation.outcome).map_err(|e| format!("{}: wrong answer: {e}", s.name))?;
                results[i].warm.push(invocation.latency);
                sent[i] += 1;
            }
            if let (Some(before), Some(after)) = (cpu_before, processes[i].cpu_time()) {
                results[i].cpu += after.saturating_sub(before);
                results[i].cpu_invocations += batch;
            }
            if s.name == "authenticate" {
                // The floors of a login, measured between its batches on the
                // function's CPU (where the login's argon2 ran).
                let floors = floors.as_ref().ok_or("authenticate without DynamoDB")?;
                let (argon2, get_item) = floors.measure(batch)?;
                results[i].argon2.extend(argon2);
                results[i].get_item.extend(get_item);
            }
        }
    }
    for (i, process) in processes.into_iter().enumerate() {
        results[i].memory = process.memory();
        results[i].peak_rss_kib = results[i].memory.map(|m| m.peak_kib);
        results[i].log_bytes = process.log_bytes();
        process.kill();
    }
    eprintln!("harness: done in {:.1} s", started.elapsed().as_secs_f64());
    if args.variants.is_empty() {
        report(args, &list, &results);
    } else {
        variant_report(args, &list, &results);
    }
    Ok(())
}

type Floors = (Vec<Duration>, Vec<Duration>);

/// A thread on the function's CPU that times the floors of a login: argon2id
/// verifications and `GetItem` round trips. It lives for the whole run, like
/// authenticate's blocking thread: a fresh thread pays for fresh argon2 memory
/// (page faults) on its first verifications.
struct LoginFloors {
    requests: mpsc::Sender<usize>,
    results: mpsc::Receiver<Result<Floors, String>>,
}

impl LoginFloors {
    fn start(hasher: PasswordHasher, url: String, table: String, cpus: Option<Vec<usize>>) -> Result<Self, String> {
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

    fn measure(&self, count: usize) -> Result<Floors, String> {
        self.requests.send(count).map_err(|_| "the floor thread stopped".to_string())?;
        self.results.recv().map_err(|_| "the floor thread stopped".to_string())?
    }
}

struct Placement {
    function: Option<Vec<usize>>,
    description: String,
}

/// Pins this thread (and so the Runtime API threads started after it) and
/// chooses the functions' CPUs.
fn place(pin: Pin) -> Result<Placement, String> {
    let cpus = affinity::allowed().map_err(|e| format!("sched_getaffinity: {e}"))?;
    let pin_harness = |cpu: usize| affinity::restrict(&[cpu]).map_err(|e| format!("sched_setaffinity: {e}"));
    match (pin, cpus.as_slice()) {
        (Pin::Split, [.., harness, function]) => {
            pin_harness(*harness)?;
            Ok(Placement {
                function: Some(vec![*function]),
                description: format!(
                    "CPUs: harness pinned to CPU {harness}, functions to CPU {function} (--pin split)."
                ),
            })
        }
        (Pin::Same, [.., cpu]) | (Pin::Split, [cpu]) => {
            pin_harness(*cpu)?;
            Ok(Placement {
                function: None,
                description: format!("CPUs: harness and functions pinned to CPU {cpu} (--pin same)."),
            })
        }
        _ => Ok(Placement { function: None, description: format!("CPUs: not pinned, {cpus:?} allowed (--pin none).") }),
    }
}

fn rss(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.2} MiB", k as f64 / 1024.0))
}

fn report(args: &Args, list: &[Scenario], results: &[Measured]) {
    let noop = list.iter().position(|s| s.name == "noop");
    let noop_p50 = noop.and_then(|n| Summary::of(&results[n].warm)).map(|s| s.p50);
    let noop_rss = noop.and_then(|n| results[n].peak_rss_kib);
    let logins = if list.iter().any(|s| s.name == "authenticate") {
        format!(" ({} for authenticate)", args.logins)
    } else {
        String::new()
    };
    println!(
        "Whole process: {} cold starts per function; {} warm invocations per function{logins} after a warm-up, in {} \
         interleaved rounds. Latency: /next answered → /response received.\n",
        args.cold, args.invocations, args.rounds
    );
    println!(
        "| function | cold start p50 | first invocation p50 | warm p50 | warm p99 | warm p50 ÷ noop | CPU / invocation (mean) | peak RSS | RSS − noop |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (s, m) in list.iter().zip(results) {
        let cold = Summary::of(&m.cold);
        let first = Summary::of(&m.first);
        let warm = Summary::of(&m.warm);
        let slow = s.name == "authenticate";
        let fmt = |d: Duration| if slow { millis(d) } else { micros(d) };
        let cpu = (m.cpu_invocations > 0).then(|| m.cpu / m.cpu_invocations as u32);
        let rss_delta = match (m.peak_rss_kib, noop_rss) {
            (Some(a), Some(b)) => format!("{:+.2} MiB", (a as f64 - b as f64) / 1024.0),
            _ => "n/a".into(),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s.label,
            cold.map_or("n/a".into(), |c| millis(c.p50)),
            first.map_or("n/a".into(), |f| fmt(f.p50)),
            warm.map_or("n/a".into(), |w| fmt(w.p50)),
            warm.map_or("n/a".into(), |w| fmt(w.p99)),
            match (warm, noop_p50) {
                (Some(w), Some(n)) => ratio(w.p50, n),
                _ => "n/a".into(),
            },
            cpu.map_or("n/a".into(), fmt),
            rss(m.peak_rss_kib),
            rss_delta,
        );
    }
    println!(
        "\nSpread (warm min / mean / p90 / max; cold start min / p90 / max), resident memory at the end \
         (anonymous / file-backed), and log bytes per warm invocation:\n"
    );
    println!(
        "| function | warm min | warm mean | warm p90 | warm max | cold min | cold p90 | cold max | RssAnon | RssFile | log bytes / invocation |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (s, m) in list.iter().zip(results) {
        let (Some(w), Some(c)) = (Summary::of(&m.warm), Summary::of(&m.cold)) else { continue };
        let fmt = |d: Duration| if s.name == "authenticate" { millis(d) } else { micros(d) };
        let invocations = (m.warm.len() + (s.invocations / 10).clamp(1, 200)).max(1);
        let mean = m.warm.iter().sum::<Duration>() / m.warm.len().max(1) as u32;
        let kib = |k: Option<u64>| k.map_or("n/a".into(), |k| format!("{:.2} MiB", k as f64 / 1024.0));
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} |",
            s.name,
            fmt(w.min),
            fmt(mean),
            fmt(w.p90),
            fmt(w.max),
            millis(c.min),
            millis(c.p90),
            millis(c.max),
            kib(m.memory.map(|m| m.anon_kib)),
            kib(m.memory.map(|m| m.file_kib)),
            m.log_bytes as f64 / invocations as f64
        );
    }
    if let Some(i) = list.iter().position(|s| s.name == "authenticate") {
        let m = &results[i];
        if let (Some(login), Some(argon2), Some(get)) =
            (Summary::of(&m.warm), Summary::of(&m.argon2), Summary::of(&m.get_item))
        {
            let floor = argon2.p50 + get.p50;
            println!(
                "\nLogin: authenticate p50 {} against argon2id verify p50 {} (OWASP parameters, in the harness on the \
                 function's CPU) + one GetItem round trip p50 {} (bare HTTP to the same moto) = {}: {}.",
                millis(login.p50),
                millis(argon2.p50),
                millis(get.p50),
                millis(floor),
                ratio(login.p50, floor)
            );
        }
    }
    targets(list, results, noop_p50, noop_rss);
}

fn targets(list: &[Scenario], results: &[Measured], noop_p50: Option<Duration>, noop_rss: Option<u64>) {
    let Some(i) = list.iter().position(|s| s.name == "check-token") else { return };
    let m = &results[i];
    let (Some(warm), Some(cold)) = (Summary::of(&m.warm), Summary::of(&m.cold)) else { return };
    println!("\nTargets (check-token):\n");
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    if let Some(n) = noop_p50 {
        let r = warm.p50.as_secs_f64() / n.as_secs_f64();
        println!("- warm p50 ≤ 1.15× noop: {:.2}× — {}", r, verdict(r <= 1.15));
    }
    println!("- cold start ≤ 5 ms: p50 {} — {}", millis(cold.p50), verdict(cold.p50 <= Duration::from_millis(5)));
    if let (Some(a), Some(b)) = (m.peak_rss_kib, noop_rss) {
        let delta = a as f64 - b as f64;
        println!("- peak RSS ≤ noop + 1 MiB: {:+.2} MiB — {}", delta / 1024.0, verdict(delta <= 1024.0));
    }
    if let Some(a) = list.iter().position(|s| s.name == "authenticate") {
        let m = &results[a];
        if let (Some(login), Some(argon2), Some(get)) =
            (Summary::of(&m.warm), Summary::of(&m.argon2), Summary::of(&m.get_item))
        {
            let r = login.p50.as_secs_f64() / (argon2.p50 + get.p50).as_secs_f64();
            println!("- login ≤ 1.1× (argon2 verify + store round trip): {:.2}× — {}", r, verdict(r <= 1.1));
        }
    }
}

/// One row per build: each function against that build's own noop.
fn variant_report(args: &Args, list: &[Scenario], results: &[Measured]) {
    println!(
        "Builds compared in one run: {} cold starts and {} warm invocations per function, {} interleaved rounds.\n",
        args.cold, args.invocations, args.rounds
    );
    println!(
        "| build | check-token size | noop warm p50 | check-token warm p50 (÷ noop) | hello warm p50 (÷ noop) | \
         cold start p50 noop / check-token / hello | check-token CPU / invocation | peak RSS noop / check-token / hello |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (variant, dir) in &args.variants {
        let find = |name: &str| list.iter().position(|s| &s.variant == variant && s.name == name);
        let (Some(n), Some(c), Some(h)) = (find("noop"), find("check-token"), find("hello")) else { continue };
        let p50 = |i: usize| Summary::of(&results[i].warm).map(|w| w.p50).unwrap_or_default();
        let cold = |i: usize| Summary::of(&results[i].cold).map(|w| w.p50).unwrap_or_default();
        let cpu = |i: usize| results[i].cpu / results[i].cpu_invocations.max(1) as u32;
        let size = std::fs::metadata(dir.join("check-token")).map(|m| m.len()).unwrap_or(0);
        println!(
            "| {variant} | {:.2} MiB | {} | {} ({}) | {} ({}) | {} / {} / {} | {} | {} / {} / {} |",
            size as f64 / 1048576.0,
            micros(p50(n)),
            micros(p50(c)),
            ratio(p50(c), p50(n)),
            micros(p50(h)),
            ratio(p50(h), p50(n)),
            millis(cold(n)),
            millis(cold(c)),
            millis(cold(h)),
            micros(cpu(c)),
            rss(results[n].peak_rss_kib),
            rss(results[c].peak_rss_kib),
            rss(results[h].peak_rss_kib),
        );
    }
}

/// Prints the medians criterion saved under `dir` (`<group>/<bench>/new/estimates.json`).
fn criterion_table(dir: &Path) {
    let mut rows = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() && p.file_name().is_some_and(|n| n != "report" && n != "base" && n != "change") {
                stack.push(p);
            } else if p.ends_with("new/estimates.json") {
                let read = |name: &str| -> Option<Value> {
                    serde_json::from_str(&std::fs::read_to_string(p.with_file_name(name)).ok()?).ok()
                };
                let (Some(estimates), Some(benchmark)) = (read("estimates.json"), read("benchmark.json")) else {
                    continue;
                };
                let id = benchmark["full_id"].as_str().unwrap_or("?").to_string();
                let median = &estimates["median"];
                let ns = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
                rows.insert(
                    id,
                    (
                        ns(&median["point_estimate"]),
                        ns(&median["confidence_interval"]["lower_bound"]),
                        ns(&median["confidence_interval"]["upper_bound"]),
                    ),
                );
            }
        }
    }
    let show = |ns: f64| {
        if ns >= 1e6 {
            format!("{:.2} ms", ns / 1e6)
        } else if ns >= 1e3 {
            format!("{:.2} µs", ns / 1e3)
        } else {
            format!("{ns:.0} ns")
        }
    };
    println!("| benchmark | median | 95% CI of the median |");
    println!("|---|---|---|");
    for (id, (median, low, high)) in rows {
        println!("| {id} | {} | {} – {} |", show(median), show(low), show(high));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arguments() {
        let args = parse_args(
            ["--invocations", "10", "--rounds", "0", "--only", "noop,hello", "--dynamodb", ""]
                .into_iter()
                .map(String::from),
        )
        .unwrap();
        assert_eq!(args.invocations, 10);
        assert_eq!(args.rounds, 1);
        assert_eq!(args.only, Some(vec!["noop".to_string(), "hello".to_string()]));
        assert_eq!(args.dynamodb, None);
        assert!(parse_args(["--cold"].into_iter().map(String::from)).is_err());
        assert!(parse_args(["--what", "1"].into_iter().map(String::from)).is_err());
    }
}
