//! What can go wrong between Purser and a cluster, classified so the user is told what
//! happened and what to do ([`super::messages`] turns each into codes for the window; the
//! English text here is for the log).

use crate::error::FieldProblem;

/// A field another manager owns, which this apply would change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldConflict {
    pub manager: String,
    pub field: String,
}

/// How to install a missing plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Install {
    AwsCli,
    AwsIamAuthenticator,
    GkeAuthPlugin,
    Kubelogin,
    /// What the kubeconfig's author wrote (`installHint`), in their words.
    Kubeconfig(String),
    /// A plugin Purser does not know, by its name.
    Tool(String),
}

/// How to sign in again when a plugin's session has expired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SignIn {
    /// `aws sso login`, with the profile the plugin uses if it names one.
    Aws { profile: Option<String> },
    /// `gcloud auth login`.
    Gcloud,
    /// With the tool behind this plugin.
    Tool(String),
    /// Nothing more is known.
    #[default]
    Unknown,
}

/// Why a connection went away, in words Purser chose (never a raw OS text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Nothing answers at the address (connection refused).
    Refused,
    /// No answer in time.
    TimedOut,
    /// The connection was cut before the cluster answered.
    Dropped,
    /// Something else went wrong on the way (see the log).
    Other,
}

impl Cut {
    pub fn code(self) -> &'static str {
        match self {
            Cut::Refused => "refused",
            Cut::TimedOut => "timed_out",
            Cut::Dropped => "dropped",
            Cut::Other => "other",
        }
    }
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cut::Refused => "nothing answers at that address (connection refused)",
            Cut::TimedOut => "the connection timed out",
            Cut::Dropped => "the connection was cut before the cluster answered",
            Cut::Other => "the connection failed",
        })
    }
}

#[derive(Debug, Clone, thiserror::Error)]
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
    ExecPluginMissing { command: String, install: Install },
    #[error("the sign-in helper \"{command}\" failed: {detail}")]
    ExecPluginFailed {
        command: String,
        detail: String,
        expired: bool,
        fix: SignIn,
    },
    #[error(
        "the sign-in helper \"{command}\" did not finish within {seconds} seconds and was stopped"
    )]
    ExecPluginTimedOut {
        command: String,
        seconds: u64,
        fix: SignIn,
    },
    #[error("Purser is not connected to \"{context}\"")]
    NotConnected { context: String },
    #[error("the cluster did not finish answering within {seconds} seconds")]
    TooSlow { seconds: u64 },
    #[error("{} already exist(s) in this namespace and {} not managed by Purser", .0.join(", "), if .0.len() == 1 { "is" } else { "are" })]
    NotManaged(Vec<String>),
    #[error("the cluster at {server} cannot be reached: {cut}")]
    Unreachable { server: String, cut: Cut },
    #[error("the cluster refused the credentials of this context")]
    Unauthorized,
    #[error("you are not allowed to {verb} {resource} in namespace \"{namespace}\"")]
    Forbidden {
        verb: String,
        resource: String,
        namespace: String,
    },
    #[error("there is no app \"{app}\" in namespace \"{namespace}\"")]
    AppMissing { app: String, namespace: String },
    #[error("no autoscaler manages \"{app}\" any more")]
    AutoscalerGone { app: String },
    /// The cluster's own words for something missing (a 404).
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
    #[error("\"{app}\" in namespace \"{namespace}\" was not deployed by Purser, so Purser leaves it alone")]
    NotPursers { app: String, namespace: String },
    #[error("there is no earlier version of \"{0}\" to roll back to")]
    NoPreviousRevision(String),
    #[error("the cluster is busy: it asked Purser to wait (HTTP {code}) and still did after Purser tried again")]
    Throttled { code: u16 },
    #[error("the cluster answered with an error ({code}): {message}")]
    Api { code: u16, message: String },
    #[error("the sandbox could not start: {0}")]
    Sandbox(String),
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
            ClusterError::NotPursers { .. }
                | ClusterError::Autoscaled { .. }
                | ClusterError::NotManaged(_)
                | ClusterError::Conflict(_)
                | ClusterError::NoPreviousRevision(_)
                | ClusterError::AutoscalerGone { .. }
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
            // kube's own sign-in (tokens, certificates; exec plugins are Purser's). Its exec
            // errors would spell out a command and its environment: never shown.
            kube::Error::Auth(auth) => ClusterError::ExecPluginFailed {
                command: "kube".into(),
                detail: match auth {
                    kube::client::AuthError::AuthExecRun { .. } => "it exited with an error".into(),
                    other => other.to_string(),
                },
                expired: false,
                fix: SignIn::Unknown,
            },
            kube::Error::HyperError(e) => ClusterError::Unreachable {
                server: server.into(),
                cut: cut_of(&e.to_string()),
            },
            kube::Error::Service(e) => {
                // A sign-in failure mid-session arrives wrapped by the client's layers; find it
                // before anything is turned into text.
                let mut detail = e.to_string();
                let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e.as_ref());
                while let Some(inner) = current {
                    // The sign-in layer reports in Purser's own terms.
                    if let Some(own) = inner.downcast_ref::<ClusterError>() {
                        return own.clone();
                    }
                    detail = inner.to_string();
                    current = inner.source();
                }
                ClusterError::Unreachable {
                    server: server.into(),
                    cut: cut_of(&detail),
                }
            }
            other => ClusterError::Api {
                code: 0,
                message: other.to_string(),
            },
        }
    }
}

fn cut_of(detail: &str) -> Cut {
    if detail.contains("Connection refused") {
        Cut::Refused
    } else if detail.contains("timed out") || detail.contains("elapsed") {
        Cut::TimedOut
    } else if detail.contains("connection closed")
        || detail.contains("IncompleteMessage")
        || detail.contains("reset")
    {
        Cut::Dropped
    } else {
        tracing::warn!(%detail, "unclassified connection failure");
        Cut::Other
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
