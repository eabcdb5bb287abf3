//! The chart, checked without golden images: the SVG is parsed and its bars, budget line,
//! labels and legend are counted and measured.

use purser_core::chart::{
    render_png, render_svg, ChartInput, Theme, BUDGET_COLOR, OPENAI_COLOR, PALETTE, PNG_HEIGHT,
    PNG_WIDTH,
};
use purser_core::cost::{CostSeries, Forecast, MonthCost};
use roxmltree::Document;

fn hex(color: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
}

fn month(start: &str, services: &[(&str, f64)]) -> MonthCost {
    MonthCost {
        month: start.into(),
        services: services.iter().map(|(s, a)| (s.to_string(), *a)).collect(),
        estimated: false,
    }
}

fn three_months() -> CostSeries {
    CostSeries {
        currency: "USD".into(),
        months: vec![
            month("2026-01-01", &[("Amazon EC2", 100.0)]),
            month("2026-02-01", &[("Amazon EC2", 300.0)]),
            month("2026-03-01", &[("Amazon EC2", 200.0)]),
        ],
    }
}

/// Rects filled with `color`, as (x, y, width, height).
fn rects_filled(doc: &Document, color: &str) -> Vec<(f64, f64, f64, f64)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(color))
        .map(|n| {
            let num = |a: &str| n.attribute(a).and_then(|v| v.parse().ok()).unwrap_or(0.0);
            (num("x"), num("y"), num("width"), num("height"))
        })
        .collect()
}

fn texts(doc: &Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_string())
        .collect()
}

#[test]
fn bars_budget_line_labels_and_legend() {
    let series = three_months();
    let svg = render_svg(&ChartInput {
        series: &series,
        forecast: None,
        budget: Some(250.0),
        current_month: "2026-03-01",
        theme: Theme::Light,
        size: purser_core::chart::EXPORT_SIZE,
        language: purser_core::locale::Language::En,
    })
    .unwrap();
    let doc = Document::parse(&svg).expect("well-formed SVG");

    // One bar per month for the single service.
    let bars = rects_filled(&doc, &hex(PALETTE[0]));
    let bars: Vec<_> = bars.into_iter().filter(|r| r.2 > 20.0).collect();
    assert_eq!(bars.len(), 3, "{bars:?}");

    // Heights are proportional to the amounts (100 : 300 : 200).
    let unit = bars[0].3 / 100.0;
    assert!((bars[1].3 - 300.0 * unit).abs() < 1.5);
    assert!((bars[2].3 - 200.0 * unit).abs() < 1.5);

    // The budget line sits at 250 on the same scale.
    let bottom = bars[0].1 + bars[0].3;
    let budget_y = bottom - 250.0 * unit;
    let budget_stroke = hex(BUDGET_COLOR);
    let line = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("polyline") && n.attribute("stroke") == Some(budget_stroke.as_str())
        })
        .expect("a budget line");
    let ys: Vec<f64> = line
        .attribute("points")
        .unwrap()
        .split_whitespace()
        .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(
        ys.iter().all(|y| (y - budget_y).abs() < 1.5),
        "{ys:?} vs {budget_y}"
    );

    // Only the closed month over budget (February) is outlined.
    let outlines = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("rect")
                && n.attribute("stroke") == Some(budget_stroke.as_str())
                && n.attribute("fill") == Some("none")
        })
        .count();
    assert_eq!(outlines, 1);

    let texts = texts(&doc);
    for expected in [
        "Jan 26",
        "Feb 26",
        "Mar 26",
        "Cost (USD)",
        "Month",
        "Budget $250",
        "Amazon EC2",
        "Budget (outline: month over it)",
        "$300",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} missing from {texts:?}"
        );
    }
}

#[test]
fn top_eight_services_and_other_with_a_hatched_forecast() {
    let services: Vec<(String, f64)> = (0..12)
        .map(|i| (format!("Service {i:02}"), 100.0 - f64::from(i)))
        .collect();
    let series = CostSeries {
        currency: "EUR".into(),
        months: vec![
            MonthCost {
                month: "2026-10-01".into(),
                services: services.clone(),
                estimated: false,
            },
            MonthCost {
                month: "2026-11-01".into(),
                services,
                estimated: true,
            },
        ],
    };
    let forecast = Forecast {
        remaining_mean: 400.0,
        remaining_low: 300.0,
        remaining_high: 550.0,
    };
    let svg = render_svg(&ChartInput {
        series: &series,
        forecast: Some(&forecast),
        budget: None,
        current_month: "2026-11-01",
        theme: Theme::Dark,
        size: purser_core::chart::EXPORT_SIZE,
        language: purser_core::locale::Language::En,
    })
    .unwrap();
    let doc = Document::parse(&svg).unwrap();
    let texts = texts(&doc);
    let legend: Vec<_> = texts.iter().filter(|t| t.starts_with("Service ")).collect();
    assert_eq!(legend.len(), 8, "{legend:?}");
    assert!(texts.iter().any(|t| t == "Other"));
    assert!(texts
        .iter()
        .any(|t| t == "Forecast, rest of month (80 % range)"));
    assert!(texts.iter().any(|t| t == "Cost (EUR)"));
    assert!(!texts.iter().any(|t| t.starts_with("Budget")));
    // Nine colours stacked in each of the two months.
    for (g, color) in PALETTE.iter().enumerate() {
        let bars = rects_filled(&doc, &hex(*color))
            .into_iter()
            .filter(|r| r.2 > 20.0)
            .count();
        assert_eq!(bars, 2, "group {g}");
    }
    // Hatching: diagonal lines in the forecast colour.
    let hatches = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert!(hatches > 5, "{hatches}");
    // Dark background.
    assert!(svg.contains("#1E2522"));
}

#[test]
fn openai_spend_keeps_its_own_bar_and_colour_however_small() {
    let mut services: Vec<(String, f64)> = (0..12)
        .map(|i| (format!("Service {i:02}"), 100.0 - f64::from(i)))
        .collect();
    services.push(("OpenAI API".into(), 30.0));
    let series = CostSeries {
        currency: "USD".into(),
        months: vec![MonthCost {
            month: "2026-10-01".into(),
            services,
            estimated: false,
        }],
    };
    let svg = render_svg(&ChartInput {
        series: &series,
        forecast: None,
        budget: None,
        current_month: "2026-11-01",
        theme: Theme::Light,
        size: purser_core::chart::EXPORT_SIZE,
        language: purser_core::locale::Language::En,
    })
    .unwrap();
    let doc = Document::parse(&svg).unwrap();
    let texts = texts(&doc);
    assert!(texts.iter().any(|t| t == "OpenAI API"), "{texts:?}");
    assert_eq!(
        texts.iter().filter(|t| t.starts_with("Service ")).count(),
        7
    );
    assert!(texts.iter().any(|t| t == "Other"));
    // Its bar and its legend swatch, in its colour; "Other" still grey.
    assert_eq!(rects_filled(&doc, &hex(OPENAI_COLOR)).len(), 2);
    assert_eq!(rects_filled(&doc, &hex(PALETTE[8])).len(), 2);
}

#[test]
fn png_export_is_a_real_image_of_the_stated_size() {
    let series = three_months();
    let svg = render_svg(&ChartInput {
        series: &series,
        forecast: None,
        budget: Some(250.0),
        current_month: "2026-03-01",
        theme: Theme::Light,
        size: purser_core::chart::EXPORT_SIZE,
        language: purser_core::locale::Language::En,
    })
    .unwrap();
    let png = render_png(&svg).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (PNG_WIDTH, PNG_HEIGHT));
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("chart.png"),
        &png,
    )
    .unwrap();
}

#[test]
fn an_empty_series_still_draws_axes() {
    let series = CostSeries {
        currency: "USD".into(),
        months: vec![],
    };
    let svg = render_svg(&ChartInput {
        series: &series,
        forecast: None,
        budget: Some(100.0),
        current_month: "2026-03-01",
        theme: Theme::Light,
        size: purser_core::chart::EXPORT_SIZE,
        language: purser_core::locale::Language::En,
    })
    .unwrap();
    assert!(Document::parse(&svg).is_ok());
}
