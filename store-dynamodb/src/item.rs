//! Mapping between [`User`] and DynamoDB items, tested without a network.

use aws_sdk_dynamodb::types::AttributeValue;

use common::store::StoreError;
use common::user::{User, validate_role};

use crate::Item;
use crate::users::attr;

pub fn user_to_item(user: &User) -> Item {
    let roles = user.roles.iter().cloned().map(AttributeValue::S).collect();
    Item::from([
        (attr::USERNAME.to_string(), AttributeValue::S(user.username.clone())),
        (attr::USER_ID.to_string(), AttributeValue::S(user.user_id.clone())),
        (attr::PASSWORD_HASH.to_string(), AttributeValue::S(user.password_hash.clone())),
        (attr::ROLES.to_string(), AttributeValue::L(roles)),
        (attr::DISABLED.to_string(), AttributeValue::Bool(user.disabled)),
        (attr::CREATED_AT.to_string(), AttributeValue::S(user.created_at.clone())),
        (attr::FAILED_LOGINS.to_string(), AttributeValue::N(user.failed_logins.to_string())),
    ])
    .into_iter()
    .chain(user.locked_until.map(|t| (attr::LOCKED_UNTIL.to_string(), AttributeValue::N(t.to_string()))))
    .chain(user.last_attempt_at.map(|t| (attr::LAST_ATTEMPT_AT.to_string(), AttributeValue::N(t.to_string()))))
    .chain(user.sessions_revoked_at.map(|t| (attr::SESSIONS_REVOKED_AT.to_string(), AttributeValue::N(t.to_string()))))
    .collect()
}

/// Reads an item written by us or by the operator's own tools. Absent `roles`
/// and `disabled` mean "none" and "enabled"; anything else malformed is an error
/// that names the attribute (never its value: it could be the hash).
pub fn user_from_item(item: &Item) -> Result<User, StoreError> {
    let username = required_string(item, attr::USERNAME)?;
    let invalid = |what: &str| StoreError::InvalidItem(format!("user {username:?}: {what}"));
    let string = |name: &str| match item.get(name) {
        Some(AttributeValue::S(s)) if !s.is_empty() => Ok(s.clone()),
        Some(_) => Err(invalid(&format!("attribute {name} is not a non-empty string (S)"))),
        None => Err(invalid(&format!("attribute {name} is missing"))),
    };
    // Every role read is checked with the rule used at creation, whatever the
    // attribute's type: a comma would split into two roles in the authorizer context.
    let role = |role: &AttributeValue| match role {
        AttributeValue::S(name) if validate_role(name).is_ok() => Ok(name.clone()),
        _ => Err(invalid("attribute roles holds something other than a valid role name")),
    };
    let roles = match item.get(attr::ROLES) {
        None | Some(AttributeValue::Null(_)) => Vec::new(),
        Some(AttributeValue::L(list)) => list.iter().map(role).collect::<Result<_, _>>()?,
        // A string set is what some tools write for "a list of strings".
        Some(AttributeValue::Ss(set)) => {
            set.iter().map(|name| role(&AttributeValue::S(name.clone()))).collect::<Result<_, _>>()?
        }
        Some(_) => return Err(invalid("attribute roles must be a list (L) of strings")),
    };
    let disabled = match item.get(attr::DISABLED) {
        None | Some(AttributeValue::Null(_)) => false,
        Some(AttributeValue::Bool(b)) => *b,
        Some(_) => return Err(invalid("attribute disabled must be a boolean (BOOL)")),
    };
    let failed_logins = match item.get(attr::FAILED_LOGINS) {
        None | Some(AttributeValue::Null(_)) => 0,
        Some(AttributeValue::N(n)) => {
            n.parse().map_err(|_| invalid("attribute failed_logins is not a small whole number"))?
        }
        Some(_) => return Err(invalid("attribute failed_logins must be a number (N)")),
    };
    let epoch = |name: &str| match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::N(n)) => {
            n.parse().map(Some).map_err(|_| invalid(&format!("attribute {name} is not whole epoch seconds")))
        }
        Some(_) => Err(invalid(&format!("attribute {name} must be a number (N)"))),
    };
    let locked_until = epoch(attr::LOCKED_UNTIL)?;
    let last_attempt_at = epoch(attr::LAST_ATTEMPT_AT)?;
    let sessions_revoked_at = epoch(attr::SESSIONS_REVOKED_AT)?;
    Ok(User {
        failed_logins,
        locked_until,
        last_attempt_at,
        sessions_revoked_at,
        user_id: string(attr::USER_ID)?,
        password_hash: string(attr::PASSWORD_HASH)?,
        created_at: string(attr::CREATED_AT)?,
        username,
        roles,
        disabled,
    })
}

fn required_string(item: &Item, name: &str) -> Result<String, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(StoreError::InvalidItem(format!("attribute {name} is missing or not a string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            username: "alice".into(),
            user_id: "8d2f3c1e-1111-4a4a-9b9b-000000000001".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            roles: vec!["admin".into(), "dev".into()],
            disabled: false,
            created_at: "2026-11-28T17:00:00Z".into(),
            failed_logins: 2,
            locked_until: Some(1_700_000_900),
            last_attempt_at: Some(1_700_000_000),
            sessions_revoked_at: Some(1_700_000_000_123),
        }
    }

    #[test]
    fn round_trips() {
        assert_eq!(user_from_item(&user_to_item(&user())).unwrap(), user());
        let mut no_roles = user();
        no_roles.roles.clear();
        no_roles.disabled = true;
        no_roles.locked_until = None;
        no_roles.last_attempt_at = None;
        no_roles.sessions_revoked_at = None;
        assert_eq!(user_from_item(&user_to_item(&no_roles)).unwrap(), no_roles);
    }

    #[test]
    fn roles_is_a_list_of_strings() {
        let item = user_to_item(&user());
        assert_eq!(
            item[attr::ROLES],
            AttributeValue::L(vec![AttributeValue::S("admin".into()), AttributeValue::S("dev".into())])
        );
    }

    #[test]
    fn a_string_set_of_valid_roles_is_read() {
        let mut item = user_to_item(&user());
        item.insert(attr::ROLES.to_string(), AttributeValue::Ss(vec!["admin".into(), "dev".into()]));
        assert_eq!(user_from_item(&item).unwrap().roles, ["admin", "dev"]);
    }

    #[test]
    fn absent_roles_and_disabled_have_defaults() {
        let mut item = user_to_item(&user());
        item.remove(attr::ROLES);
        item.remove(attr::DISABLED);
        item.remove(attr::FAILED_LOGINS);
        item.remove(attr::LOCKED_UNTIL);
        item.remove(attr::LAST_ATTEMPT_AT);
        let read = user_from_item(&item).unwrap();
        assert!(read.roles.is_empty());
        assert!(!read.disabled);
        assert_eq!((read.failed_logins, read.locked_until), (0, None));
    }

    #[test]
    fn malformed_items_name_the_attribute_not_the_value() {
        for (name, value) in [
            (attr::PASSWORD_HASH, AttributeValue::N("1".into())),
            (attr::USER_ID, AttributeValue::S(String::new())),
            (attr::ROLES, AttributeValue::S("admin".into())),
            (attr::ROLES, AttributeValue::L(vec![AttributeValue::N("1".into())])),
            (attr::ROLES, AttributeValue::L(vec![AttributeValue::S("a,b".into())])),
            (attr::ROLES, AttributeValue::L(vec![AttributeValue::S(String::new())])),
            (attr::ROLES, AttributeValue::Ss(vec!["viewer,admin".into()])),
            (attr::ROLES, AttributeValue::Ss(vec!["viewer".into(), "a b".into()])),
            (attr::LAST_ATTEMPT_AT, AttributeValue::S("now".into())),
            (attr::DISABLED, AttributeValue::S("true".into())),
            (attr::FAILED_LOGINS, AttributeValue::N("-1".into())),
            (attr::LOCKED_UNTIL, AttributeValue::S("soon".into())),
        ] {
            let mut item = user_to_item(&user());
            item.insert(name.to_string(), value);
            let err = user_from_item(&item).unwrap_err();
            assert!(matches!(&err, StoreError::InvalidItem(m) if m.contains(name)), "{name}: {err}");
            assert!(!err.to_string().contains("$argon2id"), "{err}");
        }
        let mut item = user_to_item(&user());
        item.remove(attr::PASSWORD_HASH);
        assert!(user_from_item(&item).is_err());
    }
}
