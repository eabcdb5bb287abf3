//! Rollout status in plain language: a pure summary of a Deployment, its Pods and Events
//! ([`summarize`]), what is wrong with it ([`problems`]), and a watcher (never polling) that
//! emits a new summary whenever one of them changes ([`watch`]).

mod problems;
mod watch;

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus};
use k8s_openapi::api::core::v1::{Event, Pod};
use serde::Serialize;
use serde_json::Value;

#[cfg(any(test, feature = "testing"))]
pub use problems::examples;
pub use problems::Problem;
use problems::{pod_problems, problem, refusal};
pub use watch::{snapshot, watch};

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

/// "1 copy", "3 copies".
fn copies(n: i32) -> String {
    if n == 1 {
        "1 copy".into()
    } else {
        format!("{n} copies")
    }
}

impl RolloutStatus {
    /// The status of an app that is not deployed here.
    fn missing(app: &str) -> Self {
        RolloutStatus {
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
        }
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
    let mut status = RolloutStatus::missing(app);
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
    status.problems = pod_problems(pods, events, logs);
    if pods.is_empty() && status.desired > 0 {
        if let Some(refused) = refusal(deployment, events) {
            status.problems.push(refused);
        } else if stalled {
            status.problems.push(problem("not_started", []));
        }
    }
    let observed =
        st.observed_generation.unwrap_or(0) >= deployment.metadata.generation.unwrap_or(0);
    let complete = observed
        && status.updated == status.desired
        && st.replicas.unwrap_or(0) == status.desired
        && status.available == status.desired;
    status.phase = phase(&mut status, deployment, &st, complete);
    status.summary = summary_line(&status, observed);
    status
}

/// The phase of a summarised rollout; a passed progress deadline adds its problem.
fn phase(
    status: &mut RolloutStatus,
    deployment: &Deployment,
    st: &DeploymentStatus,
    complete: bool,
) -> Phase {
    let deadline = st.conditions.iter().flatten().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    if deadline {
        let seconds = deployment
            .spec
            .as_ref()
            .and_then(|s| s.progress_deadline_seconds)
            .unwrap_or(600);
        status.problems.push(problem(
            "deadline_exceeded",
            [("seconds", Value::from(seconds))],
        ));
        Phase::Failed
    } else if complete && status.desired == 0 {
        Phase::Stopped
    } else if complete {
        Phase::Complete
    } else if !status.problems.is_empty() {
        Phase::Trouble
    } else {
        Phase::Progressing
    }
}

/// One line in English for the log.
fn summary_line(status: &RolloutStatus, observed: bool) -> String {
    let d = status.desired;
    match status.phase {
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
    }
}
