//! ES256's formats and crypto, against openssl's keys and jsonwebtoken.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::*;

/// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256` (PKCS#8 PEM).
pub(in crate::token) const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyPiIHWhrXREhLwLs
y9F29V0My469SSv7qw5IAuTx0XGhRANCAATg9USwgtR0DYx5Xz03mtM9RI3hTFRF
HIoHDdhDu3YK/EhPFt3AerUWzN4bGuNOrKLcnAzZWkCXUOeqMrrgvhHZ
-----END PRIVATE KEY-----
";
/// `openssl pkey -pubout` of [`KEY_PEM`].
pub(in crate::token) const PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4PVEsILUdA2MeV89N5rTPUSN4UxU
RRyKBw3YQ7t2CvxITxbdwHq1FszeGxrjTqyi3JwM2VpAl1DnqjK64L4R2Q==
-----END PUBLIC KEY-----
";
/// [`KEY_PEM`]'s public point, as `openssl ec -text` prints it.
pub(in crate::token) const PUBLIC_HEX: &str = "04e0f544b082d4740d8c795f3d379ad33d448de14c54451c8a070dd843bb760afc484f16ddc07ab516ccde1b1ae34eaca2dc9c0cd95a409750e7aa32bae0be11d9";
/// A second key, for rotation.
pub(in crate::token) const OTHER_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg0xHuh6hjCmIRPjKY
KkUhUG6AN+nHIJjq0a+0dtwzBmmhRANCAAQ6aYGniMFokd/ijrO9tLWnqpn6kjIk
qOysFCVIRxWT2k0VXEr/W0lTmxe5YfshteEeQU+J5AU5zuxtznCHF0EC
-----END PRIVATE KEY-----
";
const MESSAGE: &[u8] = b"eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1LTEifQ";

pub(in crate::token) fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

pub(in crate::token) fn private_key() -> Es256PrivateKey {
    Es256PrivateKey::from_text(KEY_PEM).unwrap()
}

fn pem_body(pem: &str) -> String {
    pem.lines().filter(|line| !line.starts_with("-----")).collect()
}

fn spki_der() -> Vec<u8> {
    STANDARD.decode(pem_body(PUBLIC_PEM)).unwrap()
}

fn signer() -> Es256Signer {
    Es256Signer::new(&private_key()).unwrap()
}

fn point() -> PublicPoint {
    PublicPoint::from_bytes(&hex(PUBLIC_HEX)).unwrap()
}

/// The DER form (SEQUENCE of two INTEGERs) of an `r‖s` signature: what
/// OpenSSL and most ECDSA APIs produce, and what JOSE does not use.
pub(in crate::token) fn der_signature(raw: &[u8]) -> Vec<u8> {
    let integer = |bytes: &[u8]| {
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
        let mut value = bytes[start..].to_vec();
        if value[0] & 0x80 != 0 {
            value.insert(0, 0);
        }
        let mut out = vec![0x02, value.len() as u8];
        out.extend(value);
        out
    };
    let body = [integer(&raw[..32]), integer(&raw[32..])].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

#[test]
fn private_keys_are_read_from_pem_or_one_line_of_base64() {
    let from_pem = private_key();
    assert_eq!(from_pem.public_key().to_vec(), hex(PUBLIC_HEX));
    let der = STANDARD.decode(pem_body(KEY_PEM)).unwrap();
    assert_eq!(from_pem.pkcs8_der(), &der[..]);
    let one_line = pem_body(KEY_PEM);
    for text in [one_line.clone(), format!("  {one_line}\n"), KEY_PEM.replace('\n', "\r\n"), format!("\n{KEY_PEM}\n")] {
        assert_eq!(Es256PrivateKey::from_text(&text).unwrap().pkcs8_der(), &der[..], "{text:?}");
    }
    assert_eq!(Es256PrivateKey::from_pkcs8_der(&der).unwrap().public_key(), from_pem.public_key());
    assert_eq!(from_pem.to_pem(), KEY_PEM, "written back as openssl wrote it");
    assert_eq!(from_pem.to_base64(), one_line);
}

#[test]
fn other_private_key_forms_are_refused() {
    let der = STANDARD.decode(pem_body(KEY_PEM)).unwrap();
    // The SEC1 ECPrivateKey inside the PKCS#8 document (`BEGIN EC PRIVATE KEY`).
    let sec1 = der[der.len() - 0x6d..].to_vec();
    assert_eq!(sec1[0], 0x30);
    let sec1_pem =
        format!("-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----\n", STANDARD.encode(&sec1));
    let mut flipped = der.clone();
    *flipped.last_mut().unwrap() ^= 1; // the public key no longer matches the private key
    let texts = [
        String::new(),
        "not base64!".into(),
        STANDARD.encode(&sec1),
        sec1_pem,
        KEY_PEM.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"),
        KEY_PEM.replace("-----END PRIVATE KEY-----\n", ""),
        PUBLIC_PEM.into(),
        STANDARD.encode(spki_der()),
        STANDARD.encode(&flipped),
        STANDARD.encode(&der[..der.len() - 1]),
        STANDARD.encode([&der[..], &[0]].concat()),
    ];
    for text in texts {
        assert_eq!(Es256PrivateKey::from_text(&text).unwrap_err(), TokenError::InvalidKey, "{text:?}");
    }
    assert_eq!(Es256PrivateKey::from_pkcs8_der(&flipped).unwrap_err(), TokenError::InvalidKey);
}

#[test]
fn generated_keys_are_fresh_pkcs8_that_reads_back() {
    let one = Es256PrivateKey::generate().unwrap();
    let two = Es256PrivateKey::generate().unwrap();
    assert_ne!(one.pkcs8_der(), two.pkcs8_der());
    assert_ne!(one.public_key(), two.public_key());
    let back = Es256PrivateKey::from_text(&one.to_pem()).unwrap();
    assert_eq!((back.pkcs8_der(), back.public_key()), (one.pkcs8_der(), one.public_key()));
    // openssl's tools and other JOSE libraries read it: jsonwebtoken does.
    let token = jsonwebtoken::crypto::sign(
        MESSAGE,
        &jsonwebtoken::EncodingKey::from_ec_der(one.pkcs8_der()),
        jsonwebtoken::Algorithm::ES256,
    )
    .unwrap();
    let point = PublicPoint::from_bytes(&one.public_key()).unwrap();
    assert_eq!(point.verify(MESSAGE, &URL_SAFE_NO_PAD.decode(token).unwrap()), Ok(()));
}

#[test]
fn debug_output_never_shows_the_private_key() {
    let key = private_key();
    let shown = format!("{key:?}");
    assert_eq!(shown, "Es256PrivateKey { .. }");
}

#[test]
fn public_keys_are_read_as_a_sec1_point_or_spki() {
    let point = point();
    assert_eq!(PublicPoint::from_bytes(&spki_der()).unwrap(), point);
    assert_eq!(point.x(), &hex(PUBLIC_HEX)[1..33]);
    assert_eq!(point.y(), &hex(PUBLIC_HEX)[33..]);
    assert_eq!(PublicPoint::from_coordinates(point.x(), point.y()).unwrap(), point);
}

#[test]
fn malformed_public_keys_are_refused() {
    let sec1 = hex(PUBLIC_HEX);
    let mut compressed = sec1[..33].to_vec();
    compressed[0] = 0x02 | (sec1[64] & 1);
    let mut wrong_tag = sec1.clone();
    wrong_tag[0] = 0x05;
    let prime = FIELD_PRIME.to_vec();
    let too_big_x = [&[0x04][..], &prime, &sec1[33..]].concat();
    let too_big_y = [&sec1[..33], &prime[..]].concat();
    let mut spki_other_curve = spki_der();
    spki_other_curve[20] ^= 1;
    for bad in [
        &[][..],
        &[0x00][..],
        &sec1[..64],
        &[&sec1[..], &[0]].concat()[..],
        &compressed,
        &wrong_tag,
        &too_big_x,
        &too_big_y,
        &spki_other_curve,
        &spki_der()[..90],
        &sec1[1..],
    ] {
        assert_eq!(PublicPoint::from_bytes(bad).unwrap_err(), TokenError::InvalidKey, "{bad:?}");
    }
    assert_eq!(PublicPoint::from_coordinates(&sec1[1..33], &sec1[33..64]).unwrap_err(), TokenError::InvalidKey);
    assert_eq!(PublicPoint::from_coordinates(&sec1[..33], &sec1[33..]).unwrap_err(), TokenError::InvalidKey);
}

#[test]
fn signatures_are_64_bytes_of_r_and_s_and_verify() {
    let signature = signer().sign(MESSAGE).unwrap();
    assert_eq!(point().verify(MESSAGE, &signature), Ok(()));
    // Randomised nonces: two signatures of one message differ, both verify.
    let again = signer().sign(MESSAGE).unwrap();
    assert_ne!(signature, again);
    assert_eq!(point().verify(MESSAGE, &again), Ok(()));
}

#[test]
fn jsonwebtoken_verifies_our_signatures_and_we_verify_its() {
    let ours = signer().sign(MESSAGE).unwrap();
    let point = point();
    let key = jsonwebtoken::DecodingKey::from_ec_components(
        &URL_SAFE_NO_PAD.encode(point.x()),
        &URL_SAFE_NO_PAD.encode(point.y()),
    )
    .unwrap();
    let encoded = URL_SAFE_NO_PAD.encode(ours);
    assert!(jsonwebtoken::crypto::verify(&encoded, MESSAGE, &key, jsonwebtoken::Algorithm::ES256).unwrap());

    let signing = jsonwebtoken::EncodingKey::from_ec_der(private_key().pkcs8_der());
    let theirs = jsonwebtoken::crypto::sign(MESSAGE, &signing, jsonwebtoken::Algorithm::ES256).unwrap();
    let theirs = URL_SAFE_NO_PAD.decode(theirs).unwrap();
    assert_eq!(theirs.len(), SIGNATURE_BYTES);
    assert_eq!(point.verify(MESSAGE, &theirs), Ok(()));
}

#[test]
fn wrong_signatures_do_not_verify() {
    let signature = signer().sign(MESSAGE).unwrap();
    let point = point();
    let other = PublicPoint::from_bytes(&Es256PrivateKey::from_text(OTHER_KEY_PEM).unwrap().public_key()).unwrap();
    assert_eq!(other.verify(MESSAGE, &signature), Err(TokenError::BadSignature));
    assert_eq!(point.verify(b"another message", &signature), Err(TokenError::BadSignature));
    let mut flipped = signature;
    flipped[63] ^= 1;
    let order = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let r_zero = [&[0; 32][..], &signature[32..]].concat();
    let s_zero = [&signature[..32], &[0; 32][..]].concat();
    let r_order = [&order[..], &signature[32..]].concat();
    let s_order = [&signature[..32], &order[..]].concat();
    for wrong in [
        &flipped[..],
        &der_signature(&signature),
        &signature[..63],
        &[&signature[..], &[0]].concat(),
        &[0; 64],
        &[0xff; 64],
        &r_zero,
        &s_zero,
        &r_order,
        &s_order,
        &[],
        &signature[..32],
    ] {
        assert_eq!(point.verify(MESSAGE, wrong), Err(TokenError::BadSignature), "{wrong:?}");
    }
}

/// A well-formed point that is not on the curve verifies nothing (ring checks
/// it at every verification; construction only checks the form).
#[test]
fn a_point_off_the_curve_verifies_nothing() {
    let mut off = hex(PUBLIC_HEX);
    off[64] ^= 1;
    let off = PublicPoint::from_bytes(&off).unwrap();
    let signature = signer().sign(MESSAGE).unwrap();
    assert_eq!(off.verify(MESSAGE, &signature), Err(TokenError::BadSignature));
}

/// ECDSA's malleability: `(r, n − s)` is a second valid signature of the same
/// message. JOSE does not forbid it and ring accepts it; nothing here keys on
/// a token's signature bytes, and its claims are the signed ones either way.
#[test]
fn the_high_s_twin_of_a_signature_also_verifies() {
    let signature = signer().sign(MESSAGE).unwrap();
    let order = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let mut twin = signature;
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let difference = i16::from(order[i]) - i16::from(signature[32 + i]) - borrow;
        twin[32 + i] = difference.rem_euclid(256) as u8;
        borrow = i16::from(difference < 0);
    }
    assert_ne!(twin, signature);
    assert_eq!(point().verify(MESSAGE, &twin), Ok(()));
}
