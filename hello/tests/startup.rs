//! A bad configuration stops the binary before it serves anything.

use std::process::Command;

#[test]
fn invalid_cors_origin_stops_with_a_message_naming_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_hello"))
        .env_clear()
        .env("CORS_ALLOW_ORIGIN", "https://a.example, https://b.example")
        .output()
        .expect("the binary runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("CORS_ALLOW_ORIGIN is invalid"), "{text}");
}
