use super::*;

fn basic(raw: &[u8]) -> String {
    format!("Basic {}", STANDARD.encode(raw))
}

fn parse_basic(header: &str) -> Result<Credentials, CredentialsError> {
    from_basic_header(Some(header.as_bytes()))
}

fn invalid(result: Result<Credentials, CredentialsError>) -> bool {
    matches!(result, Err(CredentialsError::Invalid(_)))
}

#[test]
fn basic_splits_at_the_first_colon() {
    let creds = parse_basic(&basic(b"alice:pa:ss:word")).unwrap();
    assert_eq!(creds.username, "alice");
    assert_eq!(creds.password, "pa:ss:word");
}

#[test]
fn basic_scheme_is_case_insensitive_and_utf8() {
    let creds = parse_basic(&format!("bAsIc {}", STANDARD.encode("émile:pässwörd🔑"))).unwrap();
    assert_eq!(creds.username, "émile");
    assert_eq!(creds.password, "pässwörd🔑");
}

#[test]
fn no_header_or_another_scheme_is_missing() {
    assert!(matches!(from_basic_header(None), Err(CredentialsError::Missing)));
    for header in ["Bearer abc.def.ghi", "Digest username=x", "", "YWxpY2U6cHc="] {
        assert!(matches!(parse_basic(header), Err(CredentialsError::Missing)), "{header:?}");
    }
}

#[test]
fn malformed_basic_values_are_invalid() {
    let long_user = basic(format!("{}:pw", "u".repeat(129)).as_bytes());
    let long_password = basic(format!("alice:{}", "p".repeat(1025)).as_bytes());
    for header in [
        "Basic".to_string(),
        "Basic ".to_string(),
        "Basic !!!not-base64!!!".to_string(),
        "Basic YWxpY2U6cHc".to_string(),
        basic(b"no-colon"),
        basic(b":password"),
        basic(b"alice:"),
        basic(b":"),
        basic(b"\xff\xfe:password"),
        basic(b"alice:\xc3\x28"),
        format!("Basic  {}", STANDARD.encode("alice:pw")),
        format!("Basic {} ", STANDARD.encode("alice:pw")),
        format!("Basic\t{}", STANDARD.encode("alice:pw")),
        long_user,
        long_password,
        format!("Basic {}", "A".repeat(4000)),
    ] {
        let result = parse_basic(&header);
        assert!(invalid(result) || matches!(parse_basic(&header), Err(CredentialsError::Missing)), "{header:.60}");
    }
    // The whitespace variants that keep the Basic scheme are 400s, not 401s.
    assert!(invalid(parse_basic(&format!("Basic  {}", STANDARD.encode("alice:pw")))));
    assert!(invalid(parse_basic(&format!("Basic {} ", STANDARD.encode("alice:pw")))));
}

#[test]
fn limits_are_inclusive() {
    let at_limit = basic(format!("{}:{}", "u".repeat(128), "p".repeat(1024)).as_bytes());
    assert!(parse_basic(&at_limit).is_ok());
    let multibyte_user = format!("{}:pw", "é".repeat(65));
    assert!(invalid(parse_basic(&basic(multibyte_user.as_bytes()))), "limits count bytes, not characters");
}

#[test]
fn json_body_needs_the_json_media_type() {
    let body = br#"{"username":"alice","password":"pw"}"#;
    for ok in
        ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8", " application/json "]
    {
        assert!(from_json_body(Some(ok.as_bytes()), body).is_ok(), "{ok}");
    }
    for bad in [None, Some(&b"text/plain"[..]), Some(b"application/x-www-form-urlencoded"), Some(b"application/jsonx")]
    {
        assert!(matches!(from_json_body(bad, body), Err(CredentialsError::UnsupportedMediaType)), "{bad:?}");
    }
}

#[test]
fn json_body_must_have_both_string_fields() {
    let ct = Some(&b"application/json"[..]);
    let creds = from_json_body(ct, br#"{"username":"alice","password":"p:w","extra":1}"#).unwrap();
    assert_eq!((creds.username.as_str(), creds.password.as_str()), ("alice", "p:w"));
    for body in [
        &b""[..],
        b"not json",
        b"{}",
        br#"{"username":"alice"}"#,
        br#"{"password":"pw"}"#,
        br#"{"username":1,"password":"pw"}"#,
        br#"{"username":"alice","password":null}"#,
        br#"{"username":"","password":"pw"}"#,
        br#"{"username":"alice","password":""}"#,
        br#"["alice","pw"]"#,
        br#"{"username":"alice","password":"pw","username":"bob"}"#,
    ] {
        assert!(invalid(from_json_body(ct, body)), "{}", String::from_utf8_lossy(body));
    }
    let huge = format!(r#"{{"username":"alice","password":"{}"}}"#, "p".repeat(10_000));
    assert!(invalid(from_json_body(ct, huge.as_bytes())));
}

#[test]
fn debug_never_shows_the_password() {
    let creds = parse_basic(&basic(b"alice:hunter2-secret")).unwrap();
    assert!(!format!("{creds:?}").contains("hunter2-secret"));
}

#[test]
fn a_post_without_a_body_reads_basic_like_a_get() {
    let header = basic(b"alice:secret pass");
    for content_type in [None, Some(&b"application/json"[..]), Some(&b"text/plain"[..])] {
        let creds = from_post(Some(header.as_bytes()), content_type, b"").unwrap();
        assert_eq!((creds.username.as_str(), creds.password.as_str()), ("alice", "secret pass"), "{content_type:?}");
    }
    assert!(invalid(from_post(Some(b"Basic !!!"), None, b"")), "a malformed Basic value is a 400, as for a GET");
}

#[test]
fn a_post_with_both_basic_and_a_body_is_refused() {
    let header = basic(b"alice:secret pass");
    let body = br#"{"username":"bob","password":"another one"}"#;
    assert_eq!(
        from_post(Some(header.as_bytes()), Some(b"application/json"), body).unwrap_err(),
        CredentialsError::Invalid("send the credentials either as Authorization: Basic or as a JSON body, not both")
    );
}

#[test]
fn a_post_with_another_scheme_reads_the_body() {
    let body = br#"{"username":"bob","password":"another one"}"#;
    let creds = from_post(Some(b"Bearer abc"), Some(b"application/json"), body).unwrap();
    assert_eq!(creds.username, "bob");
    assert_eq!(from_post(None, None, b"").unwrap_err(), CredentialsError::UnsupportedMediaType);
}
