//! The local API over HTTP, on an ephemeral port with the embedded store:
//! logins, the authorizer's 401/403/500 answers, its cache, CORS and the
//! request log.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use local_api::{RouteTable, TokenAuthorizer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Harness, Options, PASSWORD, SECRET, add_user, users};

const EXPLICIT_DENY: &str = "User is not authorized to access this resource with an explicit deny";
const NOT_ALLOWED: &str = "User is not authorized to access this resource";

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Flips one character of the signature.
fn tamper(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// An authorizer that always gives the same answer, counting its calls.
struct Fixed {
    answer: Result<Value, String>,
}

#[async_trait]
impl TokenAuthorizer for Fixed {
    async fn invoke(&self, _event: Value, _now: u64) -> Result<Value, String> {
        self.answer.clone()
    }
}

fn fixed(answer: Result<Value, String>) -> Option<Arc<dyn TokenAuthorizer>> {
    Some(Arc::new(Fixed { answer }))
}

fn policy(effect: &str, resource: &str, context: Value) -> Value {
    json!({
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
        "context": context
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_and_json_logins_then_hello_with_the_token() {
    let api = Harness::start(Options::default()).await;
    add_user(&api.store, "Alice", &["admin", "dev"]).await;

    let basic = api.login("ALICE", PASSWORD).await;
    let reply = api
        .send(api.client.post(api.url("/authenticate")).json(&json!({"username": "alice", "password": PASSWORD})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["token_type"], "Bearer");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(reply.header("x-amzn-requestid").is_some());
    let json_token = reply.json()["access_token"].as_str().unwrap().to_string();

    for token in [&basic, &json_token] {
        let hello = api.hello(Some(&bearer(token))).await;
        assert_eq!(hello.status, StatusCode::OK, "{}", hello.text);
        let body = hello.json();
        assert_eq!(body["message"], "Hello, alice!");
        assert_eq!(body["user"]["username"], "alice");
        assert_eq!(body["user"]["roles"], json!(["admin", "dev"]));
        let user_id = api.store.user_store().get_user("alice").await.unwrap().unwrap().user_id;
        assert_eq!(body["user"]["id"], user_id, "principalId reached hello through requestContext.authorizer");
    }
    assert_eq!(api.invocations(), 2, "one authorizer call per token");

    let lines = api.log_lines();
    assert!(lines[0].starts_with("GET /authenticate 200 ") && lines[0].ends_with("ms authorizer=none"), "{lines:?}");
    assert!(lines[1].starts_with("POST /authenticate 200 "), "{lines:?}");
    assert!(lines[2].starts_with("GET /hello 200 ") && lines[2].ends_with(" authorizer=miss"), "{lines:?}");
    for line in &lines {
        for secret in [PASSWORD, &basic, &json_token, SECRET, "Bearer", "Basic"] {
            assert!(!line.contains(secret), "{line:?} leaks {secret:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_errors_come_from_the_handler_unchanged() {
    let api = Harness::start(Options::default()).await;
    add_user(&api.store, "bob", &[]).await;
    let wrong = api.send(api.client.get(api.url("/authenticate")).basic_auth("bob", Some("wrong password"))).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["error"], "invalid_credentials");
    assert!(wrong.header("www-authenticate").unwrap().starts_with("Basic realm="));
    users(&api.store).set_disabled("bob", true).await.unwrap();
    let disabled = api.send(api.client.get(api.url("/authenticate")).basic_auth("bob", Some(PASSWORD))).await;
    assert_eq!(disabled.status, StatusCode::FORBIDDEN);
    assert_eq!(
        disabled.json(),
        json!({"error": "account_disabled", "error_description": "the account is disabled; ask an administrator"})
    );
    let media = api.send(api.client.post(api.url("/authenticate")).body("username=bob")).await;
    assert_eq!(media.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_or_malformed_identity_is_401_without_calling_the_authorizer() {
    let api = Harness::start(Options::default()).await;
    let cases: [Option<&str>; 7] = [
        None,
        Some(""),
        Some("Basic YWxpY2U6cHc="),
        Some("Bearer"),
        Some("Bearer a b"),
        Some("Bearer  abc"),
        Some("Token abc.def.ghi"),
    ];
    for authorization in cases {
        let reply = api.hello(authorization).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(reply.json(), json!({"message": "Unauthorized"}));
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"), "gateway answers carry CORS");
        assert_eq!(reply.header("x-amzn-errortype"), Some("UnauthorizedException"));
        assert_eq!(api.last_log_line().split(' ').next_back(), Some("authorizer=none"));
    }
    assert_eq!(api.invocations(), 0, "the identity validation expression stops them before the authorizer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_token_is_401_and_never_cached() {
    let api = Harness::start(Options::default()).await;
    add_user(&api.store, "carol", &[]).await;
    let token = api.login("carol", PASSWORD).await;
    let tampered = bearer(&tamper(&token));
    for expected_calls in [1, 2] {
        let reply = api.hello(Some(&tampered)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.json(), json!({"message": "Unauthorized"}));
        assert_eq!(api.invocations(), expected_calls, "Unauthorized is not cached");
        assert!(api.last_log_line().ends_with("authorizer=miss"));
    }
    assert_eq!(api.hello(Some(&bearer(&token))).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_are_cached_for_the_ttl_on_the_injected_clock() {
    let api = Harness::start(Options::default()).await;
    add_user(&api.store, "dave", &[]).await;
    let token = bearer(&api.login("dave", PASSWORD).await);
    assert_eq!(api.hello(Some(&token)).await.status, StatusCode::OK);
    assert_eq!(api.invocations(), 1);
    assert!(api.last_log_line().ends_with("authorizer=miss"));
    api.clock.advance(299);
    let cached = api.hello(Some(&token)).await;
    assert_eq!(cached.status, StatusCode::OK);
    assert_eq!(cached.json()["user"]["username"], "dave", "the cached context reaches the handler");
    assert_eq!(api.invocations(), 1, "a second call within the TTL does not invoke the authorizer");
    assert!(api.last_log_line().ends_with("authorizer=hit"));
    api.clock.advance(1);
    assert_eq!(api.hello(Some(&token)).await.status, StatusCode::OK);
    assert_eq!(api.invocations(), 2, "after the TTL the authorizer runs again");
    assert!(api.last_log_line().ends_with("authorizer=miss"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_401_when_fresh_but_a_cached_decision_outlives_it() {
    // A 60 s token behind the default 300 s cache. The leeway is 5 s, not 0:
    // authenticate stamps iat from the wall clock while the emulator's clock
    // is injected, and a login that crosses a second boundary would otherwise
    // make a fresh token look issued in the future.
    let env = vec![("JWT_TTL", "60s".to_string()), ("JWT_LEEWAY", "5s".to_string())];
    let api = Harness::start(Options { env, ..Options::default() }).await;
    add_user(&api.store, "erin", &[]).await;
    let token = bearer(&api.login("erin", PASSWORD).await);
    assert_eq!(api.hello(Some(&token)).await.status, StatusCode::OK);
    api.clock.advance(120);
    assert_eq!(
        api.hello(Some(&token)).await.status,
        StatusCode::OK,
        "as on AWS, the cache answers for the expired token"
    );
    assert!(api.last_log_line().ends_with("authorizer=hit"));
    api.clock.advance(180);
    let expired = api.hello(Some(&token)).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "once the cache entry is gone the token is checked");
    assert!(api.last_log_line().ends_with("authorizer=miss"));

    // With the cache off, expiry shows at once (past the TTL and the leeway).
    let env = vec![("JWT_TTL", "60s".to_string()), ("JWT_LEEWAY", "5s".to_string())];
    let api = Harness::start(Options { env, authorizer_ttl: Some(0), ..Options::default() }).await;
    add_user(&api.store, "erin", &[]).await;
    let token = bearer(&api.login("erin", PASSWORD).await);
    assert_eq!(api.hello(Some(&token)).await.status, StatusCode::OK);
    assert_eq!(api.hello(Some(&token)).await.status, StatusCode::OK);
    assert_eq!(api.invocations(), 2, "TTL 0 caches nothing");
    api.clock.advance(66);
    assert_eq!(api.hello(Some(&token)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deny_policy_is_403_and_cached() {
    let deny = policy("Deny", "arn:aws:execute-api:*:*:local/local/*/*", json!({}));
    let api = Harness::start(Options { authorizer: fixed(Ok(deny)), ..Options::default() }).await;
    for _ in 0..2 {
        let reply = api.hello(Some("Bearer anything")).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(reply.json(), json!({"Message": EXPLICIT_DENY}));
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    }
    assert_eq!(api.invocations(), 1, "a Deny is cached like an Allow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allow_for_another_api_does_not_cover_the_local_route() {
    // check-token allows exactly API_GATEWAY_ARN, which names another API.
    let env = vec![("API_GATEWAY_ARN", "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*".to_string())];
    let api = Harness::start(Options { env, ..Options::default() }).await;
    add_user(&api.store, "frank", &[]).await;
    let token = bearer(&api.login("frank", PASSWORD).await);
    let reply = api.hello(Some(&token)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json(), json!({"Message": NOT_ALLOWED}));
    assert_eq!(reply.header("x-amzn-errortype"), Some("AccessDeniedException"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizer_failures_and_invalid_answers_are_500_and_not_cached() {
    let mut missing_principal = policy("Allow", "*", json!({}));
    missing_principal.as_object_mut().unwrap().remove("principalId");
    let answers = [
        Err("boom".to_string()),
        Err("unauthorized".to_string()),
        Ok(missing_principal),
        Ok(policy("Allow", "*", json!({"user": {"id": 1}}))),
        Ok(policy("Allow", "*", json!({"roles": ["a"]}))),
        Ok(json!({"principalId": "u", "policyDocument": "Allow"})),
    ];
    for answer in answers {
        let api = Harness::start(Options { authorizer: fixed(answer.clone()), ..Options::default() }).await;
        for calls in [1, 2] {
            let reply = api.hello(Some("Bearer abc")).await;
            assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{answer:?}");
            assert_eq!(reply.json(), json!({"message": null}));
            assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
            assert_eq!(api.invocations(), calls, "{answer:?} is not cached");
        }
    }
}

/// Allows exactly the method ARN it is called for: the classic mistake.
struct OneMethodOnly {
    calls: AtomicU64,
}

#[async_trait]
impl TokenAuthorizer for OneMethodOnly {
    async fn invoke(&self, event: Value, _now: u64) -> Result<Value, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let method_arn = event["methodArn"].as_str().unwrap();
        Ok(policy("Allow", method_arn, json!({"username": "alice", "roles": ""})))
    }
}

const TWO_ROUTES: &str = r#"
custom:
  access:
    'GET /hello': ['*']
    'POST /hello': ['*']
functions:
  authenticate:
    events:
      - http: GET authenticate
  hello:
    events:
      - http: { path: hello, method: get, authorizer: { name: checkToken, resultTtlInSeconds: 300 } }
      - http: { path: hello, method: post, authorizer: { name: checkToken, resultTtlInSeconds: 300 } }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_policy_for_one_method_is_403_on_the_next_route() {
    let routes = RouteTable::parse(TWO_ROUTES).unwrap();
    let authorizer = Arc::new(OneMethodOnly { calls: AtomicU64::new(0) });
    let api =
        Harness::start(Options { routes: Some(routes), authorizer: Some(authorizer.clone()), ..Options::default() })
            .await;
    assert_eq!(api.call(Method::GET, "/hello", Some("Bearer t")).await.status, StatusCode::OK);
    let post = api.call(Method::POST, "/hello", Some("Bearer t")).await;
    assert_eq!(post.status, StatusCode::FORBIDDEN, "the policy cached for GET /hello does not cover POST /hello");
    assert_eq!(post.json(), json!({"Message": NOT_ALLOWED}));
    assert!(api.last_log_line().ends_with("authorizer=hit"));
    assert_eq!(authorizer.calls.load(Ordering::SeqCst), 1);

    // check-token's policy names every route the token's roles may call, so both work.
    let api =
        Harness::start(Options { routes: Some(RouteTable::parse(TWO_ROUTES).unwrap()), ..Options::default() }).await;
    add_user(&api.store, "alice", &[]).await;
    let token = bearer(&api.login("alice", PASSWORD).await);
    assert_eq!(api.call(Method::GET, "/hello", Some(&token)).await.status, StatusCode::OK);
    assert_eq!(api.call(Method::POST, "/hello", Some(&token)).await.status, StatusCode::OK);
    assert_eq!(api.invocations(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_methods_are_missing_authentication_token() {
    let api = Harness::start(Options::default()).await;
    for (method, path) in [
        (Method::GET, "/"),
        (Method::GET, "/nope"),
        (Method::POST, "/hello"),
        (Method::DELETE, "/authenticate"),
        (Method::GET, "/hello/extra"),
        (Method::OPTIONS, "/nope"),
    ] {
        let reply = api.call(method.clone(), path, Some("Bearer abc")).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(reply.json(), json!({"message": "Missing Authentication Token"}));
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    }
    assert_eq!(api.invocations(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_preflight_and_origin() {
    let env = vec![("CORS_ALLOW_ORIGIN", "https://app.example.com".to_string())];
    let api = Harness::start(Options { env, ..Options::default() }).await;
    let expected_headers = "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent";
    for (path, methods) in [("/authenticate", "GET,OPTIONS,POST"), ("/hello", "GET,OPTIONS")] {
        let request = api
            .client
            .request(Method::OPTIONS, api.url(path))
            .header("Origin", "https://app.example.com")
            .header("Access-Control-Request-Method", "GET");
        let reply = api.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.header("access-control-allow-origin"), Some("https://app.example.com"));
        assert_eq!(reply.header("access-control-allow-methods"), Some(methods));
        assert_eq!(reply.header("access-control-allow-headers"), Some(expected_headers));
    }
    assert_eq!(api.invocations(), 0, "a preflight never calls the authorizer");
    let unauthorized = api.hello(None).await;
    assert_eq!(unauthorized.header("access-control-allow-origin"), Some("https://app.example.com"));
    let login = api.send(api.client.get(api.url("/authenticate"))).await;
    assert_eq!(login.header("access-control-allow-origin"), Some("https://app.example.com"));
}
