//! The desktop's store of guard records, `guard.json` in the data folder: whether the guard
//! is paused, the prices a copy is estimated at, and per app its [`AppRecord`] and the tag
//! its AWS cost is measured by. No secrets.
//!
//! A file that cannot be read is never silently replaced: a damaged one is set aside under a
//! timestamped name (earlier backups are kept) and the user is told every policy is off; one
//! that cannot be opened at all blocks saving, so it is not overwritten.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::GuardError;
use super::in_cluster::Health;
use super::ports::{GuardRecords, Stored};
use super::record::{AppRecord, CapRecord, Hold, TaggedFailure, TaggedMonth};
use super::{Policy, Prices};
use crate::error::AppError;
use crate::files::write_atomic;
use crate::sync::lock;

const FILE: &str = "guard.json";
/// 2: records name their cluster, revert records live here. Version 1 files read as 2.
const VERSION: u32 = 2;

/// An app's key: its context, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// How a copy's cost is measured for one app: the tag on its AWS resources, and what Cost
/// Explorer said of it (kept so it is asked once a month, and a failure once a day).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CostTagging {
    /// The cost-allocation tag (`key=value`), if the user gave one.
    pub cost_tag: Option<String>,
    pub tagged: Option<TaggedMonth>,
    pub tagged_failed: Option<TaggedFailure>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct AppEntry {
    #[serde(flatten)]
    record: AppRecord,
    #[serde(flatten)]
    tagging: CostTagging,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct File {
    version: u32,
    paused: bool,
    prices: Prices,
    apps: BTreeMap<String, AppEntry>,
    /// What Purser set on OpenAI projects' spend limits, by project.
    caps: BTreeMap<String, CapRecord>,
    /// Projects whose limit a person put back, and until when the OpenAI lever leaves them be.
    cap_holds: BTreeMap<String, Hold>,
    /// What this computer knows of each app's guard in the cluster.
    in_cluster: BTreeMap<String, ClusterSeen>,
}

/// What this computer remembers of an app's guard in the cluster, so each of its actions and
/// each new problem is told once, and whether the person chose to guard the app from here
/// while that guard is not working.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterSeen {
    /// Its CronJob was seen: the hourly look covers the app, and a look that fails then
    /// stands aside rather than risk two guards acting.
    pub installed: bool,
    /// The time of the cluster guard's last check already looked at here.
    pub check_seen: Option<String>,
    /// The problem last told (none while it works).
    pub problem_told: Option<Health>,
    /// This computer guards the app while the guard in the cluster is not working.
    pub stand_in: bool,
    /// That the guard in the cluster cannot be looked at was told (until it can again).
    pub unseen_told: bool,
}

impl Default for File {
    fn default() -> Self {
        Self {
            version: VERSION,
            paused: false,
            prices: Prices::default(),
            apps: BTreeMap::new(),
            caps: BTreeMap::new(),
            cap_holds: BTreeMap::new(),
            in_cluster: BTreeMap::new(),
        }
    }
}

/// The guard's memory on this computer, read at start and written after every change.
#[derive(Debug)]
pub struct GuardState {
    path: PathBuf,
    file: File,
    /// Set when the file exists but cannot be opened: saving would overwrite it.
    blocked: Option<String>,
    /// Bumped on every write of an app's record: a write from an older read is refused.
    versions: HashMap<String, u64>,
}

impl GuardState {
    /// Reads `guard.json` from `dir`. A problem is returned as a notice for the user, never
    /// only logged: a guard that is off must say so.
    pub fn load(dir: &Path, now: OffsetDateTime) -> (Self, Option<AppError>) {
        let path = dir.join(FILE);
        let mut state = Self {
            path: path.clone(),
            file: File::default(),
            blocked: None,
            versions: HashMap::new(),
        };
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (state, None),
            Err(error) => {
                tracing::warn!(%error, "guard file cannot be opened; not saving over it");
                state.blocked = Some(error.to_string());
                let notice = AppError::new("guard_file_unreadable", &error)
                    .with("path", path.display().to_string())
                    .with("reason", error.to_string());
                return (state, Some(notice));
            }
        };
        match serde_json::from_slice::<File>(&bytes) {
            Ok(file) if (1..=VERSION).contains(&file.version) => {
                state.file = File {
                    version: VERSION,
                    ..file
                };
                (state, None)
            }
            other => {
                let reason = match other {
                    Ok(file) => format!("written by a newer Purser (version {})", file.version),
                    Err(error) => error.to_string(),
                };
                let backup = set_aside(&path, now);
                tracing::warn!(%reason, backup = %backup.display(), "guard file damaged; set aside");
                let notice = AppError::new("guard_file_damaged", &reason)
                    .with("backup", backup.display().to_string())
                    .with("reason", reason);
                (state, Some(notice))
            }
        }
    }

    pub fn save(&self) -> Result<(), GuardError> {
        if let Some(reason) = &self.blocked {
            return Err(GuardError::RecordUnsaved(format!(
                "{} could not be read ({reason}), so it is not overwritten",
                self.path.display()
            )));
        }
        let json = serde_json::to_vec_pretty(&self.file)
            .map_err(|e| GuardError::RecordUnsaved(e.to_string()))?;
        write_atomic(&self.path, &json).map_err(|e| GuardError::RecordUnsaved(e.to_string()))
    }

    pub fn paused(&self) -> bool {
        self.file.paused
    }

    /// Pauses or resumes the guard; nothing changes when it cannot be saved.
    pub fn set_paused(&mut self, paused: bool) -> Result<(), GuardError> {
        let before = std::mem::replace(&mut self.file.paused, paused);
        self.save().inspect_err(|_| self.file.paused = before)
    }

    pub fn prices(&self) -> &Prices {
        &self.file.prices
    }

    /// Sets the prices; nothing changes when they cannot be saved.
    pub fn set_prices(&mut self, prices: Prices) -> Result<(), GuardError> {
        let before = std::mem::replace(&mut self.file.prices, prices);
        self.save().inspect_err(|_| self.file.prices = before)
    }

    /// The app's record (a default one, policy off, if it has none).
    pub fn app(&self, key: &AppKey) -> AppRecord {
        self.entry(key).record
    }

    /// How the app's copy cost is measured.
    pub fn tagging(&self, key: &AppKey) -> CostTagging {
        self.entry(key).tagging
    }

    fn entry(&self, key: &AppKey) -> AppEntry {
        self.file.apps.get(&key.text()).cloned().unwrap_or_default()
    }

    /// Changes the app's tagging; nothing changes when it cannot be saved.
    pub fn set_tagging(&mut self, key: &AppKey, tagging: CostTagging) -> Result<(), GuardError> {
        let entry = self.file.apps.entry(key.text()).or_default();
        let before = std::mem::replace(&mut entry.tagging, tagging);
        self.save().inspect_err(|_| {
            if let Some(entry) = self.file.apps.get_mut(&key.text()) {
                entry.tagging = before;
            }
        })
    }

    fn version(&self, key: &AppKey) -> String {
        self.versions
            .get(&key.text())
            .copied()
            .unwrap_or_default()
            .to_string()
    }

    /// Writes an app's record if it is still at `version`; nothing changes when it cannot be
    /// saved.
    fn put(
        &mut self,
        key: &AppKey,
        record: &AppRecord,
        version: &str,
    ) -> Result<String, GuardError> {
        if self.version(key) != version {
            return Err(GuardError::RecordConflict);
        }
        let entry = self.file.apps.entry(key.text()).or_default();
        let before = std::mem::replace(&mut entry.record, record.clone());
        if let Err(error) = self.save() {
            if let Some(entry) = self.file.apps.get_mut(&key.text()) {
                entry.record = before;
            }
            return Err(error);
        }
        *self.versions.entry(key.text()).or_default() += 1;
        Ok(self.version(key))
    }

    /// What Purser set on `project`'s OpenAI spend limit, if anything.
    pub fn cap(&self, project: &str) -> Option<CapRecord> {
        self.file.caps.get(project).cloned()
    }

    /// Keeps (or forgets) that record; nothing changes when it cannot be saved.
    pub fn set_cap(&mut self, project: &str, record: Option<CapRecord>) -> Result<(), GuardError> {
        self.keep_entry(|file| &mut file.caps, project, record)
    }

    /// The hold on `project`'s limit after a person put it back, if any.
    pub fn cap_hold(&self, project: &str) -> Option<Hold> {
        self.file.cap_holds.get(project).cloned()
    }

    /// Keeps (or ends) that hold; nothing changes when it cannot be saved.
    pub fn set_cap_hold(&mut self, project: &str, hold: Option<Hold>) -> Result<(), GuardError> {
        self.keep_entry(|file| &mut file.cap_holds, project, hold)
    }

    /// Sets (or, with `None`, removes) one entry of a per-project map and saves; when the save
    /// fails the entry is put back as it was, so memory never holds what the disk does not.
    fn keep_entry<T>(
        &mut self,
        map: fn(&mut File) -> &mut BTreeMap<String, T>,
        key: &str,
        value: Option<T>,
    ) -> Result<(), GuardError> {
        let entries = map(&mut self.file);
        let before = match value {
            Some(value) => entries.insert(key.to_string(), value),
            None => entries.remove(key),
        };
        self.save().inspect_err(|_| {
            let entries = map(&mut self.file);
            match before {
                Some(value) => entries.insert(key.to_string(), value),
                None => entries.remove(key),
            };
        })
    }

    /// What this computer remembers of `key`'s guard in the cluster.
    pub fn cluster_seen(&self, key: &AppKey) -> ClusterSeen {
        self.file
            .in_cluster
            .get(&key.text())
            .cloned()
            .unwrap_or_default()
    }

    /// Keeps that memory; nothing changes when it cannot be saved.
    pub fn set_cluster_seen(&mut self, key: &AppKey, seen: ClusterSeen) -> Result<(), GuardError> {
        let kept = Some(seen).filter(|seen| *seen != ClusterSeen::default());
        self.keep_entry(|file| &mut file.in_cluster, &key.text(), kept)
    }

    /// Every app the guard has a record of, whatever its policy.
    pub fn apps(&self) -> Vec<AppKey> {
        self.file
            .apps
            .keys()
            .filter_map(|k| AppKey::parse(k))
            .collect()
    }

    /// Every app whose guard was seen running in the cluster.
    pub fn cluster_apps(&self) -> Vec<AppKey> {
        self.file
            .in_cluster
            .keys()
            .filter_map(|k| AppKey::parse(k))
            .collect()
    }

    /// Every app whose policy is not off.
    pub fn guarded(&self) -> Vec<(AppKey, AppRecord)> {
        self.file
            .apps
            .iter()
            .filter(|(_, e)| {
                e.record.policy != Policy::Off || e.record.openai_lever != super::Lever::Off
            })
            .filter_map(|(k, e)| Some((AppKey::parse(k)?, e.record.clone())))
            .collect()
    }
}

/// `guard.json` renamed to `guard.json.<time>.bak` (never over an earlier backup).
fn set_aside(path: &Path, now: OffsetDateTime) -> PathBuf {
    let stamp = crate::clock::rfc3339(now).replace(':', "-");
    let mut backup = path.with_extension(format!("json.{stamp}.bak"));
    let mut n = 1;
    while backup.exists() {
        backup = path.with_extension(format!("json.{stamp}.{n}.bak"));
        n += 1;
    }
    if let Err(error) = std::fs::rename(path, &backup) {
        tracing::warn!(%error, "the damaged guard file could not be set aside");
    }
    backup
}

/// The desktop's records, for the guard service.
pub struct DesktopRecords<'a>(pub &'a std::sync::Mutex<GuardState>);

#[async_trait]
impl GuardRecords for DesktopRecords<'_> {
    async fn load(&self, app: &AppKey) -> Result<Stored, GuardError> {
        let state = lock(self.0);
        Ok(Stored {
            record: state.app(app),
            version: state.version(app),
        })
    }

    async fn save(
        &self,
        app: &AppKey,
        record: &AppRecord,
        version: &str,
    ) -> Result<String, GuardError> {
        lock(self.0).put(app, record, version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn key() -> AppKey {
        AppKey {
            context: "arn:aws:eks:us-east-1:123456789012:cluster/prod".into(),
            namespace: "default".into(),
            app: "assistant".into(),
        }
    }

    #[test]
    fn policies_survive_a_restart_and_a_damaged_file_is_set_aside_and_told() {
        let dir = tempfile::tempdir().unwrap();
        let now = datetime!(2026-11-20 12:00 UTC);
        let (mut state, notice) = GuardState::load(dir.path(), now);
        assert!(notice.is_none());
        let record = AppRecord {
            policy: Policy::Propose { floor: 2 },
            ..AppRecord::default()
        };
        state.put(&key(), &record, "0").unwrap();
        let (again, _) = GuardState::load(dir.path(), now);
        assert_eq!(again.app(&key()).policy, Policy::Propose { floor: 2 });
        assert_eq!(again.guarded().len(), 1);

        for _ in 0..2 {
            std::fs::write(dir.path().join(FILE), b"{not json").unwrap();
            let (damaged, notice) = GuardState::load(dir.path(), now);
            assert_eq!(damaged.app(&key()).policy, Policy::Off);
            let notice = notice.expect("the user is told");
            assert_eq!(notice.code, "guard_file_damaged");
            let backup = notice.params["backup"].as_str().unwrap();
            assert!(Path::new(backup).exists(), "{backup}");
        }
        let backups = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".bak")
            })
            .count();
        assert_eq!(backups, 2, "the first backup is not overwritten");
    }

    #[test]
    fn a_version_one_file_reads_and_a_write_from_an_older_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let v1 = r#"{"version":1,"paused":false,"apps":{"[\"prod\",\"default\",\"assistant\"]":
            {"policy":{"mode":"automatic","floor":1},"lastAction":"2026-11-20T06:00:00Z",
             "refused":"no_budget","costTag":"app=assistant"}}}"#;
        std::fs::write(dir.path().join(FILE), v1).unwrap();
        let (mut state, notice) = GuardState::load(dir.path(), datetime!(2026-11-20 12:00 UTC));
        assert!(notice.is_none(), "{notice:?}");
        let key = AppKey {
            context: "prod".into(),
            namespace: "default".into(),
            app: "assistant".into(),
        };
        let record = state.app(&key);
        assert_eq!(record.policy, Policy::Automatic { floor: 1 });
        assert_eq!(record.cluster, None, "adopted at the next round");
        assert_eq!(
            state.tagging(&key).cost_tag.as_deref(),
            Some("app=assistant")
        );
        let first = state.version(&key);
        state.put(&key, &record, &first).unwrap();
        assert!(matches!(
            state.put(&key, &record, &first),
            Err(GuardError::RecordConflict)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_file_that_cannot_be_opened_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(FILE)).unwrap();
        let (mut state, notice) = GuardState::load(dir.path(), datetime!(2026-11-20 12:00 UTC));
        assert_eq!(notice.unwrap().code, "guard_file_unreadable");
        assert!(state.set_paused(true).is_err());
        assert!(!state.paused(), "nothing changed");
        assert!(dir.path().join(FILE).is_dir());
    }
}
