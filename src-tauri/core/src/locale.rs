//! The languages Purser speaks, and how the user's choice meets the OS locale. One floor
//! below settings, cost and chart, which all need it.

use serde::{Deserialize, Serialize};

/// The user's language choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LanguagePreference {
    /// Follow the operating system's language (English when it is neither English nor Spanish).
    #[default]
    System,
    En,
    Es,
}

/// A language the interface is translated into.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Es,
}

impl Language {
    /// The BCP 47 tag: `en`, `es`.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }
}

impl LanguagePreference {
    /// The language to show, given the OS locale (a BCP 47 tag such as `es-MX`, or a POSIX one
    /// such as `es_ES.UTF-8`). Anything that is not Spanish falls back to English.
    pub fn resolve(self, os_locale: Option<&str>) -> Language {
        match self {
            Self::En => Language::En,
            Self::Es => Language::Es,
            Self::System => {
                let primary = os_locale
                    .and_then(|tag| tag.split(['-', '_', '.', '@']).next())
                    .map(str::to_ascii_lowercase);
                match primary.as_deref() {
                    Some("es") => Language::Es,
                    _ => Language::En,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_language_follows_the_os_locale() {
        let system = LanguagePreference::System;
        assert_eq!(system.resolve(Some("es-MX")), Language::Es);
        assert_eq!(system.resolve(Some("es_ES.UTF-8")), Language::Es);
        assert_eq!(system.resolve(Some("ES")), Language::Es);
        assert_eq!(system.resolve(Some("en-GB")), Language::En);
        assert_eq!(system.resolve(Some("de-DE")), Language::En);
        assert_eq!(system.resolve(None), Language::En);
        assert_eq!(LanguagePreference::Es.resolve(Some("en-US")), Language::Es);
        assert_eq!(LanguagePreference::En.resolve(Some("es-ES")), Language::En);
    }
}
