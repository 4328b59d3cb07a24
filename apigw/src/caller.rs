//! Who is calling, as the authorizer told API Gateway: read only from the
//! request context, which API Gateway fills after the authorizer allowed the
//! call and which nothing the client sends can forge.

use common::identity::{CallerIdentity, MissingAuthorizerField};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// The request carries no caller: the route is deployed without the authorizer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallerError {
    #[error("the request has no API Gateway REST request context")]
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
        _ => Err(CallerError::NoContext),
    }
}
