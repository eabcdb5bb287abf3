//! What can go wrong between Purser and a cluster, classified so the user is told what
//! happened and what to do.

use super::exec_auth::ExecAuthError;
use super::spec::FieldProblem;

/// A field another manager owns, which this apply would change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldConflict {
    pub manager: String,
    pub field: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("no kubeconfig was found ({looked_at})")]
    NoKubeconfig { looked_at: String },
    #[error("the kubeconfig {path} cannot be read: {detail}")]
    KubeconfigUnreadable { path: String, detail: String },
    #[error("there is no context named \"{0}\" in your kubeconfig")]
    UnknownContext(String),
    #[error("the context \"{context}\" cannot be used: {detail}")]
    BadContext { context: String, detail: String },
    #[error("the sign-in helper \"{command}\" that this context runs could not be found")]
    ExecPluginMissing {
        command: String,
        install_hint: String,
    },
    #[error("the sign-in helper \"{command}\" failed: {detail}")]
    ExecPluginFailed {
        command: String,
        detail: String,
        expired: bool,
        fix: String,
    },
    #[error(
        "the sign-in helper \"{command}\" did not finish within {seconds} seconds and was stopped"
    )]
    ExecPluginTimedOut {
        command: String,
        seconds: u64,
        fix: String,
    },
    #[error("Purser is not connected to \"{context}\"")]
    NotConnected { context: String },
    #[error("the cluster did not finish answering within {seconds} seconds")]
    TooSlow { seconds: u64 },
    #[error("{} already exist(s) in this namespace and {} not managed by Purser", .0.join(", "), if .0.len() == 1 { "is" } else { "are" })]
    NotManaged(Vec<String>),
    #[error("the cluster at {server} cannot be reached: {detail}")]
    Unreachable { server: String, detail: String },
    #[error("the cluster refused the credentials of this context")]
    Unauthorized,
    #[error("you are not allowed to {verb} {resource} in namespace \"{namespace}\"")]
    Forbidden {
        verb: String,
        resource: String,
        namespace: String,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("the app form has {} problem(s)", .0.len())]
    InvalidSpec(Vec<FieldProblem>),
    #[error("no OpenAI key is stored in the keychain")]
    NoOpenAiKey,
    #[error("fields of this app are managed by someone else: {}", describe(.0))]
    Conflict(Vec<FieldConflict>),
    #[error("the autoscaler \"{hpa}\" manages the number of copies (between {min} and {max})")]
    Autoscaled { hpa: String, min: i32, max: i32 },
    #[error("{0}")]
    Refused(String),
    #[error("there is no earlier version of \"{0}\" to roll back to")]
    NoPreviousRevision(String),
    #[error("the cluster is busy: it asked Purser to wait (HTTP {code}) and still did after Purser tried again")]
    Throttled { code: u16 },
    #[error("the cluster answered with an error ({code}): {message}")]
    Api { code: u16, message: String },
    #[error("the sandbox could not start: {0}")]
    Sandbox(String),
    #[error("the keychain could not be read: {0}")]
    Keychain(String),
    #[error("the change could not be recorded in the audit log ({0}), so it was not made")]
    Audit(String),
}

fn describe(conflicts: &[FieldConflict]) -> String {
    conflicts
        .iter()
        .map(|c| format!("{} (by \"{}\")", c.field, c.manager))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ClusterError {
    /// Purser (or the cluster) declined the change, as opposed to it failing on the way.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ClusterError::Refused(_)
                | ClusterError::Autoscaled { .. }
                | ClusterError::NotManaged(_)
                | ClusterError::Conflict(_)
                | ClusterError::NoPreviousRevision(_)
        )
    }

    /// Classifies an error from the kube client. `server` names the cluster in messages.
    pub fn from_kube(error: kube::Error, server: &str, namespace: &str) -> Self {
        match error {
            kube::Error::Api(status) => match status.code {
                401 => ClusterError::Unauthorized,
                403 => {
                    let (verb, resource) = parse_forbidden(&status.message);
                    ClusterError::Forbidden {
                        verb,
                        resource,
                        namespace: namespace.to_string(),
                        message: status.message.clone(),
                    }
                }
                404 => ClusterError::NotFound(status.message.clone()),
                409 => {
                    let conflicts = conflicts_of(&status);
                    if conflicts.is_empty() {
                        ClusterError::Api {
                            code: 409,
                            message: status.message.clone(),
                        }
                    } else {
                        ClusterError::Conflict(conflicts)
                    }
                }
                code @ (429 | 503 | 504) => ClusterError::Throttled { code },
                code => ClusterError::Api {
                    code,
                    message: status.message.clone(),
                },
            },
            kube::Error::Auth(auth) => super::exec::classify_auth_error(auth),
            kube::Error::HyperError(e) => ClusterError::Unreachable {
                server: server.into(),
                detail: plain_io(&e.to_string()),
            },
            kube::Error::Service(e) => {
                // A sign-in failure mid-session arrives wrapped by the client's layers; find it
                // before anything is turned into text (kube's own auth errors spell out the
                // plugin's command line and environment).
                let mut detail = e.to_string();
                let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e.as_ref());
                while let Some(inner) = current {
                    if let Some(auth) = inner.downcast_ref::<ExecAuthError>() {
                        return Self::from(auth.clone());
                    }
                    if inner.downcast_ref::<kube::client::AuthError>().is_some() {
                        return ClusterError::ExecPluginFailed {
                            command: "the sign-in helper".into(),
                            detail: "it did not give Purser a token".into(),
                            expired: false,
                            fix: String::new(),
                        };
                    }
                    detail = inner.to_string();
                    current = inner.source();
                }
                ClusterError::Unreachable {
                    server: server.into(),
                    detail: plain_io(&detail),
                }
            }
            other => ClusterError::Api {
                code: 0,
                message: other.to_string(),
            },
        }
    }
}

impl From<ExecAuthError> for ClusterError {
    fn from(error: ExecAuthError) -> Self {
        match error {
            ExecAuthError::Start { plugin, reason } => ClusterError::ExecPluginMissing {
                install_hint: format!(
                    "It could not be started ({reason}). Install it or fix the context, then press Retry."
                ),
                command: plugin,
            },
            ExecAuthError::Failed {
                plugin,
                detail,
                expired,
                fix,
            } => ClusterError::ExecPluginFailed {
                command: plugin,
                detail,
                expired,
                fix,
            },
            ExecAuthError::TimedOut {
                plugin,
                seconds,
                fix,
            } => ClusterError::ExecPluginTimedOut {
                command: plugin,
                seconds,
                fix,
            },
            ExecAuthError::BadOutput { plugin, detail } => ClusterError::ExecPluginFailed {
                command: plugin,
                detail,
                expired: false,
                fix: String::new(),
            },
        }
    }
}

fn plain_io(detail: &str) -> String {
    if detail.contains("Connection refused") {
        "nothing answers at that address (connection refused)".into()
    } else if detail.contains("timed out") || detail.contains("elapsed") {
        "the connection timed out".into()
    } else if detail.contains("connection closed")
        || detail.contains("IncompleteMessage")
        || detail.contains("reset")
    {
        "the connection was cut before the cluster answered".into()
    } else {
        detail.to_string()
    }
}

/// `... User "u" cannot patch resource "deployments/scale" in API group "apps" ...`
fn parse_forbidden(message: &str) -> (String, String) {
    let after = message.split(" cannot ").nth(1).unwrap_or_default();
    let verb = after.split_whitespace().next().unwrap_or("use").to_string();
    let resource = after
        .split('"')
        .nth(1)
        .unwrap_or("this resource")
        .to_string();
    (verb, resource)
}

fn conflicts_of(status: &kube::core::Status) -> Vec<FieldConflict> {
    let Some(details) = &status.details else {
        return Vec::new();
    };
    details
        .causes
        .iter()
        .filter(|c| c.reason == "FieldManagerConflict")
        .map(|c| FieldConflict {
            manager: c
                .message
                .split('"')
                .nth(1)
                .unwrap_or("another tool")
                .to_string(),
            field: c.field.clone(),
        })
        .collect()
}
