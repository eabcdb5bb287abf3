//! What keeps a cluster action safe: nothing acts on a cluster after a failed connect, Purser
//! never adopts what it did not create unless asked, a rollout that cannot start says why,
//! a busy cluster ends within
//! the deadline, every change (refusals too) is audited before it is sent, and the sandbox
//! never gets the real key. Sign-in helpers are in `cluster_signin.rs`.

use std::time::{Duration, Instant};

use base64::Engine;
use purser_core::cluster::{
    AppSpec, ClusterError, ClusterService, KubeconfigSource, Phase, Target, Timeouts,
    SANDBOX_CONTEXT, SANDBOX_PLACEHOLDER_KEY,
};
use purser_kubesim::{PodRefusal, SimConfig};
use purser_test_support::kube::{fast_config, Cluster, CONTEXT};
use serde_json::json;

#[path = "common/world.rs"]
mod world;
use world::{key, world, world_with};

fn form(name: &str, replicas: i64) -> AppSpec {
    serde_json::from_value(json!({
        "name": name, "image": "ghcr.io/acme/assistant:1.0", "replicas": replicas, "port": 8080,
        "cpuRequest": "100m", "memoryRequest": "128Mi"
    }))
    .unwrap()
}

fn target(context: &str) -> Target {
    Target {
        context: context.into(),
        namespace: "default".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_failed_connect_nothing_can_act_on_the_previous_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let unreachable = dir.path().join("unreachable");
    std::fs::write(
        &unreachable,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: {server: 'https://127.0.0.1:9'}\nusers:\n- name: gone\n  user: {token: x}\ncontexts:\n- name: gone\n  context: {cluster: gone, user: gone}\n",
    )
    .unwrap();
    let w = world_with(fast_config(), Timeouts::default(), vec![unreachable]).await;
    let a = target(CONTEXT);
    w.service
        .deploy(&a, &form("assistant", 2), Some(&key()), false)
        .await
        .unwrap();
    assert_eq!(w.service.connected_context().as_deref(), Some(CONTEXT));

    let error = w.service.connect("gone").await.unwrap_err();
    assert!(
        matches!(error, ClusterError::Unreachable { .. }),
        "{error:?}"
    );
    assert_eq!(w.service.connected_context(), None, "connected to nothing");

    // The screen may still show A; every action naming A is refused and changes nothing.
    let refused = [
        w.service
            .scale(&a, "assistant", copies(1))
            .await
            .map(|_| ()),
        w.service.restart(&a, "assistant").await.map(|_| ()),
        w.service.rollback(&a, "assistant").await.map(|_| ()),
        w.service.set_autoscaler(&a, "assistant", 1, 2).await,
        w.service.uninstall(&a, "assistant", true).await.map(|_| ()),
        w.service
            .deploy(&a, &form("assistant", 5), Some(&key()), true)
            .await
            .map(|_| ()),
        w.service.apps(&a).await.map(|_| ()),
        w.service.watch_rollout(&a, "assistant", |_| true).await,
    ];
    for result in refused {
        assert!(
            matches!(result, Err(ClusterError::NotConnected { ref context }) if context == CONTEXT),
            "{result:?}"
        );
    }
    let replicas = w
        .cluster
        .kubectl_ok(&[
            "get",
            "deployment",
            "assistant",
            "-o",
            "jsonpath={.spec.replicas}",
        ])
        .await;
    assert_eq!(replicas, "2", "the app on A is untouched");
    // Connecting to A again makes it actionable again.
    w.service.connect(CONTEXT).await.unwrap();
    w.service.scale(&a, "assistant", copies(1)).await.unwrap();
}

// Long: one scenario, told step by step in the order it happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_never_adopts_what_purser_did_not_create_unless_asked() {
    let w = world().await;
    let a = target(CONTEXT);
    let file = w.cluster.dir.path().join("theirs.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: Service\nmetadata: {name: assistant}\nspec: {ports: [{port: 80}]}\n",
    )
    .unwrap();
    // Client-side apply, as most people's tools do.
    w.cluster
        .kubectl_ok(&["apply", "--validate=false", "-f", file.to_str().unwrap()])
        .await;

    let preview = w
        .service
        .preview(&a, &form("assistant", 2), Some(&key()))
        .await
        .unwrap();
    assert_eq!(preview.not_managed, vec!["Service/assistant"]);
    let service = preview
        .changes
        .iter()
        .find(|c| c.kind == "Service")
        .unwrap();
    assert!(service.not_managed && service.action == "update");

    let refused = w
        .service
        .deploy(&a, &form("assistant", 2), Some(&key()), false)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ClusterError::NotManaged(objects) if objects == &["Service/assistant"]),
        "{refused:?}"
    );
    let everything = w
        .cluster
        .kubectl_ok(&["get", "deployments,secrets", "-o", "name"])
        .await;
    assert_eq!(everything.trim(), "", "a refused deploy changes nothing");
    let labels = w
        .cluster
        .kubectl_ok(&[
            "get",
            "service",
            "assistant",
            "-o",
            "jsonpath={.metadata.labels}",
        ])
        .await;
    assert!(!labels.contains("purser"), "{labels}");
    assert_eq!(
        w.audit_lines()
            .last()
            .map(|l| (l.1.as_str(), l.2.starts_with("refused: Service/assistant"))),
        Some(("deploy", true)),
        "{:?}",
        w.audit_lines()
    );

    // With consent, Purser takes it over and marks it.
    w.service
        .deploy(&a, &form("assistant", 2), Some(&key()), true)
        .await
        .unwrap();
    let marks = w
        .cluster
        .kubectl_ok(&[
            "get",
            "service",
            "assistant",
            "-o",
            "jsonpath={.metadata.annotations}",
        ])
        .await;
    assert!(marks.contains("purser.dev/adopted"), "{marks}");
    // A later deploy without "take over" keeps the mark.
    w.service
        .deploy(&a, &form("assistant", 3), Some(&key()), false)
        .await
        .unwrap();
    let apps = w.service.apps(&a).await.unwrap();
    assert_eq!(apps[0].adopted, vec!["Service/assistant"]);

    // Uninstall keeps what was taken over unless the user ticks it.
    let report = w.service.uninstall(&a, "assistant", false).await.unwrap();
    assert_eq!(
        report.removed,
        vec!["Deployment/assistant", "Secret/assistant-openai"]
    );
    assert_eq!(report.kept_adopted, vec!["Service/assistant"]);
    w.cluster.kubectl_ok(&["get", "service", "assistant"]).await;
    let report = w.service.uninstall(&a, "assistant", true).await.unwrap();
    assert_eq!(report.removed, vec!["Service/assistant"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollout_that_cannot_start_says_why() {
    let timeouts = Timeouts {
        stalled_after: Duration::from_secs(1),
        ..Timeouts::default()
    };
    let w = world_with(fast_config(), timeouts, vec![]).await;
    let a = target(CONTEXT);
    let faults = w.cluster.sim.faults();

    faults.refuse_pods(Some(PodRefusal::quota()));
    w.service
        .deploy(&a, &form("quota", 2), Some(&key()), false)
        .await
        .unwrap();
    let status = w
        .until("quota", |s| {
            s.problems.iter().any(|p| p.code == "quota_exceeded")
        })
        .await;
    assert_eq!(status.phase, Phase::Trouble);
    assert!(
        status.problems[0].params["detail"]
            .as_str()
            .unwrap()
            .contains("compute-resources"),
        "the quota is named: {:?}",
        status.problems
    );
    // The snapshot after an action reads the same reason from the ReplicaSet's events.
    let snapshot = w.service.status(&a, "quota").await.unwrap();
    assert_eq!(
        snapshot.problems[0].code, "quota_exceeded",
        "{:?}",
        snapshot.problems
    );

    faults.refuse_pods(Some(PodRefusal::webhook()));
    w.service
        .deploy(&a, &form("policed", 1), Some(&key()), false)
        .await
        .unwrap();
    let status = w
        .until("policed", |s| {
            s.problems.iter().any(|p| p.code == "admission_denied")
        })
        .await;
    assert_eq!(
        status.problems[0].params["detail"], "images must come from the company registry",
        "{:?}",
        status.problems
    );

    faults.refuse_pods(Some(PodRefusal::Silent));
    w.service
        .deploy(&a, &form("silent", 2), Some(&key()), false)
        .await
        .unwrap();
    let status = w
        .until("silent", |s| {
            s.problems.iter().any(|p| p.code == "not_started")
        })
        .await;
    assert_eq!(status.problems.len(), 1, "{:?}", status.problems);
    assert_eq!(
        status.phase,
        Phase::Trouble,
        "never just 'Updating: 0 of 2'"
    );

    // Pods are allowed again: the stall clears as copies appear.
    faults.refuse_pods(None);
    w.service.restart(&a, "silent").await.unwrap();
    w.until("silent", |s| s.phase == Phase::Complete).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_without_nodes_is_named() {
    let config = SimConfig {
        has_node: false,
        ..fast_config()
    };
    let w = world_with(config, Timeouts::default(), vec![]).await;
    w.service
        .deploy(&target(CONTEXT), &form("assistant", 1), Some(&key()), false)
        .await
        .unwrap();
    let status = w
        .until("assistant", |s| {
            s.problems.iter().any(|p| p.code == "no_nodes")
        })
        .await;
    assert_eq!(status.problems.len(), 1, "{:?}", status.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sustained_throttling_and_a_hanging_server_end_within_the_deadline() {
    let timeouts = Timeouts {
        action: Duration::from_secs(4),
        ..Timeouts::default()
    };
    let w = world_with(fast_config(), timeouts, vec![]).await;
    let a = target(CONTEXT);
    w.service
        .deploy(&a, &form("assistant", 1), Some(&key()), false)
        .await
        .unwrap();
    let faults = w.cluster.sim.faults();
    for code in [429, 503] {
        faults.fail_next("patch", "deployments/scale", code, 1000);
        let started = Instant::now();
        let error = w
            .service
            .scale(&a, "assistant", copies(2))
            .await
            .unwrap_err();
        assert!(
            matches!(error, ClusterError::Throttled { code: c } if c == code),
            "{code}: {error:?}"
        );
        assert!(error.to_string().contains("busy"), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        faults.clear();
    }
    faults.hang_on("patch", "deployments/scale");
    let started = Instant::now();
    let error = w
        .service
        .scale(&a, "assistant", copies(2))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ClusterError::TooSlow { seconds: 4 }),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    let lines = w.audit_lines();
    let last = lines.last().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str()),
        ("result", "scale"),
        "even a change that timed out has its result written: {lines:?}"
    );
    assert!(
        last.2
            .starts_with("failed: The cluster did not finish answering"),
        "{last:?}"
    );
}

// Long: one scenario, told step by step in the order it happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_audited_before_it_is_sent_refusals_included() {
    let w = world().await;
    let a = target(CONTEXT);
    // Someone else's app of the same name: Purser refuses to scale it, and says so in the log.
    let file = w.cluster.dir.path().join("theirs.yaml");
    std::fs::write(
        &file,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: theirs}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: theirs}}\n  template:\n    metadata: {labels: {app: theirs}}\n    spec: {containers: [{name: c, image: nginx}]}\n",
    )
    .unwrap();
    w.cluster
        .kubectl_ok(&["apply", "--validate=false", "-f", file.to_str().unwrap()])
        .await;
    let refused = w.service.scale(&a, "theirs", copies(3)).await.unwrap_err();
    assert!(
        matches!(refused, ClusterError::NotPursers { ref app, .. } if app == "theirs"),
        "{refused:?}"
    );
    let refused = w.service.rollback(&a, "theirs").await.unwrap_err();
    assert!(
        matches!(refused, ClusterError::NotPursers { .. }),
        "{refused:?}"
    );

    w.service
        .deploy(&a, &form("assistant", 1), Some(&key()), false)
        .await
        .unwrap();
    let hpa = serde_json::from_value(json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "assistant-hpa"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "assistant"}, "minReplicas": 1, "maxReplicas": 3}}))
    .unwrap();
    let hpas: kube::Api<k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler> =
        kube::Api::default_namespaced(w.cluster.client().await);
    hpas.create(&Default::default(), &hpa).await.unwrap();
    let refused = w
        .service
        .scale(&a, "assistant", copies(5))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ClusterError::Autoscaled { .. }),
        "{refused:?}"
    );

    let lines = w.audit_lines();
    let summary: Vec<String> = lines
        .iter()
        .map(|(phase, action, result)| {
            let result = result.split(':').next().unwrap_or_default();
            format!("{phase} {action} {result}")
        })
        .collect();
    assert_eq!(
        summary,
        [
            "intent scale intended",
            "result scale refused",
            "intent rollback intended",
            "result rollback refused",
            "intent deploy intended",
            "result deploy ok",
            "intent scale intended",
            "result scale refused",
        ]
    );

    // A log that cannot be written refuses the change before anything is sent.
    std::fs::remove_file(w.data.path().join("audit.jsonl")).unwrap();
    std::fs::create_dir(w.data.path().join("audit.jsonl")).unwrap();
    let fresh = ClusterService::new(
        KubeconfigSource::Files(vec![w.cluster.kubeconfig_path()]),
        w.data.path(),
    );
    fresh.connect(CONTEXT).await.unwrap();
    let error = fresh
        .deploy(&a, &form("assistant", 1), Some(&key()), true)
        .await
        .unwrap_err();
    assert!(matches!(error, ClusterError::Audit(_)), "{error:?}");
    let hpa_still = w
        .cluster
        .kubectl_ok(&[
            "get",
            "deployment",
            "assistant",
            "-o",
            "jsonpath={.spec.replicas}",
        ])
        .await;
    assert_eq!(hpa_still, "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_never_gets_the_real_key_and_its_token_is_random() {
    let data = tempfile::tempdir().unwrap();
    let service = ClusterService::new(KubeconfigSource::Files(vec![]), data.path());
    service.connect(SANDBOX_CONTEXT).await.unwrap();
    let sandbox = target(SANDBOX_CONTEXT);
    let preview = service
        .preview(&sandbox, &form("assistant", 1), Some(&key()))
        .await
        .unwrap();
    assert!(
        preview.sandbox && !preview.yaml.contains("from keychain"),
        "{}",
        preview.yaml
    );
    service
        .deploy(&sandbox, &form("assistant", 1), Some(&key()), false)
        .await
        .unwrap();
    let sim = service.sandbox().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config"), sim.kubeconfig("sb", "default")).unwrap();
    let out = tokio::process::Command::new("kubectl")
        .args([
            "get",
            "secret",
            "assistant-openai",
            "-o",
            "jsonpath={.data.OPENAI_API_KEY}",
        ])
        .env("KUBECONFIG", dir.path().join("config"))
        .env("HOME", dir.path())
        .output()
        .await
        .unwrap();
    let stored = base64::engine::general_purpose::STANDARD
        .decode(String::from_utf8_lossy(&out.stdout).trim())
        .unwrap();
    assert_eq!(stored, SANDBOX_PLACEHOLDER_KEY.as_bytes());

    // 32 random bytes, different every start.
    let token = sim.token().strip_prefix("sim-").unwrap().to_string();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let other = Cluster::start().await;
    assert_ne!(other.sim.token(), sim.token());
    // A near miss is refused like any wrong token.
    let mut wrong = sim.token().to_string();
    wrong.pop();
    wrong.push('x');
    let status = status_with_token(&sim.url(), sim.ca_pem(), &wrong).await;
    assert_eq!(status, 401);
    assert_eq!(
        status_with_token(&sim.url(), sim.ca_pem(), sim.token()).await,
        200
    );
}

async fn status_with_token(url: &str, ca_pem: &str, token: &str) -> u16 {
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: t\n  cluster:\n    server: {url}\n    certificate-authority-data: {}\nusers:\n- name: t\n  user: {{token: '{token}'}}\ncontexts:\n- name: t\n  context: {{cluster: t, user: t}}\n",
        base64::engine::general_purpose::STANDARD.encode(ca_pem)
    );
    let config = kube::config::Kubeconfig::from_yaml(&kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(config, &Default::default())
        .await
        .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    match client.apiserver_version().await {
        Ok(_) => 200,
        Err(kube::Error::Api(status)) => status.code,
        Err(other) => panic!("{other:?}"),
    }
}

fn copies(n: i64) -> purser_core::cluster::CopyCount {
    purser_core::cluster::CopyCount::new(n).expect("0 to 100 copies")
}
