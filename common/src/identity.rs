//! Who the caller is, as it travels from the token to the backend.
//!
//! The authorizer flattens the identity into its `context` (API Gateway only
//! accepts string, number and boolean values there), and API Gateway hands
//! those values to the backend as strings under `requestContext.authorizer`,
//! next to `principalId`. Both directions live here so the field names exist once.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The context object a TOKEN authorizer returns. Roles are comma-joined
/// because the context cannot hold arrays; role names never contain commas.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizerContext {
    pub sub: String,
    pub username: String,
    pub roles: String,
    pub jti: String,
    pub exp: u64,
}

/// The caller as the backend sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallerIdentity {
    pub id: String,
    pub username: String,
    pub roles: Vec<String>,
}

/// `requestContext.authorizer` lacked a field the authorizer always sets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the request has no authorizer field {0:?}: is the route deployed without the authorizer?")]
pub struct MissingAuthorizerField(pub &'static str);

pub const PRINCIPAL_ID: &str = "principalId";
pub const USERNAME: &str = "username";
pub const ROLES: &str = "roles";

pub fn join_roles(roles: &[String]) -> String {
    roles.join(",")
}

pub fn split_roles(joined: &str) -> Vec<String> {
    joined.split(',').filter(|r| !r.is_empty()).map(str::to_string).collect()
}

impl CallerIdentity {
    /// Reads the identity from `requestContext.authorizer`.
    pub fn from_authorizer_fields(fields: &HashMap<String, Value>) -> Result<Self, MissingAuthorizerField> {
        let text = |name: &'static str| match fields.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(MissingAuthorizerField(name)),
        };
        let roles = match fields.get(ROLES) {
            Some(Value::String(joined)) => split_roles(joined),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(MissingAuthorizerField(ROLES)),
        };
        Ok(Self { id: text(PRINCIPAL_ID)?, username: text(USERNAME)?, roles })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(value: Value) -> HashMap<String, Value> {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn reads_identity_as_api_gateway_passes_it() {
        let identity = CallerIdentity::from_authorizer_fields(&fields(json!({
            "principalId": "u-1", "sub": "u-1", "username": "alice", "roles": "admin,dev",
            "jti": "j", "exp": "1700000000", "integrationLatency": 3
        })))
        .unwrap();
        assert_eq!(
            identity,
            CallerIdentity { id: "u-1".into(), username: "alice".into(), roles: vec!["admin".into(), "dev".into()] }
        );
    }

    #[test]
    fn empty_roles_are_an_empty_list() {
        let identity =
            CallerIdentity::from_authorizer_fields(&fields(json!({"principalId": "u", "username": "a", "roles": ""})))
                .unwrap();
        assert!(identity.roles.is_empty());
    }

    #[test]
    fn missing_fields_are_errors() {
        assert_eq!(CallerIdentity::from_authorizer_fields(&HashMap::new()), Err(MissingAuthorizerField(PRINCIPAL_ID)));
        assert_eq!(
            CallerIdentity::from_authorizer_fields(&fields(json!({"principalId": "u"}))),
            Err(MissingAuthorizerField(USERNAME))
        );
    }

    #[test]
    fn roles_round_trip() {
        let roles = vec!["a".to_string(), "b:c".to_string()];
        assert_eq!(split_roles(&join_roles(&roles)), roles);
        assert!(split_roles(&join_roles(&[])).is_empty());
    }
}
