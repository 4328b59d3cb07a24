//! Reading a username and password from a login request (HTTP Basic or a JSON
//! body), and nothing else: every way a client can send them wrong maps to one
//! [`CredentialsError`], which the handler turns into 401, 400 or 415.

use std::fmt;

use crate::user::{MAX_PASSWORD_BYTES, MAX_USERNAME_BYTES};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The password never reaches a log through `{:?}`.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// 401: nothing to check (no `Authorization`, or a scheme other than Basic).
    #[error("send the username and password as Authorization: Basic")]
    Missing,
    /// 400: the client sent credentials, but not in a form we accept.
    #[error("{0}")]
    Invalid(&'static str),
    /// 415: a POST body that does not say it is JSON.
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
}

/// Largest JSON body read; the longest valid credentials fit in well under this.
const MAX_BODY_BYTES: usize = 8 * 1024;
/// Longest base64 that can decode to a username and password within the limits.
const MAX_BASIC_BASE64: usize = (MAX_USERNAME_BYTES + 1 + MAX_PASSWORD_BYTES).div_ceil(3) * 4;

/// `Authorization: Basic base64(username:password)` (RFC 7617). The password
/// may contain `:`, so only the first one splits.
pub fn from_basic_header(header: Option<&[u8]>) -> Result<Credentials, CredentialsError> {
    let header = header.ok_or(CredentialsError::Missing)?;
    let (scheme, encoded) = split_scheme(header);
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return Err(CredentialsError::Missing);
    }
    if encoded.is_empty() {
        return Err(CredentialsError::Invalid("the Basic credentials are empty"));
    }
    if encoded.len() > MAX_BASIC_BASE64 {
        return Err(CredentialsError::Invalid("the Basic credentials are too long"));
    }
    let decoded = STANDARD
        .decode(encoded)
        .map_err(|_| CredentialsError::Invalid("the Basic credentials are not valid base64"))?;
    let text =
        String::from_utf8(decoded).map_err(|_| CredentialsError::Invalid("the Basic credentials are not UTF-8"))?;
    let (username, password) = text
        .split_once(':')
        .ok_or(CredentialsError::Invalid("the Basic credentials have no ':' between username and password"))?;
    checked(username.to_string(), password.to_string())
}

/// An `Authorization` value's scheme and what follows the first space.
fn split_scheme(header: &[u8]) -> (&[u8], &[u8]) {
    match header.iter().position(|&b| b == b' ') {
        Some(space) => (&header[..space], &header[space + 1..]),
        None => (header, &[][..]),
    }
}

/// A POST login: a JSON body, or, with no body at all, `Authorization: Basic`
/// exactly as a GET reads it (what `curl -u user -X POST` and many HTTP
/// clients send). Both at once is refused: which of two different
/// credentials would be checked is not something a client should have to guess.
pub fn from_post(
    authorization: Option<&[u8]>,
    content_type: Option<&[u8]>,
    body: &[u8],
) -> Result<Credentials, CredentialsError> {
    let basic = authorization.is_some_and(|header| split_scheme(header).0.eq_ignore_ascii_case(b"basic"));
    match (basic, body.is_empty()) {
        (true, true) => from_basic_header(authorization),
        (true, false) => Err(CredentialsError::Invalid(
            "send the credentials either as Authorization: Basic or as a JSON body, not both",
        )),
        (false, _) => from_json_body(content_type, body),
    }
}

#[derive(Deserialize)]
struct JsonCredentials {
    username: String,
    password: String,
}

/// `{"username": "...", "password": "..."}` with `Content-Type: application/json`.
pub fn from_json_body(content_type: Option<&[u8]>, body: &[u8]) -> Result<Credentials, CredentialsError> {
    if !content_type.is_some_and(is_json_media_type) {
        return Err(CredentialsError::UnsupportedMediaType);
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(CredentialsError::Invalid("the request body is too large"));
    }
    let invalid = CredentialsError::Invalid("the body must be a JSON object with string fields username and password");
    // serde would also read a struct from an array; only an object is a valid body.
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(invalid);
    }
    // The derived struct refuses duplicate keys, so `{"username":"a","username":"b"}` is not ambiguous.
    let parsed: JsonCredentials = serde_json::from_slice(body).map_err(|_| invalid)?;
    checked(parsed.username, parsed.password)
}

/// `application/json`, any case, optionally followed by parameters such as charset.
fn is_json_media_type(value: &[u8]) -> bool {
    let essence = value.split(|&b| b == b';').next().unwrap_or_default();
    essence.trim_ascii().eq_ignore_ascii_case(b"application/json")
}

/// A username and password from fields of their own (an OAuth 2.0 password
/// grant), held to the same limits as the other forms.
pub fn from_fields(username: String, password: String) -> Result<Credentials, CredentialsError> {
    checked(username, password)
}

fn checked(username: String, password: String) -> Result<Credentials, CredentialsError> {
    if username.is_empty() {
        return Err(CredentialsError::Invalid("the username is empty"));
    }
    if password.is_empty() {
        return Err(CredentialsError::Invalid("the password is empty"));
    }
    if username.len() > MAX_USERNAME_BYTES {
        return Err(CredentialsError::Invalid("the username is longer than 128 bytes"));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(CredentialsError::Invalid("the password is longer than 1024 bytes"));
    }
    Ok(Credentials { username, password })
}

#[cfg(test)]
mod tests;
