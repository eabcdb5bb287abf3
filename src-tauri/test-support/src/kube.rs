//! The simulated Kubernetes API server for tests, with a kubeconfig on disk so the real
//! `kubectl` and the real `kube` client can both talk to it.

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use purser_kubesim::{KubeSim, SimConfig};

pub const CONTEXT: &str = "sim";

pub struct Cluster {
    pub sim: KubeSim,
    pub dir: tempfile::TempDir,
}

/// Images named `*does-not-exist*` fail to pull and `*crashloop*` crash, as in the sandbox.
pub fn fast_config() -> SimConfig {
    SimConfig {
        ready_after: Duration::from_millis(150),
        ..SimConfig::default()
    }
}

impl Cluster {
    pub async fn start() -> Cluster {
        Self::with_config(fast_config()).await
    }

    pub async fn with_config(config: SimConfig) -> Cluster {
        let sim = KubeSim::start(config)
            .await
            .expect("the simulated API server starts");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("config"),
            sim.kubeconfig(CONTEXT, "default"),
        )
        .expect("kubeconfig written");
        Cluster { sim, dir }
    }

    pub fn kubeconfig_path(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// A `kube::Client` for the server, built from the kubeconfig as Purser builds it.
    pub async fn client(&self) -> kube::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let kubeconfig =
            kube::config::Kubeconfig::read_from(self.kubeconfig_path()).expect("kubeconfig parses");
        let options = kube::config::KubeConfigOptions {
            context: Some(CONTEXT.into()),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .expect("config");
        kube::Client::try_from(config).expect("client")
    }

    /// Runs the real `kubectl` against the server (async, so the server keeps serving).
    pub async fn kubectl(&self, args: &[&str]) -> Output {
        tokio::process::Command::new("kubectl")
            .args(args)
            .env("KUBECONFIG", self.kubeconfig_path())
            .env("HOME", self.dir.path())
            .kill_on_drop(true)
            .output()
            .await
            .expect("kubectl runs")
    }

    /// `kubectl …` that must succeed; returns its standard output.
    pub async fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args).await;
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}
