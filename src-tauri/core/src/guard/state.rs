//! What the guard remembers between runs, in `guard.json` in the data folder: whether it is
//! paused, the prices a copy is estimated at, and per app its policy, when it last acted,
//! which thresholds it told this month, the proposal waiting for the user and the tag its
//! AWS cost is measured by. No secrets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Policy, Prices, Target};
use crate::files::write_atomic;

const FILE: &str = "guard.json";
const VERSION: u32 = 1;

/// A scale-down the guard proposed, waiting for the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    pub to: Target,
    /// The reason's code and values (the window words them) and its English line.
    pub code: String,
    pub params: serde_json::Map<String, serde_json::Value>,
    pub text: String,
    pub saving: Option<f64>,
    /// When it was proposed (RFC 3339).
    pub at: String,
}

/// One app under the guard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppGuard {
    pub policy: Policy,
    /// When the guard last scaled this app down or proposed to (RFC 3339).
    pub last_action: Option<String>,
    /// `YYYY-MM` and the thresholds told in that month.
    pub notified_month: String,
    pub notified: Vec<u16>,
    /// The last reason it could not judge (told once until it changes).
    pub refused: Option<String>,
    pub proposal: Option<Proposal>,
    /// The cost-allocation tag on this app's AWS resources (`key=value`), if the user gave one.
    pub cost_tag: Option<String>,
    /// That tag's cost for the last full month, kept so it is asked once a month.
    pub tagged: Option<TaggedMonth>,
}

/// A full month's cost for one tag, as Cost Explorer reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaggedMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub tag: String,
    pub cost: f64,
    pub currency: String,
}

/// An app's key: its context, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AppKey {
    pub context: String,
    pub namespace: String,
    pub app: String,
}

impl AppKey {
    /// As a JSON list: context names hold `/` and `:` (an EKS context is an ARN).
    fn text(&self) -> String {
        serde_json::to_string(&[&self.context, &self.namespace, &self.app]).unwrap_or_default()
    }

    fn parse(text: &str) -> Option<Self> {
        let [context, namespace, app]: [String; 3] = serde_json::from_str(text).ok()?;
        Some(Self {
            context,
            namespace,
            app,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct File {
    version: u32,
    paused: bool,
    prices: Prices,
    apps: BTreeMap<String, AppGuard>,
}

impl Default for File {
    fn default() -> Self {
        Self {
            version: VERSION,
            paused: false,
            prices: Prices::default(),
            apps: BTreeMap::new(),
        }
    }
}

/// The guard's memory, read at start and written after every change.
#[derive(Debug)]
pub struct GuardState {
    path: PathBuf,
    file: File,
}

impl GuardState {
    /// Reads `guard.json` from `dir`; a file that cannot be read starts the guard afresh
    /// (every policy off: it never acts on what it cannot read) and is set aside.
    pub fn load(dir: &Path) -> Self {
        let path = dir.join(FILE);
        let file = match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<File>(&bytes) {
                Ok(file) if file.version == VERSION => file,
                other => {
                    tracing::warn!(ok = other.is_ok(), "guard file unreadable; set aside");
                    let _ = std::fs::rename(&path, path.with_extension("json.bak"));
                    File::default()
                }
            },
            Err(_) => File::default(),
        };
        Self { path, file }
    }

    pub fn save(&self) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(&self.file).map_err(std::io::Error::other)?;
        write_atomic(&self.path, &json)
    }

    pub fn paused(&self) -> bool {
        self.file.paused
    }

    pub fn set_paused(&mut self, paused: bool) {
        self.file.paused = paused;
    }

    pub fn prices(&self) -> &Prices {
        &self.file.prices
    }

    pub fn set_prices(&mut self, prices: Prices) {
        self.file.prices = prices;
    }

    /// The app's record (a default one, policy off, if it has none).
    pub fn app(&self, key: &AppKey) -> AppGuard {
        self.file.apps.get(&key.text()).cloned().unwrap_or_default()
    }

    pub fn app_mut(&mut self, key: &AppKey) -> &mut AppGuard {
        self.file.apps.entry(key.text()).or_default()
    }

    /// Every app whose policy is not off.
    pub fn guarded(&self) -> Vec<(AppKey, AppGuard)> {
        self.file
            .apps
            .iter()
            .filter(|(_, g)| g.policy != Policy::Off)
            .filter_map(|(k, g)| Some((AppKey::parse(k)?, g.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_survive_a_restart_and_a_damaged_file_turns_the_guard_off() {
        let dir = tempfile::tempdir().unwrap();
        let key = AppKey {
            context: "arn:aws:eks:us-east-1:123456789012:cluster/prod".into(),
            namespace: "default".into(),
            app: "assistant".into(),
        };
        let mut state = GuardState::load(dir.path());
        state.app_mut(&key).policy = Policy::Propose { floor: 2 };
        state.save().unwrap();
        let again = GuardState::load(dir.path());
        assert_eq!(again.app(&key).policy, Policy::Propose { floor: 2 });
        assert_eq!(again.guarded().len(), 1);
        std::fs::write(dir.path().join(FILE), b"{not json").unwrap();
        let damaged = GuardState::load(dir.path());
        assert_eq!(damaged.app(&key).policy, Policy::Off);
        assert!(dir.path().join("guard.json.bak").exists());
    }
}
