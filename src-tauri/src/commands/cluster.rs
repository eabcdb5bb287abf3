//! Deployment commands: contexts, connection, permissions, preview, deploy, live rollout,
//! scale, autoscaler range, restart, rollback, uninstall, and the audit log (Activity).
//! The OpenAI key goes from the keychain to the cluster's Secret here; it is never returned.

use tauri::ipc::Channel;
use tauri::State;

use purser_core::audit::AuditEntry;
use purser_core::cluster::{
    AppSpec, AppSummary, ConnectionInfo, ContextList, Permission, Preview, RolloutStatus,
    ScaleOutcome, Target, UninstallReport,
};
use purser_core::error::AppError;
use purser_core::state::AppState;

/// Contexts from the kubeconfig (and the sandbox), plus the last choice.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn kube_contexts(state: State<'_, AppState>) -> Result<ContextList, AppError> {
    Ok(state.cluster().contexts())
}

/// Connects to a context (server version, namespaces) and remembers the choice.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "warn"))]
pub async fn kube_connect(
    state: State<'_, AppState>,
    context: String,
) -> Result<ConnectionInfo, AppError> {
    state.kube_connect(&context).await
}

/// Forgets the connection (another context was chosen): nothing acts on a cluster until the
/// next connect.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn kube_disconnect(state: State<'_, AppState>) {
    state.cluster().disconnect();
}

/// Remembers the namespace chosen (or typed) for the current context.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "warn"))]
pub async fn kube_choose_namespace(
    state: State<'_, AppState>,
    namespace: String,
) -> Result<(), AppError> {
    state.choose_namespace(&namespace)
}

/// Which of the permissions Purser uses the user has in the namespace.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "warn"))]
pub async fn kube_permissions(
    state: State<'_, AppState>,
    target: Target,
) -> Result<Vec<Permission>, AppError> {
    Ok(state.cluster().permissions(&target).await?)
}

/// Purser's apps in the namespace.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "warn"))]
pub async fn kube_apps(
    state: State<'_, AppState>,
    target: Target,
) -> Result<Vec<AppSummary>, AppError> {
    Ok(state.cluster().apps(&target).await?)
}

/// What deploying the form would change (server-side dry run). Changes nothing.
#[tauri::command]
#[tracing::instrument(skip(state, spec), fields(app = %spec.name), err(level = "warn"))]
pub async fn deploy_preview(
    state: State<'_, AppState>,
    target: Target,
    spec: AppSpec,
) -> Result<Preview, AppError> {
    state.deploy_preview(&target, &spec).await
}

/// Deploys the form; `take_over` resolves conflicts with other tools in Purser's favour.
#[tauri::command]
#[tracing::instrument(skip(state, spec), fields(app = %spec.name), err(level = "warn"))]
pub async fn deploy_app(
    state: State<'_, AppState>,
    target: Target,
    spec: AppSpec,
    take_over: bool,
) -> Result<RolloutStatus, AppError> {
    state.deploy(&target, &spec, take_over).await
}

/// Streams the app's rollout status to the window until another watch replaces it.
#[tauri::command]
#[tracing::instrument(skip(state, on_status), err(level = "warn"))]
pub async fn watch_rollout(
    state: State<'_, AppState>,
    target: Target,
    app: String,
    on_status: Channel<RolloutStatus>,
) -> Result<(), AppError> {
    // A closed window ends the watch (the send fails).
    Ok(state
        .cluster()
        .watch_rollout(&target, &app, move |status| on_status.send(status).is_ok())
        .await?)
}

/// Sets the number of copies.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "warn"))]
pub async fn scale_app(
    state: State<'_, AppState>,
    target: Target,
    app: String,
    replicas: i64,
) -> Result<ScaleOutcome, AppError> {
    Ok(state.cluster().scale(&target, &app, replicas).await?)
}

/// Sets the range of the autoscaler that manages the app.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "warn"))]
pub async fn set_autoscaler(
    state: State<'_, AppState>,
    target: Target,
    app: String,
    min: i64,
    max: i64,
) -> Result<(), AppError> {
    Ok(state
        .cluster()
        .set_autoscaler(&target, &app, min, max)
        .await?)
}

#[tauri::command]
#[tracing::instrument(skip(state), err(level = "warn"))]
pub async fn restart_app(
    state: State<'_, AppState>,
    target: Target,
    app: String,
) -> Result<RolloutStatus, AppError> {
    Ok(state.cluster().restart(&target, &app).await?)
}

#[tauri::command]
#[tracing::instrument(skip(state), err(level = "warn"))]
pub async fn rollback_app(
    state: State<'_, AppState>,
    target: Target,
    app: String,
) -> Result<RolloutStatus, AppError> {
    Ok(state.cluster().rollback(&target, &app).await?)
}

/// Removes what Purser created for the app (the window asks for confirmation first);
/// objects Purser took over from another tool only with `remove_adopted`.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "warn"))]
pub async fn uninstall_app(
    state: State<'_, AppState>,
    target: Target,
    app: String,
    remove_adopted: bool,
) -> Result<UninstallReport, AppError> {
    Ok(state
        .cluster()
        .uninstall(&target, &app, remove_adopted)
        .await?)
}

/// The newest audit entries, newest first.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "warn"))]
pub async fn audit_entries(
    state: State<'_, AppState>,
    limit: Option<usize>,
) -> Result<Vec<AuditEntry>, AppError> {
    Ok(state
        .cluster()
        .audit()
        .recent(limit.unwrap_or(200).min(1000))?)
}
