//! The `local-api` binary as a user starts it: it generates and keeps a local
//! secret, prints where it listens, shares the embedded store with the admin
//! code while running, and its output (banner and request log) never holds a
//! password, a token or the secret.

mod support;

use std::io::{BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use local_store::store::{Store, StoreArgs};
use reqwest::StatusCode;
use support::process::Server;
use support::{PASSWORD, TempDir, add_user, require_dynamodb_endpoint};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_the_walk_through_and_logs_no_secret() {
    let dir = TempDir::new();
    let data = dir.path().join(".local");
    let mut server = Server::start(&data);
    let banner = server.wait_for("the token service on http://127.0.0.1:");
    let url = banner.split(" on ").nth(1).unwrap().split(' ').next().unwrap().to_string();
    server.wait_for("JWT_SECRET is not set: generated a random secret");
    server.wait_for("Create a user:  cargo run -p admin -- --data-dir");

    let secret_file = data.join("jwt-secret");
    let secret = std::fs::read_to_string(&secret_file).unwrap().trim().to_string();
    assert_eq!(secret.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&secret_file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // The admin code opens the same SQLite file while the server has it open.
    let store = Store::open(&StoreArgs::embedded(&data), &|_| None).await.unwrap();
    add_user(&store, "alice", &["admin"]).await;

    let client = reqwest::Client::new();
    let login = client.get(format!("{url}/authenticate")).basic_auth("alice", Some(PASSWORD)).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let token = login.json::<serde_json::Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();
    let wrong = client.get(format!("{url}/authenticate")).basic_auth("alice", Some("wrong password")).send().await;
    assert_eq!(wrong.unwrap().status(), StatusCode::UNAUTHORIZED);
    let json_login = client
        .post(format!("{url}/authenticate"))
        .json(&serde_json::json!({"username": "alice", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_login.status(), StatusCode::OK);
    for expected in [StatusCode::OK, StatusCode::OK] {
        let hello = client.get(format!("{url}/hello")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(hello.status(), expected);
    }
    let tampered = format!("{token}x");
    let refused = client.get(format!("{url}/hello")).bearer_auth(&tampered).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let anonymous = client.get(format!("{url}/hello?password={PASSWORD}")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    server.wait_for("GET /hello 401");
    server.wait_for("GET /hello 401");

    let output = server.stop();
    let request_lines: Vec<&str> = output.lines().filter(|l| l.starts_with("GET ") || l.starts_with("POST ")).collect();
    assert_eq!(
        request_lines.iter().map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>(),
        [
            "GET /authenticate 200",
            "GET /authenticate 401",
            "POST /authenticate 200",
            "GET /hello 200",
            "GET /hello 200",
            "GET /hello 401",
            "GET /hello 401"
        ],
        "{output}"
    );
    let authorizer: Vec<&str> = request_lines.iter().map(|l| l.rsplit(' ').next().unwrap()).collect();
    assert_eq!(
        authorizer,
        [
            "authorizer=none",
            "authorizer=none",
            "authorizer=none",
            "authorizer=miss",
            "authorizer=hit",
            "authorizer=miss",
            "authorizer=none"
        ]
    );
    for line in &request_lines {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 5, "{line}");
        assert!(parts[3].ends_with("ms") && parts[3].trim_end_matches("ms").parse::<u64>().is_ok(), "{line}");
    }
    for secret_text in [PASSWORD, "wrong password", &token, &tampered, &secret] {
        assert!(!output.contains(secret_text), "the output leaks {secret_text:?}:\n{output}");
    }
    for line in &request_lines {
        assert!(!line.contains("Bearer") && !line.contains("Basic") && !line.contains('?'), "{line}");
    }
}

/// Logs in (right and wrong passwords, Basic and JSON), calls hello with the
/// token, and checks that nothing the server printed at TRACE holds a secret.
async fn no_secret_at_trace(store: &Store, data: &std::path::Path, args: &[&str], env: &[(&str, &str)]) {
    let wrong = "wrong password guess 42";
    let mut env = env.to_vec();
    env.push(("RUST_LOG", "trace"));
    let mut server = Server::start_with(data, args, &env);
    let banner = server.wait_for("the token service on http://127.0.0.1:");
    let url = banner.split(" on ").nth(1).unwrap().split(' ').next().unwrap().to_string();
    let hash_before = store.user_store().get_user("alice").await.unwrap().unwrap().password_hash;

    let client = reqwest::Client::new();
    let login = client.get(format!("{url}/authenticate")).basic_auth("alice", Some(PASSWORD)).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let token = login.json::<serde_json::Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();
    let refused = client.get(format!("{url}/authenticate")).basic_auth("alice", Some(wrong)).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let refused = client
        .post(format!("{url}/authenticate"))
        .json(&serde_json::json!({"username": "alice", "password": wrong}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let hello = client.get(format!("{url}/hello")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(hello.status(), StatusCode::OK);
    server.wait_for("GET /hello 200");

    let output = server.stop();
    assert!(output.contains("login refused"), "the capture holds the handlers' logs:\n{output}");
    let hash_after = store.user_store().get_user("alice").await.unwrap().unwrap().password_hash;
    let secret = std::fs::read_to_string(data.join("jwt-secret")).unwrap().trim().to_string();
    let signature = token.rsplit('.').next().unwrap().to_string();
    for forbidden in [
        PASSWORD.to_string(),
        wrong.to_string(),
        STANDARD.encode(format!("alice:{PASSWORD}")),
        STANDARD.encode(format!("alice:{wrong}")),
        token.clone(),
        signature,
        secret,
        hash_before,
        hash_after,
    ] {
        let leak = output.lines().find(|l| l.contains(&forbidden)).map(|l| l.replace(&forbidden, "<SECRET>"));
        assert!(leak.is_none(), "a line of the output holds a secret: {leak:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_trace_the_embedded_store_logs_no_secret() {
    let dir = TempDir::new();
    let data = dir.path().join(".local");
    let store = Store::open(&StoreArgs::embedded(&data), &|_| None).await.unwrap();
    add_user(&store, "alice", &["admin"]).await;
    no_secret_at_trace(&store, &data, &[], &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_trace_the_dynamodb_store_logs_no_secret() {
    require_dynamodb_endpoint();
    let dir = TempDir::new();
    let data = dir.path().join(".local");
    let table = format!("local-api-trace-{}", uuid::Uuid::new_v4());
    let lookup = |name: &str| (name == "USERS_TABLE").then(|| table.clone());
    let store = Store::open(&StoreArgs::dynamodb(), &lookup).await.unwrap();
    store.init().await.unwrap();
    add_user(&store, "alice", &["admin"]).await;
    no_secret_at_trace(&store, &data, &["--store", "dynamodb"], &[("USERS_TABLE", &table)]).await;
}

/// Runs the binary on this data folder until it exits (it must refuse to start).
fn refused_start(data: &std::path::Path, env: &[(&str, &str)]) -> String {
    refused_start_with(data, &[], env)
}

/// The same, with these arguments.
fn refused_start_with(data: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_local-api"));
    command.args(["--port", "0"]).args(args).env("LOCAL_DATA_DIR", data).env_remove("JWT_SECRET");
    command.envs(env.iter().copied());
    let (sender, exited) = mpsc::channel();
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut text);
        let _ = sender.send((child.wait().unwrap(), text));
    });
    let Ok((status, stderr)) = exited.recv_timeout(Duration::from_secs(30)) else {
        // Our own child, by PID: it started serving instead of refusing.
        let _ = Command::new("kill").args(["-INT", &pid.to_string()]).status();
        panic!("local-api started, with {args:?} on the data folder {}", data.display());
    };
    assert!(!status.success(), "{status}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("local-api: "), "{stderr}");
    stderr
}

/// `--store dynamodb` without its table, or without a DynamoDB to reach,
/// refuses to start with one line naming the table or the endpoint.
#[test]
fn refuses_to_serve_without_its_dynamodb_table() {
    require_dynamodb_endpoint();
    let dir = TempDir::new();
    let data = dir.path().join(".local");
    let table = format!("nosuch-{}", uuid::Uuid::new_v4());
    let env = [("USERS_TABLE", table.as_str()), ("AWS_REGION", "us-east-1"), ("RUST_LOG", "info")];
    let message = refused_start_with(&data, &["--store", "dynamodb"], &env);
    assert_eq!(
        message.trim_end(),
        format!(
            "local-api: user store unavailable: table {table} not found (region us-east-1); create it with \
             `admin --store dynamodb init`"
        )
    );
    let unreachable = [("USERS_TABLE", table.as_str()), ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1")];
    let message = refused_start_with(&data, &["--store", "dynamodb"], &unreachable);
    assert_eq!(message.trim_end(), "local-api: user store unavailable: cannot reach http://127.0.0.1:1");
    assert!(!data.join("users.sqlite3").exists(), "nothing written to the embedded store");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_data_folder_secret_or_database_others_can_touch() {
    use std::os::unix::fs::PermissionsExt;
    let chmod = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    let dir = TempDir::new();
    let data = dir.path().join(".local");
    let store = Store::open(&StoreArgs::embedded(&data), &|_| None).await.unwrap();
    drop(store);
    let secret = data.join("jwt-secret");
    std::fs::write(&secret, format!("{}\n", "ab".repeat(32))).unwrap();
    chmod(&secret, 0o600);

    for mode in [0o755, 0o750, 0o707] {
        chmod(&data, mode);
        let message = refused_start(&data, &[]);
        assert!(message.contains(&format!("run `chmod 700 {}`", data.display())), "{message}");
        // The same with the secret from the environment: the database's folder is checked too.
        let message = refused_start(&data, &[("JWT_SECRET", &"cd".repeat(32))]);
        assert!(message.contains(&format!("run `chmod 700 {}`", data.display())), "{message}");
    }
    chmod(&data, 0o700);

    for mode in [0o644, 0o666] {
        chmod(&secret, mode);
        let message = refused_start(&data, &[]);
        assert!(message.contains(&format!("the JWT secret file {} is open", secret.display())), "{message}");
        assert!(message.contains(&format!("run `chmod 600 {}`", secret.display())), "{message}");
        assert!(message.contains("delete it to generate a new secret"), "{message}");
    }
    chmod(&secret, 0o600);

    // A planted link is not followed, even to a private file holding a valid secret.
    let planted = dir.path().join("planted-secret");
    std::fs::rename(&secret, &planted).unwrap();
    std::os::unix::fs::symlink(&planted, &secret).unwrap();
    let message = refused_start(&data, &[]);
    assert!(message.contains(&format!("{} is a symbolic link", secret.display())), "{message}");
    std::fs::remove_file(&secret).unwrap();
    std::fs::rename(&planted, &secret).unwrap();

    let database = data.join("users.sqlite3");
    chmod(&database, 0o644);
    let message = refused_start(&data, &[("JWT_SECRET", &"cd".repeat(32))]);
    assert!(message.contains(&format!("the user database file {} is open", database.display())), "{message}");
    assert!(message.contains(&format!("run `chmod 600 {}`", database.display())), "{message}");
}
