//! The emulated API Gateway HTTP API (`--api http`): the same routes and
//! functions as the REST API, with what differs between the two kinds:
//! payload 2.0 events, the Lambda REQUEST authorizer with simple responses
//! and its identity sources (the token header and the route, so a decision is
//! cached per route), the HTTP API's own answers (`404 Not Found`,
//! `401 Unauthorized`, `403 Forbidden`, `500 Internal Server Error`) and its
//! CORS configuration.

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE, ORIGIN,
};
use http::{HeaderValue, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::event::{IncomingRequest, RequestMeta};
use crate::event_http::{authorizer_event, http_proxy_event, route_key};
use crate::gateway::{AuthorizerUse, CORS_ALLOW_HEADERS, Gateway, IntegrationFailure, Outcome};
use crate::routes::{AuthorizerSpec, Lookup};

/// A simple response, as API Gateway keeps (and caches) it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleDecision {
    pub authorized: bool,
    /// Passed to the function as `requestContext.authorizer.lambda`.
    pub context: Map<String, Value>,
}

/// Why a simple response is unusable; API Gateway answers 500.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSimpleResponse {
    #[error("the response is not a JSON object")]
    NotAnObject,
    #[error("the response has no boolean isAuthorized")]
    NoDecision,
    #[error("context is not an object")]
    ContextNotAnObject,
}

impl SimpleDecision {
    pub fn from_response(response: &Value) -> Result<Self, InvalidSimpleResponse> {
        let response = response.as_object().ok_or(InvalidSimpleResponse::NotAnObject)?;
        let authorized =
            response.get("isAuthorized").and_then(Value::as_bool).ok_or(InvalidSimpleResponse::NoDecision)?;
        let context = match response.get("context") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(context)) => context.clone(),
            Some(_) => return Err(InvalidSimpleResponse::ContextNotAnObject),
        };
        Ok(Self { authorized, context })
    }
}

/// Why the authorizer step stopped a request, with the HTTP API's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No token: 401, the authorizer not invoked.
    Unauthorized,
    /// `isAuthorized: false`: 403.
    Forbidden,
    /// The authorizer failed, or answered something else: 500.
    Failure,
}

impl Gateway {
    /// One request through the HTTP API.
    pub(crate) async fn route_http(self: &Arc<Self>, request: &IncomingRequest<'_>, request_id: &str) -> Outcome {
        let (route, path_parameters) = match self.routes.lookup(request.method, request.path) {
            Lookup::Route(route, parameters) => (route, parameters),
            Lookup::Preflight(methods) => return self.with_cors(request, self.http_preflight(&methods)),
            Lookup::Missing => {
                let response = http_error(StatusCode::NOT_FOUND, "Not Found");
                return self.with_cors(request, response);
            }
        };
        let mut meta = RequestMeta {
            request_id,
            time_epoch_ms: SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0),
            resource: &route.path,
            path_parameters,
            authorizer: None,
        };
        let mut used = AuthorizerUse::None;
        if let Some(spec) = &route.authorizer {
            match self.authorize_http(spec, request, &meta).await {
                Ok((context, how)) => {
                    meta.authorizer = Some(Value::Object(context));
                    used = how;
                }
                Err((refusal, how)) => {
                    let response = match refusal {
                        Refusal::Unauthorized => http_error(StatusCode::UNAUTHORIZED, "Unauthorized"),
                        Refusal::Forbidden => http_error(StatusCode::FORBIDDEN, "Forbidden"),
                        Refusal::Failure => http_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
                    };
                    let mut outcome = self.with_cors(request, response);
                    outcome.authorizer = how;
                    return outcome;
                }
            }
        }
        let event = http_proxy_event(&self.api, request, &meta);
        let response = match self.integrate(route, event).await {
            Ok(response) => response,
            Err(IntegrationFailure::Failed) => http_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
            Err(IntegrationFailure::TimedOut) => http_error(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
        };
        let mut outcome = self.with_cors(request, response);
        outcome.authorizer = used;
        outcome
    }

    /// The Lambda REQUEST authorizer: identity sources, cache, invocation.
    async fn authorize_http(
        &self,
        spec: &AuthorizerSpec,
        request: &IncomingRequest<'_>,
        meta: &RequestMeta<'_>,
    ) -> Result<(Map<String, Value>, AuthorizerUse), (Refusal, AuthorizerUse)> {
        let token = request
            .headers
            .get_all(&spec.identity_header)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        // An identity source missing or empty: 401, the authorizer not invoked.
        if token.is_empty() {
            return Err((Refusal::Unauthorized, AuthorizerUse::None));
        }
        let identity = vec![token, route_key(request.method, meta.resource)];
        let cache_key = identity.join("\n");
        let now = self.clock.now();
        let cached =
            self.http_cache.lock().unwrap_or_else(PoisonError::into_inner).get(&spec.function, &cache_key, now);
        let (decision, used) = match cached {
            Some(decision) => (decision, AuthorizerUse::Hit),
            None => {
                let started = Instant::now();
                let event = authorizer_event(&self.api, request, meta, &identity);
                let decision =
                    self.invoke_simple(spec, event, &identity[0], now).await.map_err(|r| (r, AuthorizerUse::Miss))?;
                tracing::debug!(latency_ms = started.elapsed().as_millis() as u64, "authorizer answered");
                let ttl = self.authorizer_ttl(spec);
                self.http_cache.lock().unwrap_or_else(PoisonError::into_inner).insert(
                    &spec.function,
                    &cache_key,
                    decision.clone(),
                    now,
                    ttl,
                );
                (decision, AuthorizerUse::Miss)
            }
        };
        if decision.authorized { Ok((decision.context, used)) } else { Err((Refusal::Forbidden, used)) }
    }

    async fn invoke_simple(
        &self,
        spec: &AuthorizerSpec,
        event: Value,
        token: &str,
        now: u64,
    ) -> Result<SimpleDecision, Refusal> {
        let Some(authorizer) = self.authorizers.get(&spec.function) else {
            tracing::error!(authorizer = %spec.function, "no such authorizer function");
            return Err(Refusal::Failure);
        };
        self.invocations.fetch_add(1, Ordering::SeqCst);
        match authorizer.invoke(event, now).await {
            Err(message) => {
                // The message is the function's; keep a token it might echo out of the log.
                let message = message.replace(token, "<identity>");
                tracing::error!(authorizer = %spec.function, error = %message, "authorizer failed: 500");
                Err(Refusal::Failure)
            }
            Ok(response) => SimpleDecision::from_response(&response).map_err(|problem| {
                tracing::error!(authorizer = %spec.function, %problem, "invalid authorizer response: 500");
                Refusal::Failure
            }),
        }
    }

    /// The HTTP API's CORS configuration answers preflights itself.
    fn http_preflight(&self, methods: &[String]) -> Response<Vec<u8>> {
        let mut response = Response::new(Vec::new());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(CORS_ALLOW_HEADERS));
        if let Ok(methods) = HeaderValue::from_str(&methods.join(",")) {
            headers.insert(ACCESS_CONTROL_ALLOW_METHODS, methods);
        }
        response
    }

    /// With a CORS configuration, an HTTP API sets the allowed origin on every
    /// answer to a request that names an origin, the function's own included.
    fn with_cors(&self, request: &IncomingRequest<'_>, mut response: Response<Vec<u8>>) -> Outcome {
        if request.headers.contains_key(ORIGIN)
            && let Ok(origin) = HeaderValue::from_str(&self.cors_allow_origin)
        {
            response.headers_mut().insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        Outcome { response, authorizer: AuthorizerUse::None }
    }
}

/// The HTTP API's own error answer: `{"message": ...}`.
fn http_error(status: StatusCode, message: &str) -> Response<Vec<u8>> {
    let mut response = Response::new(json!({ "message": message }).to_string().into_bytes());
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_simple_responses_as_api_gateway_does() {
        let allowed = SimpleDecision::from_response(&json!({"isAuthorized": true, "context": {"sub": "u", "exp": 1}}));
        assert_eq!(allowed.unwrap().context["exp"], 1);
        let denied = SimpleDecision::from_response(&json!({"isAuthorized": false})).unwrap();
        assert!(!denied.authorized && denied.context.is_empty());
        for (bad, why) in [
            (json!("yes"), InvalidSimpleResponse::NotAnObject),
            (json!({}), InvalidSimpleResponse::NoDecision),
            (json!({"isAuthorized": "true"}), InvalidSimpleResponse::NoDecision),
            (json!({"isAuthorized": true, "context": [1]}), InvalidSimpleResponse::ContextNotAnObject),
            // A REST policy is not a simple response.
            (json!({"principalId": "u", "policyDocument": {}}), InvalidSimpleResponse::NoDecision),
        ] {
            assert_eq!(SimpleDecision::from_response(&bad), Err(why), "{bad}");
        }
    }
}
