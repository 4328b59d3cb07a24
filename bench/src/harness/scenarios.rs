//! What the harness sends each function and how it checks every answer.

use std::path::Path;
use std::time::Duration;

use common::clock::now_epoch_seconds;
use common::config::{IssuerConfig, KeyMaterial, Secret, TokenAudience};
use common::token::{Subject, TokenIssuer};
use serde_json::{Value, json};

use super::args::Args;
use super::es256::{Es256Input, es256_scenarios};
use super::login::{self, Login, LoginTable};
use crate::runtime_api::{FunctionSpec, Outcome};

const SECRET: &str = "bench-secret-0123456789abcdef0123456789abcdef";
const METHOD_ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123defg/prod/GET/hello";
/// The stage `METHOD_ARN` is in: check-token names it when no
/// `API_GATEWAY_ARN` is set.
const STAGE_ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123defg/prod";
/// The deployment's access table (serverless.yml's `custom.access`, adminRole
/// `admin`), as the plugin renders it into `ACCESS_RULES`: the policy is built
/// from all of it, so the authorizer does the work it does in production.
pub(crate) const ACCESS_RULES: &str = r#"{"GET /hello": ["*"], "GET /users": ["admin"], "POST /users": ["admin"],
    "GET /users/{username}": ["admin"], "PATCH /users/{username}": ["admin"], "DELETE /users/{username}": ["admin"],
    "POST /users/{username}/unlock": ["admin"], "PUT /me/password": ["*"]}"#;
/// What the benchmark tokens (roles admin, dev) may call: every route above.
const ALLOWED_ROUTES: [&str; 8] = [
    "DELETE/users/*",
    "GET/hello",
    "GET/users",
    "GET/users/*",
    "PATCH/users/*",
    "POST/users",
    "POST/users/*/unlock",
    "PUT/me/password",
];
const HELLO_EVENT: &str = include_str!("../../../events/hello.json");
/// An HTTP API authorizer event (payload 2.0) for `GET /hello`; the harness
/// puts each token in its `authorization` header and `identitySource`.
const HTTP_AUTHORIZER_EVENT: &str = include_str!("../../../events/check-token-http.json");
/// Distinct tokens sent round-robin, as API Gateway's cache would let through.
const TOKENS: usize = 64;

pub(crate) type EventFn = Box<dyn Fn(usize) -> Vec<u8>>;
pub(crate) type CheckFn = Box<dyn Fn(usize, &Outcome) -> Result<(), String>>;

pub(crate) struct Scenario {
    /// Row label and `--only` name.
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    /// The build it comes from, with `--variant`.
    pub(crate) variant: String,
    pub(crate) spec: FunctionSpec,
    pub(crate) invocations: usize,
    pub(crate) event: EventFn,
    pub(crate) check: CheckFn,
    /// For authenticate: which login, so the run times its floors beside it.
    pub(crate) login: Option<Login>,
}

/// Invocations before the measured ones, not recorded: first-use
/// allocations, page faults, branch predictors.
pub(crate) fn warm_up(invocations: usize) -> usize {
    (invocations / 10).clamp(1, 200)
}

pub(crate) fn secret_env() -> Vec<(String, String)> {
    vec![("JWT_SECRET".into(), SECRET.into())]
}

fn check_token_env() -> Vec<(String, String)> {
    let mut env = secret_env();
    env.push(("ACCESS_RULES".into(), ACCESS_RULES.into()));
    env
}

pub(crate) fn names() -> TokenAudience {
    TokenAudience { issuer: "authenticate".into(), audience: "api".into() }
}

pub(crate) fn key() -> KeyMaterial {
    KeyMaterial { kid: "default".into(), secret: Secret::new(SECRET.as_bytes().to_vec()) }
}

pub(crate) fn spec(bin_dir: &Path, name: &str, env: Vec<(String, String)>) -> FunctionSpec {
    FunctionSpec { name: name.into(), exe: bin_dir.join(name), env, cpus: None, keep_output: false }
}

pub(crate) fn json_of(outcome: &Outcome) -> Result<Value, String> {
    match outcome {
        Outcome::Response(body) => serde_json::from_slice(body).map_err(|e| format!("response is not JSON: {e}")),
        Outcome::Error { error_type, body } => {
            Err(format!("function error {error_type:?}: {}", String::from_utf8_lossy(body)))
        }
    }
}

pub(crate) fn expect(what: &str, got: &Value, want: &Value) -> Result<(), String> {
    if got == want { Ok(()) } else { Err(format!("{what}: expected {want}, got {got}")) }
}

pub(crate) fn scenarios(args: &Args, table: Option<&LoginTable>) -> Result<Vec<Scenario>, String> {
    if args.variants.is_empty() {
        return scenarios_in(args, &args.bin_dir, table);
    }
    let mut all = Vec::new();
    for (variant, dir) in &args.variants {
        let mut list = scenarios_in(args, dir, None)?;
        list.retain(|s| ["noop", "check-token", "check-token-http", "hello"].contains(&s.name));
        list.iter_mut().for_each(|s| s.variant = variant.clone());
        all.extend(list);
    }
    Ok(all)
}

fn scenarios_in(args: &Args, bin_dir: &Path, table: Option<&LoginTable>) -> Result<Vec<Scenario>, String> {
    let issuer =
        TokenIssuer::new(&IssuerConfig { key: key().into(), ttl: Duration::from_secs(6 * 3600), names: names() })
            .map_err(|e| e.to_string())?;
    let now = now_epoch_seconds();
    let roles = vec!["admin".to_string(), "dev".to_string()];
    let users: Vec<(String, String)> =
        (0..TOKENS).map(|i| (format!("00000000-0000-4000-8000-{i:012}"), format!("user{i}"))).collect();
    let tokens: Vec<String> = users
        .iter()
        .map(|(id, name)| issuer.issue(Subject { user_id: id, username: name, roles: &roles }, now))
        .map(|t| t.map(|t| t.access_token).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let authorizer_event = |token: &str| {
        serde_json::to_vec(
            &json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"), "methodArn": METHOD_ARN}),
        )
        .expect("a JSON value serialises")
    };
    let http_sample: Value = serde_json::from_str(HTTP_AUTHORIZER_EVENT).map_err(|e| e.to_string())?;
    let http_authorizer_event = |token: &str| {
        let mut event = http_sample.clone();
        let header = format!("Bearer {token}");
        event["headers"]["authorization"] = json!(header);
        event["identitySource"][0] = json!(header);
        serde_json::to_vec(&event).expect("a JSON value serialises")
    };
    let valid_events: Vec<Vec<u8>> = tokens.iter().map(|t| authorizer_event(t)).collect();
    let valid_http_events: Vec<Vec<u8>> = tokens.iter().map(|t| http_authorizer_event(t)).collect();
    // Same token with the signature's first character changed.
    let tamper = |t: &String| {
        let (message, signature) = t.rsplit_once('.').expect("a JWS has a signature");
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        format!("{message}.{flipped}{}", &signature[1..])
    };
    let tampered: Vec<Vec<u8>> = tokens.iter().map(|t| authorizer_event(&tamper(t))).collect();
    let tampered_http: Vec<Vec<u8>> = tokens.iter().map(|t| http_authorizer_event(&tamper(t))).collect();

    let echo = |events: Vec<Vec<u8>>| -> (EventFn, CheckFn) {
        let events = std::sync::Arc::new(events);
        let sent = events.clone();
        (
            Box::new(move |i| sent[i % sent.len()].clone()),
            Box::new(move |i, outcome| {
                let want: Value = serde_json::from_slice(&events[i % events.len()]).map_err(|e| e.to_string())?;
                expect("echo", &json_of(outcome)?, &want)
            }),
        )
    };

    let mut list = Vec::new();
    let (event, check) = echo(valid_events.clone());
    list.push(Scenario {
        name: "raw-echo",
        label: "raw-echo (harness floor: std-only client)",
        spec: spec(bin_dir, "raw-echo", vec![]),
        invocations: args.invocations,
        variant: String::new(),
        event,
        check,
        login: None,
    });
    let (event, check) = echo(valid_events.clone());
    list.push(Scenario {
        name: "noop",
        label: "noop (lambda_runtime echo)",
        spec: spec(bin_dir, "noop", vec![]),
        invocations: args.invocations,
        variant: String::new(),
        event,
        check,
        login: None,
    });

    let valid = valid_events.clone();
    let expected = users.clone();
    list.push(Scenario {
        name: "check-token",
        label: "check-token, valid token → Allow",
        spec: spec(bin_dir, "check-token", check_token_env()),
        invocations: args.invocations,
        variant: String::new(),
        event: Box::new(move |i| valid[i % valid.len()].clone()),
        check: Box::new(move |i, outcome| {
            let (id, name) = &expected[i % expected.len()];
            let answer = json_of(outcome)?;
            expect("principalId", &answer["principalId"], &json!(id))?;
            let mut policy = answer["policyDocument"].clone();
            if let Some(resources) = policy["Statement"][0]["Resource"].as_array_mut() {
                resources.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
            let routes: Vec<String> = ALLOWED_ROUTES.iter().map(|route| format!("{STAGE_ARN}/{route}")).collect();
            expect(
                "policyDocument",
                &policy,
                &json!({"Version": "2012-10-17", "Statement": [
                    {"Action": ["execute-api:Invoke"], "Effect": "Allow", "Resource": routes}]}),
            )?;
            expect("context.username", &answer["context"]["username"], &json!(name))?;
            expect("context.roles", &answer["context"]["roles"], &json!("admin,dev"))
        }),
        login: None,
    });
    list.push(Scenario {
        name: "check-token-unauthorized",
        label: "check-token, tampered token → Unauthorized",
        spec: spec(bin_dir, "check-token", check_token_env()),
        invocations: args.invocations,
        variant: String::new(),
        event: Box::new(move |i| tampered[i % tampered.len()].clone()),
        check: Box::new(|_, outcome| match outcome {
            Outcome::Error { body, .. } => {
                // API Gateway answers 401 only for exactly this message.
                let body: Value = serde_json::from_slice(body).map_err(|e| format!("error body: {e}"))?;
                expect("errorMessage", &body["errorMessage"], &json!("Unauthorized"))?;
                expect("errorType", &body["errorType"], &json!("Unauthorized"))
            }
            Outcome::Response(body) => Err(format!("expected Unauthorized, got {}", String::from_utf8_lossy(body))),
        }),
        login: None,
    });

    list.extend(http_api_scenarios(args, bin_dir, valid_http_events, tampered_http, users.clone()));
    let es256 = Es256Input { users: &users, roles: &roles, now, authorizer_event: &authorizer_event };
    list.extend(es256_scenarios(args, bin_dir, es256)?);

    let hello: Value = serde_json::from_str(HELLO_EVENT).map_err(|e| e.to_string())?;
    let authorizer = &hello["requestContext"]["authorizer"];
    let roles: Vec<&str> = authorizer["roles"].as_str().unwrap_or_default().split(',').collect();
    let greeting = json!({
        "message": format!("Hello, {}!", authorizer["username"].as_str().unwrap_or_default()),
        "user": {"id": authorizer["principalId"], "username": authorizer["username"], "roles": roles},
    });
    let hello_bytes = serde_json::to_vec(&hello).map_err(|e| e.to_string())?;
    list.push(Scenario {
        name: "hello",
        label: "hello",
        spec: spec(bin_dir, "hello", vec![]),
        invocations: args.invocations,
        variant: String::new(),
        event: Box::new(move |_| hello_bytes.clone()),
        check: Box::new(move |_, outcome| {
            let answer = json_of(outcome)?;
            expect("statusCode", &answer["statusCode"], &json!(200))?;
            let body: Value = serde_json::from_str(answer["body"].as_str().ok_or("no body")?)
                .map_err(|e| format!("body is not JSON: {e}"))?;
            expect("body", &body, &greeting)
        }),
        login: None,
    });

    if let Some(table) = table {
        list.extend(login::scenarios(args, bin_dir, table)?);
    }
    if let Some(only) = &args.only {
        list.retain(|s| only.iter().any(|o| o == s.name));
    }
    Ok(list)
}

/// check-token answering an HTTP API (payload 2.0 `REQUEST` events, simple
/// responses): a valid token on `GET /hello`, and the same tampered, which an
/// HTTP API authorizer answers `{"isAuthorized": false}` rather than an error.
fn http_api_scenarios(
    args: &Args,
    bin_dir: &Path,
    valid: Vec<Vec<u8>>,
    tampered: Vec<Vec<u8>>,
    expected: Vec<(String, String)>,
) -> Vec<Scenario> {
    let allowed = Scenario {
        name: "check-token-http",
        label: "check-token, HTTP API, valid token → isAuthorized",
        spec: spec(bin_dir, "check-token", check_token_env()),
        invocations: args.invocations,
        variant: String::new(),
        event: Box::new(move |i| valid[i % valid.len()].clone()),
        check: Box::new(move |i, outcome| {
            let (id, name) = &expected[i % expected.len()];
            let answer = json_of(outcome)?;
            expect("isAuthorized", &answer["isAuthorized"], &json!(true))?;
            let context = &answer["context"];
            expect("context.sub", &context["sub"], &json!(id))?;
            expect("context.username", &context["username"], &json!(name))?;
            expect("context.roles", &context["roles"], &json!("admin,dev"))?;
            match (context["jti"].as_str(), context["exp"].as_u64()) {
                (Some(jti), Some(_)) if !jti.is_empty() => Ok(()),
                _ => Err(format!("context lacks jti or exp: {context}")),
            }
        }),
        login: None,
    };
    let refused = Scenario {
        name: "check-token-http-refused",
        label: "check-token, HTTP API, tampered token → isAuthorized false",
        spec: spec(bin_dir, "check-token", check_token_env()),
        invocations: args.invocations,
        variant: String::new(),
        event: Box::new(move |i| tampered[i % tampered.len()].clone()),
        // Exactly this, no context: API Gateway answers 403.
        check: Box::new(|_, outcome| expect("answer", &json_of(outcome)?, &json!({"isAuthorized": false}))),
        login: None,
    };
    vec![allowed, refused]
}
