//! The desktop beside the guard in the cluster, through the facade against the Kubernetes API
//! test server: with `purser-guard` installed for an app (its objects applied with kubectl,
//! its runs left in the CronJob's status and the shared record as the job leaves them), the
//! desktop's schedule never acts on that app, tells each action of the guard in the cluster
//! once, says when that guard stops working, and guards the app from here only when the
//! person chooses — and stands aside again by itself once the guard in the cluster works.

use std::sync::Arc;

use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, PostParams};
use purser_core::cluster::{ClusterService, KubeconfigSource};
use purser_core::guard::cluster_ops::{GuardOps, Reach};
use purser_core::guard::in_cluster::Health;
use purser_core::guard::install::DEFAULT_SCHEDULE;
use purser_core::guard::{ClusterRecords, LastCheck, Policy, SharedBudget};
use purser_core::testing::ManualClock;
use purser_core::Purser;
use serde_json::{json, Map};
use time::macros::datetime;
use time::OffsetDateTime;

#[path = "common/guard_world.rs"]
mod guard_world;

use guard_world::{apply_guard_objects, key, set_up, target, world, World};

/// `purser-guard`'s objects for the app, applied as an administrator would.
async fn install(world: &World) {
    apply_guard_objects(world).await;
}

fn k8s_time(at: OffsetDateTime) -> Time {
    Time(Timestamp::from_second(at.unix_timestamp()).unwrap())
}

/// One run of the job as the cluster keeps it: the CronJob controller's status (started at
/// `started`, succeeded or not) and, when the run judged, its check in the shared record.
async fn job_ran(world: &World, started: OffsetDateTime, check: Option<(&str, &str)>) {
    let api: Api<CronJob> = Api::namespaced(world.cluster.client().await, "default");
    let mut job = api.get("purser-guard-assistant").await.unwrap();
    let status = job.status.get_or_insert_with(Default::default);
    status.last_schedule_time = Some(k8s_time(started));
    if check.is_some() {
        status.last_successful_time = Some(k8s_time(started + time::Duration::seconds(3)));
    }
    api.replace_status("purser-guard-assistant", &PostParams::default(), &job)
        .await
        .unwrap();
    let Some((did, code)) = check else { return };
    let dir = tempfile::tempdir().unwrap();
    let service = ClusterService::new(
        KubeconfigSource::Files(vec![world.cluster.kubeconfig_path()]),
        dir.path(),
    );
    let ops = GuardOps::new(&service, Reach::Named);
    let records = ClusterRecords::new(&ops);
    let mut shared = records.read(&key()).await.unwrap();
    // The shared policy differs from this computer's (automatic): what a stand-in follows.
    shared.record.policy = Policy::Propose { floor: 1 };
    shared.budget = Some(SharedBudget {
        amount: Some(1000.0),
        currency: "USD".into(),
        thresholds: vec![80, 100],
        cost_tag: None,
    });
    let mut params = Map::new();
    params.insert("spent".into(), json!(1100));
    params.insert("budget".into(), json!(1000));
    params.insert("currency".into(), json!("USD"));
    shared.record.last_check = Some(LastCheck {
        at: purser_core::clock::rfc3339(started + time::Duration::seconds(2)),
        did: did.into(),
        code: code.into(),
        params,
    });
    records.write(&key(), &shared).await.unwrap();
}

fn codes(told: &[purser_core::AppError]) -> Vec<&str> {
    told.iter().map(|n| n.code.as_str()).collect()
}

fn stand_in_lines(purser: &Purser) -> Vec<String> {
    purser
        .audit_entries(100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with("guardStand"))
        .map(|e| e.action)
        .collect()
}

fn scale_lines(purser: &Purser) -> usize {
    let entries = purser.audit_entries(100).unwrap();
    entries.iter().filter(|e| e.action == "guardScale").count()
}

// Long: one story in the order a stakeholder lives it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desktop_stands_aside_for_the_guard_in_the_cluster_and_stands_in_only_when_asked() {
    let world = world().await;
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-20 12:00 UTC)));
    let purser = world.purser_at(clock.clone());
    set_up(&purser, &[("assistant", 4)]).await;
    let automatic = Policy::Automatic { floor: 1 };
    purser
        .set_guard_policy(&target(), "assistant", automatic, false)
        .await
        .unwrap();

    // Not installed: nothing to stand in for.
    let refused = purser
        .guard_stand_in(&target(), "assistant", true)
        .await
        .unwrap_err();
    assert_eq!(refused.code, "guard_not_in_cluster");

    // Installed; its 11:07 run proposed a scale-down (over the budget, like this desktop sees).
    install(&world).await;
    job_ran(
        &world,
        datetime!(2026-11-20 11:07 UTC),
        Some(("propose", "over_budget")),
    )
    .await;
    let told = purser.guard_check().await;
    assert_eq!(codes(&told), ["guard_cluster_propose"], "{told:?}");
    assert_eq!(told[0].hint_code, "guard_over_budget");
    assert_eq!(
        world.copies("assistant").await,
        "4",
        "this computer did not act"
    );
    assert_eq!(scale_lines(&purser), 0);
    assert!(purser.guard_check().await.is_empty(), "told once");

    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    let seen = view.in_cluster.expect("installed");
    assert_eq!(seen.seen.health, Health::Working);
    assert_eq!(seen.seen.next.as_deref(), Some("2026-11-20T12:07:00Z"));
    assert_eq!(seen.seen.schedule, DEFAULT_SCHEDULE);
    assert!(!seen.stand_in);
    let refused = purser
        .guard_stand_in(&target(), "assistant", true)
        .await
        .unwrap_err();
    assert_eq!(refused.code, "guard_cluster_guard_working");

    // 14:30: the 12:07 and later runs failed without a check (the image was not pulled).
    job_ran(&world, datetime!(2026-11-20 14:07 UTC), None).await;
    clock.set(datetime!(2026-11-20 14:30 UTC));
    let told = purser.guard_check().await;
    assert_eq!(codes(&told), ["guard_cluster_run_failed"], "{told:?}");
    assert_eq!(world.copies("assistant").await, "4", "still standing aside");
    assert!(purser.guard_check().await.is_empty(), "told once");
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    assert_eq!(view.in_cluster.unwrap().seen.health, Health::RunFailed);

    // The person chooses to guard it from here meanwhile: the desktop acts on the shared
    // record, by the shared policy and budget and its own figures (the record has none).
    let view = purser
        .guard_stand_in(&target(), "assistant", true)
        .await
        .unwrap();
    assert!(view.in_cluster.unwrap().stand_in);
    let told = purser.guard_check().await;
    assert_eq!(
        codes(&told),
        ["guard_propose"],
        "the shared policy: {told:?}"
    );
    assert_eq!(world.copies("assistant").await, "4");
    assert_eq!(stand_in_lines(&purser), ["guardStandIn"]);

    // The guard in the cluster works again: this computer stands aside by itself.
    job_ran(
        &world,
        datetime!(2026-11-20 15:07 UTC),
        Some(("nothing", "cooldown")),
    )
    .await;
    clock.set(datetime!(2026-11-20 15:20 UTC));
    let told = purser.guard_check().await;
    assert!(told.is_empty(), "a quiet check is not told: {told:?}");
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    let seen = view.in_cluster.unwrap();
    assert_eq!(seen.seen.health, Health::Working);
    assert!(!seen.stand_in);
    assert_eq!(
        stand_in_lines(&purser),
        ["guardStandAside", "guardStandIn"],
        "newest first, both audited"
    );

    // kubectl reads the CronJob's status the desktop judged by.
    let last = world
        .cluster
        .kubectl_ok(&[
            "get",
            "cronjob",
            "purser-guard-assistant",
            "-o",
            "jsonpath={.status.lastScheduleTime}",
        ])
        .await;
    assert_eq!(last, "2026-11-20T15:07:00Z");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_in_the_cluster_that_cannot_judge_is_told_with_its_reason_and_nothing_acts() {
    let world = world().await;
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-20 11:20 UTC)));
    let purser = world.purser_at(clock.clone());
    set_up(&purser, &[("assistant", 4)]).await;
    let automatic = Policy::Automatic { floor: 1 };
    purser
        .set_guard_policy(&target(), "assistant", automatic, false)
        .await
        .unwrap();
    install(&world).await;
    job_ran(
        &world,
        datetime!(2026-11-20 11:07 UTC),
        Some(("refused", "cost_failed")),
    )
    .await;
    let told = purser.guard_check().await;
    assert_eq!(codes(&told), ["guard_cluster_could_not_judge"], "{told:?}");
    assert_eq!(told[0].hint_code, "guard_cluster_could_not_judge");
    assert_eq!(told[0].params["reason"], "cost_failed");
    assert_eq!(told[0].params["since"], "2026-11-20T11:07:02Z");
    assert_eq!(world.copies("assistant").await, "4");
    assert!(purser
        .status()
        .notices
        .iter()
        .any(|n| n.code == "guard_cluster_could_not_judge"));

    // The cluster stops answering: the desktop that saw its guard stands aside (it cannot tell
    // whether that guard acts) and says so once — it does not run a round of its own.
    world.cluster.sim.kill();
    let told = purser.guard_check().await;
    assert_eq!(codes(&told), ["guard_cluster_unseen"], "{told:?}");
    assert!(purser.guard_check().await.is_empty(), "told once");
}
