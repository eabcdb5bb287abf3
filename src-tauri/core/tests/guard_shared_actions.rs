//! A person's guard actions from any desktop on an app guarded in the cluster, through the
//! facade against the Kubernetes API test server: the proposal the job left in the shared
//! record is shown and approved from a desktop that never guarded the app, the revert record
//! lands in the shared record (kubectl reads it back) and a revert from the desktop puts the
//! copies back; figures in the record that are too old are not decided by.

use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, PostParams};
use purser_core::cluster::{ClusterService, KubeconfigSource};
use purser_core::guard::cluster_ops::{GuardOps, Reach};
use purser_core::guard::{
    ClusterRecords, HoldChoice, KeptFigures, Policy, Proposal, Shared, SharedBudget,
    Target as Level,
};
use serde_json::{json, Map, Value};
use time::macros::datetime;
use time::OffsetDateTime;

#[path = "common/guard_world.rs"]
mod guard_world;

use guard_world::{apply_guard_objects, key, set_up, target, world, World};

/// The world's Purser's clock (guard_world): 2026-11-20 12:00 UTC.
const NOW: OffsetDateTime = datetime!(2026-11-20 12:00 UTC);

/// `purser-guard` installed for the app, its 11:07 run finished.
async fn install(world: &World) {
    apply_guard_objects(world).await;
    let api: Api<CronJob> = Api::namespaced(world.cluster.client().await, "default");
    let mut job = api.get("purser-guard-assistant").await.unwrap();
    let at =
        |moment: OffsetDateTime| Time(Timestamp::from_second(moment.unix_timestamp()).unwrap());
    let status = job.status.get_or_insert_with(Default::default);
    status.last_schedule_time = Some(at(datetime!(2026-11-20 11:07 UTC)));
    status.last_successful_time = Some(at(datetime!(2026-11-20 11:07:03 UTC)));
    api.replace_status("purser-guard-assistant", &PostParams::default(), &job)
        .await
        .unwrap();
}

/// Changes the shared record as the job (or another desktop) would.
async fn share(world: &World, change: impl FnOnce(&mut Shared)) {
    let dir = tempfile::tempdir().unwrap();
    let service = ClusterService::new(
        KubeconfigSource::Files(vec![world.cluster.kubeconfig_path()]),
        dir.path(),
    );
    let ops = GuardOps::new(&service, Reach::Named);
    let records = ClusterRecords::new(&ops);
    let mut shared = records.read(&key()).await.unwrap();
    change(&mut shared);
    records.write(&key(), &shared).await.unwrap();
}

/// What the job's 11:07 run left: a proposal 4 → 1 over the $1,000 budget, figures read at
/// `read_at`.
fn proposed(shared: &mut Shared, read_at: &str) {
    shared.record.policy = Policy::Propose { floor: 1 };
    let mut params = Map::new();
    params.insert("spent".into(), json!(1100));
    params.insert("budget".into(), json!(1000));
    params.insert("currency".into(), json!("USD"));
    shared.record.proposal = Some(Proposal {
        to: Level::Copies { replicas: 1 },
        from: Some(Level::Copies { replicas: 4 }),
        code: "over_budget".into(),
        params,
        text: "spent 1100 USD > budget 1000 USD".into(),
        saving: None,
        at: "2026-11-20T11:07:02Z".into(),
    });
    shared.budget = Some(SharedBudget {
        amount: Some(1000.0),
        currency: "USD".into(),
        thresholds: vec![80, 100],
        cost_tag: None,
    });
    shared.figures = Some(KeptFigures {
        month: "2026-11".into(),
        spent: 1100.0,
        month_end: Some(1700.0),
        currency: "USD".into(),
        read_at: read_at.into(),
        cost_tag: None,
    });
}

async fn kept(world: &World) -> Value {
    let out = world
        .cluster
        .kubectl_ok(&["get", "configmap", "purser-assistant", "-o", "json"])
        .await;
    let map: Value = serde_json::from_str(&out).unwrap();
    serde_json::from_str(map["data"]["guard"].as_str().unwrap()).unwrap()
}

// Long: one story, approve then revert, in the order a stakeholder lives it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desktop_approves_and_reverts_what_the_guard_in_the_cluster_proposed() {
    let world = world().await;
    let purser = world.purser();
    set_up(&purser, &[("assistant", 4)]).await;
    // This desktop never guarded the app: its own record says nothing.
    install(&world).await;
    share(&world, |shared| proposed(shared, "2026-11-20T11:07:01Z")).await;

    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    assert_eq!(
        view.policy,
        Policy::Propose { floor: 1 },
        "the shared policy"
    );
    let proposal = view.proposal.expect("the job's proposal, shown here");
    assert!(proposal.current, "still lowers the app: {proposal:?}");
    assert_eq!(proposal.to, Level::Copies { replicas: 1 });

    let view = purser.guard_approve(&target(), "assistant").await.unwrap();
    assert_eq!(world.copies("assistant").await, "1");
    assert!(view.proposal.is_none());
    let record = kept(&world).await;
    assert!(
        record.get("proposal").is_none_or(Value::is_null),
        "{record}"
    );
    assert_eq!(
        record["revert"]["previous"],
        json!({"kind": "copies", "replicas": 4})
    );
    assert_eq!(record["revert"]["by"], whoami::username());
    let revertible = view.revertible.expect("from the shared record");
    assert_eq!(revertible.source, "record");

    let view = purser
        .guard_revert(&target(), "assistant", false, HoldChoice::MonthEnd)
        .await
        .unwrap();
    assert_eq!(world.copies("assistant").await, "4");
    assert!(view.revertible.is_none());
    let record = kept(&world).await;
    assert!(record.get("revert").is_none_or(Value::is_null), "{record}");
    assert!(
        record["hold"]["until"].is_string(),
        "held as chosen: {record}"
    );
    let actions: Vec<String> = purser
        .audit_entries(50)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a == "guardScale" || a == "guardRevert")
        .collect();
    assert_eq!(actions, ["guardRevert", "guardScale"], "audited here");

    // A policy set here is the shared one, and every Purser says who set it.
    let view = purser
        .set_guard_policy(&target(), "assistant", Policy::Notify, false)
        .await
        .unwrap();
    assert_eq!(view.policy, Policy::Notify);
    let record = kept(&world).await;
    assert_eq!(record["policy"]["mode"], "notify");
    let changed = view
        .in_cluster
        .unwrap()
        .seen
        .changed
        .expect("who changed it");
    let host = whoami::fallible::hostname().unwrap();
    assert_eq!(changed.by, format!("{}@{host}", whoami::username()));
    assert_eq!(changed.at, "2026-11-20T12:00:00Z");

    // The shared budget, changed here, is the one another stakeholder's Purser (its own data
    // folder) shows; an amount that cannot be read changes nothing.
    let refused = purser
        .set_shared_budget(&target(), "assistant", "five thousand")
        .await
        .unwrap_err();
    assert_eq!(refused.code, "amount_unreadable");
    let out = world
        .cluster
        .kubectl_ok(&[
            "get",
            "configmap",
            "purser-assistant",
            "-o",
            "jsonpath={.data.budget}",
        ])
        .await;
    let budget: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(budget["amount"], 1000.0, "the refusal changed nothing");
    let view = purser
        .set_shared_budget(&target(), "assistant", "6,000")
        .await
        .unwrap();
    let seen = view.in_cluster.unwrap().seen;
    assert_eq!(seen.budget.map(|b| b.amount), Some(Some(6000.0)));
    let other_dir = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(purser_core::testing::FixedClock(NOW));
    let other = purser_core::Purser::new(
        purser_core::AppDirs::under(other_dir.path()),
        None,
        world.backends(clock),
    );
    other
        .kube_connect(purser_test_support::kube::CONTEXT)
        .await
        .unwrap();
    let theirs = other.guard_view(&target(), "assistant").await.unwrap();
    let seen = theirs.in_cluster.expect("installed").seen;
    assert_eq!(seen.budget.map(|b| b.amount), Some(Some(6000.0)));
    assert_eq!(theirs.policy, Policy::Notify, "and the same policy");
    let budget_lines = purser
        .audit_entries(50)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "guardBudget")
        .count();
    assert_eq!(budget_lines, 1, "the change audited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_too_old_in_the_shared_record_are_not_decided_by() {
    let world = world().await;
    let purser = world.purser();
    set_up(&purser, &[("assistant", 4)]).await;
    install(&world).await;
    // Read 8 hours before the desktop's clock: older than the 6 hours they are kept fresh.
    let read_at = purser_core::clock::rfc3339(NOW - time::Duration::hours(8));
    share(&world, |shared| proposed(shared, &read_at)).await;
    let refused = purser
        .guard_approve(&target(), "assistant")
        .await
        .unwrap_err();
    assert_eq!(refused.code, "guard_shared_figures_stale", "{refused:?}");
    assert_eq!(world.copies("assistant").await, "4", "nothing changed");
    let record = kept(&world).await;
    assert!(record["proposal"].is_object(), "still waiting: {record}");
}

// Long: a late guard in the cluster, told, stood in for, in the order it happens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standing_in_guards_the_shared_record_with_this_computers_figures() {
    let world = world().await;
    let clock = std::sync::Arc::new(purser_core::testing::ManualClock::new(NOW));
    let purser = world.purser_at(clock.clone());
    // This computer never guarded the app: its own policy is off.
    set_up(&purser, &[("assistant", 4)]).await;
    install(&world).await;
    share(&world, |shared| {
        proposed(shared, "2026-11-20T06:00:00Z");
        shared.record.policy = Policy::Automatic { floor: 1 };
        shared.record.proposal = None;
        shared.record.last_check = Some(purser_core::guard::LastCheck {
            at: "2026-11-20T11:07:02Z".into(),
            did: "nothing".into(),
            code: "cooldown".into(),
            params: Map::new(),
        });
    })
    .await;
    // Seen once in the window: the hourly look covers it from then on.
    purser.guard_view(&target(), "assistant").await.unwrap();

    // 14:30: no run since 11:07.
    clock.set(datetime!(2026-11-20 14:30 UTC));
    let told = purser.guard_check().await;
    let codes: Vec<&str> = told.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes, ["guard_cluster_late"], "{told:?}");
    assert_eq!(world.copies("assistant").await, "4");

    // Stood in for: the shared policy (automatic), this computer's figures ($1,100 spent of
    // the shared $1,000; the record's are 8 hours old), the revert record in the shared record.
    purser
        .guard_stand_in(&target(), "assistant", true)
        .await
        .unwrap();
    let told = purser.guard_check().await;
    let codes: Vec<&str> = told.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes, ["guard_scaled"], "{told:?}");
    assert_eq!(world.copies("assistant").await, "1");
    let record = kept(&world).await;
    assert_eq!(
        record["revert"]["previous"],
        json!({"kind": "copies", "replicas": 4})
    );
    let out = world
        .cluster
        .kubectl_ok(&[
            "get",
            "configmap",
            "purser-assistant",
            "-o",
            "jsonpath={.data.figures}",
        ])
        .await;
    let figures: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(figures["spent"], 1100.0, "kept for everyone: {figures}");
    assert_ne!(figures["readAt"], "2026-11-20T06:00:00Z");
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    assert!(view.in_cluster.unwrap().stand_in);
    assert_eq!(view.revertible.expect("shared").source, "record");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_read_but_not_change_the_shared_record_sees_it_read_only() {
    let world = world().await;
    let purser = world.purser();
    set_up(&purser, &[("assistant", 4)]).await;
    install(&world).await;
    share(&world, |shared| proposed(shared, "2026-11-20T11:07:01Z")).await;
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    assert!(!view.in_cluster.unwrap().read_only);

    // This person's cluster account may not update ConfigMaps.
    world.cluster.sim.faults().deny("update", "configmaps");
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    let seen = view.in_cluster.expect("still shown");
    assert!(seen.read_only, "told it is read-only");
    assert_eq!(seen.seen.budget.and_then(|b| b.amount), Some(1000.0));
    let refused = purser
        .set_shared_budget(&target(), "assistant", "2000")
        .await
        .unwrap_err();
    assert_eq!(refused.code, "kube_forbidden", "{refused:?}");
    let out = world
        .cluster
        .kubectl_ok(&[
            "get",
            "configmap",
            "purser-assistant",
            "-o",
            "jsonpath={.data.budget}",
        ])
        .await;
    let budget: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(budget["amount"], 1000.0, "nothing changed");
}
