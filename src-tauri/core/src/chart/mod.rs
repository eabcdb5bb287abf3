//! The cost chart: stacked monthly bars by service (top 8 + "Other"), the current month split
//! into actual and forecast (hatched, with its 80 % interval), the budget as a line, months
//! over budget outlined. Pure: a [`CostSeries`] in, SVG out; PNG is the same SVG rasterised.

mod draw;
mod text;
pub mod view;

use plotters::prelude::*;

use crate::cost::{CostSeries, Forecast};
use crate::locale::Language;
use crate::month::Month;

pub use text::ChartText;

/// The size exports are drawn at (the window draws at the width it shows the chart at, so
/// that its text is as large on screen as it is in the drawing).
pub const EXPORT_SIZE: (u32, u32) = (1200, 600);
/// PNG export size.
pub const PNG_WIDTH: u32 = 1600;
pub const PNG_HEIGHT: u32 = 800;

/// Services shown by name; the rest are summed as "Other".
pub const TOP_SERVICES: usize = 8;

/// Width reserved on the right for the legend: about a quarter of the chart, within limits.
pub(super) fn legend_width(width: u32) -> i32 {
    (width as i32 * 7 / 25).clamp(170, 340)
}

/// Light or dark chart, to match the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Light,
    Dark,
}

/// What to draw.
#[derive(Debug, Clone, Copy)]
pub struct ChartInput<'a> {
    pub series: &'a CostSeries,
    pub forecast: Option<&'a Forecast>,
    pub budget: Option<f64>,
    /// `YYYY-MM-01` of the month still open.
    pub current_month: &'a str,
    pub theme: Theme,
    /// Width and height in pixels.
    pub size: (u32, u32),
    /// The language of the chart's text.
    pub language: Language,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the chart could not be drawn: {0}")]
    Draw(String),
    #[error("the chart could not be turned into a PNG: {0}")]
    Raster(String),
}

/// Bar colours, one per named service and the last for "Other"; readable on both themes.
pub const PALETTE: [RGBColor; TOP_SERVICES + 1] = [
    RGBColor(0x2f, 0x7e, 0xd8),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0x3a, 0xa6, 0x5b),
    RGBColor(0xd6, 0x4f, 0x8e),
    RGBColor(0x8a, 0x63, 0xd2),
    RGBColor(0x1f, 0xb5, 0xb0),
    RGBColor(0xc9, 0xa2, 0x27),
    RGBColor(0x8c, 0x56, 0x3a),
    RGBColor(0x90, 0x99, 0xa3),
];
/// OpenAI's spend, whatever its rank.
pub const OPENAI_COLOR: RGBColor = RGBColor(0x10, 0xa3, 0x7f);

/// The colour of each legend group: OpenAI's own, grey for "Other" (the last group when
/// `other`), the palette's by rank for the rest.
fn group_colors(groups: &[String], other: bool) -> Vec<RGBColor> {
    let mut rank = 0;
    (0..groups.len())
        .map(|g| {
            if other && g + 1 == groups.len() {
                PALETTE[TOP_SERVICES]
            } else if groups[g] == crate::cost::openai::SERIES {
                OPENAI_COLOR
            } else {
                rank += 1;
                PALETTE[(rank - 1).min(TOP_SERVICES)]
            }
        })
        .collect()
}

/// The budget line and the outline of months over budget.
pub const BUDGET_COLOR: RGBColor = RGBColor(0xd9, 0x30, 0x25);
/// The forecast segment's hatching.
pub const FORECAST_COLOR: RGBColor = RGBColor(0x6b, 0x73, 0x80);

pub(super) struct Palette {
    pub(super) background: RGBColor,
    pub(super) text: RGBColor,
    pub(super) grid: RGBColor,
}

pub(super) fn palette(theme: Theme) -> Palette {
    match theme {
        Theme::Light => Palette {
            background: RGBColor(0xff, 0xff, 0xff),
            text: RGBColor(0x1c, 0x24, 0x20),
            grid: RGBColor(0xe3, 0xe7, 0xe4),
        },
        Theme::Dark => Palette {
            background: RGBColor(0x1e, 0x25, 0x22),
            text: RGBColor(0xe6, 0xec, 0xe8),
            grid: RGBColor(0x34, 0x40, 0x3a),
        },
    }
}

/// The stacked values of one month: one amount per legend group.
pub(super) struct Column {
    pub(super) label: String,
    pub(super) january: bool,
    pub(super) stack: Vec<f64>,
    pub(super) total: f64,
    pub(super) current: bool,
}

/// Groups services into the top ones plus "Other", per month, and gives each group its colour.
pub(super) fn columns(
    series: &CostSeries,
    current_month: &str,
    text: &ChartText,
) -> (Vec<String>, Vec<RGBColor>, Vec<Column>) {
    let mut groups = crate::cost::top_services(series, TOP_SERVICES);
    // OpenAI's spend always has its own bar and colour, however small.
    let openai = crate::cost::openai::SERIES;
    let has_openai = series
        .months
        .iter()
        .any(|m| m.services.iter().any(|(s, _)| s == openai));
    if has_openai && !groups.iter().any(|g| g == openai) {
        if groups.len() == TOP_SERVICES {
            groups.pop();
        }
        groups.push(openai.to_string());
    }
    let named = groups.len();
    let mut any_other = false;
    let columns = series
        .months
        .iter()
        .map(|month| {
            let mut stack = vec![0.0; named + 1];
            for (service, amount) in &month.services {
                match groups.iter().position(|g| g == service) {
                    Some(index) => stack[index] += amount,
                    None => {
                        stack[named] += amount;
                        any_other = true;
                    }
                }
            }
            // Credits can make a group negative; bars stack only what was spent.
            for value in &mut stack {
                *value = value.max(0.0);
            }
            Column {
                label: Month::parse(&month.month)
                    .map(|m| text.month(m))
                    .unwrap_or_default(),
                january: Month::parse(&month.month).is_some_and(|m| m.month == 1),
                total: stack.iter().sum(),
                stack,
                current: month.month == current_month,
            }
        })
        .collect();
    if any_other {
        groups.push(text.other.to_string());
    }
    let colors = group_colors(&groups, any_other);
    (groups, colors, columns)
}

/// Draws the chart as SVG text.
pub fn render_svg(input: &ChartInput<'_>) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, input.size).into_drawing_area();
        draw::draw(&root, input).map_err(|e| ChartError::Draw(e.to_string()))?;
        root.present()
            .map_err(|e| ChartError::Draw(e.to_string()))?;
    }
    Ok(svg)
}

/// This system's fonts, with the generic "sans-serif" the chart asks for mapped to a sans font
/// it has (the PNG export and the PDF report both draw the chart's text with them).
pub fn system_fonts() -> resvg::usvg::fontdb::Database {
    let mut fonts = resvg::usvg::fontdb::Database::new();
    fonts.load_system_fonts();
    if let Some(family) = sans_family(&fonts) {
        fonts.set_sans_serif_family(family);
    }
    fonts
}

/// The sans family to write with: the first of [`SANS_FONTS`] installed, else any.
pub fn sans_family(fonts: &resvg::usvg::fontdb::Database) -> Option<String> {
    let installed: Vec<&str> = fonts
        .faces()
        .flat_map(|face| face.families.iter().map(|(name, _)| name.as_str()))
        .collect();
    SANS_FONTS
        .iter()
        .find(|wanted| installed.contains(wanted))
        .map(|family| family.to_string())
        .or_else(|| installed.first().map(|name| name.to_string()))
}

/// Rasterises an SVG from [`render_svg`] to a PNG of [`PNG_WIDTH`] × [`PNG_HEIGHT`], using the
/// system's fonts for the text.
pub fn render_png(svg: &str) -> Result<Vec<u8>, ChartError> {
    let options = resvg::usvg::Options {
        fontdb: std::sync::Arc::new(system_fonts()),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &options)
        .map_err(|e| ChartError::Raster(e.to_string()))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(PNG_WIDTH, PNG_HEIGHT)
        .ok_or_else(|| ChartError::Raster("no memory for the image".into()))?;
    let scale = PNG_WIDTH as f32 / tree.size().width();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ChartError::Raster(e.to_string()))
}

/// Sans fonts commonly present on Linux, macOS and Windows, in order of preference.
const SANS_FONTS: [&str; 8] = [
    "Segoe UI",
    "Helvetica Neue",
    "Helvetica",
    "Arial",
    "DejaVu Sans",
    "Liberation Sans",
    "Noto Sans",
    "Cantarell",
];
