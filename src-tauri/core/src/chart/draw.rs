//! Drawing the chart with plotters: bars, forecast, budget line, legend.

use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::text::ChartText;
use super::{
    columns, legend_width, palette, ChartInput, Column, Palette, BUDGET_COLOR, FORECAST_COLOR,
};

pub(super) type DrawResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Text sizes as plotters takes them; its SVG backend writes `size / 1.24` pixels, so these
/// are 12.9 px (labels, legend) and 14.5 px (axis titles) on screen at the width drawn.
const LABEL: u32 = 16;
const TITLE: u32 = 18;

/// The plot as plotters draws into it: months on x (one unit per column), money on y.
type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Half a bar's width, in columns.
const HALF: f64 = 0.34;

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    input: &ChartInput<'_>,
) -> DrawResult<()>
where
    DB::ErrorType: 'static,
{
    let colors = palette(input.theme);
    root.fill(&colors.background)?;
    let text_of = ChartText::of(input.language);
    let (groups, group_colors, columns) = columns(input.series, input.current_month, text_of);
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
    let label_money = |v: &f64| text_of.money(*v, currency);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&label_money)
        .y_desc(text_of.cost_axis(currency))
        .x_desc(text_of.month_axis)
        .axis_desc_style(text(TITLE))
        .label_style(text(LABEL))
        .axis_style(colors.text)
        .light_line_style(colors.background)
        .bold_line_style(colors.grid)
        .draw()?;
    month_labels(&chart, &plot_area, &columns, &colors)?;
    bars(&mut chart, &columns, &group_colors, input.budget)?;
    if let (Some(forecast), Some((i, column))) = (
        input.forecast,
        columns.iter().enumerate().find(|(_, c)| c.current),
    ) {
        forecast_box(
            &mut chart,
            &plot_area,
            i as f64,
            column.total,
            forecast,
            &colors,
        )?;
    }
    if let Some(budget) = input.budget {
        let label = text_of.budget_label(budget, currency);
        budget_line(&mut chart, &plot_area, budget, n, label)?;
    }
    // About 7.5 px per character at 12.9 px.
    let legend_chars = (legend_width(width) as usize - 40) * 2 / 15;
    draw_legend(
        &legend_area,
        &groups,
        &group_colors,
        input,
        &colors,
        legend_chars,
    )?;
    Ok(())
}

/// The budget line across the plot, labelled at its right end.
fn budget_line<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    plot_area: &DrawingArea<DB, Shift>,
    budget: f64,
    n: f64,
    label: String,
) -> DrawResult<()>
where
    DB::ErrorType: 'static,
{
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(-0.6, budget), (n - 0.4, budget)],
        BUDGET_COLOR.stroke_width(3),
    )))?;
    let (x, y) = chart.backend_coord(&(n - 0.4, budget));
    let style = ("sans-serif", LABEL)
        .into_font()
        .color(&BUDGET_COLOR)
        .pos(Pos::new(HPos::Right, VPos::Bottom));
    plot_area.draw(&Text::new(label, (x - 4, y - 6), style))?;
    Ok(())
}

/// Month labels under each bar (the mesh's own labels would not line up with the bars).
/// Where "Nov 26" does not fit a column, the year moves to a second line, shown under the
/// first month and under each January only.
fn month_labels<DB: DrawingBackend>(
    chart: &Plot<'_, DB>,
    plot_area: &DrawingArea<DB, Shift>,
    columns: &[Column],
    colors: &Palette,
) -> DrawResult<()>
where
    DB::ErrorType: 'static,
{
    let column_px = chart.backend_coord(&(1.0, 0.0)).0 - chart.backend_coord(&(0.0, 0.0)).0;
    let two_lines = column_px < 52;
    let centred = ("sans-serif", LABEL)
        .into_font()
        .color(&colors.text)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (i, column) in columns.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64, 0.0));
        match column.label.split_once(' ') {
            Some((month, year)) if two_lines => {
                plot_area.draw(&Text::new(month.to_string(), (x, y + 8), centred.clone()))?;
                if i == 0 || column.january {
                    plot_area.draw(&Text::new(year.to_string(), (x, y + 24), centred.clone()))?;
                }
            }
            _ => plot_area.draw(&Text::new(
                column.label.clone(),
                (x, y + 8),
                centred.clone(),
            ))?,
        }
    }
    Ok(())
}

/// Stacked bars, one series per legend group; closed months over budget get a red outline
/// around the whole bar.
fn bars<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    columns: &[Column],
    group_colors: &[RGBColor],
    budget: Option<f64>,
) -> DrawResult<()>
where
    DB::ErrorType: 'static,
{
    for (g, color) in group_colors.iter().enumerate() {
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
    if let Some(budget) = budget {
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
    Ok(())
}

/// The rest of the current month: a hatched box on top of the actual, and its interval.
fn forecast_box<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    plot_area: &DrawingArea<DB, Shift>,
    x: f64,
    bottom: f64,
    forecast: &crate::cost::Forecast,
    colors: &Palette,
) -> DrawResult<()>
where
    DB::ErrorType: 'static,
{
    let top = bottom + forecast.remaining_mean.max(0.0);
    let (left_px, top_px) = chart.backend_coord(&(x - HALF, top));
    let (right_px, bottom_px) = chart.backend_coord(&(x + HALF, bottom));
    let corners = [(left_px, top_px), (right_px, bottom_px)];
    plot_area.draw(&Rectangle::new(corners, FORECAST_COLOR.mix(0.18).filled()))?;
    plot_area.draw(&Rectangle::new(corners, FORECAST_COLOR.stroke_width(2)))?;
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
    group_colors: &[RGBColor],
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
    for (group, color) in groups.iter().zip(group_colors) {
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
            ChartText::of(input.language).forecast_legend,
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
            ChartText::of(input.language).budget_legend,
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
