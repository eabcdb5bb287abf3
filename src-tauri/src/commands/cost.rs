//! Cost & budget commands: the view (chart included), the OpenAI projects to choose from, and
//! exports through a save dialog.

use std::path::PathBuf;

use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use purser_core::chart::view::{CostView, ExportFormat};
use purser_core::chart::Theme;
use purser_core::{AppError, OpenAiLimits, OpenAiProject, Purser};

/// Costs against the budget, from the cache or Cost Explorer (`refresh` forces a request), or
/// sample data while AWS is not connected; the chart drawn `width` pixels wide.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn cost_view(
    purser: State<'_, Purser>,
    refresh: bool,
    theme: Theme,
    width: u32,
) -> Result<CostView, AppError> {
    purser.cost_view(refresh, theme, width).await
}

/// The OpenAI projects the admin key can see, for choosing the app's.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn openai_projects(purser: State<'_, Purser>) -> Result<Vec<OpenAiProject>, AppError> {
    purser.openai_projects().await
}

/// OpenAI's hard spend limits (the project's, the organisation's) beside this month's spend.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn openai_limits(purser: State<'_, Purser>) -> Result<OpenAiLimits, AppError> {
    purser.openai_limits().await
}

/// Caps the project's OpenAI spend at `amount` a month (as typed in the user's language).
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn set_openai_cap(
    purser: State<'_, Purser>,
    amount: String,
) -> Result<OpenAiLimits, AppError> {
    purser.set_openai_cap(&amount).await
}

/// Puts back the limit the project had before Purser set one (`anyway`: after being asked).
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn revert_openai_cap(
    purser: State<'_, Purser>,
    anyway: bool,
) -> Result<OpenAiLimits, AppError> {
    purser.revert_openai_cap(anyway).await
}

/// Saves the chart (PNG or SVG) or its figures (CSV) where the user chooses. Resolves with the
/// path written, or `None` if the user cancelled.
#[tauri::command]
#[tracing::instrument(skip(app, purser), err(level = "warn"))]
pub async fn export_cost<R: Runtime>(
    app: AppHandle<R>,
    purser: State<'_, Purser>,
    format: ExportFormat,
    theme: Theme,
) -> Result<Option<String>, AppError> {
    let export = purser.export_cost(format, theme)?;
    let title = format.dialog_title(purser.language());
    let Some(path) = ask_where_to_save(&app, title, &export.file_name, format).await else {
        return Ok(None);
    };
    purser.write_export(&path, &export)?;
    tracing::info!(path = %path.display(), "cost export written");
    Ok(Some(path.display().to_string()))
}

async fn ask_where_to_save<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    file_name: &str,
    format: ExportFormat,
) -> Option<PathBuf> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(title)
        .set_file_name(file_name)
        .add_filter(format.extension().to_uppercase(), &[format.extension()])
        .save_file(move |path| {
            let _ = sender.send(path.and_then(|p| p.into_path().ok()));
        });
    receiver.await.ok().flatten()
}
