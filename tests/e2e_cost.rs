//! End-to-end: the Cost & budget view in the real window — sample data while AWS is not
//! connected, set a budget (a bad one is refused), see it on the chart, look at one month, and
//! export a PNG through the native save dialog (typed into with xdotool, as a user would).

#[path = "support/desktop.rs"]
mod desktop;

use std::process::Command;
use std::time::Duration;

use desktop::Desktop;
use fantoccini::Locator;

// Long: one scenario, told step by step in the order it happens.
#[tokio::test]
async fn set_a_budget_see_the_chart_and_export_a_png() {
    let app = Desktop::launch().await;
    app.open_section("Cost & budget").await;
    app.client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#cost-chart svg"))
        .await
        .expect("the chart is drawn");
    let banner = app.client.find(Locator::Id("cost-sample")).await.unwrap();
    assert!(banner.is_displayed().await.unwrap());
    assert!(banner.text().await.unwrap().starts_with("Sample data"));

    // Under the chart, what changed this month, in words: against last month (or, on a month's
    // first day, that there is nothing to compare yet).
    app.wait_text("cost-change-lines", "The month is forecast to end at")
        .await;
    assert!(app.shown("cost-change").await);
    assert_eq!(
        app.text_of("h-cost-change").await,
        "What changed this month"
    );
    let today = time::OffsetDateTime::now_utc().date();
    let said = app.text_of("cost-change-lines").await;
    let named = |month: time::Month| said.contains(&month.to_string());
    assert!(
        named(today.month().previous()) || named(today.month()),
        "{said}"
    );

    // A budget that makes no sense is refused, naming the problem.
    app.type_in("Amount per month", "-5").await;
    app.click_button("Save budget").await;
    let message = app
        .client
        .find(Locator::Id("budget-message"))
        .await
        .unwrap();
    app.eventually("the refusal", || async {
        message
            .text()
            .await
            .unwrap_or_default()
            .contains("must be more than zero")
    })
    .await;

    // A real one shows on the chart and in the summary.
    app.type_in("Amount per month", "1500").await;
    app.click_button("Save budget").await;
    app.eventually("the budget line on the chart", || async {
        chart_texts(&app).await.iter().any(|t| t == "Budget $1,500")
    })
    .await;
    let summary = app.client.find(Locator::Id("cost-summary")).await.unwrap();
    assert!(summary
        .text()
        .await
        .unwrap()
        .contains("of your $1,500 budget"));
    let saved = std::fs::read_to_string(app.config_dir().join("settings.json")).unwrap();
    assert!(saved.contains("\"budgetAmount\": 1500.0"), "{saved}");

    // One month's breakdown by service.
    let first_month = app
        .client
        .find(Locator::Css("#cost-months-list button"))
        .await
        .unwrap();
    let chosen = first_month.attr("data-month").await.unwrap();
    first_month.click().await.unwrap();
    // The list is redrawn with the chosen month pressed.
    let pressed = app
        .client
        .find(Locator::Css(
            "#cost-months-list button[aria-pressed='true']",
        ))
        .await
        .unwrap();
    assert_eq!(pressed.attr("data-month").await.unwrap(), chosen);
    let rows = app
        .client
        .find_all(Locator::Css("#cost-breakdown tbody tr"))
        .await
        .unwrap();
    assert!(rows.len() >= 5, "{} services listed", rows.len());

    // The month's total is exact to the cent and is the sum of its rows.
    let cents = |text: String| -> i64 {
        let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
        digits
            .parse()
            .unwrap_or_else(|_| panic!("not an amount: {text:?}"))
    };
    let mut sum = 0;
    for row in &rows {
        let cell = row.find(Locator::Css("td.num")).await.unwrap();
        let text = cell.text().await.unwrap();
        assert!(text.contains('.'), "rows show cents: {text}");
        sum += cents(text);
    }
    let total = app
        .client
        .find(Locator::Css("#cost-breakdown tfoot td.num"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(cents(total), sum, "the total is the sum of the rows");
    let meta = app.client.find(Locator::Id("cost-meta")).await.unwrap();
    assert!(
        meta.text().await.unwrap().contains("this month: 0 ($0.00)"),
        "the request count shows cents"
    );
    // The chart's text is as readable on screen as it is in the drawing (≥ 11 px).
    let smallest: f64 = app
        .client
        .execute(
            "const svg = document.querySelector('#cost-chart svg');
             const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
             return Math.min(...[...svg.querySelectorAll('text')].map((t) => parseFloat(t.getAttribute('font-size')) * scale));",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(
        smallest >= 11.0,
        "the chart's smallest text is {smallest:.1} px: {}",
        app.client
            .execute(
                "const svg = document.querySelector('#cost-chart svg');
                 return [svg.getBoundingClientRect().width, svg.viewBox.baseVal.width, document.getElementById('cost-chart').clientWidth, [...new Set([...svg.querySelectorAll('text')].map((t) => t.getAttribute('font-size')))].join(',')];",
                vec![],
            )
            .await
            .unwrap()
    );

    // A budget the sample months pass: the months over it say so in words.
    app.type_in("Amount per month", "800").await;
    app.click_button("Save budget").await;
    app.eventually("a month marked over budget", || async {
        let list = app
            .client
            .find(Locator::Id("cost-months-list"))
            .await
            .unwrap();
        list.text()
            .await
            .unwrap_or_default()
            .contains("over budget by $")
    })
    .await;
    let over = app
        .client
        .find(Locator::Css("#cost-months-list button.over-budget"))
        .await
        .unwrap();
    app.click(&over).await;
    let caption = app
        .client
        .find(Locator::Id("cost-breakdown-caption"))
        .await
        .unwrap();
    app.eventually("the breakdown to say it is over", || async {
        caption
            .text()
            .await
            .unwrap_or_default()
            .contains("over budget by $")
    })
    .await;

    // Export the figures: the save dialog says figures, not chart.
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("meeting-figures.csv");
    app.click_button("Export CSV").await;
    type_into_save_dialog(
        app.display(),
        "Export cost figures",
        &csv.display().to_string(),
    );
    let exported = app
        .client
        .find(Locator::Id("cost-export-message"))
        .await
        .unwrap();
    app.eventually("the CSV export to be confirmed", || async {
        exported
            .text()
            .await
            .unwrap_or_default()
            .contains("meeting-figures.csv")
    })
    .await;
    let text = std::fs::read_to_string(&csv).expect("the CSV was written where chosen");
    assert!(
        text.starts_with("month,service,amount,currency,estimated,line_item\n"),
        "{text}"
    );

    // Export a PNG through the save dialog.
    let target = out.path().join("meeting-chart.png");
    app.click_button("Export PNG").await;
    type_into_save_dialog(
        app.display(),
        "Export cost chart",
        &target.display().to_string(),
    );
    let exported = app
        .client
        .find(Locator::Id("cost-export-message"))
        .await
        .unwrap();
    app.eventually("the export to be confirmed", || async {
        exported
            .text()
            .await
            .unwrap_or_default()
            .contains("meeting-chart.png")
    })
    .await;
    let png = std::fs::read(&target).expect("the PNG was written where chosen");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1600, 800));
    app.quit().await;
}

#[tokio::test]
async fn a_spanish_budget_is_read_and_shown_the_spanish_way() {
    let app = Desktop::launch_with("es_ES.UTF-8", |_| {}).await;
    app.open_section("Coste y presupuesto").await;
    app.type_in("Importe al mes", "1.500,50").await;
    app.click_button("Guardar presupuesto").await;
    let saved = app.config_dir().join("settings.json");
    app.eventually("the budget to be saved", || async {
        std::fs::read_to_string(&saved)
            .unwrap_or_default()
            .contains("\"budgetAmount\": 1500.5")
    })
    .await;
    let shown = app
        .field("Importe al mes")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(shown, "1500,50", "the amount reads back in Spanish");
    app.type_in("Importe al mes", "1500,50").await;
    app.click_button("Guardar presupuesto").await;
    app.type_in("Importe al mes", "0,004").await;
    app.click_button("Guardar presupuesto").await;
    app.wait_text("budget-message", "más de dos decimales")
        .await;
    assert!(
        std::fs::read_to_string(&saved)
            .unwrap()
            .contains("\"budgetAmount\": 1500.5"),
        "a refused amount changes nothing"
    );
    app.quit().await;
}

async fn chart_texts(app: &Desktop) -> Vec<String> {
    let mut texts = Vec::new();
    for text in app
        .client
        .find_all(Locator::Css("#cost-chart svg text"))
        .await
        .unwrap_or_default()
    {
        texts.push(text.text().await.unwrap_or_default().trim().to_string());
    }
    texts
}

/// Waits for the GTK save dialog titled `title`, replaces the file name with `path` and
/// presses Enter — keyboard only, as a user would.
fn type_into_save_dialog(display: &str, title: &str, path: &str) {
    let xdotool = |args: &[&str]| {
        let status = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", display)
            .status()
            .expect("xdotool (package xdotool) must be installed");
        assert!(status.success(), "xdotool {args:?} failed");
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let found = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", title])
            .env("DISPLAY", display)
            .output()
            .expect("xdotool");
        let window = String::from_utf8_lossy(&found.stdout);
        if let Some(id) = window.lines().next() {
            xdotool(&["windowfocus", "--sync", id]);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no save dialog appeared"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    xdotool(&["key", "--clearmodifiers", "ctrl+a"]);
    xdotool(&["type", "--delay", "15", path]);
    xdotool(&["key", "Return"]);
}
