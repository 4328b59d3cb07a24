use super::*;

const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/hello";
const STAGE: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod";

fn access() -> AccessRules {
    AccessRules::parse(
        r#"{"GET /hello": ["*"], "GET /users": ["admin"], "GET /users/{username}": ["admin"],
            "POST /users/{username}/unlock": ["admin"], "PUT /me/password": ["*"]}"#,
    )
    .unwrap()
}

fn roles(names: &[&str]) -> Vec<String> {
    names.iter().map(|r| r.to_string()).collect()
}

#[test]
fn parses_method_arn() {
    let arn = MethodArn::parse(ARN).unwrap();
    assert_eq!(
        arn,
        MethodArn {
            partition: "aws",
            region: "us-east-1",
            account: "123456789012",
            api_id: "abcdef1234",
            stage: "prod",
            method: "GET",
            path: "hello",
        }
    );
    assert_eq!(arn.stage_arn(), STAGE);
}

#[test]
fn parses_nested_and_root_paths_and_other_partitions() {
    let nested = MethodArn::parse("arn:aws-us-gov:execute-api:us-gov-west-1:1:api/v1/POST/a/b/c").unwrap();
    assert_eq!(nested.path, "a/b/c");
    assert_eq!(nested.stage_arn(), "arn:aws-us-gov:execute-api:us-gov-west-1:1:api/v1");
    let root = MethodArn::parse("arn:aws:execute-api:eu-west-1:1:api/v1/GET/").unwrap();
    assert_eq!(root.path, "");
}

#[test]
fn refuses_malformed_method_arns() {
    for bad in [
        "",
        "*",
        "arn:aws:lambda:us-east-1:123456789012:function:x",
        "arn:aws:execute-api:us-east-1:123456789012",
        "arn:aws:execute-api:us-east-1:123456789012:",
        "arn:aws:execute-api:us-east-1:123456789012:api",
        "arn:aws:execute-api:us-east-1:123456789012:api/prod",
        "arn:aws:execute-api:us-east-1:123456789012:api//GET/x",
        "arn::execute-api:us-east-1:123456789012:api/prod/GET/x",
        "ARN:aws:execute-api:us-east-1:1:api/prod/GET/x",
    ] {
        assert!(MethodArn::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_configured_stage_is_read_with_or_without_its_wildcards() {
    for configured in [STAGE.to_string(), format!("{STAGE}/"), format!("{STAGE}/*/*")] {
        let stage = StageArn::configured(&configured).unwrap();
        assert_eq!(stage, StageArn::Configured(STAGE.into()), "{configured}");
        assert_eq!(stage.for_method_arn(Some("garbage")).unwrap(), STAGE, "the method ARN is not read");
        assert_eq!(stage.for_method_arn(None).unwrap(), STAGE);
    }
    assert_eq!(StageArn::configured("*"), Err(ArnError::Wildcard));
    assert!(StageArn::configured("arn:aws:s3:::bucket/*").is_err());
    for not_a_stage in [
        ARN,
        "arn:aws:execute-api:us-east-1:1:api",
        "arn:aws:execute-api:us-east-1:1:api/*",
        "arn:aws:execute-api:us-east-1:1:*/prod",
    ] {
        assert!(StageArn::configured(not_a_stage).is_err(), "{not_a_stage}");
    }
}

#[test]
fn the_stage_comes_from_the_method_arn_otherwise() {
    assert_eq!(StageArn::FromMethodArn.for_method_arn(Some(ARN)).unwrap(), STAGE);
    assert!(StageArn::FromMethodArn.for_method_arn(None).is_err());
    assert!(StageArn::FromMethodArn.for_method_arn(Some("nope")).is_err());
}

#[test]
fn a_policy_allows_exactly_the_routes_the_roles_satisfy() {
    let access = access();
    let user = serde_json::to_value(route_policy(STAGE, &access, &roles(&["viewer"]))).unwrap();
    assert_eq!(
        user,
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Action": ["execute-api:Invoke"], "Effect": "Allow", "Resource": [
                format!("{STAGE}/GET/hello"), format!("{STAGE}/PUT/me/password")]}]
        })
    );
    let admin = route_policy(STAGE, &access, &roles(&["admin"]));
    assert_eq!(
        admin.statement[0].resource,
        [
            format!("{STAGE}/GET/hello"),
            format!("{STAGE}/GET/users"),
            format!("{STAGE}/GET/users/*"),
            format!("{STAGE}/POST/users/*/unlock"),
            format!("{STAGE}/PUT/me/password"),
        ]
    );
}

#[test]
fn roles_that_open_nothing_get_a_stage_wide_deny() {
    let closed = AccessRules::parse(r#"{"GET /reports": ["finance"]}"#).unwrap();
    let policy = route_policy(STAGE, &closed, &roles(&["viewer"]));
    assert_eq!(policy.statement.len(), 1);
    assert_eq!(policy.statement[0].effect, IamPolicyEffect::Deny);
    assert_eq!(policy.statement[0].resource, [format!("{STAGE}/*/*")]);
}

/// API Gateway's limits on what an authorizer returns are not all documented
/// for REST APIs (8 KB is WebSocket's); a table of 50 routes, every one open
/// to the token, stays well under 8 KB, the smallest limit in sight.
#[test]
fn fifty_routes_fit_in_a_policy() {
    let table: serde_json::Map<String, serde_json::Value> = (0..50)
        .map(|i| (format!("GET /service-{i:02}/items/{{item}}/details"), serde_json::json!(["member"])))
        .collect();
    let access = AccessRules::parse(&serde_json::Value::Object(table).to_string()).unwrap();
    let stage = "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abcdefghij/production";
    let policy = route_policy(stage, &access, &roles(&["member"]));
    assert_eq!(policy.statement[0].resource.len(), 50);
    let bytes = serde_json::to_vec(&policy).unwrap().len();
    assert!(bytes < 8 * 1024, "{bytes} bytes");
}
