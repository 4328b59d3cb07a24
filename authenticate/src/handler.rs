//! HTTP in, HTTP out: the login (`/authenticate`), the OAuth 2.0 token
//! endpoint (`/token`) and revocation (`/revoke`), each outcome an answer
//! with a status and an OAuth-style JSON body, never cached.

use std::sync::Arc;

use apigw::{error_response, json_response, route};
use common::clock::now_epoch_millis as now_ms;
use common::credentials::Credentials;
use common::password::PasswordHashing;
use common::session::RefreshToken;
use common::store::{LoginStore, SessionStore, UserDirectory, UserStore};
use common::token::{TokenError, TokenIssuer};
use common::user::User;
use lambda_http::http::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;

use crate::LoginError;
use crate::config::AuthenticateConfig;
use crate::grants::{Grant, GrantError, revoke_request, token_request};
use crate::login::LoginService;
use crate::sessions::{RefreshError, Sessions};
use crate::signing::Signer;
use crate::well_known::WellKnown;
use common::config::IssuerKey;
use common::credentials::{CredentialsError, from_basic_header, from_post};

/// A 503's description: the store or another dependency failed, which the
/// log says; the client only needs to know that retrying may help.
const UNAVAILABLE: &str = "the service is temporarily unavailable; try again later";
/// A 429's: the wait is in `Retry-After`. The same for a locked user and a
/// burst of concurrent attempts, so it says no more than the status does.
const TOO_MANY_ATTEMPTS: &str = "too many login attempts; try again after the seconds in Retry-After";

/// Sent with every 401 to a GET, so browsers and curl know to use Basic.
const WWW_AUTHENTICATE_BASIC: &str = r#"Basic realm="authenticate", charset="UTF-8""#;

/// What `authenticate` reads and writes, each face shaped by its use: a
/// login's conditional writes, a refresh's read of the user, the sessions.
#[derive(Clone)]
pub struct Stores {
    pub logins: Arc<dyn LoginStore>,
    pub users: Arc<dyn UserDirectory>,
    pub sessions: Arc<dyn SessionStore>,
}

impl Stores {
    /// Users and logins from one store (every backend has both faces).
    pub fn new(users: Arc<dyn UserStore>, sessions: Arc<dyn SessionStore>) -> Self {
        Self { logins: users.clone(), users, sessions }
    }
}

pub struct Authenticate {
    login: LoginService,
    sessions: Sessions,
    well_known: WellKnown,
    cors_allow_origin: String,
}

impl Authenticate {
    /// Builds the service once at cold start, for an HS256 configuration (an
    /// ES256 key is read first: [`Signer::load`], then [`Authenticate::with_signer`]).
    pub fn new(config: &AuthenticateConfig, stores: Stores, hasher: impl PasswordHashing) -> Result<Self, TokenError> {
        let IssuerKey::Hs256(key) = &config.issuer.key else { return Err(TokenError::InvalidKey) };
        Ok(Self::with_signer(config, Signer::hs256(key)?, stores, hasher))
    }

    /// Builds the service once at cold start, signing with `signer`.
    pub fn with_signer(
        config: &AuthenticateConfig,
        signer: Signer,
        stores: Stores,
        hasher: impl PasswordHashing,
    ) -> Self {
        let algorithm = signer.algorithm();
        let (key, jwks) = signer.into_parts();
        let issuer = TokenIssuer::with_key(key, &config.issuer.names, config.issuer.ttl);
        let names = &config.issuer.names;
        Self {
            login: LoginService::new(stores.logins, hasher, issuer, config.lockout),
            sessions: Sessions::new(stores.sessions, stores.users, config.refresh_ttl.as_secs()),
            well_known: WellKnown::new(&names.issuer, algorithm, jwks, &config.cors_allow_origin),
            cors_allow_origin: config.cors_allow_origin.clone(),
        }
    }

    /// The Lambda (and local API) entry point. It never fails: every outcome is an HTTP answer.
    pub async fn handle(&self, request: Request) -> Result<Response<Body>, std::convert::Infallible> {
        let resource = route(&request).map(|(_, resource)| resource);
        Ok(match resource.as_deref() {
            Some("/token") => self.token_endpoint(&request).await,
            Some("/revoke") => self.revoke_endpoint(&request).await,
            Some(path) if WellKnown::serves(path) => self.well_known.answer(&request, path),
            _ => self.login_endpoint(&request).await,
        })
    }

    /// `GET /authenticate` (Basic) and `POST /authenticate` (JSON, or Basic with no body).
    async fn login_endpoint(&self, request: &Request) -> Response<Body> {
        let method = request.method().clone();
        let credentials = match method {
            Method::GET => from_basic_header(request.headers().get(AUTHORIZATION).map(HeaderValue::as_bytes)),
            Method::POST => {
                let header = |name| request.headers().get(name).map(HeaderValue::as_bytes);
                from_post(header(AUTHORIZATION), header(CONTENT_TYPE), request.body().as_ref())
            }
            _ => return self.method_not_allowed("GET, POST"),
        };
        match credentials {
            Ok(credentials) => match self.log_in(credentials).await {
                Ok(response) => response,
                Err(err) => self.login_error(&method, err),
            },
            Err(err) => self.credentials_error(&method, err),
        }
    }

    /// A login's token pair: the user's access token and a new session's refresh token.
    async fn log_in(&self, credentials: Credentials) -> Result<Response<Body>, LoginError> {
        let now = now_ms();
        let user = self.login.user(credentials, now / 1000).await?;
        let refresh = self.sessions.start(&user, now).await.map_err(refresh_failure)?;
        self.tokens(&user, &refresh, now)
    }

    /// `POST /token`: RFC 6749's refresh_token and password grants.
    async fn token_endpoint(&self, request: &Request) -> Response<Body> {
        if request.method() != Method::POST {
            return self.method_not_allowed("POST");
        }
        let content_type = request.headers().get(CONTENT_TYPE).map(HeaderValue::as_bytes);
        let grant = match token_request(content_type, request.body().as_ref()) {
            Ok(grant) => grant,
            Err(err) => return self.grant_error(err),
        };
        let outcome = match grant {
            Grant::Password(credentials) => self.log_in(credentials).await,
            Grant::RefreshToken(token) => {
                let now = now_ms();
                match self.sessions.refresh(&token, now).await {
                    Ok((user, next)) => self.tokens(&user, &next, now),
                    Err(RefreshError::Invalid(why)) => {
                        tracing::info!(reason = %why, "refresh refused");
                        return self.oauth_error("invalid_grant", "the refresh token is invalid, expired or revoked");
                    }
                    Err(err) => Err(refresh_failure(err)),
                }
            }
        };
        outcome.unwrap_or_else(|err| match err {
            LoginError::InvalidCredentials => {
                tracing::info!("password grant refused: invalid credentials");
                self.oauth_error("invalid_grant", "invalid username or password")
            }
            LoginError::AccountDisabled => {
                tracing::info!("password grant refused: account disabled");
                self.oauth_error("invalid_grant", "the account is disabled")
            }
            other => self.login_error(&Method::POST, other),
        })
    }

    /// `POST /revoke` (RFC 7009): 200 whatever the token, so the answer tells
    /// nothing about it; a refresh token ends its session.
    async fn revoke_endpoint(&self, request: &Request) -> Response<Body> {
        if request.method() != Method::POST {
            return self.method_not_allowed("POST");
        }
        let content_type = request.headers().get(CONTENT_TYPE).map(HeaderValue::as_bytes);
        let token = match revoke_request(content_type, request.body().as_ref()) {
            Ok(token) => token,
            Err(err) => return self.grant_error(err),
        };
        match self.sessions.revoke(&token).await {
            Ok(()) => json_response(StatusCode::OK, &json!({}), &self.cors_allow_origin),
            Err(cause) => {
                tracing::error!(error = %cause, "session store unavailable");
                self.error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", UNAVAILABLE)
            }
        }
    }

    fn tokens(&self, user: &User, refresh: &RefreshToken, now_ms: u64) -> Result<Response<Body>, LoginError> {
        let token = self.login.issue(user, now_ms / 1000)?;
        let body = json!({
            "access_token": token.access_token,
            "token_type": "Bearer",
            "expires_in": token.expires_in,
            "refresh_token": refresh.expose(),
        });
        Ok(json_response(StatusCode::OK, &body, &self.cors_allow_origin))
    }

    /// RFC 6749 §5.2: 400 with the error code and a description.
    fn oauth_error(&self, error: &str, description: &str) -> Response<Body> {
        self.error(StatusCode::BAD_REQUEST, error, description)
    }

    fn grant_error(&self, err: GrantError) -> Response<Body> {
        let code = match err {
            GrantError::InvalidRequest(_) => "invalid_request",
            GrantError::UnsupportedGrantType => "unsupported_grant_type",
        };
        self.oauth_error(code, &err.to_string())
    }

    fn method_not_allowed(&self, allowed: &'static str) -> Response<Body> {
        let description = format!("use {allowed}");
        let mut response = self.error(StatusCode::METHOD_NOT_ALLOWED, "invalid_request", &description);
        response.headers_mut().insert(ALLOW, HeaderValue::from_static(allowed));
        response
    }

    fn credentials_error(&self, method: &Method, err: CredentialsError) -> Response<Body> {
        let description = err.to_string();
        match err {
            CredentialsError::Missing => self.unauthorized(method, &description),
            CredentialsError::Invalid(_) => self.error(StatusCode::BAD_REQUEST, "invalid_request", &description),
            CredentialsError::UnsupportedMediaType => {
                self.error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request", &description)
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
                self.error(StatusCode::FORBIDDEN, "account_disabled", "the account is disabled; ask an administrator")
            }
            LoginError::Locked { retry_after } => {
                tracing::info!("login refused: too many attempts");
                let mut response = self.error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", TOO_MANY_ATTEMPTS);
                response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
                response
            }
            LoginError::StoreUnavailable(cause) => {
                tracing::error!(error = %cause, "user store unavailable");
                self.error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", UNAVAILABLE)
            }
            LoginError::Internal(cause) => {
                tracing::error!(error = %cause, "login failed");
                self.error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "the request could not be completed")
            }
        }
    }

    /// A 401; to a GET it also carries `WWW-Authenticate`. A POST never does,
    /// so a script in a browser does not trigger the browser's login dialog.
    fn unauthorized(&self, method: &Method, description: &str) -> Response<Body> {
        let mut response = self.error(StatusCode::UNAUTHORIZED, "invalid_credentials", description);
        if method == Method::GET {
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static(WWW_AUTHENTICATE_BASIC));
        }
        response
    }

    fn error(&self, status: StatusCode, error: &str, description: &str) -> Response<Body> {
        error_response(status, error, description, &self.cors_allow_origin)
    }
}

/// A session that cannot be started or continued for want of the store (or
/// of randomness): the same fail-closed answers as a login's.
fn refresh_failure(err: RefreshError) -> LoginError {
    match err {
        RefreshError::StoreUnavailable(cause) => LoginError::StoreUnavailable(cause),
        other => LoginError::Internal(other.to_string()),
    }
}

#[cfg(test)]
mod tests;
