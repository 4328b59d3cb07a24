//! The local server's conveniences, through the binary: `--env-file`,
//! `--log-format json`, `--host` and its warning, a prompt exit on Ctrl-C.

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use local_store::store::{Store, StoreArgs};
use reqwest::StatusCode;
use serde_json::Value;
use support::process::Server;
use support::{PASSWORD, TempDir, add_user};

async fn with_alice(data: &std::path::Path) {
    let store = Store::open(&StoreArgs::embedded(data), &|_| None).await.unwrap();
    add_user(&store, "alice", &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_env_file_configures_the_functions_and_the_environment_wins() {
    let dir = TempDir::new();
    let data = dir.path().join("data");
    let env_file = dir.path().join("local.env");
    std::fs::write(
        &env_file,
        "# the functions' settings\nJWT_TTL=120s\nexport JWT_ISSUER=\"from-the-file\"\nJWT_AUDIENCE=from-the-file\n",
    )
    .unwrap();
    let file_arg = env_file.to_str().unwrap();
    let mut server = Server::start_with(&data, &["--env-file", file_arg], &[("JWT_AUDIENCE", "from-the-environment")]);
    let url = server.url();
    with_alice(&data).await;
    let login = reqwest::Client::new()
        .get(format!("{url}/authenticate"))
        .basic_auth("alice", Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let body: Value = login.json().await.unwrap();
    assert_eq!(body["expires_in"], 120, "JWT_TTL from the file");
    let token = body["access_token"].as_str().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap(),
    )
    .unwrap();
    assert_eq!(claims["iss"], "from-the-file", "quotes and `export` as dotenv reads them");
    assert_eq!(claims["aud"], "from-the-environment", "the environment wins over the file");
    server.stop();
}

#[test]
fn a_missing_or_malformed_env_file_stops_the_server_with_its_name() {
    let dir = TempDir::new();
    let malformed = dir.path().join("bad.env");
    std::fs::write(&malformed, "JWT_TTL=1h\nthis line is not a variable\n").unwrap();
    for file in [dir.path().join("nowhere.env"), malformed] {
        let output = Command::new(env!("CARGO_BIN_EXE_local-api"))
            .args(["--port", "0", "--env-file", file.to_str().unwrap()])
            .env("LOCAL_DATA_DIR", dir.path().join("data"))
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("--env-file {}", file.display())), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_request_logs_with_a_timestamp() {
    let dir = TempDir::new();
    let data = dir.path().join("data");
    for (args, env) in [(vec!["--log-format", "json"], vec![]), (vec![], vec![("AWS_LAMBDA_LOG_FORMAT", "JSON")])] {
        let mut server = Server::start_with(&data, &args, &env);
        let url = server.url();
        let reply = reqwest::get(format!("{url}/hello")).await.unwrap();
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
        let line = server.wait_for("\"path\":\"/hello\"");
        let json: Value = serde_json::from_str(&line).unwrap();
        assert_eq!((json["method"].as_str(), json["status"].as_u64()), (Some("GET"), Some(401)));
        assert_eq!(json["authorizer"], "none");
        let timestamp = json["timestamp"].as_str().unwrap();
        time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339).unwrap();
        server.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_host_is_served_with_a_warning() {
    let dir = TempDir::new();
    let mut server = Server::start_with(&dir.path().join("data"), &["--host", "0.0.0.0"], &[]);
    let url = server.url();
    assert!(url.starts_with("http://0.0.0.0:"), "{url}");
    let port = url.rsplit(':').next().unwrap();
    let reply = reqwest::get(format!("http://127.0.0.1:{port}/hello")).await.unwrap();
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    let output = server.stop();
    assert!(output.contains("warning: listening on 0.0.0.0"), "{output}");

    let dir = TempDir::new();
    let mut server = Server::start_with(&dir.path().join("data"), &[], &[]);
    server.url();
    let output = server.stop();
    assert!(!output.contains("warning"), "no warning on loopback: {output}");
}

#[test]
fn ctrl_c_exits_promptly_even_with_a_client_holding_a_connection() {
    let dir = TempDir::new();
    let mut server = Server::start_with(&dir.path().join("data"), &[], &[]);
    let url = server.url();
    // Half a request: the server waits for the rest of its headers.
    let mut stalled = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    stalled.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let output = server.stop();
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}: {output}", started.elapsed());
    assert!(output.contains("stopping"), "{output}");
    drop(stalled);
}
