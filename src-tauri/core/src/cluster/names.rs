//! Names the window sends, checked as they are read: a context, a namespace and an app name
//! that are not what Kubernetes allows never reach a kube URL path (`../x` as a namespace) or
//! the kubeconfig lookup.

use serde::{Deserialize, Serialize};

/// A namespace or an app's name: lowercase letters, digits and `-`, at most 63 characters,
/// starting and ending with a letter or digit (a DNS-1123 label).
pub fn is_label(name: &str) -> bool {
    name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A kubeconfig context's name: anything kubectl allows (EKS names are ARNs), but not empty,
/// not longer than 253 characters and without control characters.
pub fn is_context(name: &str) -> bool {
    !name.is_empty() && name.len() <= 253 && !name.chars().any(char::is_control)
}

/// An app's name as a command receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AppName(String);

impl TryFrom<String> for AppName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        if is_label(&name) {
            Ok(Self(name))
        } else {
            Err(format!(
                "the app name {:?} is not a Kubernetes name",
                name.chars().take(70).collect::<String>()
            ))
        }
    }
}

impl From<AppName> for String {
    fn from(name: AppName) -> Self {
        name.0
    }
}

impl std::ops::Deref for AppName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AppName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_held_to_kubernetes_rules_as_they_are_read() {
        for good in ["assistant", "a", "app-2"] {
            assert!(
                serde_json::from_value::<AppName>(good.into()).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "",
            "../etc",
            "Assistant",
            "-a",
            "a_b",
            "a/b",
            &"a".repeat(64),
        ] {
            assert!(
                serde_json::from_value::<AppName>(bad.into()).is_err(),
                "{bad}"
            );
        }
        assert!(is_context(
            "arn:aws:eks:us-east-1:123456789012:cluster/prod"
        ));
        assert!(!is_context("prod\n"));
        assert!(!is_label("default/../kube-system"));
    }
}
