//! The guard's test world: Cost Explorer answered by moto (this month over the budget) and a
//! local forecast server, apps on the Kubernetes API test server, a Purser over its own
//! folders. Included by the guard suites.
#![allow(dead_code)]

use std::sync::Arc;

use purser_core::clock::Clock;
use purser_core::cluster::{AppSpec, KubeconfigSource, Target};
use purser_core::secrets::{Secret, SecretKind};
use purser_core::settings::SettingsPatch;
use purser_core::testing::{FixedClock, MemoryStore};
use purser_core::{AppDirs, AwsEndpoints, Backends, Purser};
use purser_test_support::kube::{Cluster, CONTEXT};
use purser_test_support::moto::Moto;
use serde_json::json;
use time::macros::datetime;
use wiremock::MockServer;

/// Cost Explorer's answer: this month (still open) at $1,100 so far.
pub async fn seed_costs(moto: &Moto) {
    let month = |start: &str, end: &str, amount: &str, estimated: bool| {
        json!({
            "TimePeriod": {"Start": start, "End": end}, "Total": {}, "Estimated": estimated,
            "Groups": [{"Keys": ["Amazon Elastic Kubernetes Service"],
                        "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}}]
        })
    };
    let page = json!({"ResultsByTime": [
        month("2026-10-01", "2026-11-01", "900", false),
        month("2026-11-01", "2026-12-01", "1100", true),
    ]});
    moto.control_json(
        "/moto-api/static/ce/cost-and-usage-results",
        &json!({"results": [page]}),
    )
    .await;
}

pub struct World {
    pub cluster: Cluster,
    pub moto: Moto,
    pub forecast: MockServer,
    pub secrets: Arc<MemoryStore>,
    pub dir: tempfile::TempDir,
}

impl World {
    /// A Purser over this world's folders (a second call is a restart).
    pub fn purser(&self) -> Purser {
        self.purser_at(Arc::new(FixedClock(datetime!(2026-11-20 12:00 UTC))))
    }

    /// The same, its time read from `clock`.
    pub fn purser_at(&self, clock: Arc<dyn Clock>) -> Purser {
        self.purser_with(self.backends(clock))
    }

    /// This world's peers as backends, to change one before starting a Purser.
    pub fn backends(&self, clock: Arc<dyn Clock>) -> Backends {
        Backends {
            secrets: self.secrets.clone(),
            kubeconfig: KubeconfigSource::Files(vec![self.cluster.kubeconfig_path()]),
            aws: AwsEndpoints {
                sts: Some(self.moto.url.clone()),
                cost_usage: Some(self.moto.url.clone()),
                cost_forecast: Some(self.forecast.uri()),
            },
            clock,
            ..purser_core::testing::backends()
        }
    }

    /// A Purser over this world's folders with `backends`.
    pub fn purser_with(&self, backends: Backends) -> Purser {
        Purser::new(AppDirs::under(self.dir.path()), None, backends)
    }

    /// The app's autoscaler range as kubectl reads it: `min-max`.
    pub async fn range(&self, hpa: &str) -> String {
        self.cluster
            .kubectl_ok(&[
                "get",
                "hpa",
                hpa,
                "-o",
                "jsonpath={.spec.minReplicas}-{.spec.maxReplicas}",
            ])
            .await
    }

    pub async fn copies(&self, app: &str) -> String {
        self.cluster
            .kubectl_ok(&["get", "deployment", app, "-o", "jsonpath={.spec.replicas}"])
            .await
    }

    pub async fn annotation(&self, app: &str) -> String {
        self.cluster
            .kubectl_ok(&[
                "get",
                "deployment",
                app,
                "-o",
                "jsonpath={.metadata.annotations.purser\\.dev/guard-previous}",
            ])
            .await
    }
}

pub async fn world() -> World {
    let world = World {
        cluster: Cluster::start().await,
        moto: Moto::start(),
        forecast: purser_test_support::forecast::server("600", "500", "700").await,
        secrets: Arc::new(MemoryStore::default()),
        dir: tempfile::tempdir().unwrap(),
    };
    seed_costs(&world.moto).await;
    world
}

pub fn target() -> Target {
    Target {
        context: CONTEXT.into(),
        namespace: "default".into(),
    }
}

/// Keys, a $1,000 budget, a connection, and `app` deployed with `replicas` copies.
pub async fn set_up(purser: &Purser, apps: &[(&str, i64)]) {
    for (kind, value) in [
        (SecretKind::OpenaiApiKey, "test-openai-key-guard"),
        (SecretKind::AwsAccessKeyId, "TESTACCESSKEY0001"),
        (
            SecretKind::AwsSecretAccessKey,
            "guardTestSecret000000000000000000000000",
        ),
    ] {
        purser.store_secret(kind, Secret::new(value)).await.unwrap();
    }
    let patch = SettingsPatch::from_json(&json!({"budgetAmount": "1000"})).unwrap();
    purser.update_settings(&patch).unwrap();
    purser.kube_connect(CONTEXT).await.unwrap();
    for (app, replicas) in apps {
        let spec: AppSpec = serde_json::from_value(json!({
            "name": app, "image": "ghcr.io/acme/assistant:1.0", "replicas": replicas,
            "port": 8080, "cpuRequest": "250m", "memoryRequest": "512Mi"
        }))
        .unwrap();
        purser.deploy(&target(), &spec, false).await.unwrap();
    }
    // The guard is tested on settled apps: while the simulator still brings copies up, each
    // status write moves the Deployment's resourceVersion, and the guard's conditional write
    // then meets a conflict (re-read, re-decided and audited, as on a real cluster).
    let settled = async {
        loop {
            let shown = purser.apps(&target()).await.unwrap();
            let ready = apps.iter().all(|(app, replicas)| {
                shown
                    .iter()
                    .any(|s| s.name == *app && i64::from(s.ready) == *replicas)
            });
            if ready {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), settled)
        .await
        .expect("every app's copies ready within 20 s");
}

/// The guarded app's key on the test server.
pub fn key() -> purser_core::guard::AppKey {
    purser_core::guard::AppKey {
        context: CONTEXT.into(),
        namespace: "default".into(),
        app: "assistant".into(),
    }
}

/// `purser-guard`'s objects for the app, applied as an administrator would (server-side:
/// kubesim serves no OpenAPI schema for kubectl's client-side validation).
pub async fn apply_guard_objects(world: &World) {
    use purser_core::guard::install::{guard_objects, InstallSpec, DEFAULT_SCHEDULE};
    let spec = InstallSpec {
        app: "assistant".into(),
        namespace: "default".into(),
        image: "registry.example/purser-guard@sha256:00".into(),
        schedule: DEFAULT_SCHEDULE.into(),
        autoscaler: None,
        aws_role_arn: None,
    };
    let list = json!({"apiVersion": "v1", "kind": "List", "items": guard_objects(&spec).unwrap()});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("purser-guard.json");
    std::fs::write(&file, list.to_string()).unwrap();
    let file = file.to_str().unwrap();
    let args = ["apply", "--server-side", "--validate=false", "-f", file];
    world.cluster.kubectl_ok(&args).await;
}
