//! How a command fails: one line on stderr and an exit code per kind.

use local_store::OpenError;
use users::UsersError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error("user {0:?} already exists")]
    Exists(String),
    #[error("user {0:?} not found")]
    NotFound(String),
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Other(String),
}

impl AdminError {
    /// 2 invalid input, 3 user exists, 4 user not found, 5 store unreachable (or not there), 1 anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Invalid(_) => 2,
            Self::Exists(_) => 3,
            Self::NotFound(_) => 4,
            Self::Unreachable(_) => 5,
            Self::Other(_) => 1,
        }
    }
}

impl From<UsersError> for AdminError {
    fn from(err: UsersError) -> Self {
        match err {
            UsersError::Invalid(why) => Self::Invalid(why),
            UsersError::Exists(name) => Self::Exists(name),
            UsersError::NotFound(name) => Self::NotFound(name),
            UsersError::Unavailable(cause) => Self::Unreachable(format!("user store unreachable: {cause}")),
            UsersError::Internal(why) => Self::Other(why),
        }
    }
}

impl From<common::store::StoreError> for AdminError {
    fn from(err: common::store::StoreError) -> Self {
        UsersError::from(err).into()
    }
}

impl From<OpenError> for AdminError {
    fn from(err: OpenError) -> Self {
        match err {
            OpenError::Config(err) => Self::Invalid(err.to_string()),
            OpenError::Store(err) => err.into(),
            OpenError::Untrusted(err) => Self::Other(err.to_string()),
            missing @ OpenError::Missing(_) => Self::Unreachable(missing.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use common::store::StoreError;

    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(AdminError::from(StoreError::AlreadyExists("a".into())).exit_code(), 3);
        assert_eq!(AdminError::from(StoreError::NotFound("a".into())).exit_code(), 4);
        assert_eq!(AdminError::from(StoreError::Unavailable("x".into())).exit_code(), 5);
        assert_eq!(AdminError::from(StoreError::InvalidItem("x".into())).exit_code(), 1);
        assert_eq!(AdminError::Invalid("x".into()).exit_code(), 2);
    }
}
