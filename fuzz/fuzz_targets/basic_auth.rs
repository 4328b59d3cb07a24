//! The Authorization header of `GET /authenticate`: never a panic, and
//! whatever is accepted respects the documented limits.
#![no_main]

use common::credentials::{CredentialsError, from_basic_header};
use common::user::{MAX_PASSWORD_BYTES, MAX_USERNAME_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|header: &[u8]| {
    match from_basic_header(Some(header)) {
        Ok(credentials) => {
            assert!(header.len() > 6 && header[..6].eq_ignore_ascii_case(b"basic "));
            assert!(!credentials.username.is_empty() && credentials.username.len() <= MAX_USERNAME_BYTES);
            assert!(!credentials.password.is_empty() && credentials.password.len() <= MAX_PASSWORD_BYTES);
            assert!(!credentials.username.contains(':'), "the first ':' splits");
        }
        Err(CredentialsError::Missing | CredentialsError::Invalid(_)) => {}
        Err(CredentialsError::UnsupportedMediaType) => panic!("a header cannot be a media-type problem"),
    }
});
