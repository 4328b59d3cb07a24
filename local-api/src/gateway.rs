//! The emulated API Gateway REST API: route lookup, CORS preflight, the TOKEN
//! authorizer with its identity check, cache and policy evaluation, the
//! proxy integration to the functions, and API Gateway's own error answers.
//! The HTTP API kind (`--api http`) is in `http_api.rs`.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use authenticate::Authenticate;
use hello::HelloConfig;
use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE, HeaderName,
    HeaderValue,
};
use http::{Response, StatusCode};
use serde_json::{Value, json};
use users_api::UsersApi;

use crate::authorizer::{AuthorizerDecision, TokenAuthorizer, UNAUTHORIZED, token_event};
use crate::cache::AuthorizerCache;
use crate::clock::Clock;
use crate::event::{ApiIdentity, IncomingRequest, RequestMeta, lambda_request, proxy_event};
use crate::http_api::SimpleDecision;
use crate::iam::{Decision, INVOKE};
use crate::routes::{AuthorizerSpec, Lookup, Route, RouteTable};

/// The headers a `cors: true` preflight allows (Serverless's defaults).
pub const CORS_ALLOW_HEADERS: &str =
    "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent";
/// API Gateway's integration timeout.
pub const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);

const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
const ERROR_TYPE: HeaderName = HeaderName::from_static("x-amzn-errortype");

/// A function the local API can run, by its name in `serverless.yml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Authenticate,
    Hello,
    UsersApi,
}

impl Function {
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "authenticate" => Some(Self::Authenticate),
            "hello" => Some(Self::Hello),
            "usersApi" => Some(Self::UsersApi),
            _ => None,
        }
    }
}

/// Which kind of API Gateway API is emulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ApiKind {
    /// A REST API: payload 1.0 events, the TOKEN authorizer and its IAM policies.
    #[default]
    Rest,
    /// An HTTP API: payload 2.0 events, a REQUEST authorizer with simple responses.
    Http,
}

/// Why the proxy integration gave no response; each kind of API answers it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntegrationFailure {
    /// The function failed (a panic where panics unwind), or its event was unreadable.
    Failed,
    /// No answer within the integration timeout.
    TimedOut,
}

/// Whether a request went through the authorizer, for the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerUse {
    /// No authorizer on the route, or refused before calling it (no or malformed identity).
    None,
    /// Answered from the cache.
    Hit,
    /// The authorizer was invoked.
    Miss,
}

impl fmt::Display for AuthorizerUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "none",
            Self::Hit => "hit",
            Self::Miss => "miss",
        })
    }
}

/// Why the authorizer step stopped a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No or malformed identity, or the authorizer said `Unauthorized`: 401.
    Unauthorized,
    /// The authorizer failed otherwise or answered nonsense: 500.
    AuthorizerFailure,
    /// A Deny statement matched: 403.
    ExplicitDeny,
    /// No Allow statement matched: 403.
    ImplicitDeny,
}

/// The answer to one request.
#[derive(Debug)]
pub struct Outcome {
    pub response: Response<Vec<u8>>,
    pub authorizer: AuthorizerUse,
}

/// The emulated API with its functions. Build it with [`crate::GatewayBuilder`].
pub struct Gateway {
    pub(crate) routes: RouteTable,
    pub(crate) api: ApiIdentity,
    pub(crate) functions: HashMap<String, Function>,
    pub(crate) authenticate: Authenticate,
    pub(crate) hello: HelloConfig,
    pub(crate) users_api: UsersApi,
    pub(crate) authorizers: HashMap<String, Arc<dyn TokenAuthorizer>>,
    /// Compiled identity validation expressions, by their source.
    pub(crate) validators: HashMap<String, regex_lite::Regex>,
    /// `--authorizer-ttl`, overriding each authorizer's `resultTtlInSeconds`.
    pub(crate) ttl_override: Option<u64>,
    pub(crate) cache: Mutex<AuthorizerCache<AuthorizerDecision>>,
    pub(crate) kind: ApiKind,
    /// The HTTP API's cache, keyed by both identity sources (token and route).
    pub(crate) http_cache: Mutex<AuthorizerCache<SimpleDecision>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) cors_allow_origin: String,
    pub(crate) invocations: AtomicU64,
}

impl Gateway {
    /// How many times an authorizer function has been invoked.
    pub fn authorizer_invocations(&self) -> u64 {
        self.invocations.load(Ordering::SeqCst)
    }

    pub fn routes(&self) -> &RouteTable {
        &self.routes
    }

    pub fn api(&self) -> &ApiIdentity {
        &self.api
    }

    pub fn kind(&self) -> ApiKind {
        self.kind
    }

    /// The authorizer cache TTL a route uses.
    pub fn authorizer_ttl(&self, spec: &AuthorizerSpec) -> u64 {
        self.ttl_override.unwrap_or(spec.ttl_seconds)
    }

    /// Answers one request as API Gateway would.
    pub async fn handle(self: &Arc<Self>, request: IncomingRequest<'_>) -> Outcome {
        let request_id = uuid::Uuid::new_v4().to_string();
        let mut outcome = match self.kind {
            ApiKind::Rest => self.route(&request, &request_id).await,
            ApiKind::Http => self.route_http(&request, &request_id).await,
        };
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            outcome.response.headers_mut().insert(REQUEST_ID, value);
        }
        outcome
    }

    async fn route(self: &Arc<Self>, request: &IncomingRequest<'_>, request_id: &str) -> Outcome {
        let (route, path_parameters) = match self.routes.lookup(request.method, request.path) {
            Lookup::Route(route, parameters) => (route, parameters),
            Lookup::Preflight(methods) => return self.plain(self.preflight(&methods)),
            Lookup::Missing => {
                let body = json!({"message": "Missing Authentication Token"});
                return self.plain(self.gateway_error(
                    StatusCode::FORBIDDEN,
                    &body,
                    "MissingAuthenticationTokenException",
                ));
            }
        };
        let (authorizer_fields, used) = match &route.authorizer {
            None => (None, AuthorizerUse::None),
            Some(spec) => match self.authorize(spec, request).await {
                Ok((fields, used)) => (Some(fields), used),
                Err((refusal, used)) => return Outcome { response: self.refusal(refusal), authorizer: used },
            },
        };
        let meta = RequestMeta {
            request_id,
            time_epoch_ms: SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0),
            resource: &route.path,
            path_parameters,
            authorizer: authorizer_fields,
        };
        let event = proxy_event(&self.api, request, &meta);
        let response = match self.integrate(route, event).await {
            Ok(response) => response,
            Err(IntegrationFailure::Failed) => self.gateway_error(
                StatusCode::BAD_GATEWAY,
                &json!({"message": "Internal server error"}),
                "InternalServerErrorException",
            ),
            Err(IntegrationFailure::TimedOut) => self.gateway_error(
                StatusCode::GATEWAY_TIMEOUT,
                &json!({"message": "Endpoint request timed out"}),
                "InternalServerErrorException",
            ),
        };
        Outcome { response, authorizer: used }
    }

    fn plain(&self, response: Response<Vec<u8>>) -> Outcome {
        Outcome { response, authorizer: AuthorizerUse::None }
    }

    /// The TOKEN authorizer: identity check, cache, invocation, policy.
    async fn authorize(
        &self,
        spec: &AuthorizerSpec,
        request: &IncomingRequest<'_>,
    ) -> Result<(Value, AuthorizerUse), (Refusal, AuthorizerUse)> {
        let identity = request
            .headers
            .get_all(&spec.identity_header)
            .iter()
            .next_back()
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.is_empty());
        // No identity, or one that fails the validation expression: 401 without calling the authorizer.
        let Some(identity) = identity else {
            return Err((Refusal::Unauthorized, AuthorizerUse::None));
        };
        if let Some(expression) = &spec.validation_expression
            && !self.validators.get(expression).is_some_and(|regex| regex.is_match(identity))
        {
            return Err((Refusal::Unauthorized, AuthorizerUse::None));
        }
        let method_arn = self.api.method_arn(request.method, request.path);
        let now = self.clock.now();
        let cached = self.cache.lock().unwrap_or_else(PoisonError::into_inner).get(&spec.function, identity, now);
        let (decision, used, latency_ms) = match cached {
            Some(decision) => (decision, AuthorizerUse::Hit, 0),
            None => {
                let started = Instant::now();
                let decision = self
                    .invoke_authorizer(spec, identity, &method_arn, now)
                    .await
                    .map_err(|refusal| (refusal, AuthorizerUse::Miss))?;
                let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                let ttl = self.authorizer_ttl(spec);
                self.cache.lock().unwrap_or_else(PoisonError::into_inner).insert(
                    &spec.function,
                    identity,
                    decision.clone(),
                    now,
                    ttl,
                );
                (decision, AuthorizerUse::Miss, latency_ms)
            }
        };
        match decision.policy.evaluate(INVOKE, &method_arn) {
            Decision::Allow => Ok((decision.request_context_fields(latency_ms), used)),
            Decision::ExplicitDeny => Err((Refusal::ExplicitDeny, used)),
            Decision::ImplicitDeny => Err((Refusal::ImplicitDeny, used)),
        }
    }

    /// One call of the authorizer function; only a valid answer is a decision.
    async fn invoke_authorizer(
        &self,
        spec: &AuthorizerSpec,
        identity: &str,
        method_arn: &str,
        now: u64,
    ) -> Result<AuthorizerDecision, Refusal> {
        let Some(authorizer) = self.authorizers.get(&spec.function) else {
            tracing::error!(authorizer = %spec.function, "no such authorizer function");
            return Err(Refusal::AuthorizerFailure);
        };
        self.invocations.fetch_add(1, Ordering::SeqCst);
        match authorizer.invoke(token_event(identity, method_arn), now).await {
            Err(message) if message == UNAUTHORIZED => Err(Refusal::Unauthorized),
            Err(message) => {
                // The message is the function's; keep a token it might echo out of the log.
                let message = message.replace(identity, "<identity>");
                tracing::error!(authorizer = %spec.function, error = %message, "authorizer failed: 500");
                Err(Refusal::AuthorizerFailure)
            }
            Ok(response) => match AuthorizerDecision::from_response(&response) {
                Ok(decision) => Ok(decision),
                Err(problem) => {
                    tracing::error!(authorizer = %spec.function, %problem, "invalid authorizer response: 500");
                    Err(Refusal::AuthorizerFailure)
                }
            },
        }
    }

    /// The Lambda proxy integration: the function runs on its own task, like
    /// an invocation, so a hang is a timeout and (where panics unwind: debug
    /// builds and tests; the workspace's release profile aborts) a panic a
    /// failure, as on AWS.
    pub(crate) async fn integrate(
        self: &Arc<Self>,
        route: &Route,
        event: Value,
    ) -> Result<Response<Vec<u8>>, IntegrationFailure> {
        let Some(&function) = self.functions.get(&route.function) else {
            tracing::error!(function = %route.function, "no such function");
            return Err(IntegrationFailure::Failed);
        };
        let request = match lambda_request(&event) {
            Ok(request) => request,
            Err(err) => {
                tracing::error!(error = %err, "cannot convert the proxy event");
                return Err(IntegrationFailure::Failed);
            }
        };
        let gateway = Arc::clone(self);
        let task = tokio::spawn(async move {
            match function {
                Function::Authenticate => gateway.authenticate.handle(request).await,
                Function::Hello => hello::handle(&gateway.hello, request).await,
                Function::UsersApi => gateway.users_api.handle(request).await,
            }
        });
        match tokio::time::timeout(INTEGRATION_TIMEOUT, task).await {
            Ok(Ok(Ok(response))) => Ok(proxy_response(response)),
            Ok(Ok(Err(never))) => match never {},
            Ok(Err(err)) => {
                tracing::error!(function = %route.function, error = %err, "function failed");
                Err(IntegrationFailure::Failed)
            }
            Err(_) => Err(IntegrationFailure::TimedOut),
        }
    }

    /// API Gateway's answer when the authorizer step stops a request.
    fn refusal(&self, refusal: Refusal) -> Response<Vec<u8>> {
        let (status, body, error_type) = match refusal {
            Refusal::Unauthorized => {
                (StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"}), "UnauthorizedException")
            }
            Refusal::AuthorizerFailure => {
                (StatusCode::INTERNAL_SERVER_ERROR, json!({"message": null}), "AuthorizerConfigurationException")
            }
            Refusal::ExplicitDeny => (
                StatusCode::FORBIDDEN,
                json!({"Message": "User is not authorized to access this resource with an explicit deny"}),
                "AccessDeniedException",
            ),
            Refusal::ImplicitDeny => (
                StatusCode::FORBIDDEN,
                json!({"Message": "User is not authorized to access this resource"}),
                "AccessDeniedException",
            ),
        };
        self.gateway_error(status, &body, error_type)
    }

    /// API Gateway's own answers carry the CORS origin (the stack's gateway responses).
    fn gateway_error(&self, status: StatusCode, body: &Value, error_type: &'static str) -> Response<Vec<u8>> {
        let mut response = Response::new(body.to_string().into_bytes());
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ERROR_TYPE, HeaderValue::from_static(error_type));
        if let Ok(origin) = HeaderValue::from_str(&self.cors_allow_origin) {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        response
    }

    /// The mock integration `cors: true` deploys for `OPTIONS`.
    fn preflight(&self, methods: &[String]) -> Response<Vec<u8>> {
        let mut response = Response::new(Vec::new());
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Ok(origin) = HeaderValue::from_str(&self.cors_allow_origin) {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(CORS_ALLOW_HEADERS));
        if let Ok(methods) = HeaderValue::from_str(&methods.join(",")) {
            headers.insert(ACCESS_CONTROL_ALLOW_METHODS, methods);
        }
        response
    }
}

/// The function's response as API Gateway returns it: status, every header,
/// the body (base64 bodies decoded), and `application/json` when the function
/// set no content type.
fn proxy_response(response: Response<lambda_http::Body>) -> Response<Vec<u8>> {
    let (mut parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Text(text) => text.into_bytes(),
        lambda_http::Body::Binary(bytes) => bytes,
        _ => Vec::new(),
    };
    if !parts.headers.contains_key(CONTENT_TYPE) {
        parts.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    Response::from_parts(parts, bytes)
}
