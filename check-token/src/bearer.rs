//! The `Bearer <token>` value of the Authorization header (RFC 6750 §2.1).

/// Returns the token of `Bearer <token>`. The scheme is case-insensitive; the
/// separator is exactly one space, and the token may hold no whitespace, so a
/// doubled scheme, a tab or two spaces are refused rather than guessed at.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return None;
    }
    // ASCII whitespace or control characters, i.e. bytes up to 0x20 and DEL;
    // branch-free (`|`, no early exit) so the scan of the whole token vectorises.
    if token.bytes().fold(false, |bad, b| bad | (b <= b' ') | (b == 0x7f)) {
        return None;
    }
    Some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_any_case_of_the_scheme() {
        for header in ["Bearer abc.def.ghi", "bearer abc.def.ghi", "BEARER abc.def.ghi", "bEaReR abc.def.ghi"] {
            assert_eq!(bearer_token(header), Some("abc.def.ghi"), "{header}");
        }
    }

    #[test]
    fn the_byte_test_is_ascii_whitespace_or_control() {
        for b in 0..=255u8 {
            let refused = b.is_ascii_whitespace() || b.is_ascii_control();
            let token = [b'a', b, b'b'];
            let header = [b"Bearer ".as_slice(), &token].concat();
            let accepted = std::str::from_utf8(&header).map_or(true, |h| bearer_token(h).is_some());
            assert_eq!(accepted, !refused, "byte {b:#04x}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for header in [
            "",
            "Bearer",
            "Bearer ",
            "abc.def.ghi",
            "Basic YWxpY2U6cHc=",
            "Bearer Bearer abc.def.ghi",
            "Bearer  abc.def.ghi",
            "Bearer\tabc.def.ghi",
            "Bearer abc.def.ghi ",
            "Bearer abc\n.def.ghi",
            "Bearerabc.def.ghi",
            "Token abc.def.ghi",
        ] {
            assert_eq!(bearer_token(header), None, "{header:?}");
        }
    }
}
