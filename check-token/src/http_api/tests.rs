use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequest;
use common::testing::Tokens;
use common::token::{Subject, TokenIssuer};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::{Value, json};

use super::*;
use crate::config::CheckTokenConfig;
use crate::event::{AuthorizerAnswer, AuthorizerEvent};
use crate::policy::StageArn;
use crate::{AuthorizerError, UnauthorizedReason};

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
const NOW: u64 = 1_700_000_000;
const ACCESS: &str = r#"{"GET /hello": ["*"], "GET /users": ["admin"], "DELETE /users/{username}": ["admin"],
    "GET /nobody": []}"#;
const ROUTE_ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/hello";

fn authorizer() -> Authorizer {
    let access = AccessRules::parse(ACCESS).unwrap();
    let config = CheckTokenConfig {
        verifier: Tokens::with_secret(SECRET).verifier_config(),
        stage: StageArn::FromMethodArn,
        access,
    };
    Authorizer::new(&config).unwrap()
}

fn token(roles: &[&str]) -> String {
    let issuer = TokenIssuer::new(&Tokens::with_secret(SECRET).issuer_config()).unwrap();
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    issuer.issue(Subject { user_id: "user-1", username: "alice", roles: &roles }, NOW).unwrap().access_token
}

fn request(authorization: Option<&str>, route_key: &str) -> HttpApiRequest {
    HttpApiRequest { authorization: authorization.map(str::to_string), route_key: Some(route_key.to_string()) }
}

/// The answer as API Gateway reads it.
fn answer(authorization: Option<&str>, route_key: &str, now: u64) -> Value {
    serde_json::to_value(authorizer().authorize_http_api(&request(authorization, route_key), now)).unwrap()
}

fn bearer(roles: &[&str]) -> String {
    format!("Bearer {}", token(roles))
}

#[test]
fn a_valid_token_on_a_route_its_roles_may_call_is_authorized_with_the_rest_context() {
    let bearer = bearer(&["admin", "dev"]);
    let answer = answer(Some(&bearer), "GET /users", NOW);
    assert_eq!(answer["isAuthorized"], true);
    let context = answer["context"].as_object().unwrap();
    let mut keys: Vec<&str> = context.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["exp", "jti", "roles", "sub", "username"], "the REST context's keys");
    assert_eq!(context["sub"], "user-1");
    assert_eq!(context["username"], "alice");
    assert_eq!(context["roles"], "admin,dev");
    assert_eq!(context["exp"], NOW + 3600);
    assert!(context["jti"].as_str().is_some_and(|j| !j.is_empty()));

    // The same context as the REST front end gives for the same token.
    let rest: ApiGatewayCustomAuthorizerRequest = serde_json::from_value(json!({
        "type": "TOKEN", "authorizationToken": bearer,
        "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/users"
    }))
    .unwrap();
    let rest = authorizer().authorize(&rest, NOW).unwrap();
    assert_eq!(answer["context"], serde_json::to_value(&rest.context).unwrap());
}

#[test]
fn routes_with_parameters_match_by_their_template() {
    assert_eq!(answer(Some(&bearer(&["admin"])), "DELETE /users/{username}", NOW)["isAuthorized"], true);
    assert_eq!(answer(Some(&bearer(&[])), "GET /hello", NOW)["isAuthorized"], true, "'*': any signed-in caller");
}

#[test]
fn a_role_the_route_does_not_admit_is_refused_without_context() {
    for (roles, route) in
        [(&["viewer"][..], "GET /users"), (&[][..], "DELETE /users/{username}"), (&["admin"][..], "GET /nobody")]
    {
        assert_eq!(answer(Some(&bearer(roles)), route, NOW), json!({"isAuthorized": false}), "{roles:?} {route}");
    }
}

#[test]
fn default_unknown_and_any_routes_are_refused() {
    let admin = bearer(&["admin"]);
    for route in ["$default", "GET /users/{username}/keys", "POST /hello", "ANY /hello", "GET /hello/", "GET", ""] {
        assert_eq!(answer(Some(&admin), route, NOW), json!({"isAuthorized": false}), "{route:?}");
    }
    let no_route = HttpApiRequest { authorization: Some(admin), route_key: None };
    assert_eq!(authorizer().authorize_http_api(&no_route, NOW), HttpApiResponse::refused());
}

#[test]
fn missing_invalid_or_expired_tokens_are_refused_not_errors() {
    let good = token(&["admin"]);
    let (message, signature) = good.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("Bearer {message}.{flipped}{}", &signature[1..]);
    let refused = json!({"isAuthorized": false});
    assert_eq!(answer(None, "GET /hello", NOW), refused, "missing");
    assert_eq!(answer(Some(""), "GET /hello", NOW), refused, "empty");
    assert_eq!(answer(Some(&tampered), "GET /hello", NOW), refused, "tampered");
    assert_eq!(answer(Some("Bearer not-a-jwt"), "GET /hello", NOW), refused, "garbage");
    assert_eq!(answer(Some(&format!("Bearer {good}")), "GET /hello", NOW + 3600 + 31), refused, "expired");
    assert_eq!(answer(Some(&format!("Bearer {good}")), "GET /hello", NOW - 31), refused, "not yet valid");
    assert_eq!(answer(Some(&format!("Bearer {good}")), "GET /hello", NOW)["isAuthorized"], true, "the control");
}

/// One verification core: each `Authorization` value is accepted by the
/// HTTP API front end exactly when the REST one accepts it.
#[test]
fn bearer_parsing_is_the_same_as_for_rest() {
    let token = token(&[]);
    let auth = authorizer();
    for (case, header) in [
        ("canonical", format!("Bearer {token}")),
        ("lowercase scheme", format!("bearer {token}")),
        ("uppercase scheme", format!("BEARER {token}")),
        ("missing scheme", token.clone()),
        ("doubled scheme", format!("Bearer Bearer {token}")),
        ("tab", format!("Bearer\t{token}")),
        ("two spaces", format!("Bearer  {token}")),
        ("trailing space", format!("Bearer {token} ")),
        ("joined repeat", format!("Bearer {token},Bearer {token}")),
        ("Basic", "Basic YWxpY2U6cGFzc3dvcmQ=".into()),
        ("scheme only", "Bearer".into()),
    ] {
        let rest: ApiGatewayCustomAuthorizerRequest = serde_json::from_value(json!({
            "type": "TOKEN", "authorizationToken": header,
            "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/hello"
        }))
        .unwrap();
        let by_rest = auth.authorize(&rest, NOW).is_ok();
        let by_http = auth.authorize_http_api(&request(Some(&header), "GET /hello"), NOW).is_authorized;
        assert_eq!(by_http, by_rest, "{case}");
    }
}

fn event(value: Value) -> AuthorizerEvent {
    serde_json::from_value(value).unwrap()
}

fn http_event(authorization: &str, route_key: &str) -> AuthorizerEvent {
    let mut sample: Value = serde_json::from_str(include_str!("../../../events/check-token-http.json")).unwrap();
    sample["headers"]["authorization"] = json!(authorization);
    sample["identitySource"] = json!([authorization, route_key]);
    sample["routeKey"] = json!(route_key);
    sample["requestContext"]["routeKey"] = json!(route_key);
    event(sample)
}

#[test]
fn each_event_is_answered_in_its_own_format() {
    let auth = authorizer();
    let bearer = bearer(&["admin"]);
    let rest = event(
        json!({"type": "TOKEN", "authorizationToken": bearer, "methodArn": ROUTE_ARN.replace("$default", "prod")}),
    );
    let Ok(AuthorizerAnswer::Token(policy)) = auth.answer(rest, NOW) else { panic!("a policy") };
    assert_eq!(policy.principal_id.as_deref(), Some("user-1"));

    let Ok(AuthorizerAnswer::HttpApi(simple)) = auth.answer(http_event(&bearer, "GET /users"), NOW) else {
        panic!("a simple response")
    };
    assert!(simple.is_authorized);
    let answer = auth.answer(http_event(&bearer, "$default"), NOW).unwrap();
    assert_eq!(serde_json::to_value(answer).unwrap(), json!({"isAuthorized": false}));

    // A bad token: REST's 401 is an error, the HTTP API's 403 an answer.
    let rest = event(json!({"type": "TOKEN", "authorizationToken": "Bearer x.y.z", "methodArn": ROUTE_ARN}));
    assert!(matches!(auth.answer(rest, NOW), Err(AuthorizerError::Unauthorized(UnauthorizedReason::Token(_)))));
    let answer = auth.answer(http_event("Bearer x.y.z", "GET /hello"), NOW).unwrap();
    assert_eq!(serde_json::to_value(answer).unwrap(), json!({"isAuthorized": false}));
}

#[test]
fn an_unknown_event_is_an_error_naming_it_never_unauthorized() {
    let bearer = bearer(&["admin"]);
    let v1 = event(json!({"version": "1.0", "type": "REQUEST", "methodArn": ROUTE_ARN,
                          "headers": {"Authorization": bearer}, "identitySource": bearer}));
    let err = authorizer().answer(v1, NOW).unwrap_err();
    assert!(matches!(err, AuthorizerError::UnknownEvent(_)));
    let diagnostic = Diagnostic::from(err);
    assert_eq!(diagnostic.error_type, "UnknownEvent");
    assert_ne!(diagnostic.error_message, "Unauthorized", "must not pass for a bad token");
    assert!(diagnostic.error_message.contains(r#"type "REQUEST", version "1.0""#), "{}", diagnostic.error_message);
    assert!(!diagnostic.error_message.contains(&bearer[7..]), "never the token");
}

#[tokio::test]
async fn the_lambda_entry_point_reads_the_wall_clock() {
    let issuer = TokenIssuer::new(&Tokens::with_secret(SECRET).issuer_config()).unwrap();
    let subject = Subject { user_id: "u-9", username: "bob", roles: &[] };
    let fresh = issuer.issue(subject, common::clock::now_epoch_seconds()).unwrap().access_token;
    let event = http_event(&format!("Bearer {fresh}"), "GET /hello");
    let answer = authorizer().handle_event(LambdaEvent::new(event, lambda_runtime::Context::default())).await.unwrap();
    let AuthorizerAnswer::HttpApi(answer) = answer else { panic!("a simple response") };
    assert_eq!(answer.context.map(|c| c.username).as_deref(), Some("bob"));
}
