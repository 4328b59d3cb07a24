//! The REST API proxy event API Gateway sends to a Lambda, built from a local
//! HTTP request, and its conversion to the `http::Request` the handlers get,
//! through lambda_http exactly as on Lambda.

use std::collections::BTreeMap;
use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, Method};
use serde_json::{Map, Value, json};

/// Who the emulated API is: partition `aws`, a fixed account, API id and stage `local`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiIdentity {
    pub region: String,
    pub account_id: String,
    pub api_id: String,
    pub stage: String,
}

impl ApiIdentity {
    pub fn local(region: impl Into<String>) -> Self {
        Self { region: region.into(), account_id: "123456789012".into(), api_id: "local".into(), stage: "local".into() }
    }

    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}{path}`, the path literal.
    pub fn method_arn(&self, method: &Method, path: &str) -> String {
        format!(
            "arn:aws:execute-api:{}:{}:{}/{}/{}{}",
            self.region, self.account_id, self.api_id, self.stage, method, path
        )
    }
}

/// One request as API Gateway received it.
#[derive(Debug, Clone)]
pub struct IncomingRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub source_ip: IpAddr,
    /// The server's port, for `X-Forwarded-Port`.
    pub port: u16,
}

/// Per-request values API Gateway generates.
#[derive(Debug, Clone)]
pub struct RequestMeta<'a> {
    pub request_id: &'a str,
    /// Milliseconds since the epoch.
    pub time_epoch_ms: u128,
    /// The route's resource path, e.g. `/users/{username}`.
    pub resource: &'a str,
    /// What the resource path's parameters took from the request path, decoded.
    pub path_parameters: Vec<(String, String)>,
    /// `requestContext.authorizer`, behind an authorizer.
    pub authorizer: Option<Value>,
}

/// The proxy event, as JSON.
pub fn proxy_event(api: &ApiIdentity, request: &IncomingRequest<'_>, meta: &RequestMeta<'_>) -> Value {
    let mut headers = Map::new();
    let mut multi_headers: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut add_header = |name: &str, value: String| {
        headers.insert(name.to_string(), Value::String(value.clone()));
        multi_headers.entry(name.to_string()).or_default().push(Value::String(value));
    };
    for (name, value) in request.headers {
        // API Gateway passes header values through; non-UTF-8 bytes cannot be JSON strings.
        add_header(name.as_str(), String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    // Headers API Gateway adds on the way to the integration.
    add_header("x-forwarded-for", request.source_ip.to_string());
    add_header("x-forwarded-port", request.port.to_string());
    add_header("x-forwarded-proto", "http".into());

    let (single_query, multi_query) = query_parameters(request.query);
    let (body, is_base64) = match std::str::from_utf8(request.body) {
        _ if request.body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_string()), false),
        Err(_) => (Value::String(STANDARD.encode(request.body)), true),
    };
    let user_agent = request.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok());
    let host = request.headers.get(http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let mut context = json!({
        "accountId": api.account_id,
        "apiId": api.api_id,
        "domainName": host,
        "domainPrefix": host.split('.').next().unwrap_or(host),
        "extendedRequestId": meta.request_id,
        "httpMethod": request.method.as_str(),
        "identity": {
            "sourceIp": request.source_ip.to_string(),
            "userAgent": user_agent,
            "accessKey": null, "accountId": null, "caller": null, "cognitoAuthenticationProvider": null,
            "cognitoAuthenticationType": null, "cognitoIdentityId": null, "cognitoIdentityPoolId": null,
            "principalOrgId": null, "user": null, "userArn": null
        },
        "path": format!("/{}{}", api.stage, request.path),
        "protocol": "HTTP/1.1",
        "requestId": meta.request_id,
        "requestTime": request_time(meta.time_epoch_ms),
        "requestTimeEpoch": meta.time_epoch_ms,
        "resourceId": "local",
        "resourcePath": meta.resource,
        "stage": api.stage,
    });
    if let Some(authorizer) = &meta.authorizer {
        context["authorizer"] = authorizer.clone();
    }
    json!({
        "resource": meta.resource,
        "path": request.path,
        "httpMethod": request.method.as_str(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters(&meta.path_parameters),
        "stageVariables": null,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

/// `null` without parameters, as on AWS.
fn path_parameters(parameters: &[(String, String)]) -> Value {
    if parameters.is_empty() {
        return Value::Null;
    }
    Value::Object(parameters.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

/// API Gateway decodes the query string; each name maps to its last value
/// (single) and to all of them (multi). No query is `null`, as on AWS.
fn query_parameters(query: Option<&str>) -> (Value, Value) {
    let Some(query) = query.filter(|q| !q.is_empty()) else {
        return (Value::Null, Value::Null);
    };
    let mut single = Map::new();
    let mut multi: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        single.insert(name.to_string(), Value::String(value.to_string()));
        multi.entry(name.into_owned()).or_default().push(Value::String(value.into_owned()));
    }
    (Value::Object(single), json!(multi))
}

/// `28/Nov/2026:17:00:00 +0000`, API Gateway's `requestTime`.
pub(crate) fn request_time(epoch_ms: u128) -> String {
    let seconds = i64::try_from(epoch_ms / 1000).unwrap_or(0);
    let Ok(time) = time::OffsetDateTime::from_unix_timestamp(seconds) else {
        return String::new();
    };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{:02}/{}/{}:{:02}:{:02}:{:02} +0000",
        time.day(),
        MONTHS[usize::from(u8::from(time.month())) - 1],
        time.year(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// The request a Lambda handler receives for this event: lambda_http's own
/// conversion, as in the Lambda runtime.
pub fn lambda_request(event: &Value) -> Result<lambda_http::Request, serde_json::Error> {
    lambda_http::request::from_str(&event.to_string())
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;

    use super::*;

    fn incoming<'a>(headers: &'a HeaderMap, query: Option<&'a str>, body: &'a [u8]) -> IncomingRequest<'a> {
        IncomingRequest {
            method: &Method::GET,
            path: "/hello",
            query,
            headers,
            body,
            source_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 3000,
        }
    }

    fn meta(authorizer: Option<Value>) -> RequestMeta<'static> {
        RequestMeta {
            request_id: "req-1",
            time_epoch_ms: 1_795_885_200_123,
            resource: "/hello",
            path_parameters: Vec::new(),
            authorizer,
        }
    }

    #[test]
    fn method_arn_and_stage_path() {
        let api = ApiIdentity::local("eu-west-1");
        assert_eq!(
            api.method_arn(&Method::GET, "/hello"),
            "arn:aws:execute-api:eu-west-1:123456789012:local/local/GET/hello"
        );
        let headers = HeaderMap::new();
        let event = proxy_event(&api, &incoming(&headers, None, b""), &meta(None));
        assert_eq!(event["requestContext"]["path"], "/local/hello");
        assert_eq!(event["requestContext"]["stage"], "local");
        assert_eq!(event["requestContext"]["requestTime"], "28/Nov/2026:17:00:00 +0000");
        assert_eq!(event["queryStringParameters"], Value::Null);
        assert_eq!(event["body"], Value::Null);
        assert!(event["requestContext"].get("authorizer").is_none());
    }

    #[test]
    fn the_handlers_see_what_they_see_on_lambda() {
        let mut headers = HeaderMap::new();
        headers.insert("user-agent", "curl/8".parse().unwrap());
        headers.append("x-multi", "a".parse().unwrap());
        headers.append("x-multi", "b".parse().unwrap());
        let authorizer = json!({"principalId": "u-1", "username": "alice", "roles": "admin", "integrationLatency": 3});
        let event = proxy_event(
            &ApiIdentity::local("us-east-1"),
            &incoming(&headers, Some("a=1&b=x%20y&a=2"), b"{\"k\":1}"),
            &meta(Some(authorizer)),
        );
        let request = lambda_request(&event).unwrap();
        assert_eq!(request.method(), Method::GET);
        assert_eq!(request.uri().path(), "/local/hello", "lambda_http puts the stage in front, as on AWS");
        assert_eq!(event["multiValueHeaders"]["x-multi"], json!(["a", "b"]));
        assert_eq!(event["headers"]["x-multi"], "b", "API Gateway's single-value map keeps the last");
        // lambda_http lets the single-value map win, so on Lambda too a handler sees the last value only.
        assert_eq!(request.headers().get_all("x-multi").iter().collect::<Vec<_>>(), ["b"]);
        assert_eq!(request.headers()["x-forwarded-for"], "127.0.0.1");
        assert_eq!(request.query_string_parameters().all("a"), Some(vec!["1", "2"]));
        assert_eq!(request.query_string_parameters().first("b"), Some("x y"));
        assert_eq!(request.body().as_ref(), b"{\"k\":1}");
        let Some(RequestContext::ApiGatewayV1(context)) = request.request_context_ref() else { panic!("REST context") };
        assert_eq!(context.identity.source_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(context.request_id.as_deref(), Some("req-1"));
        assert_eq!(context.authorizer.fields["principalId"], "u-1");
        assert_eq!(context.authorizer.fields["username"], "alice");
    }

    #[test]
    fn binary_bodies_are_base64() {
        let headers = HeaderMap::new();
        let event =
            proxy_event(&ApiIdentity::local("us-east-1"), &incoming(&headers, None, &[0xff, 0x00]), &meta(None));
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(lambda_request(&event).unwrap().body().as_ref(), &[0xff, 0x00]);
    }
}
