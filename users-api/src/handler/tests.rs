use common::password::{Params, PasswordHasher};
use common::store::memory::MemoryUserStore;
use common::store::{LockoutPolicy, UserDirectory};
use serde_json::{Value, json};

use super::*;

const SAMPLE: &str = include_str!("../../../events/users-create.json");
const PASSWORD: &str = "correct horse battery staple";

fn api() -> (UsersApi, Arc<MemoryUserStore>) {
    let store = Arc::new(MemoryUserStore::new());
    let config = UsersApiConfig {
        cors_allow_origin: "https://app.example.com".into(),
        lockout: LockoutPolicy { max_attempts: 3, lockout_secs: 900 },
        admin_role: "admin".into(),
    };
    // argon2 at its minimum cost: these tests are about the API, not the hash.
    let cheap = PasswordHasher::with_params(Params::new(8, 1, 1, None).unwrap());
    (UsersApi::new(&config, store.clone(), cheap), store)
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
    assert!(response.headers().contains_key(RETRY_AFTER));
}
