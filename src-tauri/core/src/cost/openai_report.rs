//! One read of OpenAI's spend for the cost view, shaped like [`super::load_report`]: the cache
//! while fresh (unless the user asks), the costs API when it is old, the cached figures kept
//! (with the reason) when a refresh fails; each request counted on the meter. The clock is
//! passed in.

use time::OffsetDateTime;

use super::openai::aggregate;
use super::openai_api::{read_costs, CostsQuery, PAGE_LIMIT};
use super::openai_store::{OpenAiCache, OpenAiPart};
use super::{RequestMeter, DEFAULT_TTL};
use crate::error::AppError;
use crate::month::Month;
use crate::secrets::{OpenAiEndpoint, Secret};

/// What to read: whose costs, from where, over how long, as of when.
#[derive(Debug)]
pub struct OpenAiRead<'a> {
    pub endpoint: &'a OpenAiEndpoint,
    pub key: &'a Secret,
    /// One project's spend; `None`: the organisation's.
    pub project: Option<String>,
    /// Full months before this one.
    pub months: u8,
    pub now: OffsetDateTime,
    /// Ask OpenAI even if the cache is fresh.
    pub refresh: bool,
}

impl OpenAiRead<'_> {
    fn start(&self) -> Month {
        Month::of(self.now.date()).plus(-i32::from(self.months))
    }

    /// A hash of the address and the key keeps another organisation's cached figures from
    /// being shown as this one's; neither is written into the cache's files.
    fn cache_key(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for part in [self.endpoint.base_url.as_str(), self.key.expose()] {
            hash.update(part.as_bytes());
            hash.update(b"\0");
        }
        let who: String = hash.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!(
            "{who}|{}|{}",
            self.project.as_deref().unwrap_or("organisation"),
            self.start().iso_start()
        )
    }
}

/// OpenAI's spend as `read` asks for it (see the module's comment).
pub async fn load_openai_part(
    read: OpenAiRead<'_>,
    cache: &OpenAiCache,
    meter: &RequestMeter,
) -> OpenAiPart {
    let now = read.now.to_offset(time::UtcOffset::UTC);
    let cache_key = read.cache_key();
    let meter_month = Month::of(now.date()).to_string();
    let cached = cache.get(&cache_key);
    let fresh = |fetched: i64| {
        u64::try_from(now.unix_timestamp() - fetched).is_ok_and(|age| age < DEFAULT_TTL.as_secs())
    };
    let (fetched_at, lines, from_cache, error) = match cached {
        Some((fetched, lines)) if fresh(fetched) && !read.refresh => (fetched, lines, true, None),
        cached => {
            let query = CostsQuery {
                start: read.start().first_day().midnight().assume_utc(),
                end: None,
                project: read.project.clone(),
                limit: PAGE_LIMIT,
            };
            let count = || meter.record(&meter_month);
            match (
                read_costs(read.endpoint, read.key, &query, &count).await,
                cached,
            ) {
                (Ok(lines), _) => {
                    cache.put(&cache_key, now.unix_timestamp(), &lines);
                    (now.unix_timestamp(), lines, false, None)
                }
                (Err(error), Some((fetched, lines))) => {
                    (fetched, lines, true, Some(AppError::from(error)))
                }
                (Err(error), None) => {
                    return openai_failed(AppError::from(error), read.project, meter, now)
                }
            }
        }
    };
    OpenAiPart {
        spend: Some(aggregate(&lines, now.date())),
        error,
        fetched_at: OffsetDateTime::from_unix_timestamp(fetched_at)
            .ok()
            .map(crate::clock::rfc3339),
        from_cache,
        project: read.project,
        requests_this_month: meter.requests_in(&meter_month),
    }
}

/// No figures from OpenAI: the view shows AWS alone and says why.
pub fn openai_failed(
    error: AppError,
    project: Option<String>,
    meter: &RequestMeter,
    now: OffsetDateTime,
) -> OpenAiPart {
    OpenAiPart {
        spend: None,
        error: Some(error),
        fetched_at: None,
        from_cache: false,
        project,
        requests_this_month: meter.requests_in(&Month::of(now.date()).to_string()),
    }
}
