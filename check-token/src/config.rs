//! `check-token`'s configuration: common's verifier parsers, and what only
//! the authorizer has: the access table (`ACCESS_RULES`) and the stage its
//! policies name (`API_GATEWAY_ARN`).

use common::access::AccessRules;
use common::config::{ConfigError, Lookup, VerifierConfig, optional, verifier_config};

use crate::policy::StageArn;

pub const API_GATEWAY_ARN: &str = "API_GATEWAY_ARN";
pub const ACCESS_RULES: &str = "ACCESS_RULES";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckTokenConfig {
    pub verifier: VerifierConfig,
    pub stage: StageArn,
    /// Which roles may call which route: the deployment's `custom.access`.
    pub access: AccessRules,
}

impl CheckTokenConfig {
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self { verifier: verifier_config(lookup)?, stage: stage(lookup)?, access: access_rules(lookup)? })
    }
}

fn stage(lookup: Lookup<'_>) -> Result<StageArn, ConfigError> {
    const EXPECTED: &str =
        "the stage's execute-api ARN, such as arn:aws:execute-api:us-east-1:123456789012:abc123/prod, or unset";
    match optional(lookup, API_GATEWAY_ARN) {
        None => Ok(StageArn::FromMethodArn),
        Some(arn) => StageArn::configured(&arn)
            .map_err(|e| ConfigError::invalid(API_GATEWAY_ARN, Some(&arn), &e.to_string(), EXPECTED)),
    }
}

/// Required: without the table every route would be closed, and a silent
/// 403 for everyone is harder to diagnose than a function that does not start.
fn access_rules(lookup: Lookup<'_>) -> Result<AccessRules, ConfigError> {
    const EXPECTED: &str = "the access table as JSON, {\"METHOD /path\": [roles], ...} ('*' = any signed-in caller), \
         as the deployment renders serverless.yml's custom.access";
    let text = optional(lookup, ACCESS_RULES).ok_or(ConfigError::missing(ACCESS_RULES, EXPECTED))?;
    AccessRules::parse(&text).map_err(|err| ConfigError::invalid(ACCESS_RULES, None, &err.to_string(), EXPECTED))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use common::config::JWT_SECRET;

    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const RULES: &str = r#"{"GET /hello": ["*"]}"#;

    fn config(extra: &[(&'static str, &'static str)]) -> Result<CheckTokenConfig, ConfigError> {
        let mut env = HashMap::from([(JWT_SECRET, SECRET), (ACCESS_RULES, RULES)]);
        env.extend(extra.iter().copied());
        CheckTokenConfig::from_lookup(&|name| env.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn the_stage_defaults_to_the_method_arns() {
        assert_eq!(config(&[]).unwrap().stage, StageArn::FromMethodArn);
        assert_eq!(config(&[(API_GATEWAY_ARN, "")]).unwrap().stage, StageArn::FromMethodArn, "empty means unset");
    }

    #[test]
    fn a_configured_stage_is_validated() {
        let arn = "arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/*/*";
        let stage = StageArn::Configured("arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod".into());
        assert_eq!(config(&[(API_GATEWAY_ARN, arn)]).unwrap().stage, stage);
        for bad in ["*", "arn:aws:s3:::bucket", "arn:aws:execute-api:us-east-1:123456789012", "not-an-arn"] {
            assert_eq!(config(&[(API_GATEWAY_ARN, bad)]).unwrap_err().var, API_GATEWAY_ARN, "{bad}");
        }
    }

    #[test]
    fn the_access_table_is_required_and_validated() {
        let table = config(&[]).unwrap().access;
        assert_eq!(table.rules().len(), 1);
        assert_eq!(config(&[(ACCESS_RULES, "")]).unwrap_err().var, ACCESS_RULES);
        for bad in ["{", r#"{"GET /hello": "admin"}"#, r#"{"GET /a/{id}": ["x"], "GET /a/{id}/b": ["y"]}"#] {
            let err = config(&[(ACCESS_RULES, bad)]).unwrap_err();
            assert_eq!(err.var, ACCESS_RULES, "{bad}");
        }
    }
}
