//! The admin commands through the library, on the embedded store in a temp dir.

mod support;

use std::io::{self, Cursor};
use std::sync::Arc;

use admin::{AdminError, Command, Io, PasswordPrompt, SessionsCommand, UsersCommand, commands};
use common::clock::now_epoch_millis;
use common::password::{PasswordCheck, PasswordHasher};
use common::session::{RefreshToken, SECRET_BYTES, Session, session_id};
use common::store::{LockoutPolicy, SessionStore, StoreError, UserStore};
use local_store::store::{DATABASE_FILE, OpenError, Store, StoreArgs};
use support::TempDir;

const PASSWORD: &str = "correct horse battery staple";

/// Answers prompts from a script; `terminal: false` behaves like a pipe.
struct ScriptedPrompt {
    terminal: bool,
    answers: Vec<String>,
    prompts: Vec<String>,
}

impl ScriptedPrompt {
    fn none() -> Self {
        Self { terminal: false, answers: vec![], prompts: vec![] }
    }

    fn typing(answers: &[&str]) -> Self {
        Self { terminal: true, answers: answers.iter().rev().map(|a| a.to_string()).collect(), prompts: vec![] }
    }
}

impl PasswordPrompt for ScriptedPrompt {
    fn is_terminal(&self) -> bool {
        self.terminal
    }

    fn read_hidden(&mut self, prompt: &str) -> io::Result<String> {
        self.prompts.push(prompt.to_string());
        self.answers.pop().ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no more answers"))
    }
}

struct Fixture {
    _dir: TempDir,
    store: Store,
}

impl Fixture {
    async fn new() -> Self {
        let dir = TempDir::new();
        let store = Store::open(&StoreArgs::embedded(dir.path().join("data")), &|_| None).await.unwrap();
        Self { _dir: dir, store }
    }

    fn users(&self) -> Arc<dyn UserStore> {
        self.store.user_store()
    }

    fn sessions(&self) -> Arc<dyn SessionStore> {
        self.store.session_store()
    }

    /// What a login starts: a session of the user as stored, begun at `at_ms`, in the store.
    async fn log_in_at(&self, username: &str, at_ms: u64) -> Session {
        let user = self.users().get_user(username).await.unwrap().unwrap();
        let id = session_id(*uuid::Uuid::new_v4().as_bytes());
        let token = RefreshToken::new(&id, [7; SECRET_BYTES]).unwrap();
        let session = Session::start(id, &user, &token, at_ms, 3600);
        self.sessions().create_session(&session).await.unwrap();
        session
    }

    async fn log_in(&self, username: &str) -> Session {
        self.log_in_at(username, now_epoch_millis()).await
    }

    /// Whether a refresh would let the session go on: still stored, and its user allowing it.
    async fn refreshable(&self, session: &Session) -> bool {
        let stored = self.sessions().get_session(&session.session_id).await.unwrap();
        let user = self.users().get_user(&session.username).await.unwrap();
        stored.is_some_and(|stored| !stored.revoked && stored.still_valid_for(user.as_ref()))
    }

    /// Whether the user item alone refuses the session, whatever the sessions table holds.
    async fn ended_by_user(&self, session: &Session) -> bool {
        !session.still_valid_for(self.users().get_user(&session.username).await.unwrap().as_ref())
    }

    async fn run_sessions(&self, command: SessionsCommand) -> Result<String, AdminError> {
        self.run_with(Command::Sessions { command }, "", &mut ScriptedPrompt::none()).await
    }

    /// Runs a command with `stdin` as standard input; returns its output or error.
    async fn run_with(&self, command: Command, stdin: &str, prompt: &mut ScriptedPrompt) -> Result<String, AdminError> {
        let mut input = Cursor::new(stdin.as_bytes().to_vec());
        let mut output = Vec::new();
        let mut io = Io { stdin: &mut input, stdout: &mut output, prompt };
        commands::run(&command, &self.store, &mut io).await?;
        Ok(String::from_utf8(output).unwrap())
    }

    async fn run(&self, command: UsersCommand, stdin: &str) -> Result<String, AdminError> {
        self.run_with(Command::Users { command }, stdin, &mut ScriptedPrompt::none()).await
    }

    async fn add(&self, username: &str, roles: &[&str]) -> Result<String, AdminError> {
        let roles = roles.iter().map(|r| r.to_string()).collect();
        let command = UsersCommand::Add { username: username.into(), roles, password_stdin: true };
        self.run(command, &format!("{PASSWORD}\n")).await
    }

    async fn password_matches(&self, username: &str, password: &str) -> bool {
        let user = self.users().get_user(username).await.unwrap().unwrap();
        matches!(PasswordHasher::owasp().verify(password, &user.password_hash), Ok(PasswordCheck::Match { .. }))
    }
}

fn user(name: &str) -> String {
    name.to_string()
}

#[tokio::test]
async fn add_stores_a_lowercased_user_with_an_argon2id_hash() {
    let f = Fixture::new().await;
    let out = f.add("Alice", &["admin", "dev", "admin"]).await.unwrap();
    assert!(out.starts_with("created user alice (user_id "), "{out}");
    let alice = f.users().get_user("alice").await.unwrap().unwrap();
    assert_eq!(alice.roles, ["admin", "dev"]);
    assert!(alice.password_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(!alice.disabled);
    assert!(f.password_matches("alice", PASSWORD).await);
}

#[tokio::test]
async fn add_prompts_twice_on_a_terminal() {
    let f = Fixture::new().await;
    let mut prompt = ScriptedPrompt::typing(&["s3cret-password", "s3cret-password"]);
    let command = UsersCommand::Add { username: user("bob"), roles: vec![], password_stdin: false };
    f.run_with(Command::Users { command }, "", &mut prompt).await.unwrap();
    assert_eq!(prompt.prompts, ["New password for bob: ", "Repeat it: "]);
    assert!(f.password_matches("bob", "s3cret-password").await);

    let mut mismatch = ScriptedPrompt::typing(&["s3cret-password", "s3cret-passwort"]);
    let command = UsersCommand::Add { username: user("carol"), roles: vec![], password_stdin: false };
    let err = f.run_with(Command::Users { command }, "", &mut mismatch).await.unwrap_err();
    assert_eq!(err, AdminError::Invalid("the two passwords differ".into()));
    assert_eq!(err.exit_code(), 2);
    assert_eq!(f.users().get_user("carol").await.unwrap(), None);
}

#[tokio::test]
async fn password_stdin_strips_one_line_ending_only() {
    let f = Fixture::new().await;
    let command = UsersCommand::Add { username: user("dave"), roles: vec![], password_stdin: true };
    f.run(command, " spaced password \r\nsecond line\n").await.unwrap();
    assert!(f.password_matches("dave", " spaced password ").await);
}

#[tokio::test]
async fn invalid_input_is_exit_code_2_and_creates_nothing() {
    let f = Fixture::new().await;
    let cases = [
        (user("a:b"), vec![], format!("{PASSWORD}\n")),
        (user("a\tb"), vec![], format!("{PASSWORD}\n")),
        (String::new(), vec![], format!("{PASSWORD}\n")),
        ("x".repeat(129), vec![], format!("{PASSWORD}\n")),
        (user("erin"), vec![user("a,b")], format!("{PASSWORD}\n")),
        (user("erin"), vec![user("")], format!("{PASSWORD}\n")),
        (user("erin"), vec![], "short12\n".to_string()),
        (user("erin"), vec![], String::new()),
        (user("erin"), vec![], "\n".to_string()),
    ];
    for (username, roles, stdin) in cases {
        let command = UsersCommand::Add { username: username.clone(), roles: roles.clone(), password_stdin: true };
        let err = f.run(command, &stdin).await.unwrap_err();
        assert_eq!(err.exit_code(), 2, "{username:?} {roles:?} {stdin:?}: {err}");
    }
    // No terminal and no --password-stdin: refuse rather than read a pipe as the password.
    let command = UsersCommand::Add { username: user("erin"), roles: vec![], password_stdin: false };
    let err = f.run(command, &format!("{PASSWORD}\n")).await.unwrap_err();
    assert_eq!(err.exit_code(), 2, "{err}");
    assert!(err.to_string().contains("--password-stdin"), "{err}");
    assert!(f.users().list_users().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_existing_user_is_exit_code_3_whatever_the_case() {
    let f = Fixture::new().await;
    f.add("frank", &[]).await.unwrap();
    let err = f.add("FRANK", &["admin"]).await.unwrap_err();
    assert_eq!(err, AdminError::Exists(user("frank")));
    assert_eq!(err.exit_code(), 3);
    assert!(f.users().get_user("frank").await.unwrap().unwrap().roles.is_empty(), "not overwritten");
}

#[tokio::test]
async fn a_missing_user_is_exit_code_4_for_every_command() {
    let f = Fixture::new().await;
    let commands = [
        UsersCommand::Show { username: user("ghost") },
        UsersCommand::SetPassword { username: user("ghost"), password_stdin: true },
        UsersCommand::Roles { username: user("ghost"), roles: vec![user("admin")] },
        UsersCommand::Disable { username: user("ghost") },
        UsersCommand::Enable { username: user("ghost") },
        UsersCommand::Unlock { username: user("ghost") },
        UsersCommand::Delete { username: user("ghost") },
    ];
    for command in commands {
        let err = f.run(command.clone(), &format!("{PASSWORD}\n")).await.unwrap_err();
        assert_eq!(err, AdminError::NotFound(user("ghost")), "{command:?}");
        assert_eq!(err.exit_code(), 4);
    }
    for command in
        [SessionsCommand::List { username: user("ghost") }, SessionsCommand::Revoke { username: user("ghost") }]
    {
        let err = f.run_sessions(command.clone()).await.unwrap_err();
        assert_eq!(err, AdminError::NotFound(user("ghost")), "{command:?}");
    }
    assert_eq!(f.users().get_user("ghost").await.unwrap(), None);
}

#[tokio::test]
async fn list_and_show_never_print_the_hash() {
    let f = Fixture::new().await;
    f.add("zoe", &[]).await.unwrap();
    f.add("alice", &["admin", "dev"]).await.unwrap();
    f.run(UsersCommand::Disable { username: user("zoe") }, "").await.unwrap();
    let list = f.run(UsersCommand::List, "").await.unwrap();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(lines[0].starts_with("USERNAME  USER_ID"), "{list}");
    assert!(lines[1].starts_with("alice ") && lines[1].contains(" admin,dev ") && lines[1].contains(" enabled "));
    assert!(lines[2].starts_with("zoe ") && lines[2].contains(" (none) ") && lines[2].contains(" disabled "));
    let show = f.run(UsersCommand::Show { username: user("ALICE") }, "").await.unwrap();
    let alice = f.users().get_user("alice").await.unwrap().unwrap();
    assert!(show.contains("username:      alice\n"), "{show}");
    assert!(show.contains(&format!("user_id:       {}\n", alice.user_id)), "{show}");
    assert!(show.contains("roles:         admin,dev\n"), "{show}");
    assert!(show.contains("disabled:      no\n"), "{show}");
    assert!(show.contains("locked:        no\n"), "{show}");
    for output in [&list, &show] {
        assert!(!output.contains("argon2") && !output.contains(&alice.password_hash), "{output}");
    }
}

#[tokio::test]
async fn set_password_replaces_the_hash() {
    let f = Fixture::new().await;
    f.add("gina", &[]).await.unwrap();
    let command = UsersCommand::SetPassword { username: user("Gina"), password_stdin: true };
    assert_eq!(
        f.run(command, "a brand new password\n").await.unwrap(),
        "password of gina changed; its sessions ended (0 removed)\n"
    );
    assert!(f.password_matches("gina", "a brand new password").await);
    assert!(!f.password_matches("gina", PASSWORD).await);
    let short = UsersCommand::SetPassword { username: user("gina"), password_stdin: true };
    assert_eq!(f.run(short, "1234567\n").await.unwrap_err().exit_code(), 2);
    assert!(f.password_matches("gina", "a brand new password").await, "unchanged after a refused password");
}

#[tokio::test]
async fn roles_replaces_and_clears_and_validates() {
    let f = Fixture::new().await;
    f.add("hank", &["old"]).await.unwrap();
    let out = f.run(UsersCommand::Roles { username: user("hank"), roles: vec![user("ops"), user("r:1")] }, "").await;
    assert!(out.unwrap().starts_with("roles of hank: ops,r:1"));
    assert_eq!(f.users().get_user("hank").await.unwrap().unwrap().roles, ["ops", "r:1"]);
    let err = f.run(UsersCommand::Roles { username: user("hank"), roles: vec![user("a,b")] }, "").await.unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert_eq!(f.users().get_user("hank").await.unwrap().unwrap().roles, ["ops", "r:1"]);
    f.run(UsersCommand::Roles { username: user("hank"), roles: vec![] }, "").await.unwrap();
    assert!(f.users().get_user("hank").await.unwrap().unwrap().roles.is_empty());
}

#[tokio::test]
async fn disable_enable_unlock_delete() {
    let f = Fixture::new().await;
    f.add("ivy", &[]).await.unwrap();
    let store = f.users();
    assert_eq!(
        f.run(UsersCommand::Disable { username: user("ivy") }, "").await.unwrap(),
        "user ivy disabled: its logins are refused, its sessions ended (0 removed)\n"
    );
    assert!(store.get_user("ivy").await.unwrap().unwrap().disabled);
    assert_eq!(f.run(UsersCommand::Enable { username: user("ivy") }, "").await.unwrap(), "user ivy enabled\n");
    assert!(!store.get_user("ivy").await.unwrap().unwrap().disabled);

    let policy = LockoutPolicy { max_attempts: 2, lockout_secs: 3600 };
    let now = common::clock::now_epoch_seconds();
    store.reserve_login_attempt("ivy", now, policy).await.unwrap();
    store.reserve_login_attempt("ivy", now, policy).await.unwrap();
    assert_eq!(store.lock_if_limit_reached("ivy", now, policy).await.unwrap(), Some(now + 3600));
    let show = f.run(UsersCommand::Show { username: user("ivy") }, "").await.unwrap();
    assert!(show.contains("locked:        until "), "{show}");
    assert!(f.run(UsersCommand::List, "").await.unwrap().contains(" locked until "));
    f.run(UsersCommand::Unlock { username: user("ivy") }, "").await.unwrap();
    let unlocked = store.get_user("ivy").await.unwrap().unwrap();
    assert_eq!((unlocked.failed_logins, unlocked.locked_until), (0, None));

    assert_eq!(
        f.run(UsersCommand::Delete { username: user("IVY") }, "").await.unwrap(),
        "deleted user ivy; its sessions ended (0 removed)\n"
    );
    assert_eq!(store.get_user("ivy").await.unwrap(), None);
}

#[tokio::test]
async fn disable_set_password_and_delete_end_the_users_sessions() {
    let f = Fixture::new().await;
    for name in ["jane", "kim", "lou", "max"] {
        f.add(name, &[]).await.unwrap();
    }
    let bystander = f.log_in("max").await;
    let cases = [
        (
            "jane",
            UsersCommand::Disable { username: user("jane") },
            "user jane disabled: its logins are refused, its sessions ended (2 removed)\n",
        ),
        (
            "kim",
            UsersCommand::SetPassword { username: user("KIM"), password_stdin: true },
            "password of kim changed; its sessions ended (2 removed)\n",
        ),
        ("lou", UsersCommand::Delete { username: user("lou") }, "deleted user lou; its sessions ended (2 removed)\n"),
    ];
    let mut ended = Vec::new();
    for (name, command, expected) in cases {
        let sessions = [f.log_in(name).await, f.log_in(name).await];
        assert!(f.refreshable(&sessions[0]).await);
        assert_eq!(f.run(command, "a brand new password\n").await.unwrap(), expected);
        for session in &sessions {
            assert!(!f.refreshable(session).await && f.ended_by_user(session).await, "{name}");
        }
        assert!(f.sessions().list_sessions(name).await.unwrap().is_empty(), "{name}");
        ended.extend(sessions);
    }
    assert!(f.refreshable(&bystander).await, "another user's sessions go on");

    // Enabling again brings no session back, were its record still there.
    assert_eq!(f.run(UsersCommand::Enable { username: user("jane") }, "").await.unwrap(), "user jane enabled\n");
    assert!(f.ended_by_user(&ended[0]).await && f.ended_by_user(&ended[1]).await);
}

#[tokio::test]
async fn sessions_list_shows_states_and_never_a_token_hash() {
    let f = Fixture::new().await;
    f.add("nina", &[]).await.unwrap();
    let empty = f.run_sessions(SessionsCommand::List { username: user("nina") }).await.unwrap();
    assert_eq!(empty, "SESSION  CREATED_AT  EXPIRES_AT  STATE\n", "the header alone");

    let now_ms = now_epoch_millis();
    let active = f.log_in_at("nina", now_ms - 2).await;
    let revoked = f.log_in_at("nina", now_ms - 1).await;
    f.sessions().revoke_session(&revoked.session_id).await.unwrap();
    let list = f.run_sessions(SessionsCommand::List { username: user("NINA") }).await.unwrap();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(lines[0].starts_with("SESSION   CREATED_AT") && lines[0].ends_with("STATE"), "{list}");
    let created = common::clock::rfc3339(active.created_at_ms / 1000);
    let expires = common::clock::rfc3339(active.expires_at);
    assert_eq!(lines[1], format!("{}  {created}  {expires}  active", &active.session_id[..8]));
    assert!(lines[2].starts_with(&revoked.session_id[..8]) && lines[2].ends_with("  revoked"), "{list}");
    for session in [&active, &revoked] {
        assert!(!list.contains(&session.session_id) && !list.contains(&session.token_hash), "{list}");
    }
}

#[tokio::test]
async fn sessions_revoke_ends_them_all_and_counts_them() {
    let f = Fixture::new().await;
    f.add("otto", &[]).await.unwrap();
    let sessions = [f.log_in("otto").await, f.log_in("otto").await];
    let out = f.run_sessions(SessionsCommand::Revoke { username: user("Otto") }).await.unwrap();
    assert_eq!(out, "sessions of otto ended (2 removed)\n");
    for session in &sessions {
        assert!(!f.refreshable(session).await && f.ended_by_user(session).await);
    }
    let otto = f.users().get_user("otto").await.unwrap().unwrap();
    assert!(!otto.disabled && f.password_matches("otto", PASSWORD).await, "the user is as it was");
    let list = f.run_sessions(SessionsCommand::List { username: user("otto") }).await.unwrap();
    assert_eq!(list.lines().count(), 1, "{list}");
    let again = f.run_sessions(SessionsCommand::Revoke { username: user("otto") }).await.unwrap();
    assert_eq!(again, "sessions of otto ended (0 removed)\n");
}

#[tokio::test]
async fn init_is_a_no_op_for_the_embedded_store_and_secret_prints_64_hex() {
    let f = Fixture::new().await;
    let out = f.run_with(Command::Init, "", &mut ScriptedPrompt::none()).await.unwrap();
    assert!(out.starts_with("embedded store ") && out.contains(DATABASE_FILE) && out.contains("ready"), "{out}");
    let secret = f.run_with(Command::Secret, "", &mut ScriptedPrompt::none()).await.unwrap();
    let secret = secret.strip_suffix('\n').unwrap();
    assert_eq!(secret.len(), 64);
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[tokio::test]
async fn a_corrupt_store_item_is_exit_code_1() {
    let f = Fixture::new().await;
    let Store::Embedded(sqlite) = &f.store else { panic!("embedded") };
    rusqlite::Connection::open(sqlite.path())
        .unwrap()
        .execute(
            "INSERT INTO users (username, user_id, password_hash, roles, created_at) VALUES ('x', 'i', 'h', '{', 't')",
            [],
        )
        .unwrap();
    let err = f.run(UsersCommand::List, "").await.unwrap_err();
    assert_eq!(err.exit_code(), 1, "{err}");
}

#[tokio::test]
async fn an_unusable_data_folder_is_exit_code_5() {
    let dir = TempDir::new();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "").unwrap();
    let err = Store::open(&StoreArgs::embedded(&file), &|_| None).await.unwrap_err();
    let OpenError::Store(err) = err else { panic!("{err:?}") };
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert_eq!(AdminError::from(err).exit_code(), 5);
}
