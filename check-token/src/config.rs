//! `check-token`'s configuration: common's verifier parsers, and the policy
//! resource (`API_GATEWAY_ARN`), which only the authorizer has.

use common::config::{ConfigError, Lookup, VerifierConfig, optional, verifier_config};

use crate::policy::PolicyResource;

pub const API_GATEWAY_ARN: &str = "API_GATEWAY_ARN";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckTokenConfig {
    pub verifier: VerifierConfig,
    pub resource: PolicyResource,
}

impl CheckTokenConfig {
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self { verifier: verifier_config(lookup)?, resource: policy_resource(lookup)? })
    }
}

fn policy_resource(lookup: Lookup<'_>) -> Result<PolicyResource, ConfigError> {
    const EXPECTED: &str =
        "an execute-api ARN such as arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*, or unset";
    match optional(lookup, API_GATEWAY_ARN) {
        None => Ok(PolicyResource::FromMethodArn),
        Some(arn) => PolicyResource::configured(&arn)
            .map_err(|e| ConfigError::invalid(API_GATEWAY_ARN, Some(&arn), &e.to_string(), EXPECTED)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use common::config::JWT_SECRET;

    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn config(arn: Option<&str>) -> Result<CheckTokenConfig, ConfigError> {
        let mut env = HashMap::from([(JWT_SECRET, SECRET)]);
        if let Some(arn) = arn {
            env.insert(API_GATEWAY_ARN, arn);
        }
        CheckTokenConfig::from_lookup(&|name| env.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn the_resource_defaults_to_the_method_arns_stage() {
        assert_eq!(config(None).unwrap().resource, PolicyResource::FromMethodArn);
        assert_eq!(config(Some("")).unwrap().resource, PolicyResource::FromMethodArn, "empty means unset");
    }

    #[test]
    fn a_configured_resource_is_validated() {
        let arn = "arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/*/*";
        assert_eq!(config(Some(arn)).unwrap().resource, PolicyResource::Configured(arn.into()));
        for bad in ["*", "arn:aws:s3:::bucket", "arn:aws:execute-api:us-east-1:123456789012", "not-an-arn"] {
            assert_eq!(config(Some(bad)).unwrap_err().var, API_GATEWAY_ARN, "{bad}");
        }
    }
}
