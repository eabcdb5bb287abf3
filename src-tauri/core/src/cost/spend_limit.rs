//! OpenAI's hard spend limits, read and set with the admin key: a project's
//! (`/organization/projects/{id}/spend_limit`: GET, POST, DELETE) and the organisation's
//! (`/organization/spend_limit`, read only here). Amounts are whole cents in USD, per month.
//! A project without a limit answers 404: "no limit", not an error. A restricted admin key
//! without the permission is told with the permission's name, and nothing else is affected.

use std::time::Duration;

use async_openai::error::OpenAIError;
use async_openai::types::admin::projects::{
    SpendLimitEnforcementStatus, UpdateProjectSpendLimitBody, UpdateProjectSpendLimitBodyCurrency,
    UpdateProjectSpendLimitBodyInterval,
};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::secrets::{normalise_base_url, CheckError, OpenAiEndpoint, Secret};

/// A hard spend limit: what OpenAI refuses requests above, this month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpendLimit {
    /// USD cents.
    pub cents: i64,
    /// OpenAI is refusing the project's requests now (the month's spend reached it).
    pub enforcing: bool,
}

/// Why a limit could not be read or set.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LimitError {
    /// The admin key lacks the permission (a restricted key): named for the user.
    #[error("the admin key may not {action} spend limits")]
    Forbidden { action: &'static str },
    #[error("the spend limit must be a whole number of cents above zero")]
    BadAmount,
    #[error(transparent)]
    Check(#[from] CheckError),
}

impl From<LimitError> for AppError {
    fn from(error: LimitError) -> Self {
        let message = error.to_string();
        match error {
            LimitError::Forbidden { action } => {
                let permission = match action {
                    "read" => "Spend limits: Read",
                    _ => "Spend limits: Write",
                };
                AppError::new("openai_limit_forbidden", message).with("permission", permission)
            }
            LimitError::BadAmount => AppError::new("openai_limit_amount", message),
            LimitError::Check(inner) => inner.into(),
        }
    }
}

/// How long one spend-limit request may take.
const TIMEOUT: Duration = Duration::from_secs(20);

fn status_of(error: &OpenAIError) -> Option<u16> {
    match error {
        OpenAIError::ApiError(response) => Some(response.status_code.as_u16()),
        OpenAIError::Reqwest(error) => error.status().map(|s| s.as_u16()),
        _ => None,
    }
}

fn classify(error: OpenAIError, base_url: &str, action: &'static str) -> LimitError {
    match status_of(&error) {
        Some(403) => LimitError::Forbidden { action },
        _ => LimitError::Check(crate::secrets::classify_openai(error, base_url, TIMEOUT)),
    }
}

async fn within<T>(
    call: impl std::future::Future<Output = Result<T, LimitError>>,
) -> Result<T, LimitError> {
    tokio::time::timeout(TIMEOUT, call)
        .await
        .unwrap_or(Err(LimitError::Check(CheckError::Timeout {
            service: "OpenAI",
            seconds: TIMEOUT.as_secs(),
        })))
}

fn limit(cents: i64, status: &SpendLimitEnforcementStatus) -> SpendLimit {
    SpendLimit {
        cents,
        enforcing: *status == SpendLimitEnforcementStatus::Enforcing,
    }
}

/// The project's hard limit; `None` when it has none (OpenAI answers 404).
pub async fn project_limit(
    endpoint: &OpenAiEndpoint,
    key: &Secret,
    project: &str,
) -> Result<Option<SpendLimit>, LimitError> {
    let base_url = normalise_base_url(&endpoint.base_url)?;
    let client = crate::secrets::openai_client(&base_url, key);
    within(async {
        match client
            .admin()
            .projects()
            .spend_limit(project)
            .retrieve()
            .await
        {
            Ok(found) => Ok(Some(limit(
                found.threshold_amount,
                &found.enforcement.status,
            ))),
            Err(error) if status_of(&error) == Some(404) => Ok(None),
            Err(error) => Err(classify(error, &base_url, "read")),
        }
    })
    .await
}

/// The organisation's hard limit; `None` when it has none.
pub async fn organisation_limit(
    endpoint: &OpenAiEndpoint,
    key: &Secret,
) -> Result<Option<SpendLimit>, LimitError> {
    let base_url = normalise_base_url(&endpoint.base_url)?;
    let client = crate::secrets::openai_client(&base_url, key);
    within(async {
        match client.admin().spend_limit().retrieve().await {
            Ok(found) => Ok(Some(limit(
                found.threshold_amount,
                &found.enforcement.status,
            ))),
            Err(error) if status_of(&error) == Some(404) => Ok(None),
            Err(error) => Err(classify(error, &base_url, "read")),
        }
    })
    .await
}

/// Sets (or replaces) the project's hard limit to `cents` a month.
pub async fn set_project_limit(
    endpoint: &OpenAiEndpoint,
    key: &Secret,
    project: &str,
    cents: i64,
) -> Result<SpendLimit, LimitError> {
    if cents <= 0 {
        return Err(LimitError::BadAmount);
    }
    let base_url = normalise_base_url(&endpoint.base_url)?;
    let client = crate::secrets::openai_client(&base_url, key);
    let body = UpdateProjectSpendLimitBody {
        threshold_amount: cents,
        currency: UpdateProjectSpendLimitBodyCurrency::USD,
        interval: UpdateProjectSpendLimitBodyInterval::Month,
    };
    within(async {
        client
            .admin()
            .projects()
            .spend_limit(project)
            .update(body)
            .await
            .map(|set| limit(set.threshold_amount, &set.enforcement.status))
            .map_err(|error| classify(error, &base_url, "change"))
    })
    .await
}

/// Removes the project's hard limit (nothing to remove is not an error).
pub async fn delete_project_limit(
    endpoint: &OpenAiEndpoint,
    key: &Secret,
    project: &str,
) -> Result<(), LimitError> {
    let base_url = normalise_base_url(&endpoint.base_url)?;
    let client = crate::secrets::openai_client(&base_url, key);
    within(async {
        match client
            .admin()
            .projects()
            .spend_limit(project)
            .delete()
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if status_of(&error) == Some(404) => Ok(()),
            Err(error) => Err(classify(error, &base_url, "change")),
        }
    })
    .await
}

/// One of each error, for the window's words.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    vec![
        LimitError::Forbidden { action: "read" }.into(),
        LimitError::Forbidden { action: "change" }.into(),
        LimitError::BadAmount.into(),
    ]
}
