//! The words of what the desktop shows outside its window — the menu bar, the tray and
//! desktop notifications — taken from the same files the window reads (`ui/locales/*.json`),
//! built into the executable, and rendered by the same rules (`ui/locales/values.json`):
//! placeholders filled, a plural form picked by its count, money and moments written as the
//! language writes them. Here, in the core, so the rendering is tested without a window; the
//! app crate only hands the results to the menu, the tray and the notification plugin.

mod values;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::error::AppError;
use crate::locale::Language;
use serde::Deserialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

pub use values::{money, read_local_offset};

const ENGLISH: &str = include_str!("../../../../ui/locales/en.json");
const SPANISH: &str = include_str!("../../../../ui/locales/es.json");
const VALUES: &str = include_str!("../../../../ui/locales/values.json");

/// One language's texts: a text, or one per plural form (`one`, `other`).
type Texts = HashMap<String, Value>;

/// How values inside texts are written (see `ui/locales/values.json`).
#[derive(Debug, Default, Deserialize)]
struct Rules {
    /// Values that are words themselves, looked up under a prefix.
    words: HashMap<String, String>,
    /// The values that pick a plural form, first found first.
    counts: Vec<String>,
    money: Vec<String>,
    /// Money shown to the cent when it has cents.
    exact: Vec<String>,
    times: Vec<String>,
}

/// Built in and tested (`the_built_in_files_are_read`): a file that cannot be read
/// only happens to a broken build, whose texts then read as their keys.
fn parse<T: serde::de::DeserializeOwned + Default>(json: &str, what: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|error| {
        tracing::error!(%error, what, "the built-in words cannot be read");
        T::default()
    })
}

fn texts(language: Language) -> &'static Texts {
    static EN: OnceLock<Texts> = OnceLock::new();
    static ES: OnceLock<Texts> = OnceLock::new();
    match language {
        Language::En => EN.get_or_init(|| parse(ENGLISH, "en.json")),
        Language::Es => ES.get_or_init(|| parse(SPANISH, "es.json")),
    }
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| parse(VALUES, "values.json"))
}

fn entry(language: Language, key: &str) -> Option<&'static Value> {
    texts(language)
        .get(key)
        .or_else(|| texts(Language::En).get(key))
}

/// A plural entry's form for `count` (English and Spanish: `one` for 1, else `other`).
fn form(entry: &Value, count: Option<f64>) -> Option<&str> {
    match entry {
        Value::String(text) => Some(text),
        Value::Object(forms) => {
            let name = if count == Some(1.0) { "one" } else { "other" };
            forms
                .get(name)
                .or_else(|| forms.get("other"))
                .and_then(Value::as_str)
        }
        _ => None,
    }
}

/// Whether `language` has its own text for `key` (no English fallback).
pub fn has(language: Language, key: &str) -> bool {
    texts(language).contains_key(key)
}

/// The text for `key` in `language` (no values); English, then the key itself, when it has
/// none.
pub fn word(language: Language, key: &str) -> String {
    entry(language, key)
        .and_then(|entry| form(entry, None))
        .map_or_else(|| key.to_string(), str::to_string)
}

/// The text for `key` in `language` with `params` written in: `None` when there is no such key.
pub fn render(
    language: Language,
    key: &str,
    params: &Map<String, Value>,
    now: OffsetDateTime,
) -> Option<String> {
    let rules = rules();
    let count = rules
        .counts
        .iter()
        .find_map(|name| params.get(name).and_then(Value::as_f64));
    let template = form(entry(language, key)?, count)?;
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_alphanumeric()) => {
                let name = &after[..end];
                out.push_str(&value(language, name, params.get(name), params, now));
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

/// One value as the window writes it (`word` in `ui/i18n.js`).
fn value(
    language: Language,
    name: &str,
    value: Option<&Value>,
    params: &Map<String, Value>,
    now: OffsetDateTime,
) -> String {
    let rules = rules();
    let named = |list: &[String]| list.iter().any(|n| n == name);
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) if named(&rules.times) => values::moment(language, text, now),
        Some(Value::Number(number)) if named(&rules.money) => {
            let amount = number.as_f64().unwrap_or_default();
            let currency = params
                .get("currency")
                .and_then(Value::as_str)
                .unwrap_or("USD");
            let cents = named(&rules.exact) && amount.fract() != 0.0;
            values::money(language, amount, currency, cents)
        }
        Some(other) => {
            let text = match other {
                Value::String(text) => text.clone(),
                // A whole number read as a float is written as the window writes it: "62".
                Value::Number(n) if n.is_f64() && n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                    format!("{}", n.as_f64().unwrap_or_default() as i64)
                }
                other => other.to_string(),
            };
            match rules.words.get(name) {
                Some(prefix) if entry(Language::En, &format!("{prefix}{text}")).is_some() => {
                    word(language, &format!("{prefix}{text}"))
                }
                _ => text,
            }
        }
    }
}

/// One sentence: the key of its words (`ui/locales/*.json`) and the values written into it;
/// `items`, when any, are rendered the same way and listed after it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Phrase {
    pub key: &'static str,
    pub params: Map<String, Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Phrase>,
}

impl Phrase {
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            params: Map::new(),
            items: Vec::new(),
        }
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.params.insert(name.to_string(), value.into());
        self
    }
}

/// A [`Phrase`] as a sentence: its words, then its items after a colon, and a full stop
/// (`renderPhrase` in `ui/i18n.js` writes it alike). The key itself when it has no words.
pub fn sentence(language: Language, phrase: &Phrase, now: OffsetDateTime) -> String {
    let said =
        |p: &Phrase| render(language, p.key, &p.params, now).unwrap_or_else(|| p.key.to_string());
    let items: Vec<String> = phrase.items.iter().map(said).collect();
    if items.is_empty() {
        format!("{}.", said(phrase))
    } else {
        format!("{}: {}.", said(phrase), items.join(", "))
    }
}

/// A notice as a desktop notification shows it: what happened, and what to do.
pub fn notice(language: Language, notice: &AppError, now: OffsetDateTime) -> (String, String) {
    let title = render(
        language,
        &format!("error.{}", notice.code),
        &notice.params,
        now,
    )
    .unwrap_or_else(|| notice.message.clone());
    let body = (!notice.hint_code.is_empty())
        .then(|| {
            render(
                language,
                &format!("hint.{}", notice.hint_code),
                &notice.params,
                now,
            )
        })
        .flatten()
        .unwrap_or_default();
    (title, body)
}

#[cfg(test)]
mod tests;
