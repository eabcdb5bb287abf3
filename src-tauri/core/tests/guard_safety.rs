//! The guard's safety through the facade, with real peers: the autoscaler path end to end
//! (with a failure between its two writes), autoscalers that cannot be listed, a context
//! re-pointed to another cluster, a keychain that hangs, and the monthly cap on Cost
//! Explorer requests counted with the SDK's retries.

#[path = "common/guard_world.rs"]
mod guard_world;

use std::sync::Arc;
use std::time::{Duration, Instant};

use guard_world::{set_up, target, world, World};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use kube::api::{Api, PostParams};
use purser_core::cluster::KubeconfigSource;
use purser_core::cost::RequestMeter;
use purser_core::guard::{HoldChoice, Policy};
use purser_core::settings::SettingsPatch;
use purser_core::testing::FixedClock;
use purser_test_support::kube::Cluster;
use serde_json::json;
use time::macros::datetime;
use wiremock::matchers::{header, method};
use wiremock::{Mock, ResponseTemplate};

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock(datetime!(2026-11-20 12:00 UTC)))
}

async fn autoscale(cluster: &Cluster, min: i32, max: i32) {
    let hpas: Api<HorizontalPodAutoscaler> = Api::default_namespaced(cluster.client().await);
    let hpa = serde_json::from_value(json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "assistant"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "assistant"},
                 "minReplicas": min, "maxReplicas": max}}))
    .unwrap();
    hpas.create(&PostParams::default(), &hpa).await.unwrap();
}

/// Spent $1,100 of $1,000: the guard lowers the autoscaler's range to its floor. The note on
/// the Deployment (its second write) is refused by the cluster; the range is lowered all the
/// same, Purser's own record knows what it was, and the revert puts it back from that record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_autoscaler_path_end_to_end_with_a_failure_between_its_two_writes() {
    let w = world().await;
    let purser = w.purser();
    set_up(&purser, &[("assistant", 4)]).await;
    autoscale(&w.cluster, 3, 10).await;
    purser
        .set_guard_policy(
            &target(),
            "assistant",
            Policy::Automatic { floor: 2 },
            false,
        )
        .await
        .unwrap();
    w.cluster.sim.faults().deny("patch", "deployments");

    let told = purser.guard_check().await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].code, "guard_scaled");
    assert_eq!(w.range("assistant").await, "2-2");
    assert_eq!(w.annotation("assistant").await, "", "the note was refused");
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    let revertible = view.revertible.expect("Purser's record knows");
    assert_eq!(revertible.source, "record");

    w.cluster.sim.faults().clear();
    purser
        .guard_revert(&target(), "assistant", false, HoldChoice::MonthEnd)
        .await
        .unwrap();
    assert_eq!(w.range("assistant").await, "3-10");
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    assert!(view.revertible.is_none());
    assert!(
        view.hold.is_some(),
        "the revert sticks until the month's end"
    );
    assert!(
        purser.guard_check().await.is_empty(),
        "held off, nothing told"
    );
    assert_eq!(w.range("assistant").await, "3-10");
}

/// A user who may not list autoscalers: the guard cannot know whether one manages the app,
/// so it sets no copies and says why, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoscalers_that_cannot_be_listed_stop_the_guard() {
    let w = world().await;
    let purser = w.purser();
    set_up(&purser, &[("assistant", 4)]).await;
    purser
        .set_guard_policy(
            &target(),
            "assistant",
            Policy::Automatic { floor: 1 },
            false,
        )
        .await
        .unwrap();
    w.cluster
        .sim
        .faults()
        .deny("list", "horizontalpodautoscalers");
    let told = purser.guard_check().await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(
        (told[0].code.as_str(), told[0].hint_code.as_str()),
        ("guard_refused", "guard_autoscalers_hidden")
    );
    assert_eq!(w.copies("assistant").await, "4");
    assert!(purser.guard_check().await.is_empty(), "said once");
}

/// The kubeconfig's context is re-pointed to another cluster, where an app of the same name
/// runs: the scheduled guard reaches it by the context's name, sees another cluster, and
/// changes nothing there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_repointed_to_another_cluster_receives_nothing() {
    let w = world().await;
    let kubeconfig = w.dir.path().join("kubeconfig");
    std::fs::copy(w.cluster.kubeconfig_path(), &kubeconfig).unwrap();
    let backends = || purser_core::Backends {
        kubeconfig: KubeconfigSource::Files(vec![kubeconfig.clone()]),
        ..w.backends(clock())
    };
    let purser = w.purser_with(backends());
    set_up(&purser, &[("assistant", 4)]).await;
    purser
        .set_guard_policy(
            &target(),
            "assistant",
            Policy::Automatic { floor: 1 },
            false,
        )
        .await
        .unwrap();
    drop(purser);

    let other = Cluster::start().await;
    std::fs::copy(other.kubeconfig_path(), &kubeconfig).unwrap();
    let purser = w.purser_with(backends());
    set_up(&purser, &[("assistant", 6)]).await;
    let told = purser.guard_check().await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].hint_code, "guard_cluster_changed");
    let copies = other
        .kubectl_ok(&[
            "get",
            "deployment",
            "assistant",
            "-o",
            "jsonpath={.spec.replicas}",
        ])
        .await;
    assert_eq!(copies, "6", "the other cluster is left alone");
    assert_eq!(w.copies("assistant").await, "4");
}

/// A keychain that never answers: the guard gives up on it after the deadline, tells the
/// user, and changes nothing — the next round is not stuck behind it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keychain_that_hangs_is_told_and_does_not_stall_the_round() {
    let w = world().await;
    let mut backends = w.backends(clock());
    backends.timeouts.keychain = Duration::from_millis(200);
    let purser = w.purser_with(backends);
    set_up(&purser, &[("assistant", 4)]).await;
    purser
        .set_guard_policy(
            &target(),
            "assistant",
            Policy::Automatic { floor: 1 },
            false,
        )
        .await
        .unwrap();
    let stall = Duration::from_secs(3);
    w.secrets.stall_reads(Some(stall));
    let started = Instant::now();
    let told = purser.guard_check().await;
    assert!(started.elapsed() < stall, "{:?}", started.elapsed());
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].code, "guard_cost_failed");
    assert_eq!(told[0].params["error"], "keychain_slow");
    assert_eq!(w.copies("assistant").await, "4");
    w.secrets.stall_reads(None);
}

fn requests(w: &World) -> u32 {
    RequestMeter::new(&w.dir.path().join("data")).requests_in("2026-11")
}

/// Cost Explorer throttles the forecast twice: the SDK's two retries are counted with the
/// requests (AWS bills each). At the monthly cap nothing more is asked and the last figures
/// are shown, marked with why (the guard telling it once is a test of the service).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_cap_holds_and_counts_the_sdks_retries() {
    let w = world().await;
    Mock::given(method("POST"))
        .and(header(
            "x-amz-target",
            "AWSInsightsIndexService.GetCostForecast",
        ))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"__type":"ThrottlingException","message":"slow down"}"#,
            "application/x-amz-json-1.1",
        ))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&w.forecast)
        .await;
    let purser = w.purser();
    set_up(&purser, &[("assistant", 4)]).await;
    let patch = SettingsPatch::from_json(&json!({"costRequestCap": "4"})).unwrap();
    purser.update_settings(&patch).unwrap();
    purser
        .set_guard_policy(&target(), "assistant", Policy::Notify, false)
        .await
        .unwrap();
    purser.guard_check().await;
    // One usage page, and the forecast asked three times.
    assert_eq!(requests(&w), 4, "retries are requests too");

    let view = purser
        .cost_view(true, purser_core::chart::Theme::Light, 640)
        .await
        .unwrap();
    let stale = view.report.stale.expect("the last figures, marked");
    assert_eq!(stale.error.code, "cost_request_cap");
    assert_eq!(requests(&w), 4, "nothing asked at the cap");
}
