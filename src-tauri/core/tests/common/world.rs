//! A cluster test's world: the Kubernetes API test server, a connected cluster service over
//! its kubeconfig, and the app form the tests deploy. Included by the cluster suites.
#![allow(dead_code)]

use std::time::Duration;

use purser_core::audit::AuditEntry;
use purser_core::cluster::{AppSpec, ClusterService, KubeconfigSource, RolloutStatus, Target};
use purser_core::secrets::Secret;
use purser_test_support::kube::{Cluster, CONTEXT};
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
    let cluster = Cluster::start().await;
    let data = tempfile::tempdir().unwrap();
    let service = ClusterService::new(
        KubeconfigSource::Files(vec![cluster.kubeconfig_path()]),
        data.path(),
    );
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
                seen.push(status.summary.clone());
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
}
