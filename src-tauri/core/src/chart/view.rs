//! The Cost & budget view as the window shows it: the month's figures, the budget's status and
//! the chart drawn over them; and exports of exactly what is on screen. Here, above `cost`,
//! because it draws: `cost` knows nothing of charts.

use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{ChartError, ChartInput, Theme};
use crate::cost::openai_store::OpenAiPart;
use crate::cost::{
    month_change, month_lines, to_csv, Budget, BudgetStatus, CostReport, Merged, MonthLines,
};
use crate::error::AppError;
use crate::files::write_atomic;
use crate::locale::Language;
use crate::month::Month;
use crate::sync::lock;
use crate::words::Phrase;

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
    pub openai: Option<OpenAiPart>,
    /// What changed this month, in sentences for the window to word.
    pub change: Vec<Phrase>,
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
    /// The one-page meeting report (made by the report module, above this one).
    Pdf,
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
            (ExportFormat::Pdf, Language::En) => "Export the meeting report",
            (ExportFormat::Pdf, Language::Es) => "Exportar el informe para la reunión",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Png => "png",
            ExportFormat::Svg => "svg",
            ExportFormat::Csv => "csv",
            ExportFormat::Pdf => "pdf",
        }
    }
}

/// What can go wrong drawing or exporting the view.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error("There is nothing to export yet")]
    NothingToExport,
    #[error("The export could not be written: {detail}")]
    Write { detail: String },
}

impl ViewError {
    /// A stable identifier the UI branches on.
    pub fn code(&self) -> &'static str {
        match self {
            ViewError::Chart(_) => "chart_failed",
            ViewError::NothingToExport => "cost_nothing_to_export",
            ViewError::Write { .. } => "cost_export_failed",
        }
    }
}

impl From<ViewError> for AppError {
    fn from(error: ViewError) -> Self {
        let app = AppError::new(error.code(), error.to_string());
        match error {
            ViewError::Chart(chart) => app.with("detail", chart.to_string()),
            ViewError::Write { detail } => app.with("detail", detail),
            ViewError::NothingToExport => app,
        }
    }
}

/// One of each error, for the test that every code has words in both languages.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    [
        ViewError::Chart(ChartError::Draw("detail".into())),
        ViewError::NothingToExport,
        ViewError::Write {
            detail: "detail".into(),
        },
    ]
    .into_iter()
    .map(AppError::from)
    .collect()
}

/// The view on screen, remembered so that an export writes exactly what the user sees.
#[derive(Debug, Default)]
pub struct CostViews {
    last: Mutex<Option<CostView>>,
}

impl CostViews {
    /// Budget status, breakdown and chart for a report with OpenAI's spend added; remembered
    /// for exports.
    pub fn draw(
        &self,
        Merged { report, openai }: Merged,
        budget: Option<Budget>,
        options: ViewOptions,
    ) -> Result<CostView, ViewError> {
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
        let chart_svg = super::render_svg(&ChartInput {
            series: &report.series,
            forecast: report.forecast.forecast(),
            budget: budget.as_ref().map(|b| b.amount),
            current_month: &report.current_month,
            theme: options.theme,
            size: (width, width / 2),
            language: options.language,
        })?;
        let spend = openai.as_ref().and_then(|o| o.spend.as_ref());
        let change = month_change(
            &report.series,
            report.forecast.forecast(),
            spend,
            options.now.date(),
        )
        .phrases();
        let view = CostView {
            months: month_lines(&report.series, budget.as_ref()),
            change,
            report,
            budget,
            status,
            chart_svg,
            openai,
        };
        *lock(&self.last) = Some(view.clone());
        Ok(view)
    }

    /// The bytes of an export of the view on screen, its text in `language`.
    pub fn export(
        &self,
        format: ExportFormat,
        theme: Theme,
        language: Language,
    ) -> Result<Vec<u8>, ViewError> {
        let last = lock(&self.last);
        let view = last.as_ref().ok_or(ViewError::NothingToExport)?;
        let input = ChartInput {
            series: &view.report.series,
            forecast: view.report.forecast.forecast(),
            budget: view.budget.as_ref().map(|b| b.amount),
            current_month: &view.report.current_month,
            theme,
            size: super::EXPORT_SIZE,
            language,
        };
        Ok(match format {
            ExportFormat::Svg => super::render_svg(&input)?.into_bytes(),
            ExportFormat::Png => super::render_png(&super::render_svg(&input)?)?,
            ExportFormat::Csv => {
                let spend = view.openai.as_ref().and_then(|o| o.spend.as_ref());
                to_csv(&view.report.series, spend).into_bytes()
            }
            // The report needs more than the view (the facade gathers it): see `last`.
            ExportFormat::Pdf => return Err(ViewError::NothingToExport),
        })
    }

    /// A file name for an export, e.g. `purser-cost-2026-11.png`.
    pub fn export_file_name(&self, format: ExportFormat) -> String {
        let month = lock(&self.last)
            .as_ref()
            .and_then(|v| Month::parse(&v.report.current_month))
            .map_or_else(|| "report".into(), |month| month.to_string());
        let what = match format {
            ExportFormat::Pdf => "report",
            _ => "cost",
        };
        format!("purser-{what}-{month}.{}", format.extension())
    }

    /// Writes an export where the user chose.
    pub fn write_export(&self, path: &Path, bytes: &[u8]) -> Result<(), ViewError> {
        let failed = |e: std::io::Error| ViewError::Write {
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

    /// The view on screen, if any.
    pub fn last(&self) -> Option<CostView> {
        lock(&self.last).clone()
    }

    /// When Cost Explorer last answered for the view on screen (RFC 3339).
    pub fn last_refresh(&self) -> Option<String> {
        lock(&self.last)
            .as_ref()
            .and_then(|v| v.report.fetched_at.clone())
    }
}
