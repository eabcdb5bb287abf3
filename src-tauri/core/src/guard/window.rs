//! What a person does with the guard: approve or turn down a proposal, revert, set the
//! policy. Each holds the app's lock as a round does, and each acts only on the cluster the
//! record belongs to.

use super::activity;
use super::error::{GuardError, RevertQuestion};
use super::ports::Look;
use super::record::HoldChoice;
use super::round::Round;
use super::service::{Initiator, CONFLICT_TRIES, COOLDOWN};
use super::Target as Level;
use super::{Action, Policy};
use crate::audit::Outcome;
use crate::cluster::CopyCount;
use crate::error::AppError;

impl Round<'_> {
    async fn look(&self) -> Result<Look, GuardError> {
        self.ports.cluster.look(self.key).await
    }

    pub(super) async fn approve(mut self, by: &Initiator) -> Result<(), GuardError> {
        let app = self.key.app.clone();
        let proposal = self
            .record
            .proposal
            .clone()
            .ok_or_else(|| GuardError::NoProposal { app: app.clone() })?;
        if proposal.expired(self.now, COOLDOWN) || self.record.policy.floor().is_none() {
            self.record.proposal = None;
            self.save().await?;
            return Err(GuardError::ProposalExpired { app });
        }
        let identity = self.identity().await?;
        if self.record.policy.floor() == Some(0) && !self.record.zero_confirmed {
            return Err(GuardError::ZeroUnconfirmed { app });
        }
        for attempt in 1..=CONFLICT_TRIES {
            let look = self.look().await?;
            let figures = self
                .ports
                .figures
                .month(self.now)
                .await
                .map_err(|e| GuardError::Figures(AppError::from(e)))?;
            let decision = self.decide(&figures, &look, None, true).await;
            let Action::Propose { to } = decision.action else {
                // Decided again now, it is not a scale-down any more (spend fell, the budget
                // rose, someone scaled the app down already).
                self.record.proposal = None;
                self.save().await?;
                return Err(GuardError::NoLongerOver {
                    app,
                    reason: decision.reason.code,
                    params: decision.reason.params,
                });
            };
            if to.top() >= look.level().top() {
                self.record.proposal = None;
                self.save().await?;
                return Err(GuardError::NotBelow {
                    app,
                    to: to.text(),
                    now: look.level().text(),
                });
            }
            let reason = decision.reason.with("approved", true);
            match self.scale_down(&identity, &look, to, &reason, by).await {
                Err(GuardError::Conflict { .. }) if attempt < CONFLICT_TRIES => continue,
                done => done?,
            }
            self.record.proposal = None;
            return self.save().await;
        }
        Err(GuardError::Conflict { app })
    }

    pub(super) async fn dismiss(mut self) -> Result<(), GuardError> {
        let Some(proposal) = self.record.proposal.take() else {
            return Ok(());
        };
        let mut reason =
            super::Reason::new("over_budget", format!("{} (dismissed)", proposal.text));
        reason.params = proposal.params;
        self.audit_line(activity::guard("guardDismiss", &self.key.app, &reason))?;
        self.save().await
    }

    pub(super) async fn revert(
        mut self,
        anyway: bool,
        hold: HoldChoice,
        by: &Initiator,
    ) -> Result<(), GuardError> {
        let identity = self.identity().await?;
        // The app can move on between the look and the write (its copies coming up after
        // someone scaled it): look again and ask again, as a round does.
        for attempt in 1..=CONFLICT_TRIES {
            match self.revert_once(&identity, anyway, by).await {
                Err(GuardError::Conflict { .. }) if attempt < CONFLICT_TRIES => continue,
                done => done?,
            }
            let budget = self.ports.figures.budget(self.key).amount;
            self.record.revert = None;
            self.record.proposal = None;
            self.record.hold = hold.hold(self.now, budget);
            self.record.untell("undone");
            self.save().await?;
            self.write_note(None).await;
            return Ok(());
        }
        Err(GuardError::Conflict {
            app: self.key.app.clone(),
        })
    }

    /// One look and, if it still holds, the write of the level before the guard's change.
    async fn revert_once(
        &mut self,
        identity: &super::ClusterIdentity,
        anyway: bool,
        by: &Initiator,
    ) -> Result<(), GuardError> {
        let app = self.key.app.clone();
        let look = self.look().await?;
        let (previous, set, from_record) = match (&self.record.revert, look.hint) {
            (Some(record), _) if !record.cluster.same_as(identity) => {
                return Err(GuardError::ClusterChanged {
                    app,
                    recorded: record.cluster.server.clone(),
                    now: identity.server.clone(),
                })
            }
            (Some(record), _) => (record.previous, record.set, true),
            (None, Some((previous, set))) => (previous, set, false),
            (None, None) => return Err(GuardError::NothingToRevert { app }),
        };
        if previous.check().is_err() {
            return Err(GuardError::RevertOutOfBounds {
                app,
                level: previous.text(),
            });
        }
        let now_level = look.level();
        if !anyway && !from_record {
            let per_copy = self.ports.figures.copy_cost(self.key, &look).await;
            let monthly = |level: Level| per_copy.map(|c| f64::from(level.top()) * c);
            return Err(GuardError::RevertConfirm(Box::new(RevertQuestion {
                app,
                previous: previous.text(),
                set: set.text(),
                now: now_level.text(),
                previous_monthly: monthly(previous),
                now_monthly: monthly(now_level),
            })));
        }
        if !anyway && now_level != set {
            return Err(GuardError::ChangedSince {
                app,
                set: set.text(),
                now: now_level.text(),
            });
        }
        let subject = activity::guard_revert(&app, &now_level, &previous).with("by", by.by());
        let intent = self.ports.audit.begin(self.key, subject)?;
        let written = self.write_level(&look, previous).await;
        let outcome = if written.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Failed
        };
        let error = written.as_ref().err().map(|e| AppError::from(e.clone()));
        self.ports.audit.finish(intent, outcome, error);
        written
    }

    pub(super) async fn set_policy(
        mut self,
        policy: Policy,
        confirm_zero: bool,
    ) -> Result<(), GuardError> {
        let app = self.key.app.clone();
        if let Some(floor) = policy.floor() {
            if CopyCount::new(floor.into()).is_none() {
                return Err(GuardError::InvalidFloor);
            }
            if floor == 0 && !confirm_zero && !self.record.zero_confirmed {
                return Err(GuardError::ZeroUnconfirmed { app });
            }
        }
        let identity = self.ports.cluster.identity(self.key).await?;
        // The app must be there (and Purser's) for a policy to mean anything. Hidden
        // autoscalers matter only to a policy that scales.
        match self.look().await {
            Err(GuardError::AutoscalersHidden { .. }) if policy.floor().is_none() => {}
            looked => {
                looked?;
            }
        }
        self.audit_line(activity::guard_policy(&app, &policy))?;
        if policy.floor() == Some(0) {
            self.record.zero_confirmed = true;
        }
        self.record.policy = policy;
        self.record.cluster = Some(identity);
        self.record.proposal = None;
        self.record.hold = None;
        self.record.told.clear();
        self.save().await
    }
}
