//! "Run the guard in the cluster" from the window: the objects and the budget to share shown
//! first, then installed — the app's shared record made from this computer's budget and guard
//! record when none exists yet (the one-time "share this budget" step), the objects applied
//! after it, so the first run finds its record — tested now, and removed again.

use serde::{Deserialize, Serialize};

use super::super::{key_of, Purser};
use super::ports::DesktopPorts;
use super::GuardView;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, PostParams};

use crate::amount::{parse_amount, NumberStyle};
use crate::audit::Outcome;
use crate::clock::rfc3339;
use crate::cluster::{ClusterService, Target as ClusterTarget, UninstallReport};
use crate::error::{AppError, FieldProblem};
use crate::guard::cluster_ops::Reach;
use crate::guard::install::guard_name;
use crate::guard::install::{InstallInputError, InstallSpec, DEFAULT_SCHEDULE};
use crate::guard::installer::{GuardObjects, InstallPreview};
use crate::guard::ports::GuardCluster;
use crate::guard::shared::Changed;
use crate::guard::{AppKey, ClusterRecords, Policy, Shared, SharedBudget};
use crate::guard::{GuardError, KeptFigures};
use crate::month::Month;
use crate::sync::lock;

/// What the person fills in: the image (a private mirror's reference, ideally by digest),
/// the schedule (cron, five fields; hourly at minute 7 when empty) and the IAM role for IRSA
/// (none: EKS Pod Identity, associated outside).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallForm {
    pub image: String,
    #[serde(default)]
    pub schedule: Option<String>,
    #[serde(default)]
    pub aws_role_arn: Option<String>,
}

/// The budget and policy everyone who uses the cluster will see, when this install shares
/// them for the first time.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareStep {
    pub budget: SharedBudget,
    pub policy: Policy,
}

/// What installing would do: the objects' dry run, and the record it would share.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardInstallPreview {
    #[serde(flatten)]
    pub objects: InstallPreview,
    /// `None`: the app's shared record exists already and is kept as it is.
    pub share: Option<ShareStep>,
}

/// What "Test now" started.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestNow {
    /// The Job started in the cluster (none on the sandbox).
    pub job: Option<String>,
    /// On the sandbox, Purser ran the check itself, as the job would.
    pub simulated: bool,
}

/// A value of the form that cannot be installed, named by the window's field.
fn input_error(error: InstallInputError) -> AppError {
    let field = match error.field {
        "image" => "guardInstallImage",
        "schedule" => "guardInstallSchedule",
        "aws_role_arn" => "guardInstallRole",
        // Not a field of the form: the app's own name (too long for the CronJob's).
        _ => return AppError::new("guard_install_app_name", error.to_string()),
    };
    let problem = FieldProblem::new(field, &format!("guard_install_{}", error.field));
    AppError::new("guard_install_invalid", error.to_string()).with_fields(vec![problem])
}

/// One of each, for the window's words.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    let mut out: Vec<AppError> = ["image", "schedule", "aws_role_arn", "app"]
        .into_iter()
        .map(|field| {
            input_error(InstallInputError {
                field,
                value: "x".into(),
                problem: "x",
            })
        })
        .collect();
    out.push(
        AppError::hinted("amount_unreadable", "shared_budget_amount", "x")
            .with("example", "1,500.50"),
    );
    out
}

fn blank_none(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl Purser {
    /// The install spec for `app` from the form, with the autoscaler the app has now.
    async fn install_objects(
        &self,
        key: &AppKey,
        form: &InstallForm,
    ) -> Result<(GuardObjects, Option<String>), AppError> {
        let ports = DesktopPorts::new(self, Reach::Connected);
        let look = ports.cluster().look(key).await?;
        let autoscaler = look.autoscaler.map(|a| a.name);
        let spec = InstallSpec {
            app: key.app.clone(),
            namespace: key.namespace.clone(),
            image: form.image.trim().to_string(),
            schedule: blank_none(form.schedule.clone()).unwrap_or_else(|| DEFAULT_SCHEDULE.into()),
            autoscaler: autoscaler.clone(),
            aws_role_arn: blank_none(form.aws_role_arn.clone()),
        };
        let objects = GuardObjects::of(&spec).map_err(input_error)?;
        Ok((objects, autoscaler))
    }

    /// The record this install would share: this computer's budget, and its guard record
    /// for the app (policy, floor, a waiting proposal, what a revert puts back).
    fn share_step(&self, key: &AppKey) -> (ShareStep, Shared) {
        let settings = self.settings();
        let (mut record, tagging) = {
            let state = lock(&self.guard);
            (state.app(key), state.tagging(key))
        };
        // The record lives in the app's cluster: no identity to compare (see GuardRecords).
        record.cluster = None;
        // This computer's last looks are not the guard in the cluster's; OpenAI's lever stays
        // on this computer (the job has none yet).
        record.last_check = None;
        record.last_openai_check = None;
        record.openai_lever = crate::guard::Lever::Off;
        record.openai_proposal = None;
        let budget = SharedBudget {
            amount: settings.budget_amount,
            currency: settings.budget_currency,
            thresholds: settings.budget_thresholds.0,
            cost_tag: tagging.cost_tag,
        };
        let shared = Shared {
            record: record.clone(),
            budget: Some(budget.clone()),
            changed: Some(Changed {
                by: super::ports::who_here(),
                at: crate::clock::rfc3339(self.clock.now()),
            }),
            ..Shared::default()
        };
        let step = ShareStep {
            budget,
            policy: record.policy,
        };
        (step, shared)
    }

    /// What installing the guard in the cluster for `app` would change. Changes nothing.
    pub async fn guard_install_preview(
        &self,
        target: &ClusterTarget,
        app: &str,
        form: &InstallForm,
    ) -> Result<GuardInstallPreview, AppError> {
        let key = key_of(target, app);
        let (objects, autoscaler) = self.install_objects(&key, form).await?;
        let preview = self
            .cluster
            .guard_install_preview(target, &objects, autoscaler)
            .await?;
        let ports = DesktopPorts::new(self, Reach::Connected);
        let records = ClusterRecords::new(ports.cluster());
        let kept = records.read(&key).await?;
        let share = kept.version.is_empty().then(|| self.share_step(&key).0);
        Ok(GuardInstallPreview {
            objects: preview,
            share,
        })
    }

    /// Installs the guard in the cluster for `app`: its shared record first when it has none
    /// (this computer's budget and guard record), then its objects. From then on this
    /// computer stands aside for it. Audited.
    pub async fn guard_install(
        &self,
        target: &ClusterTarget,
        app: &str,
        form: &InstallForm,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let (objects, autoscaler) = self.install_objects(&key, form).await?;
        // Objects Purser did not create refuse the install (audited below): share nothing.
        let planned = self
            .cluster
            .guard_install_preview(target, &objects, autoscaler)
            .await?;
        let ports = DesktopPorts::new(self, Reach::Connected);
        let records = ClusterRecords::new(ports.cluster());
        if planned.not_managed.is_empty() && records.read(&key).await?.version.is_empty() {
            let (_, shared) = self.share_step(&key);
            let audit = self.cluster.audit();
            let subject = crate::guard::activity::guard_share(&key.app);
            let intent = audit
                .begin(&key.context, &key.namespace, subject)
                .map_err(|e| GuardError::Audit(e.to_string()))?;
            // Made only if still absent: a record someone shared meanwhile is kept.
            let (outcome, error) = match records.write(&key, &shared).await {
                Ok(_) => (Outcome::Ok, None),
                Err(GuardError::RecordConflict) => (Outcome::Refused, None),
                Err(error) => (Outcome::Failed, Some(AppError::from(error))),
            };
            audit.finish(intent, outcome, error.clone());
            if let Some(error) = error {
                return Err(error);
            }
        }
        self.cluster.guard_install(target, &objects).await?;
        self.guard_view(target, app).await
    }

    /// Removes the guard's objects for `app` from the cluster (the shared record stays, with
    /// the budget and the guard's history). Audited.
    pub async fn guard_uninstall(
        &self,
        target: &ClusterTarget,
        app: &str,
    ) -> Result<UninstallReport, AppError> {
        Ok(self.cluster.guard_uninstall(target, app).await?)
    }
}

impl Purser {
    /// Starts one check of the guard in the cluster for `app` now: a Job from its CronJob
    /// (audited); its result shows in the guard's line when it ends. On the sandbox, where
    /// nothing runs the job, Purser runs that check itself.
    pub async fn guard_test_now(
        &self,
        target: &ClusterTarget,
        app: &str,
    ) -> Result<TestNow, AppError> {
        let key = key_of(target, app);
        if ClusterService::is_sandbox(&target.context) {
            let audit = self.cluster.audit();
            let subject = crate::guard::activity::guard_test_now(app, &guard_name(app));
            let intent = audit
                .begin(&key.context, &key.namespace, subject)
                .map_err(|e| GuardError::Audit(e.to_string()))?;
            let run = self.simulate_guard_run(&key, Reach::Connected).await;
            match &run {
                Ok(()) => audit.finish(intent, Outcome::Ok, None),
                Err(error) => audit.finish(intent, Outcome::Failed, Some(error.clone())),
            }
            run?;
            return Ok(TestNow {
                job: None,
                simulated: true,
            });
        }
        let minute = self.clock.now().unix_timestamp() / 60;
        let job = self.cluster.guard_test_now(target, app, minute).await?;
        Ok(TestNow {
            job: Some(job),
            simulated: false,
        })
    }

    /// One run of the guard's job, simulated on the sandbox: this month's (sample) figures
    /// kept in the shared record as the job keeps Cost Explorer's, the same guard service on
    /// that record, and the run written into the CronJob's status as its controller would.
    async fn simulate_guard_run(&self, key: &AppKey, reach: Reach) -> Result<(), AppError> {
        let ports = DesktopPorts::new(self, reach);
        if self.cluster_guard(&ports, key).await?.is_none() {
            return Err(GuardError::NotInCluster {
                app: key.app.clone(),
            }
            .into());
        }
        let now = self.clock.now();
        let figures = self.month_figures(now).await?;
        let records = ClusterRecords::new(ports.cluster());
        let mut shared = records.read(key).await?;
        shared.figures = Some(KeptFigures {
            month: Month::of(now.date()).to_string(),
            spent: figures.spent,
            month_end: figures.month_end,
            currency: figures.currency,
            read_at: rfc3339(now),
            cost_tag: shared.budget.as_ref().and_then(|b| b.cost_tag.clone()),
        });
        records.write(key, &shared).await?;
        let ports = ports.on_shared_record(key, false);
        let check = ports.service().run_round(key).await;
        // What the job would have written as Events is said by the desktop's next look.
        drop(ports.told.take());
        let judged = !matches!(check.did.as_str(), "failed" | "refused");
        let connection = ports.cluster().connection(key).await?;
        let classify = ClusterService::classify(&connection, &key.namespace);
        let api: Api<CronJob> = Api::namespaced(connection.client(), &key.namespace);
        let name = guard_name(&key.app);
        let mut job = api.get(&name).await.map_err(&classify)?;
        let at = k8s_openapi::jiff::Timestamp::from_second(now.unix_timestamp())
            .map(Time)
            .ok();
        let status = job.status.get_or_insert_with(Default::default);
        status.last_schedule_time = at.clone();
        if judged {
            status.last_successful_time = at;
        }
        api.replace_status(&name, &PostParams::default(), &job)
            .await
            .map_err(&classify)?;
        Ok(())
    }

    /// The sandbox's stand-in for the CronJob controller, called every minute: each guard
    /// installed there whose schedule has come round runs its check as "Test now" does, and
    /// is then looked at as the hourly round does, so what it did is told at once. Nothing
    /// else runs jobs on the sandbox. Returns what the user must be told.
    pub async fn sandbox_guard_runs(&self) -> Vec<AppError> {
        let keys: Vec<AppKey> = {
            let state = lock(&self.guard);
            let mut keys = state.apps();
            keys.extend(state.cluster_apps());
            keys.retain(|k| ClusterService::is_sandbox(&k.context));
            keys.sort_by(|a, b| (&a.namespace, &a.app).cmp(&(&b.namespace, &b.app)));
            keys.dedup();
            keys
        };
        if keys.is_empty() || lock(&self.guard).paused() {
            return Vec::new();
        }
        let ports = DesktopPorts::new(self, Reach::Named);
        for key in &keys {
            if !self.sandbox_run_due(&ports, key).await {
                continue;
            }
            if let Err(error) = self.simulate_guard_run(key, Reach::Named).await {
                // As a failed job: the look below says what the run left (or did not).
                tracing::info!(code = %error.code, app = %key.app, "the sandbox's scheduled check failed");
            }
            self.beside_cluster_guard(&ports, key).await;
        }
        let told = ports.told.take();
        lock(&self.notices).extend(told.iter().cloned());
        told
    }

    /// Whether `key`'s guard is installed on the sandbox and its schedule has come round.
    async fn sandbox_run_due(&self, ports: &DesktopPorts<'_>, key: &AppKey) -> bool {
        let Ok(connection) = ports.cluster().connection(key).await else {
            return false;
        };
        let api: Api<CronJob> = Api::namespaced(connection.client(), &key.namespace);
        match api.get_opt(&guard_name(&key.app)).await {
            Ok(Some(job)) => crate::guard::in_cluster::run_due(&job, self.clock.now()),
            _ => false,
        }
    }
}

impl Purser {
    /// Sets the budget every stakeholder's Purser shows for `app` (as the user typed it, in
    /// their language's way of writing numbers), in its shared record, saying who changed it.
    /// A change someone made meanwhile is read again first, never overwritten. Audited.
    pub async fn set_shared_budget(
        &self,
        target: &ClusterTarget,
        app: &str,
        amount: &str,
    ) -> Result<GuardView, AppError> {
        let style = NumberStyle::of(self.language());
        let amount = parse_amount(amount, style).map_err(|problem| {
            AppError::hinted(problem.code(), "shared_budget_amount", problem.to_string())
                .with("example", style.example())
        })?;
        let key = key_of(target, app);
        let (ports, seen) = self.person_ports(&key, true).await?;
        if seen.is_none() {
            return Err(GuardError::NotInCluster { app: app.into() }.into());
        }
        let settings = self.settings();
        let records = ClusterRecords::new(ports.cluster());
        let currency = records
            .read(&key)
            .await?
            .budget
            .map_or(settings.budget_currency.clone(), |b| b.currency);
        let audit = self.cluster.audit();
        let subject = crate::guard::activity::guard_budget(app, amount, &currency);
        let intent = audit
            .begin(&key.context, &key.namespace, subject)
            .map_err(|e| GuardError::Audit(e.to_string()))?;
        let written = self.write_budget(&records, &key, amount, &settings).await;
        match &written {
            Ok(()) => audit.finish(intent, Outcome::Ok, None),
            Err(error) => audit.finish(intent, Outcome::Failed, Some(error.clone().into())),
        }
        written?;
        self.guard_view(target, app).await
    }

    async fn write_budget(
        &self,
        records: &ClusterRecords<'_>,
        key: &AppKey,
        amount: f64,
        settings: &crate::settings::Settings,
    ) -> Result<(), GuardError> {
        let mut tries = 0;
        loop {
            let mut shared = records.read(key).await?;
            let budget = shared.budget.get_or_insert_with(|| SharedBudget {
                amount: None,
                currency: settings.budget_currency.clone(),
                thresholds: settings.budget_thresholds.0.clone(),
                cost_tag: None,
            });
            budget.amount = Some(amount);
            records.changing(Changed {
                by: super::ports::who_here(),
                at: rfc3339(self.clock.now()),
            });
            match records.write(key, &shared).await {
                Ok(_) => return Ok(()),
                Err(GuardError::RecordConflict) if tries < 2 => tries += 1,
                Err(error) => return Err(error),
            }
        }
    }
}
