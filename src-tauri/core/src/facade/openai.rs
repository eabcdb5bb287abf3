//! OpenAI API spend for the cost view, read with the admin key when it is stored (the reading
//! and its cache policy are `cost::openai_report`'s), and the projects the key can see, so the
//! spend can be one app's.

use std::collections::HashMap;
use std::path::Path;

use super::Purser;
use crate::cost::openai_api::{list_projects, OpenAiProject};
use crate::cost::openai_report::{load_openai_part, openai_failed, OpenAiRead};
use crate::cost::openai_store::{OpenAiCache, OpenAiPart};
use crate::error::AppError;
use crate::files::write_atomic;
use crate::secrets::{CheckError, OpenAiEndpoint, SecretKind};
use crate::sync::lock;

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
        let endpoint = self.admin_endpoint();
        let read = OpenAiRead {
            endpoint: &endpoint,
            key: &key,
            project: self.settings().openai_project,
            months,
            now: self.clock.now(),
            refresh,
        };
        let cache = OpenAiCache::new(self.dirs.cache.clone());
        Some(load_openai_part(read, &cache, &self.openai_meter).await)
    }

    /// OpenAI did not answer within `deadline`: the view shows AWS alone and says why.
    pub(super) fn openai_slow(&self, deadline: std::time::Duration) -> OpenAiPart {
        let error = AppError::new("openai_slow", "OpenAI did not answer in time")
            .with("seconds", deadline.as_secs());
        let project = self.settings().openai_project;
        openai_failed(error, project, &self.openai_meter, self.clock.now())
    }

    /// The projects the admin key can see, active first, for the project choice.
    pub async fn openai_projects(&self) -> Result<Vec<OpenAiProject>, AppError> {
        let key = self
            .credentials
            .openai_admin_key()
            .await?
            .ok_or(CheckError::NotStored(SecretKind::OpenaiAdminKey))?;
        let projects = list_projects(&self.admin_endpoint(), &key).await?;
        let names: HashMap<String, String> = projects
            .iter()
            .filter_map(|p| Some((p.id.clone(), p.name.clone()?)))
            .collect();
        // Kept for the report, which names projects without asking OpenAI again.
        let saved = serde_json::to_vec(&names)
            .map_err(std::io::Error::other)
            .and_then(|json| write_atomic(&self.dirs.cache.join(PROJECT_NAMES), &json));
        if let Err(error) = saved {
            tracing::warn!(%error, "the OpenAI projects' names could not be kept");
        }
        *lock(&self.openai_project_names) = names;
        Ok(projects)
    }
}

/// The OpenAI projects' names as last listed, in the cache folder (not secrets).
const PROJECT_NAMES: &str = "openai-project-names.json";

/// The projects' names kept in `cache` (none when never listed).
pub(super) fn project_names(cache: &Path) -> HashMap<String, String> {
    std::fs::read(cache.join(PROJECT_NAMES))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}
