//! The local audit log: one JSON line per cluster change or budget-guard action, appended to
//! `audit.jsonl` in the app data folder and never rewritten.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

pub const FILE: &str = "audit.jsonl";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    pub time: String,
    /// The OS user who ran Purser.
    pub user: String,
    pub context: String,
    pub namespace: String,
    /// e.g. `deploy`, `scale`, `restart`, `rollback`, `uninstall`, `autoscaler`.
    pub action: String,
    /// What was acted on and with what, e.g. `assistant → 5 copies`. Never a secret.
    pub target: String,
    /// `ok`, or `failed: <why>`.
    pub result: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot write the audit log {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the audit log {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    /// One writer at a time, so lines never interleave.
    write: Mutex<()>,
}

impl AuditLog {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(FILE),
            write: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry (time and user filled in here).
    pub fn record(
        &self,
        context: &str,
        namespace: &str,
        action: &str,
        target: &str,
        result: &str,
    ) -> Result<AuditEntry, AuditError> {
        let entry = AuditEntry {
            time: crate::credentials::now_rfc3339(),
            user: whoami::username(),
            context: context.into(),
            namespace: namespace.into(),
            action: action.into(),
            target: target.into(),
            result: result.into(),
        };
        let mut line = serde_json::to_string(&entry).unwrap_or_default();
        line.push('\n');
        let fail = |source| AuditError::Write {
            path: self.path.clone(),
            source,
        };
        let _guard = self.write.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true).read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&self.path).map_err(fail)?;
        if ends_mid_line(&mut file).map_err(fail)? {
            // A torn last line (e.g. after a power cut) stays on its own line.
            line.insert(0, '\n');
        }
        file.write_all(line.as_bytes()).map_err(fail)?;
        file.sync_data().map_err(fail)?;
        Ok(entry)
    }

    /// The newest `limit` entries, newest first. Lines that do not parse are skipped (a torn
    /// last line after a power cut must not hide the rest).
    pub fn recent(&self, limit: usize) -> Result<Vec<AuditEntry>, AuditError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(AuditError::Read {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        Ok(text
            .lines()
            .rev()
            .filter_map(|l| serde_json::from_str(l).ok())
            .take(limit)
            .collect())
    }
}

fn ends_mid_line(file: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_reads_back_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path());
        log.record("prod", "default", "deploy", "assistant", "ok")
            .unwrap();
        log.record("prod", "default", "scale", "assistant → 5 copies", "ok")
            .unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .unwrap()
            .write_all(b"{torn")
            .unwrap();
        log.record("prod", "default", "restart", "assistant", "ok")
            .unwrap();
        let entries = log.recent(10).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].action, "restart");
        assert!(!entries[0].user.is_empty());
    }
}
