//! RS256's formats and crypto, against openssl's keys and jsonwebtoken.

use super::*;
pub(crate) use crate::testing::{
    RSA_KEY_PEM as KEY_PEM, RSA_OTHER_KEY_PEM as OTHER_KEY_PEM, RSA_PUBLIC_PEM as PUBLIC_PEM,
};

/// [`KEY_PEM`]'s modulus, as `openssl rsa -modulus` prints it (e is 65537).
pub(in crate::token) const MODULUS_HEX: &str = "D3D55F42332BEC6CE1242219595480ABFCEEC4BD22A96857D624FE9D7072253F7EA4BD81EB41EC958AEF72B30EF8BCA9EBD679B3BBA073E7BAA49CFAC0A12F9EA69A97DB0E1660F28DC5D0F1DEB1CC5C07F1EBDAB626CC46F811EC6F633AE7C22B634D565FB0C3830D6FE7F0BFAB7AC6F9D6BFF4EC844BFE826589EA1E1A2DF479A23C38FFD2A3FAEB48CF827908FE15B9DDA5D39951A6D7B483E287968703A6C7A81C70503BAE3B042B9C093553F4C07EA1544933B06BFDA3615C0C5C72C54A606DA4BE1E7AEC3A097F4A9C32AE4B603F8B344EDCB93D9E2000C07238E4A6F432B514DCF9D9F983D1835DE51F6369A85496D790BB98D36BEAEC65DF6669EAD9";
/// `rsa_keygen_bits:1024`: too small to sign or verify with.
pub(crate) const SMALL_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAMl+v7+4q8wqvFvd
6cwotRoNgl+g4cleJhFmYhlmQK8HQ3yfwNXr5erZwTRCt0txUKpRq+Ol26YIQATQ
ykOuloKelBJmsuHFLkOE70GvcV+2vQexT9FX1hLYr2lS29YqepQlvLRkBAHhQs93
8+TU4JjC9QH8+/rP/rgyyZ/1T+tZAgMBAAECgYB2jPOGesHhkvdV2b/4Fa9QD8i4
OPD/SDx/mkx3gzjlghGL3nZXpr6Uqd/JvsMXSSlbvEe03d3Y1xvLeYi3v53fWleb
t5cfhBlwjZ5Ffs4W5CsHyb8XXULL5EcTWCaPgLTeEswDdgjWGxApp/Ol0U35AaIa
tKgOY3hV8Ud8AKyXzQJBAPJ78iLYqA88mz/7pvIYAIyDNBfaRKcn2av8463Eji3N
YihiPWvlBZQI1n4kvRcSPw08Re080VmL8jU4Eh/p578CQQDUuewgU8gKNyAUXFEY
7sMJTzLHuMU/OPzdI+vz/dXly6Tc6Dq2NI/bp6kGrjhF9rOG+XUrg2psbM1SnRPp
I7LnAkBq8Y9RHwy/65LtHSf8DenwDs2i13j/3+t4lwgzU0UBnlt0RB+ivlc/esZe
zAU5b6qvQ63ze6c5PyeLoTcdLCQxAkA0ryM60mUdmo94W3C+Uwu8t3+lFS7MvKlr
f2UFlZ0u/2OCToWT8KqcRQbIn8dSFIpb6FZLg42M8tlbF4oB2JSLAkEA4uENfMiv
7AxB5hxoZzPAZZNrIhlRWGGnYglRxmxzGrfPGJGciMyJ2UgYF+kytRISwrjiF2Jc
AFslyIDXKZ37xw==
-----END PRIVATE KEY-----
";
/// `rsa_keygen_bits:4096`: the largest ring signs with.
pub(in crate::token) const BIG_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIJQgIBADANBgkqhkiG9w0BAQEFAASCCSwwggkoAgEAAoICAQCZ3muC9A2pd1WS
CG/qMjKQIbbzF/lRd0Tj2Qv5hA31CvufD9Lgf8/Bv8+PTcsPmA7azhB8vlzDWBAI
6EKSm4Y9Vj7mBICBtj+82lEOSjgIv6YWSF121Bw3AOgA4T+5kwp+lTQhTNedJg7m
48wQbIgRYpLjVvbxXk5JAwLslwh5EC+R7m9EyFIIijI3LngKvF43cUPaKuFtLx4U
zvzrdsR602zE5zthfj/i4QXEed7PZphfFeS2ePH12cNNDp3tSwjzS5EufekErsO2
u+es+/ztEv/XBnX4/ZNsLjqXMCalH7XSkoBbSNZEqQDNgUHjVgeVKDstY7lTu0Ba
kCckxOJ7qYhmmz8vYYsuLg8prXBUUND1eTkPbRuTl7PaSaEs7AHIkKVDJbhNoh8c
ajOk5eAQtFws8VC7zxYPXT5Hx6NSi8j3yVdoUWR4Wvh3N1+qVn/IaPhzAk5zeNYf
YTQ/o5ZRWZZcWI9JSWN2ZVcCA4viompXVZzUm+1iQHPhuJQ+eQy38k6DuAN6J9a7
PsZdMcPQwOOVHGa2p0JF/Tr0LcrPd+QuLLBhjOTyVyTP91bZ0VwMwI6D0eRPbES8
5fTDi8RI8XNMOx/VKQOS3TrKFP1JYMCNyj/0JBh4oY8wt5gM1Oo3SV2zks2zVdjZ
EvIMOcdAoE5RbDSv+3tdcPzp6nAAqwIDAQABAoICABgEphec7P0FCbBv7LhL+aSR
/rLXjS1wRqqiWMIsINmdS0W6/JnamZ2OyWF/LTFT9Q2mmOA//s7nUilxx+KGsF+m
tM7G6SBWSIC8O2bVowWKlOxpg11nIrhbRdvNTVs0XrD/rVF9YzK+nBjiehoeNucv
0en2yzlGFUZEWBKCSOpM4oAPDgNYmaWHnOsML+TNHo/c+FB33RRkBHgPD1/Z/DWI
BzR9O8GuKV7K7VGMDIGnbCV7j2YEXxCXW2sN2w0NZ2pC43i0Ysk+VoKRtkpEU2jW
TGVONuAVBQwf8zliZMXlu0YRZEPbjMbO8rchdB1+clSQIRymsmklk5gPZGzS5t9U
qNS4sr5/c0DIt4rsZIBjZ7SI7zYFXNrJNTkyvRYt76IlUmN3NktoKHohjypXYQHN
3aD6ilaUAych2dbmtLT1+qpvisFZc5GGkbppzswCDoo/QDnHgjfTRMEm7e83Cwxo
i+9nOyKSOT7YslHeiyASXwQFXFZj2oWsZK2ftpVPNvnQjEOdS3PyhfNwlFAk5x8O
2IZbOI5NrTXO8ZNGML9UQWoHIsMI7I9brRuFB8u/nzZQ62rJ9codarXOR6b7Kzgp
9RJQZvG/zXr4tvxgIaDWWIUeI5H9x/enmouUPZetvE3p7QdrIqNNHCAB7IjJ4LJo
JYMG+qyJz+IjRNO8FFHxAoIBAQDVhnfWNWjanp7NIfvTKK1jLpAFxq4z961wmUUb
D8ntCne/GLHKvB9PpkxEWeJhF76gVDUYlrTmlVkwYPqc2k9Vvv3eH6ML+X7MWCiP
sKIanA1YAA3YcrzRNwtvuIKlGhiI00Hb9l0aGUFPQyn9WAlPKefdUQZfITvEYg3p
liKGR+z0tfWTEp0KQoAZLgvU6VtqCcH90R58kt7oztlsxdnBpa/OkFUse0vCUA9f
CYY68pDhkGJcS3xpXE7rUW8tGhFVdxBoPkd3OeeSEzs3jAqCmAXVQSUq3c7G0dFy
+ynbPGXZKbxQYEO3goGlrrA75QNRjD3mQFJm+s2SN5KgGfEHAoIBAQC4egPzv0XY
tcz9Ui/OYfVOoHIlui0O07eOQRw2+BBjxOoYJ5l5K6luWiA5ozWEcs66aGQl60wR
JjHSJs3t4rIqL82FMD2u/37VdsrJr8mZ974f336+wPQ6TNZKfjyxwPPohtiLDEpK
6+N1PcVIyu5bu5iM9RPAJyapdIX5B0rmMwZcSVLlwKK1h6txeat4Zguv2STbC6vu
I2D4T2vJ+kLpho6R2yB0PgBDVv/nPwsH/7tuCf/kZAVUkSnwF1yB2CD1MQdJHXVN
TxR9zhfrwZmOmMEL2bgRQO8IYRo7H9EGSq4ZGCez4wo5za4cOG5Mn54H8OSD3Cdq
QBmtDFXQ9149AoIBAAJ2jqNV8mOzOLm9Dp6c9YMTYm3uoMvQq5uE6Rsqz3WAjWkS
69oe2W2dyXtwXgAoufY3gnVKJ8QRLPo15C4zBn9CuML7MnJM6n2I9s7Rhs0vx6eg
OIiqqirvq54aTseAyY+qgDP9X42RhQNZDv7xKQpUvWv8J0qpo3rcdrSfGr7ZzY31
G2Qa7tzTb47azSAjoP5UJny7ENL3DsM4v6FVlvF469JCL/lXYsRXEBZUkcvUSH+R
ntDZvhGpEu/7/IBUsKZ/vRy2uzRQ4q74sdIuN2DSSB7xpXAdJul8OiJNa2owBCzB
In763U0coEo8/aNzPNqP95bUXx74/a4WHgbixbkCggEAO/1xy5In5JE6WCah5Tt1
ylviwuIIRQoUZu5FfpqsucUPW0uFXSIVtw0X7aZlgOzUzUmlR698zRbenLiBvxo5
Vf61ltpZNM9hL4mx6GSB6s/lw/ep/94/jbXu+cqTcjqNFtDDGnSktDiBf17XCRT0
7l/S/AO2qIYSzIhYCOOWN8XgC6LMkmpSfzXfSseGO2Dz6/txQMpK3uYiYp1xL/1y
RP683jGkHCkNbNid31VhAPjouqAF1v+vvBB40trF+nOORC3tcJljzAArab3biY8r
oHOMU445jWLQWKk7Hn76OlGOzBpOzvDGIoYAWK0BMWm2ul5b8YVmS+cMcnnQbmQD
AQKCAQEAxnxXrRi3yEOWFvjP/I/QrGzVB1qP8RJWnVrfw58sb9RrvopZYL289Wzn
odE4Z0YowFC1v+KNJSIxzDiK+e0QsG7LhP+xYgsgl4aFz/ulrB+j1uocwoUvqywl
XnfErqivSXOOo8Xwtw5JtihCAV30WBYVmwAoKh+NTCJRFpuHpVMoOsoabeLppSP0
hglNc1Aro1ty//iq1BiIU79/EOw6cS08mEiKQ7jEUXu/Na8ROZG0pV98puNQ1DTN
ZiUIu2xaMvmYhC9exTzPUYwtrR/T4se56nVtPxfxQUlrzJlhW3lLbIfbcZqBGhfO
LZOWksEJ+woOuQ4Jb/V7TbbCZKfJ2w==
-----END PRIVATE KEY-----
";
const MESSAGE: &[u8] = b"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6InJzIn0.eyJzdWIiOiJ1LTEifQ";

pub(in crate::token) fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

pub(in crate::token) fn private_key() -> Rs256PrivateKey {
    Rs256PrivateKey::from_text(KEY_PEM).unwrap()
}

pub(in crate::token) fn pem_body(pem: &str) -> String {
    pem.lines().filter(|line| !line.starts_with("-----")).collect()
}

fn public() -> RsaPublicKey {
    RsaPublicKey::from_components(&hex(MODULUS_HEX), &[1, 0, 1]).unwrap()
}

#[test]
fn private_keys_are_read_from_pem_or_one_line_of_base64() {
    let key = private_key();
    assert_eq!((key.bits(), key.modulus(), key.exponent()), (2048, &hex(MODULUS_HEX)[..], &[1u8, 0, 1][..]));
    let one_line = pem_body(KEY_PEM);
    for text in [one_line.clone(), format!("  {one_line}\n"), KEY_PEM.replace('\n', "\r\n")] {
        assert_eq!(Rs256PrivateKey::from_text(&text).unwrap().pkcs8_der(), key.pkcs8_der());
    }
    assert_eq!(key.to_pem(), KEY_PEM, "written back as openssl wrote it");
    assert_eq!(key.to_base64(), one_line);
}

#[test]
fn keys_that_are_not_pkcs8_rsa_keys_of_2048_to_4096_bits_are_refused() {
    assert_eq!(Rs256PrivateKey::from_text(SMALL_KEY_PEM).unwrap_err(), TokenError::WeakKey);
    let pkcs1 = KEY_PEM.replace("PRIVATE KEY", "RSA PRIVATE KEY");
    let truncated = &pem_body(KEY_PEM)[..400];
    let ec = crate::token::es256::tests::KEY_PEM;
    for bad in [pkcs1.as_str(), truncated, ec, PUBLIC_PEM, "", "not base64"] {
        assert_eq!(Rs256PrivateKey::from_text(bad).unwrap_err(), TokenError::InvalidKey, "{bad:.40}");
    }
    let big = Rs256PrivateKey::from_text(BIG_KEY_PEM).unwrap();
    assert_eq!(big.bits(), 4096);
    let signature = Rs256Signer::new(&big).unwrap().sign(MESSAGE).unwrap();
    assert_eq!(signature.len(), 512);
}

#[test]
fn signatures_verify_with_the_public_key_only() {
    let signer = Rs256Signer::new(&private_key()).unwrap();
    let signature = signer.sign(MESSAGE).unwrap();
    assert_eq!(signature.len(), 256);
    assert_eq!(signer.sign(MESSAGE).unwrap(), signature, "PKCS#1 v1.5 is deterministic");
    assert_eq!(signer.public(), public());
    assert_eq!(public().verify(MESSAGE, &signature), Ok(()));
    assert_eq!(public().verify(b"another message", &signature), Err(TokenError::BadSignature));
    let other = Rs256PrivateKey::from_text(OTHER_KEY_PEM).unwrap();
    let other = RsaPublicKey::from_components(other.modulus(), other.exponent()).unwrap();
    assert_eq!(other.verify(MESSAGE, &signature), Err(TokenError::BadSignature));
    let mut flipped = signature.clone();
    flipped[100] ^= 1;
    let wrong: [&[u8]; 5] = [&flipped, &signature[..255], &[&signature[..], &[0]].concat(), &[], &[0; 256]];
    for wrong in wrong {
        assert_eq!(public().verify(MESSAGE, wrong), Err(TokenError::BadSignature), "{} bytes", wrong.len());
    }
}

#[test]
fn public_keys_are_checked_for_size_and_form() {
    let n = hex(MODULUS_HEX);
    assert_eq!(public().bits(), 2048);
    // A sign byte before n, or zeros before e, is the same key.
    let padded = RsaPublicKey::from_components(&[&[0][..], &n].concat(), &[0, 1, 0, 1]).unwrap();
    assert_eq!(padded, public());
    let small = Rs256PrivateKey::from_pkcs8_der(&[]).map(|_| ()).unwrap_err();
    assert_eq!(small, TokenError::InvalidKey);
    let small_n = &n[..128];
    let mut odd_small = small_n.to_vec();
    odd_small[127] |= 1;
    assert_eq!(RsaPublicKey::from_components(&odd_small, &[1, 0, 1]).unwrap_err(), TokenError::WeakKey);
    let mut under = n.clone();
    under[0] = 0x7f; // 2047 bits
    assert_eq!(RsaPublicKey::from_components(&under, &[1, 0, 1]).unwrap_err(), TokenError::WeakKey);
    assert!(RsaPublicKey::from_components(&vec![0xff; 1024], &[3]).is_ok(), "8192 bits");
    for (n, e) in [
        (vec![0xff; 1025], vec![1, 0, 1]),
        (vec![0xfe; 256], vec![1, 0, 1]),
        (n.clone(), vec![1]),
        (n.clone(), vec![2]),
        (n.clone(), vec![1, 0, 0]),
        (n.clone(), vec![]),
        (n.clone(), vec![2, 0, 0, 0, 1]),
        (n.clone(), vec![1, 0, 0, 0, 0, 1]),
        (vec![], vec![1, 0, 1]),
    ] {
        assert_eq!(RsaPublicKey::from_components(&n, &e).unwrap_err(), TokenError::InvalidKey, "{} {e:?}", n.len());
    }
    assert!(RsaPublicKey::from_components(&n, &[1, 0, 0, 0, 1]).is_ok(), "2^32 + 1: ring's range");
}

#[test]
fn a_private_key_says_its_algorithm() {
    use crate::token::{Algorithm, PrivateKey};
    assert_eq!(PrivateKey::from_text(KEY_PEM).unwrap().algorithm(), Algorithm::Rs256);
    let ec = PrivateKey::from_text(crate::token::es256::tests::KEY_PEM).unwrap();
    assert_eq!(ec.algorithm(), Algorithm::Es256);
    assert_eq!(PrivateKey::from_text(SMALL_KEY_PEM).unwrap_err(), TokenError::WeakKey);
    assert_eq!(PrivateKey::from_text(PUBLIC_PEM).unwrap_err(), TokenError::InvalidKey);
    assert_eq!(PrivateKey::from_text(KEY_PEM).unwrap().to_pem(), KEY_PEM);
}

#[test]
fn debug_output_never_shows_the_private_key() {
    let shown = format!("{:?}", private_key());
    assert_eq!(shown, "Rs256PrivateKey { bits: 2048, .. }");
    let shown = format!("{:?}", crate::token::PrivateKey::from_text(KEY_PEM).unwrap());
    assert!(!shown.contains(&pem_body(KEY_PEM)[40..80]), "{shown}");
}
