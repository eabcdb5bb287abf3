//! Cost errors as the window shows them: a code, the values it names, and what to do.

use super::CostError;
use crate::error::AppError;

impl From<CostError> for AppError {
    fn from(error: CostError) -> Self {
        let message = error.to_string();
        let code = error.code();
        match error {
            CostError::Access(inner) => AppError::from(inner),
            CostError::MissingPermission { permission } => {
                AppError::new(code, message).with("permission", permission)
            }
            CostError::Offline { reason } => AppError::new(code, message).with("reason", reason),
            CostError::RequestCap { cap } => AppError::new(code, message)
                .with("cap", cap)
                .with("cost", f64::from(cap) * super::PRICE_PER_REQUEST_USD),
            CostError::BadData { detail } | CostError::Service { detail } => {
                AppError::new(code, message).with("detail", detail)
            }
            CostError::NotEnabled | CostError::Throttled => AppError::new(code, message),
        }
    }
}

/// One of each error, for the test that every code has words in both languages.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    let detail = || "detail".to_string();
    [
        CostError::MissingPermission {
            permission: "ce:GetCostAndUsage",
        },
        CostError::NotEnabled,
        CostError::Throttled,
        CostError::Offline { reason: detail() },
        CostError::BadData { detail: detail() },
        CostError::Service { detail: detail() },
        CostError::RequestCap { cap: 300 },
    ]
    .into_iter()
    .map(|error| {
        // Every variant is listed: adding one without an example fails to compile here.
        match &error {
            CostError::MissingPermission { .. }
            | CostError::NotEnabled
            | CostError::Throttled
            | CostError::Offline { .. }
            | CostError::BadData { .. }
            | CostError::Access(_)
            | CostError::Service { .. }
            | CostError::RequestCap { .. } => {}
        }
        AppError::from(error)
    })
    .chain([
        AppError::new("openai_currency", "x").with("currency", "USD"),
        AppError::new("openai_slow", "x").with("seconds", 20),
    ])
    .collect()
}
