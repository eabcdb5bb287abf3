//! The shared record (`ConfigMap purser-<app>`) on the Kubernetes API test server, as two
//! Purser cores with their own data folders see it, checked with the real `kubectl`.

use purser_core::cluster::{ClusterService, KubeconfigSource};
use purser_core::guard::cluster_ops::{GuardOps, Reach};
use purser_core::guard::ports::GuardRecords;
use purser_core::guard::{AppKey, ClusterRecords, GuardError, KeptFigures, Policy, SharedBudget};
use purser_test_support::kube::{Cluster, CONTEXT};
use serde_json::Value;

fn service(cluster: &Cluster, dir: &tempfile::TempDir) -> ClusterService {
    ClusterService::new(
        KubeconfigSource::Files(vec![cluster.kubeconfig_path()]),
        dir.path(),
    )
}

fn key() -> AppKey {
    AppKey {
        context: CONTEXT.into(),
        namespace: "default".into(),
        app: "assistant".into(),
    }
}

fn budget(amount: f64) -> SharedBudget {
    SharedBudget {
        amount: Some(amount),
        currency: "EUR".into(),
        thresholds: vec![80, 100],
        cost_tag: Some("app=assistant".into()),
    }
}

// Long: one scenario, two people's Pursers in the order their edits happen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pursers_share_one_record_and_neither_overwrites_the_other() {
    let cluster = Cluster::start().await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (service_a, service_b) = (service(&cluster, &dir_a), service(&cluster, &dir_b));
    let ops_a = GuardOps::new(&service_a, Reach::Named);
    let ops_b = GuardOps::new(&service_b, Reach::Named);
    let (a, b) = (ClusterRecords::new(&ops_a), ClusterRecords::new(&ops_b));

    // A sets the budget: B sees it.
    let mut shared = a.read(&key()).await.unwrap();
    assert!(shared.version.is_empty(), "no record yet");
    shared.budget = Some(budget(5000.0));
    a.write(&key(), &shared).await.unwrap();
    let seen = b.read(&key()).await.unwrap();
    assert_eq!(seen.budget, Some(budget(5000.0)));

    // kubectl reads the same record, labelled as Purser's.
    let out = cluster
        .kubectl_ok(&["get", "configmap", "purser-assistant", "-o", "json"])
        .await;
    let map: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        map["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "purser"
    );
    assert_eq!(
        map["metadata"]["labels"]["app.kubernetes.io/name"],
        "assistant"
    );
    let kept: Value = serde_json::from_str(map["data"]["budget"].as_str().unwrap()).unwrap();
    assert_eq!(kept["amount"], 5000.0);
    assert_eq!(kept["costTag"], "app=assistant");

    // Both edit from the same read: the second write is refused, not applied over the first.
    let mut theirs = a.read(&key()).await.unwrap();
    let mut ours = b.read(&key()).await.unwrap();
    theirs.budget = Some(budget(6000.0));
    a.write(&key(), &theirs).await.unwrap();
    ours.record.policy = Policy::Propose { floor: 1 };
    let refused = b.write(&key(), &ours).await.unwrap_err();
    assert!(matches!(refused, GuardError::RecordConflict), "{refused:?}");
    // Read again, the edit made again: both are kept.
    let mut again = b.read(&key()).await.unwrap();
    again.record.policy = Policy::Propose { floor: 1 };
    b.write(&key(), &again).await.unwrap();
    let both = a.read(&key()).await.unwrap();
    assert_eq!(both.budget, Some(budget(6000.0)));
    assert_eq!(both.record.policy, Policy::Propose { floor: 1 });

    // Figures kept for the next save survive a conflict and the fresh read after it, and
    // another person's keys and annotations survive every save.
    let figures = KeptFigures {
        month: "2026-12".into(),
        spent: 1100.0,
        month_end: Some(1700.0),
        currency: "EUR".into(),
        read_at: "2026-12-07T12:00:00Z".into(),
        cost_tag: Some("app=assistant".into()),
    };
    let stale = a.read(&key()).await.unwrap();
    cluster
        .kubectl_ok(&[
            "annotate",
            "configmap",
            "purser-assistant",
            "team/owner=finance",
        ])
        .await;
    a.keep_figures(figures.clone());
    let refused = a.write(&key(), &stale).await.unwrap_err();
    assert!(matches!(refused, GuardError::RecordConflict), "{refused:?}");
    let fresh = a.read(&key()).await.unwrap();
    a.write(&key(), &fresh).await.unwrap();
    let seen = b.read(&key()).await.unwrap();
    assert_eq!(seen.figures, Some(figures));
    let owner = cluster
        .kubectl_ok(&[
            "get",
            "configmap",
            "purser-assistant",
            "-o",
            "jsonpath={.metadata.annotations.team/owner}",
        ])
        .await;
    assert_eq!(owner, "finance", "another's annotation kept");

    // The guard service's port refuses a save from an older read the same way.
    let stale = a.load(&key()).await.unwrap();
    b.write(&key(), &b.read(&key()).await.unwrap())
        .await
        .unwrap();
    let refused = a
        .save(&key(), &stale.record, &stale.version)
        .await
        .unwrap_err();
    assert!(matches!(refused, GuardError::RecordConflict), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_record_is_refused_with_the_key_that_is_wrong() {
    let cluster = Cluster::start().await;
    let manifest = r#"{"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "purser-assistant", "namespace": "default"},
        "data": {"budget": "{not json"}}"#;
    let file = cluster.dir.path().join("damaged.json");
    std::fs::write(&file, manifest).unwrap();
    cluster
        .kubectl_ok(&["apply", "--validate=false", "-f", file.to_str().unwrap()])
        .await;
    let dir = tempfile::tempdir().unwrap();
    let service = service(&cluster, &dir);
    let ops = GuardOps::new(&service, Reach::Named);
    let error = ClusterRecords::new(&ops).read(&key()).await.unwrap_err();
    assert!(
        matches!(&error, GuardError::RecordUnreadable(why) if why.starts_with("budget")),
        "{error:?}"
    );
    // Nothing was written over it.
    let out = cluster
        .kubectl_ok(&[
            "get",
            "configmap",
            "purser-assistant",
            "-o",
            "jsonpath={.data.budget}",
        ])
        .await;
    assert_eq!(out, "{not json");
}
