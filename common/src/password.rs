//! Argon2id password hashing with the OWASP parameters (m=19456 KiB, t=2, p=1).
//!
//! <https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id>

pub use argon2::Params;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{Error as HashError, PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Version};

pub const OWASP_M_COST_KIB: u32 = 19_456;
pub const OWASP_T_COST: u32 = 2;
pub const OWASP_P_COST: u32 = 1;

/// An argon2id PHC string with the OWASP parameters whose salt and output are
/// random bytes, so no password is known to match it.
/// Unknown usernames are verified against it so that a login for a user who
/// does not exist costs the same argon2 work as one with a wrong password.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$kN3jyIKZ1YgLrW1nORmFLQ$n5apz2qWdxKOD6lRTEKBO0p+FWn+qmbKwbVA/VJGTIw";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    /// The password is right; `needs_rehash` when the stored hash is weaker than the configured parameters.
    Match {
        needs_rehash: bool,
    },
    Mismatch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the stored password hash is not an argon2 PHC string")]
    CorruptHash,
    #[error("password hashing failed")]
    Hashing,
}

/// What a login asks of password hashing. [`PasswordHasher`] is the real
/// thing; tests wrap it, e.g. to count how many passwords were verified.
pub trait PasswordHashing: Send + Sync + 'static {
    fn hash(&self, password: &str) -> Result<String, PasswordError>;
    /// Checks `password` against a stored PHC string.
    fn verify(&self, password: &str, stored: &str) -> Result<PasswordCheck, PasswordError>;
    /// Spends the work of a verification, for a user who does not exist.
    fn verify_dummy(&self, password: &str);
}

impl PasswordHashing for PasswordHasher {
    fn hash(&self, password: &str) -> Result<String, PasswordError> {
        PasswordHasher::hash(self, password)
    }

    fn verify(&self, password: &str, stored: &str) -> Result<PasswordCheck, PasswordError> {
        PasswordHasher::verify(self, password, stored)
    }

    fn verify_dummy(&self, password: &str) {
        PasswordHasher::verify_dummy(self, password)
    }
}

/// Hashes and verifies passwords. Cheap to clone; built once at cold start.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    params: Params,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = &self.params;
        write!(f, "PasswordHasher(argon2id m={} t={} p={})", p.m_cost(), p.t_cost(), p.p_cost())
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::owasp()
    }
}

impl PasswordHasher {
    pub fn owasp() -> Self {
        let params = Params::new(OWASP_M_COST_KIB, OWASP_T_COST, OWASP_P_COST, None)
            .expect("the OWASP argon2 parameters are within argon2's limits");
        Self::with_params(params)
    }

    /// Any parameters; tests use weaker ones to exercise rehashing.
    pub fn with_params(params: Params) -> Self {
        Self { argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()), params }
    }

    pub fn hash(&self, password: &str) -> Result<String, PasswordError> {
        self.argon2.hash_password(password.as_bytes()).map(|hash| hash.to_string()).map_err(|_| PasswordError::Hashing)
    }

    /// Checks `password` against a stored PHC string, using the parameters in that string.
    pub fn verify(&self, password: &str, stored: &str) -> Result<PasswordCheck, PasswordError> {
        let hash = PasswordHash::new(stored).map_err(|_| PasswordError::CorruptHash)?;
        match self.argon2.verify_password(password.as_bytes(), &hash) {
            Ok(()) => Ok(PasswordCheck::Match { needs_rehash: self.is_weaker(&hash) }),
            Err(HashError::PasswordInvalid) => Ok(PasswordCheck::Mismatch),
            Err(_) => Err(PasswordError::CorruptHash),
        }
    }

    /// Spends the same work as a real verify, for users that do not exist.
    pub fn verify_dummy(&self, password: &str) {
        let _ = self.verify(password, DUMMY_HASH);
    }

    fn is_weaker(&self, hash: &PasswordHash) -> bool {
        if hash.algorithm.as_str() != "argon2id" || hash.version != Some(Version::V0x13.into()) {
            return true;
        }
        match Params::try_from(hash) {
            Ok(stored) => {
                stored.m_cost() < self.params.m_cost()
                    || stored.t_cost() < self.params.t_cost()
                    || stored.p_cost() < self.params.p_cost()
            }
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_with_owasp_parameters() {
        let hash = PasswordHasher::owasp().hash("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert_ne!(hash, PasswordHasher::owasp().hash("correct horse").unwrap(), "salts differ");
    }

    #[test]
    fn verifies_right_and_wrong_passwords() {
        let hasher = PasswordHasher::owasp();
        let hash = hasher.hash("correct horse: battery staple").unwrap();
        assert_eq!(
            hasher.verify("correct horse: battery staple", &hash),
            Ok(PasswordCheck::Match { needs_rehash: false })
        );
        assert_eq!(hasher.verify("correct horse: battery stapl", &hash), Ok(PasswordCheck::Mismatch));
        assert_eq!(hasher.verify("", &hash), Ok(PasswordCheck::Mismatch));
    }

    #[test]
    fn unicode_passwords_work() {
        let hasher = PasswordHasher::owasp();
        let hash = hasher.hash("pässwörd-密码-🔑").unwrap();
        assert_eq!(hasher.verify("pässwörd-密码-🔑", &hash), Ok(PasswordCheck::Match { needs_rehash: false }));
        assert_eq!(hasher.verify("passwörd-密码-🔑", &hash), Ok(PasswordCheck::Mismatch));
    }

    #[test]
    fn corrupt_hashes_are_errors_not_matches() {
        let hasher = PasswordHasher::owasp();
        for bad in ["", "plaintext", "$argon2id$v=19$m=19456,t=2,p=1$short", "$2b$12$abcdefghijklmnopqrstuv"] {
            assert_eq!(hasher.verify("x", bad), Err(PasswordError::CorruptHash), "{bad}");
        }
    }

    #[test]
    fn weaker_hashes_need_a_rehash() {
        let weak = PasswordHasher::with_params(Params::new(8 * 1024, 1, 1, None).unwrap());
        let hash = weak.hash("pw").unwrap();
        assert_eq!(PasswordHasher::owasp().verify("pw", &hash), Ok(PasswordCheck::Match { needs_rehash: true }));
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::default());
        let hash = argon2i.hash_password(b"pw").unwrap().to_string();
        assert_eq!(PasswordHasher::owasp().verify("pw", &hash), Ok(PasswordCheck::Match { needs_rehash: true }));
    }

    #[test]
    fn dummy_hash_uses_the_configured_parameters_and_never_matches() {
        let hash = PasswordHash::new(DUMMY_HASH).unwrap();
        let params = Params::try_from(&hash).unwrap();
        assert_eq!((params.m_cost(), params.t_cost(), params.p_cost()), (OWASP_M_COST_KIB, OWASP_T_COST, OWASP_P_COST));
        assert_eq!(hash.algorithm.as_str(), "argon2id");
        for guess in ["", "password", "dummy"] {
            assert_eq!(PasswordHasher::owasp().verify(guess, DUMMY_HASH), Ok(PasswordCheck::Mismatch));
        }
    }
}
