//! The operations behind the Deployment screen.

use std::collections::BTreeMap;

use futures::future::join_all;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{Namespace, Secret, Service};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::Resource;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::error::{ClusterError, FieldConflict};
use super::manifests::{self, Manifests, MANAGED_BY_LABEL, MANAGER, NAME_LABEL};
use super::rollout::{self, RolloutStatus};
use super::spec::{AppSpec, EnvVar, ServiceType, MAX_REPLICAS, OPENAI_ENV};
use super::{diff, ClusterService, Connection, Target};
use crate::secrets::Secret as KeychainSecret;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInfo {
    pub context: String,
    pub server: String,
    pub version: String,
    /// `None` when listing namespaces is not allowed (the user types one).
    pub namespaces: Option<Vec<String>>,
    pub sandbox: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Permission {
    pub verb: String,
    pub resource: String,
    pub allowed: bool,
    /// What Purser needs it for, in plain words.
    pub purpose: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub sign: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub kind: String,
    pub name: String,
    /// `create`, `update` or `unchanged`.
    pub action: String,
    pub diff: Vec<DiffLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// The manifests as YAML, the key shown as "•••• from keychain".
    pub yaml: String,
    pub changes: Vec<Change>,
    /// Fields other tools manage that this deploy would change (needs "take over").
    pub conflicts: Vec<FieldConflict>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScaleOutcome {
    /// The number of copies the cluster accepted. Progress towards it arrives through the
    /// rollout watch, so the answer does not wait for another round of reads.
    pub replicas: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct UninstallReport {
    pub removed: Vec<String>,
    /// Objects with the app's names that Purser did not create, left in place.
    pub left_alone: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppSummary {
    pub name: String,
    pub image: String,
    pub replicas: i32,
    pub ready: i32,
    /// The form as it would reproduce what is deployed.
    pub spec: AppSpec,
    /// Set when an autoscaler manages the number of copies: (name, min, max).
    pub autoscaler: Option<(String, i32, i32)>,
}

/// Every permission Purser uses: (verb, group, resource, subresource, purpose).
const NEEDED: &[(&str, &str, &str, &str, &str)] = &[
    ("get", "apps", "deployments", "", "see the app"),
    ("list", "apps", "deployments", "", "list Purser's apps"),
    ("watch", "apps", "deployments", "", "follow a rollout live"),
    (
        "create",
        "apps",
        "deployments",
        "",
        "deploy the app the first time",
    ),
    (
        "patch",
        "apps",
        "deployments",
        "",
        "deploy changes, restart, roll back",
    ),
    ("delete", "apps", "deployments", "", "uninstall"),
    (
        "get",
        "apps",
        "deployments",
        "scale",
        "read the number of copies",
    ),
    ("patch", "apps", "deployments", "scale", "scale"),
    (
        "list",
        "apps",
        "replicasets",
        "",
        "roll back to the previous version",
    ),
    ("get", "", "secrets", "", "compare the stored key"),
    ("create", "", "secrets", "", "give the app its OpenAI key"),
    ("patch", "", "secrets", "", "update the OpenAI key"),
    ("delete", "", "secrets", "", "uninstall"),
    ("get", "", "services", "", "see the app's address"),
    ("create", "", "services", "", "expose the app"),
    ("patch", "", "services", "", "change how the app is exposed"),
    ("delete", "", "services", "", "uninstall"),
    ("list", "", "pods", "", "show each copy's state"),
    ("watch", "", "pods", "", "follow a rollout live"),
    ("get", "", "pods", "log", "show why a copy crashes"),
    ("list", "", "events", "", "explain failures"),
    ("watch", "", "events", "", "explain failures live"),
    (
        "list",
        "autoscaling",
        "horizontalpodautoscalers",
        "",
        "notice an autoscaler",
    ),
    (
        "patch",
        "autoscaling",
        "horizontalpodautoscalers",
        "",
        "change the autoscaler's range",
    ),
];

fn apply_params(force: bool) -> PatchParams {
    let params = PatchParams::apply(MANAGER);
    if force {
        params.force()
    } else {
        params
    }
}

fn is_purser(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> bool {
    meta.labels
        .as_ref()
        .and_then(|l| l.get(MANAGED_BY_LABEL))
        .map(String::as_str)
        == Some(MANAGER)
}

impl ClusterService {
    /// Connects to a context: server version and the namespaces (if listing is allowed).
    pub async fn connect(&self, context: &str) -> Result<ConnectionInfo, ClusterError> {
        let connection = self.connection(context).await?;
        let classify = Self::classify(&connection, "");
        let version = connection
            .client
            .apiserver_version()
            .await
            .map_err(&classify)?;
        let namespaces: Api<Namespace> = Api::all(connection.client.clone());
        let namespaces = match namespaces.list(&ListParams::default()).await {
            Ok(list) => Some(
                list.items
                    .into_iter()
                    .filter_map(|n| n.metadata.name)
                    .collect(),
            ),
            Err(kube::Error::Api(status)) if status.code == 403 => None,
            Err(other) => return Err(classify(other)),
        };
        Ok(ConnectionInfo {
            context: context.to_string(),
            server: connection.server.clone(),
            version: version.git_version,
            namespaces,
            sandbox: connection.sandbox,
        })
    }

    /// Asks the cluster (SelfSubjectAccessReview) about every permission Purser uses.
    pub async fn permissions(&self, target: &Target) -> Result<Vec<Permission>, ClusterError> {
        let connection = self.connection(&target.context).await?;
        let reviews: Api<SelfSubjectAccessReview> = Api::all(connection.client.clone());
        let asks = NEEDED.iter().map(|(verb, group, resource, sub, _)| {
            let review = SelfSubjectAccessReview {
                spec: SelfSubjectAccessReviewSpec {
                    resource_attributes: Some(ResourceAttributes {
                        namespace: Some(target.namespace.clone()),
                        verb: Some(verb.to_string()),
                        group: Some(group.to_string()),
                        resource: Some(resource.to_string()),
                        subresource: Some(sub.to_string()).filter(|s| !s.is_empty()),
                        ..ResourceAttributes::default()
                    }),
                    ..SelfSubjectAccessReviewSpec::default()
                },
                ..SelfSubjectAccessReview::default()
            };
            let reviews = reviews.clone();
            async move { reviews.create(&PostParams::default(), &review).await }
        });
        let answers = join_all(asks).await;
        let classify = Self::classify(&connection, &target.namespace);
        let mut out = Vec::new();
        for ((verb, _, resource, sub, purpose), answer) in NEEDED.iter().zip(answers) {
            let answer = answer.map_err(&classify)?;
            out.push(Permission {
                verb: verb.to_string(),
                resource: if sub.is_empty() {
                    resource.to_string()
                } else {
                    format!("{resource}/{sub}")
                },
                allowed: answer.status.is_some_and(|s| s.allowed),
                purpose: purpose.to_string(),
            });
        }
        Ok(out)
    }

    /// Purser's apps in a namespace, with the form that reproduces each.
    pub async fn apps(&self, target: &Target) -> Result<Vec<AppSummary>, ClusterError> {
        let connection = self.connection(&target.context).await?;
        let classify = Self::classify(&connection, &target.namespace);
        let deployments: Api<Deployment> =
            Api::namespaced(connection.client.clone(), &target.namespace);
        let list = deployments
            .list(&ListParams::default().labels(&format!("{MANAGED_BY_LABEL}={MANAGER}")))
            .await
            .map_err(&classify)?;
        let services: Api<Service> = Api::namespaced(connection.client.clone(), &target.namespace);
        let hpas = self.autoscalers(&connection, &target.namespace).await?;
        let mut out = Vec::new();
        for d in list.items {
            let name = d.metadata.name.clone().unwrap_or_default();
            let service = services.get_opt(&name).await.map_err(&classify)?;
            let spec = spec_of(&d, service.as_ref());
            out.push(AppSummary {
                image: spec.image.clone(),
                replicas: d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                ready: d
                    .status
                    .as_ref()
                    .and_then(|s| s.ready_replicas)
                    .unwrap_or(0),
                autoscaler: hpas.get(&name).cloned(),
                name,
                spec,
            });
        }
        Ok(out)
    }

    async fn autoscalers(
        &self,
        connection: &Connection,
        namespace: &str,
    ) -> Result<BTreeMap<String, (String, i32, i32)>, ClusterError> {
        let api: Api<HorizontalPodAutoscaler> =
            Api::namespaced(connection.client.clone(), namespace);
        let list = match api.list(&ListParams::default()).await {
            Ok(list) => list.items,
            // Not allowed to see autoscalers: then Purser cannot honour them either way.
            Err(kube::Error::Api(status)) if status.code == 403 || status.code == 404 => Vec::new(),
            Err(other) => return Err(Self::classify(connection, namespace)(other)),
        };
        Ok(list
            .into_iter()
            .filter_map(|h| {
                let spec = h.spec?;
                (spec.scale_target_ref.kind == "Deployment").then(|| {
                    (
                        spec.scale_target_ref.name.clone(),
                        (
                            h.metadata.name.unwrap_or_default(),
                            spec.min_replicas.unwrap_or(1),
                            spec.max_replicas,
                        ),
                    )
                })
            })
            .collect())
    }

    /// What deploying the form would change, from a server-side dry run. Changes nothing.
    pub async fn preview(
        &self,
        target: &Target,
        form: &AppSpec,
        key: Option<&KeychainSecret>,
    ) -> Result<Preview, ClusterError> {
        let spec = form.validate().map_err(ClusterError::InvalidSpec)?;
        let key = key.ok_or(ClusterError::NoOpenAiKey)?;
        let manifests = manifests::build(&spec, &target.namespace, key);
        let connection = self.connection(&target.context).await?;
        let mut changes = Vec::new();
        let mut conflicts = Vec::new();
        let client = &connection.client;
        let ns = &target.namespace;
        for (change, found) in [
            dry_run::<Secret>(client, ns, &manifests.secret, &connection).await?,
            dry_run::<Deployment>(client, ns, &manifests.deployment, &connection).await?,
            dry_run::<Service>(client, ns, &manifests.service, &connection).await?,
        ] {
            changes.push(change);
            conflicts.extend(found);
        }
        Ok(Preview {
            yaml: manifests::preview_yaml(&manifests),
            changes,
            conflicts,
        })
    }

    /// Applies the form (server-side apply, field manager `purser`). Conflicts with other
    /// managers stop it before anything is written, unless `take_over`.
    pub async fn deploy(
        &self,
        target: &Target,
        form: &AppSpec,
        key: Option<&KeychainSecret>,
        take_over: bool,
    ) -> Result<RolloutStatus, ClusterError> {
        let spec = form.validate().map_err(ClusterError::InvalidSpec)?;
        let key = key.ok_or(ClusterError::NoOpenAiKey)?;
        let manifests = manifests::build(&spec, &target.namespace, key);
        let connection = self.connection(&target.context).await?;
        self.audit_ready()?;
        let what = format!(
            "{} · {} · {} copies{}",
            spec.name,
            spec.image,
            spec.replicas,
            if take_over {
                " · took over fields"
            } else {
                ""
            }
        );
        let result = self
            .apply_all(&connection, &target.namespace, &manifests, take_over)
            .await;
        self.audit_result(target, "deploy", &what, &result);
        result?;
        rollout::snapshot(connection.client.clone(), &target.namespace, &spec.name)
            .await
            .map_err(Self::classify(&connection, &target.namespace))
    }

    async fn apply_all(
        &self,
        connection: &Connection,
        ns: &str,
        manifests: &Manifests,
        take_over: bool,
    ) -> Result<(), ClusterError> {
        let client = &connection.client;
        if !take_over {
            // Dry-run everything first, so a conflict changes nothing at all.
            let mut conflicts = Vec::new();
            conflicts.extend(
                dry_run::<Secret>(client, ns, &manifests.secret, connection)
                    .await?
                    .1,
            );
            conflicts.extend(
                dry_run::<Deployment>(client, ns, &manifests.deployment, connection)
                    .await?
                    .1,
            );
            conflicts.extend(
                dry_run::<Service>(client, ns, &manifests.service, connection)
                    .await?
                    .1,
            );
            if !conflicts.is_empty() {
                return Err(ClusterError::Conflict(conflicts));
            }
        }
        apply::<Secret>(client, ns, &manifests.secret, connection, take_over).await?;
        apply::<Deployment>(client, ns, &manifests.deployment, connection, take_over).await?;
        apply::<Service>(client, ns, &manifests.service, connection, take_over).await?;
        Ok(())
    }

    /// The app's rollout status now.
    pub async fn status(&self, target: &Target, app: &str) -> Result<RolloutStatus, ClusterError> {
        let connection = self.connection(&target.context).await?;
        rollout::snapshot(connection.client.clone(), &target.namespace, app)
            .await
            .map_err(Self::classify(&connection, &target.namespace))
    }

    async fn purser_deployment(
        &self,
        connection: &Connection,
        ns: &str,
        app: &str,
    ) -> Result<Deployment, ClusterError> {
        let api: Api<Deployment> = Api::namespaced(connection.client.clone(), ns);
        let found = api
            .get_opt(app)
            .await
            .map_err(Self::classify(connection, ns))?;
        match found {
            None => Err(ClusterError::NotFound(format!("there is no app \"{app}\" in namespace \"{ns}\""))),
            Some(d) if !is_purser(&d.metadata) => Err(ClusterError::Refused(format!(
                "\"{app}\" in namespace \"{ns}\" was not deployed by Purser, so Purser leaves it alone"
            ))),
            Some(d) => Ok(d),
        }
    }

    /// Sets the number of copies through the scale subresource. If an autoscaler manages the
    /// app, nothing changes and the error says so (use [`Self::set_autoscaler`]).
    pub async fn scale(
        &self,
        target: &Target,
        app: &str,
        replicas: i64,
    ) -> Result<ScaleOutcome, ClusterError> {
        if !(0..=MAX_REPLICAS).contains(&replicas) {
            return Err(ClusterError::InvalidSpec(vec![super::spec::FieldProblem {
                field: "replicas".into(),
                problem: format!("enter a whole number from 0 to {MAX_REPLICAS}"),
            }]));
        }
        let connection = self.connection(&target.context).await?;
        let ns = &target.namespace;
        self.purser_deployment(&connection, ns, app).await?;
        if let Some((hpa, min, max)) = self.autoscalers(&connection, ns).await?.remove(app) {
            return Err(ClusterError::Autoscaled { hpa, min, max });
        }
        self.audit_ready()?;
        let api: Api<Deployment> = Api::namespaced(connection.client.clone(), ns);
        let params = PatchParams {
            field_manager: Some(MANAGER.into()),
            ..PatchParams::default()
        };
        let result = api
            .patch_scale(
                app,
                &params,
                &Patch::Merge(json!({"spec": {"replicas": replicas}})),
            )
            .await
            .map_err(Self::classify(&connection, ns));
        self.audit_result(
            target,
            "scale",
            &format!("{app} → {replicas} copies"),
            &result,
        );
        let scale = result?;
        Ok(ScaleOutcome {
            replicas: scale
                .spec
                .and_then(|s| s.replicas)
                .unwrap_or(replicas as i32),
        })
    }

    /// Changes the range of the autoscaler that manages the app.
    pub async fn set_autoscaler(
        &self,
        target: &Target,
        app: &str,
        min: i64,
        max: i64,
    ) -> Result<(), ClusterError> {
        let mut problems = Vec::new();
        if !(1..=MAX_REPLICAS).contains(&min) {
            problems.push(super::spec::FieldProblem {
                field: "autoscalerMin".into(),
                problem: format!("enter a whole number from 1 to {MAX_REPLICAS}"),
            });
        }
        if !(1..=MAX_REPLICAS).contains(&max) || max < min {
            problems.push(super::spec::FieldProblem {
                field: "autoscalerMax".into(),
                problem: format!("enter a whole number from the minimum up to {MAX_REPLICAS}"),
            });
        }
        if !problems.is_empty() {
            return Err(ClusterError::InvalidSpec(problems));
        }
        let connection = self.connection(&target.context).await?;
        let ns = &target.namespace;
        let Some((hpa, _, _)) = self.autoscalers(&connection, ns).await?.remove(app) else {
            return Err(ClusterError::NotFound(format!(
                "no autoscaler manages \"{app}\" any more"
            )));
        };
        self.audit_ready()?;
        let api: Api<HorizontalPodAutoscaler> = Api::namespaced(connection.client.clone(), ns);
        let params = PatchParams {
            field_manager: Some(MANAGER.into()),
            ..PatchParams::default()
        };
        let result = api
            .patch(
                &hpa,
                &params,
                &Patch::Merge(json!({"spec": {"minReplicas": min, "maxReplicas": max}})),
            )
            .await
            .map(|_| ())
            .map_err(Self::classify(&connection, ns));
        self.audit_result(
            target,
            "autoscaler",
            &format!("{app} ({hpa}) → {min}–{max} copies"),
            &result,
        );
        result
    }

    /// Restarts every copy, one after the other (like `kubectl rollout restart`).
    pub async fn restart(&self, target: &Target, app: &str) -> Result<RolloutStatus, ClusterError> {
        let connection = self.connection(&target.context).await?;
        let ns = &target.namespace;
        self.purser_deployment(&connection, ns, app).await?;
        self.audit_ready()?;
        let api: Api<Deployment> = Api::namespaced(connection.client.clone(), ns);
        let params = PatchParams {
            field_manager: Some(MANAGER.into()),
            ..PatchParams::default()
        };
        let patch = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": crate::credentials::now_rfc3339()}}}}});
        let result = api
            .patch(app, &params, &Patch::Merge(patch))
            .await
            .map(|_| ())
            .map_err(Self::classify(&connection, ns));
        self.audit_result(target, "restart", app, &result);
        result?;
        self.status(target, app).await
    }

    /// Goes back to the previous version of the pod template (like `kubectl rollout undo`).
    pub async fn rollback(
        &self,
        target: &Target,
        app: &str,
    ) -> Result<RolloutStatus, ClusterError> {
        let connection = self.connection(&target.context).await?;
        let ns = &target.namespace;
        let classify = Self::classify(&connection, ns);
        let deployment = self.purser_deployment(&connection, ns, app).await?;
        let uid = deployment.metadata.uid.clone();
        let sets: Api<ReplicaSet> = Api::namespaced(connection.client.clone(), ns);
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
        self.audit_ready()?;
        let patch: json_patch::Patch = serde_json::from_value(
            json!([{"op": "replace", "path": "/spec/template", "value": template}]),
        )
        .map_err(|e| ClusterError::Api {
            code: 0,
            message: e.to_string(),
        })?;
        let api: Api<Deployment> = Api::namespaced(connection.client.clone(), ns);
        let params = PatchParams {
            field_manager: Some(MANAGER.into()),
            ..PatchParams::default()
        };
        let result = api
            .patch(app, &params, &Patch::<()>::Json(patch))
            .await
            .map(|_| ())
            .map_err(&classify);
        self.audit_result(
            target,
            "rollback",
            &format!("{app} → revision {} ({image})", revision(previous)),
            &result,
        );
        result?;
        self.status(target, app).await
    }

    /// Removes exactly what Purser created for the app: its Deployment, Service and Secret,
    /// each only if it carries Purser's label.
    pub async fn uninstall(
        &self,
        target: &Target,
        app: &str,
    ) -> Result<UninstallReport, ClusterError> {
        let connection = self.connection(&target.context).await?;
        let ns = &target.namespace;
        self.audit_ready()?;
        let mut report = UninstallReport {
            removed: Vec::new(),
            left_alone: Vec::new(),
        };
        let result = async {
            remove::<Deployment>(&connection, ns, app, &mut report).await?;
            remove::<Service>(&connection, ns, app, &mut report).await?;
            remove::<Secret>(&connection, ns, &manifests::secret_name(app), &mut report).await?;
            Ok::<(), ClusterError>(())
        }
        .await;
        let what = format!(
            "{app} (removed: {})",
            if report.removed.is_empty() {
                "nothing".into()
            } else {
                report.removed.join(", ")
            }
        );
        self.audit_result(target, "uninstall", &what, &result);
        // The live status of an app that is gone has nothing more to say.
        self.stop_watch();
        result.map(|_| report)
    }

    fn audit_ready(&self) -> Result<(), ClusterError> {
        let path = self.audit().path().to_path_buf();
        let check = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map(|_| ())
        };
        check().map_err(|e| ClusterError::Audit(format!("{}: {e}", path.display())))
    }

    fn audit_result<T>(
        &self,
        target: &Target,
        action: &str,
        what: &str,
        result: &Result<T, ClusterError>,
    ) {
        let outcome = match result {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("failed: {e}"),
        };
        if let Err(error) =
            self.audit()
                .record(&target.context, &target.namespace, action, what, &outcome)
        {
            tracing::error!(%error, action, "audit entry not written");
        }
    }
}

async fn remove<K>(
    connection: &Connection,
    ns: &str,
    name: &str,
    report: &mut UninstallReport,
) -> Result<(), ClusterError>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(connection.client.clone(), ns);
    let classify = ClusterService::classify(connection, ns);
    let label = format!("{}/{name}", K::kind(&K::DynamicType::default()));
    match api.get_opt(name).await.map_err(&classify)? {
        None => Ok(()),
        Some(object) if !is_purser(object.meta()) => {
            report.left_alone.push(label);
            Ok(())
        }
        Some(_) => {
            api.delete(name, &DeleteParams::background())
                .await
                .map_err(&classify)?;
            report.removed.push(label);
            Ok(())
        }
    }
}

async fn apply<K>(
    client: &kube::Client,
    ns: &str,
    object: &K,
    connection: &Connection,
    force: bool,
) -> Result<(), ClusterError>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Serialize
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(client.clone(), ns);
    let name = object.meta().name.clone().unwrap_or_default();
    match api
        .patch(&name, &apply_params(force), &Patch::Apply(object))
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 409 && !force && only_purser(&status) => {
            // Only Purser's own earlier edits (e.g. a scale) disagree: Purser may take them back.
            api.patch(&name, &apply_params(true), &Patch::Apply(object))
                .await
                .map(|_| ())
                .map_err(ClusterService::classify(connection, ns))
        }
        Err(other) => Err(ClusterService::classify(connection, ns)(other)),
    }
}

fn only_purser(status: &kube::core::Status) -> bool {
    status.details.as_ref().is_some_and(|d| {
        !d.causes.is_empty()
            && d.causes
                .iter()
                .all(|c| c.message.split('"').nth(1) == Some(MANAGER))
    })
}

/// A server-side dry run of an apply: the change it would make and any conflicts.
async fn dry_run<K>(
    client: &kube::Client,
    ns: &str,
    object: &K,
    connection: &Connection,
) -> Result<(Change, Vec<FieldConflict>), ClusterError>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Serialize
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(client.clone(), ns);
    let classify = ClusterService::classify(connection, ns);
    let name = object.meta().name.clone().unwrap_or_default();
    let kind = K::kind(&K::DynamicType::default()).to_string();
    let live = api.get_opt(&name).await.map_err(&classify)?;
    let mut conflicts = Vec::new();
    let would = match api
        .patch(&name, &apply_params(false).dry_run(), &Patch::Apply(object))
        .await
    {
        Ok(would) => would,
        Err(kube::Error::Api(status)) if status.code == 409 => {
            if !only_purser(&status) {
                if let ClusterError::Conflict(found) = classify(kube::Error::Api(status.clone())) {
                    conflicts = found;
                }
            }
            api.patch(&name, &apply_params(true).dry_run(), &Patch::Apply(object))
                .await
                .map_err(&classify)?
        }
        Err(other) => return Err(classify(other)),
    };
    let live_value = live
        .as_ref()
        .map(|l| serde_json::to_value(l).unwrap_or_default());
    let would_value = serde_json::to_value(&would).unwrap_or_default();
    let key_changes = kind == "Secret"
        && live_value
            .as_ref()
            .is_some_and(|l| l.get("data") != would_value.get("data"));
    let mut lines = diff::lines(
        live_value.clone().map(diff::comparable).as_ref(),
        &diff::comparable(would_value),
    );
    if key_changes {
        lines.push(DiffLine {
            sign: "~".into(),
            text: format!(
                "{OPENAI_ENV}: {} (a different key than the cluster has now)",
                manifests::MASK
            ),
        });
    }
    let action = match (&live, lines.is_empty()) {
        (None, _) => "create",
        (Some(_), true) => "unchanged",
        (Some(_), false) => "update",
    };
    Ok((
        Change {
            kind,
            name,
            action: action.into(),
            diff: lines,
        },
        conflicts,
    ))
}

/// Reconstructs the form from a live Deployment and Service (for editing what is deployed).
fn spec_of(d: &Deployment, service: Option<&Service>) -> AppSpec {
    let pod = d.spec.as_ref().and_then(|s| s.template.spec.as_ref());
    let container = pod.and_then(|p| p.containers.first());
    let resources = container.and_then(|c| c.resources.as_ref());
    let q = |map: Option<
        &BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
    >,
             key: &str| {
        map.and_then(|m| m.get(key))
            .map(|q| q.0.clone())
            .unwrap_or_default()
    };
    let requests = resources.and_then(|r| r.requests.as_ref());
    let limits = resources.and_then(|r| r.limits.as_ref());
    AppSpec {
        name: d.metadata.name.clone().unwrap_or_default(),
        image: container.and_then(|c| c.image.clone()).unwrap_or_default(),
        replicas: Some(d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1) as i64),
        port: container
            .and_then(|c| c.ports.as_ref())
            .and_then(|p| p.first())
            .map(|p| p.container_port as i64),
        service_type: match service
            .and_then(|s| s.spec.as_ref())
            .and_then(|s| s.type_.as_deref())
        {
            Some("LoadBalancer") => ServiceType::LoadBalancer,
            _ => ServiceType::ClusterIP,
        },
        cpu_request: q(requests, "cpu"),
        cpu_limit: q(limits, "cpu"),
        memory_request: q(requests, "memory"),
        memory_limit: q(limits, "memory"),
        env: container
            .and_then(|c| c.env.as_ref())
            .into_iter()
            .flatten()
            .filter(|e| e.name != OPENAI_ENV)
            .filter_map(|e| {
                Some(EnvVar {
                    name: e.name.clone(),
                    value: e.value.clone()?,
                })
            })
            .collect(),
        readiness_path: container
            .and_then(|c| c.readiness_probe.as_ref())
            .and_then(|p| p.http_get.as_ref())
            .and_then(|h| h.path.clone())
            .unwrap_or_default(),
    }
}
