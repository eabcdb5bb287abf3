//! OpenAI's side of the cost figures, read with the admin key: the organisation's costs
//! (`GET /organization/costs`), daily buckets (UTC days) grouped by project and line item, and
//! its projects (`GET /organization/projects`), every page followed. The key's *check* stays
//! with the keys, in `secrets`.
//!
//! Requests go through `async-openai`'s administration API with our own response types (its
//! `byot` calls), so an unknown field or result kind never fails a page. The query is a list of
//! pairs, which `serde_urlencoded` writes as repeated parameters (`group_by=project_id&
//! group_by=line_item`), as the costs API expects.

use async_openai::config::OpenAIConfig;
use async_openai::traits::RequestOptionsBuilder;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::secrets::{
    admin_error, classify_openai as classify, normalise_base_url, openai_client as client,
    CheckError, OpenAiEndpoint, Secret,
};

/// The most buckets one page holds with `bucket_width=1d`.
pub const PAGE_LIMIT: u32 = 180;

/// A guard against a server that never stops paging.
const MAX_PAGES: usize = 40;

/// One line of the organisation's costs: a UTC day, a project, a line item, an amount.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CostLine {
    /// The bucket's start (Unix seconds, a UTC midnight).
    pub day_start: i64,
    pub project_id: Option<String>,
    pub line_item: Option<String>,
    pub amount: f64,
    /// Lower-case ISO 4217, e.g. `usd`.
    pub currency: String,
}

/// Which costs to read.
#[derive(Debug, Clone)]
pub struct CostsQuery {
    pub start: OffsetDateTime,
    pub end: Option<OffsetDateTime>,
    /// Only this project's costs; `None`: the whole organisation.
    pub project: Option<String>,
    /// Buckets per page (1..=180).
    pub limit: u32,
}

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default)]
    data: Vec<Bucket>,
    #[serde(default)]
    has_more: bool,
    next_page: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Bucket {
    start_time: i64,
    #[serde(default)]
    results: Vec<Line>,
}

#[derive(Debug, Deserialize)]
struct Line {
    amount: Option<Amount>,
    line_item: Option<String>,
    project_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Amount {
    value: f64,
    currency: String,
}

fn pairs(query: &CostsQuery, page: Option<&str>) -> Vec<(&'static str, String)> {
    let mut pairs = vec![
        ("start_time", query.start.unix_timestamp().to_string()),
        ("bucket_width", "1d".into()),
        ("group_by", "project_id".into()),
        ("group_by", "line_item".into()),
        ("limit", query.limit.clamp(1, PAGE_LIMIT).to_string()),
    ];
    if let Some(end) = query.end {
        pairs.push(("end_time", end.unix_timestamp().to_string()));
    }
    if let Some(project) = &query.project {
        pairs.push(("project_ids", project.clone()));
    }
    if let Some(page) = page {
        pairs.push(("page", page.to_string()));
    }
    pairs
}

/// Reads the costs `query` asks for, page after page; `on_request` is called before each
/// request (to count them). Bounded in all by `endpoint.timeout` per page.
pub async fn read_costs(
    endpoint: &OpenAiEndpoint,
    key: &Secret,
    query: &CostsQuery,
    on_request: &(dyn Fn() + Send + Sync),
) -> Result<Vec<CostLine>, CheckError> {
    let base_url = normalise_base_url(&endpoint.base_url)?;
    let client = client(&base_url, key);
    let mut lines = Vec::new();
    let mut page_token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        on_request();
        let page = one_page(
            &client,
            &base_url,
            endpoint,
            &pairs(query, page_token.as_deref()),
        )
        .await?;
        for bucket in page.data {
            lines.extend(bucket.results.into_iter().filter_map(|line| {
                let amount = line.amount?;
                amount.value.is_finite().then(|| CostLine {
                    day_start: bucket.start_time,
                    project_id: line.project_id,
                    line_item: line.line_item,
                    amount: amount.value,
                    currency: amount.currency.to_ascii_lowercase(),
                })
            }));
        }
        match (page.has_more, page.next_page) {
            (true, Some(next)) => page_token = Some(next),
            _ => return Ok(lines),
        }
    }
    Err(CheckError::Unexpected {
        service: "OpenAI",
        detail: format!("more than {MAX_PAGES} pages of costs"),
    })
}

/// One page of costs, within the endpoint's deadline.
async fn one_page(
    client: &async_openai::Client<OpenAIConfig>,
    base_url: &str,
    endpoint: &OpenAiEndpoint,
    pairs: &[(&'static str, String)],
) -> Result<Page, CheckError> {
    let admin = client.admin();
    let request = admin
        .usage()
        .query(pairs)
        .map_err(|error| classify(error, base_url, endpoint.timeout))?;
    match tokio::time::timeout(endpoint.timeout, request.costs_byot::<Page>()).await {
        Err(_) => Err(CheckError::Timeout {
            service: "OpenAI",
            seconds: endpoint.timeout.as_secs(),
        }),
        Ok(answer) => answer.map_err(|error| admin_error(error, base_url, endpoint.timeout)),
    }
}

#[derive(Debug, Deserialize)]
struct ProjectPage {
    #[serde(default)]
    data: Vec<ProjectEntry>,
    #[serde(default)]
    has_more: bool,
    last_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ProjectEntry {
    id: String,
    name: Option<String>,
    status: Option<String>,
}

/// A project the admin key can see.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenAiProject {
    pub id: String,
    pub name: Option<String>,
    pub archived: bool,
}

/// The organisation's projects the admin key can see, archived ones included, active first
/// and then by name. Every page followed.
pub async fn list_projects(
    endpoint: &OpenAiEndpoint,
    key: &Secret,
) -> Result<Vec<OpenAiProject>, CheckError> {
    let base_url = normalise_base_url(&endpoint.base_url)?;
    let client = client(&base_url, key);
    let mut found = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut pairs = vec![
            ("limit", "100".to_string()),
            ("include_archived", "true".into()),
        ];
        if let Some(after) = &after {
            pairs.push(("after", after.clone()));
        }
        let admin = client.admin();
        let request = admin
            .projects()
            .query(&pairs)
            .map_err(|error| classify(error, &base_url, endpoint.timeout))?;
        let page: ProjectPage =
            match tokio::time::timeout(endpoint.timeout, request.list_byot()).await {
                Err(_) => {
                    return Err(CheckError::Timeout {
                        service: "OpenAI",
                        seconds: endpoint.timeout.as_secs(),
                    })
                }
                Ok(answer) => {
                    answer.map_err(|error| admin_error(error, &base_url, endpoint.timeout))?
                }
            };
        found.extend(page.data.into_iter().map(|p| OpenAiProject {
            archived: p.status.as_deref() == Some("archived"),
            id: p.id,
            name: p.name,
        }));
        match (page.has_more, page.last_id) {
            (true, Some(last)) => after = Some(last),
            _ => {
                found.sort_by(|a, b| {
                    (a.archived, a.name.as_deref().unwrap_or(&a.id))
                        .cmp(&(b.archived, b.name.as_deref().unwrap_or(&b.id)))
                });
                return Ok(found);
            }
        }
    }
    Err(CheckError::Unexpected {
        service: "OpenAI",
        detail: format!("more than {MAX_PAGES} pages of projects"),
    })
}
