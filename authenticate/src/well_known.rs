//! `GET /.well-known/jwks.json` and `GET /.well-known/openid-configuration`:
//! public, cacheable documents that let any verifier (API Gateway's JWT
//! authorizer, a standard JWT library) check our tokens without our help.

use apigw::{error_response, json_response};
use common::token::{Algorithm, Jwks};
use lambda_http::http::header::{ALLOW, CACHE_CONTROL, HOST, HeaderValue};
use lambda_http::http::{Method, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;

use crate::discovery::{OpenIdConfiguration, RequestOrigin};

pub const JWKS_PATH: &str = "/.well-known/jwks.json";
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";

/// Five minutes: verifiers refetch soon enough after a rotation adds a key
/// (which is published before it signs), without asking on every token.
const CACHE_CONTROL_PUBLIC: &str = "public, max-age=300";

pub struct WellKnown {
    issuer: String,
    algorithm: Algorithm,
    jwks: Jwks,
    cors_allow_origin: String,
}

impl WellKnown {
    pub fn new(issuer: &str, algorithm: Algorithm, jwks: Jwks, cors_allow_origin: &str) -> Self {
        Self { issuer: issuer.to_string(), algorithm, jwks, cors_allow_origin: cors_allow_origin.to_string() }
    }

    /// Whether `resource` is one of these documents' routes.
    pub fn serves(resource: &str) -> bool {
        resource == JWKS_PATH || resource == OPENID_CONFIGURATION_PATH
    }

    pub fn answer(&self, request: &Request, resource: &str) -> Response<Body> {
        if request.method() != Method::GET {
            let mut response =
                error_response(StatusCode::METHOD_NOT_ALLOWED, "invalid_request", "use GET", &self.cors_allow_origin);
            response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET"));
            return response;
        }
        if resource == JWKS_PATH {
            return self.public(&self.jwks);
        }
        let host = request.headers().get(HOST).and_then(|value| value.to_str().ok());
        let stage = match request.request_context_ref() {
            Some(RequestContext::ApiGatewayV1(context)) => context.stage.as_deref(),
            Some(RequestContext::ApiGatewayV2(context)) => context.stage.as_deref(),
            _ => None,
        };
        self.public(&OpenIdConfiguration::new(&self.issuer, self.algorithm, RequestOrigin { host, stage }))
    }

    /// 200 with JSON that anyone may cache: these documents hold nothing private.
    fn public<T: Serialize>(&self, body: &T) -> Response<Body> {
        let mut response = json_response(StatusCode::OK, body, &self.cors_allow_origin);
        response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL_PUBLIC));
        response
    }
}
