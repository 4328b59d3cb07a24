use common::identity::CallerIdentity;
use serde_json::{Value, json};

use super::*;

const REST: &str = include_str!("../../../events/hello.json");
const HTTP_API: &str = include_str!("../../../events/hello-http.json");

fn request(sample: &str, change: impl FnOnce(&mut Value)) -> Request {
    let mut event: Value = serde_json::from_str(sample).unwrap();
    change(&mut event);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn alice() -> CallerIdentity {
    CallerIdentity {
        id: "8d2f3c1e-1111-4a4a-9b9b-000000000001".into(),
        username: "alice".into(),
        roles: vec!["admin".into(), "dev".into()],
    }
}

#[test]
fn both_apis_give_the_same_caller() {
    let rest = request(REST, |_| {});
    let http = request(HTTP_API, |_| {});
    assert!(matches!(rest.request_context_ref(), Some(RequestContext::ApiGatewayV1(_))));
    assert!(matches!(http.request_context_ref(), Some(RequestContext::ApiGatewayV2(_))));
    assert_eq!(caller(&rest), Ok(alice()));
    assert_eq!(caller(&http), Ok(alice()));
}

/// What check-token's simple response sends, whatever types API Gateway
/// keeps: `exp` as a number or a string, no roles or empty roles.
#[test]
fn reads_the_simple_response_context() {
    for (lambda, roles) in [
        (json!({"sub": "u-1", "username": "bob", "roles": "viewer", "jti": "j", "exp": "1700003600"}), vec!["viewer"]),
        (json!({"sub": "u-1", "username": "bob", "roles": ""}), vec![]),
        (json!({"sub": "u-1", "username": "bob"}), vec![]),
    ] {
        let http = request(HTTP_API, |e| e["requestContext"]["authorizer"]["lambda"] = lambda.clone());
        let expected = CallerIdentity {
            id: "u-1".into(),
            username: "bob".into(),
            roles: roles.into_iter().map(String::from).collect(),
        };
        assert_eq!(caller(&http), Ok(expected), "{lambda}");
    }
}

#[test]
fn without_the_authorizer_there_is_no_caller() {
    let missing = |field| Err(CallerError::Missing(MissingAuthorizerField(field)));
    for (authorizer, expected) in [
        (Value::Null, missing(SUB)),
        (json!({}), missing(SUB)),
        (json!({"lambda": null}), missing(SUB)),
        (json!({"lambda": {"username": "alice"}}), missing(SUB)),
        (json!({"lambda": {"sub": "u-1"}}), missing(USERNAME)),
        (json!({"lambda": {"sub": "", "username": "alice"}}), missing(SUB)),
        (json!({"lambda": {"sub": "u-1", "username": "alice", "roles": ["admin"]}}), missing(ROLES)),
        // The built-in JWT authorizer's claims are read too (reads_the_builtin_jwt_authorizer_claims),
        // by the same rules.
        (json!({"jwt": {"claims": {"username": "alice"}, "scopes": null}}), missing(SUB)),
        (json!({"jwt": {"claims": {"sub": "u-1", "username": ""}}}), missing(USERNAME)),
        (json!({"lambda": {"principalId": "u-1", "username": "alice"}}), missing(SUB)),
    ] {
        let http = request(HTTP_API, |e| e["requestContext"]["authorizer"] = authorizer.clone());
        assert_eq!(caller(&http), expected, "{authorizer}");
    }
    let rest = request(REST, |e| e["requestContext"]["authorizer"] = Value::Null);
    assert_eq!(caller(&rest), missing(PRINCIPAL_ID));
    assert_eq!(caller(&Request::default()), Err(CallerError::NoContext));
}

#[test]
fn client_headers_cannot_impersonate() {
    let http = request(HTTP_API, |e| {
        e["requestContext"]["authorizer"] = Value::Null;
        e["headers"]["sub"] = json!("admin");
        e["headers"]["username"] = json!("admin");
    });
    assert!(caller(&http).is_err());
}

const HTTP_API_JWT: &str = include_str!("../../../events/hello-http-jwt.json");

#[test]
fn reads_the_builtin_jwt_authorizer_claims() {
    let http = request(HTTP_API_JWT, |_| {});
    assert_eq!(caller(&http), Ok(alice()), "roles from scope, not from the stringified roles array");
    let no_scope = request(HTTP_API_JWT, |e| {
        e["requestContext"]["authorizer"]["jwt"]["claims"].as_object_mut().unwrap().remove("scope");
    });
    assert_eq!(caller(&no_scope).unwrap().roles, Vec::<String>::new());
    let one = request(HTTP_API_JWT, |e| e["requestContext"]["authorizer"]["jwt"]["claims"]["scope"] = json!("viewer"));
    assert_eq!(caller(&one).unwrap().roles, ["viewer"]);
    for (claim, expected) in [("sub", SUB), ("username", USERNAME)] {
        let missing = request(HTTP_API_JWT, |e| {
            e["requestContext"]["authorizer"]["jwt"]["claims"].as_object_mut().unwrap().remove(claim);
        });
        assert_eq!(caller(&missing), Err(CallerError::Missing(MissingAuthorizerField(expected))), "{claim}");
    }
}
