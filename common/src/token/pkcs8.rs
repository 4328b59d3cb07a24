//! A PKCS#8 private key as text, shared by every asymmetric algorithm: PEM
//! (`-----BEGIN PRIVATE KEY-----`, what `openssl genpkey` writes) or the
//! base64 of the DER on one line (an environment variable's form).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::TokenError;

const PEM_BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
const PEM_END: &str = "-----END PRIVATE KEY-----";

/// The DER of a key given as PEM or one line of base64, line breaks and
/// surrounding spaces ignored. Other PEM labels (`BEGIN EC PRIVATE KEY`,
/// `BEGIN RSA PRIVATE KEY`, encrypted PKCS#8) are refused: `openssl pkcs8
/// -topk8 -nocrypt` converts them.
pub(super) fn der_from_text(text: &str) -> Result<Vec<u8>, TokenError> {
    let text = text.trim();
    let body = match text.strip_prefix(PEM_BEGIN) {
        Some(rest) => rest.strip_suffix(PEM_END).ok_or(TokenError::InvalidKey)?,
        None if text.starts_with("-----") => return Err(TokenError::InvalidKey),
        None => text,
    };
    let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(base64).map_err(|_| TokenError::InvalidKey)
}

/// The base64 of the DER on one line.
pub(super) fn to_base64(der: &[u8]) -> String {
    STANDARD.encode(der)
}

/// PEM, 64 characters a line, as openssl writes it.
pub(super) fn to_pem(der: &[u8]) -> String {
    let base64 = to_base64(der);
    let mut pem = String::with_capacity(base64.len() + base64.len() / 64 + 60);
    pem.push_str(PEM_BEGIN);
    pem.push('\n');
    for line in base64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(PEM_END);
    pem.push('\n');
    pem
}
