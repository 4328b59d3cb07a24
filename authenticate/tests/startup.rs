//! A bad configuration stops the binary before it serves anything.

use std::process::Command;

fn run(env: &[(&str, &str)]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_authenticate"))
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn missing_users_table_stops_with_a_message_naming_it() {
    let (code, output) = run(&[("JWT_SECRET", "0123456789abcdef0123456789abcdef")]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("USERS_TABLE is not set"), "{output}");
}

#[test]
fn bare_number_ttl_is_refused() {
    let (code, output) =
        run(&[("JWT_SECRET", "0123456789abcdef0123456789abcdef"), ("USERS_TABLE", "users"), ("JWT_TTL", "3600")]);
    assert_eq!(code, 1);
    assert!(output.contains("JWT_TTL is invalid"), "{output}");
}

#[test]
fn invalid_lockout_names_the_variable() {
    let (code, output) = run(&[
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("USERS_TABLE", "users"),
        ("LOGIN_MAX_ATTEMPTS", "0"),
    ]);
    assert_eq!(code, 1);
    assert!(output.contains("LOGIN_MAX_ATTEMPTS is invalid"), "{output}");
}
