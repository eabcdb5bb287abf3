//! What one run is given, from the environment a CronJob's pod has: the app (`PURSER_APP`),
//! its namespace (`PURSER_NAMESPACE`, else the service account's), the API server
//! (`KUBERNETES_SERVICE_HOST`/`_PORT`) with the service account's token and CA, the
//! autoscaler named at install (`PURSER_AUTOSCALER`), a writable
//! folder (`PURSER_GUARD_DIR`, an `emptyDir` under a read-only root), and optional Cost
//! Explorer endpoints (a VPC endpoint, or the tests' local servers).

use std::path::{Path, PathBuf};

/// Where Kubernetes mounts a pod's service account.
const SERVICE_ACCOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The context name of the in-cluster connection.
pub const CONTEXT: &str = "in-cluster";

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("PURSER_APP is not set: the CronJob names the app it guards")]
    NoApp,
    #[error("{name} is not a Kubernetes name: {value:?}")]
    NotAName { name: &'static str, value: String },
    #[error(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set"
    )]
    NotInCluster,
    #[error("the service account is not mounted at {path}: {reason}")]
    NoServiceAccount { path: String, reason: String },
    #[error("the working folder {path} cannot be written ({reason}); mount an emptyDir there")]
    Unwritable { path: String, reason: String },
}

/// Everything one run needs to know before it starts.
#[derive(Debug, Clone)]
pub struct Setup {
    pub app: String,
    pub namespace: String,
    /// The kubeconfig written for the in-cluster connection.
    pub kubeconfig: PathBuf,
    /// Where the audit log and the cost cache of this run are kept.
    pub dir: PathBuf,
    pub cost_usage: Option<String>,
    pub cost_forecast: Option<String>,
    /// The autoscaler that manages the app, named at install (`PURSER_AUTOSCALER`): the
    /// job's Role may read that one and list none.
    pub autoscaler: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn name(name: &'static str, value: String) -> Result<String, SetupError> {
    if purser_core::cluster::names::is_label(&value) {
        Ok(value)
    } else {
        Err(SetupError::NotAName { name, value })
    }
}

impl Setup {
    pub fn from_env() -> Result<Self, SetupError> {
        let account = PathBuf::from(
            var("PURSER_SERVICEACCOUNT_DIR").unwrap_or_else(|| SERVICE_ACCOUNT.into()),
        );
        let missing = |path: &Path, e: std::io::Error| SetupError::NoServiceAccount {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let app = name("PURSER_APP", var("PURSER_APP").ok_or(SetupError::NoApp)?)?;
        let namespace = match var("PURSER_NAMESPACE") {
            Some(ns) => ns,
            None => {
                let file = account.join("namespace");
                std::fs::read_to_string(&file)
                    .map_err(|e| missing(&file, e))?
                    .trim()
                    .to_string()
            }
        };
        let namespace = name("PURSER_NAMESPACE", namespace)?;
        let (Some(host), Some(port)) = (
            var("KUBERNETES_SERVICE_HOST"),
            var("KUBERNETES_SERVICE_PORT"),
        ) else {
            return Err(SetupError::NotInCluster);
        };
        for file in ["token", "ca.crt"] {
            let path = account.join(file);
            std::fs::metadata(&path).map_err(|e| missing(&path, e))?;
        }
        let dir =
            PathBuf::from(var("PURSER_GUARD_DIR").unwrap_or_else(|| "/tmp/purser-guard".into()));
        let unwritable = |e: std::io::Error| SetupError::Unwritable {
            path: dir.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(&dir).map_err(unwritable)?;
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(&kubeconfig, in_cluster(&host, &port, &account, &namespace))
            .map_err(unwritable)?;
        Ok(Self {
            app,
            namespace,
            kubeconfig,
            dir,
            autoscaler: var("PURSER_AUTOSCALER")
                .map(|a| name("PURSER_AUTOSCALER", a))
                .transpose()?,
            cost_usage: var("PURSER_COST_USAGE_ENDPOINT"),
            cost_forecast: var("PURSER_COST_FORECAST_ENDPOINT"),
        })
    }
}

/// A kubeconfig for the pod's own service account, as kubectl builds one in a pod: the token
/// is read from its file on each use (Kubernetes rotates it).
fn in_cluster(host: &str, port: &str, account: &Path, namespace: &str) -> String {
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let json = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {
            "server": format!("https://{host}:{port}"),
            "certificate-authority": account.join("ca.crt"),
        }}],
        "users": [{"name": CONTEXT, "user": {"tokenFile": account.join("token")}}],
        "contexts": [{"name": CONTEXT, "context": {
            "cluster": CONTEXT, "user": CONTEXT, "namespace": namespace,
        }}],
        "current-context": CONTEXT,
    });
    // JSON is YAML: kubeconfig readers take it as is.
    json.to_string()
}
