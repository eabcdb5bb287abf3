//! Deploy and scale round trips against the Kubernetes API test server, printed as figures.
//!
//! - Purser: apply Secret + Deployment + Service (server-side apply, field manager `purser`)
//!   and read all three back, through the kube client Purser uses;
//! - kubectl: `kubectl apply --server-side -f` of the same manifests against the same server,
//!   in the same run;
//! - Purser's whole Deploy button (dry run of all three, apply, status) for reference;
//! - scale round trip: Purser's Scale button (checks, scale subresource, audit entry);
//! - the overview with 10 apps (each read on its cluster, cached sample figures): the core's
//!   answer to a click on Overview (goal ≤ 100 ms to painted; the webview's paint is not in
//!   this figure).
//!
//! Run: `cargo bench --bench deploy` (needs kubectl on PATH).

use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Secret, Service};
use kube::api::{Api, Patch, PatchParams};
use purser_core::cluster::manifests;
use purser_core::cluster::spec::AppSpec;
use purser_core::cluster::{ClusterService, KubeconfigSource, Target};
use purser_core::secrets::Secret as KeychainSecret;
use purser_kubesim::{KubeSim, SimConfig};

const ROUNDS: usize = 30;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn spec(name: &str, tag: usize) -> AppSpec {
    serde_json::from_value(serde_json::json!({
        "name": name, "image": format!("ghcr.io/acme/assistant:1.{tag}"), "replicas": 2, "port": 8080,
        "cpuRequest": "100m", "memoryRequest": "128Mi"
    }))
    .expect("a valid form")
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

// Long: the steps of one benchmark run, in order, each timed.
async fn run() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = KubeSim::start(SimConfig::default()).await.expect("server");
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = dir.path().join("config");
    std::fs::write(&kubeconfig, sim.kubeconfig("bench", "default")).expect("kubeconfig");
    let service = ClusterService::new(
        KubeconfigSource::Files(vec![kubeconfig.clone()]),
        dir.path(),
    );
    let target = Target {
        context: "bench".into(),
        namespace: "default".into(),
    };
    let key = KeychainSecret::new("sk-FAKE-bench-key");
    service.connect("bench").await.expect("connect");

    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&kubeconfig).expect("read"),
        &kube::config::KubeConfigOptions {
            context: Some("bench".into()),
            ..Default::default()
        },
    )
    .await
    .expect("config");
    let client = kube::Client::try_from(config).expect("client");
    let secrets: Api<Secret> = Api::default_namespaced(client.clone());
    let deployments: Api<Deployment> = Api::default_namespaced(client.clone());
    let services: Api<Service> = Api::default_namespaced(client.clone());
    let params = PatchParams::apply("purser").force();

    let mut purser = Vec::new();
    let mut kubectl = Vec::new();
    for round in 0..ROUNDS {
        // Each round changes the image, so every apply is a real change for both tools.
        let valid = spec("viapurser", round).validate().expect("valid");
        let objects = manifests::build(&valid, "default", &key);
        let started = Instant::now();
        secrets
            .patch("viapurser-openai", &params, &Patch::Apply(&objects.secret))
            .await
            .expect("secret");
        deployments
            .patch("viapurser", &params, &Patch::Apply(&objects.deployment))
            .await
            .expect("deployment");
        services
            .patch("viapurser", &params, &Patch::Apply(&objects.service))
            .await
            .expect("service");
        secrets.get("viapurser-openai").await.expect("read secret");
        deployments.get("viapurser").await.expect("read deployment");
        services.get("viapurser").await.expect("read service");
        purser.push(started.elapsed());

        let valid = spec("viakubectl", round).validate().expect("valid");
        let objects = manifests::build(&valid, "default", &key);
        let yaml = [
            serde_saphyr::to_string(&objects.secret).expect("yaml"),
            serde_saphyr::to_string(&objects.deployment).expect("yaml"),
            serde_saphyr::to_string(&objects.service).expect("yaml"),
        ]
        .join("---\n");
        let file = dir.path().join("manifests.yaml");
        std::fs::write(&file, yaml).expect("manifests");
        let started = Instant::now();
        let out = tokio::process::Command::new("kubectl")
            .args([
                "apply",
                "--server-side",
                "--force-conflicts",
                "--validate=false",
                "-f",
            ])
            .arg(&file)
            .env("KUBECONFIG", &kubeconfig)
            .env("HOME", dir.path())
            .output()
            .await
            .expect("kubectl runs");
        kubectl.push(started.elapsed());
        assert!(
            out.status.success(),
            "kubectl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (p, k) = (median(purser), median(kubectl));
    println!("deploy round trip (apply 3 + read back 3), median of {ROUNDS}:");
    println!("  purser  {:8.2} ms", ms(p));
    println!(
        "  kubectl {:8.2} ms  (kubectl apply --server-side -f, same manifests, same server)",
        ms(k)
    );
    println!(
        "  ratio   {:8.3}     (goal <= 0.25)",
        p.as_secs_f64() / k.as_secs_f64()
    );

    let mut button = Vec::new();
    for round in 0..ROUNDS {
        let started = Instant::now();
        service
            .deploy(&target, &spec("viabutton", round), Some(&key), true)
            .await
            .expect("deploy");
        button.push(started.elapsed());
    }
    println!(
        "Deploy button (dry run x3, apply x3, status), median of {ROUNDS}: {:.2} ms",
        ms(median(button))
    );

    let mut scale = Vec::new();
    for round in 0..ROUNDS {
        let started = Instant::now();
        service
            .scale(
                &target,
                "viabutton",
                purser_core::cluster::CopyCount::new((round % 5 + 1) as i64).expect("1 to 5"),
            )
            .await
            .expect("scale");
        scale.push(started.elapsed());
    }
    println!("scale round trip (Scale button: checks, scale subresource, audit intent + result), median of {ROUNDS}: {:.2} ms (goal <= 20 ms)", ms(median(scale)));

    // Where the Scale button's time goes: each of its steps alone, same server, same client.
    let hpas: Api<k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler> =
        Api::default_namespaced(client.clone());
    let audit = purser_core::audit::AuditLog::new(dir.path());
    let (mut get, mut list, mut patch, mut fsync) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Let the simulated controller finish reacting to the previous round's scale, so each
        // step is timed alone rather than queued behind its reconcile.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let started = Instant::now();
        deployments.get("viabutton").await.expect("get");
        get.push(started.elapsed());
        let started = Instant::now();
        hpas.list(&Default::default()).await.expect("list");
        list.push(started.elapsed());
        let started = Instant::now();
        let intent = audit
            .begin(
                "bench",
                "default",
                purser_core::cluster::activity::scale("viabutton", 3),
            )
            .expect("audit");
        audit.finish(intent, purser_core::audit::Outcome::Ok, None);
        fsync.push(started.elapsed());
        let started = Instant::now();
        deployments
            .patch_scale(
                "viabutton",
                &PatchParams::default(),
                &Patch::Merge(serde_json::json!({"spec": {"replicas": round % 5 + 1}})),
            )
            .await
            .expect("scale");
        patch.push(started.elapsed());
    }
    println!("  of which, each alone (median of {ROUNDS}):");
    println!("    GET deployment            {:8.2} ms", ms(median(get)));
    println!("    LIST autoscalers          {:8.2} ms", ms(median(list)));
    println!("    PATCH deployments/scale   {:8.2} ms", ms(median(patch)));
    println!(
        "    audit intent + result     {:8.2} ms  (two appends, each synced to disk)",
        ms(median(fsync))
    );
    overview_figures(&kubeconfig, &deployments).await;
}

/// The overview with ten apps deployed from here, read as a click on Overview reads it.
async fn overview_figures(kubeconfig: &std::path::Path, deployments: &Api<Deployment>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let dirs = purser_core::AppDirs::under(dir.path());
    std::fs::create_dir_all(&dirs.data).expect("data folder");
    let log = purser_core::audit::AuditLog::new(&dirs.data);
    for n in 0..10 {
        let name = format!("overview-{n}");
        let valid = spec(&name, n).validate().expect("valid");
        let key = KeychainSecret::new("sk-FAKE-bench-key");
        let objects = manifests::build(&valid, "default", &key);
        deployments
            .patch(
                &name,
                &PatchParams::apply("purser").force(),
                &Patch::Apply(&objects.deployment),
            )
            .await
            .expect("deployment");
        let intent = log
            .begin(
                "bench",
                "default",
                purser_core::cluster::activity::deploy(&name, "img", 2, false),
            )
            .expect("audit");
        log.finish(intent, purser_core::audit::Outcome::Ok, None);
    }
    let purser = purser_core::Purser::new(
        dirs,
        None,
        purser_core::Backends {
            kubeconfig: KubeconfigSource::Files(vec![kubeconfig.to_path_buf()]),
            ..purser_core::testing::backends()
        },
    );
    let first = purser.overview().await;
    assert_eq!(first.apps.len(), 10);
    assert!(first.apps.iter().all(|a| a.unreachable.is_none()));
    let mut times = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let overview = purser.overview().await;
        times.push(started.elapsed());
        assert_eq!(overview.apps.len(), 10);
    }
    println!(
        "overview, 10 apps on the test server, cached figures: median {:.1} ms, slowest {:.1} ms \
         of {ROUNDS} (goal ≤ 100 ms to painted; the webview's paint is not in this figure)",
        ms(median(times.clone())),
        ms(*times.iter().max().expect("rounds"))
    );
}
