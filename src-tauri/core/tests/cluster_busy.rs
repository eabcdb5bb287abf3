//! A busy, shared namespace: 200 other apps' pods (their images failing, their events
//! flowing, one app named like ours with a suffix) beside Purser's app. The rollout summary of
//! Purser's app is right, its problems come only from its own objects, the server sees Purser
//! follow only the app's own Deployment and Pods (never every Event in the namespace), and
//! leaving the app lets go of every watch.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use purser_core::cluster::{Phase, RolloutStatus};
use serde_json::json;

#[path = "common/world.rs"]
mod world;

use world::{form, key, world};

/// A bare pod of another app, `image` deciding how it fails.
fn other_pod(app: &str, n: usize, image: &str) -> Pod {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{app}-{n:04}"), "labels": {"app.kubernetes.io/name": app}},
        "spec": {"containers": [{"name": "main", "image": image}]}
    }))
    .unwrap()
}

// Long: one scenario, told step by step in the order it happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_apps_own_objects_are_followed_and_told() {
    let w = world().await;
    let pods: Api<Pod> = Api::namespaced(w.cluster.client().await, "default");
    for n in 0..200 {
        let (app, image) = match n % 3 {
            0 => (format!("team-{n}"), "ghcr.io/other/crashloop:1"),
            1 => (format!("team-{n}"), "ghcr.io/other/does-not-exist:1"),
            // Named like ours plus a suffix: its events must not be taken for ours.
            _ => ("assistant-v2".to_string(), "ghcr.io/other/does-not-exist:2"),
        };
        pods.create(&PostParams::default(), &other_pod(&app, n, image))
            .await
            .unwrap();
    }

    w.service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/assistant:1.0", 2),
            Some(&key()),
            false,
        )
        .await
        .unwrap();
    // Following the app, as the Deployment screen does while it is shown.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    w.service
        .watch_rollout(&w.target, "assistant", move |s| tx.send(s).is_ok())
        .await
        .unwrap();
    let ready = next_status(&mut rx, |s| s.phase == Phase::Complete).await;
    assert_eq!((ready.desired, ready.ready), (2, 2));
    assert!(ready.problems.is_empty(), "{:?}", ready.problems);

    // What Purser follows, as the server sees it: the app's own objects only.
    let open = w.cluster.sim.faults().open_watches();
    assert!(
        open.iter()
            .any(|o| o == "deployments?fieldSelector=metadata.name=assistant"),
        "{open:?}"
    );
    assert!(
        open.iter()
            .any(|o| o == "pods?labelSelector=app.kubernetes.io/name=assistant"),
        "{open:?}"
    );
    assert!(
        open.iter().all(|o| !o.starts_with("events")),
        "no watch on the namespace's events: {open:?}"
    );

    // A bad image for our app: the problem names our image, never the others'.
    w.service
        .deploy(
            &w.target,
            &form("assistant", "ghcr.io/acme/does-not-exist:3", 2),
            Some(&key()),
            false,
        )
        .await
        .unwrap();
    let failing = next_status(&mut rx, |s| {
        s.problems.iter().any(|p| p.code.starts_with("image"))
    })
    .await;
    let told = serde_json::to_string(&failing.problems).unwrap();
    assert!(told.contains("ghcr.io/acme/does-not-exist:3"), "{told}");
    assert!(!told.contains("ghcr.io/other"), "{told}");
    assert!(!told.contains("crash"), "{told}");

    // Leaving the app: every watch is let go.
    w.service.stop_watch();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let open = w.cluster.sim.faults().open_watches();
        if open.is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still open: {open:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The first status from the watch for which `done` holds (20 s at most).
async fn next_status(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<RolloutStatus>,
    done: impl Fn(&RolloutStatus) -> bool,
) -> RolloutStatus {
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
