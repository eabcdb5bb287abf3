//! Sign-in through a context's exec plugin (`aws eks get-token`, `gke-gcloud-auth-plugin`,
//! `kubelogin`), run by Purser rather than by kube.
//!
//! kube runs exec plugins with a blocking `Command::output()` and no time limit, and in the
//! plugin's "interactive" modes it hands the plugin the terminal's stderr — a desktop app has
//! no terminal, so the plugin's explanation of a failure is lost. Here the plugin runs under a
//! deadline (killed when it passes), never interactively, with its stderr captured so an
//! expired SSO session can be told apart from a broken plugin. Its token is cached until
//! shortly before it expires, as kube does.
//!
//! The token travels in a [`Secret`]; the plugin's command line and environment never appear
//! in an error (they may hold profile names, paths and, for some plugins, credentials).

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::AUTHORIZATION;
use http::{HeaderValue, Request};
use kube::config::ExecConfig;
use time::OffsetDateTime;
use tower::{BoxError, Layer, Service};

use super::error::{ClusterError, Install, SignIn};
use crate::secrets::Secret;

/// A token this close to its expiry is refreshed before use.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// How long a plugin may run before it is killed, unless the caller chooses otherwise.
pub const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(20);

/// Why signing in through the plugin failed. Holds neither the command line nor its environment.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ExecAuthError {
    #[error("the sign-in helper \"{plugin}\" could not be started: {reason}")]
    Start { plugin: String, reason: String },
    #[error("the sign-in helper \"{plugin}\" failed: {detail}")]
    Failed {
        plugin: String,
        /// The first line the plugin wrote to stderr (at most 300 characters).
        detail: String,
        /// The plugin's words say the session or token expired.
        expired: bool,
        /// How to sign in again, e.g. `aws sso login --profile team`.
        fix: SignIn,
    },
    #[error(
        "the sign-in helper \"{plugin}\" did not finish within {seconds} seconds and was stopped"
    )]
    TimedOut {
        plugin: String,
        seconds: u64,
        fix: SignIn,
    },
    #[error(
        "the sign-in helper \"{plugin}\" answered with something Purser cannot read: {detail}"
    )]
    BadOutput { plugin: String, detail: String },
}

/// A context's exec plugin, ready to run.
#[derive(Clone)]
pub struct ExecPluginCommand {
    /// Absolute path (resolved with the login shell's `PATH`).
    pub command: PathBuf,
    pub args: Vec<String>,
    /// `name → value` from the kubeconfig, `PATH` included.
    pub env: Vec<(String, String)>,
    pub drop_env: Vec<String>,
    pub api_version: String,
    /// Cluster details the plugin asked for (`provideClusterInfo`).
    pub cluster: Option<serde_json::Value>,
    /// The plugin's file name, for messages.
    pub name: String,
    /// How to sign in again when the session expired.
    pub fix: SignIn,
}

/// The environment's values can be tokens or keys (`AWS_SECRET_ACCESS_KEY`): only their names
/// are printed.
impl std::fmt::Debug for ExecPluginCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env: Vec<&str> = self.env.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("ExecPluginCommand")
            .field("command", &self.command)
            .field("args", &self.args.len())
            .field("env", &env)
            .field("drop_env", &self.drop_env)
            .field("api_version", &self.api_version)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ExecPluginCommand {
    /// From kube's view of the kubeconfig entry (command already resolved to a path).
    pub fn from_config(exec: &ExecConfig, name: String, fix: SignIn) -> Option<Self> {
        let command = PathBuf::from(exec.command.clone()?);
        let env = exec
            .env
            .iter()
            .flatten()
            .filter_map(|e: &HashMap<String, String>| {
                Some((e.get("name")?.clone(), e.get("value")?.clone()))
            })
            .collect();
        let cluster = if exec.provide_cluster_info {
            exec.cluster
                .as_ref()
                .and_then(|c| serde_json::to_value(c).ok())
        } else {
            None
        };
        Some(Self {
            command,
            args: exec.args.clone().unwrap_or_default(),
            env,
            drop_env: exec.drop_env.clone().unwrap_or_default(),
            api_version: exec
                .api_version
                .clone()
                .unwrap_or_else(|| "client.authentication.k8s.io/v1beta1".into()),
            cluster,
            name,
            fix,
        })
    }
}

struct CachedToken {
    token: Secret,
    /// `None` = the plugin gave no expiry: the token is kept until the server refuses it.
    expires: Option<OffsetDateTime>,
}

/// Runs the plugin when a token is needed and caches what it returns.
pub struct ExecAuth {
    plugin: ExecPluginCommand,
    timeout: Duration,
    cache: tokio::sync::Mutex<Option<CachedToken>>,
}

impl std::fmt::Debug for ExecAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecAuth")
            .field("plugin", &self.plugin.name)
            .finish_non_exhaustive()
    }
}

impl ExecAuth {
    pub fn new(plugin: ExecPluginCommand, timeout: Duration) -> Self {
        Self {
            plugin,
            timeout,
            cache: tokio::sync::Mutex::new(None),
        }
    }

    /// The `Authorization` header to send now, running the plugin if the cached token is
    /// missing or about to expire.
    pub async fn header(&self) -> Result<HeaderValue, ExecAuthError> {
        let mut cache = self.cache.lock().await;
        let now = OffsetDateTime::now_utc();
        let usable = cache
            .as_ref()
            .is_some_and(|c| c.expires.is_none_or(|at| now + REFRESH_MARGIN < at));
        if !usable {
            *cache = Some(self.run().await?);
        }
        let token = &cache.as_ref().expect("filled above").token;
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                ExecAuthError::BadOutput {
                    plugin: self.plugin.name.clone(),
                    detail: "the token holds characters a header cannot carry".into(),
                }
            })?;
        value.set_sensitive(true);
        Ok(value)
    }

    async fn run(&self) -> Result<CachedToken, ExecAuthError> {
        let plugin = &self.plugin;
        let mut command = tokio::process::Command::new(&plugin.command);
        command
            .args(&plugin.args)
            .envs(plugin.env.iter().map(|(k, v)| (k, v)))
            .env("KUBERNETES_EXEC_INFO", self.exec_info())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        for name in &plugin.drop_env {
            command.env_remove(name);
        }
        // Its own process group, so a plugin that is a script can be stopped with its children.
        #[cfg(unix)]
        command.process_group(0);
        let child = command.spawn().map_err(|e| ExecAuthError::Start {
            plugin: plugin.name.clone(),
            reason: e.kind().to_string(),
        })?;
        let group = child.id();
        // Dropping the `wait_with_output` future on timeout drops the child, which kills it;
        // its process group goes too.
        let output = match tokio::time::timeout(self.timeout, child.wait_with_output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => {
                return Err(ExecAuthError::Start {
                    plugin: plugin.name.clone(),
                    reason: e.kind().to_string(),
                })
            }
            Err(_) => {
                kill_group(group);
                return Err(ExecAuthError::TimedOut {
                    plugin: plugin.name.clone(),
                    seconds: self.timeout.as_secs(),
                    fix: plugin.fix.clone(),
                });
            }
        };
        if !output.status.success() {
            return Err(failure(plugin, &output.stderr));
        }
        parse_credential(plugin, &output.stdout)
    }

    fn exec_info(&self) -> String {
        let mut spec = serde_json::json!({ "interactive": false });
        if let Some(cluster) = &self.plugin.cluster {
            spec["cluster"] = cluster.clone();
        }
        serde_json::json!({
            "apiVersion": self.plugin.api_version,
            "kind": "ExecCredential",
            "spec": spec,
        })
        .to_string()
    }
}

/// Stops every process of a plugin's group (a shell script's children included).
fn kill_group(pid: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) with a negative pid signals the process group the plugin leads
        // (created with `process_group(0)` above); no memory is shared with the call.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// Words plugins use when the user must sign in again.
const EXPIRED_WORDS: [&str; 7] = [
    "expired",
    "sso session",
    "token has expired",
    "refresh failed",
    "reauthenticate",
    "aws sso login",
    "login again",
];

fn failure(plugin: &ExecPluginCommand, stderr: &[u8]) -> ExecAuthError {
    let text = String::from_utf8_lossy(stderr);
    let lower = text.to_lowercase();
    let expired = EXPIRED_WORDS.iter().any(|w| lower.contains(w));
    let detail = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("it exited with an error")
        .chars()
        .take(300)
        .collect();
    ExecAuthError::Failed {
        plugin: plugin.name.clone(),
        detail,
        expired,
        fix: plugin.fix.clone(),
    }
}

#[derive(serde::Deserialize)]
struct Credential {
    status: Option<CredentialStatus>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialStatus {
    token: Option<String>,
    expiration_timestamp: Option<String>,
}

fn parse_credential(
    plugin: &ExecPluginCommand,
    stdout: &[u8],
) -> Result<CachedToken, ExecAuthError> {
    let bad = |detail: &str| ExecAuthError::BadOutput {
        plugin: plugin.name.clone(),
        detail: detail.to_string(),
    };
    let credential: Credential =
        serde_json::from_slice(stdout).map_err(|_| bad("not an ExecCredential in JSON"))?;
    let status = credential
        .status
        .ok_or_else(|| bad("the ExecCredential has no status"))?;
    let token = status.token.filter(|t| !t.is_empty()).ok_or_else(|| {
        bad("no token (client certificates from a sign-in helper are not supported)")
    })?;
    let expires = match status.expiration_timestamp {
        None => None,
        Some(text) => Some(
            OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
                .map_err(|_| bad("its expiry time is not a date"))?,
        ),
    };
    Ok(CachedToken {
        token: Secret::new(token),
        expires,
    })
}

impl From<ExecAuthError> for ClusterError {
    fn from(error: ExecAuthError) -> Self {
        match error {
            ExecAuthError::Start { plugin, .. } => ClusterError::ExecPluginMissing {
                install: Install::Tool(plugin.clone()),
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
                fix: SignIn::Unknown,
            },
        }
    }
}

/// Adds the plugin's token to every request. The token is fetched while the service is
/// polled for readiness, so the (non-`Clone`) stack below needs no extra buffering; a failure
/// is kept and returned by the next call, never from `poll_ready` (kube's buffer would treat
/// that as a dead service and refuse every later request).
#[derive(Clone)]
pub struct ExecAuthLayer(pub Arc<ExecAuth>);

impl<S> Layer<S> for ExecAuthLayer {
    type Service = ExecAuthService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ExecAuthService {
            inner,
            auth: self.0.clone(),
            pending: None,
            ready: None,
        }
    }
}

type HeaderFuture = Pin<Box<dyn Future<Output = Result<HeaderValue, ExecAuthError>> + Send>>;

pub struct ExecAuthService<S> {
    inner: S,
    auth: Arc<ExecAuth>,
    pending: Option<HeaderFuture>,
    ready: Option<Result<HeaderValue, ExecAuthError>>,
}

impl<S, B> Service<Request<B>> for ExecAuthService<S>
where
    S: Service<Request<B>>,
    S::Response: Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        if self.ready.is_none() {
            let auth = self.auth.clone();
            let pending = self
                .pending
                .get_or_insert_with(|| Box::pin(async move { auth.header().await }));
            match pending.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => {
                    self.pending = None;
                    self.ready = Some(result);
                }
            }
        }
        match &self.ready {
            Some(Ok(_)) => self.inner.poll_ready(cx).map_err(Into::into),
            _ => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        match self.ready.take() {
            Some(Ok(header)) => {
                request.headers_mut().insert(AUTHORIZATION, header);
                let call = self.inner.call(request);
                Box::pin(async move { call.await.map_err(Into::into) })
            }
            Some(Err(error)) => Box::pin(std::future::ready(Err(
                Box::new(ClusterError::from(error)) as BoxError,
            ))),
            None => Box::pin(std::future::ready(Err(
                "the sign-in layer was called before it was ready".into(),
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin() -> ExecPluginCommand {
        ExecPluginCommand {
            command: PathBuf::from("/bin/false"),
            args: vec![],
            env: vec![],
            drop_env: vec![],
            api_version: "client.authentication.k8s.io/v1beta1".into(),
            cluster: None,
            name: "aws".into(),
            fix: SignIn::Aws {
                profile: Some("team".into()),
            },
        }
    }

    #[test]
    fn a_plugin_prints_the_names_of_its_environment_never_the_values() {
        let mut command = plugin();
        command.env = vec![(
            "AWS_SECRET_ACCESS_KEY".into(),
            "fake-key-EXECENVCANARY".into(),
        )];
        command.args = vec!["--token=fake-key-EXECARGCANARY".into()];
        let shown = format!("{command:?}");
        assert!(shown.contains("AWS_SECRET_ACCESS_KEY"), "{shown}");
        assert!(!shown.contains("CANARY"), "{shown}");
    }

    #[test]
    fn an_expired_sso_session_is_recognised_from_stderr() {
        let error = failure(
            &plugin(),
            b"\nError when retrieving token from sso: Token has expired and refresh failed\n",
        );
        let ExecAuthError::Failed {
            detail, expired, ..
        } = error
        else {
            panic!("expected a failure")
        };
        assert!(expired);
        assert!(detail.starts_with("Error when retrieving token"));
    }

    #[test]
    fn credentials_are_parsed_and_certificates_refused() {
        let good = br#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"abc","expirationTimestamp":"2030-01-01T00:00:00Z"}}"#;
        let token = parse_credential(&plugin(), good).unwrap();
        assert_eq!(token.token.expose(), "abc");
        assert!(token.expires.is_some());
        let certs = br#"{"status":{"clientCertificateData":"x","clientKeyData":"y"}}"#;
        assert!(parse_credential(&plugin(), certs)
            .err()
            .is_some_and(|e| e.to_string().contains("not supported")));
        assert!(parse_credential(&plugin(), b"not json").is_err());
    }
}
