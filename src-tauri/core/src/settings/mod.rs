//! Non-secret preferences, kept as versioned JSON in the app config dir.
//!
//! The file is written atomically (temp file in the same folder, then rename), read tolerantly
//! (unknown fields are kept and written back, a value that breaks the rules falls back to its
//! default), and a file that cannot be parsed is renamed aside as `*.bak` and reported — never
//! silently overwritten. The same field names (camelCase) are used on disk and by the window;
//! files written before version 2 used snake_case and are read as well.

mod patch;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::amount::{AmountProblem, ThresholdProblem, DEFAULT_THRESHOLDS};
use crate::error::AppError;
use crate::locale::LanguagePreference;

pub(crate) use patch::is_tag_filter;
pub use patch::{apply_patch, setting_names, SettingsPatch};

/// Format version written by this build. Older files are read and upgraded on the next save.
/// 2: field names in camelCase.
pub const SETTINGS_VERSION: u32 = 2;

/// Name of the settings file inside the app config dir.
pub const SETTINGS_FILE: &str = "settings.json";

/// The highest monthly cap on Cost Explorer requests the window accepts ($100).
pub const MAX_REQUEST_CAP: u32 = 10_000;

/// Everything Purser remembers that is not a secret. Secrets live only in the OS keychain.
/// Written as JSON with these names; read through [`patch::parse`], which holds every value
/// to the rules the window's values are held to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Format version of the file this was read from (or [`SETTINGS_VERSION`] for new settings).
    pub version: u32,
    /// Interface language: follow the OS, or a fixed choice.
    pub language: LanguagePreference,
    /// Colour theme: follow the OS, or a fixed light or dark theme.
    pub theme: ThemePreference,
    /// Address of the OpenAI API (or an OpenAI-compatible gateway), e.g. `https://api.openai.com/v1`.
    pub openai_base_url: OpenAiBaseUrl,
    /// Where the OpenAI admin key goes, when the user set it on purpose; `None`: OpenAI's own
    /// administration API. Never `openai_base_url`: an admin key manages the organisation's
    /// keys, users and projects, and must not reach a gateway meant for the app's key.
    pub openai_admin_base_url: Option<String>,
    /// Where AWS credentials come from: keys in the keychain, or an AWS profile.
    pub aws_source: AwsSource,
    /// The AWS profile to use when `aws_source` is `profile`.
    pub aws_profile: Option<String>,
    /// AWS region for API calls; `None` = the profile's region, else us-east-1.
    pub aws_region: Option<String>,
    /// Monthly budget, in `budget_currency`; `None` until the user sets one.
    pub budget_amount: Option<f64>,
    /// Alert thresholds in percent of the budget (ascending, 1..=200).
    pub budget_thresholds: Thresholds,
    /// The budget's own currency (ISO code): the guard refuses to judge figures in another.
    pub budget_currency: String,
    /// Most Cost Explorer requests Purser makes in a month ($0.01 each); at the cap it keeps
    /// the last figures.
    pub cost_request_cap: u32,
    /// Which cost metric the chart shows.
    pub cost_metric: crate::cost::Metric,
    /// Closed months shown before the current one (1..=13).
    pub cost_months: CostMonths,
    /// Only costs with this cost-allocation tag, as `key=value`.
    pub cost_tag: Option<String>,
    /// Only this linked account (12 digits).
    pub cost_linked_account: Option<String>,
    /// The OpenAI project whose API spend is the app's (`proj_…`); `None` = the whole
    /// organisation. Read with the admin key.
    pub openai_project: Option<String>,
    /// The Kubernetes context chosen on the Deployment screen.
    pub kube_context: Option<String>,
    /// The namespace chosen in that context.
    pub kube_namespace: Option<String>,
    /// Look for a new version of Purser once a day (builds with an update key only).
    pub check_updates: bool,
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
            openai_admin_base_url: None,
            aws_source: AwsSource::default(),
            aws_profile: None,
            aws_region: None,
            budget_amount: None,
            budget_thresholds: Thresholds::default(),
            budget_currency: "USD".into(),
            cost_request_cap: crate::cost::DEFAULT_REQUEST_CAP,
            cost_metric: crate::cost::Metric::default(),
            cost_months: CostMonths::default(),
            cost_tag: None,
            cost_linked_account: None,
            openai_project: None,
            kube_context: None,
            kube_namespace: None,
            check_updates: true,
            unknown: Map::new(),
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
        Self(DEFAULT_THRESHOLDS.to_vec())
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

/// Why a value was refused: a rule of the setting, or what is wrong with a typed amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("is not one of the choices")]
    NotAChoice,
    #[error("{0}")]
    Amount(AmountProblem),
    #[error("{0}")]
    Thresholds(ThresholdProblem),
}

/// Why settings could not be changed or saved. No variant holds the refused value: a user may
/// paste a key into the wrong box, and messages are shown and logged.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("could not save settings to {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("that is not a valid value for the setting \"{setting}\": it {why}")]
    Invalid {
        /// The setting's name as the window sends it, e.g. `budgetAmount`.
        setting: &'static str,
        why: Refusal,
    },
    #[error("there is no setting called \"{0}\"")]
    UnknownField(String),
    #[error("settings changes must be a set of name/value pairs")]
    NotAnObject,
    #[error("settings are not saved while {path} cannot be read")]
    SaveBlocked { path: PathBuf },
}

impl From<SettingsError> for AppError {
    fn from(error: SettingsError) -> Self {
        let message = error.to_string();
        match error {
            SettingsError::Write { path, source } => {
                AppError::hinted("settings_write_failed", "settings_write_failed", message)
                    .with("path", path.display().to_string())
                    .with("reason", source.to_string())
                    .with(
                        "folder",
                        path.parent().unwrap_or(&path).display().to_string(),
                    )
            }
            SettingsError::Invalid { setting, why } => {
                let error = match &why {
                    // What the setting accepts, in the hint: e.g. `rule_theme`.
                    Refusal::NotAChoice => AppError::hinted(
                        "settings_invalid_value",
                        &format!("rule_{setting}"),
                        message,
                    ),
                    Refusal::Amount(problem) => {
                        let error =
                            AppError::hinted(problem.code(), "settings_nothing_changed", message);
                        match problem.example() {
                            Some(example) => error.with("example", example),
                            None => error,
                        }
                    }
                    Refusal::Thresholds(problem) => {
                        let error =
                            AppError::hinted(problem.code(), "settings_nothing_changed", message);
                        match problem {
                            ThresholdProblem::OutOfRange { value } => error.with("value", *value),
                            _ => error,
                        }
                    }
                };
                error.with("setting", setting)
            }
            SettingsError::UnknownField(name) => {
                AppError::hinted("settings_unknown_field", "report_bug", message).with("name", name)
            }
            SettingsError::NotAnObject => {
                AppError::hinted("settings_not_an_object", "report_bug", message)
            }
            SettingsError::SaveBlocked { path } => AppError::new("settings_save_blocked", message)
                .with("path", path.display().to_string()),
        }
    }
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

impl From<&LoadNotice> for AppError {
    fn from(notice: &LoadNotice) -> Self {
        match notice {
            LoadNotice::CorruptSetAside { backup, reason } => AppError::new(
                "settings_corrupt",
                format!(
                    "your settings file could not be read ({reason}); it was kept as {} and \
                     Purser started with default settings",
                    backup.display()
                ),
            )
            .with("backup", backup.display().to_string())
            .with("reason", reason.as_str()),
            LoadNotice::Unreadable { path, reason } => AppError::new(
                "settings_unreadable",
                format!(
                    "your settings file {} could not be read ({reason}); Purser started with \
                     default settings and will not overwrite it",
                    path.display()
                ),
            )
            .with("path", path.display().to_string())
            .with("reason", reason.as_str()),
        }
    }
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
    match patch::parse(&bytes) {
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

#[cfg(test)]
mod tests;

/// One of each error, for the test that every code has words in both languages.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    let path = || PathBuf::from("/home/user/.config/purser/settings.json");
    let mut out: Vec<AppError> = patch::setting_names()
        .into_iter()
        .map(|setting| {
            SettingsError::Invalid {
                setting,
                why: Refusal::NotAChoice,
            }
            .into()
        })
        .collect();
    let example = || crate::amount::NumberStyle::ENGLISH.example();
    for problem in [
        AmountProblem::Empty { example: example() },
        AmountProblem::Unreadable { example: example() },
        AmountProblem::TooManyDecimals,
        AmountProblem::NotPositive,
        AmountProblem::BelowACent,
        AmountProblem::TooLarge,
    ] {
        out.push(
            SettingsError::Invalid {
                setting: "budgetAmount",
                why: Refusal::Amount(problem),
            }
            .into(),
        );
    }
    for problem in [
        ThresholdProblem::NotWhole,
        ThresholdProblem::OutOfRange { value: 250 },
        ThresholdProblem::Empty,
        ThresholdProblem::TooMany,
    ] {
        out.push(
            SettingsError::Invalid {
                setting: "budgetThresholds",
                why: Refusal::Thresholds(problem),
            }
            .into(),
        );
    }
    for error in [
        SettingsError::Write {
            path: path(),
            source: io::Error::other("disk full"),
        },
        SettingsError::UnknownField("colour".into()),
        SettingsError::NotAnObject,
        SettingsError::SaveBlocked { path: path() },
    ] {
        out.push(error.into());
    }
    for notice in [
        LoadNotice::CorruptSetAside {
            backup: path(),
            reason: "x".into(),
        },
        LoadNotice::Unreadable {
            path: path(),
            reason: "x".into(),
        },
    ] {
        out.push(AppError::from(&notice));
    }
    out
}
