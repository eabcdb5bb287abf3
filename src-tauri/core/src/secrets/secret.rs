//! The one type that holds a secret in memory.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

/// A secret value (API key, access key, token).
///
/// - `Debug` and `Display` print `<redacted>`, so a secret cannot reach a log line or an error
///   message by accident;
/// - it implements `Deserialize` (values arrive from the UI) but not `Serialize`, so it can
///   never be sent back to the webview or written into a JSON file;
/// - the memory is zeroised when it is dropped (`secrecy`).
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The value itself, for the one call that needs it (keychain write, HTTP header).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The last four characters, for "stored · ends in 4f2a" — only when the value is long
    /// enough that four characters give away little of it.
    pub fn ends_in(&self) -> Option<String> {
        let value = self.expose();
        let count = value.chars().count();
        (count >= 16).then(|| value.chars().skip(count - 4).collect())
    }
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        Self::new(self.expose())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SecretString::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let secret = Secret::new("canary-value-123456");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(<redacted>)");
    }

    #[test]
    fn ends_in_only_for_long_values() {
        assert_eq!(
            Secret::new("abcdefghijkl4f2a").ends_in().as_deref(),
            Some("4f2a")
        );
        assert_eq!(Secret::new("short-key").ends_in(), None);
    }

    #[test]
    fn deserialises_from_a_json_string() {
        let secret: Secret = serde_json::from_str("\"from-the-ui\"").unwrap();
        assert_eq!(secret.expose(), "from-the-ui");
    }
}
