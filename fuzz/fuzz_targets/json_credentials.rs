//! The JSON body of `POST /authenticate`, under each kind of Content-Type.
#![no_main]

use common::credentials::{CredentialsError, from_json_body};
use common::user::{MAX_PASSWORD_BYTES, MAX_USERNAME_BYTES};
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [Option<&[u8]>; 4] =
    [Some(b"application/json"), Some(b"application/json; charset=utf-8"), Some(b"text/plain"), None];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let content_type = CONTENT_TYPES[usize::from(selector) % CONTENT_TYPES.len()];
    match from_json_body(content_type, body) {
        Ok(credentials) => {
            assert!(content_type.is_some_and(|ct| ct.starts_with(b"application/json")));
            assert!(!credentials.username.is_empty() && credentials.username.len() <= MAX_USERNAME_BYTES);
            assert!(!credentials.password.is_empty() && credentials.password.len() <= MAX_PASSWORD_BYTES);
        }
        Err(CredentialsError::UnsupportedMediaType) => assert!(!content_type.is_some_and(|ct| ct.starts_with(b"application/json"))),
        Err(CredentialsError::Invalid(_)) => {}
        Err(CredentialsError::Missing) => panic!("a body is never 'missing credentials'"),
    }
});
