//! The Cost & budget view: report + budget status + chart, and exports of what is shown.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::openai::merge;
use super::openai_store::OpenAiPart;
use super::ForecastState;
use super::{
    load_report, sample_series, to_csv, Budget, BudgetStatus, CostCache, CostError, CostQuery,
    CostReport, CostSource, DataOrigin, RequestMeter, DEFAULT_TTL,
};
use crate::chart::{self, ChartInput, Theme};
use crate::error::AppError;
use crate::files::write_atomic;
use crate::settings::Language;
use crate::sync::lock;

/// Everything the view draws.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CostView {
    pub report: CostReport,
    pub budget: Option<Budget>,
    pub status: Option<BudgetStatus>,
    /// Month by month, in cents, oldest first.
    pub months: Vec<MonthLines>,
    /// The chart for the window's theme, drawn at the width it is shown at.
    pub chart_svg: String,
    /// OpenAI's spend (already in the figures above as one more service), when the admin key
    /// is stored.
    pub openai: Option<super::openai_store::OpenAiPart>,
}

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

/// How to draw a view, and as of when.
#[derive(Debug, Clone, Copy)]
pub struct ViewOptions {
    pub now: OffsetDateTime,
    /// Ask Cost Explorer even if the cache is fresh.
    pub refresh: bool,
    pub theme: Theme,
    /// The chart's width on screen, in CSS pixels.
    pub width: u32,
    /// The language of the chart's text.
    pub language: Language,
}

/// The chart's width range (CSS pixels) and its proportions.
const CHART_WIDTH: std::ops::RangeInclusive<u32> = 480..=1600;

/// What the user can export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Png,
    Svg,
    Csv,
}

impl ExportFormat {
    /// The save dialog's title (the dialog is the system's, so the core words it): a CSV
    /// export is the chart's numbers, not the chart.
    pub fn dialog_title(self, language: Language) -> &'static str {
        match (self, language) {
            (ExportFormat::Png | ExportFormat::Svg, Language::En) => "Export cost chart",
            (ExportFormat::Csv, Language::En) => "Export cost figures",
            (ExportFormat::Png | ExportFormat::Svg, Language::Es) => {
                "Exportar el gráfico de costes"
            }
            (ExportFormat::Csv, Language::Es) => "Exportar las cifras de costes",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Png => "png",
            ExportFormat::Svg => "svg",
            ExportFormat::Csv => "csv",
        }
    }
}

/// Cache, request meter and the last view (exports write exactly what is on screen).
#[derive(Debug)]
pub struct CostService {
    cache: CostCache,
    meter: Arc<RequestMeter>,
    ttl: Duration,
    last: Mutex<Option<CostView>>,
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
            last: Mutex::new(None),
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
                let report = load_report(
                    source,
                    &self.cache,
                    &self.meter,
                    query,
                    now,
                    self.ttl,
                    refresh,
                )
                .await?;
                self.remember_account(&query.account);
                report
            }
            None => self.sample_report(query, now),
        };
        Ok(merged(report, openai))
    }

    /// The last figures shown for the last account, marked stale with `why`, drawn as the
    /// view. `None` when nothing is cached.
    pub fn view_cached(
        &self,
        query: &CostQuery,
        budget: Option<Budget>,
        options: ViewOptions,
        why: super::report::Stale,
        openai: Option<OpenAiPart>,
    ) -> Result<Option<CostView>, CostError> {
        match self.report_cached(query, options.now, why, openai) {
            Some(merged) => self.draw(merged, budget, options).map(Some),
            None => Ok(None),
        }
    }

    /// Builds the view from `source`, or from sample data when AWS is not connected (`None`).
    pub async fn view(
        &self,
        source: Option<&dyn CostSource>,
        query: &CostQuery,
        budget: Option<Budget>,
        options: ViewOptions,
        openai: Option<OpenAiPart>,
    ) -> Result<CostView, CostError> {
        let merged = self
            .report(source, query, options.now, options.refresh, openai)
            .await?;
        self.draw(merged, budget, options)
    }

    /// One month's total for `query` straight from `source` (each request counted).
    pub async fn month_total(
        &self,
        source: &dyn CostSource,
        query: &CostQuery,
        month: super::Month,
        now: OffsetDateTime,
    ) -> Result<(f64, String), CostError> {
        super::month_total(source, &self.meter, query, month, now).await
    }

    /// Budget status, breakdown and chart for a report with OpenAI's spend added; remembered
    /// for exports.
    pub fn draw(
        &self,
        Merged { report, openai }: Merged,
        budget: Option<Budget>,
        options: ViewOptions,
    ) -> Result<CostView, CostError> {
        let status = budget.as_ref().map(|b| {
            b.status(
                &report.series,
                report.forecast.forecast(),
                &report.current_month,
            )
        });
        let width = options
            .width
            .clamp(*CHART_WIDTH.start(), *CHART_WIDTH.end());
        let chart_svg = chart::render_svg(&ChartInput {
            series: &report.series,
            forecast: report.forecast.forecast(),
            budget: budget.as_ref().map(|b| b.amount),
            current_month: &report.current_month,
            theme: options.theme,
            size: (width, width / 2),
            language: options.language,
        })
        .map_err(|e| CostError::Export {
            detail: e.to_string(),
        })?;
        let view = CostView {
            months: month_lines(&report.series, budget.as_ref()),
            report,
            budget,
            status,
            chart_svg,
            openai,
        };
        *lock(&self.last) = Some(view.clone());
        Ok(view)
    }

    fn sample_report(&self, query: &CostQuery, now: OffsetDateTime) -> CostReport {
        let (series, forecast) = sample_series(now.date(), query.months);
        let month = super::month_start(now.date());
        let requests = self.meter.requests_in(&month[..7]);
        CostReport {
            origin: DataOrigin::Sample,
            series,
            forecast: ForecastState::Available(forecast),
            fetched_at: None,
            from_cache: false,
            stale: None,
            requests_this_month: requests,
            requests_cost_usd: f64::from(requests) * super::PRICE_PER_REQUEST_USD,
            current_month: month,
        }
    }

    /// The bytes of an export of the view on screen, its text in `language`.
    pub fn export(
        &self,
        format: ExportFormat,
        theme: Theme,
        language: Language,
    ) -> Result<Vec<u8>, CostError> {
        let last = lock(&self.last);
        let view = last.as_ref().ok_or(CostError::NothingToExport)?;
        let input = ChartInput {
            series: &view.report.series,
            forecast: view.report.forecast.forecast(),
            budget: view.budget.as_ref().map(|b| b.amount),
            current_month: &view.report.current_month,
            theme,
            size: chart::EXPORT_SIZE,
            language,
        };
        let export_error = |e: chart::ChartError| CostError::Export {
            detail: e.to_string(),
        };
        Ok(match format {
            ExportFormat::Svg => chart::render_svg(&input)
                .map_err(export_error)?
                .into_bytes(),
            ExportFormat::Png => {
                chart::render_png(&chart::render_svg(&input).map_err(export_error)?)
                    .map_err(export_error)?
            }
            ExportFormat::Csv => {
                let spend = view.openai.as_ref().and_then(|o| o.spend.as_ref());
                to_csv(&view.report.series, spend).into_bytes()
            }
        })
    }

    /// A file name for an export, e.g. `purser-cost-2026-11.png`.
    pub fn export_file_name(&self, format: ExportFormat) -> String {
        let month = lock(&self.last)
            .as_ref()
            .and_then(|v| v.report.current_month.get(..7).map(str::to_string))
            .unwrap_or_else(|| "report".into());
        format!("purser-cost-{month}.{}", format.extension())
    }

    /// Writes an export where the user chose.
    pub fn write_export(&self, path: &Path, bytes: &[u8]) -> Result<(), CostError> {
        let failed = |e: std::io::Error| CostError::Export {
            detail: format!("could not write {}: {e}", path.display()),
        };
        write_atomic(path, bytes).map_err(failed)?;
        // The temp file behind the atomic write is private; an export is an ordinary document.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
                .map_err(failed)?;
        }
        Ok(())
    }

    /// When Cost Explorer last answered for the view on screen (RFC 3339).
    pub fn last_refresh(&self) -> Option<String> {
        lock(&self.last)
            .as_ref()
            .and_then(|v| v.report.fetched_at.clone())
    }
}
