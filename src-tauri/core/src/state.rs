//! `AppState`: what the commands need, registered once with `manage`. Plain Rust, no Tauri,
//! so it can be exercised directly in tests.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::sync::lock;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use crate::chart::Theme;
use crate::cluster::{AppSpec, ClusterService, ConnectionInfo, Preview, RolloutStatus, Target};
use crate::cost::{
    Budget, CostEndpoints, CostError, CostExplorer, CostQuery, CostService, CostSource, CostView,
    NumberStyle, ViewOptions,
};
use crate::credentials::{AwsChoice, CheckRecord, Credentials};
use crate::error::AppError;
use crate::secrets::{AwsTarget, CheckError, OpenAiEndpoint, Secret, SecretStore};
use crate::settings::{self, AwsSource, Language, LoadNotice, Settings, SettingsError};

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

/// What the status bar and the shell need to draw themselves.
#[derive(Debug, Clone, Serialize)]
pub struct AppStatus {
    /// Purser's version, shown in Settings.
    pub version: &'static str,
    /// The language the interface should use now (preference resolved against the OS).
    pub language: Language,
    /// The stored preferences.
    pub settings: Settings,
    /// The Kubernetes context Purser is connected to now; `None` when not connected (even
    /// if one was chosen before: a failed connect leaves no cluster to act on).
    pub kube_context: Option<String>,
    /// AWS identity (account and ARN) from the last successful check; `None` until then.
    pub aws_identity: Option<String>,
    /// When cost data was last refreshed (RFC 3339); `None` until then.
    pub last_cost_refresh: Option<String>,
    /// Things the user must be told about, e.g. a settings file that was set aside.
    pub notices: Vec<AppError>,
}

/// Shared state behind the commands. Locks guard only what mutates.
#[derive(Debug)]
pub struct AppState {
    dirs: AppDirs,
    os_locale: Option<String>,
    settings: Mutex<Settings>,
    notices: Mutex<Vec<AppError>>,
    /// Set when the settings file exists but could not be read: saving would overwrite it.
    save_blocked_by: Option<PathBuf>,
    started: Instant,
    ui_answered: AtomicBool,
    credentials: Credentials,
    costs: CostService,
    cluster: ClusterService,
}

impl AppState {
    /// Loads settings from `dirs.config`. Never fails: problems become notices for the user.
    pub fn load(dirs: AppDirs, os_locale: Option<String>, secrets: Arc<dyn SecretStore>) -> Self {
        let loaded = settings::load(&dirs.config);
        let save_blocked_by = match &loaded.notice {
            Some(LoadNotice::Unreadable { path, .. }) => Some(path.clone()),
            _ => None,
        };
        if let Some(notice) = &loaded.notice {
            tracing::warn!(?notice, "settings file problem at start-up");
        }
        let credentials = Credentials::new(secrets, dirs.data.clone());
        let costs = CostService::new(dirs.cache.clone(), &dirs.data);
        let cluster =
            ClusterService::new(crate::cluster::KubeconfigSource::Environment, &dirs.data);
        Self {
            credentials,
            costs,
            cluster,
            dirs,
            os_locale,
            settings: Mutex::new(loaded.settings),
            notices: Mutex::new(loaded.notice.iter().map(AppError::from).collect()),
            save_blocked_by,
            started: Instant::now(),
            ui_answered: AtomicBool::new(false),
        }
    }

    pub fn dirs(&self) -> &AppDirs {
        &self.dirs
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
            language: settings.language.resolve(self.os_locale.as_deref()),
            kube_context: self.cluster.connected_context(),
            settings,
            aws_identity: self
                .credentials
                .aws_identity()
                .map(|id| format!("{} · {}", id.account, id.arn)),
            last_cost_refresh: self.costs.last_refresh(),
            notices: lock(&self.notices).clone(),
        }
    }

    /// Validates and saves a change from the UI. On any error nothing changes, in memory or on disk.
    pub fn update_settings(&self, patch: &Value) -> Result<AppStatus, SettingsError> {
        {
            let mut current = lock(&self.settings);
            let style = match current.language.resolve(self.os_locale.as_deref()) {
                Language::Es => NumberStyle::SPANISH,
                Language::En => NumberStyle::ENGLISH,
            };
            let next = settings::apply_patch(&current, patch, style)?;
            if let Some(path) = &self.save_blocked_by {
                return Err(SettingsError::SaveBlocked { path: path.clone() });
            }
            settings::save(&self.dirs.config, &next)?;
            // Names only: values are the user's and may be pasted by mistake into a wrong box.
            let fields: Vec<&String> = patch
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            tracing::info!(?fields, "settings changed");
            *current = next;
        }
        Ok(self.status())
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Checks the stored OpenAI key against the configured API address.
    pub async fn check_openai(&self) -> Result<CheckRecord, CheckError> {
        let endpoint = OpenAiEndpoint {
            base_url: lock(&self.settings).openai_base_url.0.clone(),
            ..OpenAiEndpoint::default()
        };
        self.credentials.check_openai(&endpoint).await
    }

    pub fn cluster(&self) -> &crate::cluster::ClusterService {
        &self.cluster
    }

    /// Connects to a context and remembers the choice. A failed connect leaves Purser
    /// connected to nothing (the choice is still remembered, to retry).
    pub async fn kube_connect(&self, context: &str) -> Result<ConnectionInfo, AppError> {
        self.update_settings(&serde_json::json!({ "kube_context": context }))?;
        Ok(self.cluster.connect(context).await?)
    }

    /// Remembers the namespace chosen (or typed) for the current context.
    pub fn choose_namespace(&self, namespace: &str) -> Result<(), AppError> {
        self.update_settings(&serde_json::json!({ "kube_namespace": namespace }))?;
        Ok(())
    }

    /// The OpenAI key an app on `target` gets: none is read for the sandbox, which gets a
    /// placeholder.
    async fn key_for(&self, target: &Target) -> Result<Option<Secret>, AppError> {
        if ClusterService::is_sandbox(&target.context) {
            return Ok(None);
        }
        Ok(self.credentials.openai_key().await?)
    }

    /// What deploying the form would change. Changes nothing.
    pub async fn deploy_preview(
        &self,
        target: &Target,
        spec: &AppSpec,
    ) -> Result<Preview, AppError> {
        let key = self.key_for(target).await?;
        Ok(self.cluster.preview(target, spec, key.as_ref()).await?)
    }

    /// Deploys the form with the keychain's key (a placeholder in the sandbox).
    pub async fn deploy(
        &self,
        target: &Target,
        spec: &AppSpec,
        take_over: bool,
    ) -> Result<RolloutStatus, AppError> {
        let key = self.key_for(target).await?;
        Ok(self
            .cluster
            .deploy(target, spec, key.as_ref(), take_over)
            .await?)
    }

    pub fn costs(&self) -> &CostService {
        &self.costs
    }

    /// The cost view as settings describe it: real figures when AWS access is set up, sample
    /// figures (labelled as such) when it is not, the last figures (marked stale) while the
    /// keychain is locked. The chart is drawn `width` pixels wide.
    pub async fn cost_view(
        &self,
        refresh: bool,
        theme: Theme,
        width: u32,
    ) -> Result<CostView, CostError> {
        let (choice, target) = self.aws_choice_and_target();
        let (query, budget) = {
            let settings = lock(&self.settings);
            let query = CostQuery {
                account: String::new(),
                months: settings.cost_months.0,
                metric: settings.cost_metric,
                tag: settings
                    .cost_tag
                    .as_deref()
                    .and_then(|t| t.split_once('='))
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string())),
                linked_account: settings.cost_linked_account.clone(),
            };
            let budget = settings.budget_amount.map(|amount| Budget {
                amount,
                thresholds: settings.budget_thresholds.0.clone(),
            });
            (query, budget)
        };
        let options = ViewOptions {
            now: time::OffsetDateTime::now_utc(),
            refresh,
            theme,
            width,
        };
        let access = match choice {
            Ok(choice) => match self.credentials.aws_access(&choice).await {
                Ok(access) => Some(access),
                Err(CheckError::NotStored(_)) => None,
                Err(CheckError::Keychain(error)) => {
                    // Cost Explorer cannot be asked; the last figures still can be shown.
                    let why = crate::cost::Stale {
                        code: error.code().to_string(),
                        message: error.to_string(),
                    };
                    return match self.costs.view_cached(&query, budget, options, why)? {
                        Some(view) => Ok(view),
                        None => Err(CheckError::Keychain(error).into()),
                    };
                }
                Err(other) => return Err(other.into()),
            },
            Err(CheckError::NoProfileChosen) => None,
            Err(other) => return Err(other.into()),
        };
        let Some(access) = access else {
            return self.costs.view(None, &query, budget, options).await;
        };
        let query = CostQuery {
            account: crate::secrets::account_name(&access),
            ..query
        };
        let config = crate::secrets::sdk_config(&access, &target).await;
        drop(access);
        let explorer = CostExplorer::new(&config, &CostEndpoints::default());
        let source: &dyn CostSource = &explorer;
        self.costs.view(Some(source), &query, budget, options).await
    }

    fn aws_choice_and_target(&self) -> (Result<AwsChoice, CheckError>, AwsTarget) {
        let settings = lock(&self.settings);
        let choice = match settings.aws_source {
            AwsSource::Keys => Ok(AwsChoice::Keys),
            AwsSource::Profile => settings
                .aws_profile
                .clone()
                .map(AwsChoice::Profile)
                .ok_or(CheckError::NoProfileChosen),
        };
        let target = AwsTarget {
            region: settings.aws_region.clone(),
            endpoint_url: None,
        };
        (choice, target)
    }

    /// Checks AWS access the way settings say to find it (keychain keys or a profile).
    pub async fn check_aws(&self) -> Result<CheckRecord, CheckError> {
        let (choice, target) = self.aws_choice_and_target();
        self.credentials.check_aws(&choice?, &target).await
    }

    /// Removes a notice once the user has read it.
    pub fn dismiss_notice(&self, code: &str) -> AppStatus {
        lock(&self.notices).retain(|notice| notice.code != code);
        self.status()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemoryStore;
    use crate::settings::{LanguagePreference, SETTINGS_FILE};

    fn load(root: &std::path::Path, locale: Option<String>) -> AppState {
        AppState::load(dirs(root), locale, Arc::new(MemoryStore::default()))
    }
    use serde_json::json;

    fn dirs(root: &std::path::Path) -> AppDirs {
        AppDirs {
            config: root.join("config"),
            data: root.join("data"),
            cache: root.join("cache"),
            log: root.join("log"),
        }
    }

    #[test]
    fn language_follows_os_until_chosen() {
        let root = tempfile::tempdir().unwrap();
        let state = load(root.path(), Some("es-AR".into()));
        assert_eq!(state.status().language, Language::Es);
        let status = state.update_settings(&json!({"language": "en"})).unwrap();
        assert_eq!(status.language, Language::En);
        assert_eq!(status.settings.language, LanguagePreference::En);
    }

    #[test]
    fn refused_change_leaves_memory_and_disk_alone() {
        let root = tempfile::tempdir().unwrap();
        let state = load(root.path(), None);
        state.update_settings(&json!({"theme": "dark"})).unwrap();
        let file = root.path().join("config").join(SETTINGS_FILE);
        let before = std::fs::read(&file).unwrap();
        assert!(state
            .update_settings(&json!({"theme": "light", "language": "klingon"}))
            .is_err());
        assert_eq!(std::fs::read(&file).unwrap(), before);
        assert_eq!(
            state.status().settings.theme,
            crate::settings::ThemePreference::Dark
        );
    }

    #[test]
    fn corrupt_settings_become_a_dismissable_notice() {
        let root = tempfile::tempdir().unwrap();
        let config = root.path().join("config");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(config.join(SETTINGS_FILE), "garbage").unwrap();
        let state = load(root.path(), None);
        let status = state.status();
        assert_eq!(status.notices.len(), 1);
        assert_eq!(status.notices[0].code, "settings_corrupt");
        assert!(status.notices[0].message.contains(".bak"));
        assert!(state.dismiss_notice("settings_corrupt").notices.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_settings_are_never_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let config = root.path().join("config");
        std::fs::create_dir_all(&config).unwrap();
        let file = config.join(SETTINGS_FILE);
        std::fs::write(&file, r#"{"language":"es"}"#).unwrap();
        // A directory where the file should be cannot be read as a file, even by root.
        std::fs::remove_file(&file).unwrap();
        std::fs::create_dir(&file).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        let state = load(root.path(), None);
        assert_eq!(state.status().notices[0].code, "settings_unreadable");
        let error = state
            .update_settings(&json!({"language": "en"}))
            .unwrap_err();
        assert!(matches!(error, SettingsError::SaveBlocked { .. }));
        assert!(file.is_dir());
    }
}
