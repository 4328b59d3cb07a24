//! A user's sessions as an operator sees and ends them (see `common::session`).
//!
//! What ends a user's sessions is one write to the user item,
//! `sessions_revoked_at`: a refresh re-reads the user and refuses a session
//! started up to then. Deleting the session items afterwards is cleanup: on
//! DynamoDB they are found through an eventually consistent index, so it may
//! miss a session started a moment ago, and it may fail; neither revives one.

use common::clock::now_epoch_millis;
use common::session::Session;
use common::store::UserChange;
use common::user::{User, normalize_username};

use crate::{Users, UsersError};

/// What ending a user's sessions did. Either way they are over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionsEnded {
    /// Their items were deleted: this many (0 when there were none).
    Deleted(usize),
    /// Their items could not be deleted (a warning is logged); every refresh
    /// still refuses them, and they expire.
    NotDeleted,
}

/// Where a session stands, as `admin sessions list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    Active,
    /// Ended before it expired: revoked itself (a logout, a reused token), or
    /// ended with all of its user's (disabled, new password, ended by an operator).
    Revoked,
    Expired,
}

impl SessionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }
}

/// A session without its token hashes: nothing here opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub session_id: String,
    /// Epoch milliseconds.
    pub created_at_ms: u64,
    /// Epoch seconds.
    pub expires_at: u64,
    pub state: SessionState,
}

impl SessionSummary {
    fn of(session: &Session, user: &User, now: u64) -> Self {
        let state = if session.revoked || !session.still_valid_for(Some(user)) {
            SessionState::Revoked
        } else if now >= session.expires_at {
            SessionState::Expired
        } else {
            SessionState::Active
        };
        Self {
            session_id: session.session_id.clone(),
            created_at_ms: session.created_at_ms,
            expires_at: session.expires_at,
            state,
        }
    }
}

impl Users {
    /// The user's sessions, oldest first, as they stand at `now` (epoch
    /// seconds). On DynamoDB a session started a moment ago may be missing
    /// (the by-user index is eventually consistent).
    pub async fn sessions(&self, username: &str, now: u64) -> Result<Vec<SessionSummary>, UsersError> {
        let user = self.get(username).await?;
        let sessions = self.sessions.list_sessions(&user.username).await?;
        Ok(sessions.iter().map(|session| SessionSummary::of(session, &user, now)).collect())
    }

    /// Ends every session of the user, keeping the user as it is.
    pub async fn end_sessions(&self, username: &str) -> Result<SessionsEnded, UsersError> {
        self.end_all(&normalize_username(username)).await
    }

    /// Ends every session started up to now. The clock is read here, after
    /// the caller's change (a disable, a new password) is written, never
    /// before: a login reads the user only after taking its own time, so a
    /// login that saw the user before that change started its session before
    /// this instant, and is ended too.
    ///
    /// The mark never moves back: this clock may be behind the one that set
    /// it (an operator's machine after the Lambda), and an earlier mark would
    /// bring back the sessions started in between. The store writes the mark
    /// as given, so this reads it first; a concurrent end between the read
    /// and the write is the only way left to lower it.
    pub(crate) async fn end_all(&self, username: &str) -> Result<SessionsEnded, UsersError> {
        let user = self.directory.get_user(username).await?.ok_or_else(|| UsersError::NotFound(username.into()))?;
        let at = now_epoch_millis().max(user.sessions_revoked_at.unwrap_or(0));
        self.directory.update_user(username, UserChange::EndSessions(at)).await?;
        Ok(self.delete_session_items(username).await)
    }

    /// Cleanup after the write that ended the sessions (or deleted the user).
    /// A failure here is no reason to report the operation failed: the
    /// sessions are already refused, and an error would invite a retry of a
    /// change that has applied (a second password change, a delete that now
    /// answers "not found").
    pub(crate) async fn delete_session_items(&self, username: &str) -> SessionsEnded {
        match self.sessions.delete_sessions(username).await {
            Ok(deleted) => SessionsEnded::Deleted(deleted),
            Err(err) => {
                tracing::warn!(
                    username = %username,
                    error = %err,
                    "sessions ended, but their items could not be deleted: they are refused all the same and expire"
                );
                SessionsEnded::NotDeleted
            }
        }
    }
}
