//! What can be wrong with a rollout, read from its Pods, Events and the Deployment's
//! conditions, as codes the window words (with what to do about each).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ContainerStatus, Event, Pod, PodCondition};
use serde::Serialize;
use serde_json::{Map, Value};

/// Something wrong with a rollout: a code (the window has its words and what to do) and the
/// values it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: String,
    pub params: Map<String, Value>,
}

pub(super) fn problem<const N: usize>(code: &str, params: [(&str, Value); N]) -> Problem {
    Problem {
        code: code.into(),
        params: params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

/// The pods' and events' problems, one per kind.
pub(super) fn pod_problems(
    pods: &[&Pod],
    events: &[&Event],
    logs: &BTreeMap<String, Vec<String>>,
) -> Vec<Problem> {
    let mut out: Vec<Problem> = Vec::new();
    for pod in pods {
        let name = pod.metadata.name.clone().unwrap_or_default();
        let status = pod.status.as_ref();
        let containers = status
            .and_then(|s| s.container_statuses.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|cs| container_problem(cs, &name, events, logs));
        let scheduling = status
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .filter_map(scheduling_problem);
        for p in containers.chain(scheduling) {
            if !out.iter().any(|o| o.code == p.code) {
                out.push(p);
            }
        }
    }
    out
}

/// What a waiting container says: the image cannot be pulled, the app crashes, or the
/// cluster cannot create it.
fn container_problem(
    cs: &ContainerStatus,
    pod: &str,
    events: &[&Event],
    logs: &BTreeMap<String, Vec<String>>,
) -> Option<Problem> {
    let waiting = cs.state.as_ref()?.waiting.as_ref()?;
    let reason = waiting.reason.as_deref().unwrap_or_default();
    match reason {
        "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => {
            let why = events
                .iter()
                .find(|e| {
                    e.involved_object.name.as_deref() == Some(pod)
                        && e.reason.as_deref() == Some("Failed")
                })
                .and_then(|e| e.message.as_deref())
                .unwrap_or_default()
                .to_lowercase();
            let registry = if why.contains("not found") || why.contains("manifest unknown") {
                "missing"
            } else if ["unauthorized", "denied", "forbidden"]
                .iter()
                .any(|w| why.contains(w))
            {
                "refused"
            } else {
                "unknown"
            };
            Some(problem(
                "image_pull",
                [
                    ("image", Value::from(cs.image.clone())),
                    ("registry", Value::from(registry)),
                ],
            ))
        }
        "CrashLoopBackOff" => {
            let lines = logs.get(pod).cloned().unwrap_or_default();
            Some(problem(
                "crash_loop",
                [
                    ("restarts", Value::from(cs.restart_count)),
                    ("logs", Value::from(lines.join("\n"))),
                ],
            ))
        }
        "CreateContainerConfigError" | "CreateContainerError" => Some(problem(
            "container_config",
            [(
                "detail",
                Value::from(waiting.message.as_deref().unwrap_or(reason)),
            )],
        )),
        _ => None,
    }
}

/// Why the scheduler cannot place a copy: no nodes, not enough room, or its own words.
fn scheduling_problem(condition: &PodCondition) -> Option<Problem> {
    if condition.type_ != "PodScheduled" || condition.status != "False" {
        return None;
    }
    let message = condition.message.as_deref().unwrap_or_default();
    let lacks: Vec<&str> = ["cpu", "memory"]
        .into_iter()
        .filter(|r| message.contains(&format!("Insufficient {r}")))
        .collect();
    if message.contains("0/0 nodes") || message.contains("no nodes available") {
        Some(problem("no_nodes", []))
    } else if !lacks.is_empty() {
        let what = match lacks.as_slice() {
            ["cpu"] => "cpu",
            ["memory"] => "memory",
            _ => "both",
        };
        Some(problem(
            "insufficient_resources",
            [("what", Value::from(what))],
        ))
    } else if !message.is_empty() {
        Some(problem("unschedulable", [("detail", Value::from(message))]))
    } else {
        None
    }
}

/// Why the cluster refused to create pods, from the Deployment's `ReplicaFailure` condition
/// or, failing that, a ReplicaSet's `FailedCreate` event.
pub(super) fn refusal(deployment: &Deployment, events: &[&Event]) -> Option<Problem> {
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
