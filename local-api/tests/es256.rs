//! The `local-api` binary in ES256 mode, end to end: it keeps a key pair in
//! its data folder, its discovery's issuer is its base URL (the tokens' iss),
//! /hello accepts its tokens, and a standard library (PyJWT, through
//! scripts/jwks_check.py) verifies them with the served JWKS alone. In HS256
//! mode the JWKS is empty.

mod support;

use std::path::PathBuf;
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use local_store::store::{Store, StoreArgs};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::process::Server;
use support::{PASSWORD, TempDir, add_user};

async fn with_user(data: &std::path::Path) {
    let store = Store::open(&StoreArgs::embedded(data), &|_| None).await.unwrap();
    add_user(&store, "alice", &["admin", "ops"]).await;
}

async fn login(url: &str) -> String {
    let client = reqwest::Client::new();
    let login = client.get(format!("{url}/authenticate")).basic_auth("alice", Some(PASSWORD)).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    login.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string()
}

async fn get(url: &str) -> (reqwest::header::HeaderMap, Value) {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    let headers = response.headers().clone();
    (headers, response.json().await.unwrap())
}

fn part(token: &str, n: usize) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(n).unwrap()).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn es256_mode_publishes_its_key_and_its_base_url_is_the_issuer() {
    let dir = TempDir::new();
    let data = dir.path().join(".local");
    with_user(&data).await;
    let mut server = Server::start_with(&data, &[], &[("RUST_LOG", "info"), ("JWT_ALGORITHM", "ES256")]);
    let url = server.url();
    server.wait_for("tokens: ES256, signed with a key pair generated in");

    let key_file = data.join("jwt-es256-key.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(!data.join("jwt-secret").exists(), "no HMAC secret is made in ES256 mode");

    let token = login(&url).await;
    assert_eq!(part(&token, 0)["alg"], "ES256");
    let claims = part(&token, 1);
    assert_eq!(claims["iss"], url.as_str(), "the default issuer is the served base URL");
    assert_eq!(claims["scope"], "admin ops");

    let (headers, jwks) = get(&format!("{url}/.well-known/jwks.json")).await;
    assert_eq!(headers["cache-control"], "public, max-age=300");
    assert_eq!(headers["content-type"], "application/json");
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], part(&token, 0)["kid"]);
    assert_eq!(
        (&keys[0]["kty"], &keys[0]["crv"], &keys[0]["alg"], &keys[0]["use"]),
        (&json!("EC"), &json!("P-256"), &json!("ES256"), &json!("sig"))
    );
    assert!(keys[0].get("d").is_none(), "never the private part");

    let (_, discovery) = get(&format!("{url}/.well-known/openid-configuration")).await;
    assert_eq!(discovery["issuer"], url.as_str());
    assert_eq!(discovery["jwks_uri"], format!("{url}/.well-known/jwks.json"));
    assert_eq!(discovery["token_endpoint"], format!("{url}/token"));
    assert_eq!(discovery["id_token_signing_alg_values_supported"], json!(["ES256"]));

    let client = reqwest::Client::new();
    let hello = client.get(format!("{url}/hello")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(hello.status(), StatusCode::OK);

    standard_library_verifies(&url);

    let output = server.stop();
    let private = std::fs::read_to_string(&key_file).unwrap();
    let pem_body = private.split("KEY-----").nth(1).unwrap().replace("\\n", "");
    assert!(!output.contains(&pem_body[..40]), "the output never holds the key");
    assert!(!output.contains(&token), "nor a token");

    // A restart keeps the key: the token issued before still works.
    let mut again = Server::start_with(&data, &["--jwt-algorithm", "es256"], &[("RUST_LOG", "info")]);
    let url = again.url();
    again.wait_for("tokens: ES256, signed with the key pair generated earlier in");
    let (_, jwks_again) = get(&format!("{url}/.well-known/jwks.json")).await;
    assert_eq!(jwks_again, jwks);
    again.stop();
}

/// scripts/jwks_check.py with the virtualenv's Python (PyJWT pinned in
/// scripts/requirements-test.txt). Missing: a failure under CI, else skipped
/// with the reason printed.
fn standard_library_verifies(url: &str) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = root.join(".venv/bin/python");
    let has_pyjwt = python.exists()
        && Command::new(&python).args(["-c", "import jwt, cryptography"]).status().is_ok_and(|s| s.success());
    if !has_pyjwt {
        let reason = format!("{} with PyJWT[crypto] is missing (./scripts/test.sh installs it)", python.display());
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{reason}");
        eprintln!("SKIPPED the PyJWT check: {reason}");
        return;
    }
    let output =
        Command::new(&python).arg(root.join("scripts/jwks_check.py")).args([url, "alice", PASSWORD]).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "jwks_check.py failed:\n{text}");
    assert!(text.contains("jwks_check: ok"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hs256_mode_publishes_no_key() {
    let dir = TempDir::new();
    let data = dir.path().join(".local");
    with_user(&data).await;
    let mut server = Server::start(&data);
    let url = server.url();
    server.wait_for("tokens: HS256");
    let (headers, jwks) = get(&format!("{url}/.well-known/jwks.json")).await;
    assert_eq!(headers["cache-control"], "public, max-age=300");
    assert_eq!(jwks, json!({"keys": []}));
    let token = login(&url).await;
    assert_eq!(part(&token, 1)["iss"], url.as_str());
    let (_, discovery) = get(&format!("{url}/.well-known/openid-configuration")).await;
    assert_eq!(discovery["issuer"], url.as_str());
    assert_eq!(discovery["id_token_signing_alg_values_supported"], json!(["HS256"]));
    server.stop();
}

/// RS384 is no algorithm of ours; RS256 is, but only for a deployment whose
/// stack generates the RSA key (ring cannot): both stop start-up in one line.
#[test]
fn an_unknown_algorithm_or_rs256_stops_start_up_naming_the_variable() {
    for (algorithm, why) in [("RS384", "not a supported algorithm"), ("RS256", "zero-Lambda")] {
        let dir = TempDir::new();
        let output = Command::new(env!("CARGO_BIN_EXE_local-api"))
            .args(["--port", "0"])
            .env("LOCAL_DATA_DIR", dir.path().join(".local"))
            .env("JWT_ALGORITHM", algorithm)
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("JWT_ALGORITHM") && stderr.contains("ES256") && stderr.contains(why), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    }
}
