//! The overview through the facade, against the Kubernetes API test server: the apps Purser
//! knows (deployed from here and not removed since, by the audit log; or in the guard's
//! records, on whichever context), each read on its own cluster; one whose cluster is gone
//! told plainly without hiding the others; the month from sample figures; the first-run
//! guide, skipped and resumed; and the section the window opens on.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, PostParams};
use purser_core::audit::{AuditLog, Outcome, Subject};
use purser_core::cluster::{KubeconfigSource, Phase};
use purser_core::guide::{GuideAction, Step};
use purser_core::settings::SettingsPatch;
use purser_core::testing::FixedClock;
use purser_core::{AppDirs, Backends, Purser};
use purser_test_support::kube::{Cluster, CONTEXT};
use serde_json::json;
use time::macros::datetime;

async fn deployment(cluster: &Cluster, name: &str, replicas: i32) {
    let api: Api<Deployment> = Api::namespaced(cluster.client().await, "default");
    let labels = json!({"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "purser"});
    let deployment: Deployment = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {"metadata": {"labels": labels},
                         "spec": {"containers": [{"name": name, "image": "ghcr.io/acme/app:1"}]}}
        }
    }))
    .unwrap();
    api.create(&PostParams::default(), &deployment)
        .await
        .unwrap();
}

/// The audit lines of `web` and `api` deployed from here, and `api` removed since.
fn write_audit(data: &std::path::Path) {
    let log = AuditLog::new(data);
    for subject in [
        Subject::new("deploy", "web", "web"),
        Subject::new("deploy", "api", "api"),
        Subject::new("uninstall", "api", "api"),
    ] {
        let intent = log.begin(CONTEXT, "default", subject).unwrap();
        log.finish(intent, Outcome::Ok, None);
    }
    // A deploy that failed leaves no app behind.
    let intent = log
        .begin(
            CONTEXT,
            "default",
            Subject::new("deploy", "broken", "broken"),
        )
        .unwrap();
    log.finish(intent, Outcome::Failed, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_known_app_is_read_on_its_own_cluster_and_a_lost_one_is_told() {
    let cluster = Cluster::start().await;
    deployment(&cluster, "web", 2).await;
    let dir = tempfile::tempdir().unwrap();
    let dirs = AppDirs::under(dir.path());
    std::fs::create_dir_all(&dirs.data).unwrap();
    write_audit(&dirs.data);
    // The guard remembers an app on a context no kubeconfig has any more.
    let gone = json!(["gone-cluster", "shop", "legacy"]).to_string();
    std::fs::write(
        dirs.data.join("guard.json"),
        json!({"version": 2, "apps": {gone: {"policy": {"mode": "notify"}}}}).to_string(),
    )
    .unwrap();
    let purser = Purser::new(
        dirs,
        None,
        Backends {
            kubeconfig: KubeconfigSource::Files(vec![cluster.kubeconfig_path()]),
            clock: Arc::new(FixedClock(datetime!(2026-12-16 12:00 UTC))),
            ..purser_core::testing::backends()
        },
    );
    assert_eq!(purser.status().opens_on, "overview", "the guide is open");

    let overview = purser.overview().await;
    let names: Vec<(&str, &str)> = overview
        .apps
        .iter()
        .map(|a| (a.context.as_str(), a.app.as_str()))
        .collect();
    assert_eq!(names, [("gone-cluster", "legacy"), (CONTEXT, "web")]);
    let legacy = &overview.apps[0];
    assert!(legacy.rollout.is_none());
    let why = legacy
        .unreachable
        .as_ref()
        .expect("the lost cluster is told");
    assert!(why.code.starts_with("kube_"), "{why:?}");
    assert_eq!(legacy.policy, purser_core::guard::Policy::Notify);
    let web = &overview.apps[1];
    assert_eq!(web.unreachable, None);
    let rollout = web.rollout.as_ref().unwrap();
    assert_eq!(
        (rollout.desired, rollout.phase == Phase::Missing),
        (2, false)
    );
    assert!(!web.waiting && !web.stuck && !web.over_budget);

    // Sample figures (AWS not set up), no budget yet.
    let month = overview.month.expect("the month's figures");
    assert_eq!((month.budget, month.spent_percent), (None, None));
    assert!(month.spent > 0.0 && month.month_end.is_some());
    assert!(overview.failing_keys.is_empty());

    // The guide: nothing set up; a skipped step stays skipped, a budget is a step done.
    assert!(overview.guide.open);
    let guide = purser.guide_act(GuideAction::Skip(Step::Keys)).await;
    assert!(guide.steps[0].skipped);
    let patch = SettingsPatch::from_json(&json!({"budgetAmount": "1500"})).unwrap();
    purser.update_settings(&patch).unwrap();
    let overview = purser.overview().await;
    assert!(overview.guide.steps[2].done);
    assert_eq!(overview.guide.done, 1);
    let month = overview.month.unwrap();
    assert_eq!(month.budget, Some(1500.0));
    let percent = (month.spent / 1500.0 * 100.0).round() as i64;
    assert_eq!(month.spent_percent, Some(percent));
    let guide = purser.guide_act(GuideAction::Close).await;
    assert!(!guide.open);
    assert_eq!(purser.status().opens_on, "overview", "a budget is set up");
}

#[tokio::test]
async fn with_nothing_set_up_and_the_guide_closed_the_window_opens_on_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let purser = Purser::new(
        AppDirs::under(dir.path()),
        None,
        purser_core::testing::backends(),
    );
    purser.guide_act(GuideAction::Close).await;
    assert_eq!(purser.status().opens_on, "credentials");
}
