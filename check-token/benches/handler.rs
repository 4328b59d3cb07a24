//! The whole authorizer in-process, as the runtime drives it: event JSON
//! bytes → `serde_json::from_slice` → `Authorizer::authorize` → `serde_json::to_vec`;
//! and through the event dispatch the binary uses (`AuthorizerEvent` →
//! `Authorizer::answer`), for both event shapes.

use std::hint::black_box;

use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequest;
use check_token::policy::{StageArn, route_policy};
use check_token::{Authorizer, AuthorizerEvent, CheckTokenConfig};
use common::access::AccessRules;
use common::testing::Tokens;
use common::token::{Subject, TokenIssuer};
use criterion::{Criterion, criterion_group, criterion_main};
use lambda_runtime::Diagnostic;
use serde_json::json;

const SECRET: &[u8] = b"bench-secret-0123456789abcdef0123456789abcdef";
const NOW: u64 = 1_800_000_000;
const ACCESS_RULES: &str = r#"{"GET /hello": ["*"], "GET /users": ["admin"], "POST /users": ["admin"],
    "GET /users/{username}": ["admin"], "PATCH /users/{username}": ["admin"], "DELETE /users/{username}": ["admin"],
    "POST /users/{username}/unlock": ["admin"], "PUT /me/password": ["*"]}"#;
const METHOD_ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123defg/prod/GET/hello";

fn event(token: &str) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"), "methodArn": METHOD_ARN}),
    )
    .unwrap()
}

/// The sample HTTP API event (events/check-token-http.json) with this token.
fn http_event(token: &str) -> Vec<u8> {
    let mut event: serde_json::Value =
        serde_json::from_str(include_str!("../../events/check-token-http.json")).unwrap();
    let header = format!("Bearer {token}");
    event["headers"]["authorization"] = json!(header);
    event["identitySource"][0] = json!(header);
    serde_json::to_vec(&event).unwrap()
}

fn handler(c: &mut Criterion) {
    let tokens = Tokens::with_secret(SECRET);
    let config =
        CheckTokenConfig { verifier: tokens.verifier_config(), stage: StageArn::FromMethodArn, access: access() };
    let authorizer = Authorizer::new(&config).unwrap();
    let issuer = TokenIssuer::new(&tokens.issuer_config()).unwrap();
    let roles = vec!["admin".to_string(), "dev".to_string()];
    let subject = Subject { user_id: "8d2f3c1e-1111-4a4a-9b9b-000000000001", username: "alice", roles: &roles };
    let token = issuer.issue(subject, NOW).unwrap().access_token;

    let valid = event(&token);
    c.bench_function("check-token/handler, valid token → Allow", |b| {
        b.iter(|| {
            let request: ApiGatewayCustomAuthorizerRequest = serde_json::from_slice(black_box(&valid)).unwrap();
            let response = authorizer.authorize(&request, black_box(NOW)).unwrap();
            serde_json::to_vec(&response).unwrap()
        })
    });

    let dispatch = |name: &str, c: &mut Criterion, event: Vec<u8>| {
        c.bench_function(name, |b| {
            b.iter(|| {
                let event: AuthorizerEvent = serde_json::from_slice(black_box(&event)).unwrap();
                match authorizer.answer(event, black_box(NOW)) {
                    Ok(answer) => serde_json::to_vec(&answer).unwrap(),
                    Err(error) => serde_json::to_vec(&Diagnostic::from(error)).unwrap(),
                }
            })
        });
    };
    dispatch("check-token/dispatch, REST valid token → Allow", c, valid.clone());
    dispatch("check-token/dispatch, HTTP API valid token → isAuthorized", c, http_event(&token));

    let (message, signature) = token.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = event(&format!("{message}.{flipped}{}", &signature[1..]));
    c.bench_function("check-token/handler, tampered token → Unauthorized", |b| {
        b.iter(|| {
            let request: ApiGatewayCustomAuthorizerRequest = serde_json::from_slice(black_box(&tampered)).unwrap();
            let error = authorizer.authorize(&request, black_box(NOW)).unwrap_err();
            serde_json::to_vec(&Diagnostic::from(error)).unwrap()
        })
    });
}

/// The deployment's own table (serverless.yml's custom.access).
fn access() -> AccessRules {
    AccessRules::parse(ACCESS_RULES).unwrap()
}

fn policy(c: &mut Criterion) {
    let access = access();
    let roles = vec!["admin".to_string(), "dev".to_string()];
    c.bench_function("policy/ARN parse + route policy (admin: every route)", |b| {
        b.iter(|| {
            let stage = StageArn::FromMethodArn.for_method_arn(Some(black_box(METHOD_ARN))).unwrap();
            route_policy(&stage, &access, black_box(&roles))
        })
    });
}

criterion_group!(benches, handler, policy);
criterion_main!(benches);
