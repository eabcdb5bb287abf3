//! One refresh of the cost view: cache first, Cost Explorer when the cache is old (or the user
//! asks), stale cached figures when Cost Explorer cannot be reached.

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::aggregate::build_series;
use super::cache::{CostCache, RequestMeter, PRICE_PER_REQUEST_USD};
use super::explorer::{CostSource, ForecastAnswer};
use super::stored::{CachedReport, ForecastState};
use super::{CostError, CostQuery, CostSeries};
use crate::error::AppError;
use crate::month::{iso_date, Month};

/// A guard against a server that never stops paging (each page costs money).
const MAX_PAGES: usize = 40;

/// Where the figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataOrigin {
    Aws,
    /// Made-up figures shown until AWS is connected, clearly labelled in the UI.
    Sample,
}

/// Why cached figures are shown instead of fresh ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stale {
    pub error: AppError,
}

/// Everything the Cost & budget view shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CostReport {
    pub origin: DataOrigin,
    pub series: CostSeries,
    pub forecast: ForecastState,
    /// When Cost Explorer answered (RFC 3339), `None` for sample data.
    pub fetched_at: Option<String>,
    /// True when these figures came from the cache rather than a request just now.
    pub from_cache: bool,
    /// Set when a refresh failed and older figures are shown.
    pub stale: Option<Stale>,
    /// Cost Explorer requests Purser made this calendar month, and what they cost.
    pub requests_this_month: u32,
    pub requests_cost_usd: f64,
    /// `YYYY-MM-01` of today: the month still open (estimated).
    pub current_month: String,
}

/// The cache key of `query` as of `today`, and the months it spans.
fn key_of(query: &CostQuery, today: time::Date) -> (String, time::Date, time::Date) {
    let this_month = Month::of(today);
    let start = this_month
        .plus(-i32::from(query.months.clamp(1, super::MAX_MONTHS)))
        .first_day();
    let end = this_month.plus(1).first_day();
    (
        format!("{query:?}|{}|{}", iso_date(start), iso_date(end)),
        start,
        end,
    )
}

/// The cached report for `query`, whatever its age, marked stale with `why` (used when Cost
/// Explorer cannot even be asked, e.g. while the keychain is locked). `None` when nothing is
/// cached for this account and query.
pub fn cached_report(
    cache: &CostCache,
    meter: &RequestMeter,
    query: &CostQuery,
    now: OffsetDateTime,
    why: Stale,
) -> Option<CostReport> {
    let (key, _, _) = key_of(query, now.date());
    let cached = cache.get(&key)?;
    Some(to_report(cached, meter, now, true, Some(why)))
}

fn to_report(
    cached: CachedReport,
    meter: &RequestMeter,
    now: OffsetDateTime,
    from_cache: bool,
    stale: Option<Stale>,
) -> CostReport {
    let this_month = Month::of(now.date());
    let requests = meter.requests_in(&this_month.to_string());
    CostReport {
        origin: DataOrigin::Aws,
        fetched_at: OffsetDateTime::from_unix_timestamp(cached.fetched_at)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
        series: cached.series,
        forecast: cached.forecast,
        from_cache,
        stale,
        requests_this_month: requests,
        requests_cost_usd: f64::from(requests) * PRICE_PER_REQUEST_USD,
        current_month: this_month.iso_start(),
    }
}

/// One read of the month's report: where it comes from, is kept and counted; what to read,
/// and as of when.
#[derive(Clone, Copy)]
pub struct ReportRequest<'a> {
    pub source: &'a dyn CostSource,
    pub cache: &'a CostCache,
    pub meter: &'a RequestMeter,
    pub query: &'a CostQuery,
    pub now: OffsetDateTime,
    /// How long cached figures stay fresh.
    pub ttl: Duration,
    /// Ask `source` even if the cache is fresh.
    pub force: bool,
}

/// Loads the report for `query` as of `now`: from the cache if younger than `ttl` (and not
/// `force`), else from `source`, falling back to the cache (marked stale) if that fails.
pub async fn load_report(request: ReportRequest<'_>) -> Result<CostReport, CostError> {
    let ReportRequest {
        source,
        cache,
        meter,
        query,
        now,
        ttl,
        force,
    } = request;
    let today = now.date();
    let (key, start, end) = key_of(query, today);
    let meter_month = Month::of(today).to_string();
    let cached = cache.get(&key);
    let age = |report: &CachedReport| now.unix_timestamp() - report.fetched_at;
    let report = |cached, from_cache, stale| to_report(cached, meter, now, from_cache, stale);

    if let Some(cached) = &cached {
        let fresh = u64::try_from(age(cached)).is_ok_and(|secs| secs < ttl.as_secs());
        if fresh && !force {
            return Ok(report(cached.clone(), true, None));
        }
    }

    let fetched = match meter.cap_reached(&meter_month) {
        // The user's cap on paid requests: keep the last figures, ask nothing.
        Some(cap) => Err(CostError::RequestCap { cap }),
        None => fetch(source, meter, &meter_month, query, today, start, end).await,
    };
    match fetched {
        Ok((series, forecast)) => {
            let fetched = CachedReport {
                fetched_at: now.unix_timestamp(),
                series,
                forecast,
            };
            cache.put(&key, &fetched);
            Ok(report(fetched, false, None))
        }
        Err(error) => match cached {
            Some(cached) => {
                tracing::warn!(
                    code = error.code(),
                    "cost refresh failed; showing cached figures"
                );
                let stale = Stale {
                    error: AppError::from(error),
                };
                Ok(report(cached, true, Some(stale)))
            }
            None => Err(error),
        },
    }
}

async fn fetch(
    source: &dyn CostSource,
    meter: &RequestMeter,
    meter_month: &str,
    query: &CostQuery,
    today: time::Date,
    start: time::Date,
    end: time::Date,
) -> Result<(CostSeries, ForecastState), CostError> {
    let series = usage(source, meter, meter_month, query, start, end).await?;
    let end = iso_date(end);
    if let Some(cap) = meter.cap_reached(meter_month) {
        let error = CostError::RequestCap { cap };
        return Ok((
            series,
            ForecastState::Unavailable {
                error: error.into(),
            },
        ));
    }
    meter.record(meter_month);
    let forecast = match source.forecast(query.metric, &iso_date(today), &end).await {
        Ok(ForecastAnswer::Forecast(forecast)) => ForecastState::Available(forecast),
        Ok(ForecastAnswer::NotEnoughHistory) => ForecastState::NotEnoughHistory,
        // The actual figures are still worth showing without a forecast.
        Err(error) => ForecastState::Unavailable {
            error: error.into(),
        },
    };
    Ok((series, forecast))
}

/// The monthly costs for `query` in `[start, end)`, every page of them, each request counted.
async fn usage(
    source: &dyn CostSource,
    meter: &RequestMeter,
    meter_month: &str,
    query: &CostQuery,
    start: time::Date,
    end: time::Date,
) -> Result<CostSeries, CostError> {
    let (start, end) = (iso_date(start), iso_date(end));
    let mut months = Vec::new();
    let mut token = None;
    for page in 1.. {
        if page > MAX_PAGES {
            return Err(CostError::BadData {
                detail: format!("more than {MAX_PAGES} pages for one query"),
            });
        }
        if let Some(cap) = meter.cap_reached(meter_month) {
            return Err(CostError::RequestCap { cap });
        }
        meter.record(meter_month);
        let answer = source.usage_page(query, &start, &end, token.take()).await?;
        months.extend(answer.months);
        match answer.next_page_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    build_series(&months)
}

/// One month's total for `query` (e.g. one tag's) and its currency: one Cost Explorer request
/// per page, no forecast, nothing cached (the caller keeps what it needs).
pub async fn month_total(
    source: &dyn CostSource,
    meter: &RequestMeter,
    query: &CostQuery,
    month: Month,
    now: OffsetDateTime,
) -> Result<(f64, String), CostError> {
    let meter_month = Month::of(now.date()).to_string();
    let start = month.first_day();
    let series = usage(
        source,
        meter,
        &meter_month,
        query,
        start,
        month.plus(1).first_day(),
    )
    .await?;
    let total = series
        .months
        .iter()
        .filter(|m| m.month == month.iso_start())
        .map(|m| m.total())
        .sum();
    Ok((total, series.currency))
}
