//! This month's figures for the guard and the cost previews: the report the cost view uses
//! (cache first; Cost Explorer only when older than the cache's life and under the monthly
//! request cap), with OpenAI's spend merged. Nothing is drawn and the view on screen — the
//! one exports write — is left as it is.

use time::OffsetDateTime;

use super::costs::Aws;
use super::Purser;
use crate::cost::{CostReport, Merged, Stale};
use crate::error::AppError;
use crate::guard::ports::MonthFigures;

/// The figures of a month's report, OpenAI's part included.
pub(super) fn figures_of(merged: &Merged) -> MonthFigures {
    let report = &merged.report;
    let spend = merged.openai.as_ref().and_then(|p| p.spend.as_ref());
    let openai_spent = spend
        .and_then(|s| s.months.iter().find(|m| m.month == report.current_month))
        .map_or(0.0, |m| m.total);
    let openai_month_end = openai_spent + spend.and_then(|s| s.remaining).unwrap_or(0.0);
    MonthFigures {
        openai_spent,
        openai_month_end,
        ..MonthFigures::of_report(report)
    }
}

/// The part of the month still to come at `now`, 0..=1.
pub(super) fn rest_of_month(now: OffsetDateTime) -> f64 {
    let days = now.month().length(now.year());
    let elapsed = f64::from(now.day() - 1) + f64::from(now.hour()) / 24.0;
    (1.0 - elapsed / f64::from(days)).clamp(0.0, 1.0)
}

impl Purser {
    /// The month's report with OpenAI merged, as the cost view, the guard and the previews
    /// read it: AWS and OpenAI asked at once, OpenAI's part given up after its deadline (an
    /// OpenAI outage must not hold the AWS figures back).
    pub(super) async fn month_report(
        &self,
        now: OffsetDateTime,
        refresh: bool,
    ) -> Result<Merged, AppError> {
        let months = self.settings().cost_months.0;
        let deadline = self.openai_deadline;
        let openai = async {
            match tokio::time::timeout(deadline, self.openai_part(refresh, months)).await {
                Ok(part) => part,
                Err(_) => Some(self.openai_slow(deadline)),
            }
        };
        let (openai, aws) = tokio::join!(openai, self.aws_report(now, refresh));
        Ok(crate::cost::merged(aws?, openai))
    }

    /// AWS's figures alone: Cost Explorer (cache first), sample data when AWS is not set up,
    /// the last figures marked stale while the keychain is locked.
    async fn aws_report(&self, now: OffsetDateTime, refresh: bool) -> Result<CostReport, AppError> {
        let merged = match self.explorer().await? {
            Aws::Ready(explorer, account) => {
                let query = self.cost_query(account);
                self.costs
                    .report(Some(&explorer), &query, now, refresh, None)
                    .await?
            }
            Aws::NotSetUp => {
                let query = self.cost_query(String::new());
                self.costs.report(None, &query, now, refresh, None).await?
            }
            Aws::Locked(error) => {
                let why = Stale {
                    error: error.clone(),
                };
                self.costs
                    .report_cached(&self.cost_query(String::new()), now, why, None)
                    .ok_or(error)?
            }
        };
        Ok(merged.report)
    }

    /// This month's figures.
    pub(super) async fn month_figures(
        &self,
        now: OffsetDateTime,
    ) -> Result<MonthFigures, AppError> {
        Ok(figures_of(&self.month_report(now, false).await?))
    }
}
