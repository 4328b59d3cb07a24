//! The crypto crate for ES256 (and RS256), chosen by measurement: sign,
//! verify and key parsing with RustCrypto's `p256`, `ring` and `aws-lc-rs`
//! on the same keys and the same signing input (a token's `header.payload`).
//! Kept only for the commit that measured them (BENCHMARKS.md, "ES256: the
//! crypto crate and the algorithm"); the crate kept is benched in `token`.

use std::hint::black_box;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use criterion::Criterion;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`, as PKCS#8 DER (138 bytes).
const EC_PKCS8: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyPiIHWhrXREhLwLsy9F29V0My469SSv7qw5IAuTx0XGhRANCAATg9USwgtR0DYx5Xz03mtM9RI3hTFRFHIoHDdhDu3YK/EhPFt3AerUWzN4bGuNOrKLcnAzZWkCXUOeqMrrgvhHZ";
/// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`, as PKCS#8 DER.
const RSA_PKCS8: &str = "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDBr1XqgS3eVhs0BX88tmHPXUwshqiiof/hopd8OSYb8s4N57o9Xa6HEt7lxCHZsR3UxK3lQOdeXOtWws3ped9X8Qj/2uOUthKcfz4ThxpynCA6P8GIsmGuIKNIzssDNSyBaDawH3m9rv6QliyvD32jkQ3f82yfhFIW20W6apYRIUWgAZbNxMQYeTGvHrZWv7NfbIeP1EtCEnx6j1xgyd9AiffphlG7uICnxSAMvVEilvsrYNy/oGv0ThPIlL6JN26uL4rBWDMXi/GNffRcZgJYEZ8FmxERn6QhJpAsiaBflPL0tLJd8wHI99yDTWGk17Z+9Lu3LZu50/ptadn+YvMpAgMBAAECggEAAmqPIj8Mz7CCzojABYWf8uqOy/e9Fv75i9AlCXwcB9llAoLmIvmuIZ9rD5zoBYjNCWMPvqOrOeqOVrV/mfP22j3BTJHSPirG+36nNgP84OT7jkZ5LLJO/3wG6skGUCquZ183CXDxv5uf2jVpZstabaXeXAbJJN9Nd91clr6u0xVciXkbWVAV8z80ly+uvXJvoYzHM39o+YFNTkuKLKek5cf+qOCi3LAqULunqG7kCbKlsb0m+QEmj/q8YWuVOD0KqIsOicN5X/5uA90azxWNMDQUmxQU3H99FRVe3smL75QcB7u7y8ydbwpQYPcDbb52ewhiQq+Lzl09ZA8QJfopFQKBgQDh5Per6VEPrQ0aPM3WcFZSbpAVwquvB40IHr9b62wW8s1VpnFqfh9y9URxjRndy2Ce6BIGnVnfocHTkD6xksw21rtRWvHNMjNpT43Xuzuf8H+wfBbsWlBd+lh6x2NS+Yc0YUspgmMaTVmqKlL5SeolpaZvRR+9ezmVqBKf7jjxZQKBgQDbf3L44JxT5rdDwrOiW56BiR320PWiBZHocVyTP/VQqe59grwPMStAnFvfSpNpjdh8Ido2SlDpiecFR2dBIGYwONGIs4BemY3dIq9szo8mLhS339oc97PP2UVYA4JKBP/AI3EyX+iMSnWK825mIoxtzp+/d+759RxB+TPHlHAgdQKBgQDfyrYwAysCq7/CUaDfJFXwvoZSeJUcBxAKjmOoThi8t3kDtKzCAwdnHWPcVxzcJeOoKmPJV9Q1AI0E6u+hfryAS8Yx+DZ7wpM6bs0of963Ok1Wa+lN6L+cCyvjH2vgRUNUels7WWiTIzSEp/+h5z9oYq77p3CliNHo2STyetDBHQKBgCF/t/pHvVQIuBt9UZELzosSdCJBDdvmYbhJ5MkMT9I5vQ4mr7DZ3jIEKvlPFmRbo5h+SiFTAjpCM6HYneeQnEfrw/7K9mJ5qO8A5ikC9VHsYnkVjuIw455rGGwwTOgjDy0xu4rmnEUc8Ad+03B/AVOY30SHd09qmx9uevqQqvQpAoGBALnoTCnQQ2rzT+nVukYaZN10Iz54OOkUjQ4pWkWCuut7Kn2DRrSmMmYl6kBGT3SRsvvJChUtKILPPwMomajwy8UhCFBNNX6wcu4DSDeM3AAyTWsO7a1DEl+mg8QK2xKailycWMAGofF1m0iIrluyLMd7p11+Nni9afHlPFC6wwWB";
/// Its public key, PKCS#1 RSAPublicKey DER.
const RSA_PUBLIC: &str = "MIIBCgKCAQEAwa9V6oEt3lYbNAV/PLZhz11MLIaooqH/4aKXfDkmG/LODee6PV2uhxLe5cQh2bEd1MSt5UDnXlzrVsLN6XnfV/EI/9rjlLYSnH8+E4cacpwgOj/BiLJhriCjSM7LAzUsgWg2sB95va7+kJYsrw99o5EN3/Nsn4RSFttFumqWESFFoAGWzcTEGHkxrx62Vr+zX2yHj9RLQhJ8eo9cYMnfQIn36YZRu7iAp8UgDL1RIpb7K2Dcv6Br9E4TyJS+iTduri+KwVgzF4vxjX30XGYCWBGfBZsREZ+kISaQLImgX5Ty9LSyXfMByPfcg01hpNe2fvS7ty2budP6bWnZ/mLzKQIDAQAB";
/// A token's signing input, as long as ours (header with kid, two roles).
const MESSAGE: &[u8] = b"eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiIsImtpZCI6ImRlZmF1bHQifQ.eyJpc3MiOiJhdXRoZW50aWNhdGUiLCJhdWQiOiJhcGkiLCJzdWIiOiI4ZDJmM2MxZS0xMTExLTRhNGEtOWI5Yi0wMDAwMDAwMDAwMDEiLCJ1c2VybmFtZSI6ImFsaWNlIiwicm9sZXMiOlsiYWRtaW4iLCJkZXYiXSwiaWF0IjoxODAwMDAwMDAwLCJuYmYiOjE4MDAwMDAwMDAsImV4cCI6MTgwMDAwMzYwMCwianRpIjoiNmQ3ZjNiNjItMmU0Yi00YmI1LWE1NWQtN2Y5ZGQ2NmVhNWJmIn0";

fn der(b64: &str) -> Vec<u8> {
    STANDARD.decode(b64).unwrap()
}

/// The uncompressed SEC1 point (0x04‖x‖y) at the end of the PKCS#8 document: what a JWK's x and y give.
fn ec_point() -> Vec<u8> {
    let pkcs8 = der(EC_PKCS8);
    pkcs8[pkcs8.len() - 65..].to_vec()
}

/// The benchmarking thread's own CPU time (`CLOCK_THREAD_CPUTIME_ID`), in
/// nanoseconds: on a machine shared with other builds, wall time includes the
/// time the thread waited for a CPU; this does not. `BENCH_CLOCK=cpu` selects it.
struct ThreadCpu;

fn thread_cpu_ns() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid clock id and a valid pointer to a timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns() - start
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        const WALL: &WallTime = &WallTime;
        WALL.formatter()
    }
}

fn p256<M: Measurement + 'static>(c: &mut Criterion<M>) {
    use p256::ecdsa::signature::{Signer, Verifier};
    use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
    use p256::pkcs8::DecodePrivateKey;

    let pkcs8 = der(EC_PKCS8);
    let point = ec_point();
    let signing = SigningKey::from_pkcs8_der(&pkcs8).unwrap();
    let verifying = VerifyingKey::from_sec1_bytes(&point).unwrap();
    assert_eq!(&*signing.verifying_key().to_sec1_bytes(), &point[..]);
    let signature: Signature = signing.sign(MESSAGE);
    let raw = signature.to_bytes();

    c.bench_function("es256/p256/sign", |b| b.iter(|| -> Signature { signing.sign(black_box(MESSAGE)) }));
    c.bench_function("es256/p256/verify (r‖s bytes → ok)", |b| {
        b.iter(|| {
            let signature = Signature::from_slice(black_box(&raw)).unwrap();
            verifying.verify(black_box(MESSAGE), &signature).unwrap()
        })
    });
    c.bench_function("es256/p256/parse private key (PKCS#8)", |b| {
        b.iter(|| SigningKey::from_pkcs8_der(black_box(&pkcs8)).unwrap())
    });
    c.bench_function("es256/p256/parse public key (SEC1 point)", |b| {
        b.iter(|| VerifyingKey::from_sec1_bytes(black_box(&point)).unwrap())
    });
}

fn ring<M: Measurement + 'static>(c: &mut Criterion<M>) {
    use ring::rand::SystemRandom;
    use ring::signature::{
        ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_2048_8192_SHA256,
        RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
    };

    let rng = SystemRandom::new();
    let pkcs8 = der(EC_PKCS8);
    let point = ec_point();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng).unwrap();
    assert_eq!(pair.public_key().as_ref(), &point[..]);
    let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point.clone());
    let signature = pair.sign(&rng, MESSAGE).unwrap();
    let raw = signature.as_ref().to_vec();
    assert_eq!(raw.len(), 64);

    c.bench_function("es256/ring/sign", |b| b.iter(|| pair.sign(&rng, black_box(MESSAGE)).unwrap()));
    c.bench_function("es256/ring/verify (r‖s bytes → ok)", |b| {
        b.iter(|| public.verify(black_box(MESSAGE), black_box(&raw)).unwrap())
    });
    c.bench_function("es256/ring/parse private key (PKCS#8)", |b| {
        b.iter(|| EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, black_box(&pkcs8), &rng).unwrap())
    });
    c.bench_function("es256/ring/generate key (PKCS#8)", |b| {
        b.iter(|| EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap())
    });

    let rsa = RsaKeyPair::from_pkcs8(&der(RSA_PKCS8)).unwrap();
    let rsa_public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der(RSA_PUBLIC));
    let mut rsa_signature = vec![0; rsa.public().modulus_len()];
    rsa.sign(&RSA_PKCS1_SHA256, &rng, MESSAGE, &mut rsa_signature).unwrap();
    c.bench_function("rs256/ring/sign", |b| {
        let mut out = vec![0; rsa.public().modulus_len()];
        b.iter(|| rsa.sign(&RSA_PKCS1_SHA256, &rng, black_box(MESSAGE), &mut out).unwrap())
    });
    c.bench_function("rs256/ring/verify", |b| {
        b.iter(|| rsa_public.verify(black_box(MESSAGE), black_box(&rsa_signature)).unwrap())
    });
    let rsa_pkcs8 = der(RSA_PKCS8);
    c.bench_function("rs256/ring/parse private key (PKCS#8)", |b| {
        b.iter(|| RsaKeyPair::from_pkcs8(black_box(&rsa_pkcs8)).unwrap())
    });
}

fn aws_lc<M: Measurement + 'static>(c: &mut Criterion<M>) {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, ParsedPublicKey,
        RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
    };

    let rng = SystemRandom::new();
    let pkcs8 = der(EC_PKCS8);
    let point = ec_point();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8).unwrap();
    assert_eq!(pair.public_key().as_ref(), &point[..]);
    let parsed = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point).unwrap();
    let unparsed = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point.clone());
    let signature = pair.sign(&rng, MESSAGE).unwrap();
    let raw = signature.as_ref().to_vec();
    assert_eq!(raw.len(), 64);

    c.bench_function("es256/aws-lc-rs/sign", |b| b.iter(|| pair.sign(&rng, black_box(MESSAGE)).unwrap()));
    c.bench_function("es256/aws-lc-rs/verify, parsed key (r‖s bytes → ok)", |b| {
        b.iter(|| parsed.verify_sig(black_box(MESSAGE), black_box(&raw)).unwrap())
    });
    c.bench_function("es256/aws-lc-rs/verify, unparsed key (r‖s bytes → ok)", |b| {
        b.iter(|| unparsed.verify(black_box(MESSAGE), black_box(&raw)).unwrap())
    });
    c.bench_function("es256/aws-lc-rs/parse private key (PKCS#8)", |b| {
        b.iter(|| EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, black_box(&pkcs8)).unwrap())
    });
    c.bench_function("es256/aws-lc-rs/parse public key (SEC1 point)", |b| {
        b.iter(|| ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, black_box(&point)).unwrap())
    });
    c.bench_function("es256/aws-lc-rs/generate key (PKCS#8)", |b| {
        b.iter(|| EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap())
    });

    let rsa = RsaKeyPair::from_pkcs8(&der(RSA_PKCS8)).unwrap();
    let rsa_public = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der(RSA_PUBLIC)).unwrap();
    let mut rsa_signature = vec![0; rsa.public_modulus_len()];
    rsa.sign(&RSA_PKCS1_SHA256, &rng, MESSAGE, &mut rsa_signature).unwrap();
    c.bench_function("rs256/aws-lc-rs/sign", |b| {
        let mut out = vec![0; rsa.public_modulus_len()];
        b.iter(|| rsa.sign(&RSA_PKCS1_SHA256, &rng, black_box(MESSAGE), &mut out).unwrap())
    });
    c.bench_function("rs256/aws-lc-rs/verify, parsed key", |b| {
        b.iter(|| rsa_public.verify_sig(black_box(MESSAGE), black_box(&rsa_signature)).unwrap())
    });
    let rsa_pkcs8 = der(RSA_PKCS8);
    c.bench_function("rs256/aws-lc-rs/parse private key (PKCS#8)", |b| {
        b.iter(|| RsaKeyPair::from_pkcs8(black_box(&rsa_pkcs8)).unwrap())
    });
}

fn main() {
    if std::env::var("BENCH_CLOCK").as_deref() == Ok("cpu") {
        let mut c = Criterion::default().with_measurement(ThreadCpu).configure_from_args();
        p256(&mut c);
        ring(&mut c);
        aws_lc(&mut c);
        c.final_summary();
    } else {
        let mut c = Criterion::default().configure_from_args();
        p256(&mut c);
        ring(&mut c);
        aws_lc(&mut c);
        c.final_summary();
    }
}
