//! Purser's cluster operations through the real `kube` client against the Kubernetes API test
//! server, with kubectl reading back what Purser wrote.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use kube::api::{Api, Patch, PatchParams, PostParams};
use purser_core::audit::{AuditEntry, Outcome};
use purser_core::cluster::{
    AppSpec, Autoscaler, ClusterError, ClusterService, Cut, KubeconfigSource, Phase, RolloutStatus,
    Target,
};
use purser_core::secrets::Secret;
use purser_test_support::kube::{Cluster, CONTEXT};
use serde_json::json;

const KEY: &str = "sk-proj-CLUSTERCANARY0123456789abcdefghij";

fn form(name: &str, image: &str, replicas: i64) -> AppSpec {
    serde_json::from_value(json!({
        "name": name, "image": image, "replicas": replicas, "port": 8080,
        "serviceType": "ClusterIP", "cpuRequest": "100m", "memoryRequest": "128Mi",
        "memoryLimit": "256Mi", "env": [{"name": "LOG_LEVEL", "value": "info"}], "readinessPath": "/healthz"
    }))
    .unwrap()
}

struct World {
    cluster: Cluster,
    service: ClusterService,
    target: Target,
    data: tempfile::TempDir,
}

async fn world() -> World {
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

fn key() -> Secret {
    Secret::new(KEY)
}

impl World {
    /// Watches the app until `done` holds for a status (20 s at most).
    async fn until(&self, app: &str, done: impl Fn(&RolloutStatus) -> bool) -> RolloutStatus {
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

    fn audit(&self) -> Vec<AuditEntry> {
        self.service.audit().recent(100).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_watch_scale_rollback_uninstall_with_kubectl_reading_back() {
    let w = world().await;
    let info = w.service.connect(CONTEXT).await.unwrap();
    assert_eq!(info.version, "v1.33.0-purser-sim");
    assert!(info.namespaces.unwrap().contains(&"default".to_string()));

    let preview = w
        .service
        .preview(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 3),
            Some(&key()),
        )
        .await
        .unwrap();
    assert!(
        preview.changes.iter().all(|c| c.action == "create"),
        "{:?}",
        preview.changes
    );
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(KEY);
    assert!(
        preview.yaml.contains(purser_core::cluster::manifests::MASK)
            && !preview.yaml.contains(&encoded)
    );

    w.service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 3),
            Some(&key()),
            false,
        )
        .await
        .unwrap();
    let ready = w.until("assistant", |s| s.phase == Phase::Complete).await;
    assert_eq!((ready.desired, ready.ready, ready.available), (3, 3, 3));

    // kubectl reads what Purser wrote: the key only via secretKeyRef, the value in the Secret.
    let env = w
        .cluster
        .kubectl_ok(&[
            "get",
            "deployment",
            "assistant",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].env[0]}",
        ])
        .await;
    assert!(
        env.contains("secretKeyRef")
            && env.contains("assistant-openai")
            && !env.contains("CLUSTERCANARY"),
        "{env}"
    );
    let stored = w
        .cluster
        .kubectl_ok(&[
            "get",
            "secret",
            "assistant-openai",
            "-o",
            "jsonpath={.data.OPENAI_API_KEY}",
        ])
        .await;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(stored.trim())
            .unwrap(),
        KEY.as_bytes()
    );
    let labels = w
        .cluster
        .kubectl_ok(&[
            "get",
            "deployment,service,secret",
            "-l",
            "app.kubernetes.io/managed-by=purser",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(labels.lines().count(), 3, "{labels}");

    // Idempotent: the same form again changes nothing.
    let again = w
        .service
        .preview(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 3),
            Some(&key()),
        )
        .await
        .unwrap();
    assert!(
        again.changes.iter().all(|c| c.action == "unchanged"),
        "{:#?}",
        again.changes
    );

    for replicas in [5, 0] {
        let outcome = w
            .service
            .scale(&w.target, "assistant", replicas)
            .await
            .unwrap();
        assert_eq!(outcome.replicas, replicas as i32);
        let status = w
            .until("assistant", |s| {
                s.desired == replicas as i32 && matches!(s.phase, Phase::Complete | Phase::Stopped)
            })
            .await;
        assert_eq!(status.ready, replicas as i32);
    }
    let yaml = w
        .cluster
        .kubectl_ok(&["get", "deployment", "assistant", "-o", "yaml"])
        .await;
    assert!(yaml.contains("replicas: 0"), "{yaml}");
    w.service.scale(&w.target, "assistant", 3).await.unwrap();

    // A new version, then back.
    let update = w
        .service
        .preview(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:2.0", 3),
            Some(&key()),
        )
        .await
        .unwrap();
    let deployment_change = update
        .changes
        .iter()
        .find(|c| c.kind == "Deployment")
        .unwrap();
    assert_eq!(deployment_change.action, "update");
    assert!(
        deployment_change
            .diff
            .iter()
            .any(|l| l.sign == "+" && l.text.contains("assistant:2.0")),
        "{:?}",
        deployment_change.diff
    );
    w.service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:2.0", 3),
            Some(&key()),
            false,
        )
        .await
        .unwrap();
    w.until("assistant", |s| {
        s.phase == Phase::Complete && s.image.as_deref() == Some("ghcr.io/acme/assistant:2.0")
    })
    .await;
    w.service.rollback(&w.target, "assistant").await.unwrap();
    let back = w
        .until("assistant", |s| {
            s.phase == Phase::Complete && s.image.as_deref() == Some("ghcr.io/acme/assistant:1.0")
        })
        .await;
    assert_eq!(back.ready, 3);
    let rollout_history = w
        .cluster
        .kubectl_ok(&["rollout", "history", "deployment/assistant"])
        .await;
    assert!(
        rollout_history.contains('3'),
        "rolling back makes a new revision: {rollout_history}"
    );

    let restarted = w.service.restart(&w.target, "assistant").await.unwrap();
    assert_eq!(restarted.app, "assistant");
    w.until("assistant", |s| s.phase == Phase::Complete).await;

    let report = w
        .service
        .uninstall(&w.target, "assistant", false)
        .await
        .unwrap();
    assert_eq!(
        report.removed,
        vec![
            "Deployment/assistant",
            "Service/assistant",
            "Secret/assistant-openai"
        ]
    );
    let left = w
        .cluster
        .kubectl_ok(&[
            "get",
            "deployments,services,secrets,pods,replicasets",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(
        left.trim(),
        "",
        "uninstall removes everything Purser created: {left}"
    );

    let actions: Vec<String> = w
        .audit()
        .iter()
        .rev()
        .map(|e| format!("{} {}", e.action, e.result))
        .collect();
    assert_eq!(
        actions,
        [
            "deploy ok",
            "scale ok",
            "scale ok",
            "scale ok",
            "deploy ok",
            "rollback ok",
            "restart ok",
            "uninstall ok"
        ]
    );
    assert!(w
        .audit()
        .iter()
        .all(|e| e.context == CONTEXT && e.namespace == "default" && !e.user.is_empty()));
    let log = std::fs::read_to_string(w.data.path().join("audit.jsonl")).unwrap();
    assert!(!log.contains("CLUSTERCANARY"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uninstall_leaves_what_purser_did_not_create() {
    let w = world().await;
    let file = w.cluster.dir.path().join("other.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: Service\nmetadata: {name: assistant}\nspec: {ports: [{port: 80}]}\n",
    )
    .unwrap();
    w.cluster
        .kubectl_ok(&[
            "apply",
            "--server-side",
            "--validate=false",
            "-f",
            file.to_str().unwrap(),
        ])
        .await;
    let report = w
        .service
        .uninstall(&w.target, "assistant", false)
        .await
        .unwrap();
    assert!(report.removed.is_empty());
    assert_eq!(report.left_alone, vec!["Service/assistant"]);
    w.cluster.kubectl_ok(&["get", "service", "assistant"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_with_another_field_manager_are_explained_and_taken_over_only_when_asked() {
    let w = world().await;
    w.service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            Some(&key()),
            false,
        )
        .await
        .unwrap();
    // Someone else sets the replicas with their own server-side apply.
    let file = w.cluster.dir.path().join("replicas.yaml");
    std::fs::write(
        &file,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: assistant}\nspec: {replicas: 4}\n",
    )
    .unwrap();
    w.cluster
        .kubectl_ok(&[
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager=ops-team",
            "--validate=false",
            "-f",
            file.to_str().unwrap(),
        ])
        .await;

    let preview = w
        .service
        .preview(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            Some(&key()),
        )
        .await
        .unwrap();
    assert_eq!(preview.conflicts.len(), 1, "{:?}", preview.conflicts);
    assert_eq!(preview.conflicts[0].manager, "ops-team");
    assert_eq!(preview.conflicts[0].field, ".spec.replicas");

    let refused = w
        .service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.1", 2),
            Some(&key()),
            false,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ClusterError::Conflict(c) if c[0].manager == "ops-team"),
        "{refused:?}"
    );
    let deployments: Api<Deployment> = Api::default_namespaced(w.cluster.client().await);
    let live = deployments.get("assistant").await.unwrap();
    let image = live.spec.unwrap().template.spec.unwrap().containers[0]
        .image
        .clone();
    assert_eq!(
        image.as_deref(),
        Some("ghcr.io/acme/assistant:1.0"),
        "a refused deploy changes nothing, not even the image"
    );

    w.service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.1", 2),
            Some(&key()),
            true,
        )
        .await
        .unwrap();
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
    assert_eq!(replicas, "2");
    assert!(w.audit()[0].target.contains("took over"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_autoscaler_is_respected_and_its_range_edited() {
    let w = world().await;
    w.service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            Some(&key()),
            false,
        )
        .await
        .unwrap();
    let hpas: Api<HorizontalPodAutoscaler> = Api::default_namespaced(w.cluster.client().await);
    let hpa = serde_json::from_value(json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "assistant-hpa"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "assistant"}, "minReplicas": 2, "maxReplicas": 6}})).unwrap();
    hpas.create(&PostParams::default(), &hpa).await.unwrap();

    let refused = w
        .service
        .scale(&w.target, "assistant", 9)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ClusterError::Autoscaled { ref hpa, min: 2, max: 6 } if hpa == "assistant-hpa"),
        "{refused:?}"
    );
    let apps = w.service.apps(&w.target).await.unwrap();
    assert_eq!(
        apps[0].autoscaler,
        Some(Autoscaler {
            name: "assistant-hpa".into(),
            min: 2,
            max: 6
        })
    );

    w.service
        .set_autoscaler(&w.target, "assistant", 3, 8)
        .await
        .unwrap();
    let range = w
        .cluster
        .kubectl_ok(&[
            "get",
            "hpa",
            "assistant-hpa",
            "-o",
            "jsonpath={.spec.minReplicas}-{.spec.maxReplicas}",
        ])
        .await;
    assert_eq!(range, "3-8");
    let refused = w
        .service
        .set_autoscaler(&w.target, "assistant", 5, 4)
        .await
        .unwrap_err();
    assert!(matches!(refused, ClusterError::InvalidSpec(ref p) if p[0].field == "autoscalerMax"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_told_in_plain_language() {
    let w = world().await;
    w.service
        .deploy(
            &w.target,
            &form("broken", "ghcr.io/acme/does-not-exist:1.0", 1),
            Some(&key()),
            false,
        )
        .await
        .unwrap();
    // The pod's state comes first; the registry's answer (an Event) refines the message.
    let status = w
        .until("broken", |s| {
            s.phase == Phase::Trouble
                && s.problems
                    .iter()
                    .any(|p| p.params.get("registry").and_then(|r| r.as_str()) == Some("missing"))
        })
        .await;
    assert_eq!(status.problems[0].code, "image_pull");
    assert_eq!(
        status.problems[0].params["image"], "ghcr.io/acme/does-not-exist:1.0",
        "{:?}",
        status.problems
    );
    assert_eq!(status.problems[0].params["registry"], "missing");

    w.service
        .deploy(
            &w.target,
            &form("crashy", "ghcr.io/acme/crashloop:1.0", 1),
            Some(&key()),
            false,
        )
        .await
        .unwrap();
    let status = w.until("crashy", |s| s.phase == Phase::Trouble).await;
    assert_eq!(status.problems[0].code, "crash_loop");
    assert!(
        status.problems[0].params["logs"]
            .as_str()
            .unwrap()
            .contains("exited with status 1"),
        "the last log lines are shown: {:?}",
        status.problems
    );

    let mut hungry = form("hungry", "ghcr.io/acme/assistant:1.0", 3);
    hungry.cpu_request = "3".into();
    hungry.cpu_limit = "3".into();
    w.service
        .deploy(&w.target, &hungry, Some(&key()), false)
        .await
        .unwrap();
    let status = w
        .until("hungry", |s| {
            s.problems
                .iter()
                .any(|p| p.code == "insufficient_resources")
        })
        .await;
    assert!(status
        .problems
        .iter()
        .any(|p| p.code == "insufficient_resources" && p.params["what"] == "cpu"));

    // Kubernetes gives up after the progress deadline.
    let deployments: Api<Deployment> = Api::default_namespaced(w.cluster.client().await);
    deployments
        .patch(
            "broken",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"progressDeadlineSeconds": 1}})),
        )
        .await
        .unwrap();
    let status = w.until("broken", |s| s.phase == Phase::Failed).await;
    assert!(status
        .problems
        .iter()
        .any(|p| p.code == "deadline_exceeded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_by_field_and_nothing_is_applied() {
    let w = world().await;
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("name", json!({"name": ""})),
        ("name", json!({"name": "My App"})),
        ("name", json!({"name": "1app"})),
        ("name", json!({"name": "a".repeat(64)})),
        ("image", json!({"image": ""})),
        ("image", json!({"image": "Ghcr.io/Acme/App"})),
        ("image", json!({"image": "ghcr.io/acme/app:-bad"})),
        ("image", json!({"image": "app@sha256:123"})),
        ("replicas", json!({"replicas": -1})),
        ("replicas", json!({"replicas": 101})),
        ("replicas", json!({"replicas": null})),
        ("port", json!({"port": 0})),
        ("port", json!({"port": 70000})),
        ("cpuRequest", json!({"cpuRequest": "lots"})),
        ("memoryLimit", json!({"memoryLimit": "12MB"})),
        (
            "memoryLimit",
            json!({"memoryRequest": "1Gi", "memoryLimit": "512Mi"}),
        ),
        (
            "env[0].name",
            json!({"env": [{"name": "1BAD", "value": "x"}]}),
        ),
        (
            "env[0].name",
            json!({"env": [{"name": "OPENAI_API_KEY", "value": "x"}]}),
        ),
        (
            "env[1].name",
            json!({"env": [{"name": "A", "value": "x"}, {"name": "A", "value": "y"}]}),
        ),
        (
            "env[0].value",
            json!({"env": [{"name": "TOKEN", "value": "sk-proj-pasted-by-mistake"}]}),
        ),
        ("readinessPath", json!({"readinessPath": "healthz"})),
    ];
    assert!(cases.len() >= 15);
    for (field, change) in cases {
        let mut value =
            serde_json::to_value(form("assistant", "ghcr.io/acme/assistant:1.0", 2)).unwrap();
        for (k, v) in change.as_object().unwrap() {
            value[k] = v.clone();
        }
        let spec: AppSpec = serde_json::from_value(value).unwrap();
        for result in [
            w.service
                .preview(&w.target, &spec, Some(&key()))
                .await
                .map(|_| ()),
            w.service
                .deploy(&w.target, &spec, Some(&key()), false)
                .await
                .map(|_| ()),
        ] {
            match result {
                Err(ClusterError::InvalidSpec(problems)) => assert!(
                    problems.iter().any(|p| p.field == field),
                    "{field}: {problems:?}"
                ),
                other => panic!("{field}: expected a refusal naming the field, got {other:?}"),
            }
        }
    }
    for replicas in [-1, 101] {
        assert!(matches!(
            w.service.scale(&w.target, "assistant", replicas).await,
            Err(ClusterError::InvalidSpec(_))
        ));
    }
    let no_key = w
        .service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            None,
            false,
        )
        .await
        .unwrap_err();
    assert!(matches!(no_key, ClusterError::NoOpenAiKey));
    let everything = w
        .cluster
        .kubectl_ok(&["get", "deployments,services,secrets", "-o", "name"])
        .await;
    assert_eq!(everything.trim(), "", "nothing was applied");
    assert!(w.audit().is_empty(), "refused input is not a change");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_verbs_are_named_before_and_when_they_bite() {
    let w = world().await;
    w.cluster.sim.faults().deny("patch", "deployments/scale");
    let permissions = w.service.permissions(&w.target).await.unwrap();
    let missing: Vec<String> = permissions
        .iter()
        .filter(|p| !p.allowed)
        .map(|p| format!("{} {}", p.verb, p.resource))
        .collect();
    assert_eq!(missing, vec!["patch deployments/scale"]);

    w.cluster.sim.faults().deny("patch", "secrets");
    let error = w
        .service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            Some(&key()),
            false,
        )
        .await
        .unwrap_err();
    match &error {
        ClusterError::Forbidden {
            verb,
            resource,
            namespace,
            ..
        } => {
            assert_eq!(
                (verb.as_str(), resource.as_str(), namespace.as_str()),
                ("patch", "secrets", "default")
            );
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    let audited = &w.audit()[0];
    assert!(audited
        .result
        .starts_with("failed: You are not allowed to patch secrets"));
    let error = audited.error.as_ref().unwrap();
    assert_eq!(error.code, "kube_forbidden");
    assert_eq!(
        (&error.params["verb"], &error.params["resource"]),
        (&json!("patch"), &json!("secrets"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_deploy_is_reported_and_a_rerun_converges() {
    let w = world().await;
    w.cluster.sim.faults().kill_on("patch", "services");
    let error = w
        .service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            Some(&key()),
            false,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, ClusterError::Unreachable { .. }),
        "{error:?}"
    );
    assert!(w.audit()[0]
        .result
        .starts_with("failed: The cluster at https://127.0.0.1:"));
    assert_eq!(
        w.audit()[0].error.as_ref().unwrap().code,
        "kube_unreachable"
    );

    let error = w.service.connect(CONTEXT).await.unwrap_err();
    assert!(
        matches!(
            error,
            ClusterError::Unreachable {
                cut: Cut::Refused,
                ..
            }
        ),
        "{error:?}"
    );

    w.cluster.sim.revive().await.unwrap();
    // A failed connect leaves nothing to act on: the user connects again, then deploys.
    w.service.connect(CONTEXT).await.unwrap();
    w.service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            Some(&key()),
            false,
        )
        .await
        .unwrap();
    w.until("assistant", |s| s.phase == Phase::Complete).await;
    let objects = w
        .cluster
        .kubectl_ok(&[
            "get",
            "deployment,service,secret",
            "-l",
            "app.kubernetes.io/name=assistant",
            "-o",
            "name",
        ])
        .await;
    assert_eq!(objects.lines().count(), 3, "{objects}");
}

async fn wait_ready(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<RolloutStatus>,
    want: i32,
) -> Result<(), tokio::time::error::Elapsed> {
    tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(s) = rx.recv().await {
            if s.phase == Phase::Complete && s.desired == want {
                return;
            }
        }
        panic!("watch ended");
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_watch_resumes() {
    let w = world().await;
    w.service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            Some(&key()),
            false,
        )
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    w.service
        .watch_rollout(&w.target, "assistant", move |s| tx.send(s).is_ok())
        .await
        .unwrap();
    wait_ready(&mut rx, 2).await.expect("ready before the drop");
    // Cut every open watch until Purser's three (deployment, pods, events) have all been cut
    // at least once; a watch still in its first list is cut on the next round.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while w.cluster.sim.faults().dropped_watches() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "Purser's three watches were never cut"
        );
        w.cluster.sim.faults().drop_watches();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Scale with kubectl so only the watch can tell Purser about it.
    w.cluster
        .kubectl_ok(&["scale", "deployment/assistant", "--replicas=4"])
        .await;
    wait_ready(&mut rx, 4)
        .await
        .expect("the watch resumed and saw the change");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_is_told_plainly_throttling_is_retried_and_a_rerun_succeeds() {
    let w = world().await;
    w.cluster
        .sim
        .faults()
        .fail_next("patch", "deployments", 500, 1);
    let error = w
        .service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            Some(&key()),
            false,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, ClusterError::Api { code: 500, .. }),
        "{error:?}"
    );
    // Throttling is retried (Purser's bounded policy) and the user sees the result, not the 429s.
    w.cluster.sim.faults().fail_next("get", "secrets", 429, 2);
    let preview = w
        .service
        .preview(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            Some(&key()),
        )
        .await
        .unwrap();
    assert_eq!(preview.changes.len(), 3);
    w.service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            Some(&key()),
            false,
        )
        .await
        .unwrap();
    w.until("assistant", |s| s.phase == Phase::Complete).await;
    let results: Vec<String> = w.audit().iter().rev().map(|e| e.result.clone()).collect();
    assert!(
        results[0].starts_with("failed: The cluster answered with an error (500)"),
        "{results:?}"
    );
    let failed = &w.audit()[1];
    assert_eq!(failed.outcome, Outcome::Failed);
    let error = failed.error.as_ref().unwrap();
    assert_eq!(
        (error.code.as_str(), &error.params["status"]),
        ("kube_api_error", &json!(500))
    );
    assert_eq!(results.last().map(String::as_str), Some("ok"));
}
