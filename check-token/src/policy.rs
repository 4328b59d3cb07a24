//! Method ARNs and the IAM policy a TOKEN authorizer returns.
//!
//! API Gateway caches an authorizer's policy per token and applies it to every
//! route of the API, so the policy must answer for every route at once: it
//! allows exactly the routes the token's roles may call (the access table),
//! whichever route happened to trigger the authorizer.
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html>

use std::borrow::Cow;

use aws_lambda_events::apigw::{ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerResponse};
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use common::access::{AccessRule, AccessRules};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why an ARN was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    #[error("not an ARN of the form arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>")]
    NotExecuteApi,
    #[error("the method ARN lacks {0}")]
    MissingPart(&'static str),
    #[error("a bare '*' would allow every API in every account")]
    Wildcard,
    #[error("name a stage (…/<api-id>/<stage>, optionally followed by /*/*), not a method or path")]
    NotAStage,
}

/// The parts of `arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodArn<'a> {
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub api_id: &'a str,
    pub stage: &'a str,
    pub method: &'a str,
    /// The resource path without its leading `/` (empty for the root).
    pub path: &'a str,
}

/// Splits `arn:<partition>:execute-api:<region>:<account>:<rest>`.
fn execute_api_parts(arn: &str) -> Result<(&str, &str, &str, &str), ArnError> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("execute-api"), Some(region), Some(account), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ArnError::NotExecuteApi);
    };
    if partition.is_empty() || region.is_empty() || account.is_empty() || rest.is_empty() {
        return Err(ArnError::NotExecuteApi);
    }
    Ok((partition, region, account, rest))
}

impl<'a> MethodArn<'a> {
    pub fn parse(arn: &'a str) -> Result<Self, ArnError> {
        let (partition, region, account, rest) = execute_api_parts(arn)?;
        let mut segments = rest.splitn(4, '/');
        let api_id = segments.next().filter(|s| !s.is_empty()).ok_or(ArnError::MissingPart("an API id"))?;
        let stage = segments.next().filter(|s| !s.is_empty()).ok_or(ArnError::MissingPart("a stage"))?;
        let method = segments.next().filter(|s| !s.is_empty()).ok_or(ArnError::MissingPart("a method"))?;
        let path = segments.next().unwrap_or("");
        Ok(Self { partition, region, account, api_id, stage, method, path })
    }

    /// `arn:…:{api}/{stage}`: the prefix every method ARN of this stage shares.
    pub fn stage_arn(&self) -> String {
        // Appended piece by piece into one exact allocation: `format!` costs
        // more than the parse, once per invocation.
        let parts = [
            "arn:",
            self.partition,
            ":execute-api:",
            self.region,
            ":",
            self.account,
            ":",
            self.api_id,
            "/",
            self.stage,
        ];
        let mut arn = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        parts.iter().for_each(|p| arn.push_str(p));
        arn
    }
}

/// Which stage the policy's method ARNs belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageArn {
    /// The stage of the method ARN in each request.
    FromMethodArn,
    /// `API_GATEWAY_ARN`: `arn:…:{api}/{stage}`.
    Configured(String),
}

impl StageArn {
    /// `arn:…:{api}/{stage}`, with or without a trailing `/` or `/*/*`.
    pub fn configured(arn: &str) -> Result<Self, ArnError> {
        if arn.trim() == "*" {
            return Err(ArnError::Wildcard);
        }
        let (_, _, _, rest) = execute_api_parts(arn)?;
        let trimmed = arn.strip_suffix("/*/*").or_else(|| arn.strip_suffix('/')).unwrap_or(arn);
        let rest = rest.strip_suffix("/*/*").or_else(|| rest.strip_suffix('/')).unwrap_or(rest);
        match rest.split('/').collect::<Vec<_>>()[..] {
            [api, stage] if !api.is_empty() && !stage.is_empty() && !api.contains('*') && !stage.contains('*') => {
                Ok(Self::Configured(trimmed.to_string()))
            }
            _ => Err(ArnError::NotAStage),
        }
    }

    /// The stage's ARN for one request. Only [`StageArn::FromMethodArn`]
    /// reads the method ARN, so a configured stage never fails on a bad one.
    pub fn for_method_arn<'s>(&'s self, method_arn: Option<&str>) -> Result<Cow<'s, str>, ArnError> {
        match self {
            Self::Configured(arn) => Ok(Cow::Borrowed(arn)),
            Self::FromMethodArn => {
                let arn = method_arn.ok_or(ArnError::NotExecuteApi)?;
                Ok(Cow::Owned(MethodArn::parse(arn)?.stage_arn()))
            }
        }
    }
}

/// A route's method ARN pattern: `{stage ARN}/{METHOD}/{path, parameters as *}`.
pub fn route_arn(stage_arn: &str, rule: &AccessRule) -> String {
    let suffix = rule.arn_suffix();
    let mut arn = String::with_capacity(stage_arn.len() + 1 + suffix.len());
    arn.push_str(stage_arn);
    arn.push('/');
    arn.push_str(suffix);
    arn
}

/// What a token may invoke: an Allow of the routes its roles satisfy, or,
/// when they satisfy none, a Deny of the whole stage (an Allow must name
/// something, and the Deny is cached like any decision).
pub fn route_policy<'a>(
    stage_arn: &str,
    access: &'a AccessRules,
    roles: &'a [String],
) -> ApiGatewayCustomAuthorizerPolicy {
    let allowed: Vec<String> = access.admitting(roles).map(|rule| route_arn(stage_arn, rule)).collect();
    if allowed.is_empty() {
        return invoke_policy(IamPolicyEffect::Deny, vec![format!("{stage_arn}/*/*")]);
    }
    invoke_policy(IamPolicyEffect::Allow, allowed)
}

/// A policy with a single `execute-api:Invoke` statement.
pub fn invoke_policy(effect: IamPolicyEffect, resources: Vec<String>) -> ApiGatewayCustomAuthorizerPolicy {
    let mut statement = IamPolicyStatement::default();
    statement.action = vec!["execute-api:Invoke".to_string()];
    statement.effect = effect;
    statement.resource = resources;
    let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
    policy.version = Some("2012-10-17".to_string());
    policy.statement = vec![statement];
    policy
}

/// The authorizer's answer: who the caller is, what they may invoke, and the
/// flat context API Gateway hands to the backend.
pub fn authorizer_response<C>(
    principal_id: String,
    policy: ApiGatewayCustomAuthorizerPolicy,
    context: C,
) -> ApiGatewayCustomAuthorizerResponse<C>
where
    C: Serialize + DeserializeOwned + Default,
{
    // The type is #[non_exhaustive]: build from Default, then fill in.
    let mut response = ApiGatewayCustomAuthorizerResponse::<C>::default();
    response.principal_id = Some(principal_id);
    response.policy_document = policy;
    response.context = context;
    response
}

#[cfg(test)]
mod tests;
