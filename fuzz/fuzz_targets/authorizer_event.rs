//! The authorizer from raw event bytes, as Lambda hands them over: either
//! shape (REST `TOKEN`, HTTP API `REQUEST` 2.0) or anything else, through
//! the same `answer` the Lambda calls. Never a panic; a REST policy only ever
//! names the stage of the event's own method ARN; an HTTP API answer carries a
//! context exactly when it authorizes.
#![no_main]

use std::collections::HashMap;
use std::sync::LazyLock;

use check_token::{ACCESS_RULES, Authorizer, AuthorizerAnswer, AuthorizerError, AuthorizerEvent, CheckTokenConfig};
use common::config::{JWT_KEY_ID, JWT_SECRET};
use libfuzzer_sys::fuzz_target;

/// The seeds (fuzz/seeds/authorizer_event) hold tokens signed with this key, valid at `NOW`.
const SECRET: &str = "fuzzing-secret-0123456789abcdef-0123";
const NOW: u64 = 1_800_000_000;

static AUTHORIZER: LazyLock<Authorizer> = LazyLock::new(|| {
    // Configured as the Lambda is, from its variables.
    let env = HashMap::from([
        (JWT_SECRET, SECRET),
        (JWT_KEY_ID, "default"),
        (ACCESS_RULES, r#"{"GET /hello": ["*"], "GET /users": ["admin"], "DELETE /users/{id}": ["admin"]}"#),
    ]);
    let config = CheckTokenConfig::from_lookup(&|name| env.get(name).map(|v| v.to_string())).unwrap();
    Authorizer::new(&config).unwrap()
});

/// `arn:aws:execute-api:region:account:api/stage`, the part of a method ARN
/// before its method and path.
fn stage_of(method_arn: &str) -> Option<String> {
    let mut parts = method_arn.splitn(3, '/');
    Some(format!("{}/{}/", parts.next()?, parts.next()?))
}

fuzz_target!(|data: &[u8]| {
    let Ok(event) = serde_json::from_slice::<AuthorizerEvent>(data) else { return };
    let method_arn = match &event {
        AuthorizerEvent::Token(request) => request.method_arn.clone(),
        _ => None,
    };
    match AUTHORIZER.answer(event, NOW) {
        Ok(AuthorizerAnswer::Token(response)) => {
            assert!(response.principal_id.as_deref().is_some_and(|p| !p.is_empty()));
            // With API_GATEWAY_ARN unset, the stage is the event's own.
            let stage = method_arn.as_deref().and_then(stage_of).expect("an allowed REST event has a method ARN");
            for statement in &response.policy_document.statement {
                for resource in &statement.resource {
                    assert!(resource.starts_with(&stage), "{resource} is outside {stage}");
                }
            }
            let json = serde_json::to_value(&response.context).unwrap();
            assert!(json.as_object().unwrap().values().all(|v| v.is_string() || v.is_number()));
        }
        Ok(AuthorizerAnswer::HttpApi(response)) => {
            assert_eq!(response.is_authorized, response.context.is_some(), "a context exactly when authorized");
        }
        Err(AuthorizerError::Unauthorized(_) | AuthorizerError::BadMethodArn(_) | AuthorizerError::UnknownEvent(_)) => {}
    }
});
