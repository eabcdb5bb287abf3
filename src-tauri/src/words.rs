//! The words of what Rust shows itself — the menu bar and the tray — taken from the same files
//! the window reads (`ui/locales/*.json`), built into the executable. The window no longer
//! sends them; when the language changes, Rust relabels both.

use std::collections::HashMap;
use std::sync::OnceLock;

use purser_core::locale::Language;
use serde_json::Value;

const ENGLISH: &str = include_str!("../../ui/locales/en.json");
const SPANISH: &str = include_str!("../../ui/locales/es.json");

/// One language's plain texts (a text with plural forms is left out: menus have none).
type Texts = HashMap<String, String>;

fn parse(json: &str) -> Texts {
    let all: HashMap<String, Value> = match serde_json::from_str(json) {
        Ok(all) => all,
        Err(error) => {
            // Built in and tested: cannot happen in a release, and keys then read as keys.
            tracing::error!(%error, "the built-in words cannot be read");
            HashMap::new()
        }
    };
    all.into_iter()
        .filter_map(|(key, value)| match value {
            Value::String(text) => Some((key, text)),
            _ => None,
        })
        .collect()
}

fn texts(language: Language) -> &'static Texts {
    static EN: OnceLock<Texts> = OnceLock::new();
    static ES: OnceLock<Texts> = OnceLock::new();
    match language {
        Language::En => EN.get_or_init(|| parse(ENGLISH)),
        Language::Es => ES.get_or_init(|| parse(SPANISH)),
    }
}

/// The text for `key` in `language`; English, then the key itself, when it has none.
pub fn word(language: Language, key: &str) -> String {
    texts(language)
        .get(key)
        .or_else(|| texts(Language::En).get(key))
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_shell_word() {
        let keys = crate::app_menu::KEYS
            .iter()
            .map(|(_, key)| *key)
            .chain(crate::guard_runtime::TRAY_KEYS);
        for key in keys {
            for language in [Language::En, Language::Es] {
                assert!(
                    texts(language).contains_key(key),
                    "{key} has no {language:?} text in ui/locales"
                );
            }
        }
        assert_eq!(
            word(Language::Es, "tray.quit"),
            texts(Language::Es)["tray.quit"]
        );
        assert_ne!(
            word(Language::Es, "tray.quit"),
            word(Language::En, "tray.quit")
        );
        assert_eq!(word(Language::Es, "no.such.key"), "no.such.key");
    }
}
