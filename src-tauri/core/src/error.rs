//! The one error shape the window sees. An error is a `code` (what happened) and a `hintCode`
//! (what to do), with the values they name in `params`; the window renders both in the user's
//! language from `ui/i18n.js`. `message` is the English text, for the log file only.
//!
//! Each domain module maps its own error into this shape (next to the error, where its codes
//! are chosen); nothing here knows a domain.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An error (or notice) as shown to the user. Deserialisable too: cached reports keep the
/// error that made a forecast unavailable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppError {
    /// Stable identifier of what happened, e.g. `kube_unreachable`; the window's message key.
    pub code: String,
    /// The values the message and the hint name, e.g. `{"server": "https://…"}`.
    pub params: Map<String, Value>,
    /// Stable identifier of what to do; the window's hint key.
    pub hint_code: String,
    /// Form fields at fault (the app form), so the window can mark each one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
    /// The message in English, for the log (and shown as is only if the window lacks `code`).
    pub message: String,
}

/// One thing wrong with one form field: the field, and a code with its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldProblem {
    /// The form field: `name`, `image`, `replicas`, `port`, `cpuRequest`, `env[2].name`, …
    pub field: String,
    pub code: String,
    pub params: Map<String, Value>,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, code: &str) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            params: Map::new(),
        }
    }

    /// Adds a value the message names.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }
}

impl AppError {
    /// An error whose hint has the same code.
    pub fn new(code: &str, message: impl std::fmt::Display) -> Self {
        Self::hinted(code, code, message)
    }

    /// An error with its own hint code.
    pub fn hinted(code: &str, hint_code: &str, message: impl std::fmt::Display) -> Self {
        Self {
            code: code.into(),
            params: Map::new(),
            hint_code: hint_code.into(),
            fields: Vec::new(),
            message: sentence(&message.to_string()),
        }
    }

    /// Adds a value the message or the hint names.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }

    /// Names the form fields at fault.
    pub fn with_fields(mut self, fields: Vec<FieldProblem>) -> Self {
        self.fields = fields;
        self
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for AppError {}

/// A message as a sentence: capital first letter (errors read "the cluster…" inside logs).
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_params_hint_and_the_english_text() {
        let error = AppError::hinted("kube_unreachable", "kube_check_network", "the cluster…")
            .with("server", "https://k8s.example.com");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "kube_unreachable", "hintCode": "kube_check_network",
                "params": {"server": "https://k8s.example.com"}, "message": "The cluster…"})
        );
    }
}
