//! Shell-level commands: status bar, settings, notices.

use serde_json::Value;
use tauri::{AppHandle, Runtime, State};

use purser_core::about::About;

use purser_core::settings::SettingsPatch;
use purser_core::{AppError, AppStatus, Purser};

/// Everything the shell needs to draw itself: language, settings, status bar, notices.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn app_status(purser: State<'_, Purser>) -> AppStatus {
    purser.status()
}

/// Changes one or more settings, e.g. `{ "language": "es" }`. Nothing changes on error.
/// The patch arrives as JSON so that an unknown setting is refused by name, as an error the
/// window can show, rather than as an argument the command could not read.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub fn update_settings<R: Runtime>(
    app: AppHandle<R>,
    purser: State<'_, Purser>,
    patch: Value,
) -> Result<AppStatus, AppError> {
    let status = purser.update_settings(&SettingsPatch::from_json(&patch)?)?;
    // The language may have changed: the menu bar and the tray follow.
    crate::speak(&app);
    Ok(status)
}

/// Removes a notice the user has read.
#[tauri::command]
#[tracing::instrument(skip(purser))]
pub fn dismiss_notice(purser: State<'_, Purser>, code: String) -> AppStatus {
    purser.dismiss_notice(&code)
}

/// What the About box shows: version, licence, and the crates built in with theirs.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn about_purser() -> About {
    purser_core::about::about()
}

/// The overview the window opens on: this month, every known app, failing keys, the guide.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn overview(purser: State<'_, Purser>) -> Result<purser_core::Overview, AppError> {
    Ok(purser.overview().await)
}

/// Skips a step of the first-run guide, closes it, or opens it again.
#[tauri::command]
#[tracing::instrument(skip(purser))]
pub async fn guide_act(
    purser: State<'_, Purser>,
    action: purser_core::guide::GuideAction,
) -> Result<purser_core::guide::GuideView, AppError> {
    Ok(purser.guide_act(action).await)
}

/// Updates as Settings shows them: available, on or off, the last look and what it found.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn update_status<R: Runtime>(app: AppHandle<R>) -> purser_core::update::UpdateStatus {
    crate::updates::status(&app)
}

/// Looks for a new version now ("Check now"). A failure is in the status, never an error.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn update_check<R: Runtime>(app: AppHandle<R>) -> purser_core::update::UpdateStatus {
    crate::updates::look(&app).await
}

/// Installs the version on offer, on the user's OK, between guard actions; Purser restarts.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn update_install<R: Runtime>(app: AppHandle<R>) -> purser_core::update::UpdateStatus {
    crate::updates::install(&app).await
}
