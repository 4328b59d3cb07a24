//! Token in, policy out.

use aws_lambda_events::apigw::{ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerResponse};
use common::access::AccessRules;
use common::clock::now_epoch_seconds;
use common::identity::{AuthorizerContext, join_roles};
use common::token::{TokenError, TokenVerifier};
use lambda_runtime::{Diagnostic, LambdaEvent};

use crate::bearer::bearer_token;
use crate::config::CheckTokenConfig;
use crate::policy::{ArnError, StageArn, authorizer_response, route_policy};

pub type AuthorizerResponse = ApiGatewayCustomAuthorizerResponse<AuthorizerContext>;

/// The two ways the authorizer fails. API Gateway answers 401 only when the
/// error message is exactly `Unauthorized`; anything else becomes a 500.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizerError {
    #[error("Unauthorized")]
    Unauthorized(UnauthorizedReason),
    /// The method ARN cannot be turned into a policy resource: a deployment
    /// problem, not the caller's, so it must not look like a bad token.
    #[error("cannot build a policy for the method ARN: {0}")]
    BadMethodArn(ArnError),
}

/// Why a caller was refused; logged, never returned to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnauthorizedReason {
    #[error("no authorizationToken in the event")]
    MissingToken,
    #[error("authorizationToken is not 'Bearer <token>'")]
    NotBearer,
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl From<AuthorizerError> for Diagnostic {
    fn from(err: AuthorizerError) -> Self {
        let error_type = match err {
            AuthorizerError::Unauthorized(_) => "Unauthorized",
            AuthorizerError::BadMethodArn(_) => "BadMethodArn",
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

impl Authorizer {
    pub fn new(config: &CheckTokenConfig) -> Result<Self, TokenError> {
        Ok(Self {
            verifier: TokenVerifier::new(&config.verifier)?,
            stage: config.stage.clone(),
            access: config.access.clone(),
        })
    }

    /// The Lambda entry point.
    pub async fn handle(
        &self,
        event: LambdaEvent<ApiGatewayCustomAuthorizerRequest>,
    ) -> Result<AuthorizerResponse, AuthorizerError> {
        self.authorize(&event.payload, now_epoch_seconds())
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
        let claims = self.verify(request, now).map_err(|reason| {
            tracing::info!(%reason, "token refused");
            AuthorizerError::Unauthorized(reason)
        })?;
        let stage = self.stage.for_method_arn(request.method_arn.as_deref()).map_err(|err| {
            tracing::error!(error = %err, "method ARN unusable; set API_GATEWAY_ARN or check the API's configuration");
            AuthorizerError::BadMethodArn(err)
        })?;
        let policy = route_policy(&stage, &self.access, &claims.roles);
        let context = AuthorizerContext {
            roles: join_roles(&claims.roles),
            sub: claims.sub.clone(),
            username: claims.username,
            jti: claims.jti,
            exp: claims.exp,
        };
        Ok(authorizer_response(claims.sub, policy, context))
    }

    fn verify(
        &self,
        request: &ApiGatewayCustomAuthorizerRequest,
        now: u64,
    ) -> Result<common::token::Claims, UnauthorizedReason> {
        let header = request.authorization_token.as_deref().ok_or(UnauthorizedReason::MissingToken)?;
        let token = bearer_token(header).ok_or(UnauthorizedReason::NotBearer)?;
        Ok(self.verifier.verify(token, now)?)
    }
}

#[cfg(test)]
mod tests;
