//! JSON responses for the HTTP functions.

use lambda_http::Body;
use lambda_http::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use lambda_http::http::{Response, StatusCode};
use serde::Serialize;
use serde_json::json;

/// A JSON response with the CORS origin header and `Cache-Control: no-store`:
/// nothing this service returns (tokens, identities, errors) should be cached.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T, cors_allow_origin: &str) -> Response<Body> {
    let (status, text) = match serde_json::to_string(body) {
        Ok(text) => (status, text),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, SERVER_ERROR_BODY.to_string()),
    };
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Config validation refuses control characters, so this cannot fail in practice.
    if let Ok(origin) = HeaderValue::from_str(cors_allow_origin) {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

/// What a body that cannot be serialised is answered with: the same shape as every other error.
const SERVER_ERROR_BODY: &str = r#"{"error":"server_error","error_description":"the request could not be completed"}"#;

/// The error body every function answers with: `{"error": <code>,
/// "error_description": <text>}`, OAuth 2.0's shape (RFC 6749 §5.2). The
/// description is not optional, so no answer can leave it out: a client (or
/// an OpenAPI schema) can rely on both fields. It is read by people, so it
/// says what to do, but never why a login failed beyond what the code says.
pub fn error_response(status: StatusCode, error: &str, description: &str, cors_allow_origin: &str) -> Response<Body> {
    json_response(status, &json!({"error": error, "error_description": description}), cors_allow_origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_json_cors_and_no_store() {
        let response = json_response(StatusCode::CREATED, &serde_json::json!({"a": 1}), "https://x.example");
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "https://x.example");
        assert_eq!(response.body(), &Body::Text(r#"{"a":1}"#.into()));
    }

    #[test]
    fn an_error_carries_its_code_and_description() {
        let response = error_response(StatusCode::FORBIDDEN, "account_disabled", "the account is disabled", "*");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let Body::Text(text) = response.body() else { panic!("not a text body") };
        let body: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(body, json!({"error": "account_disabled", "error_description": "the account is disabled"}));
    }

    #[test]
    fn the_fallback_body_is_a_uniform_error_too() {
        let body: serde_json::Value = serde_json::from_str(SERVER_ERROR_BODY).unwrap();
        assert_eq!(body["error"], "server_error");
        assert!(body["error_description"].is_string());
    }
}
