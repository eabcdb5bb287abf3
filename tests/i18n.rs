//! Every word the window shows exists in English and in Spanish: the two languages of
//! `ui/locales/*.json` have the same keys, every code the core can hand the window (errors, hints,
//! form problems, rollout problems, permission purposes, check results) has its words in both,
//! and every `{value}` a text names is one the core provides.

use std::collections::{BTreeMap, BTreeSet};

/// The texts of one language: key → templates (one, or a singular and a plural).
type Texts = BTreeMap<String, Vec<String>>;

fn catalogue() -> (Texts, Texts) {
    (texts("en"), texts("es"))
}

/// `ui/locales/<lang>.json`: key → a text, or a text per plural form (`one`, `other`).
fn texts(lang: &str) -> Texts {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ui/locales")
        .join(format!("{lang}.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let words: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    words
        .into_iter()
        .map(|(key, value)| {
            let forms = match value {
                serde_json::Value::String(text) => vec![text],
                serde_json::Value::Object(forms) => forms
                    .into_iter()
                    .map(|(form, text)| match text {
                        serde_json::Value::String(text) => text,
                        other => panic!("{lang}: {key}.{form} is not a text: {other}"),
                    })
                    .collect(),
                other => panic!("{lang}: {key} is neither a text nor plural forms: {other}"),
            };
            (key, forms)
        })
        .collect()
}

/// `{name}` placeholders in a template.
fn placeholders(template: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + len];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()) {
            out.insert(name.to_string());
        }
        rest = &rest[start + len..];
    }
    out
}

#[test]
fn english_and_spanish_have_the_same_keys() {
    let (en, es) = catalogue();
    assert!(en.len() > 300, "the catalogue was read: {} keys", en.len());
    let only_en: Vec<&String> = en.keys().filter(|k| !es.contains_key(*k)).collect();
    let only_es: Vec<&String> = es.keys().filter(|k| !en.contains_key(*k)).collect();
    assert_eq!(only_en, Vec::<&String>::new(), "in English only");
    assert_eq!(only_es, Vec::<&String>::new(), "in Spanish only");
    for (key, templates) in &en {
        assert_eq!(
            templates.len(),
            es[key].len(),
            "{key}: the same plural forms in both languages"
        );
        for (e, s) in templates.iter().zip(&es[key]) {
            assert_eq!(
                placeholders(e),
                placeholders(s),
                "{key}: the same values named in both languages"
            );
        }
    }
}

#[test]
fn every_code_the_core_hands_the_window_has_words_in_both_languages() {
    let (en, es) = catalogue();
    let mut missing = BTreeSet::new();
    let mut unknown_values = BTreeSet::new();
    let entries = purser_core::catalogue::entries();
    assert!(entries.len() > 150, "{} entries", entries.len());
    for entry in &entries {
        for (lang, texts) in [("en", &en), ("es", &es)] {
            let Some(templates) = texts.get(&entry.key) else {
                missing.insert(format!("{lang} {}", entry.key));
                continue;
            };
            for template in templates {
                for name in placeholders(template) {
                    if !entry.params.contains_key(&name) {
                        unknown_values.insert(format!("{lang} {}: {{{name}}}", entry.key));
                    }
                }
            }
        }
    }
    assert_eq!(missing, BTreeSet::new(), "codes without words");
    assert_eq!(
        unknown_values,
        BTreeSet::new(),
        "values the core does not give"
    );
}

/// The keys the window's own code and page name literally: `t('key')`, `tn('key', …)`,
/// `render('key', …)`, `data-i18n="key"` and `data-i18n-aria="key"`.
fn keys_the_window_names() -> BTreeSet<String> {
    let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut keys = BTreeSet::new();
    for entry in std::fs::read_dir(&ui).unwrap() {
        let path = entry.unwrap().path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if !["js", "html"].contains(&ext) || path.ends_with("i18n.js") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for opener in [
            "t('",
            "tn('",
            "render('",
            "data-i18n=\"",
            "data-i18n-aria=\"",
        ] {
            for (at, _) in text.match_indices(opener) {
                // `t(` must be a call of its own, not the end of another name (`split(`).
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let rest = &text[at + opener.len()..];
                let key: String = rest
                    .chars()
                    .take_while(|c| !matches!(c, '\'' | '"'))
                    .collect();
                // Keys built at run time (`secret.${kind}`) are the core's codes, checked above.
                if !key.contains("${") {
                    keys.insert(key);
                }
            }
        }
    }
    keys
}

#[test]
fn every_key_the_window_names_has_words() {
    let (en, _) = catalogue();
    let named = keys_the_window_names();
    assert!(named.len() > 100, "{} keys found", named.len());
    let missing: BTreeSet<_> = named.iter().filter(|k| !en.contains_key(*k)).collect();
    assert_eq!(missing, BTreeSet::new(), "keys without words");
}

/// A count followed by a plural noun ("{n} copies", "{seconds} segundos") needs a singular form
/// too: "1 copies" and "1 segundos" were shown before. A range ("{min}–{max} copies") is plural
/// whatever its ends.
#[test]
fn every_count_before_a_plural_noun_has_a_singular_form() {
    let (en, es) = catalogue();
    let nouns = [
        "copies",
        "copias",
        "seconds",
        "segundos",
        "requests",
        "solicitudes",
        "models",
        "modelos",
    ];
    let mut wrong = BTreeSet::new();
    for (lang, texts) in [("en", &en), ("es", &es)] {
        for (key, templates) in texts {
            if templates.len() > 1 {
                continue;
            }
            let text = &templates[0];
            for noun in nouns {
                let mut rest = text.as_str();
                while let Some(at) = rest.find(&format!("}} {noun}")) {
                    let before = &rest[..at];
                    let open = before.rfind('{').unwrap_or(0);
                    let ranged = before[..open].ends_with('–');
                    if !ranged {
                        wrong.insert(format!("{lang} {key}: {text}"));
                    }
                    rest = &rest[at + 1..];
                }
            }
        }
    }
    assert_eq!(wrong, BTreeSet::new(), "counts without a singular form");
}
