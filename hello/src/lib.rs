//! `GET /hello`: greets the caller named by the authorizer.

use apigw::{caller, error_response, json_response};
use common::identity::CallerIdentity;
use lambda_http::{Body, Request, Response, http::StatusCode};
use serde::Serialize;

mod config;

pub use config::HelloConfig;

#[derive(Serialize)]
struct Greeting<'a> {
    message: String,
    user: &'a CallerIdentity,
}

/// Reads the caller only from the authorizer's context (`apigw::caller`:
/// `requestContext.authorizer` from a REST API, `.authorizer.lambda` from an
/// HTTP API): API Gateway puts it there after the authorizer allowed the call,
/// and nothing the client sends can forge it. Without it the route was
/// deployed without the authorizer, and answering 200 would greet anyone, so
/// that is a 500.
pub async fn handle(config: &HelloConfig, request: Request) -> Result<Response<Body>, std::convert::Infallible> {
    let response = match caller(&request) {
        Ok(user) => {
            let greeting = Greeting { message: format!("Hello, {}!", user.username), user: &user };
            json_response(StatusCode::OK, &greeting, &config.cors_allow_origin)
        }
        Err(problem) => {
            tracing::error!("misconfigured route: {problem}");
            let description = "the request could not be completed";
            error_response(StatusCode::INTERNAL_SERVER_ERROR, "server_error", description, &config.cors_allow_origin)
        }
    };
    Ok(response)
}

#[cfg(test)]
mod tests;
