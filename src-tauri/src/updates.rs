//! Signed updates with tauri-plugin-updater: where to look and with which key, the daily look,
//! and the install on the user's OK. When and what to say are the core's
//! ([`purser_core::update`]); here is only what needs Tauri and the plugin.
//!
//! A build has updates only when the release workflow gave it an update key and address
//! (`PURSER_UPDATE_PUBKEY`, `PURSER_UPDATE_ENDPOINT` at compile time). A build from source has
//! neither: Settings says updates come with the source, and nothing is ever requested.

use std::sync::Mutex;
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_updater::{Error as PluginError, Update, UpdaterExt};

use purser_core::update::{Due, Finding, Offer, UpdateStatus};
use purser_core::Purser;

/// The window's event when a daily look found something to say (the payload: the status).
pub const UPDATE_EVENT: &str = "update-status";

/// The first automatic look after start-up: well after the first screen.
const FIRST_AFTER: Duration = Duration::from_secs(2 * 60);

/// How often the schedule asks whether a look is due (the look itself is daily).
const TICK: Duration = Duration::from_secs(60 * 60);

/// How long a look or a download may take before it counts as offline.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Where updates come from and the key they must be signed with.
#[derive(Debug, Clone)]
pub struct UpdateSource {
    pub endpoint: tauri::Url,
    /// The minisign public key, as `tauri signer generate` writes it (base64).
    pub pubkey: String,
}

impl UpdateSource {
    /// This build's source, if the release workflow gave it one.
    pub fn of_build() -> Option<Self> {
        let pubkey = option_env!("PURSER_UPDATE_PUBKEY")?.trim();
        let endpoint = option_env!("PURSER_UPDATE_ENDPOINT")?.trim().parse().ok()?;
        (!pubkey.is_empty()).then(|| Self {
            endpoint,
            pubkey: pubkey.to_string(),
        })
    }
}

/// The updater's state: its source, and the update on offer (kept for the install).
pub struct Updater {
    source: Option<UpdateSource>,
    offered: Mutex<Option<Update>>,
    /// One look or install at a time (the schedule and "Check now" could overlap).
    busy: tokio::sync::Mutex<()>,
}

impl Updater {
    pub fn new(source: Option<UpdateSource>) -> Self {
        Self {
            source,
            offered: Mutex::new(None),
            busy: tokio::sync::Mutex::new(()),
        }
    }

    fn available(&self) -> bool {
        self.source.is_some()
    }
}

/// Updates as the window shows them. Without an [`Updater`] (never managed), unavailable.
pub fn status<R: Runtime>(app: &AppHandle<R>) -> UpdateStatus {
    let available = app.try_state::<Updater>().is_some_and(|u| u.available());
    app.state::<Purser>().update_status(available)
}

/// Looks now, as "Check now" asks: not for an unavailable build, nor while the guard acts.
pub async fn look<R: Runtime>(app: &AppHandle<R>) -> UpdateStatus {
    look_when(app, |due| {
        !matches!(due, Due::Unavailable | Due::GuardActing)
    })
    .await
}

/// Looks if a daily look is due.
pub async fn look_if_due<R: Runtime>(app: &AppHandle<R>) -> UpdateStatus {
    look_when(app, |due| due == Due::Now).await
}

async fn look_when<R: Runtime>(app: &AppHandle<R>, allowed: impl Fn(Due) -> bool) -> UpdateStatus {
    let purser = app.state::<Purser>();
    let Some(updater) = app.try_state::<Updater>() else {
        return purser.update_status(false);
    };
    let Some(source) = updater.source.clone() else {
        return purser.update_status(false);
    };
    let _one = updater.busy.lock().await;
    if !allowed(purser.update_due(true)) {
        return purser.update_status(true);
    }
    let found = match check(app, &source).await {
        Ok(Some(update)) => {
            let offer = Offer::new(update.version.clone(), update.body.clone(), update.date);
            *purser_core::sync::lock(&updater.offered) = Some(update);
            Finding::Offered(offer)
        }
        Ok(None) => Finding::UpToDate,
        Err(error) => {
            // One quiet line in Settings; the details go to the log only.
            tracing::info!(%error, "looking for an update failed");
            finding_of(&error)
        }
    };
    if !matches!(found, Finding::Offered(_)) {
        *purser_core::sync::lock(&updater.offered) = None;
    }
    purser.record_update(found, true)
}

async fn check<R: Runtime>(
    app: &AppHandle<R>,
    source: &UpdateSource,
) -> Result<Option<Update>, PluginError> {
    app.updater_builder()
        .endpoints(vec![source.endpoint.clone()])?
        .pubkey(source.pubkey.clone())
        .timeout(TIMEOUT)
        .build()?
        .check()
        .await
}

/// Downloads the update on offer, checks its signature, and installs it, between guard
/// actions. Returns the status to show; on success the app restarts into the new version.
/// A download that does not match its signature is refused and nothing is installed.
pub async fn install<R: Runtime>(app: &AppHandle<R>) -> UpdateStatus {
    let purser = app.state::<Purser>();
    let Some(updater) = app.try_state::<Updater>() else {
        return purser.update_status(false);
    };
    let _one = updater.busy.lock().await;
    let Some(update) = purser_core::sync::lock(&updater.offered).clone() else {
        return purser.update_status(updater.available());
    };
    let version = update.version.clone();
    let paused = purser.pause_guard_for_update().await;
    tracing::info!(%version, "installing an update on the user's OK");
    let found = match update.download(|_, _| {}, || {}).await {
        Err(error) => download_failed(&error, &version),
        Ok(bytes) => match update.install(bytes) {
            Ok(()) => Finding::Installed {
                version: version.clone(),
            },
            Err(error) => {
                tracing::warn!(%error, "the update did not install");
                Finding::InstallFailed {
                    version: version.clone(),
                }
            }
        },
    };
    *purser_core::sync::lock(&updater.offered) = None;
    let installed = matches!(found, Finding::Installed { .. });
    let status = purser.record_update(found, true);
    drop(paused);
    if installed {
        app.restart();
    }
    status
}

/// What a plugin error means to the user.
fn finding_of(error: &PluginError) -> Finding {
    use PluginError as E;
    match error {
        E::Reqwest(_) | E::Network(_) | E::Io(_) => Finding::Offline,
        E::TargetNotFound(_) | E::TargetsNotFound(_) | E::UnsupportedOs | E::UnsupportedArch => {
            Finding::NoBuildForThisComputer
        }
        E::Minisign(_)
        | E::Base64(_)
        | E::SignatureUtf8(_)
        | E::SignedVersionMismatch { .. }
        | E::MissingSignedVersion => Finding::BadSignature {
            version: String::new(),
        },
        _ => Finding::ServerError,
    }
}

/// A download's failure, named with the version it was for.
fn download_failed(error: &PluginError, version: &str) -> Finding {
    tracing::info!(%error, "the update did not download");
    match finding_of(error) {
        Finding::BadSignature { .. } => Finding::BadSignature {
            version: version.into(),
        },
        Finding::Offline => Finding::Offline,
        _ => Finding::InstallFailed {
            version: version.into(),
        },
    }
}

/// The daily look: soon after start-up, then whenever a tick finds one due. An offer, or a
/// failure, reaches the window as an event; the failure is never a dialog.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(FIRST_AFTER).await;
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticks.tick().await;
            let before = status(&app).last_checked;
            let now = look_if_due(&app).await;
            if now.last_checked != before {
                let _ = app.emit(UPDATE_EVENT, &now);
            }
        }
    });
}
