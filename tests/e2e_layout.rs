//! End-to-end: nothing spills out of its card, and the main buttons are reachable, at the
//! default window size (1100×720) and at the minimum (760×520), in English and in Spanish.
//! Screenshots of each section are saved under the test's target directory to look at.

#[path = "support/desktop.rs"]
mod desktop;
#[path = "support/layout.rs"]
mod layout;

use desktop::Desktop;
use layout::{overflows, resize};
use serde_json::Value;

/// Whether the element with `id` is inside the visible part of the main area right now.
const IN_VIEW: &str = r#"
const el = document.getElementById(arguments[0]);
const r = el.getBoundingClientRect();
const main = document.querySelector('main').getBoundingClientRect();
return r.top >= main.top && r.bottom <= main.bottom && r.left >= main.left && r.right <= main.right;
"#;

async fn check_sections(app: &Desktop, labels: [&str; 5], size: &str, lang: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (label, slug) in
        labels
            .into_iter()
            .zip(["overview", "credentials", "deployment", "cost", "settings"])
    {
        app.open_section(label).await;
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        for problem in overflows(app).await {
            problems.push(format!("{lang} {size} {label}: {problem}"));
        }
        app.screenshot(&format!("layout-{lang}-{size}-{slug}.png"))
            .await;
    }
    problems
}

#[tokio::test]
async fn nothing_spills_out_of_its_card_at_the_default_and_the_minimum_size() {
    let mut problems = Vec::new();
    for (locale, lang, labels) in [
        (
            "C.UTF-8",
            "en",
            [
                "Overview",
                "Credentials",
                "Deployment",
                "Cost & budget",
                "Settings",
            ],
        ),
        (
            "es_ES.UTF-8",
            "es",
            [
                "Resumen",
                "Credenciales",
                "Despliegue",
                "Coste y presupuesto",
                "Ajustes",
            ],
        ),
    ] {
        // The first-run guide open, so that the overview is laid out with it.
        let app = Desktop::launch_with(locale, |home| {
            std::fs::write(desktop::data_dir(home).join("guide.json"), "{}").unwrap();
        })
        .await;
        resize(&app, 1100, 720).await;
        // Show the things that were seen to spill: stored keys and a check result.
        app.client
            .execute(
                "document.querySelectorAll('.secret-row [data-action=\"delete\"]').forEach((b) => b.hidden = false);",
                vec![],
            )
            .await
            .unwrap();
        let deployment = labels[2];
        app.open_section(deployment).await;
        app.open_section(labels[1]).await;
        let check_visible: Value = app
            .client
            .execute(IN_VIEW, vec![serde_json::json!("check-aws")])
            .await
            .unwrap();
        if check_visible != Value::Bool(true) {
            problems.push(format!(
                "{lang} default: the AWS Check button is below the fold"
            ));
        }
        problems.extend(check_sections(&app, labels, "default", lang).await);
        resize(&app, 760, 520).await;
        problems.extend(check_sections(&app, labels, "minimum", lang).await);
        app.quit().await;
    }
    assert_eq!(problems, Vec::<String>::new());
}
