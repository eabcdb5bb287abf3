//! The desktop's ports for the guard service: the user's clusters (through the cluster
//! service), this month's figures (through the cost cache, no chart drawn), the records in
//! `guard.json`, the notices the window shows and the audit log.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::super::Purser;
use crate::cost::spend_limit::{self, LimitError, SpendLimit};
use crate::guard::cluster_ops::{GuardOps, Reach};
use crate::guard::ports::{BudgetRule, GuardFigures, GuardOpenAi, Look, MonthFigures, Told};
use crate::guard::{AppKey, CapRecord, DesktopRecords, GuardError, GuardService, Hold, Ports};
use crate::sync::lock;

/// The month's figures and the budget, as the desktop knows them.
pub(in crate::facade) struct DesktopFigures<'a>(pub &'a Purser);

#[async_trait]
impl GuardFigures for DesktopFigures<'_> {
    async fn month(&self, now: OffsetDateTime) -> Result<MonthFigures, GuardError> {
        self.0.month_figures(now).await.map_err(GuardError::Figures)
    }

    fn budget(&self, _app: &AppKey) -> BudgetRule {
        let settings = self.0.settings();
        BudgetRule {
            amount: settings.budget_amount,
            currency: settings.budget_currency,
            thresholds: settings.budget_thresholds.0,
        }
    }

    async fn copy_cost(&self, app: &AppKey, look: &Look) -> Option<f64> {
        self.0.copy_cost(app, look).await.cost.map(|c| c.monthly)
    }
}

/// OpenAI's spend limits through the admin key, and the caps Purser set, kept in guard.json.
pub(in crate::facade) struct DesktopOpenAi<'a>(pub &'a Purser);

impl DesktopOpenAi<'_> {
    async fn key(&self) -> Result<crate::secrets::Secret, GuardError> {
        let stored = self.0.credentials.openai_admin_key().await;
        match stored {
            Ok(Some(key)) => Ok(key),
            Ok(None) => Err(GuardError::OpenAi(
                crate::secrets::CheckError::NotStored(crate::secrets::SecretKind::OpenaiAdminKey)
                    .into(),
            )),
            Err(error) => Err(GuardError::OpenAi(error.into())),
        }
    }
}

fn limit_error(error: LimitError) -> GuardError {
    GuardError::OpenAi(error.into())
}

#[async_trait]
impl GuardOpenAi for DesktopOpenAi<'_> {
    fn project(&self) -> Option<String> {
        self.0.settings().openai_project
    }

    async fn limit(&self, project: &str) -> Result<Option<SpendLimit>, GuardError> {
        let key = self.key().await?;
        spend_limit::project_limit(&self.0.admin_endpoint(), &key, project)
            .await
            .map_err(limit_error)
    }

    async fn set_limit(&self, project: &str, cents: i64) -> Result<SpendLimit, GuardError> {
        let key = self.key().await?;
        spend_limit::set_project_limit(&self.0.admin_endpoint(), &key, project, cents)
            .await
            .map_err(limit_error)
    }

    async fn delete_limit(&self, project: &str) -> Result<(), GuardError> {
        let key = self.key().await?;
        spend_limit::delete_project_limit(&self.0.admin_endpoint(), &key, project)
            .await
            .map_err(limit_error)
    }

    async fn cap_record(&self, project: &str) -> Result<Option<CapRecord>, GuardError> {
        Ok(lock(&self.0.guard).cap(project))
    }

    async fn keep_cap_record(
        &self,
        project: &str,
        record: Option<&CapRecord>,
    ) -> Result<(), GuardError> {
        lock(&self.0.guard).set_cap(project, record.cloned())
    }

    async fn cap_hold(&self, project: &str) -> Result<Option<Hold>, GuardError> {
        Ok(lock(&self.0.guard).cap_hold(project))
    }

    async fn keep_cap_hold(&self, project: &str, hold: Option<&Hold>) -> Result<(), GuardError> {
        lock(&self.0.guard).set_cap_hold(project, hold.cloned())
    }
}

/// Every port for one call; [`Self::service`] lends them to a guard service.
pub(in crate::facade) struct DesktopPorts<'a> {
    purser: &'a Purser,
    cluster: GuardOps<'a>,
    figures: DesktopFigures<'a>,
    openai: DesktopOpenAi<'a>,
    records: DesktopRecords<'a>,
    pub told: Told,
}

impl<'a> DesktopPorts<'a> {
    pub fn new(purser: &'a Purser, reach: Reach) -> Self {
        Self {
            purser,
            cluster: GuardOps::new(&purser.cluster, reach),
            figures: DesktopFigures(purser),
            openai: DesktopOpenAi(purser),
            records: DesktopRecords(&purser.guard),
            told: Told::default(),
        }
    }

    pub fn service(&self) -> GuardService<'_> {
        GuardService::new(self.ports(), &self.purser.guard_locks)
    }

    /// The ports themselves, for what is not one app's (a project's OpenAI cap).
    pub fn ports(&self) -> Ports<'_> {
        Ports {
            cluster: &self.cluster,
            figures: &self.figures,
            openai: &self.openai,
            records: &self.records,
            clock: &*self.purser.clock,
            notifier: &self.told,
            audit: self.purser.cluster.audit(),
        }
    }

    pub fn cluster(&self) -> &GuardOps<'a> {
        &self.cluster
    }
}
