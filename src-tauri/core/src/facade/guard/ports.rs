//! The desktop's ports for the guard service: the user's clusters (through the cluster
//! service), this month's figures (through the cost cache, no chart drawn), the records in
//! `guard.json`, the notices the window shows and the audit log. For an app whose guard runs
//! in the cluster, the record, the budget and the figures are the shared record's instead, so
//! a person's approval or revert here acts on what every stakeholder's Purser sees.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::super::Purser;
use crate::cost::spend_limit::{self, LimitError, SpendLimit};
use crate::guard::cluster_ops::{GuardOps, Reach};
use crate::guard::ports::{BudgetRule, GuardFigures, GuardOpenAi, Look, MonthFigures, Told};
use crate::guard::ports::{GuardRecords, Stored};
use crate::guard::shared::Changed;
use crate::guard::KeptFigures;
use crate::guard::{AppKey, AppRecord, CapRecord, ClusterRecords, DesktopRecords, GuardError};
use crate::guard::{GuardService, Hold, Ports};
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

/// The shared record of an app guarded in the cluster: its guard record, and the budget and
/// figures kept with it. Figures older than the guard in the cluster keeps them for are not
/// used: this desktop's own may count other spend than the shared budget does.
pub(in crate::facade) struct SharedStore<'a> {
    pub records: ClusterRecords<'a>,
    key: AppKey,
    purser: &'a Purser,
    /// This computer stands in for the guard in the cluster, which keeps no fresh figures
    /// meanwhile: its own are used when they count what the shared budget counts (no cost
    /// tag), and kept in the record for everyone.
    stand_in: bool,
}

#[async_trait]
impl GuardRecords for SharedStore<'_> {
    async fn load(&self, app: &AppKey) -> Result<Stored, GuardError> {
        self.records.load(app).await
    }

    async fn save(
        &self,
        app: &AppKey,
        record: &AppRecord,
        version: &str,
    ) -> Result<String, GuardError> {
        let last = self.records.last(app);
        // A person here changed the policy: every Purser then says who, and when.
        let before = last.as_ref().map(|shared| &shared.record.policy);
        if before != Some(&record.policy) {
            self.records.changing(Changed {
                by: who_here(),
                at: crate::clock::rfc3339(self.purser.clock.now()),
            });
        }
        if self.stand_in {
            // The record's last check stays the guard in the cluster's: it says whether that
            // guard works again (this computer's own checks are its notices and audit lines).
            let mut kept = record.clone();
            kept.last_check = last.and_then(|shared| shared.record.last_check);
            return self.records.save(app, &kept, version).await;
        }
        self.records.save(app, record, version).await
    }

    fn kept_in_the_cluster(&self) -> bool {
        true
    }
}

/// The person at this computer as a shared record names them: `user@host`.
pub(in crate::facade) fn who_here() -> String {
    match whoami::fallible::hostname() {
        Ok(host) => format!("{}@{host}", whoami::username()),
        Err(_) => whoami::username(),
    }
}

impl SharedStore<'_> {
    fn budget_now(&self) -> Option<crate::guard::SharedBudget> {
        self.records
            .last(&self.key)
            .and_then(|shared| shared.budget)
    }
}

#[async_trait]
impl GuardFigures for SharedStore<'_> {
    async fn month(&self, now: OffsetDateTime) -> Result<MonthFigures, GuardError> {
        // The record as this call's round read it (a budget raised meanwhile is heard).
        let shared = self.records.last(&self.key).unwrap_or_default();
        let tag = shared.budget.as_ref().and_then(|b| b.cost_tag.clone());
        match shared.figures {
            Some(kept) if kept.fresh(tag.as_deref(), now) => Ok(kept.figures()),
            _ if self.stand_in && tag.is_none() => {
                let figures = self
                    .purser
                    .month_figures(now)
                    .await
                    .map_err(GuardError::Figures)?;
                // Made-up figures never go where a real cluster is decided by.
                if figures.sample {
                    return Err(crate::guard::in_cluster::shared_figures_stale());
                }
                // AWS's part alone, as the guard in the cluster counts it (Cost Explorer):
                // OpenAI's part stays with this computer's OpenAI lever.
                let kept = KeptFigures {
                    month: crate::month::Month::of(now.date()).to_string(),
                    spent: (figures.spent - figures.openai_spent).max(0.0),
                    month_end: figures
                        .month_end
                        .map(|end| (end - figures.openai_month_end).max(0.0)),
                    currency: figures.currency.clone(),
                    read_at: figures
                        .read_at
                        .clone()
                        .unwrap_or_else(|| crate::clock::rfc3339(now)),
                    cost_tag: None,
                };
                self.records.keep_figures(kept.clone());
                Ok(kept.figures())
            }
            _ => Err(crate::guard::in_cluster::shared_figures_stale()),
        }
    }

    fn budget(&self, _app: &AppKey) -> BudgetRule {
        self.budget_now().map_or(
            BudgetRule {
                amount: None,
                currency: "USD".into(),
                thresholds: Vec::new(),
            },
            |b| b.rule(),
        )
    }

    async fn copy_cost(&self, app: &AppKey, look: &Look) -> Option<f64> {
        self.purser
            .copy_cost(app, look)
            .await
            .cost
            .map(|c| c.monthly)
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
    /// Set for an app whose guard runs in the cluster: its record, budget and figures.
    shared: Option<SharedStore<'a>>,
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
            shared: None,
            told: Told::default(),
        }
    }

    /// The same ports on `key`'s shared record, for an app guarded in the cluster (`stand_in`:
    /// this computer guards it while the guard in the cluster is not working).
    pub fn on_shared_record(mut self, key: &AppKey, stand_in: bool) -> Self {
        self.shared = Some(SharedStore {
            records: ClusterRecords::new(&self.cluster),
            key: key.clone(),
            purser: self.purser,
            stand_in,
        });
        self
    }

    pub fn service(&self) -> GuardService<'_> {
        GuardService::new(self.ports(), &self.purser.guard_locks)
    }

    /// The ports themselves, for what is not one app's (a project's OpenAI cap).
    pub fn ports(&self) -> Ports<'_> {
        let (figures, records): (&dyn GuardFigures, &dyn GuardRecords) = match &self.shared {
            Some(shared) => (shared, shared),
            None => (&self.figures, &self.records),
        };
        Ports {
            cluster: &self.cluster,
            figures,
            openai: &self.openai,
            records,
            clock: &*self.purser.clock,
            notifier: &self.told,
            audit: self.purser.cluster.audit(),
        }
    }

    pub fn cluster(&self) -> &GuardOps<'a> {
        &self.cluster
    }
}
