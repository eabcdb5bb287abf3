//! Changes to settings, from the window or from the file: [`SettingsPatch`] names the settings
//! (unknown names are refused), [`apply_patch`] holds each value to its setting's rules.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::{CostMonths, OpenAiBaseUrl, Refusal, Settings, SettingsError, Thresholds};
use crate::amount::{parse_amount, parse_thresholds, valid_amount, NumberStyle};

/// A change to some settings. Each field present is a setting to change; `null` clears one
/// that may be empty. Values stay as sent (text or number) until [`apply_patch`] checks them
/// against the setting's rules, so that a refusal can name the setting.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    #[serde(default, deserialize_with = "present")]
    pub language: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub theme: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub openai_base_url: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub openai_admin_base_url: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub aws_source: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub aws_profile: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub aws_region: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub budget_amount: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub budget_thresholds: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub budget_currency: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub cost_request_cap: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub cost_metric: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub cost_months: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub cost_tag: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub cost_linked_account: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub openai_project: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub kube_context: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub kube_namespace: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub check_updates: Option<Value>,
}

/// A field that is present is `Some`, even when it is `null` (which clears the setting).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// Every setting, as the window and the file name it (camelCase), with its version-1 name.
const NAMES: [(&str, &str); 19] = [
    ("language", "language"),
    ("theme", "theme"),
    ("openaiBaseUrl", "openai_base_url"),
    ("openaiAdminBaseUrl", "openai_admin_base_url"),
    ("awsSource", "aws_source"),
    ("awsProfile", "aws_profile"),
    ("awsRegion", "aws_region"),
    ("budgetAmount", "budget_amount"),
    ("budgetThresholds", "budget_thresholds"),
    ("budgetCurrency", "budget_currency"),
    ("costRequestCap", "cost_request_cap"),
    ("costMetric", "cost_metric"),
    ("costMonths", "cost_months"),
    ("costTag", "cost_tag"),
    ("costLinkedAccount", "cost_linked_account"),
    ("openaiProject", "openai_project"),
    ("kubeContext", "kube_context"),
    ("kubeNamespace", "kube_namespace"),
    ("checkUpdates", "check_updates"),
];

/// Every setting's name, as the window sends it.
pub fn setting_names() -> Vec<&'static str> {
    NAMES.iter().map(|(camel, _)| *camel).collect()
}

impl SettingsPatch {
    /// A patch from JSON the window sent: an object whose names are settings.
    pub fn from_json(value: &Value) -> Result<Self, SettingsError> {
        let object = value.as_object().ok_or(SettingsError::NotAnObject)?;
        if let Some(unknown) = object
            .keys()
            .find(|k| !NAMES.iter().any(|(name, _)| name == k))
        {
            return Err(SettingsError::UnknownField(
                unknown.chars().take(60).collect(),
            ));
        }
        serde_json::from_value(value.clone()).map_err(|_| SettingsError::NotAnObject)
    }

    /// Each setting present, by name, in a fixed order.
    fn entries(&self) -> Vec<(&'static str, &Value)> {
        [
            ("language", &self.language),
            ("theme", &self.theme),
            ("openaiBaseUrl", &self.openai_base_url),
            ("openaiAdminBaseUrl", &self.openai_admin_base_url),
            ("awsSource", &self.aws_source),
            ("awsProfile", &self.aws_profile),
            ("awsRegion", &self.aws_region),
            ("budgetAmount", &self.budget_amount),
            ("budgetThresholds", &self.budget_thresholds),
            ("budgetCurrency", &self.budget_currency),
            ("costRequestCap", &self.cost_request_cap),
            ("costMetric", &self.cost_metric),
            ("costMonths", &self.cost_months),
            ("costTag", &self.cost_tag),
            ("costLinkedAccount", &self.cost_linked_account),
            ("openaiProject", &self.openai_project),
            ("kubeContext", &self.kube_context),
            ("kubeNamespace", &self.kube_namespace),
            ("checkUpdates", &self.check_updates),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| (name, v)))
        .collect()
    }

    /// The names of the settings it changes (for the log: never the values).
    pub fn field_names(&self) -> Vec<&'static str> {
        self.entries().into_iter().map(|(name, _)| name).collect()
    }
}

/// Applies `patch` to `current`, holding every value to its setting's rules; amounts typed as
/// text are read as `style` writes them. Nothing is changed unless every value is valid.
pub fn apply_patch(
    current: &Settings,
    patch: &SettingsPatch,
    style: NumberStyle,
) -> Result<Settings, SettingsError> {
    let mut next = current.clone();
    for (setting, value) in patch.entries() {
        let refuse = |why| SettingsError::Invalid { setting, why };
        let choice = || refuse(Refusal::NotAChoice);
        match setting {
            "language" => next.language = parse_choice(value).ok_or_else(choice)?,
            "theme" => next.theme = parse_choice(value).ok_or_else(choice)?,
            "openaiBaseUrl" => {
                let text = value.as_str().unwrap_or_default();
                let url = crate::secrets::normalise_base_url(text).map_err(|_| choice())?;
                next.openai_base_url = OpenAiBaseUrl(url);
            }
            "openaiAdminBaseUrl" => {
                next.openai_admin_base_url = match value {
                    Value::Null => None,
                    Value::String(text) if text.trim().is_empty() => None,
                    Value::String(text) => {
                        Some(crate::secrets::normalise_base_url(text).map_err(|_| choice())?)
                    }
                    _ => return Err(choice()),
                }
            }
            "awsSource" => next.aws_source = parse_choice(value).ok_or_else(choice)?,
            "awsProfile" => {
                next.aws_profile = parse_name(value, is_profile_name).ok_or_else(choice)?
            }
            "awsRegion" => next.aws_region = parse_name(value, is_region).ok_or_else(choice)?,
            "budgetAmount" | "budgetThresholds" | "budgetCurrency" => {
                apply_budget(&mut next, setting, value, style)?
            }
            "costRequestCap" => {
                let cap = value
                    .as_u64()
                    .or_else(|| value.as_str().and_then(|t| t.trim().parse().ok()))
                    .filter(|c| (1..=u64::from(super::MAX_REQUEST_CAP)).contains(c));
                next.cost_request_cap = cap.ok_or_else(choice)? as u32;
            }
            "costMetric" => next.cost_metric = parse_choice(value).ok_or_else(choice)?,
            "costMonths" => {
                let months = value
                    .as_u64()
                    .or_else(|| value.as_str().and_then(|t| t.trim().parse().ok()))
                    .filter(|m| (1..=u64::from(crate::cost::MAX_MONTHS)).contains(m));
                next.cost_months = CostMonths(months.ok_or_else(choice)? as u8);
            }
            "costTag" => next.cost_tag = parse_name(value, is_tag_filter).ok_or_else(choice)?,
            "costLinkedAccount" => {
                next.cost_linked_account = parse_name(value, is_account_id).ok_or_else(choice)?
            }
            "openaiProject" => {
                next.openai_project = parse_name(value, is_project_id).ok_or_else(choice)?
            }
            "kubeContext" => {
                next.kube_context = parse_name(value, is_context_name).ok_or_else(choice)?
            }
            "kubeNamespace" => {
                next.kube_namespace = parse_name(value, is_namespace).ok_or_else(choice)?
            }
            "checkUpdates" => {
                next.check_updates = match value {
                    Value::Bool(on) => *on,
                    Value::String(text) if text == "true" => true,
                    Value::String(text) if text == "false" => false,
                    _ => return Err(choice()),
                }
            }
            other => return Err(SettingsError::UnknownField(other.into())),
        }
    }
    Ok(next)
}

/// The budget's settings: its amount (text read as `style` writes it), thresholds, currency.
fn apply_budget(
    next: &mut Settings,
    setting: &'static str,
    value: &Value,
    style: NumberStyle,
) -> Result<(), SettingsError> {
    let refuse = |why| SettingsError::Invalid { setting, why };
    let choice = || refuse(Refusal::NotAChoice);
    match setting {
        "budgetAmount" => {
            next.budget_amount = match value {
                Value::Null => None,
                Value::String(text) => {
                    Some(parse_amount(text, style).map_err(|p| refuse(Refusal::Amount(p)))?)
                }
                // Numbers come from the settings file (the window sends text).
                Value::Number(number) => Some(
                    valid_amount(number.as_f64().unwrap_or(f64::NAN))
                        .map_err(|p| refuse(Refusal::Amount(p)))?,
                ),
                _ => return Err(choice()),
            }
        }
        "budgetThresholds" => {
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
                Thresholds(parse_thresholds(&text).map_err(|p| refuse(Refusal::Thresholds(p)))?);
        }
        "budgetCurrency" => {
            let code = value.as_str().map(|c| c.trim().to_ascii_uppercase());
            next.budget_currency = code.filter(|c| is_currency(c)).ok_or_else(choice)?;
        }
        _ => return Err(SettingsError::UnknownField(setting.into())),
    }
    Ok(())
}

/// Reads the settings file's bytes. Only a file that is not a JSON object is refused. Every
/// value is held to the rules a value typed in the window is (a file edited by hand, or
/// written by a broken build, may say `"costMonths": 255`); one that breaks them falls back
/// to its default. Names Purser does not know are kept, to be written back.
pub(super) fn parse(bytes: &[u8]) -> Result<Settings, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let Some(object) = value.as_object() else {
        return Err("the file does not hold a settings object".into());
    };
    let mut settings = Settings {
        version: object
            .get("version")
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 0)
            .unwrap_or(super::SETTINGS_VERSION),
        ..Settings::default()
    };
    for (key, value) in object {
        let known = NAMES
            .iter()
            .find(|(camel, snake)| camel == key || snake == key);
        let Some((name, _)) = known else {
            if key != "version" {
                settings.unknown.insert(key.clone(), value.clone());
            }
            continue;
        };
        let patch = Value::Object(Map::from_iter([((*name).to_string(), value.clone())]));
        let applied = SettingsPatch::from_json(&patch)
            .and_then(|p| apply_patch(&settings, &p, NumberStyle::ENGLISH));
        match applied {
            Ok(next) => settings = next,
            // The setting's name only: its value may be something pasted into the wrong box.
            Err(_) => {
                tracing::warn!(
                    setting = name,
                    "a stored setting breaks the rules; its default is used"
                )
            }
        }
    }
    Ok(settings)
}

fn parse_choice<T: DeserializeOwned>(value: &Value) -> Option<T> {
    T::deserialize(value).ok()
}

/// An optional name: empty or null clears it; otherwise `valid` must accept it.
fn parse_name(value: &Value, valid: fn(&str) -> bool) -> Option<Option<String>> {
    match value {
        Value::Null => Some(None),
        Value::String(text) if text.trim().is_empty() => Some(None),
        Value::String(text) if valid(text.trim()) => Some(Some(text.trim().to_string())),
        _ => None,
    }
}

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

/// `key=value`, as a cost-allocation tag is written.
pub(crate) fn is_tag_filter(text: &str) -> bool {
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

/// An OpenAI project ID, e.g. `proj_abc123`.
fn is_project_id(text: &str) -> bool {
    text.starts_with("proj_")
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// An ISO 4217 code as Cost Explorer writes units: three capital letters.
fn is_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_profile_name(name: &str) -> bool {
    name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@+".contains(c))
}

pub(super) fn is_region(name: &str) -> bool {
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
