//! Credentials commands: stored secrets (masked), store/replace/delete, checks.
//! Secret values arrive here and go straight to the core; none is ever returned.

use tauri::State;

use purser_core::secrets::credentials::{CheckRecord, CredentialsOverview};
use purser_core::secrets::{Secret, SecretKind};
use purser_core::{AppError, Purser};

/// Which secrets are stored ("ends in 4f2a"), and the last check results.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn credentials_overview(
    purser: State<'_, Purser>,
) -> Result<CredentialsOverview, AppError> {
    purser.credentials_overview().await
}

/// Stores or replaces a secret after validating it.
#[tauri::command]
#[tracing::instrument(skip(purser, value), err(level = "warn"))]
pub async fn store_secret(
    purser: State<'_, Purser>,
    kind: SecretKind,
    value: Secret,
) -> Result<CredentialsOverview, AppError> {
    purser.store_secret(kind, value).await
}

/// Removes a secret from the keychain.
#[tauri::command]
#[tracing::instrument(skip(purser), err(level = "warn"))]
pub async fn delete_secret(
    purser: State<'_, Purser>,
    kind: SecretKind,
) -> Result<CredentialsOverview, AppError> {
    purser.delete_secret(kind).await
}

/// Lists models with the stored OpenAI key.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn check_openai(purser: State<'_, Purser>) -> Result<CheckRecord, AppError> {
    purser.check_openai().await
}

/// Checks that the stored OpenAI admin key reads the organisation's costs.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn check_openai_admin(purser: State<'_, Purser>) -> Result<CheckRecord, AppError> {
    purser.check_openai_admin().await
}

/// Asks AWS STS whose credentials these are.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn check_aws(purser: State<'_, Purser>) -> Result<CheckRecord, AppError> {
    purser.check_aws().await
}

/// Profile names from the user's AWS config files.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn list_aws_profiles(purser: State<'_, Purser>) -> Result<Vec<String>, AppError> {
    Ok(purser.aws_profiles().await)
}
