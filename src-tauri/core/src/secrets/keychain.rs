//! The OS keychain behind [`SecretStore`], through the `keyring` crate: macOS Keychain, Windows
//! Credential Manager, or the Secret Service on Linux (GNOME Keyring, KWallet, KeePassXC).
//! There is deliberately no fallback to a file.

use super::{Secret, SecretError, SecretKind, SecretStore};

/// The keychain service name every Purser entry is filed under.
pub const SERVICE: &str = "purser";

/// Secrets in the OS keychain. Every call blocks (D-Bus, Security framework, Win32), so async
/// code calls it through `spawn_blocking`.
#[derive(Debug, Clone)]
pub struct KeychainStore {
    service: String,
}

impl KeychainStore {
    pub fn new() -> Self {
        Self::with_service(SERVICE)
    }

    /// A store under another service name (tests keep their entries apart this way).
    pub fn with_service(service: &str) -> Self {
        Self {
            service: service.to_string(),
        }
    }

    fn entry(&self, kind: SecretKind) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, kind.account()).map_err(classify)
    }
}

impl Default for KeychainStore {
    fn default() -> Self {
        Self::new()
    }
}

impl SecretStore for KeychainStore {
    fn get(&self, kind: SecretKind) -> Result<Option<Secret>, SecretError> {
        match self.entry(kind)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(classify(error)),
        }
    }

    fn set(&self, kind: SecretKind, secret: &Secret) -> Result<(), SecretError> {
        self.entry(kind)?
            .set_password(secret.expose())
            .map_err(classify)
    }

    fn delete(&self, kind: SecretKind) -> Result<bool, SecretError> {
        match self.entry(kind)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(error) => Err(classify(error)),
        }
    }
}

/// Turns a keyring error into ours. Some keyring errors carry the stored bytes
/// (`BadEncoding`, `BadDataFormat`): those are never formatted, only named.
fn classify(error: keyring::Error) -> SecretError {
    match error {
        keyring::Error::NoDefaultStore => {
            let reason = match keyring::Entry::store_status() {
                Err(cause) => describe_platform_error(cause),
                Ok(()) => "no keychain is configured".to_string(),
            };
            SecretError::KeychainUnavailable { reason }
        }
        keyring::Error::NoStorageAccess(cause) => SecretError::KeychainLocked {
            reason: cause.to_string(),
        },
        keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => {
            SecretError::KeychainFailed {
                reason: "the stored value is not readable text".to_string(),
            }
        }
        keyring::Error::Ambiguous(entries) => SecretError::KeychainFailed {
            reason: format!(
                "{} entries match; remove the extra ones in your keychain app",
                entries.len()
            ),
        },
        keyring::Error::PlatformFailure(cause) => SecretError::KeychainFailed {
            reason: cause.to_string(),
        },
        other @ (keyring::Error::NoEntry
        | keyring::Error::BadStoreFormat(_)
        | keyring::Error::TooLong(..)
        | keyring::Error::Invalid(..)
        | keyring::Error::NotSupportedByStore(_)) => SecretError::KeychainFailed {
            reason: other.to_string(),
        },
        // keyring's error enum is non-exhaustive.
        _ => SecretError::KeychainFailed {
            reason: "the keychain reported an unknown error".to_string(),
        },
    }
}

/// The store-initialisation error, without the payload-carrying variants.
fn describe_platform_error(error: &keyring::Error) -> String {
    match error {
        keyring::Error::PlatformFailure(cause) | keyring::Error::NoStorageAccess(cause) => {
            cause.to_string()
        }
        keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => {
            "the keychain returned unreadable data".to_string()
        }
        other => other.to_string(),
    }
}
