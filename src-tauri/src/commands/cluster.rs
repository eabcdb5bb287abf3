//! Deployment commands: contexts, connection, permissions, preview, deploy, live rollout,
//! scale, autoscaler range, restart, rollback, uninstall, and the audit log (Activity).

use tauri::ipc::Channel;
use tauri::State;

use purser_core::audit::AuditEntry;
use purser_core::cluster::{
    AppName, AppSpec, AppSummary, ConnectionInfo, ContextList, Permission, Preview, RolloutStatus,
    ScaleOutcome, Target, UninstallReport,
};
use purser_core::{AppError, Purser};

/// Contexts from the kubeconfig (and the sandbox).
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn kube_contexts(purser: State<'_, Purser>) -> ContextList {
    purser.kube_contexts()
}

/// Connects to a context (server version, namespaces) and remembers the choice.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn kube_connect(
    purser: State<'_, Purser>,
    context: String,
) -> Result<ConnectionInfo, AppError> {
    purser.kube_connect(&context).await
}

/// Forgets the connection (another context was chosen): nothing acts on a cluster until the
/// next connect.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn kube_disconnect(purser: State<'_, Purser>) {
    purser.kube_disconnect()
}

/// Remembers the namespace chosen (or typed) for the current context.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub fn kube_choose_namespace(purser: State<'_, Purser>, namespace: String) -> Result<(), AppError> {
    purser.choose_namespace(&namespace)
}

/// Which of the permissions Purser uses the user has in the namespace.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn kube_permissions(
    purser: State<'_, Purser>,
    target: Target,
) -> Result<Vec<Permission>, AppError> {
    purser.permissions(&target).await
}

/// Purser's apps in the namespace.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn kube_apps(
    purser: State<'_, Purser>,
    target: Target,
) -> Result<Vec<AppSummary>, AppError> {
    purser.apps(&target).await
}

/// What deploying the form would change (server-side dry run). Changes nothing. The dry
/// run carries the key too: an insecurely reached cluster needs `insecure_ok`.
#[tauri::command]
#[tracing::instrument(skip(purser, spec), fields(app = %spec.name), err(level = "warn"))]
pub async fn deploy_preview(
    purser: State<'_, Purser>,
    target: Target,
    spec: AppSpec,
    insecure_ok: Option<bool>,
) -> Result<Preview, AppError> {
    purser
        .preview_over(&target, &spec, insecure_ok.unwrap_or(false))
        .await
}

/// Deploys the form; `take_over` lets Purser manage what another tool created;
/// `insecure_ok`: the user said yes to sending the key over an insecure connection.
#[tauri::command]
#[tracing::instrument(skip(purser, spec), fields(app = %spec.name), err(level = "warn"))]
pub async fn deploy_app(
    purser: State<'_, Purser>,
    target: Target,
    spec: AppSpec,
    take_over: bool,
    insecure_ok: Option<bool>,
) -> Result<RolloutStatus, AppError> {
    purser
        .deploy_over(&target, &spec, take_over, insecure_ok.unwrap_or(false))
        .await
}

/// Streams the app's rollout status to the window until another watch replaces it (or the
/// window is gone: the send fails and the watch ends).
#[tauri::command]
#[tracing::instrument(skip(purser, on_status), err(level = "warn"))]
pub async fn watch_rollout(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    on_status: Channel<RolloutStatus>,
) -> Result<(), AppError> {
    purser
        .watch_rollout(&target, &app, move |status| on_status.send(status).is_ok())
        .await
}

/// Sets the number of copies.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn scale_app(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    replicas: i64,
) -> Result<ScaleOutcome, AppError> {
    purser.scale(&target, &app, replicas).await
}

/// Sets the range of the autoscaler that manages the app.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn set_autoscaler(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    min: i64,
    max: i64,
) -> Result<(), AppError> {
    purser.set_autoscaler(&target, &app, min, max).await
}

/// Restarts every copy, one after the other.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn restart_app(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
) -> Result<RolloutStatus, AppError> {
    purser.restart(&target, &app).await
}

/// Goes back to the previous version.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn rollback_app(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
) -> Result<RolloutStatus, AppError> {
    purser.rollback(&target, &app).await
}

/// Removes what Purser created for the app (the window asks for confirmation first);
/// objects Purser took over from another tool only with `remove_adopted`.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn uninstall_app(
    purser: State<'_, Purser>,
    target: Target,
    app: AppName,
    remove_adopted: bool,
) -> Result<UninstallReport, AppError> {
    purser.uninstall(&target, &app, remove_adopted).await
}

/// The newest audit entries, newest first.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub fn audit_entries(
    purser: State<'_, Purser>,
    limit: Option<usize>,
) -> Result<Vec<AuditEntry>, AppError> {
    purser.audit_entries(limit.unwrap_or(200))
}
