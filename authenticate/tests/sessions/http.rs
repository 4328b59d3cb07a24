//! Requests as API Gateway hands them to the function (the sample POST event
//! with its resource, body and Content-Type replaced), and the answers read back.

use authenticate::Authenticate;
use lambda_http::http::header::CACHE_CONTROL;
use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Request};
use serde_json::{Value, json};

pub const FORM: &str = "application/x-www-form-urlencoded";
pub const JSON: &str = "application/json";

/// A request to `resource` with this method, Content-Type (none if `None`) and body.
pub fn request(method: &str, resource: &str, content_type: Option<&str>, body: &str) -> Request {
    let mut event: Value = serde_json::from_str(include_str!("../../../events/authenticate-post.json")).unwrap();
    event["resource"] = json!(resource);
    event["path"] = json!(resource);
    event["httpMethod"] = json!(method);
    event["requestContext"]["resourcePath"] = json!(resource);
    event["requestContext"]["httpMethod"] = json!(method);
    event["requestContext"]["path"] = json!(format!("/prod{resource}"));
    for headers in ["headers", "multiValueHeaders"] {
        event[headers].as_object_mut().unwrap().remove("Content-Type");
    }
    if let Some(content_type) = content_type {
        event["headers"]["Content-Type"] = json!(content_type);
        event["multiValueHeaders"]["Content-Type"] = json!([content_type]);
    }
    event["body"] = json!(body);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

pub fn post(resource: &str, content_type: Option<&str>, body: &str) -> Request {
    request("POST", resource, content_type, body)
}

/// A form body, encoded as a client library would (spaces as `+`, `&` escaped).
pub fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// `POST /authenticate` with a JSON body.
pub fn login(username: &str, password: &str) -> Request {
    post("/authenticate", Some(JSON), &json!({"username": username, "password": password}).to_string())
}

pub fn refresh(token: &str) -> Request {
    post("/token", Some(FORM), &form(&[("grant_type", "refresh_token"), ("refresh_token", token)]))
}

pub fn refresh_json(token: &str) -> Request {
    post("/token", Some(JSON), &json!({"grant_type": "refresh_token", "refresh_token": token}).to_string())
}

pub fn password_grant(username: &str, password: &str) -> Request {
    post("/token", Some(FORM), &form(&[("grant_type", "password"), ("username", username), ("password", password)]))
}

pub fn revoke(token: &str) -> Request {
    post("/revoke", Some(FORM), &form(&[("token", token), ("token_type_hint", "refresh_token")]))
}

/// An answer, its body parsed.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    /// RFC 6749 §5.2: 400, this error code and a description.
    pub fn assert_oauth_error(&self, error: &str, context: &str) {
        assert_eq!(self.status, StatusCode::BAD_REQUEST, "{context}: {self:?}");
        assert_eq!(self.body["error"], error, "{context}: {self:?}");
        assert!(self.body["error_description"].as_str().is_some_and(|d| !d.is_empty()), "{context}: {self:?}");
        assert!(self.body.get("access_token").is_none() && self.body.get("refresh_token").is_none(), "{context}");
    }

    pub fn assert_invalid_grant(&self, context: &str) {
        self.assert_oauth_error("invalid_grant", context);
    }
}

/// Sends `request`; every answer, whatever its status, must forbid caching:
/// it may carry tokens (RFC 6749 §5.1).
pub async fn send(app: &Authenticate, request: Request) -> Reply {
    let response = app.handle(request).await.unwrap();
    assert_eq!(response.headers().get(CACHE_CONTROL).map(|v| v.as_bytes()), Some(&b"no-store"[..]), "{response:?}");
    let text = match response.body() {
        Body::Text(text) => text.clone(),
        other => panic!("unexpected body {other:?}"),
    };
    let body = serde_json::from_str(&text).unwrap_or_else(|err| panic!("not JSON ({err}): {text}"));
    Reply { status: response.status(), headers: response.headers().clone(), text, body }
}
