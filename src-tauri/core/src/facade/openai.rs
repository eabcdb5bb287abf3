//! OpenAI API spend for the cost view, read with the admin key when it is stored: cached like
//! Cost Explorer's answers, refreshed when older than the cache's life or when the user asks,
//! the cached figures kept (with the reason) when a refresh fails; and the projects the key
//! can see, so the spend can be one app's.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Purser;
use crate::cost::openai::aggregate;
use crate::cost::openai_store::{OpenAiCache, OpenAiPart};
use crate::cost::{Month, RequestMeter, DEFAULT_TTL};
use crate::error::AppError;
use crate::secrets::{read_costs, CostsQuery, OpenAiEndpoint, Secret, PAGE_LIMIT};

/// A project the admin key can see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenAiProject {
    pub id: String,
    pub name: Option<String>,
    pub archived: bool,
}

impl Purser {
    /// Where the admin key goes: OpenAI's administration API, or the admin address the user
    /// set on purpose — never the gateway address meant for the app's key.
    pub(super) fn admin_endpoint(&self) -> OpenAiEndpoint {
        OpenAiEndpoint {
            base_url: self
                .settings()
                .openai_admin_base_url
                .unwrap_or_else(|| self.openai_admin.clone()),
            ..OpenAiEndpoint::default()
        }
    }

    /// OpenAI's spend over `months` full months and this one; `None` when no admin key is
    /// stored (or the keychain cannot be read: the AWS figures say why).
    pub(super) async fn openai_part(&self, refresh: bool, months: u8) -> Option<OpenAiPart> {
        let key = self.credentials.openai_admin_key().await.ok()??;
        let now = self.clock.now().to_offset(time::UtcOffset::UTC);
        let project = self.settings().openai_project;
        let start = Month::of(now.date()).plus(-i32::from(months));
        let endpoint = self.admin_endpoint();
        // A hash of the address and the key keeps another organisation's cached figures from
        // being shown as this one's; neither is written into the cache's files.
        let cache_key = {
            use sha2::{Digest, Sha256};
            let mut hash = Sha256::new();
            for part in [endpoint.base_url.as_str(), key.expose()] {
                hash.update(part.as_bytes());
                hash.update(b"\0");
            }
            let who: String = hash.finalize()[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!(
                "{who}|{}|{}",
                project.as_deref().unwrap_or("organisation"),
                start.iso_start()
            )
        };
        let cache = OpenAiCache::new(self.dirs.cache.clone());
        let meter = &self.openai_meter;
        let meter_month = Month::of(now.date()).to_string();
        let cached = cache.get(&cache_key);
        let fresh = |fetched: i64| {
            u64::try_from(now.unix_timestamp() - fetched)
                .is_ok_and(|age| age < DEFAULT_TTL.as_secs())
        };
        let (fetched_at, lines, from_cache, error) = match cached {
            Some((fetched, lines)) if fresh(fetched) && !refresh => (fetched, lines, true, None),
            cached => {
                let query = CostsQuery {
                    start: start.first_day().midnight().assume_utc(),
                    end: None,
                    project: project.clone(),
                    limit: PAGE_LIMIT,
                };
                let count = || meter.record(&meter_month);
                match (read_costs(&endpoint, &key, &query, &count).await, cached) {
                    (Ok(lines), _) => {
                        cache.put(&cache_key, now.unix_timestamp(), &lines);
                        (now.unix_timestamp(), lines, false, None)
                    }
                    (Err(error), Some((fetched, lines))) => {
                        (fetched, lines, true, Some(AppError::from(error)))
                    }
                    (Err(error), None) => {
                        return Some(self.openai_failed(AppError::from(error), project, meter))
                    }
                }
            }
        };
        drop(key);
        Some(OpenAiPart {
            spend: Some(aggregate(&lines, now.date())),
            error,
            fetched_at: OffsetDateTime::from_unix_timestamp(fetched_at)
                .ok()
                .map(crate::clock::rfc3339),
            from_cache,
            project,
            requests_this_month: meter.requests_in(&meter_month),
        })
    }

    /// OpenAI did not answer within `deadline`: the view shows AWS alone and says why.
    pub(super) fn openai_slow(&self, deadline: std::time::Duration) -> OpenAiPart {
        let error = AppError::new("openai_slow", "OpenAI did not answer in time")
            .with("seconds", deadline.as_secs());
        self.openai_failed(error, self.settings().openai_project, &self.openai_meter)
    }

    fn openai_failed(
        &self,
        error: AppError,
        project: Option<String>,
        meter: &RequestMeter,
    ) -> OpenAiPart {
        let now = self.clock.now();
        let month = format!("{:04}-{:02}", now.year(), u8::from(now.month()));
        OpenAiPart {
            spend: None,
            error: Some(error),
            fetched_at: None,
            from_cache: false,
            project,
            requests_this_month: meter.requests_in(&month),
        }
    }

    /// The projects the admin key can see, active first, for the project choice.
    pub async fn openai_projects(&self) -> Result<Vec<OpenAiProject>, AppError> {
        let key = self.credentials.openai_admin_key().await?.ok_or(
            crate::secrets::CheckError::NotStored(crate::secrets::SecretKind::OpenaiAdminKey),
        )?;
        let mut projects = list_projects(&self.admin_endpoint(), &key).await?;
        projects.sort_by(|a, b| {
            (a.archived, a.name.as_deref().unwrap_or(&a.id))
                .cmp(&(b.archived, b.name.as_deref().unwrap_or(&b.id)))
        });
        Ok(projects)
    }
}

async fn list_projects(
    endpoint: &OpenAiEndpoint,
    key: &Secret,
) -> Result<Vec<OpenAiProject>, crate::secrets::CheckError> {
    crate::secrets::list_openai_projects(endpoint, key)
        .await
        .map(|found| {
            found
                .into_iter()
                .map(|(id, name, archived)| OpenAiProject { id, name, archived })
                .collect()
        })
}
