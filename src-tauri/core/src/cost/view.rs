//! The month's figures as the Cost & budget view needs them: the report (Cost Explorer, its
//! cache, or sample data) with OpenAI's spend merged, and the month-by-month breakdown.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::openai::merge;
use super::openai_store::OpenAiPart;
use super::ForecastState;
use super::{
    load_report, sample_series, Budget, CostCache, CostError, CostQuery, CostReport, CostSource,
    DataOrigin, ReportRequest, RequestMeter, DEFAULT_TTL,
};
use crate::error::AppError;
use crate::files::write_atomic;
use crate::month::Month;
use crate::sync::lock;

/// One month of the breakdown, in whole cents so that the total is exactly the sum of the
/// rows a person adds up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthLines {
    /// `YYYY-MM-01`.
    pub month: String,
    pub estimated: bool,
    /// (service, cents), largest first.
    pub rows: Vec<(String, i64)>,
    pub total_cents: i64,
    /// How far the month is over the budget, in cents (`None`: not over, or no budget).
    pub over_budget_cents: Option<i64>,
}

/// Rounds an amount to whole cents.
fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

/// The breakdown of `series` against `budget`.
pub fn month_lines(series: &super::CostSeries, budget: Option<&Budget>) -> Vec<MonthLines> {
    series
        .months
        .iter()
        .map(|month| {
            let rows: Vec<(String, i64)> = month
                .services
                .iter()
                .map(|(service, amount)| (service.clone(), cents(*amount)))
                .collect();
            let total_cents = rows.iter().map(|(_, c)| c).sum();
            let over_budget_cents = budget
                .map(|b| total_cents - cents(b.amount))
                .filter(|over| *over > 0);
            MonthLines {
                month: month.month.clone(),
                estimated: month.estimated,
                rows,
                total_cents,
                over_budget_cents,
            }
        })
        .collect()
}

/// A report with OpenAI's spend merged into it as one more service (when the admin key is
/// stored and its figures could be read).
#[derive(Debug, Clone)]
pub struct Merged {
    pub report: CostReport,
    pub openai: Option<OpenAiPart>,
}

/// `report` with OpenAI's spend (when read) merged in as one more service.
pub fn merged(mut report: CostReport, mut openai: Option<OpenAiPart>) -> Merged {
    if let Some(part) = &mut openai {
        let joined = part
            .spend
            .as_ref()
            .map(|spend| merge(&mut report.series, &mut report.forecast, spend));
        if let Some(Err(_)) = joined {
            part.error = Some(
                AppError::new("openai_currency", "OpenAI reports another currency")
                    .with("currency", report.series.currency.clone()),
            );
            part.spend = None;
        }
    }
    Merged { report, openai }
}

/// Cache and request meter: where the month's figures come from.
#[derive(Debug)]
pub struct CostService {
    cache: CostCache,
    meter: Arc<RequestMeter>,
    ttl: Duration,
    /// The account whose figures were shown last (not a secret), remembered on disk so they
    /// can be shown, marked stale, while the keychain is locked.
    last_account: Mutex<Option<String>>,
    last_account_path: PathBuf,
}

impl CostService {
    pub fn new(cache_dir: PathBuf, data_dir: &Path) -> Self {
        let last_account_path = data_dir.join("cost-account.json");
        let last_account = std::fs::read(&last_account_path)
            .ok()
            .and_then(|b| serde_json::from_slice::<String>(&b).ok());
        Self {
            cache: CostCache::new(cache_dir),
            meter: Arc::new(RequestMeter::new(data_dir)),
            ttl: DEFAULT_TTL,
            last_account: Mutex::new(last_account),
            last_account_path,
        }
    }

    fn remember_account(&self, account: &str) {
        let mut last = lock(&self.last_account);
        if last.as_deref() == Some(account) {
            return;
        }
        *last = Some(account.to_string());
        let saved = serde_json::to_vec(account)
            .map_err(std::io::Error::other)
            .and_then(|json| write_atomic(&self.last_account_path, &json));
        if let Err(error) = saved {
            tracing::warn!(%error, "cannot remember which account the costs are for");
        }
    }

    /// The request meter, shared with the clients that count their retries into it.
    pub fn meter(&self) -> Arc<RequestMeter> {
        self.meter.clone()
    }

    /// The last figures for the last account, marked stale with `why`, when AWS cannot be
    /// asked at all (the keychain is locked), with OpenAI's spend merged. `None` when
    /// nothing is cached.
    pub fn report_cached(
        &self,
        query: &CostQuery,
        now: OffsetDateTime,
        why: super::report::Stale,
        openai: Option<OpenAiPart>,
    ) -> Option<Merged> {
        let account = lock(&self.last_account).clone()?;
        let query = CostQuery {
            account,
            ..query.clone()
        };
        let report = super::cached_report(&self.cache, &self.meter, &query, now, why)?;
        Some(merged(report, openai))
    }

    /// The month's figures from `source` (the cache while fresh, unless `refresh`), or sample
    /// data when AWS is not connected (`None`), with OpenAI's spend merged. Nothing is drawn
    /// and the view on screen is left as it is: the guard and the cost previews read this.
    pub async fn report(
        &self,
        source: Option<&dyn CostSource>,
        query: &CostQuery,
        now: OffsetDateTime,
        refresh: bool,
        openai: Option<OpenAiPart>,
    ) -> Result<Merged, CostError> {
        let report = match source {
            Some(source) => {
                let report = load_report(ReportRequest {
                    source,
                    cache: &self.cache,
                    meter: &self.meter,
                    query,
                    now,
                    ttl: self.ttl,
                    force: refresh,
                })
                .await?;
                self.remember_account(&query.account);
                report
            }
            None => self.sample_report(query, now),
        };
        Ok(merged(report, openai))
    }

    /// One month's total for `query` straight from `source` (each request counted).
    pub async fn month_total(
        &self,
        source: &dyn CostSource,
        query: &CostQuery,
        month: Month,
        now: OffsetDateTime,
    ) -> Result<(f64, String), CostError> {
        super::month_total(source, &self.meter, query, month, now).await
    }

    fn sample_report(&self, query: &CostQuery, now: OffsetDateTime) -> CostReport {
        let (series, forecast) = sample_series(now.date(), query.months);
        let month = Month::of(now.date());
        let requests = self.meter.requests_in(&month.to_string());
        CostReport {
            origin: DataOrigin::Sample,
            series,
            forecast: ForecastState::Available(forecast),
            fetched_at: None,
            from_cache: false,
            stale: None,
            requests_this_month: requests,
            requests_cost_usd: f64::from(requests) * super::PRICE_PER_REQUEST_USD,
            current_month: month.iso_start(),
        }
    }
}
