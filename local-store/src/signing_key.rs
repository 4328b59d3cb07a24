//! The local API's ES256 key pair, kept in its data folder like the HMAC
//! secret ([`crate::secret`]): generated on first start, owner-only, in the
//! same JSON as the deployment's Secrets Manager secret
//! (`{"kid": …, "private_key": <PKCS#8 PEM>}`), so the same parser reads both.

use std::io;
use std::path::{Path, PathBuf};

use common::config::SigningKeySecret;
use common::token::Es256PrivateKey;

use crate::secret::{LocalSecretOrigin, read_or_create};
use crate::trust::Untrusted;

/// The file, inside the data folder, that holds the local API's ES256 key.
pub const ES256_KEY_FILE: &str = "jwt-es256-key.json";

/// The kid of the generated key: one key per data folder, so a fixed name
/// suffices (delete the file for a new key; tokens of the old one then fail).
pub const LOCAL_KID: &str = "local-es256";

/// Why the local key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LocalKeyError {
    #[error(transparent)]
    Untrusted(#[from] Untrusted),
    #[error("{} is not a signing key ({why}); delete it to generate a new key", .path.display())]
    Invalid { path: PathBuf, why: String },
    #[error("a key pair cannot be generated: {0}")]
    Generation(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// `<data_dir>/jwt-es256-key.json`: read, or generated once and written with
/// owner-only permissions (0600) in an owner-only folder, never through a
/// symbolic link, and used only if it passes the data folder's rule ([`trust`]).
/// Blocking (file I/O).
pub fn load_or_create_local_es256(data_dir: &Path) -> Result<(SigningKeySecret, LocalSecretOrigin), LocalKeyError> {
    let (text, origin) = read_or_create::<LocalKeyError>(data_dir, ES256_KEY_FILE, || {
        let key = Es256PrivateKey::generate().map_err(|err| LocalKeyError::Generation(err.to_string()))?;
        Ok(SigningKeySecret { kid: LOCAL_KID.into(), key: key.into() }.to_json())
    })?;
    // Parsed in both cases, so what was just written is read back as it will be
    // next time. The parser's message never quotes the file.
    let secret = SigningKeySecret::parse(&text)
        .map_err(|err| LocalKeyError::Invalid { path: origin.path().to_path_buf(), why: err.problem })?;
    Ok((secret, origin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_key_is_generated_once_and_private() {
        let dir = std::env::temp_dir().join(format!("es256-key-test-{}", uuid::Uuid::new_v4()));
        let data = dir.join("nested");
        let (key, origin) = load_or_create_local_es256(&data).unwrap();
        assert_eq!(origin, LocalSecretOrigin::Generated(data.join(ES256_KEY_FILE)));
        assert_eq!(key.kid, LOCAL_KID);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file_mode = std::fs::metadata(data.join(ES256_KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(file_mode & 0o777, 0o600, "{file_mode:o}");
            let dir_mode = std::fs::metadata(&data).unwrap().permissions().mode();
            assert_eq!(dir_mode & 0o777, 0o700, "{dir_mode:o}");
        }
        let (again, origin) = load_or_create_local_es256(&data).unwrap();
        assert_eq!(origin, LocalSecretOrigin::Existing(data.join(ES256_KEY_FILE)));
        assert_eq!(again.key.pkcs8_der(), key.key.pkcs8_der(), "the same key across restarts");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_damaged_key_file_is_refused_without_quoting_it() {
        let dir = std::env::temp_dir().join(format!("es256-key-test-{}", uuid::Uuid::new_v4()));
        load_or_create_local_es256(&dir).unwrap();
        let path = dir.join(ES256_KEY_FILE);
        std::fs::write(&path, "{\"kid\":\"k\",\"private_key\":\"c2VjcmV0LXZhbHVl\"}").unwrap();
        let err = load_or_create_local_es256(&dir).unwrap_err();
        assert!(matches!(err, LocalKeyError::Invalid { .. }), "{err}");
        assert!(!err.to_string().contains("c2VjcmV0LXZhbHVl"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_not_followed() {
        let dir = std::env::temp_dir().join(format!("es256-key-test-{}", uuid::Uuid::new_v4()));
        load_or_create_local_es256(&dir).unwrap();
        let path = dir.join(ES256_KEY_FILE);
        let elsewhere = dir.join("elsewhere.json");
        std::fs::rename(&path, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        assert!(load_or_create_local_es256(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
