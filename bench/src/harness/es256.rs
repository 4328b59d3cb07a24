//! check-token with `JWT_ALGORITHM=ES256`, next to the HS256 rows of the same
//! run: the same tokens' claims signed with a P-256 key, verified by the
//! binary from `JWT_PUBLIC_KEYS` alone, as the deployment configures it.

use std::path::Path;
use std::time::Duration;

use common::token::{Es256PrivateKey, Jwks, SigningKey, Subject, TokenIssuer};
use serde_json::{Value, json};

use super::args::Args;
use super::scenarios::{ACCESS_RULES, Scenario, expect, json_of, names, spec};
use crate::runtime_api::Outcome;

/// The REST authorizer event for `GET /hello`, and the users its tokens name.
pub(crate) struct Es256Input<'a> {
    pub(crate) users: &'a [(String, String)],
    pub(crate) roles: &'a [String],
    pub(crate) now: u64,
    pub(crate) authorizer_event: &'a dyn Fn(&str) -> Vec<u8>,
}

pub(crate) fn es256_scenarios(args: &Args, bin_dir: &Path, input: Es256Input<'_>) -> Result<Vec<Scenario>, String> {
    let key = Es256PrivateKey::generate().map_err(|e| e.to_string())?;
    let signing = SigningKey::es256("bench-es256", &key).map_err(|e| e.to_string())?;
    let jwk = signing.verifying_key().jwk().ok_or("an ES256 key has a JWK")?;
    let public_keys = serde_json::to_string(&Jwks { keys: vec![jwk] }).map_err(|e| e.to_string())?;
    let issuer = TokenIssuer::with_key(signing, &names(), Duration::from_secs(6 * 3600));
    let tokens: Vec<String> = input
        .users
        .iter()
        .map(|(id, name)| issuer.issue(Subject { user_id: id, username: name, roles: input.roles }, input.now))
        .map(|t| t.map(|t| t.access_token).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let valid: Vec<Vec<u8>> = tokens.iter().map(|t| (input.authorizer_event)(t)).collect();
    // The same token with the last signature character changed: a signature
    // that decodes to 64 bytes and fails the ECDSA check itself.
    let tampered: Vec<Vec<u8>> = tokens
        .iter()
        .map(|t| {
            let flipped = if t.ends_with('A') { 'B' } else { 'A' };
            (input.authorizer_event)(&format!("{}{flipped}", &t[..t.len() - 1]))
        })
        .collect();
    let env = || {
        vec![
            ("JWT_ALGORITHM".to_string(), "ES256".to_string()),
            ("JWT_PUBLIC_KEYS".to_string(), public_keys.clone()),
            ("ACCESS_RULES".to_string(), ACCESS_RULES.to_string()),
        ]
    };
    let expected = input.users.to_vec();
    let allowed = Scenario {
        name: "check-token-es256",
        label: "check-token, ES256, valid token → Allow",
        spec: spec(bin_dir, "check-token", env()),
        invocations: args.invocations,
        variant: String::new(),
        event: Box::new(move |i| valid[i % valid.len()].clone()),
        check: Box::new(move |i, outcome| {
            let (id, name) = &expected[i % expected.len()];
            let answer = json_of(outcome)?;
            expect("principalId", &answer["principalId"], &json!(id))?;
            expect("effect", &answer["policyDocument"]["Statement"][0]["Effect"], &json!("Allow"))?;
            expect("context.username", &answer["context"]["username"], &json!(name))
        }),
        login: None,
    };
    let refused = Scenario {
        name: "check-token-es256-unauthorized",
        label: "check-token, ES256, tampered signature → Unauthorized",
        spec: spec(bin_dir, "check-token", env()),
        invocations: args.invocations,
        variant: String::new(),
        event: Box::new(move |i| tampered[i % tampered.len()].clone()),
        check: Box::new(|_, outcome| match outcome {
            Outcome::Error { body, .. } => {
                let body: Value = serde_json::from_slice(body).map_err(|e| format!("error body: {e}"))?;
                expect("errorMessage", &body["errorMessage"], &json!("Unauthorized"))
            }
            Outcome::Response(body) => Err(format!("expected Unauthorized, got {}", String::from_utf8_lossy(body))),
        }),
        login: None,
    };
    Ok(vec![allowed, refused])
}
