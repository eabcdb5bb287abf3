//! The local audit log: JSON lines appended to `audit.jsonl` in the app data folder, never
//! rewritten, readable only by the user (0600). At a month's first line the finished month
//! is set aside as `audit-YYYY-MM.jsonl`, so what is written and read every time stays small.
//!
//! Every cluster change and budget-guard action is two lines: its intent, written (and synced)
//! before anything is sent, and its result after. A crash between them leaves the intent,
//! shown as unfinished. A change whose intent cannot be written is not made.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::{Clock, SystemClock};
use crate::error::AppError;
use crate::month::Month;

pub const FILE: &str = "audit.jsonl";

/// Which of a change's two lines this is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Written before the change is sent.
    Intent,
    /// Written once the outcome is known (lines from before intents existed are results).
    #[default]
    Result,
}

/// How a change ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// On an intent: not sent yet.
    Intended,
    #[default]
    Ok,
    /// Purser or the cluster declined it (not Purser's app, an autoscaler, a conflict…).
    Refused,
    Failed,
    /// An intent whose result was never written (Purser stopped before the cluster answered).
    Unfinished,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Intended,
        Outcome::Ok,
        Outcome::Refused,
        Outcome::Failed,
        Outcome::Unfinished,
    ];
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Pairs an intent with its result.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub phase: Phase,
    /// RFC 3339, UTC.
    pub time: String,
    /// The OS user who ran Purser.
    pub user: String,
    pub context: String,
    pub namespace: String,
    /// e.g. `deploy`, `scale`, `restart`, `rollback`, `uninstall`, `autoscaler`.
    pub action: String,
    /// The app acted on.
    #[serde(default)]
    pub app: String,
    /// What the action was given, for the window to word: `replicas`, `image`, `min`, `max`…
    #[serde(default)]
    pub params: Map<String, Value>,
    /// The same in English, for whoever reads the file, e.g. `assistant → 5 copies`. Never a
    /// secret.
    pub target: String,
    #[serde(default)]
    pub outcome: Outcome,
    /// Why it was refused or failed, for the window to word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<AppError>,
    /// The outcome in English: `intended`, `ok`, `refused: <why>`, `failed: <why>` or
    /// `unfinished`.
    pub result: String,
}

/// What a change is: the action, the app, its values (the window words them) and a line of
/// English for whoever reads the file.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub action: String,
    pub app: String,
    pub params: Map<String, Value>,
    pub text: String,
}

impl Subject {
    pub fn new(action: &str, app: &str, text: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            app: app.into(),
            params: Map::new(),
            text: text.into(),
        }
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }
}

impl From<AuditError> for AppError {
    fn from(error: AuditError) -> Self {
        let message = error.to_string();
        let (AuditError::Write { path, source } | AuditError::Read { path, source }) = error;
        AppError::new("audit_unreadable", message)
            .with("path", path.display().to_string())
            .with("reason", source.to_string())
    }
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

/// A change whose intent is on disk; [`AuditLog::finish`] writes its result.
#[derive(Debug)]
#[must_use = "a change's result must be written with AuditLog::finish"]
pub struct Intent {
    entry: AuditEntry,
}

#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    /// The open file and the month it holds, kept between writes; one writer at a time, so
    /// lines never interleave.
    file: Mutex<Option<(File, String)>>,
    /// Each line's time (the guard replays the log into copy-hours).
    clock: Arc<dyn Clock>,
    /// Each line also on standard output (the guard's job: its pod's log is what outlives
    /// the pod's disk).
    mirror: bool,
}

impl AuditLog {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(FILE),
            file: Mutex::new(None),
            clock: Arc::new(SystemClock),
            mirror: false,
        }
    }

    /// Takes each line's time from `clock` from now on.
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    /// Writes each line to standard output as well.
    pub fn mirrored(mut self) -> Self {
        self.mirror = true;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the intent of a change. Fails (and the change must not be made) when the log
    /// cannot be written.
    pub fn begin(
        &self,
        context: &str,
        namespace: &str,
        subject: Subject,
    ) -> Result<Intent, AuditError> {
        let entry = AuditEntry {
            id: new_id(),
            phase: Phase::Intent,
            time: crate::clock::rfc3339(self.clock.now()),
            user: whoami::username(),
            context: context.into(),
            namespace: namespace.into(),
            action: subject.action,
            app: subject.app,
            params: subject.params,
            target: subject.text,
            outcome: Outcome::Intended,
            error: None,
            result: "intended".into(),
        };
        self.append(&entry)?;
        Ok(Intent { entry })
    }

    /// Writes the result of a change begun with [`Self::begin`]. The change has happened (or
    /// not) by now, so a failure to write is logged rather than returned.
    pub fn finish(&self, intent: Intent, outcome: Outcome, error: Option<AppError>) {
        let result = match (&outcome, &error) {
            (Outcome::Refused, Some(e)) => format!("refused: {}", e.message),
            (Outcome::Failed, Some(e)) => format!("failed: {}", e.message),
            (Outcome::Ok, _) => "ok".into(),
            (other, _) => format!("{other:?}").to_lowercase(),
        };
        let entry = AuditEntry {
            phase: Phase::Result,
            time: crate::clock::rfc3339(self.clock.now()),
            outcome,
            error,
            result,
            ..intent.entry
        };
        if let Err(error) = self.append(&entry) {
            tracing::error!(%error, action = %entry.action, "audit result not written");
        }
    }

    fn append(&self, entry: &AuditEntry) -> Result<(), AuditError> {
        let mut line = serde_json::to_string(entry).unwrap_or_default();
        line.push('\n');
        let fail = |source| AuditError::Write {
            path: self.path.clone(),
            source,
        };
        let month = month_of(&entry.time);
        let mut slot = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|(_, open)| *open != month) {
            // A new month: the open file is done.
            *slot = None;
            self.rotate().map_err(fail)?;
        }
        if slot.is_none() {
            if first_month(&self.path).is_some_and(|first| first != month) {
                self.rotate().map_err(fail)?;
            }
            let mut file = open_private(&self.path).map_err(fail)?;
            if ends_mid_line(&mut file).map_err(fail)? {
                // A torn last line (e.g. after a power cut) stays on its own line.
                line.insert(0, '\n');
            }
            *slot = Some((file, month));
        }
        let (file, _) = slot.as_mut().expect("opened above");
        let written = file
            .write_all(line.as_bytes())
            .and_then(|()| file.sync_data());
        if let Err(source) = written {
            // Reopen next time: the file may have been moved or its disk replaced.
            *slot = None;
            return Err(fail(source));
        }
        if self.mirror {
            print!("{}", line.trim_start_matches('\n'));
        }
        Ok(())
    }

    /// Moves the finished month's file aside as `audit-YYYY-MM.jsonl` (its permissions go
    /// with it), so the file written and read every time holds one month at most.
    fn rotate(&self) -> std::io::Result<()> {
        let Some(month) = first_month(&self.path) else {
            return Ok(());
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut aside = dir.join(format!("audit-{month}.jsonl"));
        let mut n = 1;
        while aside.exists() {
            aside = dir.join(format!("audit-{month}.{n}.jsonl"));
            n += 1;
        }
        std::fs::rename(&self.path, aside)
    }

    /// The log's files, newest first: this month's, then the months set aside.
    fn files(&self) -> Vec<PathBuf> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut aside: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("audit-") && n.ends_with(".jsonl"))
            })
            .collect();
        aside.sort_by(|a, b| b.cmp(a));
        std::iter::once(self.path.clone()).chain(aside).collect()
    }

    /// The newest `limit` changes, newest first: each change's result, or its intent marked
    /// `unfinished` when no result was written. Lines that do not parse are skipped (a torn
    /// last line after a power cut must not hide the rest).
    pub fn recent(&self, limit: usize) -> Result<Vec<AuditEntry>, AuditError> {
        let mut out = Vec::new();
        // Results can land in the month after their intent: seen first, newest first.
        let mut finished = std::collections::HashSet::new();
        for path in self.files() {
            if out.len() >= limit {
                // Older months are read only when the newer ones do not hold enough.
                break;
            }
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(AuditError::Read { path, source }),
            };
            let entries: Vec<AuditEntry> = text
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            finished.extend(
                entries
                    .iter()
                    .filter(|e| e.phase == Phase::Result && !e.id.is_empty())
                    .map(|e| e.id.clone()),
            );
            out.extend(entries.iter().rev().filter_map(|e| match e.phase {
                Phase::Result => Some(e.clone()),
                Phase::Intent if finished.contains(&e.id) => None,
                Phase::Intent => Some(AuditEntry {
                    result: "unfinished".into(),
                    outcome: Outcome::Unfinished,
                    ..e.clone()
                }),
            }));
        }
        out.truncate(limit);
        Ok(out)
    }
}

/// `YYYY-MM` of an RFC 3339 time.
fn month_of(time: &str) -> String {
    Month::parse(time)
        .map(|month| month.to_string())
        .unwrap_or_default()
}

/// The month of a log file's first line, if it has one.
fn first_month(path: &Path) -> Option<String> {
    use std::io::{BufRead, Read};
    let file = File::open(path).ok()?;
    let mut first = String::new();
    std::io::BufReader::new(file)
        .take(64 * 1024)
        .read_line(&mut first)
        .ok()?;
    let entry: AuditEntry = serde_json::from_str(first.trim()).ok()?;
    Some(month_of(&entry.time))
}

/// Opens (creating if needed) for appending, readable and writable by the user only.
fn open_private(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true).read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        // A file created by an older Purser (or another program) may be wider.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        options.open(path)
    }
}

/// Unique enough to pair two lines of one log: time and a process-wide counter.
fn new_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{nanos:x}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn ends_mid_line(file: &mut File) -> std::io::Result<bool> {
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

    /// Each month in its own file (kept private); a short Activity view reads this month's
    /// file alone, a long one reaches back into the months set aside.
    #[cfg(unix)]
    #[test]
    fn the_log_is_set_aside_month_by_month_and_read_only_as_far_as_needed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(crate::testing::ManualClock::new(
            time::macros::datetime!(2026-10-31 23:00 UTC),
        ));
        let mut log = AuditLog::new(dir.path());
        log.set_clock(clock.clone());
        record(&log, "deploy", Outcome::Ok);
        clock.set(time::macros::datetime!(2026-11-01 00:30 UTC));
        record(&log, "scale", Outcome::Ok);
        record(&log, "restart", Outcome::Ok);
        let october = dir.path().join("audit-2026-10.jsonl");
        assert!(october.exists());
        let mode = std::fs::metadata(&october).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let all: Vec<String> = log
            .recent(10)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(all, ["restart", "scale", "deploy"]);
        // October's file made unreadable: two lines are still read, three are not.
        std::fs::rename(&october, dir.path().join("aside")).unwrap();
        std::fs::create_dir(&october).unwrap();
        assert_eq!(log.recent(2).unwrap().len(), 2);
        assert!(log.recent(3).is_err());
    }

    fn record(log: &AuditLog, action: &str, outcome: Outcome) {
        let intent = log
            .begin(
                "prod",
                "default",
                Subject::new(action, "assistant", "assistant"),
            )
            .unwrap();
        let error =
            (outcome != Outcome::Ok).then(|| AppError::new("kube_not_pursers", "not Purser's"));
        log.finish(intent, outcome, error);
    }

    #[test]
    fn appends_and_reads_back_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path());
        record(&log, "deploy", Outcome::Ok);
        record(&log, "scale", Outcome::Ok);
        // A second writer (another process, or a crash mid-write) leaves a torn line.
        std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .unwrap()
            .write_all(b"{torn")
            .unwrap();
        let reopened = AuditLog::new(dir.path());
        record(&reopened, "restart", Outcome::Refused);
        let entries = reopened.recent(10).unwrap();
        let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["restart", "scale", "deploy"]);
        assert_eq!(entries[0].result, "refused: Not Purser's");
        assert_eq!(entries[0].outcome, Outcome::Refused);
        assert_eq!(entries[0].error.as_ref().unwrap().code, "kube_not_pursers");
        assert!(!entries[0].user.is_empty());
    }

    #[test]
    fn an_intent_without_a_result_is_shown_unfinished() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path());
        record(&log, "deploy", Outcome::Ok);
        let crashed = log.begin(
            "prod",
            "default",
            Subject::new("scale", "assistant", "assistant → 5 copies").with("replicas", 5),
        );
        drop(crashed);
        let entries = log.recent(10).unwrap();
        assert_eq!(entries[0].action, "scale");
        assert_eq!(entries[0].result, "unfinished");
        assert_eq!(entries[0].outcome, Outcome::Unfinished);
        assert_eq!(entries[0].params["replicas"], 5);
        assert_eq!(entries[1].result, "ok");
        let lines = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(lines.lines().count(), 3, "intent, result, intent: {lines}");
    }

    #[cfg(unix)]
    #[test]
    fn the_log_is_private_even_if_it_existed_wider() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        record(&AuditLog::new(dir.path()), "deploy", Outcome::Ok);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn an_unwritable_log_refuses_the_change() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be cannot be opened for writing, even by root.
        std::fs::create_dir(dir.path().join(FILE)).unwrap();
        assert!(AuditLog::new(dir.path())
            .begin(
                "prod",
                "default",
                Subject::new("deploy", "assistant", "assistant")
            )
            .is_err());
    }
}
