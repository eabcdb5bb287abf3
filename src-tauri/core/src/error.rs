//! The one error shape the UI sees: a stable `code` to branch on, a `message` that says what
//! happened, and a `hint` that says what to do. Each core module's error converts into it here,
//! at the command boundary, so core modules never think about presentation.

use serde::Serialize;

use crate::cost::CostError;
use crate::secrets::{CheckError, SecretError};
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
    /// Form fields at fault (the app form), so the UI can mark each one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<crate::cluster::FieldProblem>,
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            hint: hint.into(),
            fields: Vec::new(),
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
            SettingsError::Refused { field, .. } => AppError::new(
                "settings_invalid_value",
                message,
                format!("Correct the value and save again. Nothing was changed. ({field})"),
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

impl From<SecretError> for AppError {
    fn from(error: SecretError) -> Self {
        let hint = match &error {
            SecretError::InvalidInput { .. } => {
                "Copy the value again from where it was issued and paste it. Nothing was stored."
                    .to_string()
            }
            SecretError::KeychainUnavailable { .. } => keychain_unavailable_hint().to_string(),
            SecretError::KeychainLocked { .. } => keychain_locked_hint().to_string(),
            SecretError::KeychainFailed { .. } => {
                "Try again. If it keeps failing, open your keychain app to check that it works; \
                 nothing was changed and Purser never falls back to a file."
                    .to_string()
            }
        };
        AppError::new(error.code(), error.to_string(), hint)
    }
}

fn keychain_unavailable_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "Purser keeps secrets only in the system keychain (the Secret Service). Install and start \
         one — GNOME Keyring (package gnome-keyring) or KWallet — from a desktop session, then \
         restart Purser. Purser never stores secrets in a file instead."
    } else if cfg!(target_os = "macos") {
        "Open Keychain Access and check that your login keychain exists, then restart Purser."
    } else {
        "Check that the Windows Credential Manager service is running, then restart Purser."
    }
}

fn keychain_locked_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "Unlock your keyring (for example in Passwords and Keys / Seahorse, or by logging in to \
         the desktop again), then try again. Nothing was changed."
    } else if cfg!(target_os = "macos") {
        "Unlock your login keychain in Keychain Access and allow Purser when macOS asks, then try \
         again. Nothing was changed."
    } else {
        "Sign in to Windows again to unlock the Credential Manager, then try again."
    }
}

impl From<CheckError> for AppError {
    fn from(error: CheckError) -> Self {
        let hint = match &error {
            CheckError::Keychain(inner) => return AppError::from(inner.clone()),
            CheckError::InvalidKey { .. } => {
                "Create a new key in the OpenAI dashboard (API keys), \
                 paste it here with Replace, and check again."
                    .to_string()
            }
            CheckError::Forbidden { service } => format!(
                "The key works but lacks permission. Check its permissions or project in the \
                 {service} console."
            ),
            CheckError::NotThatService { .. } => "Check the API address in the OpenAI card; for \
                 the public API it is https://api.openai.com/v1."
                .to_string(),
            CheckError::NoQuota => "Add credit or raise the usage limit in the OpenAI billing \
                 settings; the key itself is fine."
                .to_string(),
            CheckError::RateLimited { .. } => "The key was accepted. Wait a minute and check \
                 again."
                .to_string(),
            CheckError::ServerError { .. } => "This is on the service's side. Try again in a few \
                 minutes."
                .to_string(),
            CheckError::Timeout { .. } => "Check your internet connection (and any proxy or VPN), \
                 then try again."
                .to_string(),
            CheckError::Unreachable { .. } => "Check your internet connection, and the API \
                 address if you changed it."
                .to_string(),
            CheckError::BadAddress { .. } => {
                "Type the full address, starting with https://.".to_string()
            }
            CheckError::PlainHttp { .. } => "Use the https:// address. Plain http:// is accepted \
                 only for a gateway on this computer (localhost)."
                .to_string(),
            CheckError::UnknownAccessKey => "Check the access key ID in the AWS console (IAM → \
                 Users → Security credentials); it may have been deleted or deactivated. Store \
                 the right one with Replace."
                .to_string(),
            CheckError::WrongSecret => "Paste the secret access key that belongs to this key ID \
                 (it is shown only once when the key is created; create a new key if it is \
                 lost)."
                .to_string(),
            CheckError::Rejected => "Check both the access key ID and the secret access key, \
                 then store them again."
                .to_string(),
            CheckError::ExpiredToken => "Get new temporary credentials and store all three \
                 values again, or use an AWS profile instead."
                .to_string(),
            CheckError::SsoExpired { profile } => format!(
                "Sign in again: run `aws sso login --profile {profile}` in a terminal (or ask your \
                 administrator to), then press Check again."
            ),
            CheckError::ProfileNotUsable { .. } => "Check the profile in ~/.aws/config, or choose \
                 another one."
                .to_string(),
            CheckError::NoCredentials { .. } => "Store an access key in Purser, or choose an AWS \
                 profile that has credentials."
                .to_string(),
            CheckError::NoProfileChosen => "Choose a profile from the list, or switch to access \
                 keys."
                .to_string(),
            CheckError::NotStored(kind) => {
                format!("Paste the {} and press Store first.", kind.label())
            }
            CheckError::Unexpected { .. } => "Try again. If it keeps happening, the log file has \
                 the details."
                .to_string(),
        };
        AppError::new(error.code(), error.to_string(), hint)
    }
}

impl From<CostError> for AppError {
    fn from(error: CostError) -> Self {
        let hint = match &error {
            CostError::Access(inner) => return AppError::from(inner.clone()),
            CostError::MissingPermission { permission } => format!(
                "Ask your AWS administrator to allow {permission} (and ce:GetCostForecast) for \
                 these credentials, or use a profile that has it."
            ),
            CostError::NotEnabled => {
                "Open Billing and Cost Management → Cost Explorer once in the \
                 AWS console (as the account owner) to enable it; data appears within 24 hours."
                    .to_string()
            }
            CostError::Throttled => "Wait a minute, then press Refresh. The figures shown are the \
                 last ones Purser received."
                .to_string(),
            CostError::Offline { .. } => {
                "Check your internet connection, then press Refresh.".to_string()
            }
            CostError::BadData { .. } => "Press Refresh later. If it persists, export the CSV and \
                 check the figures in the AWS console."
                .to_string(),
            CostError::Service { .. } => "Try again later.".to_string(),
            CostError::NothingToExport => "Open the Cost & budget view first.".to_string(),
            CostError::Export { .. } => "Choose another folder (one you can write to) and try \
                 again."
                .to_string(),
        };
        AppError::new(error.code(), error.to_string(), hint)
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

impl From<crate::cluster::ClusterError> for AppError {
    fn from(error: crate::cluster::ClusterError) -> Self {
        use crate::cluster::ClusterError as E;
        let message = error.to_string();
        let (code, hint): (&str, String) = match &error {
            E::NoKubeconfig { .. } => (
                "kube_no_kubeconfig",
                "Ask your cluster administrator for a kubeconfig (for EKS: `aws eks update-kubeconfig --name <cluster>`), or try Purser with the purser-sandbox context.".into(),
            ),
            E::KubeconfigUnreadable { path, .. } => (
                "kube_kubeconfig_unreadable",
                format!("Fix or replace {path} (kubectl will report the same problem). The sandbox still works."),
            ),
            E::UnknownContext(_) => ("kube_unknown_context", "Pick a context from the list; the kubeconfig may have changed since.".into()),
            E::BadContext { .. } => ("kube_bad_context", "Check this context's cluster and user entries in your kubeconfig.".into()),
            E::ExecPluginMissing { install_hint, .. } => ("kube_exec_plugin_missing", install_hint.clone()),
            E::ExecPluginFailed { expired: true, fix, .. } => ("kube_session_expired", fix.clone()),
            E::ExecPluginFailed { fix, .. } => ("kube_exec_plugin_failed", fix.clone()),
            E::Unreachable { .. } => (
                "kube_unreachable",
                "Check your network or VPN and that the cluster is running, then try again.".into(),
            ),
            E::ExecPluginTimedOut { fix, .. } => ("kube_exec_plugin_timeout", format!("It may be waiting for a sign-in that needs a terminal or a browser. {fix}")),
            E::NotConnected { .. } => ("kube_not_connected", "Choose the cluster and press Connect, then try again. Nothing was changed.".into()),
            E::TooSlow { .. } => ("kube_too_slow", "The cluster is busy or slow. Wait a minute and try again; look under Activity for what was sent.".into()),
            E::NotManaged(_) => ("kube_not_managed", "Nothing was changed. Tick \"Take over\" only if Purser should manage them from now on (uninstall will still keep them unless you ask); otherwise choose another name for the app.".into()),
            E::Unauthorized => ("kube_unauthorized", "Sign in again or refresh this context's credentials, then press Retry.".into()),
            E::Forbidden { verb, resource, namespace, .. } => (
                "kube_forbidden",
                format!("Ask your cluster administrator for permission to {verb} {resource} in namespace {namespace}. Nothing was changed."),
            ),
            E::NotFound(_) => ("kube_not_found", "Refresh the list; it may have been removed by someone else.".into()),
            E::InvalidSpec(problems) => (
                "kube_invalid_form",
                problems.iter().map(|p| format!("{}: {}", p.field, p.problem)).collect::<Vec<_>>().join("\n") + "\nNothing was changed.",
            ),
            E::NoOpenAiKey => ("kube_no_openai_key", "Store your OpenAI API key under Credentials first; the app receives it as a Kubernetes Secret.".into()),
            E::Conflict(_) => (
                "kube_conflict",
                "Nothing was changed. If Purser should own these settings from now on, choose \"Take over\"; otherwise ask whoever manages them.".into(),
            ),
            E::Autoscaled { .. } => ("kube_autoscaled", "Change the autoscaler's minimum and maximum instead; it would undo a manual scale.".into()),
            E::Refused(_) => ("kube_not_purser", "Manage it with the tool that created it.".into()),
            E::NoPreviousRevision(_) => ("kube_no_previous_revision", "Rollback needs an earlier deploy of this app in this namespace.".into()),
            E::Throttled { .. } => ("kube_throttled", "Wait a minute and try again. If it keeps happening, tell your cluster administrator that the API server is overloaded.".into()),
            E::Api { .. } => ("kube_api_error", "Try again; if it persists, show this message to your cluster administrator.".into()),
            E::Sandbox(_) => ("kube_sandbox_failed", "Restart Purser; if it persists, check that another program is not blocking local network ports.".into()),
            E::Keychain(_) => ("kube_keychain", "Unlock your keychain, then try again.".into()),
            E::Audit(_) => ("kube_audit_unwritable", "Nothing was changed. Check that Purser's data folder is writable and the disk is not full.".into()),
        };
        let mut app_error = AppError::new(code, sentence(&message), hint);
        if let E::InvalidSpec(problems) = &error {
            app_error.message = format!(
                "The app form has {} problem(s); nothing was changed.",
                problems.len()
            );
            app_error.fields = problems.clone();
        }
        app_error
    }
}

/// A message as a sentence: capital first letter (errors read "the cluster…" inside logs).
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl From<crate::audit::AuditError> for AppError {
    fn from(error: crate::audit::AuditError) -> Self {
        AppError::new(
            "audit_unreadable",
            error.to_string(),
            "Check that Purser's data folder is readable.",
        )
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
            allowed: "system, en, es",
        }
        .into();
        assert_eq!(error.code, "settings_invalid_value");
        assert!(error.message.contains("language"));
        assert!(error.hint.contains("system, en, es"));
    }
}
