//! "Run the guard in the cluster" through the facade against the Kubernetes API test server:
//! the preview dry-runs every object and changes nothing; the install shares this computer's
//! budget and guard record in the app's record and applies the objects (kubectl reads them
//! back, and accepts the exported YAML in a server dry run); an object Purser did not create
//! stops it; bad input is refused by field; uninstall removes exactly the guard's objects.

use purser_core::cluster::{AppSpec, Target, SANDBOX_CONTEXT};
use purser_core::guard::in_cluster::Health;
use purser_core::guard::Policy;
use purser_core::InstallForm;
use serde_json::Value;

#[path = "common/guard_world.rs"]
mod guard_world;

use guard_world::{key, set_up, target, world, World};

const OBJECTS: [&str; 4] = ["serviceaccount", "role", "rolebinding", "cronjob"];

fn form(schedule: &str) -> InstallForm {
    InstallForm {
        image: "registry.example/purser-guard@sha256:0123".into(),
        schedule: Some(schedule.into()),
        aws_role_arn: Some("arn:aws:iam::123456789012:role/purser-guard".into()),
    }
}

async fn exists(world: &World, kind: &str) -> bool {
    let out = world
        .cluster
        .kubectl(&["get", kind, "purser-guard-assistant", "-o", "name"])
        .await;
    out.status.success()
}

async fn record(world: &World) -> Option<Value> {
    let out = world
        .cluster
        .kubectl(&["get", "configmap", "purser-assistant", "-o", "json"])
        .await;
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).unwrap())
}

fn actions(purser: &purser_core::Purser) -> Vec<String> {
    let entries = purser.audit_entries(50).unwrap();
    let guard = entries.into_iter().filter(|e| {
        [
            "guardInstall",
            "guardUninstall",
            "guardTestNow",
            "guardShare",
        ]
        .contains(&e.action.as_str())
    });
    guard.map(|e| e.action).collect()
}

// Long: preview, install, re-preview, export, uninstall in the order a person does them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_install_export_and_uninstall_the_guard_in_the_cluster() {
    let world = world().await;
    let purser = world.purser();
    set_up(&purser, &[("assistant", 4)]).await;
    let propose = Policy::Propose { floor: 2 };
    purser
        .set_guard_policy(&target(), "assistant", propose.clone(), false)
        .await
        .unwrap();

    // This computer looked once before installing: $1,100 of $1,000, it proposes.
    let told = purser.guard_check().await;
    assert_eq!(told.len(), 1, "{told:?}");

    let preview = purser
        .guard_install_preview(&target(), "assistant", &form("7 * * * *"))
        .await
        .unwrap();
    let changes: Vec<(&str, &str)> = preview
        .objects
        .changes
        .iter()
        .map(|c| (c.kind.as_str(), c.action.as_str()))
        .collect();
    assert_eq!(
        changes,
        [
            ("ServiceAccount", "create"),
            ("Role", "create"),
            ("RoleBinding", "create"),
            ("CronJob", "create")
        ]
    );
    assert!(
        preview.objects.yaml.contains("kind: CronJob"),
        "{}",
        preview.objects.yaml
    );
    assert!(preview.objects.iam_policy.contains("ce:GetCostForecast"));
    let share = preview
        .share
        .expect("no record yet: this install shares the budget");
    assert_eq!(share.budget.amount, Some(1000.0));
    assert_eq!(share.policy, propose);
    for kind in OBJECTS {
        assert!(!exists(&world, kind).await, "a preview made {kind}");
    }
    assert!(record(&world).await.is_none(), "a preview shares nothing");

    let view = purser
        .guard_install(&target(), "assistant", &form("7 * * * *"))
        .await
        .unwrap();
    for kind in OBJECTS {
        assert!(exists(&world, kind).await, "{kind} installed");
    }
    let annotation = world
        .cluster
        .kubectl_ok(&[
            "get",
            "serviceaccount",
            "purser-guard-assistant",
            "-o",
            "jsonpath={.metadata.annotations.eks\\.amazonaws\\.com/role-arn}",
        ])
        .await;
    assert_eq!(annotation, "arn:aws:iam::123456789012:role/purser-guard");
    let shared = record(&world).await.expect("the budget is shared");
    let budget: Value = serde_json::from_str(shared["data"]["budget"].as_str().unwrap()).unwrap();
    assert_eq!(budget["amount"], 1000.0);
    let guard: Value = serde_json::from_str(shared["data"]["guard"].as_str().unwrap()).unwrap();
    assert_eq!(guard["policy"]["mode"], "propose");
    assert_eq!(guard["policy"]["floor"], 2);
    // This computer's last look is not the guard in the cluster's: its first run is due, and
    // the desktop's own proposal is not told again as the cluster's.
    assert!(guard.get("lastCheck").is_none_or(Value::is_null), "{guard}");
    let seen = view.in_cluster.expect("installed");
    assert_eq!(seen.seen.health, Health::FirstRunDue);
    assert!(seen.seen.last_check.is_none());
    assert!(purser.guard_check().await.is_empty());
    assert_eq!(actions(&purser), ["guardInstall", "guardShare"]);

    // The same objects again, the schedule changed: only the CronJob would change, and the
    // record is kept as it is (shared already).
    let again = purser
        .guard_install_preview(&target(), "assistant", &form("*/30 * * * *"))
        .await
        .unwrap();
    let changed: Vec<&str> = again
        .objects
        .changes
        .iter()
        .filter(|c| c.action != "unchanged")
        .map(|c| c.kind.as_str())
        .collect();
    assert_eq!(changed, ["CronJob"]);
    assert!(again.share.is_none());

    // "Test now" starts one Job from the CronJob, owned by it and marked as started by hand;
    // asked again within the minute, the same one is named.
    let started = purser.guard_test_now(&target(), "assistant").await.unwrap();
    assert!(!started.simulated);
    let job = started.job.expect("a Job in the cluster");
    assert!(job.starts_with("purser-guard-assistant-"), "{job}");
    let owner = world
        .cluster
        .kubectl_ok(&[
            "get",
            "job",
            &job,
            "-o",
            "jsonpath={.metadata.ownerReferences[0].name}",
        ])
        .await;
    assert_eq!(owner, "purser-guard-assistant");
    let manual = world
        .cluster
        .kubectl_ok(&[
            "get",
            "job",
            &job,
            "-o",
            "jsonpath={.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate}",
        ])
        .await;
    assert_eq!(manual, "manual");
    let image = world
        .cluster
        .kubectl_ok(&[
            "get",
            "job",
            &job,
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ])
        .await;
    assert_eq!(image, "registry.example/purser-guard@sha256:0123");
    let twice = purser.guard_test_now(&target(), "assistant").await.unwrap();
    assert_eq!(twice.job.as_deref(), Some(job.as_str()));

    // The exported YAML is what a Git or Terraform user applies: the server takes it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("purser-guard.yaml");
    std::fs::write(&file, &again.objects.yaml).unwrap();
    let file = file.to_str().unwrap();
    let dry = ["apply", "--dry-run=server", "--validate=false", "-f", file];
    world.cluster.kubectl_ok(&dry).await;

    let report = purser
        .guard_uninstall(&target(), "assistant")
        .await
        .unwrap();
    assert_eq!(report.removed.len(), 4, "{report:?}");
    for kind in OBJECTS {
        assert!(!exists(&world, kind).await, "{kind} removed");
    }
    assert!(
        record(&world).await.is_some(),
        "the shared record keeps the budget"
    );
    let view = purser.guard_view(&target(), "assistant").await.unwrap();
    assert!(view.in_cluster.is_none());
    assert_eq!(
        actions(&purser),
        [
            "guardUninstall",
            "guardTestNow",
            "guardTestNow",
            "guardInstall",
            "guardShare"
        ]
    );

    // Installed again over the kept record: a new guard, its first run due, not "late".
    let view = purser
        .guard_install(&target(), "assistant", &form("7 * * * *"))
        .await
        .unwrap();
    assert_eq!(view.in_cluster.unwrap().seen.health, Health::FirstRunDue);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_and_objects_purser_did_not_create_change_nothing() {
    let world = world().await;
    let purser = world.purser();
    set_up(&purser, &[("assistant", 4)]).await;

    let refused = purser
        .guard_install(&target(), "assistant", &form("every hour"))
        .await
        .unwrap_err();
    assert_eq!(refused.code, "guard_install_invalid");
    assert_eq!(refused.fields[0].field, "guardInstallSchedule");
    let no_image = InstallForm {
        image: "  ".into(),
        ..form("7 * * * *")
    };
    let refused = purser
        .guard_install(&target(), "assistant", &no_image)
        .await
        .unwrap_err();
    assert_eq!(refused.fields[0].field, "guardInstallImage");
    assert!(record(&world).await.is_none());

    // Someone made a ServiceAccount of the guard's name by hand (kubectl create speaks
    // protobuf, which the test server does not: apply sends JSON).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sa.json");
    let account = serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": "purser-guard-assistant", "namespace": "default"}});
    std::fs::write(&file, account.to_string()).unwrap();
    let file = file.to_str().unwrap();
    world
        .cluster
        .kubectl_ok(&["apply", "--validate=false", "-f", file])
        .await;
    let refused = purser
        .guard_install(&target(), "assistant", &form("7 * * * *"))
        .await
        .unwrap_err();
    assert_eq!(refused.code, "kube_not_managed", "{refused:?}");
    for kind in ["role", "rolebinding", "cronjob"] {
        assert!(
            !exists(&world, kind).await,
            "{kind} made despite the refusal"
        );
    }
    // Uninstall leaves what Purser did not create.
    let report = purser
        .guard_uninstall(&target(), "assistant")
        .await
        .unwrap();
    assert_eq!(report.left_alone, ["ServiceAccount/purser-guard-assistant"]);
    assert!(exists(&world, "serviceaccount").await);
}

/// `assistant` on the sandbox at 4 copies, guarded automatically (floor 1), and the guard
/// installed there on `schedule`.
async fn on_the_sandbox(purser: &purser_core::Purser, schedule: &str) -> Target {
    set_up(purser, &[]).await;
    purser.kube_connect(SANDBOX_CONTEXT).await.unwrap();
    let sandbox = Target {
        context: SANDBOX_CONTEXT.into(),
        namespace: "default".into(),
    };
    let spec: AppSpec = serde_json::from_value(serde_json::json!({
        "name": "assistant", "image": "ghcr.io/acme/assistant:1.0", "replicas": 4,
        "port": 8080, "cpuRequest": "250m", "memoryRequest": "512Mi"
    }))
    .unwrap();
    purser.deploy(&sandbox, &spec, false).await.unwrap();
    let automatic = Policy::Automatic { floor: 1 };
    purser
        .set_guard_policy(&sandbox, "assistant", automatic, false)
        .await
        .unwrap();
    purser
        .guard_install(&sandbox, "assistant", &form(schedule))
        .await
        .unwrap();
    sandbox
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_sandbox_test_now_runs_the_guards_check_as_the_job_would() {
    let world = world().await;
    let purser = world.purser();
    let sandbox = on_the_sandbox(&purser, "7 * * * *").await;

    // $1,100 spent of the shared $1,000: the simulated run scales down, as the job would.
    let started = purser.guard_test_now(&sandbox, "assistant").await.unwrap();
    assert!(started.simulated && started.job.is_none());
    let view = purser.guard_view(&sandbox, "assistant").await.unwrap();
    assert_eq!(view.copies, 1);
    let seen = view.in_cluster.expect("installed");
    assert_eq!(seen.seen.health, Health::Working);
    let check = seen.seen.last_check.expect("the run's check");
    assert_eq!(
        (check.did.as_str(), check.code.as_str()),
        ("scaled", "over_budget")
    );
    assert!(view.revertible.is_some(), "revertible from the window");
    // The desktop's next look tells what the guard in the cluster did, and does not act.
    let told = purser.guard_check().await;
    let codes: Vec<&str> = told.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes, ["guard_cluster_scaled"], "{told:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installed_again_over_an_old_check_its_first_run_is_due_not_late() {
    let world = world().await;
    let clock = std::sync::Arc::new(purser_core::testing::ManualClock::new(
        time::macros::datetime!(2026-11-20 12:00 UTC),
    ));
    let purser = world.purser_at(clock.clone());
    set_up(&purser, &[("assistant", 4)]).await;
    purser
        .guard_install(&target(), "assistant", &form("7 * * * *"))
        .await
        .unwrap();
    // Its one run, long ago, left a check in the record; then it was removed.
    let dir = tempfile::tempdir().unwrap();
    let service = purser_core::cluster::ClusterService::new(
        purser_core::cluster::KubeconfigSource::Files(vec![world.cluster.kubeconfig_path()]),
        dir.path(),
    );
    let ops = purser_core::guard::cluster_ops::GuardOps::new(
        &service,
        purser_core::guard::cluster_ops::Reach::Named,
    );
    let records = purser_core::guard::ClusterRecords::new(&ops);
    let mut shared = records.read(&key()).await.unwrap();
    shared.record.last_check = Some(purser_core::guard::LastCheck {
        at: "2026-11-20T12:07:02Z".into(),
        did: "nothing".into(),
        code: "within".into(),
        params: serde_json::Map::new(),
    });
    records.write(&key(), &shared).await.unwrap();
    purser
        .guard_uninstall(&target(), "assistant")
        .await
        .unwrap();

    // Weeks later (the server's own clock), installed again: a new guard, not a late one.
    clock.set(time::OffsetDateTime::now_utc());
    let view = purser
        .guard_install(&target(), "assistant", &form("7 * * * *"))
        .await
        .unwrap();
    let seen = view.in_cluster.expect("installed").seen;
    assert_eq!(seen.health, Health::FirstRunDue, "{seen:?}");
    assert!(seen.last_check.is_some(), "the old check is still shown");
}

// Long: the sandbox's controller over three looks, in the order they happen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_sandbox_the_guards_checks_run_on_their_schedule() {
    let world = world().await;
    let clock = std::sync::Arc::new(purser_core::testing::ManualClock::new(
        time::macros::datetime!(2026-11-20 12:00:30 UTC),
    ));
    let purser = world.purser_at(clock.clone());
    let sandbox = on_the_sandbox(&purser, "* * * * *").await;
    let check_at = |view: &purser_core::GuardView| {
        let seen = view.in_cluster.as_ref().expect("installed");
        seen.seen
            .last_check
            .as_ref()
            .map(|c| (c.at.clone(), c.did.clone()))
    };
    let before = purser.guard_view(&sandbox, "assistant").await.unwrap();
    assert_eq!((before.copies, check_at(&before)), (4, None));

    // Its first run (the simulator's clock is not this test's, so at once): over the shared
    // $1,000 it scales down, and what it did is told.
    let told = purser.sandbox_guard_runs().await;
    let codes: Vec<&str> = told.iter().map(|n| n.code.as_str()).collect();
    assert_eq!(codes, ["guard_cluster_scaled"], "{told:?}");
    let first = purser.guard_view(&sandbox, "assistant").await.unwrap();
    assert_eq!(first.copies, 1);
    let (at, did) = check_at(&first).expect("the run's check");
    assert_eq!(
        (at.as_str(), did.as_str()),
        ("2026-11-20T12:00:30Z", "scaled")
    );

    // Later in the same minute: its schedule has not come round, nothing runs.
    clock.set(time::macros::datetime!(2026-11-20 12:00:50 UTC));
    assert!(purser.sandbox_guard_runs().await.is_empty());
    let same = purser.guard_view(&sandbox, "assistant").await.unwrap();
    assert_eq!(check_at(&same).map(|c| c.0), Some(at.clone()));

    // A minute later it runs again, and in its cooldown changes nothing.
    clock.set(time::macros::datetime!(2026-11-20 12:01:05 UTC));
    let told = purser.sandbox_guard_runs().await;
    assert!(
        told.iter().all(|n| n.code != "guard_cluster_scaled"),
        "{told:?}"
    );
    let later = purser.guard_view(&sandbox, "assistant").await.unwrap();
    let (at, _) = check_at(&later).expect("its second check");
    assert_eq!(at, "2026-11-20T12:01:05Z");
    assert_eq!(later.copies, 1);
    let seen = later.in_cluster.expect("installed").seen;
    assert_eq!(seen.health, Health::Working, "{seen:?}");
}
