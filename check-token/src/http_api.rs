//! The HTTP API front end: a payload format 2.0 `REQUEST` event in, the
//! simple response out (`enableSimpleResponses`).
//!
//! API Gateway's semantics for HTTP APIs decide the shape of every answer
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html>):
//! a request whose identity source is missing or empty gets 401 without the
//! authorizer being invoked; `{"isAuthorized": false}` gets 403; an error, a
//! timeout or a malformed answer gets 500. So every refusal here, a bad token
//! included, is `isAuthorized: false`, never an error: an error would turn a
//! caller's mistake into a server fault.
//!
//! Unlike the REST policy, the decision is for one route, the event's
//! `routeKey`. API Gateway caches it by the identity sources, so the
//! deployment must list `$context.routeKey` beside
//! `$request.header.Authorization`, or one route's cached decision would
//! answer for another.

use common::access::AccessRules;
use common::identity::AuthorizerContext;
use serde::Serialize;

use crate::authorizer::{Authorizer, context};

/// What check-token reads of an HTTP API authorizer event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpApiRequest {
    /// `headers.authorization`: `Bearer <token>`, as for REST.
    pub authorization: Option<String>,
    /// The route API Gateway matched, `GET /users/{username}`: the form of
    /// the access table's keys. `$default` when no route's template matched.
    pub route_key: Option<String>,
}

/// The simple response. `context` is left out of a refusal (there is no
/// caller to describe), which `aws_lambda_events`' type, whose context is
/// always serialised, cannot express.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpApiResponse {
    pub is_authorized: bool,
    /// Reaches the integration as `requestContext.authorizer.lambda`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<AuthorizerContext>,
}

impl HttpApiResponse {
    pub fn refused() -> Self {
        Self { is_authorized: false, context: None }
    }
}

impl Authorizer {
    /// The token checked as for REST, then the route: allowed only when the
    /// access table has a rule for exactly this route key and it admits the
    /// token's roles. `$default`, an `ANY` route or a route with no rule is
    /// refused: the table names one method per route, and a route it does not
    /// name is open to nobody.
    pub fn authorize_http_api(&self, request: &HttpApiRequest, now: u64) -> HttpApiResponse {
        let claims = match self.verify(request.authorization.as_deref(), now) {
            Ok(claims) => claims,
            Err(reason) => {
                tracing::info!(%reason, "token refused");
                return HttpApiResponse::refused();
            }
        };
        let route = request.route_key.as_deref().unwrap_or_default();
        if !route_admits(self.access(), route, &claims.roles) {
            // The route key is the API's configuration, not the caller's input.
            tracing::info!(route, "route refused to the token's roles");
            return HttpApiResponse::refused();
        }
        HttpApiResponse { is_authorized: true, context: Some(context(claims)) }
    }
}

/// Whether the rule of `METHOD /path` admits these roles.
pub fn route_admits(access: &AccessRules, route_key: &str, roles: &[String]) -> bool {
    let Some((method, path)) = route_key.split_once(' ') else {
        return false;
    };
    access.rule(method, path).is_some_and(|rule| rule.admits(roles))
}

#[cfg(test)]
mod tests;
