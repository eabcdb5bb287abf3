//! A cluster test's world: the Kubernetes API test server, a connected cluster service over
//! its kubeconfig, and the app form the tests deploy. Included by every cluster suite.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use purser_core::audit::AuditEntry;
use purser_core::cluster::{
    AppSpec, ClusterService, KubeconfigSource, RolloutStatus, Target, Timeouts,
};
use purser_core::secrets::Secret;
use purser_kubesim::SimConfig;
use purser_test_support::kube::{fast_config, Cluster, CONTEXT};
use serde_json::json;

pub const KEY: &str = "fake-key-CLUSTERCANARY";

pub fn form(name: &str, image: &str, replicas: i64) -> AppSpec {
    serde_json::from_value(json!({
        "name": name, "image": image, "replicas": replicas, "port": 8080,
        "serviceType": "ClusterIP", "cpuRequest": "100m", "memoryRequest": "128Mi",
        "memoryLimit": "256Mi", "env": [{"name": "LOG_LEVEL", "value": "info"}], "readinessPath": "/healthz"
    }))
    .unwrap()
}

pub struct World {
    pub cluster: Cluster,
    pub service: ClusterService,
    pub target: Target,
    pub data: tempfile::TempDir,
}

pub async fn world() -> World {
    world_with(fast_config(), Timeouts::default(), vec![]).await
}

/// A service over the test server (started with `config`) and `extra` kubeconfig files,
/// waiting as `timeouts` say, connected to the test server.
pub async fn world_with(config: SimConfig, timeouts: Timeouts, extra: Vec<PathBuf>) -> World {
    let cluster = Cluster::with_config(config).await;
    let data = tempfile::tempdir().unwrap();
    let mut files = vec![cluster.kubeconfig_path()];
    files.extend(extra);
    let service =
        ClusterService::with_timeouts(KubeconfigSource::Files(files), data.path(), timeouts);
    let target = Target {
        context: CONTEXT.into(),
        namespace: "default".into(),
    };
    service
        .connect(CONTEXT)
        .await
        .expect("connects to the test server");
    World {
        cluster,
        service,
        target,
        data,
    }
}

pub fn key() -> Secret {
    Secret::new(KEY)
}

impl World {
    /// Watches the app until `done` holds for a status (20 s at most).
    pub async fn until(&self, app: &str, done: impl Fn(&RolloutStatus) -> bool) -> RolloutStatus {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        self.service
            .watch_rollout(&self.target, app, move |s| tx.send(s).is_ok())
            .await
            .unwrap();
        let mut seen = Vec::new();
        let found = tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(status) = rx.recv().await {
                seen.push(format!("{} {:?}", status.summary, status.problems));
                if done(&status) {
                    return Some(status);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(status)) => status,
            _ => panic!("the rollout never got there; seen: {seen:#?}"),
        }
    }

    pub fn audit(&self) -> Vec<AuditEntry> {
        self.service.audit().recent(100).unwrap()
    }

    /// The audit log's raw lines as (phase, action, result).
    pub fn audit_lines(&self) -> Vec<(String, String, String)> {
        let text =
            std::fs::read_to_string(self.data.path().join("audit.jsonl")).unwrap_or_default();
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let field = |name: &str| v[name].as_str().unwrap_or_default().to_string();
                (field("phase"), field("action"), field("result"))
            })
            .collect()
    }
}
