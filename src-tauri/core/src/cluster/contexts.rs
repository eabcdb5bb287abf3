//! Kubeconfig, read the way kubectl reads it, and clients built from it.

use kube::config::Kubeconfig;
use serde::Serialize;
use std::path::PathBuf;

use super::error::ClusterError;
use super::KubeconfigSource;
use crate::error::AppError;

/// The built-in simulated cluster.
pub const SANDBOX_CONTEXT: &str = "purser-sandbox";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextInfo {
    pub name: String,
    pub cluster: String,
    pub server: String,
    /// The namespace the context names, if any.
    pub namespace: Option<String>,
    /// kubeconfig's `current-context`.
    pub current: bool,
    /// The built-in simulation, not a real cluster.
    pub sandbox: bool,
    /// How it signs in.
    pub auth: SignsInWith,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextList {
    pub contexts: Vec<ContextInfo>,
    /// Which files were read.
    pub files: Vec<String>,
    /// Why the user's kubeconfig could not be used, if it could not (the sandbox still is).
    pub problem: Option<AppError>,
}

/// The files kubectl would read, in order: `KUBECONFIG`'s existing entries, else the default.
pub fn files(source: &KubeconfigSource) -> Vec<PathBuf> {
    match source {
        KubeconfigSource::Files(files) => files.clone(),
        KubeconfigSource::Environment => {
            match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
                Some(list) => std::env::split_paths(&list)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect(),
                None => std::env::home_dir()
                    .map(|h| h.join(".kube").join("config"))
                    .into_iter()
                    .collect(),
            }
        }
    }
}

/// Why a kubeconfig could not be read: where, and what kind of problem — never the YAML
/// parser's own text, which quotes the lines around the error (a kubeconfig's lines are
/// `token:`, `client-key-data:`, `password:`), and which would reach the window, the log and,
/// through the guard, the audit log.
pub(crate) fn parse_problem(error: &kube::config::KubeconfigError) -> String {
    use kube::config::KubeconfigError;
    match error {
        KubeconfigError::Parse(yaml) => {
            let kind = match **yaml {
                serde_saphyr::Error::Eof { .. } => "the file ends in the middle of a value",
                serde_saphyr::Error::Message { .. } => "a value has the wrong type or shape",
                _ => "this is not valid YAML",
            };
            match yaml.location().filter(|l| l.line() > 0) {
                Some(at) => format!("line {}, column {}: {kind}", at.line(), at.column()),
                None => kind.to_string(),
            }
        }
        KubeconfigError::ReadConfig(io, _) => format!("it cannot be read ({})", io.kind()),
        // The rest name contexts and kinds, never the file's contents.
        other => other.to_string(),
    }
}

/// The merged kubeconfig. Missing files are skipped, as kubectl does; a file that exists
/// but does not parse is an error naming it.
pub fn load(source: &KubeconfigSource) -> Result<Kubeconfig, ClusterError> {
    let paths = files(source);
    let mut merged: Option<Kubeconfig> = None;
    for path in paths.iter().filter(|p| p.exists()) {
        let config =
            Kubeconfig::read_from(path).map_err(|e| ClusterError::KubeconfigUnreadable {
                path: path.display().to_string(),
                detail: parse_problem(&e),
            })?;
        merged = Some(match merged {
            None => config,
            Some(m) => m
                .merge(config)
                .map_err(|e| ClusterError::KubeconfigUnreadable {
                    path: path.display().to_string(),
                    detail: parse_problem(&e),
                })?,
        });
    }
    merged.ok_or_else(|| ClusterError::NoKubeconfig {
        looked_at: paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// How a context's cluster is reached without the protection a secret needs, if it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Insecure {
    /// `http://`: anyone on the way reads what is sent, a Secret's value included.
    PlainHttp,
    /// `insecure-skip-tls-verify`: anyone on the way can pose as the cluster.
    SkipVerify,
}

/// Whether `context` reaches its cluster insecurely.
pub fn insecure_of(config: &Kubeconfig, context: &str) -> Option<Insecure> {
    let cluster_name = config
        .contexts
        .iter()
        .find(|c| c.name == context)?
        .context
        .as_ref()?
        .cluster
        .clone();
    let cluster = config
        .clusters
        .iter()
        .find(|c| c.name == cluster_name)?
        .cluster
        .as_ref()?;
    if cluster
        .server
        .as_deref()
        .is_some_and(|s| s.trim().to_ascii_lowercase().starts_with("http://"))
    {
        Some(Insecure::PlainHttp)
    } else if cluster.insecure_skip_tls_verify == Some(true) {
        Some(Insecure::SkipVerify)
    } else {
        None
    }
}

pub fn server_of(config: &Kubeconfig, context: &str) -> Option<String> {
    let cluster = config
        .contexts
        .iter()
        .find(|c| c.name == context)?
        .context
        .as_ref()?
        .cluster
        .clone();
    Some(
        config
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .and_then(|c| c.cluster.as_ref())
            .and_then(|c| c.server.clone())
            .unwrap_or_default(),
    )
}

/// How a context signs in, as the window names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SignsInWith {
    /// A sign-in helper (`aws`, `gke-gcloud-auth-plugin`, …), by its file name.
    Helper {
        plugin: String,
    },
    Token,
    Certificate,
    Provider,
    Nothing,
    /// The sandbox: nothing to sign in to.
    BuiltIn,
}

impl SignsInWith {
    /// One of each, for the window's words.
    pub fn examples() -> Vec<SignsInWith> {
        vec![
            SignsInWith::Helper {
                plugin: "aws".into(),
            },
            SignsInWith::Token,
            SignsInWith::Certificate,
            SignsInWith::Provider,
            SignsInWith::Nothing,
            SignsInWith::BuiltIn,
        ]
    }
}

fn auth_of(config: &Kubeconfig, user: Option<&str>) -> SignsInWith {
    let info = config
        .auth_infos
        .iter()
        .find(|a| Some(a.name.as_str()) == user)
        .and_then(|a| a.auth_info.as_ref());
    match info {
        Some(i) if i.exec.is_some() => {
            let command = i
                .exec
                .as_ref()
                .and_then(|e| e.command.clone())
                .unwrap_or_default();
            let plugin = std::path::Path::new(&command)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(&command)
                .to_string();
            SignsInWith::Helper { plugin }
        }
        Some(i) if i.token.is_some() || i.token_file.is_some() => SignsInWith::Token,
        Some(i) if i.client_certificate.is_some() || i.client_certificate_data.is_some() => {
            SignsInWith::Certificate
        }
        Some(i) if i.auth_provider.is_some() => SignsInWith::Provider,
        _ => SignsInWith::Nothing,
    }
}

/// Every context, the sandbox last.
pub fn list(source: &KubeconfigSource) -> ContextList {
    let paths = files(source);
    let (config, problem) = match load(source) {
        Ok(config) => (Some(config), None),
        Err(error) => (None, Some(AppError::from(error))),
    };
    let mut contexts: Vec<ContextInfo> = config
        .iter()
        .flat_map(|config| {
            config
                .contexts
                .iter()
                .filter(|c| c.name != SANDBOX_CONTEXT)
                .map(move |c| {
                    let ctx = c.context.as_ref();
                    ContextInfo {
                        name: c.name.clone(),
                        cluster: ctx.map(|x| x.cluster.clone()).unwrap_or_default(),
                        server: server_of(config, &c.name).unwrap_or_default(),
                        namespace: ctx.and_then(|x| x.namespace.clone()),
                        current: config.current_context.as_deref() == Some(c.name.as_str()),
                        sandbox: false,
                        auth: auth_of(config, ctx.and_then(|x| x.user.as_deref())),
                    }
                })
        })
        .collect();
    contexts.push(ContextInfo {
        name: SANDBOX_CONTEXT.into(),
        cluster: SANDBOX_CONTEXT.into(),
        // It runs inside Purser on this computer; the window says so in the user's words.
        server: String::new(),
        namespace: Some("default".into()),
        current: false,
        sandbox: true,
        auth: SignsInWith::BuiltIn,
    });
    ContextList {
        contexts,
        files: paths.iter().map(|p| p.display().to_string()).collect(),
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_over_plain_http_or_without_certificate_checks_is_insecure() {
        let config = Kubeconfig::from_yaml(
            "apiVersion: v1\nkind: Config\nclusters:\n\
             - {name: plain, cluster: {server: 'HTTP://10.0.0.5:8080'}}\n\
             - {name: unchecked, cluster: {server: 'https://10.0.0.6', insecure-skip-tls-verify: true}}\n\
             - {name: checked, cluster: {server: 'https://10.0.0.7'}}\n\
             users:\n- {name: u, user: {token: x}}\n\
             contexts:\n\
             - {name: plain, context: {cluster: plain, user: u}}\n\
             - {name: unchecked, context: {cluster: unchecked, user: u}}\n\
             - {name: checked, context: {cluster: checked, user: u}}\n",
        )
        .unwrap();
        assert_eq!(insecure_of(&config, "plain"), Some(Insecure::PlainHttp));
        assert_eq!(
            insecure_of(&config, "unchecked"),
            Some(Insecure::SkipVerify)
        );
        assert_eq!(insecure_of(&config, "checked"), None);
        assert_eq!(insecure_of(&config, "missing"), None);
    }
}
