//! The part of IAM policy evaluation API Gateway applies to a TOKEN
//! authorizer's policy: does it allow `execute-api:Invoke` on the method ARN?
//!
//! Resources and actions match with IAM's wildcards (`*` any run of
//! characters, `?` exactly one); resources are case-sensitive, actions are
//! not. An explicit Deny wins over any Allow; without a matching Allow the
//! answer is an implicit deny.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

pub use common::wildcard::wildcard_match;
use serde_json::Value;

/// The action API Gateway checks.
pub const INVOKE: &str = "execute-api:Invoke";

/// Action names are case-insensitive in IAM.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// Which elements name the actions and resources.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    /// `Action` / `Resource`: applies to what matches.
    Listed(Vec<String>),
    /// `NotAction` / `NotResource`: applies to everything that does not match.
    AllBut(Vec<String>),
}

impl Matcher {
    fn applies(&self, value: &str, matches: fn(&str, &str) -> bool) -> bool {
        match self {
            Self::Listed(patterns) => patterns.iter().any(|p| matches(p, value)),
            Self::AllBut(patterns) => !patterns.iter().any(|p| matches(p, value)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    effect: Effect,
    actions: Matcher,
    resources: Matcher,
}

/// A policy document as an authorizer returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    statements: Vec<Statement>,
}

/// What the policy says about one action on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A statement with `"Effect": "Deny"` matched.
    ExplicitDeny,
    /// No Allow matched.
    ImplicitDeny,
}

/// Why a policy document cannot be evaluated; API Gateway answers 500.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid policy document: {0}")]
pub struct PolicyError(pub String);

fn strings(value: &Value, element: &str) -> Result<Vec<String>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_string).ok_or_else(|| PolicyError(format!("{element} holds a non-string")))
            })
            .collect(),
        _ => Err(PolicyError(format!("{element} is neither a string nor a list of strings"))),
    }
}

fn matcher(statement: &serde_json::Map<String, Value>, listed: &str, all_but: &str) -> Result<Matcher, PolicyError> {
    match (statement.get(listed), statement.get(all_but)) {
        (Some(value), None) => Ok(Matcher::Listed(strings(value, listed)?)),
        (None, Some(value)) => Ok(Matcher::AllBut(strings(value, all_but)?)),
        (Some(_), Some(_)) => Err(PolicyError(format!("a statement has both {listed} and {all_but}"))),
        (None, None) => Err(PolicyError(format!("a statement has neither {listed} nor {all_but}"))),
    }
}

impl Policy {
    /// Reads `{"Version": ..., "Statement": [...] | {...}}`. Element names are
    /// case-sensitive, as in IAM. Conditions cannot be evaluated here, so a
    /// statement with one is refused rather than guessed at.
    pub fn from_json(document: &Value) -> Result<Self, PolicyError> {
        let document = document.as_object().ok_or_else(|| PolicyError("not a JSON object".into()))?;
        let statements = match document.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(item @ Value::Object(_)) => vec![item],
            _ => return Err(PolicyError("no Statement list".into())),
        };
        let statements = statements
            .into_iter()
            .map(|statement| {
                let statement =
                    statement.as_object().ok_or_else(|| PolicyError("a statement is not an object".into()))?;
                let effect = match statement.get("Effect").and_then(Value::as_str) {
                    Some("Allow") => Effect::Allow,
                    Some("Deny") => Effect::Deny,
                    _ => return Err(PolicyError("a statement's Effect is neither \"Allow\" nor \"Deny\"".into())),
                };
                if statement.contains_key("Condition") {
                    return Err(PolicyError("Condition is not supported by the local emulator".into()));
                }
                Ok(Statement {
                    effect,
                    actions: matcher(statement, "Action", "NotAction")?,
                    resources: matcher(statement, "Resource", "NotResource")?,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { statements })
    }

    /// An explicit Deny wins; otherwise an Allow must match; otherwise implicit deny.
    pub fn evaluate(&self, action: &str, resource: &str) -> Decision {
        let mut allowed = false;
        for statement in &self.statements {
            if statement.actions.applies(action, action_matches)
                && statement.resources.applies(resource, wildcard_match)
            {
                match statement.effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => allowed = true,
                }
            }
        }
        if allowed { Decision::Allow } else { Decision::ImplicitDeny }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:local/local/GET/hello";

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("*", ARN));
        assert!(wildcard_match(ARN, ARN));
        assert!(wildcard_match("arn:aws:execute-api:us-east-1:123456789012:local/local/*/*", ARN));
        assert!(wildcard_match("arn:aws:execute-api:*:*:local/*", ARN));
        assert!(wildcard_match("arn:aws:execute-api:us-east-1:123456789012:local/local/GET/hell?", ARN));
        assert!(wildcard_match("arn:aws:execute-api:us-east-1:123456789012:local/local/???/hello", ARN));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(wildcard_match("a*b*c", "abc"));
        assert!(wildcard_match("a**c", "ac"));
        assert!(wildcard_match("*hello", ARN));
        assert!(!wildcard_match("arn:aws:execute-api:us-east-1:123456789012:local/local/POST/*", ARN));
        assert!(!wildcard_match("arn:aws:execute-api:us-east-1:123456789012:other/local/*/*", ARN));
        assert!(!wildcard_match("arn:aws:execute-api:us-east-1:123456789012:local/local/GET/hell", ARN));
        assert!(!wildcard_match("arn:aws:execute-api:us-east-1:123456789012:local/local/GET/hello?", ARN));
        assert!(!wildcard_match("ARN:aws:execute-api:us-east-1:123456789012:local/local/GET/hello", ARN), "case");
        assert!(!wildcard_match("", "x"));
        assert!(!wildcard_match("a*b*c", "aXXbYY"));
        assert!(wildcard_match("é?", "éà"), "characters, not bytes");
    }

    #[test]
    fn actions_are_case_insensitive_with_wildcards() {
        for pattern in ["execute-api:Invoke", "execute-api:invoke", "execute-api:*", "*", "execute-api:Inv*"] {
            assert!(action_matches(pattern, INVOKE), "{pattern}");
        }
        for pattern in ["execute-api:ManageConnections", "s3:*", "execute-api:Invoke2", ""] {
            assert!(!action_matches(pattern, INVOKE), "{pattern}");
        }
    }

    fn evaluate(policy: Value) -> Decision {
        Policy::from_json(&policy).unwrap().evaluate(INVOKE, ARN)
    }

    #[test]
    fn allow_deny_and_implicit_deny() {
        let allow = |resource: &str| json!({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resource});
        let deny = |resource: &str| json!({"Effect": "Deny", "Action": ["execute-api:*"], "Resource": [resource]});
        let stage = "arn:aws:execute-api:us-east-1:123456789012:local/local/*/*";
        assert_eq!(evaluate(json!({"Version": "2012-10-17", "Statement": [allow(stage)]})), Decision::Allow);
        assert_eq!(evaluate(json!({"Statement": allow(stage)})), Decision::Allow, "a single statement object");
        assert_eq!(evaluate(json!({"Statement": [allow(stage), deny(ARN)]})), Decision::ExplicitDeny);
        assert_eq!(evaluate(json!({"Statement": [deny("*"), allow("*")]})), Decision::ExplicitDeny);
        assert_eq!(evaluate(json!({"Statement": [deny("arn:*:other/*"), allow("*")]})), Decision::Allow);
        assert_eq!(evaluate(json!({"Statement": []})), Decision::ImplicitDeny);
        let other_method = "arn:aws:execute-api:us-east-1:123456789012:local/local/POST/hello";
        assert_eq!(evaluate(json!({"Statement": [allow(other_method)]})), Decision::ImplicitDeny);
        let wrong_action = json!({"Effect": "Allow", "Action": "execute-api:ManageConnections", "Resource": "*"});
        assert_eq!(evaluate(json!({"Statement": [wrong_action]})), Decision::ImplicitDeny);
    }

    #[test]
    fn not_action_and_not_resource() {
        let not_resource = json!({"Effect": "Allow", "Action": "*", "NotResource": "arn:*:local/local/POST/*"});
        assert_eq!(evaluate(json!({"Statement": [not_resource]})), Decision::Allow);
        let not_this = json!({"Effect": "Allow", "Action": "*", "NotResource": ARN});
        assert_eq!(evaluate(json!({"Statement": [not_this]})), Decision::ImplicitDeny);
        let not_action = json!({"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"});
        assert_eq!(evaluate(json!({"Statement": [not_action]})), Decision::ExplicitDeny);
    }

    #[test]
    fn malformed_policies_are_errors() {
        for bad in [
            json!(null),
            json!("Allow"),
            json!({}),
            json!({"Statement": "x"}),
            json!({"Statement": [1]}),
            json!({"Statement": [{"Action": "*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": [1], "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": {"a": 1}}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {}}]}),
        ] {
            assert!(Policy::from_json(&bad).is_err(), "{bad}");
        }
    }
}
