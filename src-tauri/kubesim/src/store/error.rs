//! Errors as the real API server reports them.

use serde_json::{json, Value};

use crate::discovery::ResDef;

/// An API error as the real server reports it (a `Status` object).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub causes: Vec<Value>,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            causes: Vec::new(),
        }
    }

    pub fn not_found(def: &ResDef, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", def.qualified()),
        )
    }

    /// A write whose resourceVersion is not the object's any more (optimistic locking).
    pub fn conflict(def: &ResDef, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; \
                 please apply your changes to the latest version and try again",
                def.qualified()
            ),
        )
    }

    pub fn invalid(def: &ResDef, name: &str, detail: impl Into<String>) -> Self {
        Self::new(
            422,
            "Invalid",
            format!("{} {:?} is invalid: {}", def.kind, name, detail.into()),
        )
    }

    pub fn status(&self) -> Value {
        let mut details = json!({});
        if !self.causes.is_empty() {
            details["causes"] = Value::Array(self.causes.clone());
        }
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "details": details, "code": self.code
        })
    }
}
