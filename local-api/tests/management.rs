//! The management API and the access table through the local API: the routes
//! of serverless.yml, check-token's route-scoped policies, API Gateway's
//! cache applied to every route, and the function's own role check.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Harness, Options, PASSWORD, add_user};

const NOT_ALLOWED: &str = "User is not authorized to access this resource";

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

impl Harness {
    async fn json_call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> support::Reply {
        let mut request = self.client.request(method, self.url(path)).header("Authorization", bearer(token));
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_manages_users_over_http() {
    let api = Harness::start(Options::default()).await;
    add_user(&api.store, "root", &["admin"]).await;
    let root = api.login("root", PASSWORD).await;

    let created = api
        .json_call(
            Method::POST,
            "/users",
            &root,
            Some(json!({"username": "Bob", "password": PASSWORD, "roles": ["viewer"]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.header("location"), Some("users/bob"));
    assert_eq!(created.json()["roles"], json!(["viewer"]));
    let again =
        api.json_call(Method::POST, "/users", &root, Some(json!({"username": "bob", "password": PASSWORD}))).await;
    assert_eq!((again.status, again.json()["error"].clone()), (StatusCode::CONFLICT, json!("user_exists")));

    let list = api.json_call(Method::GET, "/users", &root, None).await;
    let names: Vec<Value> = list.json()["users"].as_array().unwrap().iter().map(|u| u["username"].clone()).collect();
    assert_eq!(names, [json!("bob"), json!("root")]);
    assert!(!list.text.contains("argon2"), "never a hash");

    let shown = api.json_call(Method::GET, "/users/BOB", &root, None).await;
    assert_eq!((shown.status, shown.json()["username"].clone()), (StatusCode::OK, json!("bob")));
    assert_eq!(api.json_call(Method::GET, "/users/nobody", &root, None).await.status, StatusCode::NOT_FOUND);

    let changed = api.json_call(Method::PATCH, "/users/bob", &root, Some(json!({"disabled": true}))).await;
    assert_eq!((changed.status, changed.json()["disabled"].clone()), (StatusCode::OK, json!(true)));
    let refused = api.send(api.client.get(api.url("/authenticate")).basic_auth("bob", Some(PASSWORD))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "disabled over HTTP: its logins are refused");
    api.json_call(Method::PATCH, "/users/bob", &root, Some(json!({"disabled": false}))).await;

    for _ in 0..5 {
        api.send(api.client.get(api.url("/authenticate")).basic_auth("bob", Some("wrong password"))).await;
    }
    let locked = api.json_call(Method::GET, "/users/bob", &root, None).await;
    assert!(locked.json()["locked_until"].is_u64(), "{}", locked.text);
    let unlocked = api.json_call(Method::POST, "/users/bob/unlock", &root, None).await;
    assert_eq!((unlocked.status, unlocked.json()["locked_until"].clone()), (StatusCode::OK, Value::Null));
    assert!(!api.login("bob", PASSWORD).await.is_empty(), "unlocked over HTTP");

    let deleted = api.json_call(Method::DELETE, "/users/bob", &root, None).await;
    assert_eq!((deleted.status, deleted.text.as_str()), (StatusCode::NO_CONTENT, ""));
    assert_eq!(api.json_call(Method::GET, "/users/bob", &root, None).await.status, StatusCode::NOT_FOUND);
}

/// The gateway refuses before the function runs: the policy names only the
/// routes of the token's roles, and the answer cached for /hello applies to
/// every route without calling the authorizer again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_the_role_gets_403_on_every_management_route_and_200_on_hello() {
    let api = Harness::start(Options::default()).await;
    add_user(&api.store, "vera", &["viewer"]).await;
    let vera = api.login("vera", PASSWORD).await;
    assert_eq!(api.hello(Some(&bearer(&vera))).await.status, StatusCode::OK, "first call: /hello, an Allow cached");
    for (method, path) in [
        (Method::GET, "/users"),
        (Method::POST, "/users"),
        (Method::GET, "/users/vera"),
        (Method::PATCH, "/users/vera"),
        (Method::DELETE, "/users/vera"),
        (Method::POST, "/users/vera/unlock"),
    ] {
        let reply = api.json_call(method.clone(), path, &vera, Some(json!({"disabled": true}))).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(reply.json(), json!({"Message": NOT_ALLOWED}), "API Gateway's own answer: {method} {path}");
        assert!(api.last_log_line().ends_with("authorizer=hit"), "the cached decision answered");
    }
    assert_eq!(api.invocations(), 1);
    assert_eq!(api.hello(Some(&bearer(&vera))).await.status, StatusCode::OK);
    assert!(!api.store.user_store().get_user("vera").await.unwrap().unwrap().disabled);

    // The same with the cache off: each refusal comes from a fresh policy.
    let uncached = Harness::start(Options { authorizer_ttl: Some(0), ..Options::default() }).await;
    add_user(&uncached.store, "vera", &["viewer"]).await;
    let token = uncached.login("vera", PASSWORD).await;
    assert_eq!(uncached.json_call(Method::GET, "/users", &token, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(uncached.hello(Some(&bearer(&token))).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_roles_take_effect_with_the_next_token() {
    let api = Harness::start(Options { authorizer_ttl: Some(0), ..Options::default() }).await;
    add_user(&api.store, "root", &["admin"]).await;
    add_user(&api.store, "vera", &["viewer"]).await;
    let root = api.login("root", PASSWORD).await;
    let before = api.login("vera", PASSWORD).await;
    assert_eq!(api.json_call(Method::GET, "/users", &before, None).await.status, StatusCode::FORBIDDEN);

    let promoted =
        api.json_call(Method::PATCH, "/users/vera", &root, Some(json!({"roles": ["viewer", "admin"]}))).await;
    assert_eq!(promoted.status, StatusCode::OK);
    assert_eq!(api.json_call(Method::GET, "/users", &before, None).await.status, StatusCode::FORBIDDEN, "old token");
    let after = api.login("vera", PASSWORD).await;
    assert_eq!(api.json_call(Method::GET, "/users", &after, None).await.status, StatusCode::OK, "new token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_caller_changes_its_own_password() {
    let api = Harness::start(Options::default()).await;
    add_user(&api.store, "vera", &[]).await;
    let token = api.login("vera", PASSWORD).await;
    let body = |current: &str| json!({"current_password": current, "new_password": "my brand new password"});
    let wrong = api.json_call(Method::PUT, "/me/password", &token, Some(body("not it"))).await;
    assert_eq!((wrong.status, wrong.json()["error"].clone()), (StatusCode::UNAUTHORIZED, json!("invalid_credentials")));
    let changed = api.json_call(Method::PUT, "/me/password", &token, Some(body(PASSWORD))).await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text);
    let login =
        api.send(api.client.get(api.url("/authenticate")).basic_auth("vera", Some("my brand new password"))).await;
    assert_eq!(login.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_management_routes_answer_the_cors_preflight() {
    let api = Harness::start(Options::default()).await;
    let preflight = api.call(Method::OPTIONS, "/users/anyone", None).await;
    assert_eq!(preflight.status, StatusCode::OK);
    assert_eq!(preflight.header("access-control-allow-methods"), Some("DELETE,GET,OPTIONS,PATCH"));
}
