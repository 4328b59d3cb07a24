//! The verification core (a `Bearer` header in, the token's claims out) and
//! the REST front end (token in, policy out); the event picks the front end.

use aws_lambda_events::apigw::{ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerResponse};
use common::access::AccessRules;
use common::clock::now_epoch_seconds;
use common::identity::{AuthorizerContext, join_roles};
use common::token::{Claims, TokenError, TokenVerifier};
use lambda_runtime::{Diagnostic, LambdaEvent};

use crate::bearer::bearer_token;
use crate::config::CheckTokenConfig;
use crate::event::{AuthorizerAnswer, AuthorizerEvent, EventShape};
use crate::policy::{ArnError, StageArn, authorizer_response, route_policy};

pub type AuthorizerResponse = ApiGatewayCustomAuthorizerResponse<AuthorizerContext>;

/// The ways the authorizer fails. For a REST API, API Gateway answers 401
/// only when the error message is exactly `Unauthorized`; anything else
/// becomes a 500, as every error does for an HTTP API.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizerError {
    #[error("Unauthorized")]
    Unauthorized(UnauthorizedReason),
    /// The method ARN cannot be turned into a policy resource: a deployment
    /// problem, not the caller's, so it must not look like a bad token.
    #[error("cannot build a policy for the method ARN: {0}")]
    BadMethodArn(ArnError),
    /// The function is wired to an event it does not answer (a REST
    /// `REQUEST` authorizer, an HTTP API one with payload format 1.0): a
    /// deployment problem too, named so the operator sees which.
    #[error(
        "unrecognised authorizer event ({0}): check-token answers REST API TOKEN events and HTTP API REQUEST events \
         of payload format 2.0"
    )]
    UnknownEvent(EventShape),
}

/// Why a caller was refused; logged, never returned to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnauthorizedReason {
    #[error("no token in the event (authorizationToken, or the Authorization header)")]
    MissingToken,
    #[error("the token is not 'Bearer <token>'")]
    NotBearer,
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl From<AuthorizerError> for Diagnostic {
    fn from(err: AuthorizerError) -> Self {
        let error_type = match err {
            AuthorizerError::Unauthorized(_) => "Unauthorized",
            AuthorizerError::BadMethodArn(_) => "BadMethodArn",
            AuthorizerError::UnknownEvent(_) => "UnknownEvent",
        };
        Diagnostic { error_type: error_type.into(), error_message: err.to_string() }
    }
}

/// Everything the authorizer needs, built once at cold start.
pub struct Authorizer {
    verifier: TokenVerifier,
    stage: StageArn,
    access: AccessRules,
}

/// The flat context both front ends return: API Gateway hands it to the
/// backend (`requestContext.authorizer`, or `.authorizer.lambda` for an HTTP
/// API), where `apigw::caller` reads it.
pub(crate) fn context(claims: Claims) -> AuthorizerContext {
    AuthorizerContext {
        roles: join_roles(&claims.roles),
        sub: claims.sub,
        username: claims.username,
        jti: claims.jti,
        exp: claims.exp,
    }
}

impl Authorizer {
    pub fn new(config: &CheckTokenConfig) -> Result<Self, TokenError> {
        Ok(Self {
            verifier: TokenVerifier::new(&config.verifier)?,
            stage: config.stage.clone(),
            access: config.access.clone(),
        })
    }

    /// The Lambda entry point: any event, answered in its own format.
    pub async fn handle_event(&self, event: LambdaEvent<AuthorizerEvent>) -> Result<AuthorizerAnswer, AuthorizerError> {
        self.answer(event.payload, now_epoch_seconds())
    }

    /// The REST entry point, for callers that only speak REST (the local API).
    pub async fn handle(
        &self,
        event: LambdaEvent<ApiGatewayCustomAuthorizerRequest>,
    ) -> Result<AuthorizerResponse, AuthorizerError> {
        self.authorize(&event.payload, now_epoch_seconds())
    }

    /// Sends the event to its front end.
    pub fn answer(&self, event: AuthorizerEvent, now: u64) -> Result<AuthorizerAnswer, AuthorizerError> {
        match event {
            AuthorizerEvent::Token(request) => self.authorize(&request, now).map(AuthorizerAnswer::Token),
            AuthorizerEvent::HttpApi(request) => Ok(AuthorizerAnswer::HttpApi(self.authorize_http_api(&request, now))),
            AuthorizerEvent::Unknown(shape) => {
                tracing::error!(%shape, "unrecognised event; check the authorizer's type and payload format version");
                Err(AuthorizerError::UnknownEvent(shape))
            }
        }
    }

    /// Checks the token first, so a bad token is always `Unauthorized`, then
    /// builds the policy of every route the token's roles may call: computed
    /// from the token alone, it stays right when API Gateway applies the
    /// cached answer to another route.
    pub fn authorize(
        &self,
        request: &ApiGatewayCustomAuthorizerRequest,
        now: u64,
    ) -> Result<AuthorizerResponse, AuthorizerError> {
        let claims = self.verify(request.authorization_token.as_deref(), now).map_err(|reason| {
            tracing::info!(%reason, "token refused");
            AuthorizerError::Unauthorized(reason)
        })?;
        let stage = self.stage.for_method_arn(request.method_arn.as_deref()).map_err(|err| {
            tracing::error!(error = %err, "method ARN unusable; set API_GATEWAY_ARN or check the API's configuration");
            AuthorizerError::BadMethodArn(err)
        })?;
        let policy = route_policy(&stage, &self.access, &claims.roles);
        let principal = claims.sub.clone();
        Ok(authorizer_response(principal, policy, context(claims)))
    }

    /// The verification core, the same for every event shape: the
    /// `Authorization` value (`Bearer <token>`) to the token's claims.
    pub(crate) fn verify(&self, authorization: Option<&str>, now: u64) -> Result<Claims, UnauthorizedReason> {
        let header = authorization.ok_or(UnauthorizedReason::MissingToken)?;
        let token = bearer_token(header).ok_or(UnauthorizedReason::NotBearer)?;
        Ok(self.verifier.verify(token, now)?)
    }

    pub(crate) fn access(&self) -> &AccessRules {
        &self.access
    }
}

#[cfg(test)]
mod tests;
