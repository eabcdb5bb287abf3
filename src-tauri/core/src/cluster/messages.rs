//! Cluster errors as the window shows them: a code, the values it names, and what to do.

use super::error::{ClusterError, Install, SignIn};
use crate::error::AppError;

/// The hint for signing in again through a plugin.
fn sign_in(error: AppError, fix: &SignIn) -> AppError {
    let mut error = error;
    let (hint, extra) = match fix {
        SignIn::Aws {
            profile: Some(profile),
        } => ("signin_aws_profile", Some(("profile", profile.clone()))),
        SignIn::Aws { profile: None } => ("signin_aws", None),
        SignIn::Gcloud => ("signin_gcloud", None),
        SignIn::Tool(tool) => ("signin_tool", Some(("tool", tool.clone()))),
        SignIn::Unknown => ("signin_unknown", None),
    };
    error.hint_code = hint.into();
    match extra {
        Some((name, value)) => error.with(name, value),
        None => error,
    }
}

/// The hint for installing a missing plugin.
fn install(error: AppError, how: &Install) -> AppError {
    let mut error = error;
    let (hint, extra) = match how {
        Install::AwsCli => ("install_aws_cli", None),
        Install::AwsIamAuthenticator => ("install_aws_iam_authenticator", None),
        Install::GkeAuthPlugin => ("install_gke_auth_plugin", None),
        Install::Kubelogin => ("install_kubelogin", None),
        Install::Kubeconfig(text) => ("install_from_kubeconfig", Some(("text", text.clone()))),
        Install::Tool(tool) => ("install_tool", Some(("tool", tool.clone()))),
    };
    error.hint_code = hint.into();
    match extra {
        Some((name, value)) => error.with(name, value),
        None => error,
    }
}

impl From<ClusterError> for AppError {
    // Long: a table, one arm per error, each naming its code and values.
    fn from(error: ClusterError) -> Self {
        let message = error.to_string();
        let new = |code: &str| AppError::new(code, &message);
        match error {
            ClusterError::NoKubeconfig { looked_at } => {
                new("kube_no_kubeconfig").with("lookedAt", looked_at)
            }
            ClusterError::KubeconfigUnreadable { path, detail } => {
                new("kube_kubeconfig_unreadable")
                    .with("path", path)
                    .with("detail", detail)
            }
            ClusterError::UnknownContext(context) => {
                new("kube_unknown_context").with("context", context)
            }
            ClusterError::BadContext { context, detail } => new("kube_bad_context")
                .with("context", context)
                .with("detail", detail),
            ClusterError::ExecPluginMissing {
                command,
                install: how,
            } => install(
                new("kube_exec_plugin_missing").with("command", command),
                &how,
            ),
            ClusterError::ExecPluginFailed {
                command,
                detail,
                expired,
                fix,
            } => {
                let code = if expired {
                    "kube_session_expired"
                } else {
                    "kube_exec_plugin_failed"
                };
                sign_in(
                    new(code).with("command", command).with("detail", detail),
                    &fix,
                )
            }
            ClusterError::ExecPluginTimedOut {
                command,
                seconds,
                fix,
            } => sign_in(
                new("kube_exec_plugin_timeout")
                    .with("command", command)
                    .with("seconds", seconds),
                &fix,
            ),
            ClusterError::NotConnected { context } => {
                new("kube_not_connected").with("context", context)
            }
            ClusterError::TooSlow { seconds } => new("kube_too_slow").with("seconds", seconds),
            ClusterError::NotManaged(objects) => {
                new("kube_not_managed").with("objects", objects.join(", "))
            }
            ClusterError::Unreachable { server, cut } => new("kube_unreachable")
                .with("server", server)
                .with("cut", cut.code()),
            ClusterError::Unauthorized => new("kube_unauthorized"),
            ClusterError::Forbidden {
                verb,
                resource,
                namespace,
            } => new("kube_forbidden")
                .with("verb", verb)
                .with("resource", resource)
                .with("namespace", namespace),
            ClusterError::AppMissing { app, namespace } => new("kube_app_missing")
                .with("app", app)
                .with("namespace", namespace),
            ClusterError::AutoscalerGone { app } => new("kube_autoscaler_gone").with("app", app),
            ClusterError::NotFound(detail) => new("kube_not_found").with("detail", detail),
            ClusterError::InvalidSpec(problems) => new("kube_invalid_form")
                .with("count", problems.len())
                .with_fields(problems),
            ClusterError::NoOpenAiKey => new("kube_no_openai_key"),
            ClusterError::Conflict(conflicts) => new("kube_conflict").with(
                "fields",
                conflicts
                    .iter()
                    .map(|c| format!("{} ({})", c.field, c.manager))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ClusterError::Autoscaled { hpa, min, max } => new("kube_autoscaled")
                .with("hpa", hpa)
                .with("min", min)
                .with("max", max),
            ClusterError::NotPursers { app, namespace } => new("kube_not_pursers")
                .with("app", app)
                .with("namespace", namespace),
            ClusterError::NoPreviousRevision(app) => {
                new("kube_no_previous_revision").with("app", app)
            }
            ClusterError::Throttled { code } => new("kube_throttled").with("status", code),
            ClusterError::Api { code, message } => new("kube_api_error")
                .with("status", code)
                .with("detail", message),
            ClusterError::Sandbox(detail) => new("kube_sandbox_failed").with("detail", detail),
            ClusterError::Audit(detail) => new("kube_audit_unwritable").with("detail", detail),
        }
    }
}

/// One of each error (and each hint), for the test that every code has words in both
/// languages. Long: a list, one entry per case.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    use super::error::Cut;
    use crate::error::FieldProblem;
    let s = || "x".to_string();
    let mut errors = vec![
        ClusterError::NoKubeconfig { looked_at: s() },
        ClusterError::KubeconfigUnreadable {
            path: s(),
            detail: s(),
        },
        ClusterError::UnknownContext(s()),
        ClusterError::BadContext {
            context: s(),
            detail: s(),
        },
        ClusterError::NotConnected { context: s() },
        ClusterError::TooSlow { seconds: 30 },
        ClusterError::NotManaged(vec![s()]),
        ClusterError::Unauthorized,
        ClusterError::Forbidden {
            verb: s(),
            resource: s(),
            namespace: s(),
        },
        ClusterError::AppMissing {
            app: s(),
            namespace: s(),
        },
        ClusterError::AutoscalerGone { app: s() },
        ClusterError::NotFound(s()),
        ClusterError::InvalidSpec(vec![FieldProblem::new("name", "name_empty")]),
        ClusterError::NoOpenAiKey,
        ClusterError::Conflict(vec![super::FieldConflict {
            manager: s(),
            field: s(),
        }]),
        ClusterError::Autoscaled {
            hpa: s(),
            min: 1,
            max: 3,
        },
        ClusterError::NotPursers {
            app: s(),
            namespace: s(),
        },
        ClusterError::NoPreviousRevision(s()),
        ClusterError::Throttled { code: 429 },
        ClusterError::Api {
            code: 500,
            message: s(),
        },
        ClusterError::Sandbox(s()),
        ClusterError::Audit(s()),
    ];
    for cut in [Cut::Refused, Cut::TimedOut, Cut::Dropped, Cut::Other] {
        errors.push(ClusterError::Unreachable { server: s(), cut });
    }
    for how in [
        Install::AwsCli,
        Install::AwsIamAuthenticator,
        Install::GkeAuthPlugin,
        Install::Kubelogin,
        Install::Kubeconfig(s()),
        Install::Tool(s()),
    ] {
        errors.push(ClusterError::ExecPluginMissing {
            command: s(),
            install: how,
        });
    }
    for fix in [
        SignIn::Aws { profile: Some(s()) },
        SignIn::Aws { profile: None },
        SignIn::Gcloud,
        SignIn::Tool(s()),
        SignIn::Unknown,
    ] {
        for expired in [true, false] {
            errors.push(ClusterError::ExecPluginFailed {
                command: s(),
                detail: s(),
                expired,
                fix: fix.clone(),
            });
        }
        errors.push(ClusterError::ExecPluginTimedOut {
            command: s(),
            seconds: 20,
            fix,
        });
    }
    for error in &errors {
        // Every variant is listed: adding one without an example fails to compile here.
        match error {
            ClusterError::NoKubeconfig { .. }
            | ClusterError::KubeconfigUnreadable { .. }
            | ClusterError::UnknownContext(_)
            | ClusterError::BadContext { .. }
            | ClusterError::ExecPluginMissing { .. }
            | ClusterError::ExecPluginFailed { .. }
            | ClusterError::ExecPluginTimedOut { .. }
            | ClusterError::NotConnected { .. }
            | ClusterError::TooSlow { .. }
            | ClusterError::NotManaged(_)
            | ClusterError::Unreachable { .. }
            | ClusterError::Unauthorized
            | ClusterError::Forbidden { .. }
            | ClusterError::AppMissing { .. }
            | ClusterError::AutoscalerGone { .. }
            | ClusterError::NotFound(_)
            | ClusterError::InvalidSpec(_)
            | ClusterError::NoOpenAiKey
            | ClusterError::Conflict(_)
            | ClusterError::Autoscaled { .. }
            | ClusterError::NotPursers { .. }
            | ClusterError::NoPreviousRevision(_)
            | ClusterError::Throttled { .. }
            | ClusterError::Api { .. }
            | ClusterError::Sandbox(_)
            | ClusterError::Audit(_) => {}
        }
    }
    errors.into_iter().map(AppError::from).collect()
}
