//! The `admin` binary as an operator runs it: exit codes, one-line messages on
//! stderr, and the DynamoDB store against the local server `scripts/test.sh` starts.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use support::{TempDir, require_dynamodb_endpoint};

const PASSWORD: &str = "correct horse battery staple";

fn admin(data_dir: &std::path::Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_admin"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command.env_remove("LOCAL_DATA_DIR");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A failure: the given code and exactly one line on stderr.
fn assert_fails(output: &Output, expected: i32, message_part: &str) {
    let err = stderr(output);
    assert_eq!(code(output), expected, "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("admin: ") && err.contains(message_part), "{err}");
}

#[test]
fn exit_codes_of_the_binary() {
    let dir = TempDir::new();
    let data = dir.path().join("data");
    let line = format!("{PASSWORD}\n");

    let added = admin(&data, &["users", "add", "Alice", "--role", "admin", "--password-stdin"], &line, &[]);
    assert_eq!(code(&added), 0, "{}", stderr(&added));
    assert!(stdout(&added).starts_with("created user alice "), "{}", stdout(&added));
    assert!(stderr(&added).is_empty());
    let shown = admin(&data, &["users", "show", "alice"], "", &[]);
    assert_eq!(code(&shown), 0);
    assert!(stdout(&shown).contains("roles:         admin\n"));

    assert_fails(&admin(&data, &["users", "add", "alice", "--password-stdin"], &line, &[]), 3, "already exists");
    assert_fails(&admin(&data, &["users", "delete", "bob"], "", &[]), 4, "not found");
    assert_fails(&admin(&data, &["sessions", "revoke", "bob"], "", &[]), 4, "not found");
    let listed = admin(&data, &["sessions", "list", "alice"], "", &[]);
    assert_eq!((code(&listed), stdout(&listed).as_str()), (0, "SESSION  CREATED_AT  EXPIRES_AT  STATE\n"));
    let revoked = admin(&data, &["sessions", "revoke", "ALICE"], "", &[]);
    assert_eq!((code(&revoked), stdout(&revoked).as_str()), (0, "sessions of alice ended (0 removed)\n"));
    assert_fails(&admin(&data, &["users", "add", "bob", "--password-stdin"], "short\n", &[]), 2, "shorter than 8");
    assert_fails(&admin(&data, &["users", "add", "b:ob", "--password-stdin"], &line, &[]), 2, "':'");
    assert_fails(&admin(&data, &["users", "roles", "alice", "a,b"], "", &[]), 2, "role name");
    let spaced = admin(&data, &["users", "add", " spaced ", "--password-stdin"], &line, &[]);
    assert_fails(&spaced, 2, "the username starts or ends with whitespace");
    let blank = "          \n";
    assert_fails(&admin(&data, &["users", "add", "bob", "--password-stdin"], blank, &[]), 2, "only whitespace");
    let reset = admin(&data, &["users", "set-password", "alice", "--password-stdin"], blank, &[]);
    assert_fails(&reset, 2, "the password is only whitespace");
    assert!(!stdout(&admin(&data, &["users", "list"], "", &[])).contains("spaced"), "nobody created");
    // Standard input is a pipe, not a terminal: no prompt, and the pipe is not read as the password.
    assert_fails(&admin(&data, &["users", "add", "bob"], &line, &[]), 2, "--password-stdin");
    // clap's own usage errors are invalid input too.
    assert_eq!(code(&admin(&data, &["users", "frobnicate"], "", &[])), 2);

    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    assert_fails(&admin(&file, &["users", "list"], "", &[]), 5, "unreachable");
    assert_fails(
        &admin(&data, &["--store", "dynamodb", "users", "list"], "", &[("USERS_TABLE", "")]),
        2,
        "USERS_TABLE",
    );

    let secret = admin(&data, &["secret"], "", &[]);
    assert_eq!(code(&secret), 0);
    assert_eq!(stdout(&secret).trim_end().len(), 64);
}

/// Every command but `init` and `users add` needs the store to be there: on a
/// folder without one it says so, names the folder, and creates nothing.
#[test]
fn only_init_and_users_add_create_a_store() {
    let dir = TempDir::new();
    let data = dir.path().join("data");
    let line = format!("{PASSWORD}\n");
    let commands: [&[&str]; 11] = [
        &["users", "list"],
        &["users", "show", "alice"],
        &["users", "set-password", "alice", "--password-stdin"],
        &["users", "roles", "alice", "admin"],
        &["users", "disable", "alice"],
        &["users", "enable", "alice"],
        &["users", "unlock", "alice"],
        &["users", "delete", "alice"],
        &["sessions", "list", "alice"],
        &["sessions", "revoke", "alice"],
        &["sessions", "list", "bob"],
    ];
    for args in commands {
        let refused = admin(&data, args, &line, &[]);
        assert_fails(&refused, 5, &format!("no store at {}: create one with `admin init`", data.display()));
        assert!(stderr(&refused).contains("--data-dir"), "{}", stderr(&refused));
        assert!(stdout(&refused).is_empty());
        assert!(!data.exists(), "{args:?} created {}", data.display());
    }

    let init = admin(&data, &["init"], "", &[]);
    assert_eq!(code(&init), 0, "{}", stderr(&init));
    let listed = admin(&data, &["users", "list"], "", &[]);
    assert_eq!((code(&listed), stdout(&listed).trim_end()), (0, "USERNAME  USER_ID  ROLES  STATUS  CREATED_AT"));

    let other = dir.path().join("other");
    let added = admin(&other, &["users", "add", "alice", "--password-stdin"], &line, &[]);
    assert_eq!(code(&added), 0, "{}", stderr(&added));
    assert!(stdout(&admin(&other, &["users", "list"], "", &[])).contains("alice"));
}

#[test]
fn the_dynamodb_store_from_init_to_delete() {
    require_dynamodb_endpoint();
    let dir = TempDir::new();
    let table = format!("admin-test-{}", uuid::Uuid::new_v4());
    let sessions = format!("{table}-sessions");
    let env = [("USERS_TABLE", table.as_str()), ("SESSIONS_TABLE", sessions.as_str())];
    let run = |args: &[&str], stdin: &str| {
        let mut all = vec!["--store", "dynamodb"];
        all.extend_from_slice(args);
        admin(dir.path(), &all, stdin, &env)
    };
    // Before init the table is missing: one line names it and the fix.
    let missing = format!("table {table} not found (region us-east-1); create it with `admin --store dynamodb init`");
    assert_fails(&run(&["users", "list"], ""), 5, &missing);
    let created = run(&["init"], "");
    assert_eq!(code(&created), 0, "{}", stderr(&created));
    assert_eq!(
        stdout(&created),
        format!("created DynamoDB table {table}; it is active\ncreated DynamoDB table {sessions}; it is active\n")
    );
    assert!(stdout(&run(&["init"], "")).contains("already exists"));

    let line = format!("{PASSWORD}\n");
    assert_eq!(code(&run(&["users", "add", "Alice", "--role", "admin", "--password-stdin"], &line)), 0);
    assert_fails(&run(&["users", "add", "alice", "--password-stdin"], &line), 3, "already exists");
    assert!(stdout(&run(&["users", "list"], "")).contains("alice"));
    let revoked = run(&["sessions", "revoke", "alice"], "");
    assert_eq!(stdout(&revoked), "sessions of alice ended (0 removed)\n", "{}", stderr(&revoked));
    assert_eq!(stdout(&run(&["sessions", "list", "alice"], "")), "SESSION  CREATED_AT  EXPIRES_AT  STATE\n");
    let disabled = run(&["users", "disable", "alice"], "");
    assert_eq!(stdout(&disabled), "user alice disabled: its logins are refused, its sessions ended (0 removed)\n");
    assert!(stdout(&run(&["users", "show", "alice"], "")).contains("disabled:      yes"));
    assert_eq!(code(&run(&["users", "delete", "alice"], "")), 0);
    assert_fails(&run(&["users", "show", "alice"], ""), 4, "not found");
    assert!(!dir.path().join("users.sqlite3").exists(), "the DynamoDB store writes nothing locally");
}

/// What stops a DynamoDB command before it starts, each in one line of its
/// own words (never the SDK's Debug dump): the table, the endpoint, the credentials.
#[test]
fn dynamodb_failures_are_one_line_each() {
    require_dynamodb_endpoint();
    let dir = TempDir::new();
    let table = format!("nosuch-{}", uuid::Uuid::new_v4());
    // No profile files, no instance metadata: only what the test sets.
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let empty = empty.to_str().unwrap();
    let isolated = [
        ("USERS_TABLE", table.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_CONFIG_FILE", empty),
        ("AWS_SHARED_CREDENTIALS_FILE", empty),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let run = |args: &[&str], set: &[(&str, &str)], unset: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_admin"));
        command.args(["--store", "dynamodb"]).args(args).stdin(Stdio::null());
        command.env_remove("RUST_LOG");
        for name in unset {
            command.env_remove(name);
        }
        command.envs(isolated.iter().chain(set).copied());
        command.output().unwrap()
    };

    for args in [&["users", "list"][..], &["users", "show", "alice"], &["sessions", "list", "alice"]] {
        let missing = run(args, &[], &[]);
        let expected =
            format!("table {table} not found (region us-east-1); create it with `admin --store dynamodb init`");
        assert_fails(&missing, 5, &expected);
    }

    let unreachable = run(&["users", "list"], &[("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1")], &[]);
    assert_fails(&unreachable, 5, "cannot reach http://127.0.0.1:1");

    let anonymous = run(
        &["users", "list"],
        &[],
        &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"],
    );
    assert_fails(&anonymous, 5, "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");

    for output in [&unreachable, &anonymous] {
        assert!(!stderr(output).contains("ServiceError") && !stderr(output).contains("{"), "{}", stderr(output));
    }
}

#[cfg(unix)]
#[test]
fn refuses_a_data_folder_or_database_others_can_touch() {
    use std::os::unix::fs::PermissionsExt;
    let chmod = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    let dir = TempDir::new();
    let data = dir.path().join("data");
    let added = admin(&data, &["users", "add", "alice", "--password-stdin"], &format!("{PASSWORD}\n"), &[]);
    assert_eq!(code(&added), 0, "{}", stderr(&added));

    for mode in [0o755, 0o770, 0o701] {
        chmod(&data, mode);
        let refused = admin(&data, &["users", "list"], "", &[]);
        assert_fails(&refused, 1, &format!("the data folder {} is open to its group or others", data.display()));
        assert!(stderr(&refused).contains(&format!("run `chmod 700 {}`", data.display())), "{}", stderr(&refused));
        assert!(stdout(&refused).is_empty());
    }
    chmod(&data, 0o700);

    let database = data.join("users.sqlite3");
    for mode in [0o644, 0o666, 0o640] {
        chmod(&database, mode);
        let refused = admin(&data, &["users", "add", "bob", "--password-stdin"], &format!("{PASSWORD}\n"), &[]);
        assert_fails(&refused, 1, &format!("run `chmod 600 {}`", database.display()));
    }
    chmod(&database, 0o600);
    assert_eq!(code(&admin(&data, &["users", "show", "alice"], "", &[])), 0);
}
