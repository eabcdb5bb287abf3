//! [`CostSource`] and its Cost Explorer implementation (`aws-sdk-costexplorer`).

use async_trait::async_trait;
use aws_config::{Region, SdkConfig};
use aws_sdk_costexplorer::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_costexplorer::types::{
    DateInterval, DimensionValues, Expression, Granularity, GroupDefinition, GroupDefinitionType,
    Metric as ForecastMetric, TagValues,
};
use aws_sdk_costexplorer::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::Arc;

use super::cache::RequestMeter;
use crate::clock::Clock;
use crate::month::Month;

use super::aggregate::{RawGroup, RawMonth};
use super::{CostError, CostQuery, Forecast, Metric};
use crate::secrets::aws_errors::{classify as classify_access, code_from_body, HasStatus};

/// Cost Explorer's API lives in us-east-1 whatever region the rest of AWS use.
const COST_EXPLORER_REGION: &str = "us-east-1";

/// One page of `GetCostAndUsage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsagePage {
    pub months: Vec<RawMonth>,
    pub next_page_token: Option<String>,
}

/// What `GetCostForecast` said.
#[derive(Debug, Clone, PartialEq)]
pub enum ForecastAnswer {
    Forecast(Forecast),
    /// The account has too little history for a forecast (`DataUnavailableException`).
    NotEnoughHistory,
}

/// Where costs come from. Each call is one billable Cost Explorer request.
#[async_trait]
pub trait CostSource: Send + Sync {
    /// One page of monthly costs by service for `[start, end)` (`YYYY-MM-DD`).
    async fn usage_page(
        &self,
        query: &CostQuery,
        start: &str,
        end: &str,
        page_token: Option<String>,
    ) -> Result<UsagePage, CostError>;

    /// The forecast for `[start, end)`.
    async fn forecast(
        &self,
        metric: Metric,
        start: &str,
        end: &str,
    ) -> Result<ForecastAnswer, CostError>;
}

/// Endpoint overrides; `None` = AWS itself. Tests point `usage` at moto and `forecast` at a
/// local server, since moto does not implement `GetCostForecast`.
#[derive(Debug, Clone, Default)]
pub struct CostEndpoints {
    pub usage: Option<String>,
    pub forecast: Option<String>,
}

/// Counts the SDK's retries into the request meter: AWS bills every attempt, and the report
/// counts only the first one of each request.
#[derive(Debug, Clone)]
pub struct RetryMeter {
    pub meter: Arc<RequestMeter>,
    pub clock: Arc<dyn Clock>,
}

impl Intercept for RetryMeter {
    fn name(&self) -> &'static str {
        "PurserRetryMeter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The orchestrator numbers each attempt before this hook runs.
        if cfg
            .load::<RequestAttempts>()
            .is_some_and(|a| a.attempts() > 1)
        {
            self.meter
                .record(&Month::of(self.clock.now().date()).to_string());
        }
        Ok(())
    }
}

/// The real Cost Explorer.
#[derive(Debug, Clone)]
pub struct CostExplorer {
    usage: Client,
    forecast: Client,
}

impl CostExplorer {
    /// Clients for both calls; with `retries`, each retry is counted as the request it is.
    pub fn new(config: &SdkConfig, endpoints: &CostEndpoints, retries: Option<RetryMeter>) -> Self {
        let client = |endpoint: &Option<String>| {
            let mut builder = aws_sdk_costexplorer::config::Builder::from(config)
                .region(Region::new(COST_EXPLORER_REGION));
            if let Some(url) = endpoint {
                builder = builder.endpoint_url(url);
            }
            if let Some(retries) = &retries {
                builder = builder.interceptor(retries.clone());
            }
            Client::from_conf(builder.build())
        };
        Self {
            usage: client(&endpoints.usage),
            forecast: client(&endpoints.forecast),
        }
    }
}

#[async_trait]
impl CostSource for CostExplorer {
    async fn usage_page(
        &self,
        query: &CostQuery,
        start: &str,
        end: &str,
        page_token: Option<String>,
    ) -> Result<UsagePage, CostError> {
        let output = self
            .usage
            .get_cost_and_usage()
            .time_period(interval(start, end)?)
            .granularity(Granularity::Monthly)
            .metrics(query.metric.usage_name())
            .group_by(
                GroupDefinition::builder()
                    .r#type(GroupDefinitionType::Dimension)
                    .key("SERVICE")
                    .build(),
            )
            .set_filter(filter(query)?)
            .set_next_page_token(page_token)
            .send()
            .await
            .map_err(|e| classify(e, "ce:GetCostAndUsage"))?;
        let metric = query.metric.usage_name();
        let months = output
            .results_by_time()
            .iter()
            .map(|result| RawMonth {
                start: result
                    .time_period()
                    .map(|p| p.start().to_string())
                    .unwrap_or_default(),
                estimated: result.estimated(),
                groups: result
                    .groups()
                    .iter()
                    .map(|group| {
                        let value = group.metrics().and_then(|m| m.get(metric));
                        RawGroup {
                            service: group.keys().join(" / "),
                            amount: value.and_then(|v| v.amount()).map(str::to_string),
                            unit: value.and_then(|v| v.unit()).map(str::to_string),
                        }
                    })
                    .collect(),
            })
            .collect();
        Ok(UsagePage {
            months,
            next_page_token: output
                .next_page_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        })
    }

    async fn forecast(
        &self,
        metric: Metric,
        start: &str,
        end: &str,
    ) -> Result<ForecastAnswer, CostError> {
        let result = self
            .forecast
            .get_cost_forecast()
            .time_period(interval(start, end)?)
            .granularity(Granularity::Monthly)
            .metric(ForecastMetric::from(metric.forecast_name()))
            .prediction_interval_level(80)
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(SdkError::ServiceError(e)) if is_data_unavailable(e.err().code(), e.raw()) => {
                return Ok(ForecastAnswer::NotEnoughHistory)
            }
            Err(error) => return Err(classify(error, "ce:GetCostForecast")),
        };
        let number = |text: Option<&str>, what: &str| -> Result<f64, CostError> {
            text.and_then(|t| t.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .ok_or_else(|| CostError::BadData {
                    detail: format!("the forecast's {what} is missing or not a number"),
                })
        };
        let mean = number(output.total().and_then(|t| t.amount()), "total")?;
        let (mut low, mut high) = (mean, mean);
        if let Some(first) = output.forecast_results_by_time().first() {
            if first.prediction_interval_lower_bound().is_some() {
                low = number(first.prediction_interval_lower_bound(), "lower bound")?;
                high = number(first.prediction_interval_upper_bound(), "upper bound")?;
            }
        }
        Ok(ForecastAnswer::Forecast(Forecast {
            remaining_mean: mean,
            remaining_low: low.min(mean),
            remaining_high: high.max(mean),
        }))
    }
}

fn interval(start: &str, end: &str) -> Result<DateInterval, CostError> {
    DateInterval::builder()
        .start(start)
        .end(end)
        .build()
        .map_err(|e| CostError::Service {
            detail: e.to_string(),
        })
}

fn filter(query: &CostQuery) -> Result<Option<Expression>, CostError> {
    let mut parts = Vec::new();
    if let Some((key, value)) = &query.tag {
        parts.push(
            Expression::builder()
                .tags(TagValues::builder().key(key).values(value).build())
                .build(),
        );
    }
    if let Some(account) = &query.linked_account {
        parts.push(
            Expression::builder()
                .dimensions(
                    DimensionValues::builder()
                        .key(aws_sdk_costexplorer::types::Dimension::LinkedAccount)
                        .values(account)
                        .build(),
                )
                .build(),
        );
    }
    Ok(match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Expression::builder().set_and(Some(parts)).build()),
    })
}

fn is_data_unavailable<R: HasStatus>(code: Option<&str>, raw: &R) -> bool {
    let code = code
        .map(str::to_string)
        .or_else(|| code_from_body(raw.body_bytes()));
    code.as_deref() == Some("DataUnavailableException")
}

/// Cost Explorer's errors in the user's terms; credential problems are classified as the
/// credentials check does.
fn classify<E>(
    error: SdkError<E, aws_smithy_runtime_api::http::Response>,
    permission: &'static str,
) -> CostError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let SdkError::ServiceError(service_error) = &error {
        let raw = service_error.raw();
        let code = service_error
            .err()
            .code()
            .map(str::to_string)
            .or_else(|| code_from_body(raw.body_bytes()))
            .unwrap_or_default();
        let message = service_error
            .err()
            .message()
            .unwrap_or_default()
            .to_lowercase();
        let body = raw
            .body_bytes()
            .map(|b| String::from_utf8_lossy(b).to_lowercase())
            .unwrap_or_default();
        if message.contains("not enabled") || body.contains("not enabled for cost explorer") {
            return CostError::NotEnabled;
        }
        match code.as_str() {
            "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
                return CostError::MissingPermission { permission }
            }
            "LimitExceededException"
            | "ThrottlingException"
            | "Throttling"
            | "TooManyRequestsException" => return CostError::Throttled,
            "DataUnavailableException" => {
                return CostError::BadData {
                    detail: "Cost Explorer has no data for this period yet".into(),
                }
            }
            _ => {}
        }
    }
    match classify_access(error, None) {
        crate::secrets::CheckError::Forbidden { .. } => CostError::MissingPermission { permission },
        crate::secrets::CheckError::RateLimited { .. } => CostError::Throttled,
        crate::secrets::CheckError::Unreachable { .. }
        | crate::secrets::CheckError::Timeout { .. } => CostError::Offline {
            reason: "no answer from the Cost Explorer endpoint".into(),
        },
        other => CostError::Access(other),
    }
}
