//! Day-2 operations on a deployed app: scale (or the autoscaler's range), restart, roll back,
//! uninstall. Each acts only on what Purser deployed, and each is audited — refusals too.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Secret, Service};
use kube::api::{Api, DeleteParams, ListParams, Patch};
use kube::Resource;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::activity;
use super::copies::{copies_patch, purser_params, range_patch, range_problems, CopyCount};
use super::error::ClusterError;
use super::manifests::{self, Ownership, NAME_LABEL};
use super::rollout::RolloutStatus;
use super::{ClusterService, Connection, Target};

#[derive(Debug, Clone, Serialize)]
pub struct ScaleOutcome {
    /// The number of copies the cluster accepted. Progress towards it arrives through the
    /// rollout watch, so the answer does not wait for another round of reads.
    pub replicas: i32,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UninstallReport {
    pub removed: Vec<String>,
    /// Objects with the app's names that Purser did not create, left in place.
    pub left_alone: Vec<String>,
    /// Objects Purser took over from another tool, kept because removing them was not asked.
    pub kept_adopted: Vec<String>,
}

impl ClusterService {
    /// The app's Deployment, refused unless Purser deployed it (or took it over when asked).
    pub(crate) async fn purser_deployment(
        connection: &Connection,
        ns: &str,
        app: &str,
    ) -> Result<Deployment, ClusterError> {
        let api: Api<Deployment> = Api::namespaced(connection.client(), ns);
        let found = api
            .get_opt(app)
            .await
            .map_err(Self::classify(connection, ns))?;
        match found {
            None => Err(ClusterError::AppMissing {
                app: app.into(),
                namespace: ns.into(),
            }),
            Some(d) if Ownership::of(&d.metadata) == Ownership::Foreign => {
                Err(ClusterError::NotPursers {
                    app: app.into(),
                    namespace: ns.into(),
                })
            }
            Some(d) => Ok(d),
        }
    }

    /// Sets the number of copies through the scale subresource. If an autoscaler manages the
    /// app, nothing changes and the error says so (use [`Self::set_autoscaler`]).
    pub async fn scale(
        &self,
        target: &Target,
        app: &str,
        replicas: CopyCount,
    ) -> Result<ScaleOutcome, ClusterError> {
        let connection = self.connected(target).await?;
        let ns = &target.namespace;
        self.audited(target, activity::scale(app, replicas.get().into()), async {
            let (deployment, mut autoscalers) = futures::try_join!(
                Self::purser_deployment(&connection, ns, app),
                self.autoscalers(&connection, ns)
            )?;
            drop(deployment);
            if let Some(a) = autoscalers.remove(app) {
                return Err(ClusterError::Autoscaled {
                    hpa: a.name,
                    min: a.min,
                    max: a.max,
                });
            }
            let api: Api<Deployment> = Api::namespaced(connection.client(), ns);
            let scale = api
                .patch_scale(
                    app,
                    &purser_params(),
                    &Patch::Merge(copies_patch(replicas.get(), None)),
                )
                .await
                .map_err(Self::classify(&connection, ns))?;
            Ok(ScaleOutcome {
                replicas: scale
                    .spec
                    .and_then(|s| s.replicas)
                    .unwrap_or(replicas.get()),
            })
        })
        .await
    }

    /// Changes the range of the autoscaler that manages the app.
    pub async fn set_autoscaler(
        &self,
        target: &Target,
        app: &str,
        min: i64,
        max: i64,
    ) -> Result<(), ClusterError> {
        let problems = range_problems(min, max);
        if !problems.is_empty() {
            return Err(ClusterError::InvalidSpec(problems));
        }
        let connection = self.connected(target).await?;
        let ns = &target.namespace;
        self.audited(target, activity::autoscaler(app, min, max), async {
            Self::purser_deployment(&connection, ns, app).await?;
            let Some(hpa) = self.autoscalers(&connection, ns).await?.remove(app) else {
                return Err(ClusterError::AutoscalerGone { app: app.into() });
            };
            let api: Api<HorizontalPodAutoscaler> = Api::namespaced(connection.client(), ns);
            api.patch(
                &hpa.name,
                &purser_params(),
                &Patch::Merge(range_patch(min as i32, max as i32, None)),
            )
            .await
            .map(|_| ())
            .map_err(Self::classify(&connection, ns))
        })
        .await
    }

    /// Restarts every copy, one after the other (like `kubectl rollout restart`).
    pub async fn restart(&self, target: &Target, app: &str) -> Result<RolloutStatus, ClusterError> {
        let connection = self.connected(target).await?;
        let ns = &target.namespace;
        self.audited(target, activity::restart(app), async {
            Self::purser_deployment(&connection, ns, app).await?;
            let api: Api<Deployment> = Api::namespaced(connection.client(), ns);
            let now = crate::clock::now_rfc3339();
            let patch = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": now}}}}});
            api.patch(app, &purser_params(), &Patch::Merge(patch))
                .await
                .map(|_| ())
                .map_err(Self::classify(&connection, ns))
        })
        .await?;
        self.status(target, app).await
    }

    /// Goes back to the previous version of the pod template (like `kubectl rollout undo`).
    pub async fn rollback(
        &self,
        target: &Target,
        app: &str,
    ) -> Result<RolloutStatus, ClusterError> {
        let connection = self.connected(target).await?;
        let ns = &target.namespace;
        // The audit line names the revision, which is known only after reading the history;
        // a rollback refused while reading it is audited all the same.
        let found = self
            .within(Self::previous_template(&connection, ns, app))
            .await;
        let (revision, image, template) = match found {
            Ok(found) => found,
            Err(error) => {
                return self
                    .audited(target, activity::rollback(app, None), async { Err(error) })
                    .await
            }
        };
        let subject = activity::rollback(app, Some((revision, &image)));
        self.audited(target, subject, async {
            let patch: json_patch::Patch = serde_json::from_value(
                json!([{"op": "replace", "path": "/spec/template", "value": template}]),
            )
            .map_err(|e| ClusterError::Api {
                code: 0,
                message: e.to_string(),
            })?;
            let api: Api<Deployment> = Api::namespaced(connection.client(), ns);
            api.patch(app, &purser_params(), &Patch::<()>::Json(patch))
                .await
                .map(|_| ())
                .map_err(Self::classify(&connection, ns))
        })
        .await?;
        self.status(target, app).await
    }

    /// The pod template of the app's previous revision: (revision, image, template).
    async fn previous_template(
        connection: &Connection,
        ns: &str,
        app: &str,
    ) -> Result<(i64, String, Value), ClusterError> {
        let classify = Self::classify(connection, ns);
        let deployment = Self::purser_deployment(connection, ns, app).await?;
        let uid = deployment.metadata.uid.clone();
        let sets: Api<ReplicaSet> = Api::namespaced(connection.client(), ns);
        let mut owned: Vec<ReplicaSet> = sets
            .list(&ListParams::default().labels(&format!("{NAME_LABEL}={app}")))
            .await
            .map_err(&classify)?
            .items
            .into_iter()
            .filter(|rs| {
                rs.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| Some(&o.uid) == uid.as_ref())
            })
            .collect();
        let revision = |rs: &ReplicaSet| -> i64 {
            rs.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("deployment.kubernetes.io/revision"))
                .and_then(|r| r.parse().ok())
                .unwrap_or(0)
        };
        owned.sort_by_key(|rs| std::cmp::Reverse(revision(rs)));
        let Some(previous) = owned.get(1) else {
            return Err(ClusterError::NoPreviousRevision(app.to_string()));
        };
        let mut template =
            serde_json::to_value(previous.spec.as_ref().and_then(|s| s.template.clone()))
                .unwrap_or(Value::Null);
        if let Some(labels) = template
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            labels.remove("pod-template-hash");
        }
        let image = template
            .pointer("/spec/containers/0/image")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Ok((revision(previous), image, template))
    }

    /// Removes what Purser created for the app: its Deployment, Service and Secret, each only
    /// if it carries Purser's label. Objects Purser took over from another tool go only when
    /// `remove_adopted` (the user ticked it).
    pub async fn uninstall(
        &self,
        target: &Target,
        app: &str,
        remove_adopted: bool,
    ) -> Result<UninstallReport, ClusterError> {
        let connection = self.connected(target).await?;
        let ns = &target.namespace;
        let report = self
            .audited(target, activity::uninstall(app, remove_adopted), async {
                let mut report = UninstallReport::default();
                remove::<Deployment>(&connection, ns, app, remove_adopted, &mut report).await?;
                remove::<Service>(&connection, ns, app, remove_adopted, &mut report).await?;
                let secret = manifests::secret_name(app);
                remove::<Secret>(&connection, ns, &secret, remove_adopted, &mut report).await?;
                Ok(report)
            })
            .await;
        // The live status of an app that is gone has nothing more to say.
        self.stop_watch();
        report
    }
}

pub(crate) async fn remove<K>(
    connection: &Connection,
    ns: &str,
    name: &str,
    remove_adopted: bool,
    report: &mut UninstallReport,
) -> Result<(), ClusterError>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(connection.client(), ns);
    let classify = ClusterService::classify(connection, ns);
    let label = format!("{}/{name}", K::kind(&K::DynamicType::default()));
    let Some(object) = api.get_opt(name).await.map_err(&classify)? else {
        return Ok(());
    };
    match Ownership::of(object.meta()) {
        Ownership::Foreign => report.left_alone.push(label),
        Ownership::Adopted if !remove_adopted => report.kept_adopted.push(label),
        Ownership::Purser | Ownership::Adopted => {
            api.delete(name, &DeleteParams::background())
                .await
                .map_err(&classify)?;
            report.removed.push(label);
        }
    }
    Ok(())
}
