//! The guard as a reconcile loop (kube-rs `controller-rs` is the model): a context of ports
//! and one round per app — read the record and the figures, decide with the pure
//! [`evaluate`](super::evaluate), act, record. The desktop's schedule and window call it
//! through the facade; a job in the cluster can call the same code with other ports.
//!
//! One round, approval or revert at a time per app ([`RoundLocks`]); the record is written
//! before a change is sent and audited before it takes effect; every write to the cluster is
//! conditional on the version looked at, and a conflict re-reads and re-decides.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::Duration;

use super::error::GuardError;
use super::ports::{
    GuardAudit, GuardCluster, GuardFigures, GuardOpenAi, GuardRecords, Look, Notifier,
};
use super::record::{HoldChoice, LastCheck};
use super::round::{Finished, Round};
use super::{AppKey, Decision, Policy};
use crate::clock::Clock;
use crate::sync::lock;

/// How long the guard waits after acting (or proposing) before it may act again.
pub const COOLDOWN: Duration = Duration::hours(6);

/// Copies that come back this soon after the guard acted were put back by a tool or a
/// person on purpose (a GitOps self-heal): the guard says who, and does not fight it.
pub const UNDO_WINDOW: Duration = Duration::minutes(15);

/// A last action further ahead of the clock than this is a clock that was wrong: ignored,
/// so it cannot hold the cooldown for days.
pub const SKEW_ALLOWED: Duration = Duration::minutes(5);

/// Reads and decisions again after a write found the app changed meanwhile.
pub(super) const CONFLICT_TRIES: usize = 3;

/// What the guard talks to, for one call.
#[derive(Clone, Copy)]
pub struct Ports<'a> {
    pub cluster: &'a dyn GuardCluster,
    pub figures: &'a dyn GuardFigures,
    pub openai: &'a dyn GuardOpenAi,
    pub records: &'a dyn GuardRecords,
    pub clock: &'a dyn Clock,
    pub notifier: &'a dyn Notifier,
    pub audit: &'a dyn GuardAudit,
}

/// One lock per app: a round, an approval and a revert of the same app never overlap (the
/// hourly tick, "Check now" and Approve once could, and both acted). Over them, one pause:
/// every guard action holds it shared, and installing an update holds it alone, so an
/// install never starts during a guard action and no action starts during an install.
#[derive(Debug, Default)]
pub struct RoundLocks {
    apps: Mutex<HashMap<AppKey, Arc<tokio::sync::Mutex<()>>>>,
    pause: Arc<tokio::sync::RwLock<()>>,
}

/// Held for one guard action.
pub struct Held {
    _app: tokio::sync::OwnedMutexGuard<()>,
    _pause: tokio::sync::OwnedRwLockReadGuard<()>,
}

/// Held while an update installs: no guard action starts until it is dropped.
pub struct Paused {
    _guard: tokio::sync::OwnedRwLockWriteGuard<()>,
}

impl RoundLocks {
    async fn hold(&self, key: &AppKey) -> Held {
        let pause = self.pause.clone().read_owned().await;
        let app = lock(&self.apps).entry(key.clone()).or_default().clone();
        Held {
            _app: app.lock_owned().await,
            _pause: pause,
        }
    }

    /// Whether a guard action is under way now.
    pub fn acting(&self) -> bool {
        self.pause.try_write().is_err()
    }

    /// Waits for the guard actions under way to end, then holds every new one off.
    pub async fn pause(&self) -> Paused {
        Paused {
            _guard: self.pause.clone().write_owned().await,
        }
    }
}

/// Who asks: the guard by itself (the schedule, a job) or a person in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Initiator {
    Schedule,
    Person(String),
}

impl Initiator {
    /// As records name it.
    pub fn by(&self) -> String {
        match self {
            Initiator::Schedule => "schedule".into(),
            Initiator::Person(name) => name.clone(),
        }
    }
}

/// The guard service over one set of ports.
pub struct GuardService<'a> {
    ports: Ports<'a>,
    locks: &'a RoundLocks,
}

impl<'a> GuardService<'a> {
    pub fn new(ports: Ports<'a>, locks: &'a RoundLocks) -> Self {
        Self { ports, locks }
    }

    async fn round(&self, key: &'a AppKey) -> Result<Round<'a>, GuardError> {
        let stored = self.ports.records.load(key).await?;
        Ok(Round::new(self.ports, key, stored))
    }

    /// One round for one app: what it found and did (also kept in the record as its last
    /// check). What the user must be told goes to the notifier. A record changed meanwhile
    /// (another desktop, the job in the cluster) is read again and the round decided again.
    pub async fn run_round(&self, key: &'a AppKey) -> LastCheck {
        self.rounds(key, true).await
    }

    /// A round of the OpenAI lever alone, for an app whose copies the guard in the cluster
    /// looks after (it has no OpenAI lever of its own yet).
    pub async fn run_openai_round(&self, key: &'a AppKey) -> LastCheck {
        self.rounds(key, false).await
    }

    async fn rounds(&self, key: &'a AppKey, copies: bool) -> LastCheck {
        let _one_at_a_time = self.locks.hold(key).await;
        let mut tries = 1;
        loop {
            let mut round = match self.round(key).await {
                Ok(round) if tries < CONFLICT_TRIES => round.retried_on_conflict(),
                Ok(round) => round,
                Err(error) => return Round::unreadable(self.ports, key, error),
            };
            round.copies = copies;
            let check = round.run().await;
            match round.finish(check).await {
                Finished::Done(check) => return check,
                Finished::Again => tries += 1,
            }
        }
    }

    /// The waiting proposal decided again now for `look` (nothing changed, nothing
    /// recorded): what the window shows and an approval would do. `None` without one.
    pub async fn proposal_now(
        &self,
        key: &'a AppKey,
        look: &Look,
    ) -> Result<Option<Decision>, GuardError> {
        let round = self.round(key).await?;
        if round.record.proposal.is_none() {
            return Ok(None);
        }
        let figures = self.ports.figures.month(round.now).await?;
        Ok(Some(round.decide(&figures, look, None, true).await))
    }

    /// The user approves the waiting proposal: decided again now, and carried out only if it
    /// still lowers the app.
    pub async fn approve(&self, key: &'a AppKey, by: &Initiator) -> Result<(), GuardError> {
        let _one_at_a_time = self.locks.hold(key).await;
        self.round(key).await?.approve(by).await
    }

    /// The user turns the waiting proposal down.
    pub async fn dismiss(&self, key: &'a AppKey) -> Result<(), GuardError> {
        let _one_at_a_time = self.locks.hold(key).await;
        self.round(key).await?.dismiss().await
    }

    /// Puts back what the guard changed, then holds off as the user chose. `anyway` = the
    /// user answered the question a first call asked.
    pub async fn revert(
        &self,
        key: &'a AppKey,
        anyway: bool,
        hold: HoldChoice,
        by: &Initiator,
    ) -> Result<(), GuardError> {
        let _one_at_a_time = self.locks.hold(key).await;
        self.round(key).await?.revert(anyway, hold, by).await
    }

    /// The user approves the waiting cap on OpenAI's spend: decided again now.
    pub async fn approve_openai(&self, key: &'a AppKey, by: &Initiator) -> Result<(), GuardError> {
        let _one_at_a_time = self.locks.hold(key).await;
        self.round(key).await?.approve_openai(by).await
    }

    /// The user turns the waiting cap down.
    pub async fn dismiss_openai(&self, key: &'a AppKey) -> Result<(), GuardError> {
        let _one_at_a_time = self.locks.hold(key).await;
        self.round(key).await?.dismiss_openai().await
    }

    /// Sets what the guard may do with OpenAI's part of the bill for this app.
    pub async fn set_lever(&self, key: &'a AppKey, lever: super::Lever) -> Result<(), GuardError> {
        let _one_at_a_time = self.locks.hold(key).await;
        self.round(key).await?.set_lever(lever).await
    }

    /// Sets the app's policy on the cluster its context reaches now (recorded with it).
    /// A floor of 0 copies needs `confirm_zero` once.
    pub async fn set_policy(
        &self,
        key: &'a AppKey,
        policy: Policy,
        confirm_zero: bool,
    ) -> Result<(), GuardError> {
        let _one_at_a_time = self.locks.hold(key).await;
        self.round(key)
            .await?
            .set_policy(policy, confirm_zero)
            .await
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "service_conflict_tests.rs"]
mod conflict_tests;
