//! The budget guard's side of a cluster, as the guard service's [`GuardCluster`] port: which
//! cluster a context reaches (its API server and `kube-system`'s UID), an app's copies,
//! autoscaler, requests, GitOps marks and who last set its copies; copies set through the
//! `scale` subresource and an autoscaler's range, each write conditional on the
//! `resourceVersion` looked at; and the guard's note on the Deployment (previous and set
//! levels), a hint for other machines — Purser's own record is the authority for a revert.

use std::collections::BTreeMap;

use async_trait::async_trait;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams, Patch};
use serde_json::{json, Value};

use super::gitops;
use super::ports::{AutoscalerLook, GuardCluster, Look};
use super::{AppKey, ClusterIdentity, GuardError, Range, Target as Level, UidOf};
use crate::cluster::copies::{copies_patch, purser_params, range_patch};
use crate::cluster::{ClusterError, ClusterService, Connection, Target};
use purser_kubesim::quantity;

/// On the Deployment: what the copies (or the autoscaler's range) were before the guard.
pub const PREVIOUS_ANNOTATION: &str = "purser.dev/guard-previous";
/// On the Deployment: what the guard set, to tell whether someone changed it since.
pub const SET_ANNOTATION: &str = "purser.dev/guard-set";

/// Which connection a guard call may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Only the context the window is connected to (a person's approve or revert).
    Connected,
    /// The context the record names, connected or not (the schedule: the window may show
    /// another cluster, or none).
    Named,
}

/// How the guard finds the autoscaler that manages an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoscalerSight {
    /// Every autoscaler in the namespace is listed (the desktop, with the user's rights).
    Listed,
    /// Only the one named when the guard was installed in the cluster, if any: its Role may
    /// read that one and list none.
    Named(Option<String>),
}

/// The guard's port onto the user's clusters.
#[derive(Clone)]
pub struct GuardOps<'a> {
    pub service: &'a ClusterService,
    pub reach: Reach,
    pub autoscaler: AutoscalerSight,
}

impl<'a> GuardOps<'a> {
    /// The port for `service`, listing autoscalers.
    pub fn new(service: &'a ClusterService, reach: Reach) -> Self {
        Self {
            service,
            reach,
            autoscaler: AutoscalerSight::Listed,
        }
    }
}

fn target(app: &AppKey) -> Target {
    Target {
        context: app.context.clone(),
        namespace: app.namespace.clone(),
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

/// The newest field manager that set `path` (e.g. `["f:spec", "f:replicas"]`), and when.
fn set_by(meta: &kube::api::ObjectMeta, path: &[&str]) -> Option<(String, String)> {
    meta.managed_fields
        .iter()
        .flatten()
        .filter(|m| {
            let Some(fields) = m.fields_v1.as_ref() else {
                return false;
            };
            path.iter()
                .try_fold(&fields.0, |at, step| at.get(*step))
                .is_some()
        })
        .filter_map(|m| Some((m.manager.clone()?, m.time.as_ref()?.0.to_string())))
        .max_by(|a, b| a.1.cmp(&b.1))
}

/// A 409 on a conditional write: the object moved on since the guard looked.
fn conflict(app: &AppKey) -> impl Fn(ClusterError) -> GuardError + '_ {
    move |error| match error {
        ClusterError::Api { code: 409, .. } | ClusterError::Conflict(_) => GuardError::Conflict {
            app: app.app.clone(),
        },
        other => GuardError::Cluster(other),
    }
}

impl GuardOps<'_> {
    pub(crate) async fn connection(&self, app: &AppKey) -> Result<Connection, ClusterError> {
        match self.reach {
            Reach::Connected => self.service.connected(&target(app)).await,
            Reach::Named => self.service.connection(&app.context).await,
        }
    }

    /// The kube-system namespace's UID, or `None` where namespaces cannot be read.
    async fn kube_system(connection: &Connection) -> Result<Option<String>, ClusterError> {
        let api: Api<Namespace> = Api::all(connection.client());
        match api.get_opt("kube-system").await {
            Ok(found) => Ok(found.and_then(|n| n.metadata.uid)),
            Err(kube::Error::Api(status)) if status.code == 403 => Ok(None),
            Err(other) => Err(ClusterService::classify(connection, "kube-system")(other)),
        }
    }

    /// Every autoscaler of a Deployment in the namespace: unlike the window's list, a 403 is
    /// an error — the guard must not set copies under an autoscaler it cannot see.
    async fn autoscalers(
        &self,
        connection: &Connection,
        ns: &str,
        app: &AppKey,
    ) -> Result<Option<AutoscalerLook>, GuardError> {
        let api: Api<HorizontalPodAutoscaler> = Api::namespaced(connection.client(), ns);
        let hidden = || GuardError::AutoscalersHidden {
            app: app.app.clone(),
            namespace: ns.into(),
        };
        let found = match &self.autoscaler {
            AutoscalerSight::Named(None) => return Ok(None),
            AutoscalerSight::Named(Some(name)) => {
                api.get_opt(name).await.map(|h| h.into_iter().collect())
            }
            AutoscalerSight::Listed => api.list(&ListParams::default()).await.map(|l| l.items),
        };
        let list = match found {
            Ok(list) => list,
            // The API is not served at all: no autoscaler can manage the app.
            Err(kube::Error::Api(status)) if status.code == 404 => Vec::new(),
            Err(kube::Error::Api(status)) if status.code == 403 => return Err(hidden()),
            Err(other) => return Err(ClusterService::classify(connection, ns)(other).into()),
        };
        Ok(list.into_iter().find_map(|h| {
            let spec = h.spec?;
            let target = &spec.scale_target_ref;
            (target.kind == "Deployment" && target.name == app.app).then(|| AutoscalerLook {
                name: h.metadata.name.clone().unwrap_or_default(),
                range: Range {
                    min: spec.min_replicas.unwrap_or(1),
                    max: spec.max_replicas,
                },
                version: h.metadata.resource_version.clone().unwrap_or_default(),
            })
        }))
    }

    async fn look_now(&self, app: &AppKey) -> Result<Look, GuardError> {
        let connection = self.connection(app).await?;
        let ns = &app.namespace;
        let (deployment, autoscaler) = futures::try_join!(
            async {
                ClusterService::purser_deployment(&connection, ns, &app.app)
                    .await
                    .map_err(GuardError::from)
            },
            self.autoscalers(&connection, ns, app)
        )?;
        let meta = &deployment.metadata;
        let empty = BTreeMap::new();
        let managers: Vec<String> = meta
            .managed_fields
            .iter()
            .flatten()
            .filter_map(|m| m.manager.clone())
            .collect();
        let level_set_by = match &autoscaler {
            Some(_) => None,
            None => set_by(meta, &["f:spec", "f:replicas"]),
        };
        let (cpu, memory) = requests(&deployment);
        Ok(Look {
            copies: deployment
                .spec
                .as_ref()
                .and_then(|s| s.replicas)
                .unwrap_or(1),
            autoscaler,
            version: meta.resource_version.clone().unwrap_or_default(),
            cpu,
            memory,
            created: meta
                .creation_timestamp
                .as_ref()
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.0.as_second()).ok()),
            hint: annotation(&deployment, PREVIOUS_ANNOTATION)
                .zip(annotation(&deployment, SET_ANNOTATION)),
            gitops: gitops::detect(
                meta.labels.as_ref().unwrap_or(&empty),
                meta.annotations.as_ref().unwrap_or(&empty),
                &managers,
            ),
            level_set_by,
        })
    }
}

/// What an Event on the app's Deployment says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Normal,
    Warning,
}

impl GuardOps<'_> {
    /// Writes a Kubernetes Event on `app`'s Deployment (`kubectl describe` and every
    /// dashboard show it), as `component` at `now`.
    pub async fn event(
        &self,
        app: &AppKey,
        (reason, message): (&str, &str),
        kind: EventKind,
        component: &str,
        now: time::OffsetDateTime,
    ) -> Result<(), GuardError> {
        let at = crate::clock::rfc3339(now);
        let name = format!("{}.{:x}", app.app, now.unix_timestamp_nanos());
        let event = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": app.namespace},
            "involvedObject": {
                "apiVersion": "apps/v1", "kind": "Deployment",
                "name": app.app, "namespace": app.namespace,
            },
            "reason": reason,
            "message": message,
            "type": match kind { EventKind::Normal => "Normal", EventKind::Warning => "Warning" },
            "source": {"component": component},
            "reportingComponent": component,
            "firstTimestamp": at,
            "lastTimestamp": at,
            "count": 1,
        });
        // Built from fixed fields and names already checked as Kubernetes names.
        let event: k8s_openapi::api::core::v1::Event = serde_json::from_value(event)
            .map_err(|e| GuardError::RecordUnsaved(format!("event: {e}")))?;
        let write = async {
            let connection = self.connection(app).await?;
            let api: Api<k8s_openapi::api::core::v1::Event> =
                Api::namespaced(connection.client(), &app.namespace);
            api.create(&kube::api::PostParams::default(), &event)
                .await
                .map(|_| ())
                .map_err(ClusterService::classify(&connection, &app.namespace))
        };
        Ok(self.service.within(write).await?)
    }
}

#[async_trait]
impl GuardCluster for GuardOps<'_> {
    async fn identity(&self, app: &AppKey) -> Result<ClusterIdentity, GuardError> {
        if ClusterService::is_sandbox(&app.context) {
            return Ok(ClusterIdentity::sandbox());
        }
        let service = self.service;
        let identity = async {
            let connection = self.connection(app).await?;
            if let Some(uid) = Self::kube_system(&connection).await? {
                return Ok(ClusterIdentity {
                    server: connection.server.clone(),
                    uid,
                    uid_of: UidOf::KubeSystem,
                });
            }
            let deployment =
                ClusterService::purser_deployment(&connection, &app.namespace, &app.app).await?;
            Ok(ClusterIdentity {
                server: connection.server.clone(),
                uid: deployment.metadata.uid.unwrap_or_default(),
                uid_of: UidOf::Deployment,
            })
        };
        Ok(service.within(identity).await?)
    }

    async fn look(&self, app: &AppKey) -> Result<Look, GuardError> {
        let seconds = self.service.timeouts.action;
        tokio::time::timeout(seconds, self.look_now(app))
            .await
            .unwrap_or(Err(GuardError::Cluster(ClusterError::TooSlow {
                seconds: seconds.as_secs(),
            })))
    }

    async fn set_copies(
        &self,
        app: &AppKey,
        replicas: i32,
        version: &str,
    ) -> Result<(), GuardError> {
        let write = async {
            let connection = self.connection(app).await?;
            let api: Api<Deployment> = Api::namespaced(connection.client(), &app.namespace);
            let scale = copies_patch(replicas, Some(version));
            api.patch_scale(&app.app, &purser_params(), &Patch::Merge(scale))
                .await
                .map(|_| ())
                .map_err(ClusterService::classify(&connection, &app.namespace))
        };
        self.service.within(write).await.map_err(conflict(app))
    }

    async fn set_range(
        &self,
        app: &AppKey,
        autoscaler: &str,
        range: Range,
        version: &str,
    ) -> Result<(), GuardError> {
        let write = async {
            let connection = self.connection(app).await?;
            let api: Api<HorizontalPodAutoscaler> =
                Api::namespaced(connection.client(), &app.namespace);
            let patch = range_patch(range.min, range.max, Some(version));
            api.patch(autoscaler, &purser_params(), &Patch::Merge(patch))
                .await
                .map(|_| ())
                .map_err(ClusterService::classify(&connection, &app.namespace))
        };
        self.service.within(write).await.map_err(conflict(app))
    }

    async fn write_hint(
        &self,
        app: &AppKey,
        hint: Option<(Level, Level)>,
    ) -> Result<(), GuardError> {
        let text = |level: &Level| Value::from(serde_json::to_string(level).unwrap_or_default());
        let annotations = match &hint {
            Some((previous, set)) => {
                json!({PREVIOUS_ANNOTATION: text(previous), SET_ANNOTATION: text(set)})
            }
            None => json!({PREVIOUS_ANNOTATION: Value::Null, SET_ANNOTATION: Value::Null}),
        };
        let write = async {
            let connection = self.connection(app).await?;
            let api: Api<Deployment> = Api::namespaced(connection.client(), &app.namespace);
            let patch = json!({"metadata": {"annotations": annotations}});
            api.patch(&app.app, &purser_params(), &Patch::Merge(patch))
                .await
                .map(|_| ())
                .map_err(ClusterService::classify(&connection, &app.namespace))
        };
        Ok(self.service.within(write).await?)
    }
}
