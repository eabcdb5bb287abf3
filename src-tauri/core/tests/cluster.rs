//! Purser's cluster operations through the real `kube` client against the Kubernetes API test
//! server, with kubectl reading back what Purser wrote.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use kube::api::{Api, PostParams};
use purser_core::cluster::{Autoscaler, ClusterError, Phase};
use purser_test_support::kube::CONTEXT;
use serde_json::json;

#[path = "common/world.rs"]
mod world;

use world::{form, key, world, KEY};

// Long: one scenario, told step by step in the order it happens.
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
            .scale(&w.target, "assistant", copies(replicas))
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
    w.service
        .scale(&w.target, "assistant", copies(3))
        .await
        .unwrap();

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

// Long: one scenario, told step by step in the order it happens.
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
        .scale(&w.target, "assistant", copies(9))
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

fn copies(n: i64) -> purser_core::cluster::CopyCount {
    purser_core::cluster::CopyCount::new(n).expect("0 to 100 copies")
}
