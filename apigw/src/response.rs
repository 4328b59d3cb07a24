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
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, r#"{"error":"server_error"}"#.to_string()),
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

/// The error body every function answers with: `{"error": <code>,
/// "error_description": <text>}`, OAuth 2.0's shape (RFC 6749 §5.2).
pub fn error_response(
    status: StatusCode,
    error: &str,
    description: Option<&str>,
    cors_allow_origin: &str,
) -> Response<Body> {
    let body = match description {
        Some(description) => json!({"error": error, "error_description": description}),
        None => json!({"error": error}),
    };
    json_response(status, &body, cors_allow_origin)
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
}
