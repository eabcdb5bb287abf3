//! Budget guard commands: an app's policy and what the guard would do, approve, dismiss and
//! revert, pause, a check now, and what a number of copies would cost.

use tauri::{AppHandle, Runtime, State};

use purser_core::cluster::UninstallReport;
use purser_core::cluster::{AppName, AppSpec, Target};
use purser_core::guard::{HoldChoice, Lever, Policy};
use purser_core::{
    AppError, CostPreview, GuardInstallPreview, GuardView, InstallForm, Purser, TestNow,
};

/// The guard's state for one app.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn guard_view(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
) -> Result<GuardView, AppError> {
    purser.guard_view(&target, &app).await
}

/// Sets the app's policy (off, notify, propose or automatic with a floor); a floor of 0
/// copies needs `confirm_zero` once (the window asks in words).
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn set_guard_policy(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    policy: Policy,
    confirm_zero: bool,
) -> Result<GuardView, AppError> {
    purser
        .set_guard_policy(&target, &app, policy, confirm_zero)
        .await
}

/// Approves the waiting proposal: the app is scaled down.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn guard_approve(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
) -> Result<GuardView, AppError> {
    purser.guard_approve(&target, &app).await
}

/// Turns the waiting proposal down.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn guard_dismiss(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
) -> Result<GuardView, AppError> {
    purser.guard_dismiss(&target, &app).await
}

/// Guards the app from this computer while its guard in the cluster is not working (`on`),
/// or stands aside for that guard again.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn guard_stand_in(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    on: bool,
) -> Result<GuardView, AppError> {
    purser.guard_stand_in(&target, &app, on).await
}

/// Puts back what the guard changed (`anyway`: the user confirmed after being asked), then
/// holds off on the app as the user chose.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn guard_revert(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    anyway: bool,
    hold: HoldChoice,
) -> Result<GuardView, AppError> {
    purser.guard_revert(&target, &app, anyway, hold).await
}

/// Sets what the guard may do with OpenAI's part of the bill for the app.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn set_guard_openai_lever(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    lever: Lever,
) -> Result<GuardView, AppError> {
    purser.set_guard_openai_lever(&target, &app, lever).await
}

/// Approves the waiting cap on OpenAI's spend.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn guard_approve_openai(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
) -> Result<GuardView, AppError> {
    purser.guard_approve_openai(&target, &app).await
}

/// Turns the waiting cap on OpenAI's spend down.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn guard_dismiss_openai(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
) -> Result<GuardView, AppError> {
    purser.guard_dismiss_openai(&target, &app).await
}

/// Sets the prices a copy is estimated at; resolves with the app's guard view.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn set_guard_prices(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    vcpu_hour: f64,
    gb_hour: f64,
) -> Result<GuardView, AppError> {
    purser
        .set_guard_prices(&target, &app, vcpu_hour, gb_hour)
        .await
}

/// Sets the cost-allocation tag a copy's cost is measured by (empty: none); resolves with the
/// app's guard view.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn set_guard_cost_tag(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    tag: String,
) -> Result<GuardView, AppError> {
    purser.set_guard_cost_tag(&target, &app, &tag).await
}

/// Pauses or resumes the guard for every app.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub fn guard_pause<R: Runtime>(
    app: AppHandle<R>,
    purser: State<'_, Purser>,
    paused: bool,
) -> Result<(), AppError> {
    purser.pause_guard(paused)?;
    // The tray's Pause item says Resume now (or the other way round).
    crate::speak(&app);
    Ok(())
}

/// Runs the guard now (as the schedule does) and returns what the user must be told.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn guard_check(purser: State<'_, Purser>) -> Result<Vec<AppError>, AppError> {
    Ok(purser.guard_check().await)
}

/// What running `replicas` copies of the app would cost.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn scale_cost(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    replicas: i64,
) -> Result<CostPreview, AppError> {
    purser.scale_preview(&target, &app, replicas).await
}

/// What the deploy form would cost a month, against what runs now.
#[tauri::command]
#[tracing::instrument(skip(purser, spec), fields(app = %spec.name), err(level = "warn"))]
pub async fn form_cost(
    purser: State<'_, Purser>,
    target: Target,
    spec: AppSpec,
) -> Result<CostPreview, AppError> {
    purser.form_cost(&target, &spec).await
}

/// The sizes the deploy form offers (Small, Medium, Large), each with its price per copy.
#[tauri::command]
pub fn size_presets(purser: State<'_, Purser>) -> Vec<purser_core::guard::PricedSize> {
    purser.size_presets()
}

/// What installing the guard in the cluster for the app would change (a server dry run), the
/// YAML to export, the AWS policy its role needs, and the budget it would share.
#[tauri::command]
#[tracing::instrument(skip(purser, form), err(level = "warn"))]
pub async fn guard_install_preview(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    form: InstallForm,
) -> Result<GuardInstallPreview, AppError> {
    purser.guard_install_preview(&target, &app, &form).await
}

/// Installs the guard in the cluster for the app (sharing its budget if not shared yet).
#[tauri::command]
#[tracing::instrument(skip(purser, form), err(level = "warn"))]
pub async fn guard_install(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    form: InstallForm,
) -> Result<GuardView, AppError> {
    purser.guard_install(&target, &app, &form).await
}

/// Removes the guard's objects for the app from the cluster (the shared record stays).
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn guard_uninstall(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
) -> Result<UninstallReport, AppError> {
    purser.guard_uninstall(&target, &app).await
}

/// Starts one check of the guard in the cluster now (on the sandbox, runs it here).
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn guard_test_now(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
) -> Result<TestNow, AppError> {
    purser.guard_test_now(&target, &app).await
}

/// Sets the budget every stakeholder's Purser shows for the app (its shared record).
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn set_shared_budget(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    amount: String,
) -> Result<GuardView, AppError> {
    purser.set_shared_budget(&target, &app, &amount).await
}
