//! The local API as an HTTP API (`--api http`): payload 2.0 events to every
//! function and to check-token, the HTTP API's answers (401 without a token,
//! 403 for `isAuthorized: false`, 500 for a failing authorizer, 404 for no
//! route), decisions cached per token and route, and its CORS.

mod support;

use std::sync::Arc;

use async_trait::async_trait;
use local_api::{ApiKind, TokenAuthorizer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Harness, Options, PASSWORD, add_user};

fn http() -> Options {
    Options { api: ApiKind::Http, ..Options::default() }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// An authorizer that always gives the same answer.
struct Fixed(Result<Value, String>);

#[async_trait]
impl TokenAuthorizer for Fixed {
    async fn invoke(&self, event: Value, _now: u64) -> Result<Value, String> {
        assert_eq!((event["version"].as_str(), event["type"].as_str()), (Some("2.0"), Some("REQUEST")));
        self.0.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_and_hello_through_an_http_api() {
    let api = Harness::start(http()).await;
    add_user(&api.store, "alice", &["dev"]).await;
    // authenticate gets payload 2.0 events: Basic, JSON, the token endpoint.
    let token = api.login("alice", PASSWORD).await;
    let json_login = api
        .send(api.client.post(api.url("/authenticate")).json(&json!({"username": "alice", "password": PASSWORD})))
        .await;
    assert_eq!(json_login.status, StatusCode::OK, "{}", json_login.text);
    let refresh = json_login.json()["refresh_token"].as_str().unwrap().to_string();
    let refreshed = api
        .send(api.client.post(api.url("/token")).form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]))
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);

    // hello reads the caller from requestContext.authorizer.lambda.
    let hello = api.hello(Some(&bearer(&token))).await;
    assert_eq!(hello.status, StatusCode::OK, "{}", hello.text);
    assert_eq!(hello.json()["user"]["username"], "alice");
    assert_eq!(hello.json()["user"]["roles"], json!(["dev"]));
    assert_eq!(api.invocations(), 1);
    assert!(api.last_log_line().ends_with("authorizer=miss"));
    assert_eq!(api.hello(Some(&bearer(&token))).await.status, StatusCode::OK);
    assert_eq!(api.invocations(), 1, "cached for the same token and route");
    assert!(api.last_log_line().ends_with("authorizer=hit"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_apis_own_answers() {
    let api = Harness::start(http()).await;
    add_user(&api.store, "bob", &[]).await;
    let token = api.login("bob", PASSWORD).await;

    // No token: 401 without invoking the authorizer.
    let missing = api.hello(None).await;
    assert_eq!((missing.status, missing.json()), (StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"})));
    assert_eq!(api.invocations(), 0);

    // A bad token, or another scheme (an HTTP API has no validation
    // expression): the authorizer says no, 403.
    let mut tampered = token.clone();
    tampered.push('x');
    for authorization in [bearer(&tampered), "Basic Ym9iOnB3".to_string(), "Bearer".to_string()] {
        let refused = api.hello(Some(&authorization)).await;
        assert_eq!((refused.status, refused.json()), (StatusCode::FORBIDDEN, json!({"message": "Forbidden"})));
    }
    assert_eq!(api.invocations(), 3);

    // No route.
    let nowhere = api.call(Method::GET, "/nowhere", None).await;
    assert_eq!((nowhere.status, nowhere.json()), (StatusCode::NOT_FOUND, json!({"message": "Not Found"})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_is_per_route_and_so_is_the_cache() {
    let api = Harness::start(http()).await;
    add_user(&api.store, "root", &["admin"]).await;
    add_user(&api.store, "carol", &["dev"]).await;
    let carol = bearer(&api.login("carol", PASSWORD).await);
    let root = bearer(&api.login("root", PASSWORD).await);

    // carol may call /hello but not the management API: a decision cached
    // for one route never answers for another.
    assert_eq!(api.hello(Some(&carol)).await.status, StatusCode::OK);
    let users = api.call(Method::GET, "/users", Some(&carol)).await;
    assert_eq!((users.status, users.json()), (StatusCode::FORBIDDEN, json!({"message": "Forbidden"})));
    assert_eq!(api.invocations(), 2, "one decision per route");
    assert_eq!(api.call(Method::GET, "/users", Some(&carol)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(api.invocations(), 2, "the refusal is cached for its route");
    assert!(api.last_log_line().ends_with("authorizer=hit"));

    // root may; users-api reads the caller from the HTTP API's context.
    let listed = api.call(Method::GET, "/users", Some(&root)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let disabled = api
        .send(
            api.client
                .request(Method::PATCH, api.url("/users/carol"))
                .header("Authorization", &root)
                .json(&json!({"disabled": true})),
        )
        .await;
    assert_eq!((disabled.status, disabled.json()["disabled"].clone()), (StatusCode::OK, json!(true)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizer_failures_are_500_and_not_cached() {
    for answer in [Err("boom".to_string()), Ok(json!({"isAuthorized": "yes"})), Ok(json!({"principalId": "u"}))] {
        let authorizer: Arc<dyn TokenAuthorizer> = Arc::new(Fixed(answer.clone()));
        let api = Harness::start(Options { authorizer: Some(authorizer), ..http() }).await;
        for expected_calls in [1, 2] {
            let reply = api.hello(Some("Bearer anything")).await;
            assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{answer:?}");
            assert_eq!(reply.json(), json!({"message": "Internal Server Error"}));
            assert_eq!(api.invocations(), expected_calls, "failures are not cached: {answer:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_the_http_apis_configuration() {
    let api = Harness::start(http()).await;
    let preflight = api
        .send(
            api.client
                .request(Method::OPTIONS, api.url("/hello"))
                .header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "GET"),
        )
        .await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    assert!(preflight.header("access-control-allow-headers").is_some_and(|h| h.contains("Authorization")));
    let refused = api.send(api.client.get(api.url("/hello")).header("Origin", "https://app.example")).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.header("access-control-allow-origin"), Some("*"), "on the API's own answers too");
}
