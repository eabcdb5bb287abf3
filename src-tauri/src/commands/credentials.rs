//! Credentials commands: stored secrets (masked), store/replace/delete, checks.
//! Secret values arrive here and go straight to the core; none is ever returned.

use tauri::State;

use purser_core::credentials::{CheckRecord, CredentialsOverview};
use purser_core::error::AppError;
use purser_core::secrets::{self, Secret, SecretKind};
use purser_core::state::AppState;

/// Which secrets are stored ("ends in 4f2a"), and the last check results.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn credentials_overview(
    state: State<'_, AppState>,
) -> Result<CredentialsOverview, AppError> {
    Ok(state.credentials().overview().await?)
}

/// Stores or replaces a secret after validating it.
#[tauri::command]
#[tracing::instrument(skip(state, value), err(level = "warn"))]
pub async fn store_secret(
    state: State<'_, AppState>,
    kind: SecretKind,
    value: Secret,
) -> Result<CredentialsOverview, AppError> {
    Ok(state.credentials().store(kind, value).await?)
}

/// Removes a secret from the keychain.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "warn"))]
pub async fn delete_secret(
    state: State<'_, AppState>,
    kind: SecretKind,
) -> Result<CredentialsOverview, AppError> {
    Ok(state.credentials().delete(kind).await?)
}

/// Lists models with the stored OpenAI key.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn check_openai(state: State<'_, AppState>) -> Result<CheckRecord, AppError> {
    Ok(state.check_openai().await?)
}

/// Asks AWS STS whose credentials these are.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn check_aws(state: State<'_, AppState>) -> Result<CheckRecord, AppError> {
    Ok(state.check_aws().await?)
}

/// Profile names from the user's AWS config files.
#[tauri::command]
#[tracing::instrument]
pub async fn list_aws_profiles() -> Vec<String> {
    secrets::list_profiles().await
}
