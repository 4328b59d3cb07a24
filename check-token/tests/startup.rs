//! A bad configuration stops the binary before it serves anything, with one
//! log line naming the variable, and never echoes the secret.

use std::process::Command;

fn run(env: &[(&str, &str)]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_check-token"))
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn missing_secret_stops_with_a_message_naming_it() {
    let (code, output) = run(&[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("JWT_SECRET is not set"), "{output}");
    assert!(!output.contains("panicked"), "{output}");
}

#[test]
fn short_secret_is_refused_without_echoing_it() {
    let (code, output) = run(&[("JWT_SECRET", "too-short-secret-value")]);
    assert_eq!(code, 1);
    assert!(output.contains("JWT_SECRET is invalid"), "{output}");
    assert!(!output.contains("too-short-secret-value"), "{output}");
}

#[test]
fn invalid_leeway_names_the_variable() {
    let (code, output) = run(&[
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("ACCESS_RULES", r#"{"GET /hello": ["*"]}"#),
        ("JWT_LEEWAY", "1h"),
    ]);
    assert_eq!(code, 1);
    assert!(output.contains("JWT_LEEWAY is invalid"), "{output}");
}

#[test]
fn a_missing_or_invalid_access_table_names_the_variable() {
    let secret = ("JWT_SECRET", "0123456789abcdef0123456789abcdef");
    let (code, output) = run(&[secret]);
    assert_eq!(code, 1);
    assert!(output.contains("ACCESS_RULES is not set"), "{output}");
    let overlapping = r#"{"GET /users/{id}": ["support"], "GET /users/{id}/keys": ["admin"]}"#;
    let (code, output) = run(&[secret, ("ACCESS_RULES", overlapping)]);
    assert_eq!(code, 1);
    assert!(output.contains("ACCESS_RULES is invalid") && output.contains("would also open"), "{output}");
}

#[test]
fn es256_mode_refuses_a_secret_and_needs_public_keys() {
    let secret = "0123456789abcdef0123456789abcdef-never-shown";
    let (code, output) = run(&[("JWT_ALGORITHM", "ES256"), ("JWT_SECRET", secret)]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("JWT_SECRET is invalid"), "{output}");
    assert!(!output.contains(secret), "{output}");
    let (code, output) = run(&[("JWT_ALGORITHM", "ES256")]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("JWT_PUBLIC_KEYS is not set"), "{output}");
    let (code, output) = run(&[("JWT_ALGORITHM", "PS256")]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("JWT_ALGORITHM is invalid") && output.contains("ES256"), "{output}");
}
