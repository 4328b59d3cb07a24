//! The refresh: `POST /token` with `grant_type=refresh_token`, each request
//! presenting the token the previous answer rotated in, and its floor.
//!
//! A refresh (`authenticate/src/sessions.rs`) reads the session by key
//! (consistent `GetItem`), reads the user (consistent `GetItem`, for a
//! disabled user or sessions ended after this one began), rotates the token
//! with one conditional `UpdateItem`, and signs an access token. The floor is
//! those three calls as bare HTTP to the same moto, on a session of its own.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::clock::now_epoch_seconds;
use common::session::{RefreshToken, SECRET_BYTES, SESSION_ID_BYTES, session_id};
use common::token::TokenVerifier;
use serde_json::{Value, json};

use super::args::Args;
use super::login::{Floors, Login, USER_ID};
use super::scenarios::{Scenario, expect, json_of, spec};
use crate::dynamodb::LocalDynamoDb;

const TOKEN_EVENT: &str = include_str!("../../../events/authenticate-post.json");
/// Longer than any run.
const SESSION_SECS: u64 = 24 * 3600;
/// The hash the floor's session starts with; the floor rotates it from there.
pub(crate) const FLOOR_FIRST_HASH: &str = "floor-0";

/// A session item as `store-dynamodb`'s `session_to_item` writes it (a test
/// checks the attribute names).
pub(crate) fn session_item(id: &str, username: &str, user_id: &str, token_hash: &str) -> Value {
    let now = now_epoch_seconds();
    json!({
        "session_id": {"S": id},
        "username": {"S": username},
        "user_id": {"S": user_id},
        "token_hash": {"S": token_hash},
        "spent": {"L": []},
        "created_at_ms": {"N": (now * 1000).to_string()},
        "expires_at": {"N": (now + SESSION_SECS).to_string()},
        "revoked": {"BOOL": false},
    })
}

/// The first token of the session the scenario refreshes, and that session's
/// item. Not random: the table is the run's own.
pub(crate) fn first_session(username: &str) -> (RefreshToken, Value) {
    let mut id = [0u8; SESSION_ID_BYTES];
    id[..4].copy_from_slice(&std::process::id().to_be_bytes());
    let id = session_id(id);
    let token = RefreshToken::new(&id, [7u8; SECRET_BYTES]).expect("a 16-byte session id");
    let item = session_item(&id, username, USER_ID, &token.hash());
    (token, item)
}

pub(crate) fn floor_session_id() -> String {
    session_id([0xf1; SESSION_ID_BYTES])
}

fn event(refresh_token: &str) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(TOKEN_EVENT).expect("the event file is JSON");
    for (at, value) in [("resource", "/token"), ("path", "/token")] {
        event[at] = value.into();
    }
    event["requestContext"]["resourcePath"] = "/token".into();
    event["requestContext"]["path"] = "/prod/token".into();
    event["headers"]["Content-Type"] = "application/x-www-form-urlencoded".into();
    event["multiValueHeaders"]["Content-Type"] = json!(["application/x-www-form-urlencoded"]);
    event["body"] = format!("grant_type=refresh_token&refresh_token={refresh_token}").into();
    serde_json::to_vec(&event).expect("a JSON value serialises")
}

/// Refreshes, each with the token the previous answer handed out: a stale
/// token would be reuse, and the function would end the session.
pub(crate) fn scenario(
    args: &Args,
    bin_dir: &Path,
    env: Vec<(String, String)>,
    first: RefreshToken,
    verifier: TokenVerifier,
) -> Scenario {
    let current = Rc::new(RefCell::new(first.expose().to_string()));
    let next = current.clone();
    Scenario {
        name: "authenticate-refresh",
        label: "authenticate, refresh (POST /token, DynamoDB on moto)",
        spec: spec(bin_dir, "authenticate", env),
        invocations: args.logins,
        variant: String::new(),
        event: Box::new(move |_| event(&current.borrow())),
        check: Box::new(move |_, outcome| {
            let answer = json_of(outcome)?;
            let body: Value = serde_json::from_str(answer["body"].as_str().ok_or("no body")?)
                .map_err(|e| format!("body is not JSON: {e}"))?;
            expect("statusCode", &answer["statusCode"], &json!(200))?;
            let token = body["access_token"].as_str().ok_or("no access_token")?;
            let claims = verifier.verify(token, now_epoch_seconds()).map_err(|e| format!("issued token: {e}"))?;
            expect("sub", &json!(claims.sub), &json!(USER_ID))?;
            let rotated = body["refresh_token"].as_str().ok_or("no refresh_token")?;
            if *next.borrow() == rotated {
                return Err("the refresh token was not rotated".into());
            }
            *next.borrow_mut() = rotated.to_string();
            Ok(())
        }),
        login: Some(Login::Refresh),
    }
}

fn get_request(table: &str, key: Value) -> Value {
    json!({"TableName": table, "Key": key, "ConsistentRead": true})
}

/// `rotate_session`'s request: the new hash in, the presented one spent.
fn rotate_request(table: &str, id: &str, presented: &str, new: &str) -> Value {
    json!({
        "TableName": table,
        "Key": {"session_id": {"S": id}},
        "UpdateExpression": "SET #hash = :new, #spent = :spent",
        "ConditionExpression": "#hash = :presented AND #revoked = :false",
        "ExpressionAttributeNames": {"#hash": "token_hash", "#spent": "spent", "#revoked": "revoked"},
        "ExpressionAttributeValues": {
            ":new": {"S": new}, ":spent": {"L": [{"S": presented}]},
            ":presented": {"S": presented}, ":false": {"BOOL": false},
        },
    })
}

/// One refresh's store calls on the floor's own session; `hash` is its
/// current token hash, rotated here.
pub(crate) fn measure(
    db: &LocalDynamoDb,
    tables: (&str, &str),
    floor_user: &str,
    hash: &mut String,
    floors: &mut Floors,
) -> Result<(), String> {
    let (users, sessions) = tables;
    let id = floor_session_id();
    let t = Instant::now();
    let session = db.call("GetItem", &get_request(sessions, json!({"session_id": {"S": id}})))?;
    floors.get_session.push(t.elapsed());
    expect("floor session's hash", &session["Item"]["token_hash"]["S"], &json!(hash))?;

    let t = Instant::now();
    let user = db.call("GetItem", &get_request(users, json!({"username": {"S": floor_user}})))?;
    floors.get_user.push(t.elapsed());
    if user.get("Item").is_none() {
        return Err("floor user missing".into());
    }

    let rotations: u64 = hash.trim_start_matches("floor-").parse().map_err(|_| "floor hash")?;
    let new = format!("floor-{}", rotations + 1);
    let t = Instant::now();
    db.call("UpdateItem", &rotate_request(sessions, &id, hash, &new))?;
    floors.rotate.push(t.elapsed());
    *hash = new;
    Ok(())
}

/// The floor of a refresh: its three store calls.
pub(crate) fn floor(
    floors: &Floors,
    p50: impl Fn(&[Duration]) -> Option<Duration>,
) -> Option<Vec<(&'static str, Duration)>> {
    Some(vec![
        ("session GetItem", p50(&floors.get_session)?),
        ("user GetItem", p50(&floors.get_user)?),
        ("rotation UpdateItem", p50(&floors.rotate)?),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The floor and the seeded sessions are only right if they are the store's.
    #[test]
    fn items_and_expressions_are_the_stores() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../store-dynamodb/src/sessions.rs");
        let store = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path}: {e}: the session store moved; point this test at it"));
        for (name, attribute) in [
            ("SESSION_ID", "session_id"),
            ("USERNAME", "username"),
            ("USER_ID", "user_id"),
            ("TOKEN_HASH", "token_hash"),
            ("SPENT", "spent"),
            ("CREATED_AT_MS", "created_at_ms"),
            ("EXPIRES_AT", "expires_at"),
            ("REVOKED", "revoked"),
        ] {
            assert!(store.contains(&format!("pub const {name}: &str = \"{attribute}\";")), "{name}");
            assert!(session_item("i", "u", "d", "h").get(attribute).is_some(), "{attribute}");
        }
        let rotate = rotate_request("t", "i", "p", "n");
        for expression in ["UpdateExpression", "ConditionExpression"] {
            let text = rotate[expression].as_str().unwrap();
            assert!(store.contains(&format!("\"{text}\"")), "the store no longer sends {text}");
        }
    }

    #[test]
    fn the_event_is_a_form_post_to_the_token_endpoint() {
        let event: Value = serde_json::from_slice(&event("abc")).unwrap();
        assert_eq!(event["resource"], "/token");
        assert_eq!(event["httpMethod"], "POST");
        assert_eq!(event["body"], "grant_type=refresh_token&refresh_token=abc");
    }
}
