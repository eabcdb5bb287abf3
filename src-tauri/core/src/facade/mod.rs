//! [`Purser`]: the one door to the core. Built from injectable backends (keychain, kubeconfig,
//! AWS endpoints, clock); its methods are the use-cases the window offers, each returning what
//! the window shows or an [`AppError`]. A use-case that spans services (deploy reads the key
//! and applies; the cost view reads credentials and asks Cost Explorer) lives here, nowhere
//! else.

mod copy_cost;
mod costs;
mod deploy;
mod figures;
mod guard;
mod keys;
mod openai;
mod openai_limits;
mod overview;
mod report;
mod update;

pub use crate::cost::openai_api::OpenAiProject;
pub use copy_cost::{CostPreview, TagProblem};
pub use costs::Export;
#[cfg(any(test, feature = "testing"))]
pub use guard::examples as guard_examples;
pub use guard::{
    GuardInstallPreview, GuardView, InstallForm, ProposalView, Revertible, ShareStep, TestNow,
};
pub use openai_limits::OpenAiLimits;
pub use overview::{AppGlance, FailingKey, MonthGlance, Overview, RolloutGlance};

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::amount::NumberStyle;
use crate::clock::{Clock, SystemClock};
use crate::cluster::{ClusterService, KubeconfigSource, Timeouts};
use crate::cost::CostService;
use crate::error::AppError;
use crate::locale::Language;
use crate::secrets::credentials::Credentials;
use crate::secrets::{KeychainStore, SecretStore};
use crate::settings::{self, LoadNotice, Settings, SettingsError, SettingsPatch};
use crate::sync::lock;

/// Where Purser keeps its files. Resolved from the OS by the app, chosen freely by tests.
#[derive(Debug, Clone)]
pub struct AppDirs {
    /// Settings (`settings.json`).
    pub config: PathBuf,
    /// Audit log and other durable data.
    pub data: PathBuf,
    /// Re-creatable data such as cached cost reports.
    pub cache: PathBuf,
    /// Rolling log files.
    pub log: PathBuf,
}

impl AppDirs {
    /// The four folders under one root (tests, portable setups).
    pub fn under(root: &std::path::Path) -> Self {
        Self {
            config: root.join("config"),
            data: root.join("data"),
            cache: root.join("cache"),
            log: root.join("log"),
        }
    }
}

/// Where AWS calls go. `None` = AWS itself (or `AWS_ENDPOINT_URL`, as the SDK reads it).
#[derive(Debug, Clone, Default)]
pub struct AwsEndpoints {
    /// STS, for the credentials check.
    pub sts: Option<String>,
    /// Cost Explorer's `GetCostAndUsage`.
    pub cost_usage: Option<String>,
    /// Cost Explorer's `GetCostForecast`.
    pub cost_forecast: Option<String>,
}

/// What the core talks to. The app passes the real ones; every test picks its own, so none
/// needs process-wide environment.
#[derive(Debug, Clone)]
pub struct Backends {
    pub secrets: Arc<dyn SecretStore>,
    pub kubeconfig: KubeconfigSource,
    pub aws: AwsEndpoints,
    /// Where the OpenAI admin key goes unless the user sets an admin address on purpose:
    /// OpenAI's own API (tests point it at a local server).
    pub openai_admin: String,
    pub clock: Arc<dyn Clock>,
    pub timeouts: Timeouts,
}

impl Backends {
    /// The user's own: the OS keychain, kubeconfig as kubectl finds it, AWS itself, the
    /// system clock.
    pub fn system() -> Self {
        Self {
            secrets: Arc::new(KeychainStore::new()),
            kubeconfig: KubeconfigSource::Environment,
            aws: AwsEndpoints::default(),
            openai_admin: crate::secrets::DEFAULT_OPENAI_BASE_URL.into(),
            clock: Arc::new(SystemClock),
            timeouts: Timeouts::default(),
        }
    }
}

/// What the status bar and the shell need to draw themselves.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    /// Purser's version, shown in Settings.
    pub version: &'static str,
    /// The guard's image published with this version, which the install form starts with.
    pub guard_image: Option<&'static str>,
    /// The language the interface should use now (preference resolved against the OS).
    pub language: Language,
    /// The stored preferences.
    pub settings: Settings,
    /// The Kubernetes context Purser is connected to now; `None` when not connected (even
    /// if one was chosen before: a failed connect leaves no cluster to act on).
    pub kube_context: Option<String>,
    /// AWS identity from the last successful check; `None` until then.
    pub aws_identity: Option<crate::secrets::AwsIdentity>,
    /// When cost data was last refreshed (RFC 3339); `None` until then.
    pub last_cost_refresh: Option<String>,
    /// Things the user must be told about, e.g. a settings file that was set aside.
    pub notices: Vec<AppError>,
    /// The section the window opens on: `overview` once something is set up or while the
    /// first-run guide is open, else `credentials`.
    pub opens_on: &'static str,
}

/// The core, as the window (or a test) uses it. Locks guard only what mutates.
#[derive(Debug)]
pub struct Purser {
    dirs: AppDirs,
    os_locale: Option<String>,
    settings: Mutex<Settings>,
    notices: Mutex<Vec<AppError>>,
    /// Set when the settings file exists but could not be read: saving would overwrite it.
    save_blocked_by: Option<PathBuf>,
    started: Instant,
    ui_answered: AtomicBool,
    aws: AwsEndpoints,
    openai_admin: String,
    /// How long OpenAI's part of a cost read may take.
    openai_deadline: std::time::Duration,
    /// OpenAI's requests this month, one meter for every read (a meter per call lost counts).
    openai_meter: crate::cost::RequestMeter,
    clock: Arc<dyn Clock>,
    credentials: Credentials,
    costs: CostService,
    /// The cost view on screen, for exports.
    views: crate::chart::view::CostViews,
    cluster: ClusterService,
    /// The budget guard's memory on this computer (policies, records, prices).
    guard: Mutex<crate::guard::GuardState>,
    /// One guard round, approval or revert at a time per app.
    guard_locks: crate::guard::RoundLocks,
    /// The Cost Explorer client in use, built once for the same credentials.
    explorer: Mutex<Option<costs::CachedExplorer>>,
    /// The first-run guide's state.
    guide: crate::guide::Guide,
    /// When Purser last looked for a new version, and what it found.
    updates: crate::update::Updates,
    /// OpenAI project names by ID, as last listed (the report names projects with them).
    openai_project_names: Mutex<std::collections::HashMap<String, String>>,
}

/// The guard's key for an app on a target.
pub(crate) fn key_of(target: &crate::cluster::Target, app: &str) -> crate::guard::AppKey {
    crate::guard::AppKey {
        context: target.context.clone(),
        namespace: target.namespace.clone(),
        app: app.to_string(),
    }
}

impl Purser {
    /// Loads settings from `dirs.config`. Never fails: problems become notices for the user.
    /// Nothing is connected or asked over the network here, so the window opens at once.
    pub fn new(dirs: AppDirs, os_locale: Option<String>, backends: Backends) -> Self {
        let loaded = settings::load(&dirs.config);
        let save_blocked_by = match &loaded.notice {
            Some(LoadNotice::Unreadable { path, .. }) => Some(path.clone()),
            _ => None,
        };
        if let Some(notice) = &loaded.notice {
            tracing::warn!(?notice, "settings file problem at start-up");
        }
        let credentials = Credentials::new(backends.secrets, dirs.data.clone())
            .with_clock(backends.clock.clone())
            .with_deadline(backends.timeouts.keychain);
        let costs = CostService::new(dirs.cache.clone(), &dirs.data);
        costs.meter().set_cap(loaded.settings.cost_request_cap);
        let cluster =
            ClusterService::with_timeouts(backends.kubeconfig, &dirs.data, backends.timeouts)
                .with_clock(backends.clock.clone());
        let (guard, guard_notice) =
            crate::guard::GuardState::load(&dirs.data, backends.clock.now());
        let notices = loaded
            .notice
            .iter()
            .map(AppError::from)
            .chain(guard_notice)
            .collect();
        Self {
            guard: Mutex::new(guard),
            guard_locks: crate::guard::RoundLocks::default(),
            explorer: Mutex::new(None),
            openai_project_names: Mutex::new(openai::project_names(&dirs.cache)),
            guide: crate::guide::Guide::load(&dirs.data),
            updates: crate::update::Updates::load(&dirs.data),
            credentials,
            costs,
            views: Default::default(),
            cluster,
            aws: backends.aws,
            openai_admin: backends.openai_admin,
            openai_deadline: backends.timeouts.openai,
            openai_meter: crate::cost::RequestMeter::named(
                &dirs.data,
                crate::cost::openai_store::METER_FILE,
            ),
            clock: backends.clock,
            os_locale,
            settings: Mutex::new(loaded.settings),
            notices: Mutex::new(notices),
            save_blocked_by,
            started: Instant::now(),
            ui_answered: AtomicBool::new(false),
            dirs,
        }
    }

    pub fn dirs(&self) -> &AppDirs {
        &self.dirs
    }

    /// The language the interface uses now.
    pub fn language(&self) -> Language {
        lock(&self.settings)
            .language
            .resolve(self.os_locale.as_deref())
    }

    /// A snapshot for the UI. The first call is logged with the time since start-up, which the
    /// start-up benchmark reads as "UI ready".
    pub fn status(&self) -> AppStatus {
        if !self.ui_answered.swap(true, Ordering::Relaxed) {
            tracing::info!(
                elapsed_ms = self.started.elapsed().as_millis() as u64,
                "ui-ready: first status request answered"
            );
        }
        let settings = lock(&self.settings).clone();
        AppStatus {
            version: env!("CARGO_PKG_VERSION"),
            guard_image: crate::guard::install::PUBLISHED_IMAGE,
            language: settings.language.resolve(self.os_locale.as_deref()),
            kube_context: self.cluster.connected_context(),
            settings,
            aws_identity: self.credentials.aws_identity(),
            last_cost_refresh: self.views.last_refresh(),
            notices: lock(&self.notices).clone(),
            opens_on: self.opens_on(),
        }
    }

    /// Validates and saves a change from the window. On any error nothing changes, in memory
    /// or on disk. Amounts are read the way the interface's language writes them.
    pub fn update_settings(&self, patch: &SettingsPatch) -> Result<AppStatus, AppError> {
        self.change_settings(patch)?;
        Ok(self.status())
    }

    fn change_settings(&self, patch: &SettingsPatch) -> Result<(), SettingsError> {
        let mut current = lock(&self.settings);
        let style = NumberStyle::of(current.language.resolve(self.os_locale.as_deref()));
        let next = settings::apply_patch(&current, patch, style)?;
        if let Some(path) = &self.save_blocked_by {
            return Err(SettingsError::SaveBlocked { path: path.clone() });
        }
        settings::save(&self.dirs.config, &next)?;
        // Names only: values are the user's and may be pasted by mistake into a wrong box.
        tracing::info!(fields = ?patch.field_names(), "settings changed");
        self.costs.meter().set_cap(next.cost_request_cap);
        *current = next;
        Ok(())
    }

    /// Removes a notice once the user has read it.
    pub fn dismiss_notice(&self, code: &str) -> AppStatus {
        lock(&self.notices).retain(|notice| notice.code != code);
        self.status()
    }

    /// The settings now.
    fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locale::LanguagePreference;
    use crate::settings::{ThemePreference, SETTINGS_FILE};
    use crate::testing;
    use serde_json::json;

    fn load(root: &std::path::Path, locale: Option<String>) -> Purser {
        Purser::new(AppDirs::under(root), locale, testing::backends())
    }

    fn patch(value: serde_json::Value) -> SettingsPatch {
        SettingsPatch::from_json(&value).unwrap()
    }

    #[test]
    fn language_follows_os_until_chosen() {
        let root = tempfile::tempdir().unwrap();
        let purser = load(root.path(), Some("es-AR".into()));
        assert_eq!(purser.status().language, Language::Es);
        let status = purser
            .update_settings(&patch(json!({"language": "en"})))
            .unwrap();
        assert_eq!(status.language, Language::En);
        assert_eq!(status.settings.language, LanguagePreference::En);
    }

    #[test]
    fn refused_change_leaves_memory_and_disk_alone() {
        let root = tempfile::tempdir().unwrap();
        let purser = load(root.path(), None);
        purser
            .update_settings(&patch(json!({"theme": "dark"})))
            .unwrap();
        let file = root.path().join("config").join(SETTINGS_FILE);
        let before = std::fs::read(&file).unwrap();
        assert!(purser
            .update_settings(&patch(json!({"theme": "light", "language": "klingon"})))
            .is_err());
        assert_eq!(std::fs::read(&file).unwrap(), before);
        assert_eq!(purser.status().settings.theme, ThemePreference::Dark);
    }

    #[test]
    fn corrupt_settings_become_a_dismissable_notice() {
        let root = tempfile::tempdir().unwrap();
        let config = root.path().join("config");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(config.join(SETTINGS_FILE), "garbage").unwrap();
        let purser = load(root.path(), None);
        let status = purser.status();
        assert_eq!(status.notices.len(), 1);
        assert_eq!(status.notices[0].code, "settings_corrupt");
        assert!(status.notices[0].params["backup"]
            .as_str()
            .unwrap()
            .ends_with(".bak"));
        assert!(purser.dismiss_notice("settings_corrupt").notices.is_empty());
    }

    #[test]
    fn a_damaged_guard_file_is_raised_at_start_apart_from_other_notices() {
        let root = tempfile::tempdir().unwrap();
        for (dir, file) in [("config", SETTINGS_FILE), ("data", "guard.json")] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
            std::fs::write(root.path().join(dir).join(file), "garbage").unwrap();
        }
        let purser = load(root.path(), None);
        let codes = |notices: Vec<AppError>| -> Vec<String> {
            notices.into_iter().map(|n| n.code).collect()
        };
        assert_eq!(
            codes(purser.status().notices),
            ["settings_corrupt", "guard_file_damaged"]
        );
        assert_eq!(
            codes(purser.guard_notices_at_start()),
            ["guard_file_damaged"],
            "what the desktop raises as a notification at start"
        );
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_settings_are_never_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let config = root.path().join("config");
        std::fs::create_dir_all(&config).unwrap();
        let file = config.join(SETTINGS_FILE);
        // A directory where the file should be cannot be read as a file, even by root.
        std::fs::create_dir(&file).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        let purser = load(root.path(), None);
        assert_eq!(purser.status().notices[0].code, "settings_unreadable");
        let error = purser
            .update_settings(&patch(json!({"language": "en"})))
            .unwrap_err();
        assert_eq!(error.code, "settings_save_blocked");
        assert!(file.is_dir());
    }
}
