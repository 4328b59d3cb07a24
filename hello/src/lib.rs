//! `GET /hello`: greets the caller named by the authorizer.

use common::config::HelloConfig;
use common::identity::CallerIdentity;
use common::response::json_response;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response, http::StatusCode};
use serde::Serialize;
use serde_json::json;

#[derive(Serialize)]
struct Greeting<'a> {
    message: String,
    user: &'a CallerIdentity,
}

/// Reads the caller only from `requestContext.authorizer`: API Gateway puts it
/// there after the authorizer allowed the call, and nothing the client sends
/// can forge it. Without it the route was deployed without the authorizer, and
/// answering 200 would greet anyone, so that is a 500.
pub async fn handle(config: &HelloConfig, request: Request) -> Result<Response<Body>, std::convert::Infallible> {
    let identity = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(context)) => {
            CallerIdentity::from_authorizer_fields(&context.authorizer.fields).map_err(|err| err.to_string())
        }
        _ => Err("the request has no API Gateway REST request context".to_string()),
    };
    let response = match identity {
        Ok(user) => {
            let greeting = Greeting { message: format!("Hello, {}!", user.username), user: &user };
            json_response(StatusCode::OK, &greeting, &config.cors_allow_origin)
        }
        Err(problem) => {
            tracing::error!("misconfigured route: {problem}");
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({"error": "server_error"}),
                &config.cors_allow_origin,
            )
        }
    };
    Ok(response)
}

#[cfg(test)]
mod tests;
