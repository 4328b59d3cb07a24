use serde_json::{Value, json};

use super::*;

fn read(event: Value) -> AuthorizerEvent {
    serde_json::from_value(event).unwrap()
}

fn http_api(authorization: Option<&str>, route_key: Option<&str>) -> AuthorizerEvent {
    AuthorizerEvent::HttpApi(HttpApiRequest {
        authorization: authorization.map(str::to_string),
        route_key: route_key.map(str::to_string),
    })
}

#[test]
fn the_sample_events_are_recognised() {
    let rest: Value = serde_json::from_str(include_str!("../../../events/check-token.json")).unwrap();
    let AuthorizerEvent::Token(request) = read(rest.clone()) else { panic!("a TOKEN event") };
    assert_eq!(request.authorization_token.as_deref(), rest["authorizationToken"].as_str());
    assert_eq!(request.method_arn.as_deref(), rest["methodArn"].as_str());

    let http: Value = serde_json::from_str(include_str!("../../../events/check-token-http.json")).unwrap();
    assert_eq!(read(http.clone()), http_api(http["headers"]["authorization"].as_str(), Some("GET /hello")));
}

#[test]
fn a_token_event_reads_as_the_rest_request_type() {
    let event = json!({"type": "TOKEN", "authorizationToken": "Bearer x", "methodArn": "arn:x"});
    let expected: ApiGatewayCustomAuthorizerRequest = serde_json::from_value(event.clone()).unwrap();
    assert_eq!(read(event), AuthorizerEvent::Token(expected));
}

#[test]
fn the_authorization_header_is_found_in_any_case_and_repeats_are_joined() {
    let event = |headers: Value| {
        read(json!({"version": "2.0", "type": "REQUEST", "routeKey": "GET /hello", "headers": headers}))
    };
    assert_eq!(event(json!({"authorization": "Bearer a"})), http_api(Some("Bearer a"), Some("GET /hello")));
    assert_eq!(event(json!({"Authorization": "Bearer a", "x": "y"})), http_api(Some("Bearer a"), Some("GET /hello")));
    assert_eq!(event(json!({"AUTHORIZATION": "Bearer a"})), http_api(Some("Bearer a"), Some("GET /hello")));
    // As API Gateway joins a repeated header: never one token.
    let repeated = r#"{"version": "2.0", "type": "REQUEST", "routeKey": "GET /hello",
        "headers": {"authorization": "Bearer a", "Authorization": "Bearer b"}}"#;
    let repeated: AuthorizerEvent = serde_json::from_str(repeated).unwrap();
    assert_eq!(repeated, http_api(Some("Bearer a,Bearer b"), Some("GET /hello")));
    for none in [json!({}), json!(null), json!({"x-authorization": "Bearer a", "proxy-authorization": "b"})] {
        assert_eq!(event(none.clone()), http_api(None, Some("GET /hello")), "{none}");
    }
    let without_headers = read(json!({"version": "2.0", "type": "REQUEST", "routeKey": "$default"}));
    assert_eq!(without_headers, http_api(None, Some("$default")));
}

#[test]
fn other_shapes_are_unknown_and_named() {
    for (event, kind, version) in [
        (json!({"type": "REQUEST", "version": "1.0", "methodArn": "arn:x"}), Some("REQUEST"), Some("1.0")),
        (json!({"type": "REQUEST", "methodArn": "arn:x", "headers": {}}), Some("REQUEST"), None),
        (json!({"version": "2.0", "routeKey": "GET /hello", "rawPath": "/hello"}), None, Some("2.0")),
        (json!({"type": "token", "authorizationToken": "Bearer x"}), Some("token"), None),
        (json!({}), None, None),
    ] {
        let expected = EventShape { kind: kind.map(str::to_string), version: version.map(str::to_string) };
        assert_eq!(read(event.clone()), AuthorizerEvent::Unknown(expected), "{event}");
    }
}

#[test]
fn an_unknown_shape_is_named_briefly_and_safely() {
    let shape = EventShape { kind: Some("REQUEST".into()), version: Some("1.0".into()) };
    assert_eq!(shape.to_string(), r#"type "REQUEST", version "1.0""#);
    assert_eq!(EventShape { kind: None, version: None }.to_string(), "no type, no version");
    let forged = EventShape { kind: Some(format!("X\nERROR forged line{}", "y".repeat(100))), version: None };
    let text = forged.to_string();
    assert!(!text.contains('\n') && text.len() < 60, "{text}");
}

#[test]
fn answers_serialise_in_the_format_of_their_event() {
    let refused = serde_json::to_value(AuthorizerAnswer::HttpApi(HttpApiResponse::refused())).unwrap();
    assert_eq!(refused, json!({"isAuthorized": false}));
}
