//! The Cost & budget view: report + budget status + chart, and exports of what is shown.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::report::ForecastState;
use super::{
    load_report, sample_series, to_csv, Budget, BudgetStatus, CostCache, CostError, CostQuery,
    CostReport, CostSource, DataOrigin, RequestMeter, DEFAULT_TTL,
};
use crate::chart::{self, ChartInput, Theme};
use crate::files::write_atomic;
use crate::sync::lock;

/// Everything the view draws.
#[derive(Debug, Clone, Serialize)]
pub struct CostView {
    pub report: CostReport,
    pub budget: Option<Budget>,
    pub status: Option<BudgetStatus>,
    /// The chart for the window's theme.
    pub chart_svg: String,
}

/// What the user can export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Png,
    Svg,
    Csv,
}

impl ExportFormat {
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
    meter: RequestMeter,
    ttl: Duration,
    last: Mutex<Option<CostView>>,
}

impl CostService {
    pub fn new(cache_dir: PathBuf, data_dir: &Path) -> Self {
        Self {
            cache: CostCache::new(cache_dir),
            meter: RequestMeter::new(data_dir),
            ttl: DEFAULT_TTL,
            last: Mutex::new(None),
        }
    }

    /// Builds the view from `source`, or from sample data when AWS is not connected (`None`).
    pub async fn view(
        &self,
        source: Option<&dyn CostSource>,
        query: &CostQuery,
        budget: Option<Budget>,
        now: OffsetDateTime,
        force: bool,
        theme: Theme,
    ) -> Result<CostView, CostError> {
        let report = match source {
            Some(source) => {
                load_report(
                    source,
                    &self.cache,
                    &self.meter,
                    query,
                    now,
                    self.ttl,
                    force,
                )
                .await?
            }
            None => self.sample_report(query, now),
        };
        let status = budget.as_ref().map(|b| {
            b.status(
                &report.series,
                report.forecast.forecast(),
                &report.current_month,
            )
        });
        let chart_svg = chart::render_svg(&ChartInput {
            series: &report.series,
            forecast: report.forecast.forecast(),
            budget: budget.as_ref().map(|b| b.amount),
            current_month: &report.current_month,
            theme,
        })
        .map_err(|e| CostError::Export {
            detail: e.to_string(),
        })?;
        let view = CostView {
            report,
            budget,
            status,
            chart_svg,
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

    /// The bytes of an export of the view on screen.
    pub fn export(&self, format: ExportFormat, theme: Theme) -> Result<Vec<u8>, CostError> {
        let last = lock(&self.last);
        let view = last.as_ref().ok_or(CostError::NothingToExport)?;
        let input = ChartInput {
            series: &view.report.series,
            forecast: view.report.forecast.forecast(),
            budget: view.budget.as_ref().map(|b| b.amount),
            current_month: &view.report.current_month,
            theme,
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
            ExportFormat::Csv => to_csv(&view.report.series).into_bytes(),
        })
    }

    /// A file name for an export, e.g. `purser-cost-2026-11.png`.
    pub fn export_file_name(&self, format: ExportFormat) -> String {
        let month = lock(&self.last)
            .as_ref()
            .map(|v| v.report.current_month[..7].to_string())
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
