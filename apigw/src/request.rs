//! What a function reads from a request besides the caller: which route API
//! Gateway matched, and a JSON body.

use lambda_http::http::header::CONTENT_TYPE;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde::de::DeserializeOwned;

/// Largest JSON body a function reads: every body this service accepts fits
/// well under it, and parsing megabytes is a cheap way to waste our CPU.
pub const MAX_JSON_BODY_BYTES: usize = 8 * 1024;

/// The route API Gateway matched: `("GET", "/users/{username}")`, as the
/// access table and `serverless.yml` write it.
pub fn route(request: &Request) -> Option<(String, String)> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV1(context) => {
            Some((context.http_method.as_str().to_string(), context.resource_path.clone()?))
        }
        _ => None,
    }
}

/// A path parameter, decoded, as API Gateway hands it over.
pub fn path_parameter(request: &Request, name: &str) -> Option<String> {
    request.path_parameters_ref().and_then(|parameters| parameters.first(name)).map(str::to_string)
}

/// Why a body was not read; each maps to a status: 415, or 400 with the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("Content-Type must be application/json")]
    NotJson,
    #[error("the request body is larger than {MAX_JSON_BODY_BYTES} bytes")]
    TooLarge,
    /// The text says what was expected; it never quotes the body (it may hold a password).
    #[error("the body must be a JSON object with {0}")]
    Invalid(&'static str),
}

/// The body as `T`: a JSON object (not an array that serde would also read
/// into a struct), under `Content-Type: application/json` (parameters allowed).
/// `expected` names the fields, for the error.
pub fn json_body<T: DeserializeOwned>(request: &Request, expected: &'static str) -> Result<T, BodyError> {
    let content_type = request.headers().get(CONTENT_TYPE).map(|v| v.as_bytes());
    if !content_type.is_some_and(is_json_media_type) {
        return Err(BodyError::NotJson);
    }
    let body = request.body().as_ref();
    if body.len() > MAX_JSON_BODY_BYTES {
        return Err(BodyError::TooLarge);
    }
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(BodyError::Invalid(expected));
    }
    serde_json::from_slice(body).map_err(|_| BodyError::Invalid(expected))
}

/// `application/json`, any case, optionally followed by parameters such as charset.
pub fn is_json_media_type(value: &[u8]) -> bool {
    let essence = value.split(|&b| b == b';').next().unwrap_or_default();
    essence.trim_ascii().eq_ignore_ascii_case(b"application/json")
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Body {
        name: String,
    }

    fn request(content_type: Option<&str>, body: &str) -> Request {
        let mut event: Value = serde_json::from_str(include_str!("../../events/authenticate-post.json")).unwrap();
        event["resource"] = json!("/users/{username}");
        event["requestContext"]["resourcePath"] = json!("/users/{username}");
        event["requestContext"]["httpMethod"] = json!("PATCH");
        event["httpMethod"] = json!("PATCH");
        event["pathParameters"] = json!({"username": "émile"});
        event["headers"] = json!({});
        event["multiValueHeaders"] = json!({});
        if let Some(content_type) = content_type {
            event["headers"]["Content-Type"] = json!(content_type);
            event["multiValueHeaders"]["Content-Type"] = json!([content_type]);
        }
        event["body"] = json!(body);
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    #[test]
    fn reads_the_route_and_its_parameters() {
        let request = request(None, "");
        assert_eq!(route(&request), Some(("PATCH".into(), "/users/{username}".into())));
        assert_eq!(path_parameter(&request, "username").as_deref(), Some("émile"));
        assert_eq!(path_parameter(&request, "other"), None);
        assert_eq!(route(&Request::default()), None);
    }

    #[test]
    fn reads_a_json_object_and_nothing_else() {
        let expected = "a string name";
        let ok = json_body::<Body>(&request(Some("application/json; charset=utf-8"), r#"{"name":"x"}"#), expected);
        assert_eq!(ok, Ok(Body { name: "x".into() }));
        for (content_type, body, error) in [
            (None, r#"{"name":"x"}"#, BodyError::NotJson),
            (Some("text/plain"), r#"{"name":"x"}"#, BodyError::NotJson),
            (Some("application/json"), r#"["x"]"#, BodyError::Invalid(expected)),
            (Some("application/json"), r#"{"name":"x","extra":1}"#, BodyError::Invalid(expected)),
            (Some("application/json"), r#"{"name":"x","name":"y"}"#, BodyError::Invalid(expected)),
            (Some("application/json"), "{", BodyError::Invalid(expected)),
        ] {
            assert_eq!(json_body::<Body>(&request(content_type, body), expected), Err(error), "{body}");
        }
        let large = format!(r#"{{"name":"{}"}}"#, "x".repeat(MAX_JSON_BODY_BYTES));
        assert_eq!(json_body::<Body>(&request(Some("application/json"), &large), expected), Err(BodyError::TooLarge));
    }
}
