//! Deploying and scaling the app on a Kubernetes context: kubeconfig contexts (plus the
//! built-in `purser-sandbox`), one cached client per context, a permission pre-check, the
//! app form turned into manifests, server-side apply with a dry-run diff, live rollout
//! status, scale (or the autoscaler's range), restart, rollback and uninstall. Every change is
//! written to the audit log. Plain Rust: the Tauri commands only adapt this.

pub mod activity;
pub mod apply;
pub mod client;
pub mod connect;
pub mod contexts;
pub mod copies;
pub mod day2;
mod diff;
pub mod error;
pub mod exec;
pub mod exec_auth;
pub mod manifests;
pub mod messages;
pub mod names;
pub mod rollout;
mod scrub;
pub mod spec;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::audit::AuditLog;
use crate::sync::lock;
use purser_kubesim::KubeSim;

pub use apply::{Change, Preview, SANDBOX_PLACEHOLDER_KEY};
pub use client::Timeouts;
pub use connect::{AppSummary, Autoscaler, ConnectionInfo, Permission};
pub use contexts::{ContextInfo, ContextList, Insecure, SANDBOX_CONTEXT};
pub use copies::{CopyCount, MAX_COPIES};
pub use day2::{ScaleOutcome, UninstallReport};
pub use diff::DiffLine;
pub use error::{ClusterError, Cut, FieldConflict, Install, SignIn};
pub use names::AppName;
pub use rollout::{Phase, Problem, RolloutStatus};
pub use spec::{AppSpec, FieldProblem};

/// Where Purser acts: a context and a namespace in it. Read from the window only when both
/// are names Kubernetes allows (the namespace goes into URL paths).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(try_from = "RawTarget")]
pub struct Target {
    pub context: String,
    pub namespace: String,
}

#[derive(serde::Deserialize)]
struct RawTarget {
    context: String,
    namespace: String,
}

impl TryFrom<RawTarget> for Target {
    type Error = String;

    fn try_from(raw: RawTarget) -> Result<Self, String> {
        if !names::is_context(&raw.context) {
            return Err("the context name is empty, too long or holds control characters".into());
        }
        if !names::is_label(&raw.namespace) {
            return Err(format!(
                "the namespace {:?} is not a Kubernetes name",
                raw.namespace.chars().take(70).collect::<String>()
            ));
        }
        Ok(Self {
            context: raw.context,
            namespace: raw.namespace,
        })
    }
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
pub(crate) struct Connection {
    clients: client::Clients,
    pub(crate) server: String,
    /// The context's exec plugin, if it signs in with one.
    plugin: Option<exec::ExecPlugin>,
    sandbox: bool,
    /// Reached over plain http or without checking the server's certificate.
    insecure: Option<contexts::Insecure>,
}

impl Connection {
    /// The client for actions (reads and changes bounded by a read timeout).
    pub(crate) fn client(&self) -> kube::Client {
        self.clients.actions.clone()
    }
}

/// What the commands use. Cheap to share behind `Arc`.
pub struct ClusterService {
    source: KubeconfigSource,
    pub(crate) timeouts: Timeouts,
    shell_path: tokio::sync::OnceCell<Option<String>>,
    connections: Mutex<HashMap<String, Connection>>,
    /// The context the user connected to last, successfully. Every action names its context
    /// and is refused unless it is this one, so a screen that still shows an older cluster
    /// cannot act on it.
    active: Mutex<Option<String>>,
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
        Self::with_timeouts(source, data_dir, Timeouts::default())
    }

    /// [`Self::new`] with other limits (tests shorten them).
    pub fn with_timeouts(
        source: KubeconfigSource,
        data_dir: &std::path::Path,
        timeouts: Timeouts,
    ) -> Self {
        crate::tls::use_ring();
        Self {
            source,
            timeouts,
            shell_path: tokio::sync::OnceCell::new(),
            connections: Mutex::new(HashMap::new()),
            active: Mutex::new(None),
            sandbox: tokio::sync::Mutex::new(None),
            audit: AuditLog::new(data_dir),
            watcher: Mutex::new(None),
        }
    }

    /// The same, its audit lines written to `audit` (e.g. one mirrored to standard output).
    pub fn with_audit(mut self, audit: AuditLog) -> Self {
        self.audit = audit;
        self
    }

    /// The same, its audit lines timed by `clock`.
    pub fn with_clock(mut self, clock: std::sync::Arc<dyn crate::clock::Clock>) -> Self {
        self.audit.set_clock(clock);
        self
    }

    /// The context actions may reach now, if any.
    pub fn connected_context(&self) -> Option<String> {
        lock(&self.active).clone()
    }

    /// Forgets the connection: no action reaches any cluster until the next successful
    /// connect, the live status stops, and cached clients are dropped (a changed kubeconfig
    /// is read again).
    pub fn disconnect(&self) {
        *lock(&self.active) = None;
        self.stop_watch();
        lock(&self.connections).clear();
    }

    /// The connection for `target`, refused unless its context is the connected one.
    pub(crate) async fn connected(&self, target: &Target) -> Result<Connection, ClusterError> {
        if lock(&self.active).as_deref() != Some(target.context.as_str()) {
            return Err(ClusterError::NotConnected {
                context: target.context.clone(),
            });
        }
        self.connection(&target.context).await
    }

    /// How the connected `target` is reached insecurely, if it is (a secret must not go there
    /// unless the user says so, knowing the risk).
    pub async fn insecure(&self, target: &Target) -> Result<Option<Insecure>, ClusterError> {
        Ok(self.connected(target).await?.insecure)
    }

    /// Runs one user action under the overall deadline.
    pub(crate) async fn within<T>(
        &self,
        action: impl std::future::Future<Output = Result<T, ClusterError>>,
    ) -> Result<T, ClusterError> {
        tokio::time::timeout(self.timeouts.action, action)
            .await
            .unwrap_or(Err(ClusterError::TooSlow {
                seconds: self.timeouts.action.as_secs(),
            }))
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
            KubeSim::start(purser_kubesim::SimConfig::default())
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

    pub(crate) async fn connection(&self, context: &str) -> Result<Connection, ClusterError> {
        if let Some(found) = lock(&self.connections).get(context) {
            return Ok(found.clone());
        }
        let connection = if context == SANDBOX_CONTEXT {
            let sim = self.sandbox().await?;
            let kubeconfig =
                kube::config::Kubeconfig::from_yaml(&sim.kubeconfig(SANDBOX_CONTEXT, "default"))
                    .map_err(|e| ClusterError::Sandbox(e.to_string()))?;
            let clients = client::build(kubeconfig, context, None, &self.timeouts).await?;
            Connection {
                clients,
                server: sim.url(),
                plugin: None,
                sandbox: true,
                insecure: None,
            }
        } else {
            let mut kubeconfig = contexts::load(&self.source)?;
            let server = contexts::server_of(&kubeconfig, context)
                .ok_or_else(|| ClusterError::UnknownContext(context.to_string()))?;
            let insecure = contexts::insecure_of(&kubeconfig, context);
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
            let clients = client::build(kubeconfig, context, plugin.as_ref(), &self.timeouts)
                .await
                .map_err(|error| with_plugin(error, plugin.as_ref()))?;
            Connection {
                clients,
                server,
                plugin,
                sandbox: false,
                insecure,
            }
        };
        lock(&self.connections).insert(context.to_string(), connection.clone());
        Ok(connection)
    }

    pub(crate) fn classify<'a>(
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

    /// Runs one change under the overall deadline, with its intent written to the audit log
    /// before and its result after. Nothing is sent when the intent cannot be written.
    pub(crate) async fn audited<T>(
        &self,
        target: &Target,
        subject: crate::audit::Subject,
        change: impl std::future::Future<Output = Result<T, ClusterError>>,
    ) -> Result<T, ClusterError> {
        let intent = self
            .audit
            .begin(&target.context, &target.namespace, subject)
            .map_err(|e| ClusterError::Audit(e.to_string()))?;
        let result = self.within(change).await;
        let (outcome, error) = match &result {
            Ok(_) => (crate::audit::Outcome::Ok, None),
            Err(e) if e.is_refusal() => (crate::audit::Outcome::Refused, Some(e.clone().into())),
            Err(e) => (crate::audit::Outcome::Failed, Some(e.clone().into())),
        };
        self.audit.finish(intent, outcome, error);
        result
    }

    /// Whether `context` is the built-in simulation.
    pub fn is_sandbox(context: &str) -> bool {
        context == SANDBOX_CONTEXT
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
        let connection = self.connected(target).await?;
        let namespace = target.namespace.clone();
        let app = app.to_string();
        let stalled_after = self.timeouts.stalled_after;
        let client = connection.clients.watches.clone();
        let task = tokio::spawn(async move {
            rollout::watch(client, &namespace, &app, stalled_after, emit).await
        });
        if let Some(previous) = lock(&self.watcher).replace(task.abort_handle()) {
            previous.abort();
        }
        Ok(())
    }
}
