//! The desktop's ports for the guard service: the user's clusters (through the cluster
//! service), this month's figures (through the cost cache, no chart drawn), the records in
//! `guard.json`, the notices the window shows and the audit log.

use std::sync::Mutex;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::super::Purser;
use crate::cluster::guard_ops::{GuardOps, Reach};
use crate::error::AppError;
use crate::guard::ports::{BudgetRule, GuardFigures, Look, MonthFigures, Notifier};
use crate::guard::{AppKey, DesktopRecords, GuardError, GuardService, Ports};
use crate::sync::lock;

/// The month's figures and the budget, as the desktop knows them.
pub(super) struct DesktopFigures<'a>(pub &'a Purser);

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

/// What the guard told during one call, for the notice area and desktop notifications.
#[derive(Debug, Default)]
pub(super) struct Told(Mutex<Vec<AppError>>);

impl Told {
    pub fn take(&self) -> Vec<AppError> {
        std::mem::take(&mut *lock(&self.0))
    }
}

impl Notifier for Told {
    fn tell(&self, notice: AppError) {
        lock(&self.0).push(notice);
    }
}

/// Every port for one call; [`Self::service`] lends them to a guard service.
pub(super) struct DesktopPorts<'a> {
    purser: &'a Purser,
    cluster: GuardOps<'a>,
    figures: DesktopFigures<'a>,
    records: DesktopRecords<'a>,
    pub told: Told,
}

impl<'a> DesktopPorts<'a> {
    pub fn new(purser: &'a Purser, reach: Reach) -> Self {
        Self {
            purser,
            cluster: GuardOps {
                service: &purser.cluster,
                reach,
            },
            figures: DesktopFigures(purser),
            records: DesktopRecords(&purser.guard),
            told: Told::default(),
        }
    }

    pub fn service(&self) -> GuardService<'_> {
        let ports = Ports {
            cluster: &self.cluster,
            figures: &self.figures,
            records: &self.records,
            clock: &*self.purser.clock,
            notifier: &self.told,
            audit: self.purser.cluster.audit(),
        };
        GuardService::new(ports, &self.purser.guard_locks)
    }

    pub fn cluster(&self) -> &GuardOps<'a> {
        &self.cluster
    }
}
