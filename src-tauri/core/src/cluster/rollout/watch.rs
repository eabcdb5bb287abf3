//! Following a rollout live: reflectors on the app's own Deployment (by name), ReplicaSets and
//! Pods (by label), never polling and never the whole namespace, a new summary whenever one of them
//! changes; events read on demand, only for the app's own failing pods or, when no pod exists,
//! its own ReplicaSets (exact names), so what others do in the namespace costs nothing; and a
//! one-off [`snapshot`].

use std::collections::BTreeMap;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams, LogParams};
use kube::runtime::{reflector, watcher, WatchStreamExt};

use super::problems::pod_problems;
use super::{summarize, RolloutStatus};
use crate::cluster::manifests::NAME_LABEL;

/// What the watch knows of the app: its Deployment, ReplicaSets and Pods, as reflectors
/// keep them.
struct Stores {
    deployment: reflector::Store<Deployment>,
    replica_sets: reflector::Store<ReplicaSet>,
    pods: reflector::Store<Pod>,
}

/// Starts the reflectors; the stream yields on every change (an error while reconnecting).
fn reflect(
    client: &kube::Client,
    namespace: &str,
    app: &str,
) -> (
    Stores,
    impl futures::Stream<Item = Result<(), watcher::Error>> + Send,
) {
    let (deployment, deploy_writer) = reflector::store();
    let (pods, pod_writer) = reflector::store();
    let (replica_sets, rs_writer) = reflector::store();
    let by_name = watcher::Config::default().fields(&format!("metadata.name={app}"));
    let by_label = watcher::Config::default().labels(&format!("{NAME_LABEL}={app}"));
    let d = watcher(
        Api::<Deployment>::namespaced(client.clone(), namespace),
        by_name,
    )
    .default_backoff()
    .reflect(deploy_writer)
    .map(|r| r.map(|_| ()));
    let r = watcher(
        Api::<ReplicaSet>::namespaced(client.clone(), namespace),
        by_label.clone(),
    )
    .default_backoff()
    .reflect(rs_writer)
    .map(|r| r.map(|_| ()));
    let p = watcher(Api::<Pod>::namespaced(client.clone(), namespace), by_label)
        .default_backoff()
        .reflect(pod_writer)
        .map(|r| r.map(|_| ()));
    let changes = futures::stream::select(d, futures::stream::select(r, p));
    (
        Stores {
            deployment,
            replica_sets,
            pods,
        },
        changes,
    )
}

/// The pods of the current template (all of them when it is not known).
fn current_pods<'a>(pods: &'a [std::sync::Arc<Pod>], hash: Option<&String>) -> Vec<&'a Pod> {
    pods.iter()
        .map(|p| p.as_ref())
        .filter(|p| {
            hash.is_none_or(|h| {
                p.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("pod-template-hash"))
                    == Some(h)
            })
        })
        .collect()
}

/// Since when copies are wanted but none exists and nothing says why.
#[derive(Default)]
struct Stall {
    since: Option<tokio::time::Instant>,
    shown: bool,
}

impl Stall {
    /// When to look again if nothing else happens.
    fn due(&self, after: std::time::Duration) -> Option<tokio::time::Instant> {
        self.since
            .filter(|_| !self.shown)
            .map(|since| since + after)
    }

    fn stalled(&self, after: std::time::Duration) -> bool {
        self.since.is_some_and(|since| since.elapsed() >= after)
    }

    fn update(&mut self, status: &RolloutStatus, no_pods: bool) {
        self.shown = status.problems.iter().any(|p| p.code == "not_started");
        let unexplained = status.desired > 0 && no_pods && status.problems.is_empty();
        if !(unexplained || self.shown) {
            self.since = None;
        } else if self.since.is_none() {
            self.since = Some(tokio::time::Instant::now());
        }
    }
}

/// Watches the app and calls `emit` with every new summary, until `emit` returns `false`.
/// Connection drops are retried with back-off (the watch resumes); while reconnecting the
/// last summary is re-emitted with `reconnecting: true`.
pub async fn watch(
    client: kube::Client,
    namespace: &str,
    app: &str,
    stalled_after: std::time::Duration,
    mut emit: impl FnMut(RolloutStatus) -> bool + Send,
) {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let (stores, changes) = reflect(&client, namespace, app);
    let reader = EventReader::new(&client, namespace, app);
    let mut changes = std::pin::pin!(changes);
    let mut last: Option<RolloutStatus> = None;
    let mut logs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut stall = Stall::default();
    loop {
        let stall_at = stall.due(stalled_after);
        let change = tokio::select! {
            change = changes.next() => match change {
                Some(change) => change,
                None => return,
            },
            () = sleep_until(stall_at), if stall_at.is_some() => Ok(()),
        };
        if change.is_err() {
            if let Some(mut status) = last.clone() {
                status.reconnecting = true;
                if !emit(status) {
                    return;
                }
            }
            continue;
        }
        let deployment = stores.deployment.state().into_iter().next();
        let pod_list = stores.pods.state();
        let sets = stores.replica_sets.state();
        let sets: Vec<&ReplicaSet> = sets.iter().map(|rs| rs.as_ref()).collect();
        let hash = current_hash(deployment.as_deref(), &sets, &pod_list);
        let current = current_pods(&pod_list, hash.as_ref());
        for pod in &current {
            let name = pod.metadata.name.clone().unwrap_or_default();
            if crashing(pod) && !logs.contains_key(&name) {
                logs.insert(name.clone(), last_log_lines(&pods, &name).await);
            }
        }
        // A failed read leaves the story to the pods' own status.
        let event_list = reader
            .related(deployment.as_deref(), &sets, &current)
            .await
            .unwrap_or_default();
        let related: Vec<&Event> = event_list.iter().collect();
        let stalled = stall.stalled(stalled_after);
        let status = summarize(
            app,
            deployment.as_deref(),
            &current,
            &related,
            &logs,
            stalled,
        );
        stall.update(&status, current.is_empty());
        if last.as_ref() != Some(&status) {
            last = Some(status.clone());
            if !emit(status) {
                return;
            }
        }
    }
}

/// Waits until `at`, or forever when there is nothing to wait for.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The pod-template-hash of the Deployment's current ReplicaSet: the one with the
/// Deployment's revision (as `kubectl rollout status` finds it); failing that, that of the most
/// recently created pods (pods of older versions are on their way out and not "the problem").
fn current_hash(
    deployment: Option<&Deployment>,
    sets: &[&ReplicaSet],
    pods: &[std::sync::Arc<Pod>],
) -> Option<String> {
    const REVISION: &str = "deployment.kubernetes.io/revision";
    let deployment = deployment?;
    let revision = deployment.metadata.annotations.as_ref()?.get(REVISION);
    let by_revision = sets.iter().find_map(|rs| {
        let meta = &rs.metadata;
        (meta.annotations.as_ref()?.get(REVISION) == revision)
            .then(|| meta.labels.as_ref()?.get("pod-template-hash").cloned())?
    });
    if by_revision.is_some() {
        return by_revision;
    }
    pods.iter()
        .max_by_key(|p| p.metadata.creation_timestamp.clone().map(|t| t.0))
        .and_then(|p| {
            p.metadata
                .labels
                .as_ref()?
                .get("pod-template-hash")
                .cloned()
        })
}

fn crashing(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.state
                    .as_ref()
                    .and_then(|s| s.waiting.as_ref())
                    .and_then(|w| w.reason.as_deref())
                    == Some("CrashLoopBackOff")
            })
        })
}

/// At most this much of a crashed copy's log is read: the last lines are what explain a
/// crash, and a log line can be as long as the app likes.
const LOG_BYTES: i64 = 4096;

async fn last_log_lines(pods: &Api<Pod>, name: &str) -> Vec<String> {
    let params = LogParams {
        tail_lines: Some(5),
        limit_bytes: Some(LOG_BYTES),
        previous: true,
        ..LogParams::default()
    };
    let text = match pods.logs(name, &params).await {
        Ok(text) => text,
        Err(_) => pods
            .logs(
                name,
                &LogParams {
                    tail_lines: Some(5),
                    limit_bytes: Some(LOG_BYTES),
                    ..LogParams::default()
                },
            )
            .await
            .unwrap_or_default(),
    };
    text.lines().map(str::to_string).collect()
}

/// The summary right now, from one read of each (used after actions and by tests).
pub async fn snapshot(
    client: kube::Client,
    namespace: &str,
    app: &str,
) -> Result<RolloutStatus, kube::Error> {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let reader = EventReader::new(&client, namespace, app);
    let deployment = deployments.get_opt(app).await?;
    let pod_list = pods
        .list(&ListParams::default().labels(&format!("{NAME_LABEL}={app}")))
        .await?
        .items;
    let arcs: Vec<std::sync::Arc<Pod>> = pod_list.into_iter().map(std::sync::Arc::new).collect();
    let sets = reader.replica_sets().await?;
    let sets: Vec<&ReplicaSet> = sets.iter().collect();
    let hash = current_hash(deployment.as_ref(), &sets, &arcs);
    let current = current_pods(&arcs, hash.as_ref());
    let event_list = reader.related(deployment.as_ref(), &sets, &current).await?;
    let related: Vec<&Event> = event_list.iter().collect();
    let mut logs = BTreeMap::new();
    for pod in current.iter().filter(|p| crashing(p)) {
        let name = pod.metadata.name.clone().unwrap_or_default();
        logs.insert(name.clone(), last_log_lines(&pods, &name).await);
    }
    Ok(summarize(
        app,
        deployment.as_ref(),
        &current,
        &related,
        &logs,
        false,
    ))
}

/// Reads, on demand, the events of the app's own objects that explain a problem.
struct EventReader {
    events: Api<Event>,
    replica_sets: Api<ReplicaSet>,
    app: String,
}

impl EventReader {
    fn new(client: &kube::Client, namespace: &str, app: &str) -> Self {
        Self {
            events: Api::namespaced(client.clone(), namespace),
            replica_sets: Api::namespaced(client.clone(), namespace),
            app: app.to_string(),
        }
    }

    /// The app's ReplicaSets.
    async fn replica_sets(&self) -> Result<Vec<ReplicaSet>, kube::Error> {
        let owned = ListParams::default().labels(&format!("{NAME_LABEL}={}", self.app));
        Ok(self.replica_sets.list(&owned).await?.items)
    }

    /// The events of the current pods that have a problem (each by its exact name) and, when
    /// no copy exists, those of the app's ReplicaSets (quota, admission webhook).
    async fn related(
        &self,
        deployment: Option<&Deployment>,
        sets: &[&ReplicaSet],
        current: &[&Pod],
    ) -> Result<Vec<Event>, kube::Error> {
        let mut names: Vec<String> = current
            .iter()
            .filter(|p| !pod_problems(&[p], &[], &BTreeMap::new()).is_empty())
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        if current.is_empty() && deployment.is_some() {
            names.extend(sets.iter().filter_map(|rs| rs.metadata.name.clone()));
        }
        let mut found = Vec::new();
        for name in names {
            let selector = ListParams::default().fields(&format!("involvedObject.name={name}"));
            found.extend(self.events.list(&selector).await?.items);
        }
        Ok(found)
    }
}
