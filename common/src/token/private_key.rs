//! A private key of any asymmetric algorithm, as the signing-key secret holds
//! it: the PKCS#8 document says which algorithm it is for, and the
//! configuration then checks that this is the algorithm `JWT_ALGORITHM` names.

use super::keys::Algorithm;
use super::{Es256PrivateKey, Rs256PrivateKey, TokenError, pkcs8};

/// An ES256 (P-256) or RS256 (RSA) private key; never printed by `{:?}`.
#[derive(Debug)]
pub enum PrivateKey {
    Es256(Es256PrivateKey),
    Rs256(Rs256PrivateKey),
}

impl PrivateKey {
    /// A PKCS#8 document (PEM or one line of base64) of a P-256 or an RSA key.
    /// An RSA key under 2048 bits is `WeakKey`; anything else that is neither
    /// is `InvalidKey`.
    pub fn from_text(text: &str) -> Result<Self, TokenError> {
        let der = pkcs8::der_from_text(text)?;
        // ring reads the algorithm identifier first, so the wrong guess costs nothing.
        if let Ok(key) = Es256PrivateKey::from_pkcs8_der(&der) {
            return Ok(Self::Es256(key));
        }
        Rs256PrivateKey::from_pkcs8_der(&der).map(Self::Rs256)
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::Es256(_) => Algorithm::Es256,
            Self::Rs256(_) => Algorithm::Rs256,
        }
    }

    pub fn pkcs8_der(&self) -> &[u8] {
        match self {
            Self::Es256(key) => key.pkcs8_der(),
            Self::Rs256(key) => key.pkcs8_der(),
        }
    }

    /// PEM, as openssl writes it.
    pub fn to_pem(&self) -> String {
        pkcs8::to_pem(self.pkcs8_der())
    }
}

impl From<Es256PrivateKey> for PrivateKey {
    fn from(key: Es256PrivateKey) -> Self {
        Self::Es256(key)
    }
}

impl From<Rs256PrivateKey> for PrivateKey {
    fn from(key: Rs256PrivateKey) -> Self {
        Self::Rs256(key)
    }
}
