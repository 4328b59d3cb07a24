//! HTTP in, HTTP out: the route API Gateway matched, the caller the
//! authorizer named, then one user operation, answered as JSON.

use std::sync::Arc;

use apigw::{BodyError, caller, error_response, json_body, json_response, path_parameter, route};
use common::clock::now_epoch_seconds;
use common::identity::CallerIdentity;
use common::password::PasswordHashing;
use common::store::{SessionStore, UserStore};
use common::user::{User, validate_roles};
use lambda_http::http::header::{HeaderValue, LOCATION, RETRY_AFTER};
use lambda_http::http::{Response, StatusCode};
use lambda_http::{Body, Request};
use serde::Deserialize;
use users::credentials::{CredentialCheck, LoginError};
use users::{Users, UsersError, check_password};

use crate::UsersApiConfig;
use crate::view::UserView;

/// Everything the API needs, built once at cold start.
pub struct UsersApi {
    users: Users,
    credentials: CredentialCheck,
    cors_allow_origin: String,
    admin_role: String,
}

/// `GET /users`: a struct rather than `json!`, so each user keeps its field order.
#[derive(serde::Serialize)]
struct UserList<'a> {
    users: Vec<UserView<'a>>,
}

/// `POST /users`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    username: String,
    password: String,
    #[serde(default)]
    roles: Vec<String>,
}

/// `PATCH /users/{username}`: any of the three.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    roles: Option<Vec<String>>,
    disabled: Option<bool>,
    password: Option<String>,
}

/// `PUT /me/password`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnPassword {
    current_password: String,
    new_password: String,
}

/// A refusal is an answer like any other: both sides are responses, and `?`
/// ends a route at its first refusal.
type Answer = Result<Response<Body>, Response<Body>>;

// Both arms of `Answer` are the same response type: boxing the refusals, as
// clippy's result_large_err suggests, would only add an allocation to them.
#[allow(clippy::result_large_err)]
impl UsersApi {
    /// `sessions`: disabling, deleting or changing the password of a user ends them.
    pub fn new(
        config: &UsersApiConfig,
        store: Arc<dyn UserStore>,
        sessions: Arc<dyn SessionStore>,
        hasher: impl PasswordHashing + Clone,
    ) -> Self {
        Self {
            users: Users::with_hasher(store.clone(), sessions, hasher.clone()),
            credentials: CredentialCheck::new(store, hasher, config.lockout),
            cors_allow_origin: config.cors_allow_origin.clone(),
            admin_role: config.admin_role.clone(),
        }
    }

    /// The Lambda (and local API) entry point. It never fails: every outcome is an HTTP answer.
    pub async fn handle(&self, request: Request) -> Result<Response<Body>, std::convert::Infallible> {
        Ok(self.answer(&request, now_epoch_seconds()).await.unwrap_or_else(|refusal| refusal))
    }

    async fn answer(&self, request: &Request, now: u64) -> Answer {
        let caller = caller(request).map_err(|problem| {
            tracing::error!("misconfigured route: {problem}");
            self.error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "the route is not behind the authorizer")
        })?;
        let Some((method, resource)) = route(request) else {
            return Err(self.error(StatusCode::NOT_FOUND, "not_found", "no such route"));
        };
        if resource == "/me/password" && method == "PUT" {
            return self.own_password(request, &caller, now).await;
        }
        if !caller.roles.contains(&self.admin_role) {
            tracing::info!(caller = %caller.username, route = %resource, "refused: not an administrator");
            let description = format!("this route needs the role {}", self.admin_role);
            return Err(self.error(StatusCode::FORBIDDEN, "forbidden", &description));
        }
        let username = || {
            path_parameter(request, "username")
                .ok_or_else(|| self.error(StatusCode::NOT_FOUND, "not_found", "no username in the path"))
        };
        match (method.as_str(), resource.as_str()) {
            ("GET", "/users") => {
                let all = self.users.list().await.map_err(|err| self.users_error(err))?;
                let users = all.iter().map(|user| UserView::of(user, now)).collect();
                Ok(json_response(StatusCode::OK, &UserList { users }, &self.cors_allow_origin))
            }
            ("POST", "/users") => self.create(request, now).await,
            ("GET", "/users/{username}") => self.user(&username()?, now).await,
            ("PATCH", "/users/{username}") => self.change(request, &username()?, now).await,
            ("DELETE", "/users/{username}") => {
                self.users.delete(&username()?).await.map_err(|err| self.users_error(err))?;
                Ok(self.no_content())
            }
            ("POST", "/users/{username}/unlock") => {
                let username = username()?;
                self.users.unlock(&username).await.map_err(|err| self.users_error(err))?;
                self.user(&username, now).await
            }
            _ => Err(self.error(StatusCode::NOT_FOUND, "not_found", "no such route")),
        }
    }

    async fn create(&self, request: &Request, now: u64) -> Answer {
        let new: NewUser = self.body(request, "string fields username and password, and roles, a list of strings")?;
        let user =
            self.users.add(&new.username, &new.password, &new.roles, now).await.map_err(|err| self.users_error(err))?;
        let mut response = self.user_response(StatusCode::CREATED, &user, now);
        // Relative to the collection's own URL, so it holds behind any stage or domain.
        let location = format!("users/{}", percent_encoding::utf8_percent_encode(&user.username, PATH_SEGMENT));
        if let Ok(location) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(LOCATION, location);
        }
        Ok(response)
    }

    async fn user(&self, username: &str, now: u64) -> Answer {
        let user = self.users.get(username).await.map_err(|err| self.users_error(err))?;
        Ok(self.user_response(StatusCode::OK, &user, now))
    }

    /// Every field is checked before anything is written, so a bad password
    /// cannot leave the roles changed.
    async fn change(&self, request: &Request, username: &str, now: u64) -> Answer {
        let change: Change = self.body(request, "any of roles (a list of strings), disabled (a boolean), password")?;
        if change.roles.is_none() && change.disabled.is_none() && change.password.is_none() {
            let description = "name at least one of roles, disabled, password";
            return Err(self.error(StatusCode::BAD_REQUEST, "invalid_request", description));
        }
        let invalid = |why: String| self.error(StatusCode::BAD_REQUEST, "invalid_request", &why);
        if let Some(roles) = &change.roles {
            validate_roles(roles).map_err(|err| invalid(err.to_string()))?;
        }
        if let Some(password) = &change.password {
            check_password(password).map_err(|err| invalid(err.to_string()))?;
        }
        let user = self.users.get(username).await.map_err(|err| self.users_error(err))?;
        if let Some(roles) = &change.roles {
            self.users.set_roles(&user.username, roles).await.map_err(|err| self.users_error(err))?;
        }
        if let Some(disabled) = change.disabled {
            self.users.set_disabled(&user.username, disabled).await.map_err(|err| self.users_error(err))?;
        }
        if let Some(password) = &change.password {
            self.users.set_password(&user.username, password).await.map_err(|err| self.users_error(err))?;
        }
        self.user(&user.username, now).await
    }

    /// The caller's own password: the current one is checked like a login
    /// (it counts against the lockout), the new one then replaces it and
    /// every session of the caller ends: one may be a thief's.
    async fn own_password(&self, request: &Request, caller: &CallerIdentity, now: u64) -> Answer {
        let body: OwnPassword = self.body(request, "string fields current_password and new_password")?;
        check_password(&body.new_password)
            .map_err(|err| self.error(StatusCode::BAD_REQUEST, "invalid_request", &err.to_string()))?;
        match self.credentials.check(&caller.username, body.current_password, now).await {
            Ok(user) if user.disabled => {
                Err(self.error(StatusCode::FORBIDDEN, "account_disabled", "the account is disabled"))
            }
            Ok(user) => {
                let ended = self
                    .users
                    .set_password(&user.username, &body.new_password)
                    .await
                    .map_err(|err| self.users_error(err))?;
                tracing::info!(username = %user.username, sessions = ?ended, "password changed by its owner; sessions ended");
                Ok(self.no_content())
            }
            Err(err) => Err(self.login_error(err)),
        }
    }

    fn body<T: serde::de::DeserializeOwned>(
        &self,
        request: &Request,
        expected: &'static str,
    ) -> Result<T, Response<Body>> {
        json_body(request, expected).map_err(|err| {
            let status = match err {
                BodyError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                BodyError::TooLarge | BodyError::Invalid(_) => StatusCode::BAD_REQUEST,
            };
            self.error(status, "invalid_request", &err.to_string())
        })
    }

    fn user_response(&self, status: StatusCode, user: &User, now: u64) -> Response<Body> {
        json_response(status, &UserView::of(user, now), &self.cors_allow_origin)
    }

    /// 204: no body, so no content type; the CORS origin and no-store as on every answer.
    fn no_content(&self) -> Response<Body> {
        let mut response = json_response(StatusCode::NO_CONTENT, &(), &self.cors_allow_origin);
        response.headers_mut().remove(lambda_http::http::header::CONTENT_TYPE);
        *response.body_mut() = Body::Empty;
        response
    }

    fn users_error(&self, err: UsersError) -> Response<Body> {
        match err {
            UsersError::Invalid(why) => self.error(StatusCode::BAD_REQUEST, "invalid_request", &why),
            UsersError::Exists(name) => {
                self.error(StatusCode::CONFLICT, "user_exists", &format!("user {name:?} already exists"))
            }
            UsersError::NotFound(name) => {
                self.error(StatusCode::NOT_FOUND, "not_found", &format!("user {name:?} not found"))
            }
            UsersError::Unavailable(cause) => {
                tracing::error!(error = %cause, "user store unavailable");
                self.error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", UNAVAILABLE)
            }
            UsersError::Internal(cause) => {
                tracing::error!(error = %cause, "user operation failed");
                self.error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "the operation failed")
            }
        }
    }

    fn login_error(&self, err: LoginError) -> Response<Body> {
        match err {
            LoginError::InvalidCredentials => {
                tracing::info!("password change refused: wrong current password");
                self.error(StatusCode::UNAUTHORIZED, "invalid_credentials", "the current password is wrong")
            }
            LoginError::AccountDisabled => {
                self.error(StatusCode::FORBIDDEN, "account_disabled", "the account is disabled")
            }
            LoginError::Locked { retry_after } => {
                let mut response = self.error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", TOO_MANY_ATTEMPTS);
                response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
                response
            }
            LoginError::StoreUnavailable(cause) => {
                tracing::error!(error = %cause, "user store unavailable");
                self.error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", UNAVAILABLE)
            }
            LoginError::Internal(cause) => {
                tracing::error!(error = %cause, "password check failed");
                self.error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "the password check failed")
            }
        }
    }

    fn error(&self, status: StatusCode, error: &str, description: &str) -> Response<Body> {
        error_response(status, error, description, &self.cors_allow_origin)
    }
}

/// A 503's description, as `authenticate` words it: the cause is in the log.
const UNAVAILABLE: &str = "the service is temporarily unavailable; try again later";
/// A 429's, as `authenticate` words it: the wait is in `Retry-After`.
const TOO_MANY_ATTEMPTS: &str = "too many login attempts; try again after the seconds in Retry-After";

/// What a path segment must escape: everything but RFC 3986's unreserved characters.
const PATH_SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

#[cfg(test)]
mod tests;
