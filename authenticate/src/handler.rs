//! HTTP in, HTTP out: maps requests to [`LoginService::login`] and its
//! outcomes to status codes and OAuth-style JSON bodies.

use std::sync::Arc;

use apigw::{error_response, json_response};
use common::clock::now_epoch_seconds;
use common::password::PasswordHashing;
use common::store::LoginStore;
use common::token::{IssuedToken, TokenError, TokenIssuer};
use lambda_http::http::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::LoginError;
use crate::config::AuthenticateConfig;
use crate::login::LoginService;
use common::credentials::{CredentialsError, from_basic_header, from_json_body};

/// Sent with every 401 to a GET, so browsers and curl know to use Basic.
const WWW_AUTHENTICATE_BASIC: &str = r#"Basic realm="authenticate", charset="UTF-8""#;

pub struct Authenticate {
    login: LoginService,
    cors_allow_origin: String,
}

impl Authenticate {
    /// Builds the service once at cold start.
    pub fn new(
        config: &AuthenticateConfig,
        store: Arc<dyn LoginStore>,
        hasher: impl PasswordHashing,
    ) -> Result<Self, TokenError> {
        Ok(Self {
            login: LoginService::new(store, hasher, TokenIssuer::new(&config.issuer)?, config.lockout),
            cors_allow_origin: config.cors_allow_origin.clone(),
        })
    }

    /// The Lambda (and local API) entry point. It never fails: every outcome is an HTTP answer.
    pub async fn handle(&self, request: Request) -> Result<Response<Body>, std::convert::Infallible> {
        let method = request.method().clone();
        let credentials = match method {
            Method::GET => from_basic_header(request.headers().get(AUTHORIZATION).map(HeaderValue::as_bytes)),
            Method::POST => {
                from_json_body(request.headers().get(CONTENT_TYPE).map(HeaderValue::as_bytes), request.body().as_ref())
            }
            _ => {
                let mut response =
                    self.error(StatusCode::METHOD_NOT_ALLOWED, "invalid_request", Some("use GET or POST"));
                response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, POST"));
                return Ok(response);
            }
        };
        let outcome = match credentials {
            Ok(credentials) => self.login.login(credentials, now_epoch_seconds()).await,
            Err(err) => return Ok(self.credentials_error(&method, err)),
        };
        Ok(match outcome {
            Ok(token) => self.token(&token),
            Err(err) => self.login_error(&method, err),
        })
    }

    fn token(&self, token: &IssuedToken) -> Response<Body> {
        let body = json!({"access_token": token.access_token, "token_type": "Bearer", "expires_in": token.expires_in});
        json_response(StatusCode::OK, &body, &self.cors_allow_origin)
    }

    fn credentials_error(&self, method: &Method, err: CredentialsError) -> Response<Body> {
        let description = err.to_string();
        match err {
            CredentialsError::Missing => self.unauthorized(method, &description),
            CredentialsError::Invalid(_) => self.error(StatusCode::BAD_REQUEST, "invalid_request", Some(&description)),
            CredentialsError::UnsupportedMediaType => {
                self.error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request", Some(&description))
            }
        }
    }

    fn login_error(&self, method: &Method, err: LoginError) -> Response<Body> {
        match err {
            LoginError::InvalidCredentials => {
                tracing::info!("login refused: invalid credentials");
                self.unauthorized(method, "invalid username or password")
            }
            LoginError::AccountDisabled => {
                tracing::info!("login refused: account disabled");
                self.error(StatusCode::FORBIDDEN, "account_disabled", None)
            }
            LoginError::Locked { retry_after } => {
                tracing::info!("login refused: too many attempts");
                let mut response = self.error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", None);
                response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
                response
            }
            LoginError::StoreUnavailable(cause) => {
                tracing::error!(error = %cause, "user store unavailable");
                self.error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", None)
            }
            LoginError::Internal(cause) => {
                tracing::error!(error = %cause, "login failed");
                self.error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", None)
            }
        }
    }

    /// A 401; to a GET it also carries `WWW-Authenticate`. A POST never does,
    /// so a script in a browser does not trigger the browser's login dialog.
    fn unauthorized(&self, method: &Method, description: &str) -> Response<Body> {
        let mut response = self.error(StatusCode::UNAUTHORIZED, "invalid_credentials", Some(description));
        if method == Method::GET {
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static(WWW_AUTHENTICATE_BASIC));
        }
        response
    }

    fn error(&self, status: StatusCode, error: &str, description: Option<&str>) -> Response<Body> {
        error_response(status, error, description, &self.cors_allow_origin)
    }
}

#[cfg(test)]
mod tests;
