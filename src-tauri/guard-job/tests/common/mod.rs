//! The world a `purser-guard` run meets in its CronJob's pod, on this machine: the Kubernetes
//! API test server with a Purser-deployed app and its shared record, the pod's service
//! account folder (token, CA, namespace), moto for Cost Explorer (this month over or under the
//! budget) and a local forecast server. The job runs as its own process with only the
//! environment a pod would give it.
#![allow(dead_code)]

use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use purser_core::cluster::{AppSpec, KubeconfigSource, Target};
use purser_core::guard::install::{InstallSpec, DEFAULT_SCHEDULE};
use purser_core::guard::{AppRecord, Policy, SharedBudget};
use purser_core::month::Month;
use purser_core::secrets::{Secret, SecretKind};
use purser_core::testing::MemoryStore;
use purser_core::{AppDirs, Backends, Purser};
use purser_test_support::kube::{Cluster, CONTEXT};
use purser_test_support::moto::Moto;
use serde_json::{json, Value};
use wiremock::MockServer;

pub const APP: &str = "assistant";

pub struct JobWorld {
    pub cluster: Cluster,
    pub moto: Moto,
    pub forecast: MockServer,
    pub purser: Purser,
    /// The pod's service account folder and the job's working folder.
    pub account: tempfile::TempDir,
    pub work: tempfile::TempDir,
    dir: tempfile::TempDir,
}

/// Cost Explorer's answer for the months around today: last month $900, this month $1,100
/// so far (the forecast server adds $600 to come: $1,700 at the month's end).
async fn seed_costs(moto: &Moto) {
    let this = Month::of(time::OffsetDateTime::now_utc().date());
    let month = |m: Month, amount: &str, estimated: bool| {
        json!({
            "TimePeriod": {"Start": m.iso_start(), "End": m.plus(1).iso_start()},
            "Total": {}, "Estimated": estimated,
            "Groups": [{"Keys": ["Amazon Elastic Kubernetes Service"],
                        "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}}]
        })
    };
    let page = json!({"ResultsByTime": [
        month(this.plus(-1), "900", false),
        month(this, "1100", true),
    ]});
    moto.control_json(
        "/moto-api/static/ce/cost-and-usage-results",
        &json!({"results": [page]}),
    )
    .await;
}

/// A world with `APP` deployed at `replicas` copies and settled.
pub async fn world(replicas: i64) -> JobWorld {
    let cluster = Cluster::start().await;
    let moto = Moto::start();
    seed_costs(&moto).await;
    let forecast = purser_test_support::forecast::server("600", "500", "700").await;
    let dir = tempfile::tempdir().unwrap();
    let purser = Purser::new(
        AppDirs::under(dir.path()),
        None,
        Backends {
            secrets: Arc::new(MemoryStore::default()),
            kubeconfig: KubeconfigSource::Files(vec![cluster.kubeconfig_path()]),
            ..purser_core::testing::backends()
        },
    );
    purser
        .store_secret(SecretKind::OpenaiApiKey, Secret::new("test-openai-key-job"))
        .await
        .unwrap();
    purser.kube_connect(CONTEXT).await.unwrap();
    let spec: AppSpec = serde_json::from_value(json!({
        "name": APP, "image": "ghcr.io/acme/assistant:1.0", "replicas": replicas,
        "port": 8080, "cpuRequest": "250m", "memoryRequest": "512Mi"
    }))
    .unwrap();
    let target = Target {
        context: CONTEXT.into(),
        namespace: "default".into(),
    };
    purser.deploy(&target, &spec, false).await.unwrap();
    let settled = async {
        loop {
            let shown = purser.apps(&target).await.unwrap();
            if shown
                .iter()
                .any(|s| s.name == APP && i64::from(s.ready) == replicas)
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), settled)
        .await
        .expect("the app's copies ready within 20 s");
    let account = tempfile::tempdir().unwrap();
    std::fs::write(account.path().join("token"), cluster.sim.token()).unwrap();
    std::fs::write(account.path().join("ca.crt"), cluster.sim.ca_pem()).unwrap();
    std::fs::write(account.path().join("namespace"), "default").unwrap();
    JobWorld {
        cluster,
        moto,
        forecast,
        purser,
        account,
        work: tempfile::tempdir().unwrap(),
        dir,
    }
}

/// A finished run: its exit code, the summary line and every audit line it printed.
pub struct Run {
    pub code: Option<i32>,
    pub summary: Value,
    pub audit: Vec<Value>,
    pub stderr: String,
}

impl JobWorld {
    /// The shared record as a desktop writes it: `policy` and a budget of `budget` USD.
    pub async fn share(&self, policy: Policy, budget: f64) {
        let record = AppRecord {
            policy,
            ..AppRecord::default()
        };
        let budget = SharedBudget {
            amount: Some(budget),
            currency: "USD".into(),
            thresholds: vec![50, 80, 100],
            cost_tag: None,
        };
        // As a manifest kubectl applies (its `create configmap` speaks protobuf, which the
        // test server does not).
        let manifest = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("purser-{APP}"), "namespace": "default"},
            "data": {
                "guard": serde_json::to_string(&record).unwrap(),
                "budget": serde_json::to_string(&budget).unwrap(),
            }
        });
        let path = file(self.work.path(), "record.json", &manifest.to_string());
        self.cluster
            .kubectl_ok(&["apply", "--server-side", "--validate=false", "-f", &path])
            .await;
    }

    /// One key of the shared record's data, parsed.
    pub async fn record(&self, key: &str) -> Value {
        let path = format!("jsonpath={{.data.{key}}}");
        let text = self
            .cluster
            .kubectl_ok(&["get", "configmap", &format!("purser-{APP}"), "-o", &path])
            .await;
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn copies(&self) -> String {
        self.cluster
            .kubectl_ok(&["get", "deployment", APP, "-o", "jsonpath={.spec.replicas}"])
            .await
    }

    /// The Events about the app's Deployment with `reason`, as kubectl lists them.
    pub async fn events(&self, reason: &str) -> Vec<Value> {
        let text = self
            .cluster
            .kubectl_ok(&["get", "events", "-o", "json"])
            .await;
        let list: Value = serde_json::from_str(&text).unwrap();
        list["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e["reason"] == reason && e["involvedObject"]["name"] == APP)
            .collect()
    }

    /// What a pod's environment holds for a run, with AWS keys from `aws` and `extra`: the
    /// app, the API server, the cost endpoints (the local servers) and the region; a later
    /// name wins, as with `Command::envs`.
    pub fn pod_env(&self, aws: &[(&str, &str)], extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let port = self
            .cluster
            .sim
            .url()
            .rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_string();
        [
            ("PURSER_APP", APP),
            ("KUBERNETES_SERVICE_HOST", "127.0.0.1"),
            ("KUBERNETES_SERVICE_PORT", &port),
            ("PURSER_COST_USAGE_ENDPOINT", &self.moto.url),
            ("PURSER_COST_FORECAST_ENDPOINT", &self.forecast.uri()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_REGION", "us-east-1"),
        ]
        .iter()
        .chain(aws)
        .chain(extra)
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
    }

    /// `purser-guard` with a pod's environment ([`Self::pod_env`]), its service account
    /// folder and working folder in this test's temporary folders.
    pub fn command(&self, aws: &[(&str, &str)], extra: &[(&str, &str)]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_purser-guard"));
        command
            .env_clear()
            .env("HOME", self.work.path())
            .env("PURSER_SERVICEACCOUNT_DIR", self.account.path())
            .env("PURSER_GUARD_DIR", self.work.path().join("run"))
            .envs(self.pod_env(aws, extra));
        command
    }

    /// Runs it (async, so the test server keeps serving meanwhile).
    pub async fn run(&self, aws: &[(&str, &str)], extra: &[(&str, &str)]) -> Run {
        let mut command = tokio::process::Command::from(self.command(aws, extra));
        command.kill_on_drop(true);
        parse(command.output().await.expect("purser-guard runs"))
    }

    /// How many forecast requests Cost Explorer's stand-in has answered.
    pub async fn forecasts_asked(&self) -> usize {
        self.forecast
            .received_requests()
            .await
            .map_or(0, |r| r.len())
    }
}

/// What the tests and the benchmark install for `APP` in `default`, with no autoscaler.
pub fn install_spec(image: &str) -> InstallSpec {
    InstallSpec {
        app: APP.into(),
        namespace: "default".into(),
        image: image.into(),
        schedule: DEFAULT_SCHEDULE.into(),
        autoscaler: None,
        aws_role_arn: None,
    }
}

/// Static keys, as the environment provider reads them.
pub const KEYS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "TESTACCESSKEY0001"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "jobTestSecret0000000000000000000000000000",
    ),
];

fn parse(out: Output) -> Run {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let (summary, audit) = lines
        .split_last()
        .map_or((Value::Null, Vec::new()), |(s, a)| (s.clone(), a.to_vec()));
    Run {
        code: out.status.code(),
        summary,
        audit,
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// Writes a file in `dir` and returns its path as text.
pub fn file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}
