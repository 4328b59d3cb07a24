use std::time::Duration;

use common::access::AccessRules;
use common::testing::Tokens;
use common::token::{Subject, TokenIssuer};
use serde_json::{Value, json};

use super::*;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const NOW: u64 = 1_700_000_000;
const METHOD_ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/hello";

fn tokens() -> Tokens {
    Tokens::with_secret(SECRET)
}

/// The table every test of this file runs with.
const ACCESS: &str = r#"{"GET /hello": ["*"], "GET /users": ["admin"], "DELETE /users/{username}": ["admin"]}"#;

fn authorizer(stage: StageArn) -> Authorizer {
    let access = AccessRules::parse(ACCESS).unwrap();
    Authorizer::new(&CheckTokenConfig { verifier: tokens().verifier_config(), stage, access }).unwrap()
}

fn token(roles: &[&str]) -> String {
    let issuer = TokenIssuer::new(&tokens().issuer_config()).unwrap();
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    issuer.issue(Subject { user_id: "user-1", username: "alice", roles: &roles }, NOW).unwrap().access_token
}

fn event(authorization: Option<&str>, method_arn: &str) -> ApiGatewayCustomAuthorizerRequest {
    let mut value = json!({"type": "TOKEN", "methodArn": method_arn});
    if let Some(a) = authorization {
        value["authorizationToken"] = json!(a);
    }
    serde_json::from_value(value).unwrap()
}

fn refusal(result: Result<AuthorizerResponse, AuthorizerError>) -> UnauthorizedReason {
    match result {
        Err(AuthorizerError::Unauthorized(reason)) => reason,
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

#[test]
fn valid_token_gets_the_routes_of_its_roles_with_identity() {
    let response = authorizer(StageArn::FromMethodArn)
        .authorize(&event(Some(&format!("Bearer {}", token(&["admin", "dev"]))), METHOD_ARN), NOW)
        .unwrap();
    let json = serde_json::to_value(&response).unwrap();
    assert_eq!(json["principalId"], "user-1");
    assert_eq!(
        json["policyDocument"],
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Action": ["execute-api:Invoke"],
                "Effect": "Allow",
                "Resource": [
                    "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/DELETE/users/*",
                    "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/hello",
                    "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/users"
                ]
            }]
        })
    );
    let context = json["context"].as_object().unwrap();
    assert_eq!(context["sub"], "user-1");
    assert_eq!(context["username"], "alice");
    assert_eq!(context["roles"], "admin,dev");
    assert_eq!(context["exp"], NOW + 3600);
    assert!(context["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert!(context.values().all(|v| v.is_string() || v.is_number() || v.is_boolean()), "context is flat");
}

#[test]
fn the_scheme_is_case_insensitive() {
    let auth = authorizer(StageArn::FromMethodArn);
    assert!(auth.authorize(&event(Some(&format!("bearer {}", token(&[]))), METHOD_ARN), NOW).is_ok());
}

#[test]
fn empty_roles_are_an_empty_string() {
    let response = authorizer(StageArn::FromMethodArn)
        .authorize(&event(Some(&format!("Bearer {}", token(&[]))), METHOD_ARN), NOW)
        .unwrap();
    assert_eq!(response.context.roles, "");
}

#[test]
fn a_configured_stage_is_used_whatever_the_method_arn() {
    let configured = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*";
    let response = authorizer(StageArn::configured(configured).unwrap())
        .authorize(&event(Some(&format!("Bearer {}", token(&[]))), "not an arn"), NOW)
        .unwrap();
    let hello = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/hello";
    assert_eq!(response.policy_document.statement[0].resource, vec![hello.to_string()]);
}

/// The policy is computed from the token alone: the same for whichever route
/// triggered the authorizer, since API Gateway applies a cached answer to all.
#[test]
fn the_policy_does_not_depend_on_the_route_that_asked() {
    let auth = authorizer(StageArn::FromMethodArn);
    let bearer = format!("Bearer {}", token(&["viewer"]));
    let from_hello = auth.authorize(&event(Some(&bearer), METHOD_ARN), NOW).unwrap();
    let users_arn = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/users";
    let from_users = auth.authorize(&event(Some(&bearer), users_arn), NOW).unwrap();
    assert_eq!(from_hello.policy_document, from_users.policy_document);
    let hello = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/hello";
    assert_eq!(from_users.policy_document.statement[0].resource, [hello], "a viewer may not call GET /users");
}

#[test]
fn missing_or_non_bearer_tokens_are_unauthorized() {
    let auth = authorizer(StageArn::FromMethodArn);
    assert_eq!(refusal(auth.authorize(&event(None, METHOD_ARN), NOW)), UnauthorizedReason::MissingToken);
    assert_eq!(refusal(auth.authorize(&event(Some(""), METHOD_ARN), NOW)), UnauthorizedReason::NotBearer);
    assert_eq!(refusal(auth.authorize(&event(Some(&token(&[])), METHOD_ARN), NOW)), UnauthorizedReason::NotBearer);
    let basic = auth.authorize(&event(Some("Basic YWxpY2U6cGFzc3dvcmQ="), METHOD_ARN), NOW);
    assert_eq!(refusal(basic), UnauthorizedReason::NotBearer);
}

#[test]
fn bad_tokens_are_unauthorized_with_their_reason() {
    let auth = authorizer(StageArn::FromMethodArn);
    let good = token(&[]);
    let expired = auth.authorize(&event(Some(&format!("Bearer {good}")), METHOD_ARN), NOW + 3600 + 30);
    assert_eq!(refusal(expired), UnauthorizedReason::Token(TokenError::Expired));
    let early = auth.authorize(&event(Some(&format!("Bearer {good}")), METHOD_ARN), NOW - 31);
    assert_eq!(refusal(early), UnauthorizedReason::Token(TokenError::NotYetValid));
    let mut tampered = good.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'a' { b'b' } else { b'a' };
    let tampered = String::from_utf8(tampered).unwrap();
    let result = auth.authorize(&event(Some(&format!("Bearer {tampered}")), METHOD_ARN), NOW);
    assert!(matches!(refusal(result), UnauthorizedReason::Token(TokenError::BadSignature | TokenError::Malformed)));
    let garbage = auth.authorize(&event(Some("Bearer not-a-jwt"), METHOD_ARN), NOW);
    assert_eq!(refusal(garbage), UnauthorizedReason::Token(TokenError::Malformed));
}

#[test]
fn a_bad_token_is_unauthorized_even_with_a_bad_method_arn() {
    let auth = authorizer(StageArn::FromMethodArn);
    let result = auth.authorize(&event(Some("Bearer x.y.z"), "garbage"), NOW);
    assert!(matches!(result, Err(AuthorizerError::Unauthorized(_))));
}

#[test]
fn a_good_token_with_an_unparsable_method_arn_is_a_server_error() {
    let auth = authorizer(StageArn::FromMethodArn);
    let result = auth.authorize(&event(Some(&format!("Bearer {}", token(&[]))), "arn:aws:execute-api:x"), NOW);
    let err = result.unwrap_err();
    assert!(matches!(err, AuthorizerError::BadMethodArn(_)));
    let diagnostic = Diagnostic::from(err);
    assert_ne!(diagnostic.error_message, "Unauthorized", "must become a 500, not a 401");
}

#[test]
fn unauthorized_is_exactly_the_message_api_gateway_maps_to_401() {
    let diagnostic = Diagnostic::from(AuthorizerError::Unauthorized(UnauthorizedReason::MissingToken));
    assert_eq!(diagnostic.error_message, "Unauthorized");
    assert_eq!(diagnostic.error_type, "Unauthorized");
}

#[tokio::test]
async fn handle_uses_the_wall_clock_and_the_sample_event_shape() {
    let sample: Value = serde_json::from_str(include_str!("../../../events/check-token.json")).unwrap();
    let mut request: ApiGatewayCustomAuthorizerRequest = serde_json::from_value(sample).unwrap();
    assert_eq!(request.type_.as_deref(), Some("TOKEN"));
    let issuer = TokenIssuer::new(&tokens().ttl(Duration::from_secs(60)).issuer_config()).unwrap();
    let fresh = issuer.issue(Subject { user_id: "u-9", username: "bob", roles: &[] }, now_epoch_seconds()).unwrap();
    request.authorization_token = Some(format!("Bearer {}", fresh.access_token));
    let response = authorizer(StageArn::FromMethodArn)
        .handle(LambdaEvent::new(request, lambda_runtime::Context::default()))
        .await
        .unwrap();
    assert_eq!(response.principal_id.as_deref(), Some("u-9"));
}
