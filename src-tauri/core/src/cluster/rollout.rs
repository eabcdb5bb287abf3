//! Rollout status in plain language: a pure summary of a Deployment, its Pods and Events, and
//! a watcher (never polling) that emits a new summary whenever one of them changes.

use std::collections::BTreeMap;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams, LogParams};
use kube::runtime::{reflector, watcher, WatchStreamExt};
use serde::Serialize;
use serde_json::{Map, Value};

use super::manifests::NAME_LABEL;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Not deployed in this namespace.
    Missing,
    Progressing,
    Complete,
    /// Scaled to zero on purpose.
    Stopped,
    /// Still trying, but something is wrong (see the problems).
    Trouble,
    /// Kubernetes gave up (progress deadline exceeded).
    Failed,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::Missing,
        Phase::Progressing,
        Phase::Complete,
        Phase::Stopped,
        Phase::Trouble,
        Phase::Failed,
    ];
}

/// Something wrong with a rollout: a code (the window has its words and what to do) and the
/// values it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: String,
    pub params: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutStatus {
    pub app: String,
    pub phase: Phase,
    pub desired: i32,
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
    /// One line in English for the log: "3 of 5 copies ready" (the window words its own).
    #[serde(skip)]
    pub summary: String,
    pub problems: Vec<Problem>,
    pub image: Option<String>,
    pub revision: Option<String>,
    /// The watch is reconnecting (the last figures are shown meanwhile).
    pub reconnecting: bool,
}

fn problem<const N: usize>(code: &str, params: [(&str, Value); N]) -> Problem {
    Problem {
        code: code.into(),
        params: params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

/// The pods' and events' problems, one per kind, in plain words.
fn pod_problems(
    pods: &[&Pod],
    events: &[&Event],
    logs: &BTreeMap<String, Vec<String>>,
) -> Vec<Problem> {
    let mut out: Vec<Problem> = Vec::new();
    let mut push = |p: Problem| {
        if !out.iter().any(|o| o.code == p.code) {
            out.push(p);
        }
    };
    for pod in pods {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let status = pod.status.as_ref();
        for cs in status
            .and_then(|s| s.container_statuses.as_ref())
            .into_iter()
            .flatten()
        {
            let Some(waiting) = cs.state.as_ref().and_then(|s| s.waiting.as_ref()) else {
                continue;
            };
            let reason = waiting.reason.as_deref().unwrap_or_default();
            match reason {
                "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => {
                    let pull_event = events.iter().find(|e| {
                        e.involved_object.name.as_deref() == Some(&name)
                            && e.reason.as_deref() == Some("Failed")
                    });
                    let why = pull_event
                        .and_then(|e| e.message.as_deref())
                        .unwrap_or_default()
                        .to_lowercase();
                    let registry = if why.contains("not found") || why.contains("manifest unknown")
                    {
                        "missing"
                    } else if why.contains("unauthorized")
                        || why.contains("denied")
                        || why.contains("forbidden")
                    {
                        "refused"
                    } else {
                        "unknown"
                    };
                    push(problem(
                        "image_pull",
                        [
                            ("image", Value::from(cs.image.clone())),
                            ("registry", Value::from(registry)),
                        ],
                    ));
                }
                "CrashLoopBackOff" => {
                    let lines = logs.get(&name).cloned().unwrap_or_default();
                    push(problem(
                        "crash_loop",
                        [
                            ("restarts", Value::from(cs.restart_count)),
                            ("logs", Value::from(lines.join("\n"))),
                        ],
                    ));
                }
                "CreateContainerConfigError" | "CreateContainerError" => push(problem(
                    "container_config",
                    [(
                        "detail",
                        Value::from(waiting.message.as_deref().unwrap_or(reason)),
                    )],
                )),
                _ => {}
            }
        }
        for condition in status
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
        {
            if condition.type_ == "PodScheduled" && condition.status == "False" {
                let message = condition.message.as_deref().unwrap_or_default();
                let lacks: Vec<&str> = ["cpu", "memory"]
                    .into_iter()
                    .filter(|r| message.contains(&format!("Insufficient {r}")))
                    .collect();
                if message.contains("0/0 nodes") || message.contains("no nodes available") {
                    push(problem("no_nodes", []));
                } else if !lacks.is_empty() {
                    let what = match lacks.as_slice() {
                        ["cpu"] => "cpu",
                        ["memory"] => "memory",
                        _ => "both",
                    };
                    push(problem(
                        "insufficient_resources",
                        [("what", Value::from(what))],
                    ));
                } else if !message.is_empty() {
                    push(problem("unschedulable", [("detail", Value::from(message))]));
                }
            }
        }
    }
    out
}

/// Why the cluster refused to create pods, from the Deployment's `ReplicaFailure` condition
/// or, failing that, a ReplicaSet's `FailedCreate` event.
fn refusal(deployment: &Deployment, events: &[&Event]) -> Option<Problem> {
    let from_condition = deployment
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .find(|c| c.type_ == "ReplicaFailure" && c.status == "True")
        .and_then(|c| c.message.clone());
    let from_event = || {
        events
            .iter()
            .filter(|e| {
                e.involved_object.kind.as_deref() == Some("ReplicaSet")
                    && e.reason.as_deref() == Some("FailedCreate")
            })
            .max_by_key(|e| e.last_timestamp.clone().map(|t| t.0))
            .and_then(|e| e.message.clone())
            .map(|m| m.trim_start_matches("Error creating: ").to_string())
    };
    let message = from_condition.or_else(from_event)?;
    let after = |marker: &str| {
        message
            .split_once(marker)
            .map(|(_, rest)| rest.trim().to_string())
            .unwrap_or_else(|| message.clone())
    };
    let lower = message.to_lowercase();
    Some(if lower.contains("exceeded quota") {
        problem(
            "quota_exceeded",
            [("detail", Value::from(after("exceeded quota:")))],
        )
    } else if lower.contains("admission webhook") && lower.contains("denied") {
        problem(
            "admission_denied",
            [("detail", Value::from(after("denied the request:")))],
        )
    } else {
        problem("pods_refused", [("detail", Value::from(message))])
    })
}

/// "1 copy", "3 copies".
fn copies(n: i32) -> String {
    if n == 1 {
        "1 copy".into()
    } else {
        format!("{n} copies")
    }
}

/// Summarises a Deployment with the Pods of its current template (and their Events).
/// `stalled` says that for a while now no pod has appeared and nothing said why.
pub fn summarize(
    app: &str,
    deployment: Option<&Deployment>,
    pods: &[&Pod],
    events: &[&Event],
    logs: &BTreeMap<String, Vec<String>>,
    stalled: bool,
) -> RolloutStatus {
    let mut status = RolloutStatus {
        app: app.to_string(),
        phase: Phase::Missing,
        desired: 0,
        updated: 0,
        ready: 0,
        available: 0,
        summary: format!("{app} is not deployed in this namespace."),
        problems: Vec::new(),
        image: None,
        revision: None,
        reconnecting: false,
    };
    let Some(deployment) = deployment else {
        return status;
    };
    let spec = deployment.spec.as_ref();
    let st = deployment.status.clone().unwrap_or_default();
    status.desired = spec.and_then(|s| s.replicas).unwrap_or(1);
    status.updated = st.updated_replicas.unwrap_or(0);
    status.ready = st.ready_replicas.unwrap_or(0);
    status.available = st.available_replicas.unwrap_or(0);
    status.image = spec
        .and_then(|s| s.template.spec.as_ref())
        .and_then(|p| p.containers.first())
        .and_then(|c| c.image.clone());
    status.revision = deployment
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("deployment.kubernetes.io/revision").cloned());
    let replicas = st.replicas.unwrap_or(0);
    let observed =
        st.observed_generation.unwrap_or(0) >= deployment.metadata.generation.unwrap_or(0);
    let deadline = st.conditions.iter().flatten().find(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    status.problems = pod_problems(pods, events, logs);
    if pods.is_empty() && status.desired > 0 {
        if let Some(refused) = refusal(deployment, events) {
            status.problems.push(refused);
        } else if stalled {
            status.problems.push(problem("not_started", []));
        }
    }
    let complete = observed
        && status.updated == status.desired
        && replicas == status.desired
        && status.available == status.desired;
    let d = status.desired;
    status.phase = if deadline.is_some() {
        let seconds = spec
            .and_then(|s| s.progress_deadline_seconds)
            .unwrap_or(600);
        status.problems.push(problem(
            "deadline_exceeded",
            [("seconds", Value::from(seconds))],
        ));
        Phase::Failed
    } else if complete && d == 0 {
        Phase::Stopped
    } else if complete {
        Phase::Complete
    } else if !status.problems.is_empty() {
        Phase::Trouble
    } else {
        Phase::Progressing
    };
    status.summary = match status.phase {
        Phase::Stopped => "Stopped: no copy running.".into(),
        Phase::Complete => format!("Ready: {d} of {} running the current version.", copies(d)),
        Phase::Failed => format!(
            "The update failed: {} of {} ready.",
            status.ready,
            copies(d)
        ),
        _ if !observed => "Waiting for the cluster to pick up the change…".into(),
        _ => format!(
            "Updating: {} of {} ready, {} on the new version.",
            status.ready,
            copies(d),
            status.updated
        ),
    };
    status
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
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let events: Api<Event> = Api::namespaced(client.clone(), namespace);
    let (deploy_store, deploy_writer) = reflector::store();
    let (pod_store, pod_writer) = reflector::store();
    let (event_store, event_writer) = reflector::store();
    let by_name = watcher::Config::default().fields(&format!("metadata.name={app}"));
    let by_label = watcher::Config::default().labels(&format!("{NAME_LABEL}={app}"));
    let d = watcher(deployments, by_name)
        .default_backoff()
        .reflect(deploy_writer)
        .map(|r| r.map(|_| ()));
    let p = watcher(pods.clone(), by_label)
        .default_backoff()
        .reflect(pod_writer)
        .map(|r| r.map(|_| ()));
    let e = watcher(events, watcher::Config::default())
        .default_backoff()
        .reflect(event_writer)
        .map(|r| r.map(|_| ()));
    let mut changes = std::pin::pin!(futures::stream::select(d, futures::stream::select(p, e)));
    let mut last: Option<RolloutStatus> = None;
    let mut logs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Since when copies are wanted but none exists and nothing says why.
    let mut waiting_since: Option<tokio::time::Instant> = None;
    let mut stall_shown = false;
    loop {
        let stall_at = waiting_since
            .filter(|_| !stall_shown)
            .map(|since| since + stalled_after);
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
        let deployment = deploy_store.state().into_iter().next();
        let template_hash = current_hash(deployment.as_deref(), &pod_store.state());
        let pod_list = pod_store.state();
        let current: Vec<&Pod> = pod_list
            .iter()
            .map(|p| p.as_ref())
            .filter(|p| {
                template_hash.as_ref().is_none_or(|h| {
                    p.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get("pod-template-hash"))
                        == Some(h)
                })
            })
            .collect();
        for pod in &current {
            let name = pod.metadata.name.clone().unwrap_or_default();
            if crashing(pod) && !logs.contains_key(&name) {
                logs.insert(name.clone(), last_log_lines(&pods, &name).await);
            }
        }
        let event_list = event_store.state();
        let related: Vec<&Event> = event_list
            .iter()
            .map(|e| e.as_ref())
            .filter(|e| {
                e.involved_object
                    .name
                    .as_deref()
                    .is_some_and(|n| n == app || n.starts_with(&format!("{app}-")))
            })
            .collect();
        let stalled = waiting_since.is_some_and(|since| since.elapsed() >= stalled_after);
        let status = summarize(
            app,
            deployment.as_deref(),
            &current,
            &related,
            &logs,
            stalled,
        );
        stall_shown = status.problems.iter().any(|p| p.code == "not_started");
        let unexplained = status.desired > 0 && current.is_empty() && status.problems.is_empty();
        if !(unexplained || stall_shown) {
            waiting_since = None;
        } else if waiting_since.is_none() {
            waiting_since = Some(tokio::time::Instant::now());
        }
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

/// The pod-template-hash of the newest ReplicaSet's pods: the one whose pods are the most
/// recently created (pods of older versions are on their way out and not "the problem").
fn current_hash(deployment: Option<&Deployment>, pods: &[std::sync::Arc<Pod>]) -> Option<String> {
    deployment?;
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

async fn last_log_lines(pods: &Api<Pod>, name: &str) -> Vec<String> {
    let params = LogParams {
        tail_lines: Some(5),
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
    let events: Api<Event> = Api::namespaced(client, namespace);
    let deployment = deployments.get_opt(app).await?;
    let pod_list = pods
        .list(&ListParams::default().labels(&format!("{NAME_LABEL}={app}")))
        .await?
        .items;
    let arcs: Vec<std::sync::Arc<Pod>> = pod_list.into_iter().map(std::sync::Arc::new).collect();
    let hash = current_hash(deployment.as_ref(), &arcs);
    let current: Vec<&Pod> = arcs
        .iter()
        .map(|p| p.as_ref())
        .filter(|p| {
            hash.as_ref().is_none_or(|h| {
                p.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("pod-template-hash"))
                    == Some(h)
            })
        })
        .collect();
    // Events only refine a failing pod's story: read just those pods' events.
    let mut event_list = Vec::new();
    for pod in current
        .iter()
        .filter(|p| !pod_problems(&[p], &[], &BTreeMap::new()).is_empty())
    {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let selector = ListParams::default().fields(&format!("involvedObject.name={name}"));
        event_list.extend(events.list(&selector).await?.items);
    }
    if current.is_empty() && deployment.is_some() {
        // No copy exists: the ReplicaSets' events say why (quota, admission webhook).
        let selector =
            ListParams::default().fields("involvedObject.kind=ReplicaSet,reason=FailedCreate");
        event_list.extend(events.list(&selector).await?.items.into_iter().filter(|e| {
            e.involved_object
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(&format!("{app}-")))
        }));
    }
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

/// One of each problem, for the test that every code has words in both languages.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<Problem> {
    let text = || Value::from("x");
    let mut out = vec![
        problem(
            "crash_loop",
            [("restarts", Value::from(3)), ("logs", text())],
        ),
        problem("container_config", [("detail", text())]),
        problem("no_nodes", []),
        problem("unschedulable", [("detail", text())]),
        problem("quota_exceeded", [("detail", text())]),
        problem("admission_denied", [("detail", text())]),
        problem("pods_refused", [("detail", text())]),
        problem("not_started", []),
        problem("deadline_exceeded", [("seconds", Value::from(600))]),
    ];
    for registry in ["missing", "refused", "unknown"] {
        out.push(problem(
            "image_pull",
            [("image", text()), ("registry", Value::from(registry))],
        ));
    }
    for what in ["cpu", "memory", "both"] {
        out.push(problem(
            "insufficient_resources",
            [("what", Value::from(what))],
        ));
    }
    out
}
