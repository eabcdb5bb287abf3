//! The job's figures port: the budget and the month's figures from the shared record as each
//! try of the round read it (a person who raises the budget meanwhile is heard), Cost
//! Explorer asked only when the round needs figures and the record's are stale — once a run,
//! through the pod's AWS role — and its answer kept with the round's next save.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use purser_core::clock::rfc3339;
use purser_core::cost::{
    load_report, tag_pair, CostCache, CostEndpoints, CostExplorer, CostQuery, ReportRequest,
    RequestMeter,
};
use purser_core::error::AppError;
use purser_core::guard::ports::{BudgetRule, GuardFigures, Look, MonthFigures};
use purser_core::guard::{from_requests, AppKey, ClusterRecords, GuardError, KeptFigures, Prices};
use purser_core::month::Month;
use time::OffsetDateTime;

use crate::setup::Setup;

/// The month's figures from Cost Explorer, through the pod's AWS role.
async fn ask_cost_explorer(
    setup: &Setup,
    tag: Option<&str>,
    now: OffsetDateTime,
) -> Result<KeptFigures, AppError> {
    let config = purser_core::secrets::workload_sdk_config().await;
    let endpoints = CostEndpoints {
        usage: setup.cost_usage.clone(),
        forecast: setup.cost_forecast.clone(),
    };
    let explorer = CostExplorer::new(&config, &endpoints, None);
    let query = CostQuery {
        account: "cluster".into(),
        months: 1,
        metric: Default::default(),
        tag: tag.and_then(tag_pair),
        linked_account: None,
    };
    let cache = CostCache::new(setup.dir.join("cost-cache"));
    let meter = RequestMeter::new(&setup.dir);
    let report = load_report(ReportRequest {
        source: &explorer,
        cache: &cache,
        meter: &meter,
        query: &query,
        now,
        ttl: Duration::ZERO,
        force: true,
    })
    .await
    .map_err(AppError::from)?;
    let figures = MonthFigures::of_report(&report);
    Ok(KeptFigures {
        month: Month::of(now.date()).to_string(),
        spent: figures.spent,
        month_end: figures.month_end,
        currency: figures.currency,
        read_at: figures.read_at.unwrap_or_else(|| rfc3339(now)),
        cost_tag: tag.map(str::to_string),
    })
}

pub struct JobFigures<'a> {
    pub records: &'a ClusterRecords<'a>,
    pub key: &'a AppKey,
    pub setup: &'a Setup,
    pub prices: Prices,
    /// Cost Explorer's answer in this run, if it was asked.
    asked: tokio::sync::OnceCell<Result<MonthFigures, GuardError>>,
    pub asked_cost_explorer: AtomicBool,
}

impl<'a> JobFigures<'a> {
    pub fn new(records: &'a ClusterRecords<'a>, key: &'a AppKey, setup: &'a Setup) -> Self {
        Self {
            records,
            key,
            setup,
            prices: Prices::default(),
            asked: tokio::sync::OnceCell::new(),
            asked_cost_explorer: AtomicBool::new(false),
        }
    }

    fn budget_now(&self) -> Option<purser_core::guard::SharedBudget> {
        self.records.last(self.key).and_then(|shared| shared.budget)
    }
}

#[async_trait]
impl GuardFigures for JobFigures<'_> {
    async fn month(&self, now: OffsetDateTime) -> Result<MonthFigures, GuardError> {
        let budget = self.budget_now();
        let tag = budget.as_ref().and_then(|b| b.cost_tag.clone());
        let kept = self.records.last(self.key).and_then(|s| s.figures);
        if let Some(kept) = kept.filter(|k| k.fresh(tag.as_deref(), now)) {
            return Ok(kept.figures());
        }
        let asked = self.asked.get_or_init(|| async {
            self.asked_cost_explorer.store(true, Ordering::Relaxed);
            match ask_cost_explorer(self.setup, tag.as_deref(), now).await {
                Ok(kept) => {
                    let figures = kept.figures();
                    self.records.keep_figures(kept);
                    Ok(figures)
                }
                Err(error) => Err(GuardError::Figures(error)),
            }
        });
        asked.await.clone()
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

    async fn copy_cost(&self, _app: &AppKey, look: &Look) -> Option<f64> {
        from_requests(look.cpu, look.memory, &self.prices).map(|c| c.monthly)
    }
}
