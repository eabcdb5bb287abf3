//! Deploying and scaling the app on a Kubernetes context: kubeconfig contexts (plus the
//! built-in `purser-sandbox`), one cached client per context, a permission pre-check, the
//! app form turned into manifests, server-side apply with a dry-run diff, live rollout
//! status, scale (or the autoscaler's range), restart, rollback and uninstall. Every change is
//! written to the audit log. Plain Rust: the Tauri commands only adapt this.

pub mod contexts;
mod diff;
pub mod error;
pub mod exec;
pub mod manifests;
pub mod ops;
pub mod rollout;
pub mod spec;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::audit::AuditLog;
use crate::kubesim::KubeSim;

pub use contexts::{ContextInfo, ContextList, SANDBOX_CONTEXT};
pub use error::{ClusterError, FieldConflict};
pub use ops::{AppSummary, Change, DiffLine, Permission, Preview, ScaleOutcome, UninstallReport};
pub use rollout::{Phase, Problem, RolloutStatus};
pub use spec::{AppSpec, FieldProblem};

/// Where Purser acts: a context and a namespace in it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize)]
pub struct Target {
    pub context: String,
    pub namespace: String,
}

/// Where kubeconfig comes from: as kubectl finds it, or given files (tests).
#[derive(Debug, Clone)]
pub enum KubeconfigSource {
    /// `KUBECONFIG` (a list of files, merged; missing ones skipped), else `~/.kube/config`.
    Environment,
    Files(Vec<PathBuf>),
}

/// A connected context.
#[derive(Clone)]
struct Connection {
    client: kube::Client,
    server: String,
    /// The context's exec plugin, if it signs in with one.
    plugin: Option<exec::ExecPlugin>,
    sandbox: bool,
}

/// What the commands use. Cheap to share behind `Arc`.
pub struct ClusterService {
    source: KubeconfigSource,
    shell_path: tokio::sync::OnceCell<Option<String>>,
    connections: Mutex<HashMap<String, Connection>>,
    sandbox: tokio::sync::Mutex<Option<Arc<KubeSim>>>,
    audit: AuditLog,
    watcher: Mutex<Option<tokio::task::AbortHandle>>,
}

impl std::fmt::Debug for ClusterService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterService")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Names the plugin and the way to sign in again in a plugin failure.
fn with_plugin(error: ClusterError, plugin: Option<&exec::ExecPlugin>) -> ClusterError {
    match (error, plugin) {
        (
            ClusterError::ExecPluginFailed {
                detail, expired, ..
            },
            Some(plugin),
        ) => ClusterError::ExecPluginFailed {
            command: plugin.name.clone(),
            detail,
            expired,
            fix: plugin.fix.clone(),
        },
        (other, _) => other,
    }
}

impl ClusterService {
    pub fn new(source: KubeconfigSource, data_dir: &std::path::Path) -> Self {
        // kube's TLS needs a process-wide rustls provider; the AWS SDK brings a second one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            source,
            shell_path: tokio::sync::OnceCell::new(),
            connections: Mutex::new(HashMap::new()),
            sandbox: tokio::sync::Mutex::new(None),
            audit: AuditLog::new(data_dir),
            watcher: Mutex::new(None),
        }
    }

    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// The sandbox server, started on first use.
    pub async fn sandbox(&self) -> Result<Arc<KubeSim>, ClusterError> {
        let mut slot = self.sandbox.lock().await;
        if let Some(sim) = slot.as_ref() {
            return Ok(sim.clone());
        }
        let sim = Arc::new(
            KubeSim::start(crate::kubesim::SimConfig::default())
                .await
                .map_err(|e| ClusterError::Sandbox(e.to_string()))?,
        );
        tracing::info!(url = %sim.url(), "sandbox cluster started");
        *slot = Some(sim.clone());
        Ok(sim)
    }

    /// The contexts of the user's kubeconfig, and the sandbox.
    pub fn contexts(&self) -> ContextList {
        contexts::list(&self.source)
    }

    async fn connection(&self, context: &str) -> Result<Connection, ClusterError> {
        if let Some(found) = lock(&self.connections).get(context) {
            return Ok(found.clone());
        }
        let connection = if context == SANDBOX_CONTEXT {
            let sim = self.sandbox().await?;
            let kubeconfig =
                kube::config::Kubeconfig::from_yaml(&sim.kubeconfig(SANDBOX_CONTEXT, "default"))
                    .map_err(|e| ClusterError::Sandbox(e.to_string()))?;
            let client = contexts::client(kubeconfig, context).await?;
            Connection {
                client,
                server: sim.url(),
                plugin: None,
                sandbox: true,
            }
        } else {
            let mut kubeconfig = contexts::load(&self.source)?;
            let server = contexts::server_of(&kubeconfig, context)
                .ok_or_else(|| ClusterError::UnknownContext(context.to_string()))?;
            // Asking the login shell takes a moment: only when a plugin must be looked up.
            let shell_path = if exec::needs_lookup(&kubeconfig, context) {
                self.shell_path
                    .get_or_init(exec::login_shell_path)
                    .await
                    .clone()
            } else {
                None
            };
            let plugin = exec::resolve(&mut kubeconfig, context, shell_path.as_deref())?;
            let client = contexts::client(kubeconfig, context)
                .await
                .map_err(|error| with_plugin(error, plugin.as_ref()))?;
            Connection {
                client,
                server,
                plugin,
                sandbox: false,
            }
        };
        lock(&self.connections).insert(context.to_string(), connection.clone());
        Ok(connection)
    }

    /// Forgets cached clients (after the kubeconfig changed, or to retry from scratch).
    pub fn reset_connections(&self) {
        lock(&self.connections).clear();
    }

    fn classify<'a>(
        connection: &'a Connection,
        namespace: &str,
    ) -> impl Fn(kube::Error) -> ClusterError + 'a {
        let namespace = namespace.to_string();
        move |error| {
            with_plugin(
                ClusterError::from_kube(error, &connection.server, &namespace),
                connection.plugin.as_ref(),
            )
        }
    }

    /// Stops the live rollout watch, if one runs.
    pub fn stop_watch(&self) {
        if let Some(handle) = lock(&self.watcher).take() {
            handle.abort();
        }
    }

    /// Watches an app's rollout and calls `emit` with every change, replacing any earlier
    /// watch. Must be called inside a tokio runtime.
    pub async fn watch_rollout(
        &self,
        target: &Target,
        app: &str,
        emit: impl FnMut(RolloutStatus) -> bool + Send + 'static,
    ) -> Result<(), ClusterError> {
        let connection = self.connection(&target.context).await?;
        let namespace = target.namespace.clone();
        let app = app.to_string();
        let task =
            tokio::spawn(
                async move { rollout::watch(connection.client, &namespace, &app, emit).await },
            );
        if let Some(previous) = lock(&self.watcher).replace(task.abort_handle()) {
            previous.abort();
        }
        Ok(())
    }
}
