//! The check that proves an OpenAI admin key reads the organisation's costs. The costs
//! themselves are read in `cost::openai_api`; this asks for one day, one bucket, and reads
//! nothing of the answer.

use async_openai::traits::RequestOptionsBuilder;
use time::OffsetDateTime;

use super::openai::{admin_error, classify, client, normalise_base_url, OpenAiEndpoint};
use super::{CheckError, Secret};

/// Proves the admin key reads the organisation's costs: one day, one bucket. A project key
/// (`sk-proj-…`) never can, so it is refused without a request.
pub async fn check_openai_admin_key(
    endpoint: &OpenAiEndpoint,
    key: &Secret,
    now: OffsetDateTime,
) -> Result<(), CheckError> {
    if key.expose().starts_with("sk-proj-") {
        return Err(CheckError::ProjectKeyNotAdmin);
    }
    let base_url = normalise_base_url(&endpoint.base_url)?;
    let client = client(&base_url, key);
    let start = (now - time::Duration::days(1)).unix_timestamp().to_string();
    let pairs = [
        ("start_time", start.as_str()),
        ("bucket_width", "1d"),
        ("limit", "1"),
    ];
    let admin = client.admin();
    let request = admin
        .usage()
        .query(&pairs)
        .map_err(|error| classify(error, &base_url, endpoint.timeout))?;
    // One page is proof enough; the check never pages on.
    match tokio::time::timeout(endpoint.timeout, request.costs_byot::<serde_json::Value>()).await {
        Err(_) => Err(CheckError::Timeout {
            service: "OpenAI",
            seconds: endpoint.timeout.as_secs(),
        }),
        Ok(answer) => answer
            .map(|_| ())
            .map_err(|error| admin_error(error, &base_url, endpoint.timeout)),
    }
}
