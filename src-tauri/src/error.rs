//! The one error shape the UI sees: a stable `code` to branch on, a `message` that says what
//! happened, and a `hint` that says what to do. Each core module's error converts into it here,
//! at the command boundary, so core modules never think about presentation.

use serde::Serialize;

use crate::settings::{LoadNotice, SettingsError};

/// An error (or notice) as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppError {
    /// Stable, machine-readable identifier, e.g. `settings_invalid_value`.
    pub code: String,
    /// What happened, in plain words.
    pub message: String,
    /// What the user can do about it.
    pub hint: String,
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for AppError {}

impl From<SettingsError> for AppError {
    fn from(error: SettingsError) -> Self {
        let message = error.to_string();
        match error {
            SettingsError::Write { path, .. } => AppError::new(
                "settings_write_failed",
                message,
                format!(
                    "Nothing was changed. Check that {} is writable and that the disk is not \
                     full, then try again.",
                    path.parent().unwrap_or(&path).display()
                ),
            ),
            SettingsError::InvalidValue { allowed, .. } => AppError::new(
                "settings_invalid_value",
                message,
                format!("Choose one of: {allowed}. Nothing was changed."),
            ),
            SettingsError::SaveBlocked { .. } => AppError::new(
                "settings_save_blocked",
                message,
                "Nothing was changed, so that the existing file is not overwritten. Fix the \
                 file's permissions (or move it away) and restart Purser.",
            ),
            SettingsError::UnknownField(_) | SettingsError::NotAnObject => AppError::new(
                "settings_unknown_field",
                message,
                "Nothing was changed. This looks like a bug in Purser; please report it.",
            ),
        }
    }
}

impl From<&LoadNotice> for AppError {
    fn from(notice: &LoadNotice) -> Self {
        match notice {
            LoadNotice::CorruptSetAside { backup, reason } => AppError::new(
                "settings_corrupt",
                format!(
                    "Your settings file could not be read ({reason}). It was kept as {} and \
                     Purser started with default settings.",
                    backup.display()
                ),
                "Choose your settings again in Settings. The old file is untouched if you \
                 want to recover something from it.",
            ),
            LoadNotice::Unreadable { path, reason } => AppError::new(
                "settings_unreadable",
                format!(
                    "Your settings file {} could not be read ({reason}). Purser started with \
                     default settings and will not overwrite it.",
                    path.display()
                ),
                "Check the file's permissions, then restart Purser.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_message_hint() {
        let error = AppError::new("x_y", "What happened", "What to do");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "x_y", "message": "What happened", "hint": "What to do"})
        );
    }

    #[test]
    fn invalid_setting_names_field_and_choices() {
        let error: AppError = SettingsError::InvalidValue {
            field: "language".into(),
            value: "\"fr\"".into(),
            allowed: "system, en, es",
        }
        .into();
        assert_eq!(error.code, "settings_invalid_value");
        assert!(error.message.contains("language"));
        assert!(error.hint.contains("system, en, es"));
    }
}
