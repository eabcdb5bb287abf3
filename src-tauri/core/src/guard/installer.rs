//! Installing the guard in the cluster from the window, as deploy does: every object shown
//! first with a server-side dry run of what it would change, applied with server-side apply
//! (field manager `purser`), the same YAML offered for export, and uninstall removing exactly
//! those objects. An object of the same name that Purser did not create stops the install.

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{Api, PostParams};
use serde::Serialize;
use serde_json::Value;

use super::activity;
use super::install::{guard_name, guard_objects, iam_policy, InstallInputError, InstallSpec};
use crate::cluster::apply::{apply, dry_run, not_managed, Change};
use crate::cluster::day2::remove;
use crate::cluster::manifests::Ownership;
use crate::cluster::{ClusterError, ClusterService, Target, UninstallReport};

/// The guard's objects for one app, typed as the cluster takes them.
#[derive(Debug, Clone)]
pub struct GuardObjects {
    pub app: String,
    pub account: ServiceAccount,
    pub role: Role,
    pub binding: RoleBinding,
    pub cron_job: CronJob,
    /// The same objects as built, for the YAML shown and exported.
    values: Vec<Value>,
}

impl GuardObjects {
    /// The objects `spec` describes; a value that cannot be installed is refused by field.
    pub fn of(spec: &InstallSpec) -> Result<Self, InstallInputError> {
        let values = guard_objects(spec)?;
        let typed = |i: usize| values.get(i).cloned().unwrap_or_default();
        // guard_objects builds these four, in this order, from typed fields: they always read.
        let read = |_: serde_json::Error| InstallInputError {
            field: "app",
            value: spec.app.clone(),
            problem: "not an object Kubernetes takes",
        };
        Ok(Self {
            app: spec.app.clone(),
            account: serde_json::from_value(typed(0)).map_err(read)?,
            role: serde_json::from_value(typed(1)).map_err(read)?,
            binding: serde_json::from_value(typed(2)).map_err(read)?,
            cron_job: serde_json::from_value(typed(3)).map_err(read)?,
            values,
        })
    }

    /// The objects as YAML documents, for the window and for Git or Terraform users.
    pub fn yaml(&self) -> String {
        self.values
            .iter()
            .map(|doc| serde_saphyr::to_string(doc).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("---\n")
    }
}

/// What installing would change, and what the pod's AWS role must allow.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallPreview {
    pub yaml: String,
    pub changes: Vec<Change>,
    /// Objects of the guard's names that Purser did not create (the install is refused).
    pub not_managed: Vec<String>,
    /// The IAM policy the pod's role needs (Cost Explorer reads only), as JSON.
    pub iam_policy: String,
    /// The autoscaler the guard may change, if the app has one.
    pub autoscaler: Option<String>,
}

impl ClusterService {
    /// What installing `objects` would change, from a server-side dry run. Changes nothing.
    pub async fn guard_install_preview(
        &self,
        target: &Target,
        objects: &GuardObjects,
        autoscaler: Option<String>,
    ) -> Result<InstallPreview, ClusterError> {
        self.within(async {
            let connection = self.connected(target).await?;
            let ns = &target.namespace;
            let planned = vec![
                dry_run(&connection, ns, &objects.account).await?,
                dry_run(&connection, ns, &objects.role).await?,
                dry_run(&connection, ns, &objects.binding).await?,
                dry_run(&connection, ns, &objects.cron_job).await?,
            ];
            Ok(InstallPreview {
                yaml: objects.yaml(),
                not_managed: not_managed(&planned),
                changes: planned.into_iter().map(|p| p.change).collect(),
                iam_policy: serde_json::to_string_pretty(&iam_policy()).unwrap_or_default(),
                autoscaler,
            })
        })
        .await
    }

    /// Applies `objects` (server-side apply, field manager `purser`), the CronJob last so no
    /// run starts before its rights exist. Objects of the same names that Purser did not
    /// create stop it before anything is written. Audited.
    pub async fn guard_install(
        &self,
        target: &Target,
        objects: &GuardObjects,
    ) -> Result<(), ClusterError> {
        let connection = self.connected(target).await?;
        let ns = &target.namespace;
        let app = &objects.app;
        let subject = activity::guard_install(app, &guard_name(app));
        self.audited(target, subject, async {
            let planned = vec![
                dry_run(&connection, ns, &objects.account).await?,
                dry_run(&connection, ns, &objects.role).await?,
                dry_run(&connection, ns, &objects.binding).await?,
                dry_run(&connection, ns, &objects.cron_job).await?,
            ];
            let foreign = not_managed(&planned);
            if !foreign.is_empty() {
                return Err(ClusterError::NotManaged(foreign));
            }
            apply(&connection, ns, &objects.account, false).await?;
            apply(&connection, ns, &objects.role, false).await?;
            apply(&connection, ns, &objects.binding, false).await?;
            apply(&connection, ns, &objects.cron_job, false).await?;
            Ok(())
        })
        .await
    }

    /// Removes the guard's objects for `app` (the CronJob first, so no run starts without its
    /// rights), only those Purser created. The shared record stays: it holds the budget and
    /// the guard's history. Audited.
    pub async fn guard_uninstall(
        &self,
        target: &Target,
        app: &str,
    ) -> Result<UninstallReport, ClusterError> {
        let connection = self.connected(target).await?;
        let ns = &target.namespace;
        let name = guard_name(app);
        self.audited(target, activity::guard_uninstall(app, &name), async {
            let mut report = UninstallReport::default();
            remove::<CronJob>(&connection, ns, &name, false, &mut report).await?;
            remove::<RoleBinding>(&connection, ns, &name, false, &mut report).await?;
            remove::<Role>(&connection, ns, &name, false, &mut report).await?;
            remove::<ServiceAccount>(&connection, ns, &name, false, &mut report).await?;
            Ok(report)
        })
        .await
    }
}

/// The Job "Test now" starts: the CronJob's own job template, named as `kubectl create job
/// --from=cronjob/…` would be asked to, marked as started by hand and owned by the CronJob
/// (so the CronJob's history limits and its removal cover it).
fn job_from(cron_job: &CronJob, minute: i64) -> Option<Job> {
    let name = cron_job.metadata.name.clone()?;
    let template = cron_job.spec.as_ref()?.job_template.clone();
    let mut meta = template.metadata.unwrap_or_default();
    let annotations = meta.annotations.get_or_insert_with(Default::default);
    annotations.insert("cronjob.kubernetes.io/instantiate".into(), "manual".into());
    Some(Job {
        metadata: ObjectMeta {
            name: Some(format!("{name}-{minute}")),
            namespace: cron_job.metadata.namespace.clone(),
            labels: meta.labels,
            annotations: meta.annotations,
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                name,
                uid: cron_job.metadata.uid.clone()?,
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..ObjectMeta::default()
        },
        spec: template.spec,
        status: None,
    })
}

impl ClusterService {
    /// Starts one check now: a Job from the guard's CronJob, as an administrator's `kubectl
    /// create job --from=cronjob/purser-guard-<app>` does. Returns the Job's name (one a
    /// minute: asked twice within a minute, the one already started is named). Audited.
    pub async fn guard_test_now(
        &self,
        target: &Target,
        app: &str,
        minute: i64,
    ) -> Result<String, ClusterError> {
        let connection = self.connected(target).await?;
        let ns = &target.namespace;
        let name = guard_name(app);
        self.audited(target, activity::guard_test_now(app, &name), async {
            let classify = ClusterService::classify(&connection, ns);
            let cron_jobs: Api<CronJob> = Api::namespaced(connection.client(), ns);
            let Some(cron_job) = cron_jobs.get_opt(&name).await.map_err(&classify)? else {
                return Err(ClusterError::NotFound(format!("CronJob/{name}")));
            };
            if Ownership::of(&cron_job.metadata) == Ownership::Foreign {
                return Err(ClusterError::NotManaged(vec![format!("CronJob/{name}")]));
            }
            let Some(job) = job_from(&cron_job, minute) else {
                return Err(ClusterError::NotFound(format!("CronJob/{name}")));
            };
            let job_name = job.metadata.name.clone().unwrap_or_default();
            let jobs: Api<Job> = Api::namespaced(connection.client(), ns);
            match jobs.create(&PostParams::default(), &job).await {
                Ok(_) => Ok(job_name),
                Err(kube::Error::Api(status)) if status.code == 409 => Ok(job_name),
                Err(other) => Err(classify(other)),
            }
        })
        .await
    }
}
