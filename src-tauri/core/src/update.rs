//! Keeping Purser current: when to look for a new version, what was found, and what the
//! window says about it. The looking itself (the request, the signature, the installer) is
//! tauri-plugin-updater's, in the app crate; this module decides *when* and remembers *what*.
//!
//! Rules: at most one automatic look a day, none while the guard acts, none when the user
//! turned it off or the build has no update key (a build from source). A failed look is one
//! quiet line in Settings, never a dialog. Nothing is installed without the user's OK.
//! State is `updates.json` in the data folder: the last look and what it found. No secrets.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::clock::{parse_rfc3339, rfc3339};
use crate::files::write_atomic;
use crate::sync::lock;

const FILE: &str = "updates.json";

/// How long after a look the next automatic one waits.
pub const CHECK_EVERY: Duration = Duration::hours(24);

/// Release notes longer than this are cut (they come from the update server).
pub const MAX_NOTES_CHARS: usize = 2_000;

/// A newer version the update server offers, signed for this computer's platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub version: String,
    /// What the new version changes, as its release says (plain text).
    pub notes: Option<String>,
    /// When it was published (RFC 3339), as its release says.
    pub published: Option<String>,
}

impl Offer {
    /// An offer with its notes trimmed and held to [`MAX_NOTES_CHARS`].
    pub fn new(version: String, notes: Option<String>, published: Option<OffsetDateTime>) -> Self {
        let published = published.map(rfc3339);
        let notes = notes
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .map(|n| match n.char_indices().nth(MAX_NOTES_CHARS) {
                Some((cut, _)) => format!("{}…", &n[..cut]),
                None => n,
            });
        Self {
            version,
            notes,
            published,
        }
    }
}

/// What a look (or an install) found. Everything but `Offered` and `Installed` is told as one
/// line under "Updates" in Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Finding {
    /// This is the newest version.
    UpToDate,
    Offered(Offer),
    /// The update server could not be reached (offline, DNS, timeout).
    Offline,
    /// The server answered, but not with a release Purser can read.
    ServerError,
    /// The release has no build for this operating system and processor.
    NoBuildForThisComputer,
    /// The download did not match its signature: refused, nothing installed.
    BadSignature {
        version: String,
    },
    /// The installer failed or was cancelled (e.g. the password prompt); nothing changed.
    InstallFailed {
        version: String,
    },
    /// Installed; it runs from the next start.
    Installed {
        version: String,
    },
}

/// Whether an automatic look may happen now, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Due {
    Now,
    /// The last look was less than [`CHECK_EVERY`] ago.
    NotYet,
    /// The user turned updates off in Settings.
    Off,
    /// This build has no update key (built from source): updates come with the source.
    Unavailable,
    /// The guard is acting on an app: looked for again on the next tick.
    GuardActing,
}

/// Updates as the window shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStatus {
    /// The build can update itself (it has an update key).
    pub available: bool,
    /// The user's setting.
    pub enabled: bool,
    /// When Purser last looked (RFC 3339).
    pub last_checked: Option<String>,
    pub last: Option<Finding>,
}

impl UpdateStatus {
    /// The version on offer, if the last look found one.
    pub fn offer(&self) -> Option<&Offer> {
        match &self.last {
            Some(Finding::Offered(offer)) => Some(offer),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct UpdateFile {
    /// RFC 3339.
    last_checked: Option<String>,
    last: Option<Finding>,
}

/// The update state, kept in the data folder.
#[derive(Debug)]
pub struct Updates {
    path: PathBuf,
    file: Mutex<UpdateFile>,
}

impl Updates {
    /// Reads `updates.json` from `dir`; a missing or unreadable one means never looked.
    pub fn load(dir: &Path) -> Self {
        let path = dir.join(FILE);
        let file = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            path,
            file: Mutex::new(file),
        }
    }

    /// Whether an automatic look may happen at `now`. A last look in the future (the clock
    /// was put back) counts as long ago, so a wrong clock cannot stop updates for good.
    pub fn due(&self, now: OffsetDateTime, enabled: bool, available: bool, acting: bool) -> Due {
        if !available {
            return Due::Unavailable;
        }
        if !enabled {
            return Due::Off;
        }
        if acting {
            return Due::GuardActing;
        }
        let last = lock(&self.file)
            .last_checked
            .as_deref()
            .and_then(parse_rfc3339);
        match last {
            Some(at) if at <= now && now - at < CHECK_EVERY => Due::NotYet,
            _ => Due::Now,
        }
    }

    /// Remembers what a look found at `now`. An install's outcome keeps the look's time.
    pub fn record(&self, now: OffsetDateTime, finding: Finding) {
        let mut file = lock(&self.file);
        let install = matches!(
            finding,
            Finding::BadSignature { .. }
                | Finding::InstallFailed { .. }
                | Finding::Installed { .. }
        );
        if !install {
            file.last_checked = Some(rfc3339(now));
        }
        file.last = Some(finding);
        let saved = serde_json::to_vec_pretty(&*file)
            .map_err(std::io::Error::other)
            .and_then(|bytes| write_atomic(&self.path, &bytes));
        if let Err(error) = saved {
            // The next look comes sooner than a day: nothing is lost but a request.
            tracing::warn!(%error, "the update state could not be saved");
        }
    }

    /// Updates as the window shows them.
    pub fn status(&self, enabled: bool, available: bool) -> UpdateStatus {
        let file = lock(&self.file);
        UpdateStatus {
            available,
            enabled,
            last_checked: file.last_checked.clone(),
            last: file.last.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-07 10:00 UTC);

    fn offer(version: &str) -> Finding {
        Finding::Offered(Offer::new(version.into(), Some("Faster".into()), None))
    }

    #[test]
    fn a_look_waits_a_day_and_never_runs_off_unavailable_or_while_the_guard_acts() {
        let dir = tempfile::tempdir().unwrap();
        let updates = Updates::load(dir.path());
        assert_eq!(updates.due(NOW, true, true, false), Due::Now);
        assert_eq!(updates.due(NOW, true, false, false), Due::Unavailable);
        assert_eq!(updates.due(NOW, false, true, false), Due::Off);
        assert_eq!(updates.due(NOW, true, true, true), Due::GuardActing);
        updates.record(NOW, Finding::UpToDate);
        let later = NOW + Duration::hours(23);
        assert_eq!(updates.due(later, true, true, false), Due::NotYet);
        assert_eq!(updates.due(NOW + CHECK_EVERY, true, true, false), Due::Now);
        // A clock put back a week does not hold updates off for a week.
        let earlier = NOW - Duration::days(7);
        assert_eq!(updates.due(earlier, true, true, false), Due::Now);
    }

    #[test]
    fn what_was_found_survives_a_restart_and_an_install_outcome_keeps_the_looks_time() {
        let dir = tempfile::tempdir().unwrap();
        let updates = Updates::load(dir.path());
        updates.record(NOW, offer("0.2.0"));
        let later = NOW + Duration::hours(1);
        let refused = Finding::BadSignature {
            version: "0.2.0".into(),
        };
        updates.record(later, refused.clone());
        let again = Updates::load(dir.path()).status(true, true);
        assert_eq!(
            again.last_checked.as_deref().and_then(parse_rfc3339),
            Some(NOW)
        );
        assert_eq!(again.last, Some(refused));
        assert_eq!(
            again.offer(),
            None,
            "a refused download is no longer offered"
        );
    }

    #[test]
    fn long_notes_are_cut_and_blank_ones_dropped() {
        let long = "é".repeat(MAX_NOTES_CHARS + 10);
        let offer = Offer::new("1.0.0".into(), Some(long), None);
        let notes = offer.notes.unwrap();
        assert_eq!(notes.chars().count(), MAX_NOTES_CHARS + 1);
        assert!(notes.ends_with('…'));
        assert_eq!(
            Offer::new("1.0.0".into(), Some("  \n".into()), None).notes,
            None
        );
    }

    #[test]
    fn a_damaged_file_is_a_state_never_looked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), b"{not json").unwrap();
        let updates = Updates::load(dir.path());
        assert_eq!(updates.status(true, true).last_checked, None);
        assert_eq!(updates.due(NOW, true, true, false), Due::Now);
    }
}
