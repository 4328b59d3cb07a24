//! The HTTP API's events (payload format 2.0): the proxy event a function
//! gets, and the REQUEST event a Lambda authorizer gets. HTTP APIs join
//! repeated headers and query parameters with commas, lower-case header names,
//! move cookies to their own list, and (on the `$default` stage) put no stage
//! in the path.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::header::{COOKIE, USER_AGENT};
use serde_json::{Map, Value, json};

use crate::event::{ApiIdentity, IncomingRequest, RequestMeta, request_time};

/// The stage an HTTP API deployed by osls serves: no stage in the path.
pub const DEFAULT_STAGE: &str = "$default";

/// `GET /users/{username}`: the route's key, as API Gateway names it.
pub fn route_key(method: &http::Method, resource: &str) -> String {
    format!("{method} {resource}")
}

/// `arn:aws:execute-api:{region}:{account}:{api}/$default/{METHOD}{path}`.
pub fn route_arn(api: &ApiIdentity, request: &IncomingRequest<'_>) -> String {
    format!(
        "arn:aws:execute-api:{}:{}:{}/{DEFAULT_STAGE}/{}{}",
        api.region, api.account_id, api.api_id, request.method, request.path
    )
}

/// Headers as an HTTP API passes them: lower-case names (as `http` keeps
/// them), repeated values joined with `,`, cookies apart.
fn headers(request: &IncomingRequest<'_>) -> (Map<String, Value>, Vec<Value>) {
    let mut joined: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in request.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == COOKIE {
            cookies.extend(value.split(';').map(|c| Value::String(c.trim().to_string())));
            continue;
        }
        joined.entry(name.as_str().to_string()).or_default().push(value);
    }
    joined.entry("x-forwarded-for".into()).or_default().push(request.source_ip.to_string());
    joined.entry("x-forwarded-port".into()).or_default().push(request.port.to_string());
    joined.entry("x-forwarded-proto".into()).or_default().push("http".into());
    let headers = joined.into_iter().map(|(name, values)| (name, Value::String(values.join(",")))).collect();
    (headers, cookies)
}

/// Decoded query parameters, repeated ones joined with `,`; `None` without any.
fn query_parameters(query: Option<&str>) -> Option<Map<String, Value>> {
    let query = query.filter(|q| !q.is_empty())?;
    let mut joined: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        joined.entry(name.into_owned()).or_default().push(value.into_owned());
    }
    Some(joined.into_iter().map(|(name, values)| (name, Value::String(values.join(",")))).collect())
}

/// `requestContext`, the same for the function and the authorizer.
fn request_context(api: &ApiIdentity, request: &IncomingRequest<'_>, meta: &RequestMeta<'_>, key: &str) -> Value {
    let host = request.headers.get(http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let user_agent = request.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    json!({
        "accountId": api.account_id,
        "apiId": api.api_id,
        "domainName": host,
        "domainPrefix": host.split('.').next().unwrap_or(host),
        "http": {
            "method": request.method.as_str(),
            "path": request.path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip.to_string(),
            "userAgent": user_agent,
        },
        "requestId": meta.request_id,
        "routeKey": key,
        "stage": DEFAULT_STAGE,
        "time": request_time(meta.time_epoch_ms),
        "timeEpoch": meta.time_epoch_ms,
    })
}

/// The parts both events share.
fn common(api: &ApiIdentity, request: &IncomingRequest<'_>, meta: &RequestMeta<'_>) -> Map<String, Value> {
    let key = route_key(request.method, meta.resource);
    let (headers, cookies) = headers(request);
    let mut event = Map::new();
    event.insert("version".into(), "2.0".into());
    event.insert("routeKey".into(), key.clone().into());
    event.insert("rawPath".into(), request.path.into());
    event.insert("rawQueryString".into(), request.query.unwrap_or_default().into());
    if !cookies.is_empty() {
        event.insert("cookies".into(), Value::Array(cookies));
    }
    event.insert("headers".into(), Value::Object(headers));
    if let Some(query) = query_parameters(request.query) {
        event.insert("queryStringParameters".into(), Value::Object(query));
    }
    if !meta.path_parameters.is_empty() {
        let parameters = meta.path_parameters.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        event.insert("pathParameters".into(), Value::Object(parameters));
    }
    event.insert("requestContext".into(), request_context(api, request, meta, &key));
    event
}

/// The proxy event of payload format 2.0, the authorizer's context (if any)
/// under `requestContext.authorizer.lambda`.
pub fn http_proxy_event(api: &ApiIdentity, request: &IncomingRequest<'_>, meta: &RequestMeta<'_>) -> Value {
    let mut event = common(api, request, meta);
    if let Some(context) = &meta.authorizer {
        event["requestContext"]["authorizer"] = json!({"lambda": context});
    }
    if !request.body.is_empty() {
        let (body, is_base64) = match std::str::from_utf8(request.body) {
            Ok(text) => (text.to_string(), false),
            Err(_) => (STANDARD.encode(request.body), true),
        };
        event.insert("body".into(), body.into());
        event.insert("isBase64Encoded".into(), is_base64.into());
    } else {
        event.insert("isBase64Encoded".into(), false.into());
    }
    Value::Object(event)
}

/// The Lambda authorizer's REQUEST event of payload format 2.0, with the
/// values of its identity sources (the token header, the route key).
pub fn authorizer_event(
    api: &ApiIdentity,
    request: &IncomingRequest<'_>,
    meta: &RequestMeta<'_>,
    identity: &[String],
) -> Value {
    let mut event = common(api, request, meta);
    event.insert("type".into(), "REQUEST".into());
    event.insert("routeArn".into(), route_arn(api, request).into());
    event.insert("identitySource".into(), json!(identity));
    Value::Object(event)
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use http::{HeaderMap, Method};
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;

    use super::*;
    use crate::event::lambda_request;

    fn meta(authorizer: Option<Value>) -> RequestMeta<'static> {
        RequestMeta {
            request_id: "req-2",
            time_epoch_ms: 1_795_885_200_123,
            resource: "/users/{username}",
            path_parameters: vec![("username".into(), "alice".into())],
            authorizer,
        }
    }

    fn incoming<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> IncomingRequest<'a> {
        IncomingRequest {
            method: &Method::PATCH,
            path: "/users/alice",
            query: Some("a=1&a=2&b=x%20y"),
            headers,
            body,
            source_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 3000,
        }
    }

    #[test]
    fn the_handlers_see_an_http_api_request() {
        let mut headers = HeaderMap::new();
        headers.append("x-multi", "a".parse().unwrap());
        headers.append("x-multi", "b".parse().unwrap());
        headers.insert("cookie", "c1=1; c2=2".parse().unwrap());
        let context = json!({"sub": "u-1", "username": "alice", "roles": "admin"});
        let event =
            http_proxy_event(&ApiIdentity::local("us-east-1"), &incoming(&headers, b"{}"), &meta(Some(context)));
        assert_eq!(event["routeKey"], "PATCH /users/{username}");
        assert_eq!(event["headers"]["x-multi"], "a,b");
        assert_eq!(event["cookies"], json!(["c1=1", "c2=2"]));
        assert_eq!(event["queryStringParameters"], json!({"a": "1,2", "b": "x y"}));
        assert_eq!(event["requestContext"]["stage"], "$default");

        let request = lambda_request(&event).unwrap();
        assert_eq!(request.method(), Method::PATCH);
        assert_eq!(request.uri().path(), "/users/alice", "no stage in the path on $default");
        assert_eq!(request.path_parameters().first("username"), Some("alice"));
        assert_eq!(request.body().as_ref(), b"{}");
        let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref() else { panic!("v2 context") };
        assert_eq!(context.route_key.as_deref(), Some("PATCH /users/{username}"));
        let authorizer = context.authorizer.as_ref().unwrap();
        assert_eq!(authorizer.fields["username"], "alice");
    }

    #[test]
    fn the_authorizer_gets_a_request_event() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer t".parse().unwrap());
        let identity = vec!["Bearer t".to_string(), "PATCH /users/{username}".to_string()];
        let event =
            authorizer_event(&ApiIdentity::local("us-east-1"), &incoming(&headers, b""), &meta(None), &identity);
        assert_eq!((event["version"].as_str(), event["type"].as_str()), (Some("2.0"), Some("REQUEST")));
        assert_eq!(event["routeArn"], "arn:aws:execute-api:us-east-1:123456789012:local/$default/PATCH/users/alice");
        assert_eq!(event["identitySource"], json!(identity));
        assert_eq!(event["headers"]["authorization"], "Bearer t");
        assert!(event.get("body").is_none(), "an authorizer gets no body");
    }
}
