//! Starting a session at login, continuing it with a refresh token (rotation
//! and reuse detection), ending it on request. See `common::session`.

use std::sync::Arc;

use common::session::{InvalidGrant, Presented, RefreshToken, SECRET_BYTES, SESSION_ID_BYTES, Session, session_id};
use common::store::{SessionStore, StoreError, UserDirectory};
use common::user::User;

/// Why a refresh gave no token.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// `invalid_grant` for the client; the reason is for the log.
    #[error("invalid grant: {0}")]
    Invalid(InvalidGrant),
    #[error("store unavailable")]
    StoreUnavailable(#[source] StoreError),
    #[error("no randomness: {0}")]
    Random(String),
}

impl From<StoreError> for RefreshError {
    fn from(err: StoreError) -> Self {
        Self::StoreUnavailable(err)
    }
}

pub struct Sessions {
    store: Arc<dyn SessionStore>,
    users: Arc<dyn UserDirectory>,
    ttl_secs: u64,
}

fn random<const N: usize>() -> Result<[u8; N], RefreshError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|err| RefreshError::Random(err.to_string()))?;
    Ok(bytes)
}

impl Sessions {
    pub fn new(store: Arc<dyn SessionStore>, users: Arc<dyn UserDirectory>, ttl_secs: u64) -> Self {
        Self { store, users, ttl_secs }
    }

    /// A new session for a user who just logged in; its first refresh token.
    pub async fn start(&self, user: &User, now_ms: u64) -> Result<RefreshToken, RefreshError> {
        let id = session_id(random::<SESSION_ID_BYTES>()?);
        let token = RefreshToken::new(&id, random::<SECRET_BYTES>()?).ok_or(RefreshError::Random("bad id".into()))?;
        self.store.create_session(&Session::start(id, user, &token, now_ms, self.ttl_secs)).await?;
        Ok(token)
    }

    /// A refresh token in, the user as it is now and the next token out; the
    /// presented one is spent. A spent token presented again, or a rotation
    /// lost to a concurrent one, ends the whole session.
    pub async fn refresh(&self, presented: &str, now_ms: u64) -> Result<(User, RefreshToken), RefreshError> {
        let token = RefreshToken::parse(presented).ok_or(RefreshError::Invalid(InvalidGrant::UnknownSession))?;
        let session = self
            .store
            .get_session(&token.session_id())
            .await?
            .ok_or(RefreshError::Invalid(InvalidGrant::UnknownSession))?;
        match session.presented(&token.hash(), now_ms / 1000) {
            Presented::Current => {}
            Presented::Spent => return Err(self.end(&session, InvalidGrant::Reused).await),
            Presented::Invalid(why) => return Err(RefreshError::Invalid(why)),
        }
        let user = self.users.get_user(&session.username).await?;
        let user = match user {
            Some(user) if session.still_valid_for(Some(&user)) => user,
            _ => return Err(self.end(&session, InvalidGrant::UserEnded).await),
        };
        let next = RefreshToken::new(&session.session_id, random::<SECRET_BYTES>()?)
            .ok_or(RefreshError::Random("bad id".into()))?;
        if !self.store.rotate_session(&session, &next.hash()).await? {
            return Err(self.end(&session, InvalidGrant::Raced).await);
        }
        Ok((user, next))
    }

    /// RFC 7009: whatever the token, nothing to report; a refresh token of a
    /// session (current or spent) ends that session.
    pub async fn revoke(&self, presented: &str) -> Result<(), StoreError> {
        let Some(token) = RefreshToken::parse(presented) else { return Ok(()) };
        let Some(session) = self.store.get_session(&token.session_id()).await? else { return Ok(()) };
        let hash = token.hash();
        if session.token_hash == hash || session.spent.contains(&hash) {
            self.store.revoke_session(&session.session_id).await?;
            tracing::info!(username = %session.username, "session revoked on request");
        }
        Ok(())
    }

    /// Ends the session for `why`; the client learns only `invalid_grant`.
    async fn end(&self, session: &Session, why: InvalidGrant) -> RefreshError {
        if matches!(why, InvalidGrant::Reused | InvalidGrant::Raced) {
            tracing::warn!(username = %session.username, reason = %why, "refresh token reuse: the session is revoked");
        }
        match self.store.revoke_session(&session.session_id).await {
            Ok(()) => RefreshError::Invalid(why),
            Err(err) => RefreshError::StoreUnavailable(err),
        }
    }
}
