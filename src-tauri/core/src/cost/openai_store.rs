//! OpenAI's cost lines kept on disk as Cost Explorer answers are (same life), one file per
//! query, and what the cost view shows of OpenAI: its spend, when it was read, and any
//! problem in plain words (the AWS figures keep working whatever happens here).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::cache::fnv1a;
use super::openai::OpenAiSpend;
use super::openai_api::CostLine;
use crate::error::AppError;
use crate::files::write_atomic;

const VERSION: u32 = 1;

/// The file name of OpenAI's request count in the data folder.
pub const METER_FILE: &str = "openai-requests.json";

/// What the cost view shows of OpenAI.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenAiPart {
    /// The spend shown (fresh or cached), if any could be read.
    pub spend: Option<OpenAiSpend>,
    /// Why it could not be read (or refreshed, when cached figures are shown).
    pub error: Option<AppError>,
    /// RFC 3339, when OpenAI answered.
    pub fetched_at: Option<String>,
    pub from_cache: bool,
    /// The project shown (`proj_…`); `None` = the whole organisation.
    pub project: Option<String>,
    /// Requests made to the costs API this month (they cost nothing; counted to show the
    /// cache works).
    pub requests_this_month: u32,
}

/// Cached cost lines, one JSON file per query in the cache folder.
#[derive(Debug, Clone)]
pub struct OpenAiCache {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    version: u32,
    key: String,
    fetched_at: i64,
    lines: Vec<CostLine>,
}

impl OpenAiCache {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The lines cached for `key` and when they were read (Unix seconds), whatever their age.
    pub fn get(&self, key: &str) -> Option<(i64, Vec<CostLine>)> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        match serde_json::from_slice::<Entry>(&bytes) {
            Ok(entry) if entry.version == VERSION && entry.key == key => {
                let finite = entry.lines.iter().all(|l| l.amount.is_finite());
                finite.then_some((entry.fetched_at, entry.lines))
            }
            _ => None,
        }
    }

    pub fn put(&self, key: &str, fetched_at: i64, lines: &[CostLine]) {
        let entry = Entry {
            version: VERSION,
            key: key.to_string(),
            fetched_at,
            lines: lines.to_vec(),
        };
        let saved = serde_json::to_vec(&entry)
            .map_err(std::io::Error::other)
            .and_then(|json| write_atomic(&self.path(key), &json));
        if let Err(error) = saved {
            tracing::warn!(%error, "cannot write the OpenAI cost cache");
        }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir
            .join(format!("openai-{:016x}.json", fnv1a(key.as_bytes())))
    }
}
