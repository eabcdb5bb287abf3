//! Non-secret preferences, kept as versioned JSON in the app config dir.
//!
//! The file is written atomically (temp file in the same folder, then rename), read tolerantly
//! (unknown fields are kept and written back, unknown values fall back to defaults), and a file
//! that cannot be parsed is renamed aside as `*.bak` and reported — never silently overwritten.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::cost::{parse_amount, valid_amount, NumberStyle};

/// Format version written by this build. Older files are read and upgraded on the next save.
pub const SETTINGS_VERSION: u32 = 1;

/// Name of the settings file inside the app config dir.
pub const SETTINGS_FILE: &str = "settings.json";

/// Everything Purser remembers that is not a secret. Secrets live only in the OS keychain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Format version of the file this was read from (or [`SETTINGS_VERSION`] for new settings).
    pub version: u32,
    /// Interface language: follow the OS, or a fixed choice.
    #[serde(deserialize_with = "or_default")]
    pub language: LanguagePreference,
    /// Colour theme: follow the OS, or a fixed light or dark theme.
    #[serde(deserialize_with = "or_default")]
    pub theme: ThemePreference,
    /// Address of the OpenAI API (or an OpenAI-compatible gateway), e.g. `https://api.openai.com/v1`.
    #[serde(deserialize_with = "or_default")]
    pub openai_base_url: OpenAiBaseUrl,
    /// Where AWS credentials come from: keys in the keychain, or an AWS profile.
    #[serde(deserialize_with = "or_default")]
    pub aws_source: AwsSource,
    /// The AWS profile to use when `aws_source` is `profile`.
    #[serde(deserialize_with = "or_default")]
    pub aws_profile: Option<String>,
    /// AWS region for API calls; `None` = the profile's region, else us-east-1.
    #[serde(deserialize_with = "or_default")]
    pub aws_region: Option<String>,
    /// Monthly budget in the currency Cost Explorer reports; `None` until the user sets one.
    #[serde(deserialize_with = "or_default")]
    pub budget_amount: Option<f64>,
    /// Alert thresholds in percent of the budget (ascending, 1..=200).
    #[serde(deserialize_with = "or_default")]
    pub budget_thresholds: Thresholds,
    /// Which cost metric the chart shows.
    #[serde(deserialize_with = "or_default")]
    pub cost_metric: crate::cost::Metric,
    /// Closed months shown before the current one (1..=13).
    #[serde(deserialize_with = "or_default")]
    pub cost_months: CostMonths,
    /// Only costs with this cost-allocation tag, as `key=value`.
    #[serde(deserialize_with = "or_default")]
    pub cost_tag: Option<String>,
    /// Only this linked account (12 digits).
    #[serde(deserialize_with = "or_default")]
    pub cost_linked_account: Option<String>,
    /// The Kubernetes context chosen on the Deployment screen.
    #[serde(default, deserialize_with = "or_default")]
    pub kube_context: Option<String>,
    /// The namespace chosen in that context.
    #[serde(default, deserialize_with = "or_default")]
    pub kube_namespace: Option<String>,
    /// Fields written by a newer Purser; kept so that saving here does not erase them.
    #[serde(flatten)]
    pub unknown: Map<String, Value>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            version: SETTINGS_VERSION,
            language: LanguagePreference::default(),
            theme: ThemePreference::default(),
            openai_base_url: OpenAiBaseUrl::default(),
            aws_source: AwsSource::default(),
            aws_profile: None,
            aws_region: None,
            budget_amount: None,
            budget_thresholds: Thresholds::default(),
            cost_metric: crate::cost::Metric::default(),
            cost_months: CostMonths::default(),
            cost_tag: None,
            cost_linked_account: None,
            kube_context: None,
            kube_namespace: None,
            unknown: Map::new(),
        }
    }
}

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Es,
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

/// The user's theme choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemePreference {
    /// Follow the operating system's light or dark appearance.
    #[default]
    System,
    Light,
    Dark,
}

/// The OpenAI API address; defaults to the public API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OpenAiBaseUrl(pub String);

impl Default for OpenAiBaseUrl {
    fn default() -> Self {
        Self(crate::secrets::DEFAULT_OPENAI_BASE_URL.to_string())
    }
}

/// Budget alert thresholds in percent; 80 % and 100 % until changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Thresholds(pub Vec<u16>);

impl Default for Thresholds {
    fn default() -> Self {
        Self(crate::cost::DEFAULT_THRESHOLDS.to_vec())
    }
}

/// How many closed months the cost view shows; 12 until changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CostMonths(pub u8);

impl Default for CostMonths {
    fn default() -> Self {
        Self(12)
    }
}

/// Where AWS credentials come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AwsSource {
    /// Access keys stored in the OS keychain through Purser.
    #[default]
    Keys,
    /// A profile from the user's own AWS config (`~/.aws/config`), SSO included.
    Profile,
}

/// Why settings could not be changed or saved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("Could not save settings to {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    /// The rejected value is deliberately not part of the message: a user may paste a key into
    /// the wrong box, and messages are shown and logged.
    #[error("That is not a valid value for the setting \"{field}\"")]
    InvalidValue {
        field: String,
        allowed: &'static str,
    },
    #[error("{what} {why}")]
    Refused {
        field: &'static str,
        what: &'static str,
        why: String,
    },
    #[error("There is no setting called \"{0}\"")]
    UnknownField(String),
    #[error("Settings changes must be a set of name/value pairs")]
    NotAnObject,
    #[error("Settings are not saved while {path} cannot be read")]
    SaveBlocked { path: PathBuf },
}

/// Something the user should know about how the settings were loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadNotice {
    /// The file could not be parsed; it was renamed to `backup` and defaults are in use.
    CorruptSetAside { backup: PathBuf, reason: String },
    /// The file exists but could not be read (permissions, I/O); defaults are in use and the
    /// file is left untouched.
    Unreadable { path: PathBuf, reason: String },
}

/// The outcome of reading the settings file at start-up.
#[derive(Debug)]
pub struct Loaded {
    pub settings: Settings,
    pub notice: Option<LoadNotice>,
}

/// Reads `dir/settings.json`. A missing file gives defaults; a corrupt one is set aside.
pub fn load(dir: &Path) -> Loaded {
    let path = dir.join(SETTINGS_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Loaded {
                settings: Settings::default(),
                notice: None,
            };
        }
        Err(error) => {
            return Loaded {
                settings: Settings::default(),
                notice: Some(LoadNotice::Unreadable {
                    path,
                    reason: error.to_string(),
                }),
            };
        }
    };
    match parse(&bytes) {
        Ok(settings) => Loaded {
            settings,
            notice: None,
        },
        Err(reason) => {
            let notice = match set_aside(&path) {
                Ok(backup) => LoadNotice::CorruptSetAside { backup, reason },
                // Could not rename it: leave it in place rather than overwrite it later.
                Err(error) => LoadNotice::Unreadable {
                    path,
                    reason: format!("{reason}; it could not be set aside either: {error}"),
                },
            };
            Loaded {
                settings: Settings::default(),
                notice: Some(notice),
            }
        }
    }
}

/// The fields [`apply_patch`] knows; every one is checked on load as it is on change.
const FIELDS: [&str; 14] = [
    "language",
    "theme",
    "openai_base_url",
    "aws_source",
    "aws_profile",
    "aws_region",
    "budget_amount",
    "budget_thresholds",
    "cost_metric",
    "cost_months",
    "cost_tag",
    "cost_linked_account",
    "kube_context",
    "kube_namespace",
];

/// Parses the file's bytes. Only a file that is not a JSON object is rejected. Every value is
/// held to the rules a value typed in the window is (a file edited by hand, or written by a
/// broken build, may say `"cost_months": 255`); one that breaks them falls back to its default.
fn parse(bytes: &[u8]) -> Result<Settings, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let Some(object) = value.as_object() else {
        return Err("the file does not hold a settings object".into());
    };
    let read: Settings = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    let mut settings = Settings {
        version: if read.version == 0 {
            SETTINGS_VERSION
        } else {
            read.version
        },
        unknown: read.unknown,
        ..Settings::default()
    };
    for (field, value) in object.iter().filter(|(f, _)| FIELDS.contains(&f.as_str())) {
        let patch = Value::Object(Map::from_iter([(field.clone(), value.clone())]));
        match apply_patch(&settings, &patch, NumberStyle::ENGLISH) {
            Ok(next) => settings = next,
            // The field's name only: its value may be something pasted into the wrong box.
            Err(_) => tracing::warn!(
                field,
                "a stored setting breaks the rules; its default is used"
            ),
        }
    }
    Ok(settings)
}

/// Renames a corrupt file to a `.bak` name that does not overwrite an earlier backup.
fn set_aside(path: &Path) -> io::Result<PathBuf> {
    let mut backup = path.with_extension("json.bak");
    if backup.exists() {
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        backup = path.with_extension(format!("json.{stamp}.bak"));
    }
    fs::rename(path, &backup)?;
    Ok(backup)
}

/// Writes `dir/settings.json` atomically: a reader sees the old file or the new one, never half.
pub fn save(dir: &Path, settings: &Settings) -> Result<(), SettingsError> {
    let path = dir.join(SETTINGS_FILE);
    let write_error = |source| SettingsError::Write {
        path: path.clone(),
        source,
    };
    let mut to_write = settings.clone();
    // A file from an older Purser is upgraded; one from a newer Purser keeps its number.
    to_write.version = to_write.version.max(SETTINGS_VERSION);
    let mut json = serde_json::to_vec_pretty(&to_write)
        .map_err(|e| write_error(io::Error::new(io::ErrorKind::InvalidData, e)))?;
    json.push(b'\n');
    crate::files::write_atomic(&path, &json).map_err(write_error)
}

/// Applies a change sent by the UI (`{"language": "es"}`) to `current`, validating every field;
/// amounts typed as text are read as `style` writes them. Nothing is changed unless every
/// field is valid.
pub fn apply_patch(
    current: &Settings,
    patch: &Value,
    style: NumberStyle,
) -> Result<Settings, SettingsError> {
    let fields = patch.as_object().ok_or(SettingsError::NotAnObject)?;
    let mut next = current.clone();
    for (field, value) in fields {
        match field.as_str() {
            "language" => next.language = parse_choice(field, value, "system, en, es")?,
            "theme" => next.theme = parse_choice(field, value, "system, light, dark")?,
            "openai_base_url" => {
                let text = value.as_str().unwrap_or_default();
                let url = crate::secrets::normalise_base_url(text).map_err(|_| {
                    SettingsError::InvalidValue {
                        field: field.clone(),
                        allowed: "a web address starting with https://, e.g. https://api.openai.com/v1 (http:// only for a gateway on this computer)",
                    }
                })?;
                next.openai_base_url = OpenAiBaseUrl(url);
            }
            "aws_source" => next.aws_source = parse_choice(field, value, "keys, profile")?,
            "aws_profile" => {
                next.aws_profile = parse_name(field, value, is_profile_name, PROFILE_RULE)?
            }
            "aws_region" => next.aws_region = parse_name(field, value, is_region, REGION_RULE)?,
            "budget_amount" => {
                let refused = |why| SettingsError::Refused {
                    field: "budget_amount",
                    what: "The monthly budget",
                    why,
                };
                next.budget_amount = match value {
                    Value::Null => None,
                    Value::String(text) => Some(parse_amount(text, style).map_err(refused)?),
                    // Numbers come from the settings file (the UI sends text).
                    Value::Number(number) => Some(
                        number
                            .as_f64()
                            .ok_or_else(|| refused("is not a number".into()))
                            .and_then(|n| valid_amount(n).map_err(refused))?,
                    ),
                    _ => return Err(refused("must be a number, e.g. 1500".into())),
                }
            }
            "budget_thresholds" => {
                let text = match value {
                    Value::String(text) => text.clone(),
                    Value::Array(items) => items
                        .iter()
                        .map(|item| item.to_string().trim_matches('"').to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                    other => other.to_string(),
                };
                next.budget_thresholds =
                    Thresholds(crate::cost::parse_thresholds(&text).map_err(|why| {
                        SettingsError::Refused {
                            field: "budget_thresholds",
                            what: "The alert thresholds",
                            why,
                        }
                    })?);
            }
            "cost_metric" => {
                next.cost_metric = parse_choice(
                    field,
                    value,
                    "UnblendedCost, AmortizedCost, NetUnblendedCost",
                )?
            }
            "cost_months" => {
                let months = value
                    .as_u64()
                    .or_else(|| value.as_str().and_then(|t| t.trim().parse().ok()))
                    .filter(|m| (1..=u64::from(crate::cost::MAX_MONTHS)).contains(m));
                next.cost_months = CostMonths(months.ok_or_else(|| SettingsError::InvalidValue {
                    field: field.clone(),
                    allowed: "a whole number of months from 1 to 13 (Cost Explorer keeps 13)",
                })? as u8);
            }
            "cost_tag" => next.cost_tag = parse_name(field, value, is_tag_filter, TAG_RULE)?,
            "cost_linked_account" => {
                next.cost_linked_account = parse_name(field, value, is_account_id, ACCOUNT_RULE)?
            }
            "kube_context" => {
                next.kube_context = parse_name(field, value, is_context_name, CONTEXT_RULE)?
            }
            "kube_namespace" => {
                next.kube_namespace = parse_name(field, value, is_namespace, NAMESPACE_RULE)?
            }
            other => return Err(SettingsError::UnknownField(other.to_string())),
        }
    }
    Ok(next)
}

fn parse_choice<T: DeserializeOwned>(
    field: &str,
    value: &Value,
    allowed: &'static str,
) -> Result<T, SettingsError> {
    T::deserialize(value).map_err(|_| SettingsError::InvalidValue {
        field: field.to_string(),
        allowed,
    })
}

const CONTEXT_RULE: &str = "the name of a context from your kubeconfig (at most 253 characters)";
const NAMESPACE_RULE: &str =
    "a Kubernetes namespace: lowercase letters, digits and '-', at most 63 characters";

fn is_context_name(name: &str) -> bool {
    name.len() <= 253 && !name.chars().any(char::is_control)
}

fn is_namespace(name: &str) -> bool {
    name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

const TAG_RULE: &str = "a tag filter written key=value, e.g. app=openai-app, or empty";
const ACCOUNT_RULE: &str = "a 12-digit AWS account ID, or empty";

fn is_tag_filter(text: &str) -> bool {
    match text.split_once('=') {
        Some((key, value)) => {
            let key = key.trim();
            !key.is_empty()
                && key.len() <= 128
                && value.trim().len() <= 256
                && !text.chars().any(char::is_control)
        }
        None => false,
    }
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

const PROFILE_RULE: &str =
    "a profile name from your AWS config (letters, digits, - _ . @ +), or empty";
const REGION_RULE: &str = "an AWS region such as us-east-1 or eu-west-2, or empty for the default";

/// An optional name: empty or null clears it; otherwise `valid` must accept it.
fn parse_name(
    field: &str,
    value: &Value,
    valid: fn(&str) -> bool,
    allowed: &'static str,
) -> Result<Option<String>, SettingsError> {
    let invalid = || SettingsError::InvalidValue {
        field: field.to_string(),
        allowed,
    };
    match value {
        Value::Null => Ok(None),
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) if valid(text.trim()) => Ok(Some(text.trim().to_string())),
        _ => Err(invalid()),
    }
}

fn is_profile_name(name: &str) -> bool {
    name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@+".contains(c))
}

fn is_region(name: &str) -> bool {
    // e.g. us-east-1, eu-central-2, us-gov-west-1, ap-southeast-4
    let parts: Vec<&str> = name.split('-').collect();
    name.len() <= 32
        && parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// Reads a field, falling back to its default when the stored value is not understood
/// (for example a language added by a newer Purser).
fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let value = Value::deserialize(deserializer)?;
    Ok(T::deserialize(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EN: NumberStyle = NumberStyle::ENGLISH;

    fn temp_dir() -> tempfile::TempDir {
        tempfile::tempdir().expect("temp dir")
    }

    #[test]
    fn missing_file_gives_defaults_without_notice() {
        let dir = temp_dir();
        let loaded = load(dir.path());
        assert_eq!(loaded.settings, Settings::default());
        assert_eq!(loaded.notice, None);
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = temp_dir();
        let settings = Settings {
            language: LanguagePreference::Es,
            theme: ThemePreference::Dark,
            ..Settings::default()
        };
        save(dir.path(), &settings).expect("save");
        let loaded = load(dir.path());
        assert_eq!(loaded.settings, settings);
        assert_eq!(loaded.notice, None);
        // Only the settings file is left: the temp file was renamed over it.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(SETTINGS_FILE)]);
    }

    #[test]
    fn corrupt_file_is_set_aside_and_reported() {
        let dir = temp_dir();
        let path = dir.path().join(SETTINGS_FILE);
        fs::write(&path, b"{ this is not json").unwrap();
        let loaded = load(dir.path());
        assert_eq!(loaded.settings, Settings::default());
        let Some(LoadNotice::CorruptSetAside { backup, reason }) = loaded.notice else {
            panic!("expected a corrupt-file notice, got {:?}", loaded.notice);
        };
        assert!(
            !path.exists(),
            "the corrupt file must be moved, not left in place"
        );
        assert_eq!(fs::read(&backup).unwrap(), b"{ this is not json");
        assert!(backup.to_string_lossy().ends_with(".bak"));
        assert!(!reason.is_empty());
    }

    #[test]
    fn a_second_corrupt_file_does_not_overwrite_the_first_backup() {
        let dir = temp_dir();
        let path = dir.path().join(SETTINGS_FILE);
        fs::write(&path, b"first").unwrap();
        let first = load(dir.path());
        fs::write(&path, b"second").unwrap();
        let second = load(dir.path());
        let backup_of = |loaded: Loaded| match loaded.notice {
            Some(LoadNotice::CorruptSetAside { backup, .. }) => backup,
            other => panic!("unexpected notice {other:?}"),
        };
        let (a, b) = (backup_of(first), backup_of(second));
        assert_ne!(a, b);
        assert_eq!(fs::read(a).unwrap(), b"first");
        assert_eq!(fs::read(b).unwrap(), b"second");
    }

    #[test]
    fn non_object_json_is_corrupt() {
        let dir = temp_dir();
        fs::write(dir.path().join(SETTINGS_FILE), b"[1, 2]").unwrap();
        assert!(matches!(
            load(dir.path()).notice,
            Some(LoadNotice::CorruptSetAside { .. })
        ));
    }

    #[test]
    fn unknown_fields_and_values_are_tolerated_and_kept() {
        let dir = temp_dir();
        let newer = json!({
            "version": 7,
            "language": "fr",
            "theme": "dark",
            "budget": {"amount": 100}
        });
        fs::write(dir.path().join(SETTINGS_FILE), newer.to_string()).unwrap();
        let loaded = load(dir.path());
        assert_eq!(loaded.notice, None);
        assert_eq!(loaded.settings.language, LanguagePreference::System);
        assert_eq!(loaded.settings.theme, ThemePreference::Dark);
        save(dir.path(), &loaded.settings).unwrap();
        let written: Value =
            serde_json::from_slice(&fs::read(dir.path().join(SETTINGS_FILE)).unwrap()).unwrap();
        assert_eq!(written["budget"], json!({"amount": 100}));
        assert_eq!(written["version"], json!(7));
    }

    #[test]
    fn an_older_file_is_upgraded_on_save() {
        let dir = temp_dir();
        fs::write(dir.path().join(SETTINGS_FILE), br#"{"language":"es"}"#).unwrap();
        let loaded = load(dir.path());
        assert_eq!(loaded.settings.language, LanguagePreference::Es);
        save(dir.path(), &loaded.settings).unwrap();
        let written: Value =
            serde_json::from_slice(&fs::read(dir.path().join(SETTINGS_FILE)).unwrap()).unwrap();
        assert_eq!(written["version"], json!(SETTINGS_VERSION));
    }

    #[test]
    fn save_creates_the_folder() {
        let dir = temp_dir();
        let nested = dir.path().join("a/b");
        save(&nested, &Settings::default()).unwrap();
        assert!(nested.join(SETTINGS_FILE).exists());
    }

    #[test]
    fn patch_changes_only_named_fields() {
        let next = apply_patch(&Settings::default(), &json!({"language": "es"}), EN).unwrap();
        assert_eq!(next.language, LanguagePreference::Es);
        assert_eq!(next.theme, ThemePreference::System);
    }

    #[test]
    fn bad_patches_are_refused_naming_the_problem() {
        let current = Settings::default();
        let cases = [
            (json!({"language": "fr"}), "language"),
            (json!({"language": 3}), "language"),
            (json!({"theme": null}), "theme"),
            (json!({"theme": "x".repeat(10_000)}), "theme"),
            (json!({"colour": "red"}), "colour"),
            (json!("es"), "name/value"),
            (json!({"language": "es", "theme": "neon"}), "theme"),
            (
                json!({"openai_base_url": "api.openai.com"}),
                "openai_base_url",
            ),
            (json!({"openai_base_url": 42}), "openai_base_url"),
            (
                json!({"openai_base_url": "http://gateway.example.com/v1"}),
                "openai_base_url",
            ),
            (json!({"aws_source": "env"}), "aws_source"),
            (json!({"aws_profile": "my profile"}), "aws_profile"),
            (json!({"aws_region": "Mars-1"}), "aws_region"),
            (json!({"aws_region": "us-east"}), "aws_region"),
            (json!({"budget_amount": "-100"}), "more than zero"),
            (json!({"budget_amount": 0}), "more than zero"),
            (json!({"budget_amount": "NaN"}), "can read"),
            (json!({"budget_amount": "lots"}), "can read"),
            (json!({"budget_amount": "0.004"}), "two decimals"),
            (json!({"budget_amount": "9999999999"}), "larger than"),
            (json!({"budget_amount": "1e12"}), "can read"),
            (json!({"budget_amount": true}), "must be a number"),
            (json!({"budget_thresholds": "80, 250"}), "1–200"),
            (json!({"budget_thresholds": [80, "x"]}), "whole percentages"),
            (json!({"cost_months": 14}), "cost_months"),
            (json!({"cost_months": 0}), "cost_months"),
            (json!({"cost_tag": "no-equals-sign"}), "cost_tag"),
            (
                json!({"cost_linked_account": "12345"}),
                "cost_linked_account",
            ),
            (json!({"cost_metric": "BlendedCostX"}), "cost_metric"),
        ];
        for (patch, named) in cases {
            let error = apply_patch(&current, &patch, EN).expect_err("must be refused");
            let message = error.to_string();
            assert!(message.contains(named), "{message:?} should name {named:?}");
            assert!(message.chars().count() < 200, "message too long: {message}");
        }
    }

    #[test]
    fn a_key_pasted_into_the_wrong_box_is_not_echoed() {
        let canary = "canary key pasted in the wrong box";
        for field in [
            "openai_base_url",
            "aws_profile",
            "aws_region",
            "cost_linked_account",
            "budget_amount",
            "budget_thresholds",
            "theme",
        ] {
            let error =
                apply_patch(&Settings::default(), &json!({ field: canary }), EN).unwrap_err();
            assert!(!error.to_string().contains("canary"), "{field}: {error}");
        }
    }

    #[test]
    fn aws_and_openai_fields_are_validated_and_normalised() {
        let next = apply_patch(
            &Settings::default(),
            &json!({
                "openai_base_url": "http://127.0.0.1:9/v1/",
                "aws_source": "profile",
                "aws_profile": " work-sso ",
                "aws_region": "eu-west-2"
            }),
            EN,
        )
        .unwrap();
        assert_eq!(next.openai_base_url.0, "http://127.0.0.1:9/v1");
        assert_eq!(next.aws_source, AwsSource::Profile);
        assert_eq!(next.aws_profile.as_deref(), Some("work-sso"));
        assert_eq!(next.aws_region.as_deref(), Some("eu-west-2"));
        let cleared =
            apply_patch(&next, &json!({"aws_region": "", "aws_profile": null}), EN).unwrap();
        assert_eq!(cleared.aws_region, None);
        assert_eq!(cleared.aws_profile, None);
        assert!(is_region("us-gov-west-1"));
    }

    #[test]
    fn values_read_from_disk_are_held_to_the_rules_of_the_window() {
        let dir = temp_dir();
        let stored = json!({
            "version": 1, "language": "es", "theme": "dark",
            "cost_months": 255, "budget_amount": 0, "budget_thresholds": [80, 900],
            "aws_region": "Mars", "kube_namespace": "Not A Namespace", "cost_tag": "app=chat"
        });
        fs::write(dir.path().join(SETTINGS_FILE), stored.to_string()).unwrap();
        let loaded = load(dir.path());
        assert_eq!(loaded.notice, None);
        let s = loaded.settings;
        assert_eq!(
            (s.language, s.theme),
            (LanguagePreference::Es, ThemePreference::Dark)
        );
        assert_eq!(s.cost_months, CostMonths::default());
        assert_eq!(
            s.budget_amount, None,
            "a zero budget would make NaN percentages"
        );
        assert_eq!(s.budget_thresholds, Thresholds::default());
        assert_eq!((s.aws_region, s.kube_namespace), (None, None));
        assert_eq!(s.cost_tag.as_deref(), Some("app=chat"));
        for months in [0, 14] {
            fs::write(
                dir.path().join(SETTINGS_FILE),
                json!({ "cost_months": months }).to_string(),
            )
            .unwrap();
            assert_eq!(load(dir.path()).settings.cost_months, CostMonths(12));
        }
    }

    #[test]
    fn a_spanish_budget_is_read_the_spanish_way() {
        let es = NumberStyle::SPANISH;
        for (typed, amount) in [("1.500,50", 1500.5), ("1500,50", 1500.5)] {
            let next =
                apply_patch(&Settings::default(), &json!({ "budget_amount": typed }), es).unwrap();
            assert_eq!(next.budget_amount, Some(amount), "{typed}");
        }
        let english = apply_patch(
            &Settings::default(),
            &json!({"budget_amount": "1.500,50"}),
            EN,
        );
        assert!(english.is_err(), "1.500,50 is not an English amount");
    }

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
