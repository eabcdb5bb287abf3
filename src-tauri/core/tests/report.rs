//! The one-page meeting report through the facade, from fixed data: the sample AWS figures of
//! a fixed day, OpenAI's costs by project from a local server answering as the costs API
//! documents, the projects' names as listed, and guard lines in the audit log. Read back with
//! poppler (`pdfinfo`, `pdftotext`) as a person's PDF reader would, rendered with `pdftoppm`
//! to a PNG for a person to look at, in English (Letter) and Spanish (A4).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use purser_core::audit::{AuditLog, Outcome, Subject};
use purser_core::chart::view::{CostView, ExportFormat};
use purser_core::chart::Theme;
use purser_core::locale::Language;
use purser_core::secrets::{Secret, SecretKind};
use purser_core::settings::SettingsPatch;
use purser_core::testing::FixedClock;
use purser_core::words::money;
use purser_core::{AppDirs, AppError, Backends, Purser};
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ADMIN_KEY: &str = "sk-admin-canary-7d3e9a";
const APP_KEY: &str = "sk-proj-canary-41c2b8";
const NOW: OffsetDateTime = datetime!(2026-12-16 12:00 UTC);

/// December's first 15 days: the storefront $12 a day, batch jobs $4, and $0.50 outside any
/// project; November: the storefront $10 a day.
fn costs_page() -> Value {
    let line = |project: Option<&str>, amount: f64| {
        json!({"object": "organization.costs.result",
               "amount": {"value": amount, "currency": "usd"},
               "line_item": "gpt-4o, output", "project_id": project})
    };
    let mut buckets = Vec::new();
    for d in 0..30 {
        let start = datetime!(2026-11-01 00:00 UTC) + time::Duration::days(d);
        buckets.push(json!({"object": "bucket", "start_time": start.unix_timestamp(),
            "end_time": start.unix_timestamp() + 86_400, "results": [line(Some("proj_web"), 10.0)]}));
    }
    for d in 0..15 {
        let start = datetime!(2026-12-01 00:00 UTC) + time::Duration::days(d);
        buckets.push(json!({"object": "bucket", "start_time": start.unix_timestamp(),
            "end_time": start.unix_timestamp() + 86_400,
            "results": [line(Some("proj_web"), 12.0), line(Some("proj_batch"), 4.0), line(None, 0.5)]}));
    }
    json!({"object": "page", "data": buckets, "has_more": false, "next_page": null})
}

async fn openai_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/v1/organization/costs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(costs_page()))
        .mount(&server)
        .await;
    Mock::given(path("/v1/organization/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list", "first_id": "proj_web", "last_id": "proj_batch", "has_more": false,
            "data": [
                {"id": "proj_web", "object": "organization.project", "name": "Storefront",
                 "created_at": 1, "archived_at": null, "status": "active"},
                {"id": "proj_batch", "object": "organization.project", "name": "Batch jobs",
                 "created_at": 1, "archived_at": null, "status": "active"}
            ]
        })))
        .mount(&server)
        .await;
    server
}

/// Guard lines in the audit log, in the order they happen: one last month, ten this month,
/// and a setting (not an action) this month.
fn write_audit(data: &Path) {
    let line = |at: OffsetDateTime, subject: Subject, outcome: Outcome, error: Option<AppError>| {
        let mut log = AuditLog::new(data);
        log.set_clock(Arc::new(FixedClock(at)));
        let intent = log.begin("prod-eks", "shop", subject).unwrap();
        log.finish(intent, outcome, error);
    };
    line(
        datetime!(2026-11-28 09:00 UTC),
        Subject::new("guardScale", "lastmonth-app", "lastmonth-app → 1 copy"),
        Outcome::Ok,
        None,
    );
    // Early in the month, more than the page lists: the oldest are counted, not drawn.
    for hour in 0..8 {
        line(
            datetime!(2026-12-01 00:00 UTC) + time::Duration::hours(hour),
            Subject::new("guardNotify", "assistant", "assistant: told"),
            Outcome::Ok,
            None,
        );
    }
    line(
        datetime!(2026-12-03 10:00 UTC),
        Subject::new("guardScale", "assistant", "assistant: 4 → 2 copies"),
        Outcome::Ok,
        None,
    );
    line(
        datetime!(2026-12-09 15:30 UTC),
        Subject::new("guardPolicy", "assistant", "assistant: automatic"),
        Outcome::Ok,
        None,
    );
    line(
        datetime!(2026-12-10 08:15 UTC),
        Subject::new("guardPropose", "assistant", "assistant: 2 → 1 copy"),
        Outcome::Ok,
        None,
    );
}

async fn purser_in(dir: &Path, server: &MockServer, locale: &str, months: u8) -> Purser {
    write_audit(&dir.join("data"));
    let purser = Purser::new(
        AppDirs::under(dir),
        Some(locale.to_string()),
        Backends {
            clock: Arc::new(FixedClock(NOW)),
            ..purser_core::testing::backends()
        },
    );
    let patch = SettingsPatch::from_json(&json!({
        "openaiAdminBaseUrl": format!("{}/v1", server.uri()), "costMonths": months,
        "budgetAmount": "1500"
    }))
    .unwrap();
    purser.update_settings(&patch).unwrap();
    purser
        .store_secret(SecretKind::OpenaiAdminKey, Secret::new(ADMIN_KEY))
        .await
        .unwrap();
    purser
        .store_secret(SecretKind::OpenaiApiKey, Secret::new(APP_KEY))
        .await
        .unwrap();
    purser
}

fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is needed: {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).replace('\u{a0}', " ")
}

/// The report made and saved, its text as `pdftotext -layout` reads it, and its PNG.
async fn report(locale: &str, months: u8, name: &str) -> (CostView, Vec<u8>, String, String) {
    let server = openai_server().await;
    let dir = tempfile::tempdir().unwrap();
    let purser = purser_in(dir.path(), &server, locale, months).await;
    purser.openai_projects().await.unwrap();
    let view = purser.cost_view(false, Theme::Light, 900).await.unwrap();
    let export = purser.export_cost(ExportFormat::Pdf, Theme::Dark).unwrap();
    assert_eq!(export.file_name, "purser-report-2026-12.pdf");
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    purser
        .write_export(&out.with_extension("pdf"), &export)
        .unwrap();
    let pdf = out.with_extension("pdf").display().to_string();
    let info = run("pdfinfo", &[&pdf]);
    let text = run("pdftotext", &["-layout", &pdf, "-"]);
    let png = out.display().to_string();
    run("pdftoppm", &["-png", "-r", "80", "-singlefile", &pdf, &png]);
    let png = std::fs::metadata(format!("{png}.png")).expect("the PNG for a person to look at");
    assert!(png.len() > 10_000, "the page is drawn: {} bytes", png.len());
    (view, export.bytes, info, text)
}

/// Every month's total to the cent, as the language writes it.
fn assert_month_totals(view: &CostView, text: &str, language: Language) {
    for month in &view.months {
        let total =
            money(language, month.total_cents as f64 / 100.0, "USD", true).replace('\u{a0}', " ");
        assert!(
            text.contains(&total),
            "{} total {total} not in:\n{text}",
            month.month
        );
    }
}

/// A field of `pdfinfo`'s answer, e.g. `Pages`.
fn field<'a>(info: &'a str, name: &str) -> &'a str {
    info.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map_or("", str::trim)
}

/// The largest report — 14 months, three apps with long names, more guard lines than it
/// lists — leaves out nothing of its page.
fn assert_everything_fits(view: &CostView) {
    let names =
        std::collections::HashMap::from([("proj_web".to_string(), "Storefront".to_string())]);
    let dir = tempfile::tempdir().unwrap();
    write_audit(dir.path());
    let actions = AuditLog::new(dir.path()).recent(100).unwrap();
    let apps = (0..3)
        .map(|n| format!("assistant-with-a-long-name-{n} (arn-prod-cluster-{n} / shop)"))
        .collect();
    let input = purser_core::report::ReportInput {
        view,
        language: Language::Es,
        paper: purser_core::report::Paper::Letter,
        now: NOW,
        account_end: Some("9012".into()),
        apps,
        project_names: &names,
        guard_actions: actions,
        version: "0.1.0",
    };
    let report = purser_core::report::build(&input).unwrap();
    assert_eq!(report.lines_left_out, 0, "the page holds everything");
}

fn assert_no_secret(bytes: &[u8], text: &str) {
    for canary in [ADMIN_KEY, APP_KEY, "canary"] {
        assert!(!text.contains(canary), "{canary} in the report's text");
        assert!(
            !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
            "{canary} in the report's bytes"
        );
    }
}

#[tokio::test]
async fn the_english_report_is_one_letter_page_with_every_figure_to_the_cent() {
    let (view, bytes, info, text) = report("en_US.UTF-8", 13, "report-en").await;
    assert_eq!(field(&info, "Pages"), "1", "{info}");
    assert_eq!(
        field(&info, "Page size"),
        "612 x 792 pts (letter)",
        "{info}"
    );
    assert_eq!(
        field(&info, "Title"),
        "Cost report · December 2026",
        "{info}"
    );
    assert!(text.contains("Cost report · December 2026"), "{text}");
    assert!(text.contains("Sample data: made-up figures"), "{text}");
    assert!(
        text.contains("OpenAI API spend from OpenAI’s costs API"),
        "{text}"
    );
    assert!(text.contains("Made by Purser"), "{text}");
    assert_month_totals(&view, &text, Language::En);
    for month in ["October 2026", "November 2026", "December 2026 (estimate)"] {
        assert!(text.contains(month), "{month} in:\n{text}");
    }
    assert!(text.contains("of your $1,500 budget"), "{text}");
    assert!(text.contains("Forecast for the month end:"), "{text}");
    // The chart is vector graphics with its text kept as text.
    assert!(
        text.contains("Budget $1,500"),
        "the chart's budget label:\n{text}"
    );
    assert!(text.contains("What changed this month"), "{text}");
    assert!(text.contains("on the first 15 days of November"), "{text}");
    // OpenAI by project, by the names listed: $180, $60 and $7.50 this month.
    for (name, amount) in [
        ("Storefront", "$180.00"),
        ("Batch jobs", "$60.00"),
        ("Outside any project", "$7.50"),
        ("Total", "$247.50"),
    ] {
        let row = text
            .lines()
            .find(|l| l.contains(name) && l.contains(amount));
        assert!(row.is_some(), "{name} {amount} in:\n{text}");
    }
    // The guard's actions this month, newest first; not its settings, not last month's.
    let proposed = text.find("Guard: proposed · assistant · ok").expect(&text);
    let scaled = text
        .find("Guard: scaled down · assistant · ok")
        .expect(&text);
    assert!(proposed < scaled, "newest first");
    assert!(
        text.contains("December 10") && text.contains("December 3"),
        "{text}"
    );
    assert!(!text.contains("lastmonth-app"), "{text}");
    assert!(
        text.contains("…and 2 more: see Activity in Purser."),
        "{text}"
    );
    assert_eq!(view.months.len(), 14, "13 months of history and this one");
    assert_everything_fits(&view);
    assert!(
        !text.contains("automatic"),
        "a setting is not an action:\n{text}"
    );
    assert_no_secret(&bytes, &text);
}

#[tokio::test]
async fn the_spanish_report_is_one_a4_page_in_spanish() {
    let (view, bytes, info, text) = report("es_ES.UTF-8", 3, "report-es").await;
    assert_eq!(field(&info, "Pages"), "1", "{info}");
    assert_eq!(
        field(&info, "Page size"),
        "595.28 x 841.89 pts (A4)",
        "{info}"
    );
    assert!(
        text.contains("Informe de costes · diciembre de 2026"),
        "{text}"
    );
    assert!(text.contains("Datos de ejemplo"), "{text}");
    assert_month_totals(&view, &text, Language::Es);
    for month in [
        "octubre de 2026",
        "noviembre de 2026",
        "diciembre de 2026 (estimación)",
    ] {
        assert!(text.contains(month), "{month} in:\n{text}");
    }
    assert!(text.contains("Qué ha cambiado este mes"), "{text}");
    assert!(text.contains("Fuera de cualquier proyecto"), "{text}");
    assert!(text.contains("180,00 US$"), "{text}");
    assert!(
        text.contains("Guardián: reducción · assistant · correcto"),
        "{text}"
    );
    assert!(text.contains("10 de diciembre"), "{text}");
    assert!(!text.contains("Cost report"), "no English title:\n{text}");
    assert_no_secret(&bytes, &text);
}

#[tokio::test]
async fn with_nothing_on_screen_there_is_no_report() {
    let server = openai_server().await;
    let dir = tempfile::tempdir().unwrap();
    let purser = purser_in(dir.path(), &server, "en_US.UTF-8", 3).await;
    let error = purser
        .export_cost(ExportFormat::Pdf, Theme::Light)
        .unwrap_err();
    assert_eq!(error.code, "cost_nothing_to_export");
}
