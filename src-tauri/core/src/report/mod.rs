//! The one-page meeting report (PDF): the month's title, where the figures came from, the
//! summary against the budget, the chart as vector graphics (the same plotters SVG the window
//! shows), what changed this month, the month table, OpenAI by project and the guard's actions
//! this month — in the chosen language, on A4 or Letter as the computer's locale uses, its
//! text selectable. Holds no secret: the AWS account is shown by its last four digits.
//!
//! Drawn with krilla (text embedded as subsets of this system's sans font) and krilla-svg for
//! the chart: both kept by the typst project.

mod content;
mod fonts;
mod page;

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::audit::AuditEntry;
use crate::chart::view::CostView;
use crate::chart::{ChartError, ChartInput, Theme};
use crate::error::AppError;
use crate::locale::Language;

/// The chart's drawing size in the report (wider than tall, to leave room for the tables).
const CHART_SIZE: (u32, u32) = (1200, 470);
/// The page's margin, in points.
const MARGIN: f32 = 40.0;

/// The paper the report is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    A4,
    Letter,
}

/// Regions that use Letter paper; everywhere else uses A4.
const LETTER_REGIONS: [&str; 14] = [
    "US", "CA", "MX", "CL", "CO", "VE", "PH", "CR", "GT", "PR", "PA", "SV", "NI", "DO",
];

impl Paper {
    /// The paper of a locale such as `es_MX.UTF-8` or `en-US`: Letter where it is used, else A4.
    pub fn of_locale(locale: Option<&str>) -> Paper {
        let region = locale
            .and_then(|l| l.split(['.', '@']).next())
            .and_then(|l| l.split(['_', '-']).nth(1))
            .map(str::to_ascii_uppercase);
        match region {
            Some(region) if LETTER_REGIONS.contains(&region.as_str()) => Paper::Letter,
            _ => Paper::A4,
        }
    }

    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

/// Everything the report shows, gathered by the facade.
#[derive(Debug)]
pub struct ReportInput<'a> {
    /// The cost view on screen.
    pub view: &'a CostView,
    pub language: Language,
    pub paper: Paper,
    pub now: OffsetDateTime,
    /// The AWS account's last four digits, when known.
    pub account_end: Option<String>,
    /// The apps the guard watches, as "name (context / namespace)".
    pub apps: Vec<String>,
    /// OpenAI project names by ID, as last listed.
    pub project_names: &'a HashMap<String, String>,
    /// The guard's actions this month, newest first.
    pub guard_actions: Vec<AuditEntry>,
    /// Purser's version.
    pub version: &'a str,
}

/// What can go wrong making the report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("No font was found on this computer to write the report with")]
    NoFont,
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error("The report could not be made: {0}")]
    Pdf(String),
}

impl ReportError {
    /// A stable identifier the UI branches on.
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::NoFont => "report_no_font",
            ReportError::Chart(_) => "chart_failed",
            ReportError::Pdf(_) => "report_failed",
        }
    }
}

impl From<ReportError> for AppError {
    fn from(error: ReportError) -> Self {
        let app = AppError::new(error.code(), error.to_string());
        match error {
            ReportError::NoFont => app,
            ReportError::Chart(chart) => app.with("detail", chart.to_string()),
            ReportError::Pdf(detail) => app.with("detail", detail),
        }
    }
}

/// One of each error, for the test that every code has words in both languages.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    [ReportError::NoFont, ReportError::Pdf("detail".into())]
        .into_iter()
        .map(AppError::from)
        .collect()
}

/// A report made: the PDF, and how many lines did not fit on its one page (left out, never
/// drawn over the edge).
#[derive(Debug)]
pub struct Report {
    pub pdf: Vec<u8>,
    pub lines_left_out: usize,
}

/// The report: one page.
pub fn build(input: &ReportInput<'_>) -> Result<Report, ReportError> {
    let fonts = fonts::Fonts::of_system()?;
    let view = input.view;
    let svg = crate::chart::render_svg(&ChartInput {
        series: &view.report.series,
        forecast: view.report.forecast.forecast(),
        budget: view.budget.as_ref().map(|b| b.amount),
        current_month: &view.report.current_month,
        theme: Theme::Light,
        size: CHART_SIZE,
        language: input.language,
    })?;
    let options = resvg::usvg::Options {
        fontdb: fonts.database.clone(),
        ..Default::default()
    };
    let chart = resvg::usvg::Tree::from_str(&svg, &options)
        .map_err(|e| ReportError::Pdf(format!("the chart could not be read: {e}")))?;
    let (width, height) = input.paper.size();
    let settings = krilla::page::PageSettings::from_wh(width, height)
        .ok_or_else(|| ReportError::Pdf("no page size".into()))?;
    let mut document = krilla::Document::new();
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(content::title(input))
            .language(input.language.code().to_string())
            .creator(format!("Purser {}", input.version)),
    );
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    let lines_left_out = {
        let mut pen = page::Pen::new(&mut surface, &fonts, MARGIN, height - MARGIN);
        content::write(&mut pen, input, &chart, width - 2.0 * MARGIN, MARGIN);
        pen.dropped
    };
    surface.finish();
    page.finish();
    let pdf = document
        .finish()
        .map_err(|e| ReportError::Pdf(format!("{e:?}")))?;
    Ok(Report {
        pdf,
        lines_left_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paper_follows_the_locales_region() {
        let cases = [
            (Some("en_US.UTF-8"), Paper::Letter),
            (Some("es-MX"), Paper::Letter),
            (Some("es_ES.UTF-8"), Paper::A4),
            (Some("en_GB"), Paper::A4),
            (Some("es_AR.UTF-8@euro"), Paper::A4),
            (Some("es"), Paper::A4),
            (Some("C"), Paper::A4),
            (None, Paper::A4),
        ];
        for (locale, paper) in cases {
            assert_eq!(Paper::of_locale(locale), paper, "{locale:?}");
        }
    }
}
