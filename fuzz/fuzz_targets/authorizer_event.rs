//! The authorizer from raw event bytes, as Lambda hands them over.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequest;
use check_token::{Authorizer, AuthorizerError};
use common::config::{CheckTokenConfig, KeyMaterial, Secret, TokenAudience, VerifierConfig};
use common::policy::PolicyResource;
use libfuzzer_sys::fuzz_target;

static AUTHORIZER: LazyLock<Authorizer> = LazyLock::new(|| {
    let current = KeyMaterial { kid: "default".into(), secret: Secret::new(b"fuzzing-secret-0123456789abcdef-0123".to_vec()) };
    let names = TokenAudience { issuer: "authenticate".into(), audience: "api".into() };
    let verifier = VerifierConfig { current, previous: vec![], names, leeway: Duration::from_secs(30) };
    Authorizer::new(&CheckTokenConfig { verifier, resource: PolicyResource::FromMethodArn }).unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Ok(event) = serde_json::from_slice::<ApiGatewayCustomAuthorizerRequest>(data) else { return };
    match AUTHORIZER.authorize(&event, 1_800_000_000) {
        Ok(response) => {
            let resource = &response.policy_document.statement[0].resource[0];
            assert!(resource.ends_with("/*/*"), "always the whole stage: {resource}");
            assert!(response.principal_id.is_some_and(|p| !p.is_empty()));
            let json = serde_json::to_value(&response.context).unwrap();
            assert!(json.as_object().unwrap().values().all(|v| v.is_string() || v.is_number()));
        }
        Err(AuthorizerError::Unauthorized(_) | AuthorizerError::BadMethodArn(_)) => {}
    }
});
