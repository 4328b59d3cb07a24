//! Calling a TOKEN authorizer the way API Gateway does: the event goes in as
//! JSON, and what comes back is either an error message (as the Lambda
//! runtime reports it) or a response document that API Gateway validates.

use std::collections::HashMap;

use async_trait::async_trait;
use check_token::AuthorizerEvent;
use lambda_http::lambda_runtime::Diagnostic;
use serde_json::{Value, json};

use crate::iam::{Policy, PolicyError};

/// The error message that makes API Gateway answer 401; any other is a 500.
pub const UNAUTHORIZED: &str = "Unauthorized";

/// A TOKEN authorizer function, as API Gateway sees it: JSON event in, JSON
/// response or error message out.
#[async_trait]
pub trait TokenAuthorizer: Send + Sync {
    /// `Err` carries the Lambda error message (`errorMessage`).
    async fn invoke(&self, event: Value, now: u64) -> Result<Value, String>;
}

/// The `check-token` Lambda's own code, for either kind of API: it reads
/// the event's shape as the deployed binary does.
pub struct CheckToken(pub check_token::Authorizer);

#[async_trait]
impl TokenAuthorizer for CheckToken {
    async fn invoke(&self, event: Value, now: u64) -> Result<Value, String> {
        // What lambda_runtime does with the event and the handler's result.
        let event: AuthorizerEvent =
            serde_json::from_value(event).map_err(|err| format!("cannot read the event: {err}"))?;
        match self.0.answer(event, now) {
            Ok(response) => serde_json::to_value(response).map_err(|err| err.to_string()),
            Err(err) => Err(Diagnostic::from(err).error_message),
        }
    }
}

/// The event API Gateway sends to a TOKEN authorizer.
pub fn token_event(authorization_token: &str, method_arn: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": authorization_token, "methodArn": method_arn})
}

/// A valid authorizer answer, as API Gateway keeps it (and caches it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerDecision {
    pub principal_id: String,
    pub policy: Policy,
    /// The context values, turned into strings as API Gateway passes them to
    /// the backend in `requestContext.authorizer`.
    pub context: HashMap<String, String>,
}

/// Why an authorizer's answer is unusable; API Gateway answers 500.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidResponse {
    #[error("the response is not a JSON object")]
    NotAnObject,
    #[error("the response has no principalId string")]
    NoPrincipal,
    #[error("the response has no policyDocument")]
    NoPolicy,
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("context is not an object")]
    ContextNotAnObject,
    #[error("context value {0:?} is not a string, number or boolean")]
    ContextValue(String),
}

impl AuthorizerDecision {
    /// Validates a response the way API Gateway does.
    pub fn from_response(response: &Value) -> Result<Self, InvalidResponse> {
        let response = response.as_object().ok_or(InvalidResponse::NotAnObject)?;
        let principal_id = match response.get("principalId") {
            Some(Value::String(id)) => id.clone(),
            _ => return Err(InvalidResponse::NoPrincipal),
        };
        let policy = Policy::from_json(response.get("policyDocument").ok_or(InvalidResponse::NoPolicy)?)?;
        let context = match response.get("context") {
            None | Some(Value::Null) => HashMap::new(),
            Some(Value::Object(fields)) => fields
                .iter()
                .map(|(key, value)| {
                    let text = match value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => return Err(InvalidResponse::ContextValue(key.clone())),
                    };
                    Ok((key.clone(), text))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(InvalidResponse::ContextNotAnObject),
        };
        Ok(Self { principal_id, policy, context })
    }

    /// `requestContext.authorizer` for the backend: the principal and the
    /// context as strings, and the authorizer's latency (as API Gateway adds it).
    pub fn request_context_fields(&self, latency_ms: u64) -> Value {
        let mut fields: serde_json::Map<String, Value> =
            self.context.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        fields.insert("principalId".into(), Value::String(self.principal_id.clone()));
        fields.insert("integrationLatency".into(), json!(latency_ms));
        Value::Object(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::{Decision, INVOKE};

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/hello";

    fn response(context: Value) -> Value {
        json!({
            "principalId": "u-1",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": ["execute-api:Invoke"], "Effect": "Allow", "Resource": ["arn:aws:execute-api:us-east-1:123456789012:local/local/*/*"]}]},
            "context": context
        })
    }

    #[test]
    fn reads_a_valid_response_and_stringifies_the_context() {
        let decision = AuthorizerDecision::from_response(&response(
            json!({"username": "alice", "exp": 1700003600, "admin": true}),
        ))
        .unwrap();
        assert_eq!(decision.principal_id, "u-1");
        assert_eq!(decision.policy.evaluate(INVOKE, ARN), Decision::Allow);
        assert_eq!(decision.context["exp"], "1700003600");
        assert_eq!(decision.context["admin"], "true");
        let fields = decision.request_context_fields(7);
        assert_eq!(
            fields,
            json!({"principalId": "u-1", "username": "alice", "exp": "1700003600", "admin": "true", "integrationLatency": 7})
        );
        let no_context = json!({"principalId": "u", "policyDocument": {"Statement": []}});
        assert!(AuthorizerDecision::from_response(&no_context).unwrap().context.is_empty());
    }

    #[test]
    fn refuses_invalid_responses() {
        let mut no_principal = response(json!({}));
        no_principal.as_object_mut().unwrap().remove("principalId");
        let mut numeric_principal = response(json!({}));
        numeric_principal["principalId"] = json!(1);
        let mut no_policy = response(json!({}));
        no_policy.as_object_mut().unwrap().remove("policyDocument");
        let mut bad_policy = response(json!({}));
        bad_policy["policyDocument"] = json!({"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]});
        for (bad, expected) in [
            (json!("Allow"), InvalidResponse::NotAnObject),
            (no_principal, InvalidResponse::NoPrincipal),
            (numeric_principal, InvalidResponse::NoPrincipal),
            (no_policy, InvalidResponse::NoPolicy),
            (response(json!(["a"])), InvalidResponse::ContextNotAnObject),
            (response(json!({"roles": ["a", "b"]})), InvalidResponse::ContextValue("roles".into())),
            (response(json!({"user": {"id": 1}})), InvalidResponse::ContextValue("user".into())),
            (response(json!({"gone": null})), InvalidResponse::ContextValue("gone".into())),
        ] {
            assert_eq!(AuthorizerDecision::from_response(&bad), Err(expected), "{bad}");
        }
        assert!(matches!(AuthorizerDecision::from_response(&bad_policy), Err(InvalidResponse::Policy(_))));
    }

    #[test]
    fn the_token_event_is_what_check_token_reads() {
        let event = token_event("Bearer x", ARN);
        let AuthorizerEvent::Token(request) = serde_json::from_value(event).unwrap() else {
            panic!("check-token does not read it as a TOKEN event");
        };
        assert_eq!(request.authorization_token.as_deref(), Some("Bearer x"));
        assert_eq!(request.method_arn.as_deref(), Some(ARN));
    }
}
