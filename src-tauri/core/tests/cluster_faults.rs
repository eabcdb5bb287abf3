//! Cluster faults told plainly: failing rollouts, refused forms, forbidden verbs, a server
//! killed mid-deploy, dropped watches, server errors and throttling.

#[path = "common/world.rs"]
mod world;

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams};
use purser_core::audit::Outcome;
use purser_core::cluster::{AppSpec, ClusterError, Cut, Phase, RolloutStatus};
use purser_test_support::kube::CONTEXT;
use serde_json::json;
use world::{form, key, world};

// Long: one scenario, told step by step in the order it happens.
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

// Long: one scenario, told step by step in the order it happens.
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
            json!({"env": [{"name": "TOKEN", "value": "sk-pasted-by-mistake"}]}),
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
    // Copies outside 0..=100 never reach the cluster: the only way in is through the check.
    for replicas in [-1, 101] {
        let problem = purser_core::cluster::CopyCount::parse("replicas", replicas).unwrap_err();
        assert_eq!(
            (problem.field.as_str(), problem.code.as_str()),
            ("replicas", "replicas_range")
        );
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
