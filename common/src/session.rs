//! Sessions: what a login starts and a refresh token continues.
//!
//! A refresh token is opaque to clients: 48 random bytes in base64url, whose
//! first 16 name the session and whose last 32 (256 bits) are the secret. Only
//! its SHA-256 is stored. Each refresh rotates it: the presented token is
//! spent and a new one takes its place, so a spent token presented again
//! means two parties hold the session's tokens (one of them a thief), and the
//! whole session ends (reuse detection). A session lives until `REFRESH_TTL`
//! after its login, whatever its rotations.
//!
//! The user record carries `sessions_revoked_at`: disabling, deleting or
//! changing the password of a user ends every session started before, in one
//! write, whatever the sessions table holds.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::user::User;

/// Bytes of a session id.
pub const SESSION_ID_BYTES: usize = 16;
/// Bytes of a refresh token's secret: 256 bits.
pub const SECRET_BYTES: usize = 32;
/// The spent tokens a session remembers, newest last: enough to recognise a
/// stolen token presented after many rotations, few enough to keep the item small.
pub const MAX_SPENT: usize = 32;

/// A refresh token, as handed to the client once. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken(String);

impl RefreshToken {
    /// The token of a session with this secret (fresh random bytes from the caller).
    pub fn new(session_id: &str, secret: [u8; SECRET_BYTES]) -> Option<Self> {
        let id = URL_SAFE_NO_PAD.decode(session_id).ok().filter(|id| id.len() == SESSION_ID_BYTES)?;
        let mut bytes = [0u8; SESSION_ID_BYTES + SECRET_BYTES];
        bytes[..SESSION_ID_BYTES].copy_from_slice(&id);
        bytes[SESSION_ID_BYTES..].copy_from_slice(&secret);
        Some(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A token a client presents; `None` if it cannot be one of ours.
    pub fn parse(text: &str) -> Option<Self> {
        let mut bytes = [0u8; SESSION_ID_BYTES + SECRET_BYTES + 3];
        let decoded = URL_SAFE_NO_PAD.decode_slice(text.as_bytes(), &mut bytes).ok()?;
        (decoded == SESSION_ID_BYTES + SECRET_BYTES).then(|| Self(text.to_string()))
    }

    /// The session it belongs to.
    pub fn session_id(&self) -> String {
        let bytes = URL_SAFE_NO_PAD.decode(&self.0).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(&bytes[..SESSION_ID_BYTES.min(bytes.len())])
    }

    /// What the store keeps instead of the token: its SHA-256, hex.
    pub fn hash(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }

    /// The token itself, for the one answer that hands it out.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken([redacted])")
    }
}

/// A fresh session id from 16 random bytes.
pub fn session_id(random: [u8; SESSION_ID_BYTES]) -> String {
    URL_SAFE_NO_PAD.encode(random)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One session, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub session_id: String,
    pub username: String,
    /// The user it belongs to: a user deleted and created again under the same
    /// name is someone else.
    pub user_id: String,
    /// SHA-256 of the current refresh token.
    pub token_hash: String,
    /// SHA-256 of the tokens rotated out, oldest first, at most [`MAX_SPENT`].
    pub spent: Vec<String>,
    /// Milliseconds since the epoch, compared with the user's `sessions_revoked_at`.
    pub created_at_ms: u64,
    /// Epoch seconds: `REFRESH_TTL` after the login; the table's TTL removes it later.
    pub expires_at: u64,
    pub revoked: bool,
}

/// The hashes are not secrets (SHA-256 of 256 random bits), but a log has no use for them.
impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("session_id", &self.session_id)
            .field("username", &self.username)
            .field("created_at_ms", &self.created_at_ms)
            .field("expires_at", &self.expires_at)
            .field("revoked", &self.revoked)
            .field("rotations", &self.spent.len())
            .finish_non_exhaustive()
    }
}

/// What a presented refresh token is to its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// The current token of a live session.
    Current,
    /// A token this session already rotated out: someone else holds its tokens.
    Spent,
    /// No such session, or not one of its tokens, or the session is over.
    Invalid(InvalidGrant),
}

/// Why a refresh token is refused; for logs, never for the client (who gets `invalid_grant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidGrant {
    #[error("no such session")]
    UnknownSession,
    #[error("not a token of this session")]
    UnknownToken,
    #[error("the session has expired")]
    Expired,
    #[error("the session was revoked")]
    Revoked,
    #[error("the user is gone, disabled, or ended its sessions")]
    UserEnded,
    #[error("the session's token was spent: reuse, the session is revoked")]
    Reused,
    #[error("another refresh rotated the token first: treated as reuse, the session is revoked")]
    Raced,
}

impl Session {
    /// A new session for `user`, started at `now_ms`, with this token.
    pub fn start(session_id: String, user: &User, token: &RefreshToken, now_ms: u64, ttl_secs: u64) -> Self {
        Self {
            session_id,
            username: user.username.clone(),
            user_id: user.user_id.clone(),
            token_hash: token.hash(),
            spent: Vec::new(),
            created_at_ms: now_ms,
            expires_at: (now_ms / 1000).saturating_add(ttl_secs),
            revoked: false,
        }
    }

    /// What the token presented is to this session at `now` (epoch seconds).
    pub fn presented(&self, token_hash: &str, now: u64) -> Presented {
        if self.revoked {
            return Presented::Invalid(InvalidGrant::Revoked);
        }
        if now >= self.expires_at {
            return Presented::Invalid(InvalidGrant::Expired);
        }
        if self.token_hash == token_hash {
            return Presented::Current;
        }
        if self.spent.iter().any(|spent| spent == token_hash) {
            return Presented::Spent;
        }
        Presented::Invalid(InvalidGrant::UnknownToken)
    }

    /// Whether the user, as it is now, still lets this session go on.
    pub fn still_valid_for(&self, user: Option<&User>) -> bool {
        user.is_some_and(|user| {
            user.user_id == self.user_id
                && !user.disabled
                && user.sessions_revoked_at.is_none_or(|at| self.created_at_ms > at)
        })
    }

    /// The spent list after `presented` is rotated out: newest last, the oldest dropped past [`MAX_SPENT`].
    pub fn spent_after(&self, presented: &str) -> Vec<String> {
        let mut spent = self.spent.clone();
        spent.push(presented.to_string());
        let excess = spent.len().saturating_sub(MAX_SPENT);
        spent.drain(..excess);
        spent
    }
}

#[cfg(test)]
mod tests;
