//! Method ARNs and the IAM policy a TOKEN authorizer returns.
//!
//! API Gateway caches an authorizer's policy per token and applies it to every
//! route of the API, so the policy must cover the whole stage, never just the
//! method that happened to trigger the authorizer:
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html>

use aws_lambda_events::apigw::{ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerResponse};
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why an ARN was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    #[error("not an ARN of the form arn:<partition>:execute-api:<region>:<account>:<api-id>/...")]
    NotExecuteApi,
    #[error("the method ARN lacks {0}")]
    MissingPart(&'static str),
    #[error("a bare '*' would allow every API in every account")]
    Wildcard,
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

    /// Every method and path of this ARN's stage.
    pub fn stage_wildcard(&self) -> String {
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
            "/*/*",
        ];
        let mut arn = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        parts.iter().for_each(|p| arn.push_str(p));
        arn
    }
}

/// What the Allow statement names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyResource {
    /// The stage of the method ARN in each request.
    FromMethodArn,
    /// `API_GATEWAY_ARN`, verbatim.
    Configured(String),
}

impl PolicyResource {
    pub fn configured(arn: &str) -> Result<Self, ArnError> {
        if arn.trim() == "*" {
            return Err(ArnError::Wildcard);
        }
        execute_api_parts(arn)?;
        Ok(Self::Configured(arn.to_string()))
    }

    /// The resource for one request. Only [`PolicyResource::FromMethodArn`]
    /// reads the method ARN, so a configured resource never fails on a bad one.
    pub fn for_method_arn(&self, method_arn: Option<&str>) -> Result<String, ArnError> {
        match self {
            Self::Configured(arn) => Ok(arn.clone()),
            Self::FromMethodArn => {
                let arn = method_arn.ok_or(ArnError::NotExecuteApi)?;
                Ok(MethodArn::parse(arn)?.stage_wildcard())
            }
        }
    }
}

/// A policy with a single `execute-api:Invoke` statement.
pub fn invoke_policy(effect: IamPolicyEffect, resource: String) -> ApiGatewayCustomAuthorizerPolicy {
    let mut statement = IamPolicyStatement::default();
    statement.action = vec!["execute-api:Invoke".to_string()];
    statement.effect = effect;
    statement.resource = vec![resource];
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
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/hello";

    #[test]
    fn parses_method_arn() {
        let arn = MethodArn::parse(ARN).unwrap();
        assert_eq!(
            arn,
            MethodArn {
                partition: "aws",
                region: "us-east-1",
                account: "123456789012",
                api_id: "abcdef1234",
                stage: "prod",
                method: "GET",
                path: "hello",
            }
        );
        assert_eq!(arn.stage_wildcard(), "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*/*");
    }

    #[test]
    fn parses_nested_and_root_paths_and_other_partitions() {
        let nested = MethodArn::parse("arn:aws-us-gov:execute-api:us-gov-west-1:1:api/v1/POST/a/b/c").unwrap();
        assert_eq!(nested.path, "a/b/c");
        assert_eq!(nested.stage_wildcard(), "arn:aws-us-gov:execute-api:us-gov-west-1:1:api/v1/*/*");
        let root = MethodArn::parse("arn:aws:execute-api:eu-west-1:1:api/v1/GET/").unwrap();
        assert_eq!(root.path, "");
    }

    #[test]
    fn refuses_malformed_method_arns() {
        for bad in [
            "",
            "*",
            "arn:aws:lambda:us-east-1:123456789012:function:x",
            "arn:aws:execute-api:us-east-1:123456789012",
            "arn:aws:execute-api:us-east-1:123456789012:",
            "arn:aws:execute-api:us-east-1:123456789012:api",
            "arn:aws:execute-api:us-east-1:123456789012:api/prod",
            "arn:aws:execute-api:us-east-1:123456789012:api//GET/x",
            "arn::execute-api:us-east-1:123456789012:api/prod/GET/x",
            "ARN:aws:execute-api:us-east-1:1:api/prod/GET/x",
        ] {
            assert!(MethodArn::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn configured_resource_is_verbatim_and_ignores_method_arn() {
        let configured = PolicyResource::configured("arn:aws:execute-api:us-east-1:1:api/prod/*").unwrap();
        assert_eq!(configured.for_method_arn(Some("garbage")).unwrap(), "arn:aws:execute-api:us-east-1:1:api/prod/*");
        assert_eq!(configured.for_method_arn(None).unwrap(), "arn:aws:execute-api:us-east-1:1:api/prod/*");
        assert_eq!(PolicyResource::configured("*"), Err(ArnError::Wildcard));
        assert!(PolicyResource::configured("arn:aws:s3:::bucket/*").is_err());
    }

    #[test]
    fn derived_resource_is_the_whole_stage() {
        let resource = PolicyResource::FromMethodArn.for_method_arn(Some(ARN)).unwrap();
        assert_eq!(resource, "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*/*");
        assert!(PolicyResource::FromMethodArn.for_method_arn(None).is_err());
        assert!(PolicyResource::FromMethodArn.for_method_arn(Some("nope")).is_err());
    }

    #[test]
    fn policy_serializes_as_api_gateway_expects() {
        let policy = invoke_policy(IamPolicyEffect::Allow, "arn:x".into());
        let json = serde_json::to_value(&policy).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Action": ["execute-api:Invoke"], "Effect": "Allow", "Resource": ["arn:x"]}]
            })
        );
    }
}
