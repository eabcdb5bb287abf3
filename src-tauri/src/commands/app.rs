//! Shell-level commands: status bar, settings, notices.

use serde_json::Value;
use tauri::State;

use purser_core::error::AppError;
use purser_core::state::{AppState, AppStatus};

/// Everything the shell needs to draw itself: language, settings, status bar, notices.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn app_status(state: State<'_, AppState>) -> AppStatus {
    state.status()
}

/// Changes one or more settings, e.g. `{ "language": "es" }`. Nothing changes on error.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub fn update_settings(state: State<'_, AppState>, patch: Value) -> Result<AppStatus, AppError> {
    state.update_settings(&patch).map_err(AppError::from)
}

/// Removes a notice the user has read.
#[tauri::command]
#[tracing::instrument(skip(state))]
pub fn dismiss_notice(state: State<'_, AppState>, code: String) -> AppStatus {
    state.dismiss_notice(&code)
}
