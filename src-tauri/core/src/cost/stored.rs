//! What is kept of one Cost Explorer answer: its figures and its forecast, as the cache
//! stores them and a report shows them.

use serde::{Deserialize, Serialize};

use super::{CostSeries, Forecast};
use crate::error::AppError;

/// The forecast part of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum ForecastState {
    Available(Forecast),
    NotEnoughHistory,
    /// Cost Explorer did not give one; the actual figures are still shown.
    Unavailable {
        error: AppError,
    },
}

impl ForecastState {
    pub fn forecast(&self) -> Option<&Forecast> {
        match self {
            ForecastState::Available(forecast) => Some(forecast),
            _ => None,
        }
    }
}

/// What is kept in the cache for one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedReport {
    /// Unix seconds when Cost Explorer answered.
    pub fetched_at: i64,
    pub series: CostSeries,
    pub forecast: ForecastState,
}
