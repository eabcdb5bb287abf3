//! What a round keeps and tells: its record saved (a conflict marks the round to be run
//! again), notices, audit lines, the guard's note on the Deployment, and refusals told once.

use super::activity;
use super::error::GuardError;
use super::evaluate::Reason;
use super::notice::{failure, notice};
use super::record::LastCheck;
use super::round::{check, Finished, Round};
use super::Target as Level;
use crate::audit::{Outcome, Subject};
use crate::error::AppError;
use crate::sync::lock;

impl Round<'_> {
    /// Whether this try met someone else's change and will be run again from a fresh read.
    pub(super) fn again(&self) -> bool {
        self.conflicted && !self.last_try
    }

    /// Keeps the last check in the record, and tells what the round held back.
    pub(super) async fn finish(mut self, check: LastCheck) -> Finished {
        if self.again() {
            return Finished::Again;
        }
        if !self.conflicted {
            self.record.last_check = Some(check.clone());
            match self.save().await {
                Ok(()) => {}
                // Only the last check met a change: what the round did stands (running it
                // again would find its own action and say "nothing"); the check is kept on a
                // fresh read.
                Err(GuardError::RecordConflict) => self.keep_check_again(&check).await,
                Err(error) => self.tell_error("failed", error),
            }
        }
        let held = std::mem::take(&mut *lock(&self.held));
        for notice in held {
            self.ports.notifier.tell(notice);
        }
        Finished::Done(check)
    }

    async fn keep_check_again(&mut self, check: &LastCheck) {
        let kept = match self.ports.records.load(self.key).await {
            Ok(stored) => {
                let mut record = stored.record;
                record.last_check = Some(check.clone());
                self.ports
                    .records
                    .save(self.key, &record, &stored.version)
                    .await
                    .map(|_| ())
            }
            Err(error) => Err(error),
        };
        if let Err(error) = kept {
            self.say(failure("failed", self.key, AppError::from(error)));
        }
    }

    /// Tells `notice` now, or once this try is known not to be run again.
    pub(super) fn say(&self, notice: AppError) {
        if self.last_try {
            self.ports.notifier.tell(notice);
        } else {
            lock(&self.held).push(notice);
        }
    }

    pub(super) async fn save(&mut self) -> Result<(), GuardError> {
        let saved = self
            .ports
            .records
            .save(self.key, &self.record, &self.version)
            .await;
        match saved {
            Ok(version) => {
                self.version = version;
                Ok(())
            }
            Err(error) => {
                self.conflicted |= matches!(error, GuardError::RecordConflict);
                Err(error)
            }
        }
    }

    pub(super) fn tell(&self, kind: &str, reason: &Reason) {
        self.say(notice(kind, self.key, reason));
    }

    pub(super) fn tell_error(&self, kind: &str, error: GuardError) {
        if matches!(error, GuardError::RecordConflict) && !self.last_try {
            return;
        }
        self.say(failure(kind, self.key, AppError::from(error)));
    }

    /// One audit line for a guard event that is not itself a cluster change, written before
    /// the event takes effect.
    pub(super) fn audit_line(&self, subject: Subject) -> Result<(), GuardError> {
        let intent = self.ports.audit.begin(self.key, subject)?;
        self.ports.audit.finish(intent, Outcome::Ok, None);
        Ok(())
    }

    /// A notice that changes nothing (stale figures, a cost read that failed, a wrong clock),
    /// kept in the audit log beside what was told; a log that cannot be written does not stop
    /// the round.
    pub(super) fn audit_notice(&self, reason: &Reason) {
        let line = activity::guard("guardNotice", &self.key.app, reason);
        if let Err(error) = self.audit_line(line) {
            tracing::warn!(%error, "guard notice not audited");
        }
    }

    /// Writes (or clears) the guard's note on the Deployment as an audited change. Purser's
    /// record is the authority and the note only helps other machines: a failure is logged
    /// and audited, never the round's failure.
    pub(super) async fn write_note(&self, note: Option<(Level, Level)>) {
        if !self.ports.cluster.writes_notes() {
            return;
        }
        let subject = activity::guard_note(&self.key.app, note.as_ref().map(|(p, s)| (p, s)));
        let intent = match self.ports.audit.begin(self.key, subject) {
            Ok(intent) => intent,
            Err(error) => {
                tracing::warn!(%error, app = %self.key.app, "the guard's note is not written: the audit log refused it");
                return;
            }
        };
        let written = self.ports.cluster.write_hint(self.key, note).await;
        let (outcome, error) = match &written {
            Ok(()) => (Outcome::Ok, None),
            Err(e) => (Outcome::Failed, Some(AppError::from(e.clone()))),
        };
        self.ports.audit.finish(intent, outcome, error);
        if let Err(error) = written {
            tracing::warn!(%error, app = %self.key.app, "the guard's note on the Deployment was not written");
        }
    }

    /// "The guard cannot judge this app", told once until the reason changes.
    pub(super) fn refuse(&mut self, reason: Reason) -> LastCheck {
        if self.record.tell_once("refused", reason.code) {
            let line = activity::guard("guardRefuse", &self.key.app, &reason);
            if let Err(error) = self.audit_line(line) {
                tracing::warn!(%error, "guard refusal not audited");
            }
            self.tell("refused", &reason);
        }
        check("refused", &reason, self.now)
    }
}
