//! Who is calling, as the authorizer told API Gateway: read only from the
//! request context, which API Gateway fills after the authorizer allowed the
//! call and which nothing the client sends can forge.
//!
//! One reader for both APIs: a REST API puts the authorizer's context in
//! `requestContext.authorizer` beside `principalId`; an HTTP API puts the
//! simple response's context in `requestContext.authorizer.lambda`, where
//! there is no `principalId` and the same value arrives as `sub`. Behind
//! API Gateway's built-in JWT authorizer (no Lambda), an HTTP API puts the
//! token's verified claims, as strings, in `requestContext.authorizer.jwt.claims`:
//! `sub`, `username`, and the roles as the space-separated `scope`.

use std::collections::HashMap;

use common::identity::{CallerIdentity, MissingAuthorizerField, PRINCIPAL_ID, ROLES, USERNAME};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::Value;

/// The context key that holds the caller's id in an HTTP API request:
/// check-token's `AuthorizerContext::sub`, which REST also sends as `principalId`.
pub const SUB: &str = "sub";
/// The claim holding the roles, space-separated, for the built-in JWT authorizer.
pub const SCOPE: &str = "scope";

/// The request carries no caller: the route is deployed without the authorizer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallerError {
    #[error("the request has no API Gateway request context (REST or HTTP API)")]
    NoContext,
    #[error(transparent)]
    Missing(#[from] MissingAuthorizerField),
}

/// The caller of a request that came through the authorizer.
pub fn caller(request: &Request) -> Result<CallerIdentity, CallerError> {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(context)) => {
            Ok(CallerIdentity::from_authorizer_fields(&context.authorizer.fields)?)
        }
        Some(RequestContext::ApiGatewayV2(context)) => {
            let empty = HashMap::new();
            let authorizer = context.authorizer.as_ref();
            if let Some(jwt) = authorizer.filter(|a| a.fields.is_empty()).and_then(|a| a.jwt.as_ref()) {
                return Ok(from_jwt_claims(&jwt.claims)?);
            }
            let fields = authorizer.map_or(&empty, |authorizer| &authorizer.fields);
            Ok(from_lambda_context(fields)?)
        }
        _ => Err(CallerError::NoContext),
    }
}

/// `requestContext.authorizer.lambda`, read by the REST reader: `sub` stands
/// in for `principalId`, so both APIs apply the same rules to the same fields.
fn from_lambda_context(fields: &HashMap<String, Value>) -> Result<CallerIdentity, MissingAuthorizerField> {
    let mut rest = HashMap::with_capacity(3);
    for (from, to) in [(SUB, PRINCIPAL_ID), (USERNAME, USERNAME), (ROLES, ROLES)] {
        if let Some(value) = fields.get(from) {
            rest.insert(to.to_string(), value.clone());
        }
    }
    CallerIdentity::from_authorizer_fields(&rest)
        .map_err(|MissingAuthorizerField(name)| MissingAuthorizerField(if name == PRINCIPAL_ID { SUB } else { name }))
}

/// `requestContext.authorizer.jwt.claims`: API Gateway verified the token
/// (signature, issuer, audience, expiry) before the function runs.
fn from_jwt_claims(claims: &HashMap<String, String>) -> Result<CallerIdentity, MissingAuthorizerField> {
    let text =
        |name: &'static str| claims.get(name).filter(|v| !v.is_empty()).cloned().ok_or(MissingAuthorizerField(name));
    let roles = claims
        .get(SCOPE)
        .map_or_else(Vec::new, |scope| scope.split(' ').filter(|role| !role.is_empty()).map(str::to_string).collect());
    Ok(CallerIdentity { id: text(SUB)?, username: text(USERNAME)?, roles })
}

#[cfg(test)]
mod tests;
