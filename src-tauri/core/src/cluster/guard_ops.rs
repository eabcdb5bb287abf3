//! What the budget guard does to a Deployment: read its copies (and autoscaler, and what a
//! copy requests), scale it down with the previous copies recorded on the Deployment itself
//! (so a revert works from any machine and after a restart, as kube-downscaler keeps its
//! `original-replicas`), and revert.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use kube::api::{Api, Patch, PatchParams};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::error::ClusterError;
use super::manifests::MANAGER;
use super::{activity, ClusterService, Connection, Target};
use crate::guard::{Range, Target as Level};
use purser_kubesim::quantity;

/// On the Deployment: what the copies (or the autoscaler's range) were before the guard.
pub const PREVIOUS_ANNOTATION: &str = "purser.dev/guard-previous";
/// On the Deployment: what the guard set, to tell whether someone changed it since.
pub const SET_ANNOTATION: &str = "purser.dev/guard-set";

/// An app as the guard sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardedApp {
    pub copies: i32,
    pub autoscaler: Option<Range>,
    /// What one copy requests: cores and bytes (0 when not set).
    pub cpu: f64,
    pub memory: f64,
    /// What the guard changed and can revert, if anything.
    pub revertible: Option<Revertible>,
    /// When the Deployment was made (before that, no copy ran).
    #[serde(skip)]
    pub created: Option<time::OffsetDateTime>,
}

/// The guard's record on a Deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revertible {
    pub previous: Level,
    pub set: Level,
}

fn merge_params() -> PatchParams {
    PatchParams {
        field_manager: Some(MANAGER.into()),
        ..PatchParams::default()
    }
}

fn annotation(deployment: &Deployment, name: &str) -> Option<Level> {
    let text = deployment.metadata.annotations.as_ref()?.get(name)?;
    serde_json::from_str(text).ok()
}

/// What a copy requests, from the first container of the pod template.
fn requests(deployment: &Deployment) -> (f64, f64) {
    let requests = deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .and_then(|p| p.containers.first())
        .and_then(|c| c.resources.as_ref())
        .and_then(|r| r.requests.as_ref());
    let read = |name: &str| {
        requests
            .and_then(|r| r.get(name))
            .and_then(|q| quantity::parse(&q.0))
            .unwrap_or(0.0)
    };
    (read("cpu"), read("memory"))
}

impl ClusterService {
    /// The app's copies, autoscaler, requests and the guard's record. Reaches the context the
    /// policy names on its own: the guard runs without the window connected.
    pub async fn guard_look(&self, target: &Target, app: &str) -> Result<GuardedApp, ClusterError> {
        let connection = self.connection(&target.context).await?;
        self.within(Self::look(&connection, self, &target.namespace, app))
            .await
    }

    async fn look(
        connection: &Connection,
        service: &ClusterService,
        ns: &str,
        app: &str,
    ) -> Result<GuardedApp, ClusterError> {
        let (deployment, mut autoscalers) = futures::try_join!(
            Self::purser_deployment(connection, ns, app),
            service.autoscalers(connection, ns)
        )?;
        let autoscaler = autoscalers.remove(app).map(|a| Range {
            min: a.min,
            max: a.max,
        });
        let copies = deployment
            .spec
            .as_ref()
            .and_then(|s| s.replicas)
            .unwrap_or(1);
        let revertible = match (
            annotation(&deployment, PREVIOUS_ANNOTATION),
            annotation(&deployment, SET_ANNOTATION),
        ) {
            (Some(previous), Some(set)) => Some(Revertible { previous, set }),
            _ => None,
        };
        let (cpu, memory) = requests(&deployment);
        let created = deployment
            .metadata
            .creation_timestamp
            .as_ref()
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.0.as_second()).ok());
        Ok(GuardedApp {
            copies,
            autoscaler,
            cpu,
            memory,
            revertible,
            created,
        })
    }

    /// Scales the app down to `to` (or lowers its autoscaler's range), recording what it was
    /// on the Deployment first. Audited with `reason` (English, for the log) and `params`.
    pub async fn guard_scale(
        &self,
        target: &Target,
        app: &str,
        to: Level,
        reason: &crate::guard::Reason,
    ) -> Result<GuardedApp, ClusterError> {
        let connection = self.connection(&target.context).await?;
        let ns = &target.namespace;
        let before = self.within(Self::look(&connection, self, ns, app)).await?;
        let previous = match (&to, before.autoscaler) {
            (Level::Autoscaler { .. }, Some(range)) => Level::Autoscaler {
                min: range.min,
                max: range.max,
            },
            _ => Level::Copies {
                replicas: before.copies,
            },
        };
        // A guard that acted before keeps the first "previous": revert goes all the way back.
        let previous = before.revertible.map_or(previous, |r| r.previous);
        let subject = activity::guard_scale(app, &previous, &to, reason);
        self.audited(target, subject, async {
            self.set_level(&connection, ns, app, &to, Some((&previous, &to)))
                .await
        })
        .await?;
        self.within(Self::look(&connection, self, ns, app)).await
    }

    /// Puts back what the guard changed and clears its record. When someone changed the app
    /// since the guard did, it is refused unless `anyway` (the window asks first).
    pub async fn guard_revert(
        &self,
        target: &Target,
        app: &str,
        anyway: bool,
    ) -> Result<GuardedApp, ClusterError> {
        let connection = self.connection(&target.context).await?;
        let ns = &target.namespace;
        let now = self.within(Self::look(&connection, self, ns, app)).await?;
        let Some(record) = now.revertible.clone() else {
            return Err(ClusterError::NothingToRevert { app: app.into() });
        };
        let current = match (&record.set, now.autoscaler) {
            (Level::Autoscaler { .. }, Some(range)) => Level::Autoscaler {
                min: range.min,
                max: range.max,
            },
            _ => Level::Copies {
                replicas: now.copies,
            },
        };
        if current != record.set && !anyway {
            return Err(ClusterError::GuardChangedSince {
                app: app.into(),
                set: activity::level_text(&record.set),
                now: activity::level_text(&current),
            });
        }
        let subject = activity::guard_revert(app, &current, &record.previous);
        self.audited(target, subject, async {
            self.set_level(&connection, ns, app, &record.previous, None)
                .await
        })
        .await?;
        self.within(Self::look(&connection, self, ns, app)).await
    }

    /// Sets copies (on the Deployment, with the guard's record in the same write) or the
    /// autoscaler's range (then the record). `record` = None clears the record.
    async fn set_level(
        &self,
        connection: &Connection,
        ns: &str,
        app: &str,
        level: &Level,
        record: Option<(&Level, &Level)>,
    ) -> Result<(), ClusterError> {
        let classify = Self::classify(connection, ns);
        let annotations = match record {
            Some((previous, set)) => json!({
                PREVIOUS_ANNOTATION: serde_json::to_string(previous).unwrap_or_default(),
                SET_ANNOTATION: serde_json::to_string(set).unwrap_or_default(),
            }),
            None => json!({PREVIOUS_ANNOTATION: Value::Null, SET_ANNOTATION: Value::Null}),
        };
        let deployments: Api<Deployment> = Api::namespaced(connection.client(), ns);
        let mut patch = json!({"metadata": {"annotations": annotations}});
        match level {
            Level::Copies { replicas } => {
                patch["spec"] = json!({"replicas": replicas});
            }
            Level::Autoscaler { min, max } => {
                let Some(hpa) = self.autoscalers(connection, ns).await?.remove(app) else {
                    return Err(ClusterError::AutoscalerGone { app: app.into() });
                };
                let hpas: Api<HorizontalPodAutoscaler> = Api::namespaced(connection.client(), ns);
                let range = json!({"spec": {"minReplicas": min, "maxReplicas": max}});
                hpas.patch(&hpa.name, &merge_params(), &Patch::Merge(range))
                    .await
                    .map_err(&classify)?;
            }
        }
        deployments
            .patch(app, &merge_params(), &Patch::Merge(patch))
            .await
            .map(|_| ())
            .map_err(&classify)
    }
}
