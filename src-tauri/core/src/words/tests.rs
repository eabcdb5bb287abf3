use serde_json::json;
use time::macros::datetime;

use super::*;

fn params(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[test]
fn the_built_in_files_are_read() {
    assert!(texts(Language::En).len() > 300 && texts(Language::Es).len() > 300);
    assert!(has(Language::Es, "tray.quit") && !has(Language::Es, "no.such.key"));
    assert_ne!(
        word(Language::Es, "tray.quit"),
        word(Language::En, "tray.quit")
    );
    assert_eq!(word(Language::Es, "no.such.key"), "no.such.key");
    assert!(
        !rules().money.is_empty() && !rules().counts.is_empty(),
        "values.json was read"
    );
}

/// A notification reads as the window writes the same notice (`ui/tests/i18n.test.mjs` holds
/// the window to the same texts); the test process reads no offset: UTC.
#[test]
fn notices_read_as_the_window_writes_them() {
    let now = datetime!(2026-12-01 20:00 UTC);
    let cooldown = params(json!({
        "basis": "forecast", "figure": 1234.5, "budget": 1000,
        "at": "2026-12-01T19:14:00Z", "until": "2027-01-01T00:00:00Z"
    }));
    assert_eq!(
        render(Language::En, "hint.guard_cooldown", &cooldown, now).as_deref(),
        Some(
            "Over budget (The month-end forecast: $1,235 against $1,000); the guard acted at \
             07:14 PM and may act again after January 1."
        )
    );
    assert_eq!(
        render(Language::Es, "hint.guard_cooldown", &cooldown, now).as_deref(),
        Some(
            "Por encima del presupuesto (La previsión a fin de mes: 1235\u{a0}US$ frente a \
             1000\u{a0}US$); el guardián actuó a las 19:14 y puede volver a actuar después de \
             las 1 de enero."
        )
    );
    let scaled = |to| params(json!({"app": "assistant", "to": to}));
    assert_eq!(
        render(Language::Es, "error.guard_scaled", &scaled(1), now).as_deref(),
        Some("El guardián del presupuesto redujo assistant a 1 copia.")
    );
    assert_eq!(
        render(Language::En, "error.guard_scaled", &scaled(3), now).as_deref(),
        Some("The budget guard scaled assistant down to 3 copies.")
    );
    // Exact amounts keep their cents; copies named floor stay a number.
    let cap = params(json!({"capAmount": 400.5}));
    assert_eq!(
        render(Language::Es, "error.guard_openai_propose", &cap, now).as_deref(),
        Some("El guardián del presupuesto propone un tope de 400,50\u{a0}US$ al mes al gasto del proyecto de OpenAI.")
    );
    let floor = params(json!({"floor": 3}));
    assert_eq!(
        render(Language::En, "hint.guard_at_floor", &floor, now).as_deref(),
        Some("Over budget, but the app is already at its floor of 3 copies.")
    );
    assert_eq!(render(Language::En, "no.such.key", &floor, now), None);
    // A whole number that arrived as a float reads as the window writes it.
    let percent = params(json!({"percent": 62.0}));
    assert!(render(Language::En, "error.guard_notify", &percent, now)
        .is_some_and(|text| text.contains("62") && !text.contains("62.0")));
}

/// Every guard notice the core can send has a title in both languages, every value written.
#[test]
fn every_guard_notice_has_a_title_in_both_languages() {
    let now = datetime!(2026-12-01 20:00 UTC);
    let mut seen = 0;
    for entry in purser_core::catalogue::entries() {
        if !entry.key.starts_with("error.guard_") {
            continue;
        }
        let code = &entry.key["error.".len()..];
        let notice = AppError::hinted(code, code, "x");
        let notice = AppError {
            params: entry.params.clone(),
            ..notice
        };
        for language in [Language::En, Language::Es] {
            let (title, _) = super::notice(language, &notice, now);
            assert!(
                !title.is_empty() && title != "x",
                "{language:?} {code}: no words"
            );
            assert!(!title.contains('{'), "{language:?} {code}: {title}");
        }
        seen += 1;
    }
    assert!(seen > 10, "{seen} guard notices");
}
