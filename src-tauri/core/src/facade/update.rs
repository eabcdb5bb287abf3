//! Keeping Purser current, as the facade offers it: the app crate asks whether an automatic
//! look is due, does the look with tauri-plugin-updater, and tells the core what it found.
//! `available` is the app crate's to say: whether this build carries an update key.

use crate::update::{Due, Finding, UpdateStatus};

use super::Purser;

impl Purser {
    /// Whether an automatic look for a new version may happen now.
    pub fn update_due(&self, available: bool) -> Due {
        let enabled = self.settings().check_updates;
        let acting = self.guard_locks.acting();
        self.updates
            .due(self.clock.now(), enabled, available, acting)
    }

    /// Updates as the window shows them.
    pub fn update_status(&self, available: bool) -> UpdateStatus {
        self.updates
            .status(self.settings().check_updates, available)
    }

    /// Remembers what a look or an install found; returns the status to show.
    pub fn record_update(&self, finding: Finding, available: bool) -> UpdateStatus {
        tracing::info!(?finding, "update look");
        self.updates.record(self.clock.now(), finding);
        self.update_status(available)
    }

    /// Waits for any guard action under way, then holds new ones off until the returned
    /// value is dropped: an update installs only between guard actions.
    pub async fn pause_guard_for_update(&self) -> crate::guard::Paused {
        self.guard_locks.pause().await
    }
}
