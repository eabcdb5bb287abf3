//! The cost chart: stacked monthly bars by service (top 8 + "Other"), the current month split
//! into actual and forecast (hatched, with its 80 % interval), the budget as a line, months
//! over budget outlined. Pure: a [`CostSeries`] in, SVG out; PNG is the same SVG rasterised.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::cost::{CostSeries, Forecast, Month};

/// The size exports are drawn at (the window draws at the width it shows the chart at, so
/// that its text is as large on screen as it is in the drawing).
pub const EXPORT_SIZE: (u32, u32) = (1200, 600);
/// PNG export size.
pub const PNG_WIDTH: u32 = 1600;
pub const PNG_HEIGHT: u32 = 800;

/// Services shown by name; the rest are summed as "Other".
pub const TOP_SERVICES: usize = 8;

/// Width reserved on the right for the legend: about a quarter of the chart, within limits.
fn legend_width(width: u32) -> i32 {
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
/// The budget line and the outline of months over budget.
pub const BUDGET_COLOR: RGBColor = RGBColor(0xd9, 0x30, 0x25);
/// The forecast segment's hatching.
pub const FORECAST_COLOR: RGBColor = RGBColor(0x6b, 0x73, 0x80);

struct Palette {
    background: RGBColor,
    text: RGBColor,
    grid: RGBColor,
}

fn palette(theme: Theme) -> Palette {
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
struct Column {
    label: String,
    january: bool,
    stack: Vec<f64>,
    total: f64,
    current: bool,
}

/// Groups services into the top ones plus "Other", per month.
fn columns(series: &CostSeries, current_month: &str) -> (Vec<String>, Vec<Column>) {
    let mut groups = crate::cost::top_services(series, TOP_SERVICES);
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
                    .map(Month::short_label)
                    .unwrap_or_default(),
                january: Month::parse(&month.month).is_some_and(|m| m.month == 1),
                total: stack.iter().sum(),
                stack,
                current: month.month == current_month,
            }
        })
        .collect();
    if any_other {
        groups.push("Other".to_string());
    }
    (groups, columns)
}

/// Money for axis labels: `$1,234` for USD, `1,234 EUR` otherwise.
pub fn money(amount: f64, currency: &str) -> String {
    let rounded = amount.round() as i64;
    let digits = rounded.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if rounded < 0 { "-" } else { "" };
    if currency == "USD" {
        format!("{sign}${grouped}")
    } else {
        format!("{sign}{grouped} {currency}")
    }
}

/// Draws the chart as SVG text.
pub fn render_svg(input: &ChartInput<'_>) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, input.size).into_drawing_area();
        draw(&root, input).map_err(|e| ChartError::Draw(e.to_string()))?;
        root.present()
            .map_err(|e| ChartError::Draw(e.to_string()))?;
    }
    Ok(svg)
}

/// Rasterises an SVG from [`render_svg`] to a PNG of [`PNG_WIDTH`] × [`PNG_HEIGHT`], using the
/// system's fonts for the text.
pub fn render_png(svg: &str) -> Result<Vec<u8>, ChartError> {
    let mut options = resvg::usvg::Options::default();
    let fonts = options.fontdb_mut();
    fonts.load_system_fonts();
    // The SVG asks for the generic "sans-serif"; map it to a sans font this system has.
    let installed: Vec<String> = fonts
        .faces()
        .flat_map(|face| face.families.iter().map(|(name, _)| name.clone()))
        .collect();
    if let Some(family) = SANS_FONTS
        .iter()
        .find(|wanted| installed.iter().any(|name| name == *wanted))
    {
        fonts.set_sans_serif_family(*family);
    } else if let Some(any) = installed.first() {
        fonts.set_sans_serif_family(any.clone());
    }
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

type DrawResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Text sizes as plotters takes them; its SVG backend writes `size / 1.24` pixels, so these
/// are 12.9 px (labels, legend) and 14.5 px (axis titles) on screen at the width drawn.
const LABEL: u32 = 16;
const TITLE: u32 = 18;

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, input: &ChartInput<'_>) -> DrawResult<()>
where
    DB::ErrorType: 'static,
{
    let colors = palette(input.theme);
    root.fill(&colors.background)?;
    let (groups, columns) = columns(input.series, input.current_month);
    let currency = input.series.currency.as_str();
    let forecast_top = |column: &Column| match (column.current, input.forecast) {
        (true, Some(f)) => column.total + f.remaining_high.max(f.remaining_mean),
        _ => column.total,
    };
    let highest = columns
        .iter()
        .map(forecast_top)
        .chain(input.budget)
        .fold(0.0_f64, f64::max);
    let y_max = if highest > 0.0 { highest * 1.12 } else { 100.0 };
    let n = columns.len().max(1) as f64;

    let width = input.size.0;
    let (plot_area, legend_area) = root.split_horizontally(width as i32 - legend_width(width));
    let text = |size: u32| ("sans-serif", size).into_font().color(&colors.text);
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(84)
        .build_cartesian_2d(-0.6..(n - 0.4), 0.0..y_max)?;
    let label_money = |v: &f64| money(*v, currency);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&label_money)
        .y_desc(format!("Cost ({currency})"))
        .x_desc("Month")
        .axis_desc_style(text(TITLE))
        .label_style(text(LABEL))
        .axis_style(colors.text)
        .light_line_style(colors.background)
        .bold_line_style(colors.grid)
        .draw()?;

    // Month labels under each bar (the mesh's own labels would not line up with the bars).
    // Where "Nov 26" does not fit a column, the year moves to a second line, shown under the
    // first month and under each January only.
    let column_px = chart.backend_coord(&(1.0, 0.0)).0 - chart.backend_coord(&(0.0, 0.0)).0;
    let two_lines = column_px < 52;
    let centred = |size| {
        text(size).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Top,
        ))
    };
    for (i, column) in columns.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64, 0.0));
        match column.label.split_once(' ') {
            Some((month, year)) if two_lines => {
                plot_area.draw(&Text::new(month.to_string(), (x, y + 8), centred(LABEL)))?;
                if i == 0 || column.january {
                    plot_area.draw(&Text::new(year.to_string(), (x, y + 24), centred(LABEL)))?;
                }
            }
            _ => plot_area.draw(&Text::new(column.label.clone(), (x, y + 8), centred(LABEL)))?,
        }
    }

    // Stacked bars, one series per legend group.
    const HALF: f64 = 0.34;
    for (g, color) in groups
        .iter()
        .enumerate()
        .map(|(g, _)| (g, PALETTE[g.min(TOP_SERVICES)]))
    {
        chart.draw_series(columns.iter().enumerate().filter_map(|(i, column)| {
            let value = column.stack[g];
            if value <= 0.0 {
                return None;
            }
            let base: f64 = column.stack[..g].iter().sum();
            let x = i as f64;
            Some(Rectangle::new(
                [(x - HALF, base), (x + HALF, base + value)],
                color.filled(),
            ))
        }))?;
    }

    // Closed months over budget: a red outline around the whole bar.
    if let Some(budget) = input.budget {
        chart.draw_series(
            columns
                .iter()
                .enumerate()
                .filter(|(_, column)| !column.current && column.total > budget)
                .map(|(i, column)| {
                    let x = i as f64;
                    Rectangle::new(
                        [(x - HALF - 0.04, 0.0), (x + HALF + 0.04, column.total)],
                        BUDGET_COLOR.stroke_width(3),
                    )
                }),
        )?;
    }

    // The rest of the current month: a hatched box on top of the actual, and its interval.
    if let (Some(forecast), Some((i, column))) = (
        input.forecast,
        columns.iter().enumerate().find(|(_, c)| c.current),
    ) {
        let x = i as f64;
        let bottom = column.total;
        let top = bottom + forecast.remaining_mean.max(0.0);
        let (left_px, top_px) = chart.backend_coord(&(x - HALF, top));
        let (right_px, bottom_px) = chart.backend_coord(&(x + HALF, bottom));
        plot_area.draw(&Rectangle::new(
            [(left_px, top_px), (right_px, bottom_px)],
            FORECAST_COLOR.mix(0.18).filled(),
        ))?;
        plot_area.draw(&Rectangle::new(
            [(left_px, top_px), (right_px, bottom_px)],
            FORECAST_COLOR.stroke_width(2),
        ))?;
        for line in hatch(left_px, top_px, right_px, bottom_px, 9) {
            plot_area.draw(&PathElement::new(line, FORECAST_COLOR.stroke_width(1)))?;
        }
        let low = bottom + forecast.remaining_low.max(0.0);
        let high = bottom + forecast.remaining_high.max(0.0);
        chart.draw_series(std::iter::once(ErrorBar::new_vertical(
            x,
            low,
            top,
            high,
            colors.text.stroke_width(2),
            14,
        )))?;
    }

    // The budget line, labelled at its right end.
    if let Some(budget) = input.budget {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(-0.6, budget), (n - 0.4, budget)],
            BUDGET_COLOR.stroke_width(3),
        )))?;
        let (x, y) = chart.backend_coord(&(n - 0.4, budget));
        plot_area.draw(&Text::new(
            format!("Budget {}", money(budget, currency)),
            (x - 4, y - 6),
            ("sans-serif", LABEL).into_font().color(&BUDGET_COLOR).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Right,
                    plotters::style::text_anchor::VPos::Bottom,
                ),
            ),
        ))?;
    }

    // About 7.5 px per character at 12.9 px.
    let legend_chars = (legend_width(width) as usize - 40) * 2 / 15;
    draw_legend(&legend_area, &groups, input, &colors, legend_chars)?;
    Ok(())
}

/// Diagonal lines filling a pixel rectangle, `gap` pixels apart.
fn hatch(left: i32, top: i32, right: i32, bottom: i32, gap: i32) -> Vec<Vec<(i32, i32)>> {
    let (width, height) = (right - left, bottom - top);
    if width <= 0 || height <= 0 {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut offset = gap;
    while offset < width + height {
        // A 45° line from the left or top edge to the bottom or right edge.
        let start = if offset <= height {
            (left, top + offset)
        } else {
            (left + offset - height, bottom)
        };
        let end = if offset <= width {
            (left + offset, top)
        } else {
            (right, top + offset - width)
        };
        lines.push(vec![start, end]);
        offset += gap;
    }
    lines
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    groups: &[String],
    input: &ChartInput<'_>,
    colors: &Palette,
    max_chars: usize,
) -> DrawResult<()>
where
    DB::ErrorType: 'static,
{
    let font = ("sans-serif", LABEL).into_font().color(&colors.text);
    let mut y = 28;
    let mut entry = |swatch: &dyn Fn(i32) -> DrawResult<()>, label: &str| -> DrawResult<()> {
        swatch(y)?;
        // A label too long for the legend wraps once, then is shortened.
        let lines = wrap(label, max_chars);
        for (n, line) in lines.iter().enumerate() {
            area.draw(&Text::new(
                line.clone(),
                (34, y - 7 + 17 * n as i32),
                font.clone(),
            ))?;
        }
        y += 26 + 17 * (lines.len() as i32 - 1);
        Ok(())
    };
    for (g, group) in groups.iter().enumerate() {
        let color = PALETTE[g.min(TOP_SERVICES)];
        entry(
            &|y| {
                area.draw(&Rectangle::new([(12, y - 8), (26, y + 6)], color.filled()))?;
                Ok(())
            },
            group,
        )?;
    }
    if input.forecast.is_some() {
        entry(
            &|y| {
                area.draw(&Rectangle::new(
                    [(12, y - 8), (26, y + 6)],
                    FORECAST_COLOR.stroke_width(2),
                ))?;
                area.draw(&PathElement::new(
                    vec![(12, y + 6), (26, y - 8)],
                    FORECAST_COLOR.stroke_width(1),
                ))?;
                Ok(())
            },
            "Forecast, rest of month (80 % range)",
        )?;
    }
    if input.budget.is_some() {
        entry(
            &|y| {
                area.draw(&PathElement::new(
                    vec![(10, y - 1), (28, y - 1)],
                    BUDGET_COLOR.stroke_width(3),
                ))?;
                Ok(())
            },
            "Budget (outline: month over it)",
        )?;
    }
    Ok(())
}

/// `text` on one line, or on two split at a space, the second shortened if it still does
/// not fit.
fn wrap(text: &str, max: usize) -> Vec<String> {
    if text.chars().count() <= max {
        return vec![text.to_string()];
    }
    let cut: String = text.chars().take(max + 1).collect();
    match cut.rfind(' ') {
        Some(at) if at > 0 => {
            let (first, rest) = text.split_at(at);
            vec![first.to_string(), shorten(rest.trim_start(), max)]
        }
        _ => vec![shorten(text, max)],
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_formats() {
        assert_eq!(money(1234.4, "USD"), "$1,234");
        assert_eq!(money(0.0, "USD"), "$0");
        assert_eq!(money(1_000_000.0, "EUR"), "1,000,000 EUR");
        assert_eq!(money(-12.0, "USD"), "-$12");
    }

    #[test]
    fn long_legend_labels_wrap_once() {
        assert_eq!(wrap("Budget", 10), vec!["Budget"]);
        assert_eq!(
            wrap("Forecast, rest of month (80 % range)", 24),
            vec!["Forecast, rest of month", "(80 % range)"]
        );
        assert_eq!(wrap("Supercalifragilistic", 10), vec!["Supercali…"]);
    }

    #[test]
    fn hatch_stays_inside_its_box() {
        for line in hatch(10, 20, 50, 100, 9) {
            for (x, y) in line {
                assert!(
                    (10..=50).contains(&x) && (20..=100).contains(&y),
                    "({x},{y})"
                );
            }
        }
        assert!(hatch(0, 0, 0, 10, 5).is_empty());
    }
}
