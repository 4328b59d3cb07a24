//! The token endpoint's and the revocation endpoint's requests (RFC 6749
//! §4.3 and §6, RFC 7009 §2.1): form-encoded as the RFCs say, JSON accepted
//! too. Parameters appear once each; unknown ones are ignored.

use std::collections::HashMap;
use std::fmt;

use apigw::{MAX_JSON_BODY_BYTES, is_json_media_type};
use common::credentials::{Credentials, from_fields};

/// What a client asks the token endpoint for.
pub enum Grant {
    /// `grant_type=refresh_token`.
    RefreshToken(String),
    /// `grant_type=password`: a login, lockout and all.
    Password(Credentials),
}

/// Never shows the refresh token or the password.
impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RefreshToken(_) => f.write_str("Grant::RefreshToken([redacted])"),
            Self::Password(credentials) => f.debug_tuple("Grant::Password").field(credentials).finish(),
        }
    }
}

/// RFC 6749 §5.2's errors this endpoint can give; the text is safe to return.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("grant_type must be refresh_token or password")]
    UnsupportedGrantType,
}

const MEDIA_TYPES: &str = "the body must be application/x-www-form-urlencoded (or application/json)";

/// The parameters of a form or JSON body, each once.
fn parameters(content_type: Option<&[u8]>, body: &[u8]) -> Result<HashMap<String, String>, GrantError> {
    let invalid = |why: &str| GrantError::InvalidRequest(why.to_string());
    if body.len() > MAX_JSON_BODY_BYTES {
        return Err(invalid("the request body is too large"));
    }
    let content_type = content_type.ok_or_else(|| invalid(MEDIA_TYPES))?;
    if is_json_media_type(content_type) {
        if body.trim_ascii_start().first() != Some(&b'{') {
            return Err(invalid("the body must be a JSON object of string parameters"));
        }
        let object: HashMap<String, serde_json::Value> =
            serde_json::from_slice(body).map_err(|_| invalid("the body must be a JSON object of string parameters"))?;
        return object
            .into_iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(name, value)| match value {
                serde_json::Value::String(text) => Ok((name, text)),
                _ => Err(GrantError::InvalidRequest(format!("the parameter {name} must be a string"))),
            })
            .collect();
    }
    let essence = content_type.split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
    if !essence.eq_ignore_ascii_case(b"application/x-www-form-urlencoded") {
        return Err(invalid(MEDIA_TYPES));
    }
    let mut parameters = HashMap::new();
    for (name, value) in form_urlencoded::parse(body) {
        if parameters.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(GrantError::InvalidRequest(format!("the parameter {name} appears twice")));
        }
    }
    Ok(parameters)
}

fn required(parameters: &mut HashMap<String, String>, name: &str) -> Result<String, GrantError> {
    parameters
        .remove(name)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| GrantError::InvalidRequest(format!("the parameter {name} is missing")))
}

/// A token endpoint request.
pub fn token_request(content_type: Option<&[u8]>, body: &[u8]) -> Result<Grant, GrantError> {
    let mut parameters = parameters(content_type, body)?;
    match required(&mut parameters, "grant_type")?.as_str() {
        "refresh_token" => Ok(Grant::RefreshToken(required(&mut parameters, "refresh_token")?)),
        "password" => {
            let username = required(&mut parameters, "username")?;
            let password = required(&mut parameters, "password")?;
            from_fields(username, password)
                .map(Grant::Password)
                .map_err(|err| GrantError::InvalidRequest(err.to_string()))
        }
        _ => Err(GrantError::UnsupportedGrantType),
    }
}

/// A revocation request's token (`token_type_hint` is optional, and ignored:
/// only refresh tokens can be revoked, and anything else is simply not one).
pub fn revoke_request(content_type: Option<&[u8]>, body: &[u8]) -> Result<String, GrantError> {
    required(&mut parameters(content_type, body)?, "token")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: Option<&[u8]> = Some(b"application/x-www-form-urlencoded; charset=utf-8");
    const JSON: Option<&[u8]> = Some(b"application/json");

    #[test]
    fn reads_both_grants_as_form_or_json() {
        let refresh = token_request(FORM, b"grant_type=refresh_token&refresh_token=abc-_d&scope=x").unwrap();
        assert!(matches!(refresh, Grant::RefreshToken(t) if t == "abc-_d"));
        let json = token_request(JSON, br#"{"grant_type":"refresh_token","refresh_token":"abc"}"#).unwrap();
        assert!(matches!(json, Grant::RefreshToken(t) if t == "abc"));
        let password = token_request(FORM, b"grant_type=password&username=alice&password=a+b%26c").unwrap();
        assert!(matches!(password, Grant::Password(c) if c.username == "alice" && c.password == "a b&c"));
        assert_eq!(revoke_request(FORM, b"token=abc&token_type_hint=refresh_token").unwrap(), "abc");
    }

    #[test]
    fn refusals_follow_rfc_6749() {
        for (content_type, body) in [
            (FORM, &b"refresh_token=abc"[..]),
            (FORM, b"grant_type=refresh_token"),
            (FORM, b"grant_type=refresh_token&refresh_token="),
            (FORM, b"grant_type=refresh_token&refresh_token=a&refresh_token=b"),
            (FORM, b"grant_type=password&username=alice"),
            (None, b"grant_type=refresh_token&refresh_token=abc"),
            (Some(b"text/plain"), b"grant_type=refresh_token&refresh_token=abc"),
            (JSON, br#"{"grant_type":"refresh_token","refresh_token":1}"#),
            (JSON, br#"["grant_type"]"#),
        ] {
            let result = token_request(content_type, body);
            assert!(matches!(result, Err(GrantError::InvalidRequest(_))), "{:?}", String::from_utf8_lossy(body));
        }
        assert!(matches!(token_request(FORM, b"grant_type=client_credentials"), Err(GrantError::UnsupportedGrantType)));
        assert!(revoke_request(FORM, b"token_type_hint=refresh_token").is_err());
    }

    #[test]
    fn debug_hides_the_secrets() {
        let grant = token_request(FORM, b"grant_type=password&username=alice&password=hunter22secret").unwrap();
        assert!(!format!("{grant:?}").contains("hunter22secret"));
        let grant = token_request(FORM, b"grant_type=refresh_token&refresh_token=s3cr3t-token").unwrap();
        assert!(!format!("{grant:?}").contains("s3cr3t-token"));
    }
}
