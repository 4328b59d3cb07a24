use common::password::{Params, PasswordHasher};
use common::session::{RefreshToken, SECRET_BYTES, SESSION_ID_BYTES, Session, session_id};
use common::store::memory::{MemorySessionStore, MemoryUserStore};
use common::store::{LockoutPolicy, UserDirectory};
use serde_json::{Value, json};

use super::*;

const SAMPLE: &str = include_str!("../../../events/users-create.json");
const PASSWORD: &str = "correct horse battery staple";

fn api() -> (UsersApi, Arc<MemoryUserStore>) {
    let (api, store, _) = api_with_sessions();
    (api, store)
}

fn api_with_sessions() -> (UsersApi, Arc<MemoryUserStore>, Arc<MemorySessionStore>) {
    let (store, sessions) = (Arc::new(MemoryUserStore::new()), Arc::new(MemorySessionStore::new()));
    let config = UsersApiConfig {
        cors_allow_origin: "https://app.example.com".into(),
        lockout: LockoutPolicy { max_attempts: 3, lockout_secs: 900 },
        admin_role: "admin".into(),
    };
    // argon2 at its minimum cost: these tests are about the API, not the hash.
    let cheap = PasswordHasher::with_params(Params::new(8, 1, 1, None).unwrap());
    (UsersApi::new(&config, store.clone(), sessions.clone(), cheap), store, sessions)
}

async fn seed(api: &UsersApi, username: &str, roles: &[&str]) {
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    api.users.add(username, PASSWORD, &roles, now_epoch_seconds()).await.unwrap();
}

/// A request as API Gateway passes it behind the authorizer: the caller's
/// roles in the context, the route's resource path and its parameters.
fn request(method: &str, resource: &str, username: Option<&str>, body: Option<Value>, caller: (&str, &str)) -> Request {
    let mut event: Value = serde_json::from_str(SAMPLE).unwrap();
    let path = match username {
        Some(name) => resource.replace("{username}", name),
        None => resource.to_string(),
    };
    event["resource"] = json!(resource);
    event["path"] = json!(path);
    event["httpMethod"] = json!(method);
    event["requestContext"]["resourcePath"] = json!(resource);
    event["requestContext"]["httpMethod"] = json!(method);
    event["requestContext"]["authorizer"]["username"] = json!(caller.0);
    event["requestContext"]["authorizer"]["roles"] = json!(caller.1);
    event["pathParameters"] = username.map_or(Value::Null, |name| json!({ "username": name }));
    event["body"] = body.map_or(Value::Null, |b| json!(b.to_string()));
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

const ADMIN: (&str, &str) = ("root", "admin,dev");
const VIEWER: (&str, &str) = ("vera", "viewer");

async fn send(api: &UsersApi, request: Request) -> (StatusCode, Value, Response<Body>) {
    let response = api.handle(request).await.unwrap();
    let body = match response.body() {
        Body::Text(text) => serde_json::from_str(text).unwrap(),
        Body::Empty => Value::Null,
        other => panic!("unexpected body {other:?}"),
    };
    (response.status(), body, response)
}

#[tokio::test]
async fn the_sample_event_creates_a_user() {
    let (api, store) = api();
    let (status, body, response) = send(&api, lambda_http::request::from_str(SAMPLE).unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(response.headers()[LOCATION], "users/bob");
    assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
    assert_eq!(body["username"], "bob");
    assert_eq!(body["roles"], json!(["viewer"]));
    assert_eq!(body["disabled"], false);
    assert_eq!(body["locked_until"], Value::Null);
    assert!(body.get("password_hash").is_none() && body.get("failed_logins").is_none());
    let user_id = store.get_user("bob").await.unwrap().unwrap().user_id;
    assert_eq!(body["user_id"], user_id);
}

#[tokio::test]
async fn an_administrator_manages_users_from_creation_to_deletion() {
    let (api, store) = api();
    let created = json!({"username": "Carol Ann", "password": PASSWORD, "roles": ["viewer"]});
    let (status, _, response) = send(&api, request("POST", "/users", None, Some(created), ADMIN)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(response.headers()[LOCATION], "users/carol%20ann", "lowercased, percent-encoded");
    seed(&api, "alice", &["admin"]).await;

    let (status, list, _) = send(&api, request("GET", "/users", None, None, ADMIN)).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = list["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["alice", "carol ann"], "sorted");

    let (status, carol, _) = send(&api, request("GET", "/users/{username}", Some("CAROL ANN"), None, ADMIN)).await;
    assert_eq!((status, carol["username"].clone()), (StatusCode::OK, json!("carol ann")), "normalized as at login");

    let change = json!({"roles": ["ops", "viewer"], "disabled": true, "password": "another long password"});
    let (status, changed, _) =
        send(&api, request("PATCH", "/users/{username}", Some("carol ann"), Some(change), ADMIN)).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!((changed["roles"].clone(), changed["disabled"].clone()), (json!(["ops", "viewer"]), json!(true)));
    let stored = store.get_user("carol ann").await.unwrap().unwrap();
    assert!(api.users.get("carol ann").await.is_ok());
    assert!(matches!(
        PasswordHasher::owasp().verify("another long password", &stored.password_hash),
        Ok(common::password::PasswordCheck::Match { .. })
    ));

    store.update_user("carol ann", common::store::UserChange::Disabled(false)).await.unwrap();
    let mut locked = stored.clone();
    locked.locked_until = Some(now_epoch_seconds() + 600);
    store.delete_user("carol ann").await.unwrap();
    store.create_user(&locked).await.unwrap();
    let (_, shown, _) = send(&api, request("GET", "/users/{username}", Some("carol ann"), None, ADMIN)).await;
    assert_eq!(shown["locked_until"], json!(locked.locked_until.unwrap()));
    let (status, unlocked, _) =
        send(&api, request("POST", "/users/{username}/unlock", Some("carol ann"), None, ADMIN)).await;
    assert_eq!((status, unlocked["locked_until"].clone()), (StatusCode::OK, Value::Null));

    let (status, body, response) =
        send(&api, request("DELETE", "/users/{username}", Some("carol ann"), None, ADMIN)).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    assert!(!response.headers().contains_key("content-type"));
    assert_eq!(store.get_user("carol ann").await.unwrap(), None);
}

/// A name with whitespace at an end, or a password of only whitespace, is a
/// 400 saying so, on every route that creates a user or sets a password.
#[tokio::test]
async fn whitespace_names_and_blank_passwords_are_refused_everywhere() {
    let (api, store) = api();
    seed(&api, "vera", &["viewer"]).await;
    let blank = "          ";
    let cases = [
        (
            request("POST", "/users", None, Some(json!({"username": " spaced ", "password": PASSWORD})), ADMIN),
            "the username starts or ends with whitespace",
        ),
        (
            request("POST", "/users", None, Some(json!({"username": "new", "password": blank})), ADMIN),
            "the password is only whitespace",
        ),
        (
            request("PATCH", "/users/{username}", Some("vera"), Some(json!({"password": blank})), ADMIN),
            "the password is only whitespace",
        ),
        (
            request(
                "PUT",
                "/me/password",
                None,
                Some(json!({"current_password": PASSWORD, "new_password": blank})),
                VIEWER,
            ),
            "the password is only whitespace",
        ),
    ];
    let before = store.get_user("vera").await.unwrap().unwrap();
    for (request, description) in cases {
        let (status, body, _) = send(&api, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body, json!({"error": "invalid_request", "error_description": description}));
    }
    assert_eq!(store.get_user("vera").await.unwrap().unwrap(), before, "nothing changed");
    assert_eq!(store.list_users().await.unwrap().len(), 1, "nobody created");
}

#[tokio::test]
async fn refusals_name_the_problem_in_the_uniform_body() {
    let (api, _) = api();
    seed(&api, "alice", &[]).await;
    let cases = [
        (
            request("POST", "/users", None, Some(json!({"username": "alice", "password": PASSWORD})), ADMIN),
            StatusCode::CONFLICT,
            "user_exists",
        ),
        (
            request("POST", "/users", None, Some(json!({"username": "a:b", "password": PASSWORD})), ADMIN),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            request("POST", "/users", None, Some(json!({"username": "new", "password": "short"})), ADMIN),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            request(
                "POST",
                "/users",
                None,
                Some(json!({"username": "new", "password": PASSWORD, "roles": ["a,b"]})),
                ADMIN,
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            request(
                "POST",
                "/users",
                None,
                Some(json!({"username": "new", "password": PASSWORD, "admin": true})),
                ADMIN,
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (request("GET", "/users/{username}", Some("ghost"), None, ADMIN), StatusCode::NOT_FOUND, "not_found"),
        (request("DELETE", "/users/{username}", Some("ghost"), None, ADMIN), StatusCode::NOT_FOUND, "not_found"),
        (request("POST", "/users/{username}/unlock", Some("ghost"), None, ADMIN), StatusCode::NOT_FOUND, "not_found"),
        (
            request("PATCH", "/users/{username}", Some("ghost"), Some(json!({"disabled": true})), ADMIN),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            request("PATCH", "/users/{username}", Some("alice"), Some(json!({})), ADMIN),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (request, status, error) in cases {
        let (got, body, _) = send(&api, request).await;
        assert_eq!((got, body["error"].as_str()), (status, Some(error)), "{body}");
        assert!(body["error_description"].is_string(), "{body}");
    }
}

/// A bad field in a change leaves the user as it was: nothing is half-applied.
#[tokio::test]
async fn a_change_is_checked_whole_before_any_write() {
    let (api, store) = api();
    seed(&api, "alice", &["viewer"]).await;
    let change = json!({"roles": ["admin"], "password": "short"});
    let (status, _, _) = send(&api, request("PATCH", "/users/{username}", Some("alice"), Some(change), ADMIN)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(store.get_user("alice").await.unwrap().unwrap().roles, ["viewer"]);
}

#[tokio::test]
async fn only_administrators_reach_the_user_routes_whatever_the_access_table() {
    let (api, store) = api();
    seed(&api, "alice", &[]).await;
    for (method, resource, username) in [
        ("GET", "/users", None),
        ("POST", "/users", None),
        ("GET", "/users/{username}", Some("alice")),
        ("PATCH", "/users/{username}", Some("alice")),
        ("DELETE", "/users/{username}", Some("alice")),
        ("POST", "/users/{username}/unlock", Some("alice")),
    ] {
        let body = json!({"username": "x", "password": PASSWORD, "disabled": true});
        let (status, refused, _) = send(&api, request(method, resource, username, Some(body), VIEWER)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {resource}");
        assert_eq!(refused["error"], "forbidden");
        assert_eq!(refused["error_description"], "this route needs the role admin");
    }
    assert!(store.get_user("alice").await.unwrap().is_some(), "nothing happened");
    let mut no_context: Value = serde_json::from_str(SAMPLE).unwrap();
    no_context["requestContext"]["authorizer"] = Value::Null;
    let (status, body, _) = send(&api, lambda_http::request::from_str(&no_context.to_string()).unwrap()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::INTERNAL_SERVER_ERROR, Some("server_error")));
}

#[tokio::test]
async fn a_caller_changes_its_own_password_with_the_current_one() {
    let (api, store) = api();
    seed(&api, "vera", &["viewer"]).await;
    let me = |current: &str, new: &str| {
        let body = json!({"current_password": current, "new_password": new});
        request("PUT", "/me/password", None, Some(body), VIEWER)
    };
    let (status, body, _) = send(&api, me(PASSWORD, "a brand new password")).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let hash = store.get_user("vera").await.unwrap().unwrap().password_hash;
    assert!(matches!(
        PasswordHasher::owasp().verify("a brand new password", &hash),
        Ok(common::password::PasswordCheck::Match { .. })
    ));

    let (status, body, _) = send(&api, me("not it", "yet another password")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")));
    assert_eq!(store.get_user("vera").await.unwrap().unwrap().failed_logins, 1, "counted as a failed login");
    let (status, body, _) = send(&api, me("a brand new password", "short")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    // Two more wrong ones reach the limit of three: locked, even for the right password.
    send(&api, me("not it", "yet another password")).await;
    send(&api, me("not it", "yet another password")).await;
    let (status, body, response) = send(&api, me("a brand new password", "yet another password")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")));
    assert_eq!(
        body["error_description"], "too many login attempts; try again after the seconds in Retry-After",
        "the same words as authenticate's"
    );
    assert!(response.headers().contains_key(RETRY_AFTER));
}

/// A session as a login of this user starts it at `at_ms`, stored.
async fn log_in_at(store: &MemoryUserStore, sessions: &MemorySessionStore, name: &str, n: u8, at_ms: u64) -> Session {
    let user = store.get_user(name).await.unwrap().unwrap();
    let id = session_id([n; SESSION_ID_BYTES]);
    let token = RefreshToken::new(&id, [n; SECRET_BYTES]).unwrap();
    let session = Session::start(id, &user, &token, at_ms, 3600);
    sessions.create_session(&session).await.unwrap();
    session
}

async fn log_in(store: &MemoryUserStore, sessions: &MemorySessionStore, name: &str, n: u8) -> Session {
    log_in_at(store, sessions, name, n, common::clock::now_epoch_millis()).await
}

/// What a refresh would find: the session still stored, and its user letting it go on.
async fn refreshable(store: &MemoryUserStore, sessions: &MemorySessionStore, session: &Session) -> bool {
    let stored = sessions.get_session(&session.session_id).await.unwrap();
    let user = store.get_user(&session.username).await.unwrap();
    stored.is_some_and(|stored| stored.still_valid_for(user.as_ref()))
}

#[tokio::test]
async fn disabling_deleting_or_a_new_password_ends_the_users_sessions() {
    let (api, store, sessions) = api_with_sessions();
    for name in ["alice", "bob", "carol", "vera", "dave"] {
        seed(&api, name, &["viewer"]).await;
    }
    let me = json!({"current_password": PASSWORD, "new_password": "a brand new password"});
    let cases = [
        ("alice", request("PATCH", "/users/{username}", Some("alice"), Some(json!({"disabled": true})), ADMIN)),
        (
            "bob",
            request("PATCH", "/users/{username}", Some("bob"), Some(json!({"password": "x long password"})), ADMIN),
        ),
        ("carol", request("DELETE", "/users/{username}", Some("carol"), None, ADMIN)),
        ("vera", request("PUT", "/me/password", None, Some(me), VIEWER)),
    ];
    let bystander = log_in(&store, &sessions, "dave", 200).await;
    for (n, (name, request)) in (1..).zip(cases) {
        let ended = [log_in(&store, &sessions, name, n).await, log_in(&store, &sessions, name, n + 100).await];
        assert!(refreshable(&store, &sessions, &ended[0]).await);
        let (status, body, _) = send(&api, request).await;
        assert!(status.is_success(), "{name}: {status} {body}");
        for session in &ended {
            assert!(!refreshable(&store, &sessions, session).await, "{name}");
            assert!(sessions.get_session(&session.session_id).await.unwrap().is_none(), "{name}: item deleted");
            let user = store.get_user(name).await.unwrap();
            assert!(!session.still_valid_for(user.as_ref()), "{name}: refused even were its item still there");
        }
    }
    assert!(refreshable(&store, &sessions, &bystander).await, "other users' sessions go on");
    assert!(sessions.get_session(&bystander.session_id).await.unwrap().is_some());
}

#[tokio::test]
async fn enabling_again_revives_no_session_and_a_roles_change_ends_none() {
    let (api, store, sessions) = api_with_sessions();
    seed(&api, "alice", &["viewer"]).await;
    let old = log_in(&store, &sessions, "alice", 1).await;
    let patch = |body: Value| request("PATCH", "/users/{username}", Some("alice"), Some(body), ADMIN);
    assert_eq!(send(&api, patch(json!({"disabled": true}))).await.0, StatusCode::OK);
    assert_eq!(send(&api, patch(json!({"disabled": false}))).await.0, StatusCode::OK);
    let user = store.get_user("alice").await.unwrap().unwrap();
    assert!(!user.disabled && !old.still_valid_for(Some(&user)), "ended for good");

    // Roles are read again at each refresh: changing them needs no session to end.
    let kept = log_in_at(&store, &sessions, "alice", 2, user.sessions_revoked_at.unwrap() + 1).await;
    assert_eq!(send(&api, patch(json!({"roles": ["ops"]}))).await.0, StatusCode::OK);
    assert!(refreshable(&store, &sessions, &kept).await);
}
