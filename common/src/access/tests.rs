use super::*;

fn roles(names: &[&str]) -> Vec<String> {
    names.iter().map(|r| r.to_string()).collect()
}

const TABLE: &str = r#"{
    "GET /hello": ["*"],
    "GET /users": ["admin"],
    "POST /users": ["admin"],
    "GET /users/{username}": ["admin"],
    "PATCH /users/{username}": ["admin"],
    "DELETE /users/{username}": ["admin"],
    "POST /users/{username}/unlock": ["admin"],
    "PUT /me/password": ["*"]
}"#;

#[test]
fn reads_the_table_with_arn_patterns() {
    let table = AccessRules::parse(TABLE).unwrap();
    assert_eq!(table.rules().len(), 8);
    let unlock = table.rule("post", "/users/{username}/unlock").unwrap();
    assert_eq!(unlock.arn_suffix(), "POST/users/*/unlock");
    assert_eq!(unlock.allowed, Allowed::Roles(roles(&["admin"])));
    assert_eq!(table.rule("GET", "/hello").unwrap().allowed, Allowed::AnyCaller);
    assert_eq!(table.rule("GET", "/hello").unwrap().arn_suffix(), "GET/hello");
    assert!(table.rule("GET", "/nope").is_none());
}

#[test]
fn a_token_gets_exactly_the_rules_its_roles_satisfy() {
    let table = AccessRules::parse(TABLE).unwrap();
    let keys = |names: &[&str]| -> Vec<String> {
        let held = roles(names);
        table.admitting(&held).map(AccessRule::route_key).collect()
    };
    assert_eq!(keys(&[]), ["GET /hello", "PUT /me/password"]);
    assert_eq!(keys(&["viewer"]), ["GET /hello", "PUT /me/password"]);
    assert_eq!(keys(&["viewer", "admin"]).len(), 8);
}

#[test]
fn roles_of_a_rule() {
    let table = AccessRules::parse(r#"{"GET /a": ["ops", "admin"], "GET /b": [], "GET /": ["*"]}"#).unwrap();
    assert!(table.rule("GET", "/a").unwrap().admits(&roles(&["ops"])));
    assert!(!table.rule("GET", "/a").unwrap().admits(&roles(&["dev"])));
    assert!(!table.rule("GET", "/b").unwrap().admits(&roles(&["admin"])), "an empty list admits nobody");
    assert_eq!(table.rule("GET", "/").unwrap().arn_suffix(), "GET/");
}

#[test]
fn malformed_tables_are_refused_naming_the_rule() {
    for (table, expected) in [
        ("[]", "not a JSON object"),
        (r#"{"GET": ["*"]}"#, "\"GET\""),
        (r#"{"FETCH /a": ["*"]}"#, "FETCH"),
        (r#"{"ANY /a": ["*"]}"#, "ANY"),
        (r#"{"GET a": ["*"]}"#, "GET a"),
        (r#"{"GET /a//b": ["*"]}"#, "/a//b"),
        (r#"{"GET /a/{}": ["*"]}"#, "{}"),
        (r#"{"GET /{a+}/b": ["*"]}"#, "{a+}/b"),
        (r#"{"GET /a": "admin"}"#, "list of strings"),
        (r#"{"GET /a": ["a,b"]}"#, "a,b"),
        (r#"{"GET /a": ["*", "admin"]}"#, "alone"),
        (r#"{"GET /a": ["x"], "get /a": ["y"]}"#, "two rules"),
    ] {
        let err = AccessRules::parse(table).unwrap_err().to_string();
        assert!(err.contains(expected), "{table}: {err}");
    }
}

/// IAM's '*' spans '/': the pattern of one rule can open another route.
#[test]
fn an_overlap_that_would_open_a_route_wider_is_refused() {
    let wide = r#"{"GET /users/{id}": ["support"], "GET /users/{id}/keys": ["admin"]}"#;
    let err = AccessRules::parse(wide).unwrap_err();
    assert!(
        matches!(&err, AccessError::Overlap { wide, narrow, .. }
        if wide == "GET /users/{id}" && narrow == "GET /users/{id}/keys"),
        "{err}"
    );
    // Harmless when the covered route admits at least as much.
    AccessRules::parse(r#"{"GET /users/{id}": ["admin"], "GET /users/{id}/keys": ["admin", "ops"]}"#).unwrap();
    AccessRules::parse(r#"{"GET /users/{id}": ["admin"], "GET /users/{id}/keys": ["*"]}"#).unwrap();
    // A literal route next to a parameter is not covered by the parameter's rule: API
    // Gateway sends /users/me to its own route, whose ARN pattern names "me".
    AccessRules::parse(r#"{"GET /users/me": ["*"], "GET /users/{id}": ["admin"]}"#).unwrap();
    let err = AccessRules::parse(r#"{"GET /{proxy+}": ["*"], "GET /admin": ["admin"]}"#).unwrap_err();
    assert!(matches!(err, AccessError::Overlap { .. }), "{err}");
}
