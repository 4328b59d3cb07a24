//! Who may call which route: the access table written once in
//! `serverless.yml` (`custom.access`), which the deployment passes to the
//! authorizer as JSON (`ACCESS_RULES`) and the local API reads from the same
//! file. A route behind the authorizer without a rule is open to nobody.
//!
//! The authorizer turns the rules a token's roles satisfy into the method ARNs
//! of its policy, path parameters as `*`. IAM's `*` also spans `/`, so a rule
//! for `GET /users/{username}` would also open `GET /users/{username}/keys`:
//! [`AccessRules::parse`] refuses a table where such an overlap would let a
//! role through that the covered route's own rule does not allow.

use std::fmt;

use crate::user::validate_role;
use crate::wildcard::wildcard_match;

/// A rule's role that means any caller with a valid token.
pub const ANY_CALLER: &str = "*";

/// The methods a rule may name; a rule names exactly one.
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Who a rule lets in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// `['*']`: any caller with a valid token.
    AnyCaller,
    /// Callers holding at least one of these roles (none: nobody).
    Roles(Vec<String>),
}

impl Allowed {
    pub fn admits(&self, roles: &[String]) -> bool {
        match self {
            Self::AnyCaller => true,
            Self::Roles(allowed) => allowed.iter().any(|role| roles.contains(role)),
        }
    }

    /// Whether every caller this admits is also admitted by `other`.
    fn within(&self, other: &Self) -> bool {
        match (self, other) {
            (_, Self::AnyCaller) => true,
            (Self::AnyCaller, Self::Roles(_)) => false,
            (Self::Roles(mine), Self::Roles(theirs)) => mine.iter().all(|role| theirs.contains(role)),
        }
    }
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AnyCaller => f.write_str("any signed-in caller"),
            Self::Roles(roles) if roles.is_empty() => f.write_str("nobody"),
            Self::Roles(roles) => write!(f, "roles {}", roles.join(", ")),
        }
    }
}

/// One route and who may call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRule {
    /// Upper case, e.g. `GET`.
    pub method: String,
    /// API Gateway's resource path, e.g. `/users/{username}`.
    pub path: String,
    pub allowed: Allowed,
    /// `GET/users/*`: what follows `{api}/{stage}/` in the route's method ARN pattern.
    arn_suffix: String,
}

impl AccessRule {
    /// `GET /users/{username}`, as the rule is written.
    pub fn route_key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The route's method ARN pattern after `{api}/{stage}/`.
    pub fn arn_suffix(&self) -> &str {
        &self.arn_suffix
    }

    pub fn admits(&self, roles: &[String]) -> bool {
        self.allowed.admits(roles)
    }
}

/// Why an access table is refused; the message names the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("the access table is not a JSON object of \"METHOD /path\" to a list of roles")]
    NotAnObject,
    #[error("{0:?} is not \"METHOD /path\" with one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS")]
    BadRoute(String),
    #[error("{0:?}: the path must start with '/' and hold literal segments or {{parameters}}")]
    BadPath(String),
    #[error("{route:?}: {why}")]
    BadRole { route: String, why: String },
    #[error("{0:?} has two rules")]
    Duplicate(String),
    #[error(
        "{wide:?} would also open {narrow:?} (IAM's '*' spans '/'), letting in {admitted} where {narrow:?} admits \
         only {narrow_allowed}: give {narrow:?} at least the roles of {wide:?}"
    )]
    Overlap { wide: String, narrow: String, admitted: String, narrow_allowed: String },
}

/// The whole table, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessRules {
    rules: Vec<AccessRule>,
}

impl AccessRules {
    /// `{"GET /hello": ["*"], "GET /users": ["admin"], ...}`.
    pub fn parse(json: &str) -> Result<Self, AccessError> {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(json).map_err(|_| AccessError::NotAnObject)?;
        let mut pairs = Vec::with_capacity(object.len());
        for (route, roles) in object {
            let roles: Vec<String> = serde_json::from_value(roles).map_err(|_| AccessError::BadRole {
                route: route.clone(),
                why: "the roles must be a list of strings".into(),
            })?;
            pairs.push((route, roles));
        }
        Self::from_pairs(pairs)
    }

    /// From `(route, roles)` pairs, as `serverless.yml` lists them.
    pub fn from_pairs(pairs: Vec<(String, Vec<String>)>) -> Result<Self, AccessError> {
        let mut rules: Vec<AccessRule> = Vec::with_capacity(pairs.len());
        for (route, roles) in pairs {
            let rule = parse_rule(&route, &roles)?;
            if rules.iter().any(|r| r.method == rule.method && r.path == rule.path) {
                return Err(AccessError::Duplicate(rule.route_key()));
            }
            rules.push(rule);
        }
        check_overlaps(&rules)?;
        Ok(Self { rules })
    }

    pub fn rules(&self) -> &[AccessRule] {
        &self.rules
    }

    /// The rule of a route, by its method and resource path (`/users/{username}`).
    pub fn rule(&self, method: &str, path: &str) -> Option<&AccessRule> {
        self.rules.iter().find(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
    }

    /// The rules these roles satisfy.
    pub fn admitting<'a>(&'a self, roles: &'a [String]) -> impl Iterator<Item = &'a AccessRule> + 'a {
        self.rules.iter().filter(move |rule| rule.admits(roles))
    }
}

fn parse_rule(route: &str, roles: &[String]) -> Result<AccessRule, AccessError> {
    let (method, path) = route.split_once(' ').ok_or_else(|| AccessError::BadRoute(route.to_string()))?;
    let method = method.to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(AccessError::BadRoute(route.to_string()));
    }
    let arn_path = arn_path(path).ok_or_else(|| AccessError::BadPath(route.to_string()))?;
    let allowed = if roles.iter().any(|r| r == ANY_CALLER) {
        if roles.len() > 1 {
            let why = "'*' already admits every signed-in caller: list it alone".to_string();
            return Err(AccessError::BadRole { route: route.to_string(), why });
        }
        Allowed::AnyCaller
    } else {
        for role in roles {
            validate_role(role)
                .map_err(|err| AccessError::BadRole { route: route.to_string(), why: err.to_string() })?;
        }
        Allowed::Roles(roles.to_vec())
    };
    Ok(AccessRule { arn_suffix: format!("{method}/{arn_path}"), method, path: path.to_string(), allowed })
}

/// The path as it appears in a method ARN, without its leading `/`, path
/// parameters as `*`; `None` if it is not a resource path.
fn arn_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix('/')?;
    if rest.is_empty() {
        return Some(String::new());
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    let mut out = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let parameter = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
        match parameter {
            Some(name) => {
                // A greedy `{name+}` only at the end, as API Gateway allows.
                let name = if i == last { name.strip_suffix('+').unwrap_or(name) } else { name };
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    return None;
                }
                out.push("*");
            }
            None => {
                let literal = |b: u8| b.is_ascii_alphanumeric() || b"-._~@:!$&'()+,;=".contains(&b);
                if segment.is_empty() || !segment.bytes().all(literal) {
                    return None;
                }
                out.push(segment);
            }
        }
    }
    Some(out.join("/"))
}

/// A concrete request path of the rule's route: each parameter a value no
/// literal segment can equal, so only a wildcard can match it.
fn sample_path(rule: &AccessRule) -> String {
    const VALUE: &str = "\u{1}";
    let path = rule.path.trim_start_matches('/');
    let sample: Vec<&str> = path.split('/').map(|s| if s.starts_with('{') { VALUE } else { s }).collect();
    format!("{}/{}", rule.method, sample.join("/"))
}

fn check_overlaps(rules: &[AccessRule]) -> Result<(), AccessError> {
    for wide in rules {
        for narrow in rules {
            if std::ptr::eq(wide, narrow) || !wildcard_match(&wide.arn_suffix, &sample_path(narrow)) {
                continue;
            }
            if !wide.allowed.within(&narrow.allowed) {
                return Err(AccessError::Overlap {
                    wide: wide.route_key(),
                    narrow: narrow.route_key(),
                    admitted: wide.allowed.to_string(),
                    narrow_allowed: narrow.allowed.to_string(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
