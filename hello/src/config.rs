//! `hello`'s configuration, from common's shared parsers.

use common::config::{ConfigError, Lookup, cors_allow_origin};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloConfig {
    pub cors_allow_origin: String,
}

impl HelloConfig {
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self { cors_allow_origin: cors_allow_origin(lookup)? })
    }
}

#[cfg(test)]
mod tests {
    use common::config::CORS_ALLOW_ORIGIN;

    use super::*;

    #[test]
    fn the_origin_is_checked() {
        assert_eq!(HelloConfig::from_lookup(&|_| None).unwrap().cors_allow_origin, "*");
        let bad = |name: &str| (name == CORS_ALLOW_ORIGIN).then(|| "https://a\r\nSet-Cookie: x".to_string());
        assert_eq!(HelloConfig::from_lookup(&bad).unwrap_err().var, CORS_ALLOW_ORIGIN);
    }
}
