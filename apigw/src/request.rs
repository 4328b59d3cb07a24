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
/// access table and `serverless.yml` write it, from either API: a REST API's
/// resource path, or the path of an HTTP API's route key (`GET
/// /users/{username}`). The method is the request's, in both. `None` without
/// a matched route (an HTTP API's `$default`) or an API Gateway context.
pub fn route(request: &Request) -> Option<(String, String)> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV1(context) => {
            Some((context.http_method.as_str().to_string(), context.resource_path.clone()?))
        }
        RequestContext::ApiGatewayV2(context) => {
            let (_, path) = context.route_key.as_deref()?.split_once(' ')?;
            Some((context.http.method.as_str().to_string(), path.to_string()))
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

    /// An HTTP API (payload 2.0) request: the route from its route key.
    fn http_api(sample: &str, change: impl FnOnce(&mut Value)) -> Request {
        let mut event: Value = serde_json::from_str(sample).unwrap();
        change(&mut event);
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    const HTTP_LOGIN: &str = include_str!("../../events/authenticate-http-post.json");

    #[test]
    fn reads_the_route_of_an_http_api_request_as_for_rest() {
        let login = http_api(HTTP_LOGIN, |_| {});
        assert!(matches!(login.request_context_ref(), Some(RequestContext::ApiGatewayV2(_))));
        assert_eq!(route(&login), Some(("POST".into(), "/authenticate".into())));
        let token = http_api(HTTP_LOGIN, |e| {
            e["routeKey"] = json!("POST /token");
            e["requestContext"]["routeKey"] = json!("POST /token");
            e["rawPath"] = json!("/token");
        });
        assert_eq!(route(&token), Some(("POST".into(), "/token".into())));

        let patch = http_api(include_str!("../../events/hello-http.json"), |e| {
            e["routeKey"] = json!("PATCH /users/{username}");
            e["requestContext"]["routeKey"] = json!("PATCH /users/{username}");
            e["requestContext"]["http"]["method"] = json!("PATCH");
            e["rawPath"] = json!("/users/%C3%A9mile");
            e["pathParameters"] = json!({"username": "émile"});
        });
        assert_eq!(route(&patch), Some(("PATCH".into(), "/users/{username}".into())));
        assert_eq!(path_parameter(&patch, "username").as_deref(), Some("émile"));

        let unmatched = http_api(HTTP_LOGIN, |e| e["requestContext"]["routeKey"] = json!("$default"));
        assert_eq!(route(&unmatched), None);
    }

    #[test]
    fn reads_the_json_body_of_an_http_api_request() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Login {
            username: String,
            password: String,
        }
        let login = http_api(HTTP_LOGIN, |_| {});
        let body = json_body::<Login>(&login, "username and password").unwrap();
        assert_eq!(body, Login { username: "alice".into(), password: "correct horse battery staple".into() });
        let encoded = http_api(HTTP_LOGIN, |e| {
            e["body"] = json!("eyJ1c2VybmFtZSI6ImFsaWNlIiwicGFzc3dvcmQiOiJwdyJ9");
            e["isBase64Encoded"] = json!(true);
        });
        let body = json_body::<Login>(&encoded, "username and password").unwrap();
        assert_eq!(body, Login { username: "alice".into(), password: "pw".into() });
        let text = http_api(HTTP_LOGIN, |e| e["headers"]["content-type"] = json!("text/plain"));
        assert_eq!(json_body::<Login>(&text, "x"), Err(BodyError::NotJson));
    }
}
