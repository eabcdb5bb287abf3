//! One app's round: the record as read, the decision, the action and what is told. Each
//! round holds the app's lock (see [`super::service`]) from its read to its last write.

use time::OffsetDateTime;

use super::activity;
use super::error::GuardError;
use super::notice::failure;
use super::ports::{Look, MonthFigures, Stored};
use super::record::{AppRecord, ClusterIdentity, LastCheck, Proposal, RevertRecord, UidOf};
use super::service::{Initiator, Ports, CONFLICT_TRIES, COOLDOWN, SKEW_ALLOWED, UNDO_WINDOW};
use super::Target as Level;
use super::{evaluate, gitops, Action, AppKey, Copies, Decision, Inputs, Policy, Range, Reason};
use crate::audit::Outcome;
use crate::clock::{parse_rfc3339, rfc3339};
use crate::error::AppError;
use crate::month::Month;

pub(super) struct Round<'a> {
    pub(super) ports: Ports<'a>,
    pub(super) key: &'a AppKey,
    pub(super) record: AppRecord,
    pub(super) version: String,
    pub(super) now: OffsetDateTime,
    /// The month's figures once read this round (the OpenAI lever reads the same).
    figures: Option<MonthFigures>,
    /// A save met someone else's change to the record (another desktop, the job in the
    /// cluster): the round is run again from a fresh read, unless this was the last try.
    pub(super) conflicted: bool,
    pub(super) last_try: bool,
    /// Notices of a try that may be run again, told only once it is not (a retried try's
    /// notices would otherwise be told twice).
    pub(super) held: std::sync::Mutex<Vec<AppError>>,
    /// The copies lever is this round's (false: the guard in the cluster looks after the
    /// copies, and this round is the OpenAI lever's alone).
    pub(super) copies: bool,
}

/// How a round ended.
pub(super) enum Finished {
    Done(LastCheck),
    /// The record changed meanwhile: read it again and decide again.
    Again,
}

/// A last check: what the guard did and why.
pub(super) fn check(did: &str, reason: &Reason, now: OffsetDateTime) -> LastCheck {
    LastCheck {
        at: rfc3339(now),
        did: did.into(),
        code: reason.code.into(),
        params: reason.params.clone(),
    }
}

/// The reason a failure of the cluster or the figures gives, with the error's code.
fn unreachable(error: &GuardError) -> Reason {
    let error = AppError::from(error.clone());
    Reason::new("unreachable", error.message).with("error", error.code)
}

impl<'a> Round<'a> {
    pub(super) fn new(ports: Ports<'a>, key: &'a AppKey, stored: Stored) -> Self {
        Self {
            now: ports.clock.now(),
            ports,
            key,
            record: stored.record,
            version: stored.version,
            figures: None,
            conflicted: false,
            last_try: true,
            held: std::sync::Mutex::new(Vec::new()),
            copies: true,
        }
    }

    /// A round that may be run again after a conflict on the record (its conflict is not
    /// told: the next try decides).
    pub(super) fn retried_on_conflict(mut self) -> Self {
        self.last_try = false;
        self
    }

    /// The record could not be read: said, and nothing else happens.
    pub(super) fn unreadable(ports: Ports<'a>, key: &AppKey, error: GuardError) -> LastCheck {
        let error = AppError::from(error);
        ports.notifier.tell(failure("failed", key, error.clone()));
        let reason = Reason::new("record_unreadable", error.message).with("error", error.code);
        check("failed", &reason, ports.clock.now())
    }

    /// The round itself: the copies lever, then the OpenAI lever (each on its own; the
    /// OpenAI lever's finding is kept as its own last check).
    pub(super) async fn run(&mut self) -> LastCheck {
        self.record
            .turn_month(&Month::of(self.now.date()).to_string());
        let check = if !self.copies {
            let reason = Reason::new(
                "in_cluster",
                "the guard in the cluster looks after the copies",
            );
            check("nothing", &reason, self.now)
        } else if self.record.policy == Policy::Off {
            check("nothing", &Reason::new("off", "the guard is off"), self.now)
        } else {
            self.copies_round().await
        };
        if !self.again() {
            self.openai_round().await;
        }
        check
    }

    /// The month's figures, read once a round.
    pub(super) async fn figures(&mut self) -> Result<MonthFigures, GuardError> {
        if let Some(figures) = &self.figures {
            return Ok(figures.clone());
        }
        let figures = self.ports.figures.month(self.now).await?;
        self.figures = Some(figures.clone());
        Ok(figures)
    }

    async fn copies_round(&mut self) -> LastCheck {
        let identity = match self.identity().await {
            Ok(identity) => identity,
            Err(error) => return self.refuse(self.why_no_look(&error)),
        };
        for attempt in 1..=CONFLICT_TRIES {
            let look = match self.ports.cluster.look(self.key).await {
                Ok(look) => look,
                Err(error) => return self.refuse(self.why_no_look(&error)),
            };
            match self.decide_and_act(&identity, &look).await {
                Ok(check) => return check,
                // The app changed between the look and the write: look again, decide again.
                Err(GuardError::Conflict { .. }) if attempt < CONFLICT_TRIES => continue,
                Err(error) => {
                    let reason = unreachable(&error);
                    self.tell_error("failed", error);
                    return check("failed", &reason, self.now);
                }
            }
        }
        unreachable_round(self.now)
    }

    /// The cluster the app's context reaches now, refused when it is not the one the policy
    /// was set on (records from before identities adopt the first one seen).
    pub(super) async fn identity(&mut self) -> Result<ClusterIdentity, GuardError> {
        let identity = self.ports.cluster.identity(self.key).await?;
        if self.ports.records.kept_in_the_cluster() {
            // Not compared (the record lives in the app's own cluster), but kept: the job in
            // the cluster reuses it and asks no identity of its own on its next runs.
            if self.record.cluster.is_none() {
                self.record.cluster = Some(identity.clone());
            }
            return Ok(identity);
        }
        match &self.record.cluster {
            Some(recorded) if !recorded.same_as(&identity) => Err(GuardError::ClusterChanged {
                app: self.key.app.clone(),
                recorded: recorded.server.clone(),
                now: identity.server,
            }),
            Some(_) => Ok(identity),
            None => {
                self.record.cluster = Some(identity.clone());
                Ok(identity)
            }
        }
    }

    pub(super) fn why_no_look(&self, error: &GuardError) -> Reason {
        match error {
            GuardError::AutoscalersHidden { namespace, .. } => Reason::new(
                "autoscalers_hidden",
                format!("autoscalers cannot be listed in {namespace}"),
            )
            .with("namespace", namespace.clone()),
            GuardError::ClusterChanged { recorded, now, .. } => Reason::new(
                "cluster_changed",
                format!("the context now reaches {now}, not {recorded}"),
            )
            .with("recorded", recorded.clone())
            .with("now", now.clone()),
            other => unreachable(other),
        }
    }

    async fn decide_and_act(
        &mut self,
        identity: &ClusterIdentity,
        look: &Look,
    ) -> Result<LastCheck, GuardError> {
        self.expire_proposal();
        let figures = match self.figures().await {
            Ok(figures) => figures,
            Err(error) => return Ok(self.cost_failed(error)),
        };
        self.tell_stale(&figures);
        if figures.sample && identity.uid_of != UidOf::Sandbox {
            // Made-up figures never move a real cluster.
            let reason = Reason::new("sample_figures", "the figures are sample data");
            return Ok(self.refuse(reason));
        }
        let budget = self.ports.figures.budget(self.key);
        if let Some(hold) = self.record.hold.clone() {
            if hold.holds(self.now, budget.amount) {
                return Ok(check("nothing", &hold.reason("held"), self.now));
            }
            self.record.hold = None;
        }
        if let Some(undone) = self.undone(look) {
            return Ok(undone);
        }
        if self.record.policy.floor() == Some(0) && !self.record.zero_confirmed {
            let reason = Reason::new(
                "zero_unconfirmed",
                "a floor of 0 copies was never confirmed",
            );
            return Ok(self.refuse(reason));
        }
        let last_action = self.last_action();
        let decision = self.decide(&figures, look, last_action, false).await;
        self.act(identity, look, decision).await
    }

    /// The pure decision on what was read. `approving` decides for an approval: as a
    /// proposal, and with no cooldown (the proposal started it).
    pub(super) async fn decide(
        &self,
        figures: &MonthFigures,
        look: &Look,
        last_action: Option<OffsetDateTime>,
        approving: bool,
    ) -> Decision {
        let budget = self.ports.figures.budget(self.key);
        let cost_per_copy = self.ports.figures.copy_cost(self.key, look).await;
        let policy = match (&self.record.policy, approving) {
            (Policy::Automatic { floor }, true) => Policy::Propose { floor: *floor },
            (policy, _) => policy.clone(),
        };
        // With the OpenAI lever capping OpenAI's part, copies answer for AWS's part alone.
        let (spent, month_end) = if self.record.openai_lever.caps() {
            let (aws, _) = super::openai_round::parts(figures);
            let aws_spent = (figures.spent - figures.openai_spent).max(0.0);
            (aws_spent, figures.month_end.map(|_| aws))
        } else {
            (figures.spent, figures.month_end)
        };
        let decision = evaluate(&Inputs {
            spent,
            month_end,
            currency: &figures.currency,
            budget: budget.amount,
            budget_currency: &budget.currency,
            thresholds: &budget.thresholds,
            policy: &policy,
            copies: Copies {
                current: look.copies,
                autoscaler: look.autoscaler.as_ref().map(|a| a.range),
            },
            cost_per_copy,
            last_action,
            cooldown: COOLDOWN,
            notified: if approving {
                &[]
            } else {
                &self.record.notified
            },
            now: self.now,
        });
        with_gitops(decision, look)
    }

    async fn act(
        &mut self,
        identity: &ClusterIdentity,
        look: &Look,
        decision: Decision,
    ) -> Result<LastCheck, GuardError> {
        let reason = decision.reason;
        match decision.action {
            Action::Nothing => {
                if reason.code != "cooldown" {
                    // The decision is no longer "propose": a waiting proposal goes.
                    self.record.proposal = None;
                }
                self.record.untell("refused");
                Ok(check("nothing", &reason, self.now))
            }
            Action::Refuse => Ok(self.refuse(reason)),
            Action::Notify => {
                self.audit_line(activity::guard("guardNotify", &self.key.app, &reason))?;
                self.record.notified.extend(decision.threshold);
                self.save().await?;
                self.tell("notify", &reason);
                Ok(check("notify", &reason, self.now))
            }
            Action::Propose { to } => {
                self.audit_line(activity::guard("guardPropose", &self.key.app, &reason))?;
                self.record.last_action = Some(rfc3339(self.now));
                self.record.proposal = Some(Proposal {
                    to,
                    from: Some(look.level()),
                    code: reason.code.into(),
                    params: reason.params.clone(),
                    text: reason.text.clone(),
                    saving: decision.saving,
                    at: rfc3339(self.now),
                });
                self.save().await?;
                self.tell("propose", &reason);
                Ok(check("propose", &reason, self.now))
            }
            Action::ScaleDown { to } => {
                match self
                    .scale_down(identity, look, to, &reason, &Initiator::Schedule)
                    .await
                {
                    Ok(()) => {
                        self.tell("scaled", &reason);
                        Ok(check("scaled", &reason, self.now))
                    }
                    Err(error @ GuardError::Conflict { .. }) => Err(error),
                    Err(error) => {
                        let why = unreachable(&error);
                        self.tell_error("failed", error);
                        Ok(check("failed", &why, self.now))
                    }
                }
            }
        }
    }

    /// Scales the app down to `to` (or lowers its autoscaler's range): the record first, the
    /// audit intent, the write conditional on the version looked at, the result, then the
    /// hint on the Deployment. A failed write undoes the record.
    pub(super) async fn scale_down(
        &mut self,
        identity: &ClusterIdentity,
        look: &Look,
        to: Level,
        reason: &Reason,
        by: &Initiator,
    ) -> Result<(), GuardError> {
        let now_level = look.level();
        // The guard's own chain keeps its first "previous"; a level someone set since the
        // guard acted (a person's scale-up) is the new "previous".
        let previous = match &self.record.revert {
            Some(record) if record.set == now_level => record.previous,
            _ => now_level,
        };
        let before = (self.record.revert.clone(), self.record.last_action.clone());
        self.record.revert = Some(RevertRecord {
            previous,
            set: to,
            at: rfc3339(self.now),
            by: by.by(),
            cluster: identity.clone(),
        });
        // Tried, whatever comes of it: a refusal (a 403) is told, not retried hourly.
        self.record.last_action = Some(rfc3339(self.now));
        self.save().await?;
        let subject = activity::guard_scale(&self.key.app, &previous, &to, reason);
        let intent = match self.ports.audit.begin(self.key, subject) {
            Ok(intent) => intent,
            Err(error) => {
                self.undo(before, true).await;
                return Err(error);
            }
        };
        let written = self.write_level(look, to).await;
        let outcome = match &written {
            Ok(()) => Outcome::Ok,
            Err(e) if e.is_refusal() => Outcome::Refused,
            Err(_) => Outcome::Failed,
        };
        let error = written.as_ref().err().map(|e| AppError::from(e.clone()));
        self.ports.audit.finish(intent, outcome, error);
        if let Err(error) = written {
            let conflict = matches!(error, GuardError::Conflict { .. });
            self.undo(before, conflict).await;
            return Err(error);
        }
        self.write_note(Some((previous, to))).await;
        Ok(())
    }

    /// Puts back the record as it was before a change that did not happen (and, after a
    /// conflict, the last action too: the next try is now, not after a cooldown).
    async fn undo(
        &mut self,
        (revert, last_action): (Option<RevertRecord>, Option<String>),
        with_last_action: bool,
    ) {
        self.record.revert = revert;
        if with_last_action {
            self.record.last_action = last_action;
        }
        if let Err(error) = self.save().await {
            tracing::warn!(%error, "the guard's record could not be put back");
        }
    }

    /// Writes a level: copies through the scale subresource, or the autoscaler's range; each
    /// conditional on the version the guard looked at.
    pub(super) async fn write_level(&self, look: &Look, level: Level) -> Result<(), GuardError> {
        let cluster = self.ports.cluster;
        match (level, &look.autoscaler) {
            (Level::Copies { replicas }, None) => {
                cluster.set_copies(self.key, replicas, &look.version).await
            }
            (Level::Autoscaler { min, max }, Some(autoscaler)) => {
                let range = Range { min, max };
                cluster
                    .set_range(self.key, &autoscaler.name, range, &autoscaler.version)
                    .await
            }
            // An autoscaler came or went since the level was chosen: look again.
            _ => Err(GuardError::Conflict {
                app: self.key.app.clone(),
            }),
        }
    }

    /// When the guard last acted, unless that time is ahead of the clock (said once; a
    /// wrong clock must not hold the cooldown for days).
    pub(super) fn last_action(&mut self) -> Option<OffsetDateTime> {
        let at = self.record.last_action.as_deref().and_then(parse_rfc3339)?;
        if at <= self.now + SKEW_ALLOWED {
            self.record.untell("clock_skew");
            return Some(at);
        }
        let text = self.record.last_action.clone().unwrap_or_default();
        if self.record.tell_once("clock_skew", &text) {
            let reason = Reason::new(
                "clock_skew",
                format!("the guard's last action ({text}) is later than now; ignored"),
            )
            .with("at", text);
            self.audit_notice(&reason);
            self.tell("clock", &reason);
        }
        None
    }

    /// Copies that came back up within minutes of the guard's action, set by someone else:
    /// the guard says who and does not act again (it would fight a GitOps self-heal).
    fn undone(&mut self, look: &Look) -> Option<LastCheck> {
        let record = self.record.revert.clone()?;
        let level = look.level();
        if level == record.set || level.top() <= record.set.top() {
            return None;
        }
        let acted = parse_rfc3339(&record.at)?;
        let (manager, when) = look.level_set_by.clone()?;
        let when = parse_rfc3339(&when)?;
        if manager == crate::cluster::manifests::MANAGER
            || when < acted
            || when - acted > UNDO_WINDOW
        {
            // A person's later change (in Purser or elsewhere): the guard goes on as usual.
            return None;
        }
        let who = gitops::who(&manager);
        let reason = Reason::new(
            "undone",
            format!(
                "{who} set it back to {} after the guard set {}",
                level.text(),
                record.set.text()
            ),
        )
        .with("who", who)
        .with("now", level.text())
        .with("set", record.set.text())
        .with("at", rfc3339(when));
        if self.record.tell_once("undone", &record.at) {
            if let Err(error) =
                self.audit_line(activity::guard("guardUndone", &self.key.app, &reason))
            {
                tracing::warn!(%error, "guard notice not audited");
            }
            self.tell("undone", &reason);
        }
        Some(check("nothing", &reason, self.now))
    }

    fn expire_proposal(&mut self) {
        if self
            .record
            .proposal
            .as_ref()
            .is_some_and(|p| p.expired(self.now, COOLDOWN))
        {
            self.record.proposal = None;
        }
    }

    /// Older figures are used: said once a month for the request cap, once per cause else.
    fn tell_stale(&mut self, figures: &MonthFigures) {
        let Some(stale) = &figures.stale else {
            self.record.untell("stale");
            return;
        };
        let value = match stale.code.as_str() {
            "cost_request_cap" => Month::of(self.now.date()).to_string(),
            other => other.to_string(),
        };
        if self.record.tell_once("stale", &value) {
            let reason =
                Reason::new("stale", stale.message.clone()).with("error", stale.code.clone());
            self.audit_notice(&reason);
            self.say(failure("stale", self.key, stale.clone()));
        }
    }

    /// The month's cost could not be read: said once per cause, nothing changed.
    fn cost_failed(&mut self, error: GuardError) -> LastCheck {
        let error = AppError::from(error);
        let reason =
            Reason::new("cost_failed", error.message.clone()).with("error", error.code.clone());
        if self
            .record
            .tell_once("refused", &format!("cost_failed:{}", error.code))
        {
            self.audit_notice(&reason);
            self.say(failure("cost_failed", self.key, error));
        }
        check("refused", &reason, self.now)
    }
}

/// Every try found the app changed meanwhile.
fn unreachable_round(now: OffsetDateTime) -> LastCheck {
    let reason = Reason::new("busy", "the app kept changing while the guard looked");
    check("nothing", &reason, now)
}

/// On an app a GitOps tool keeps as Git says, a scale-down would be undone: the guard
/// proposes instead, saying so.
fn with_gitops(mut decision: Decision, look: &Look) -> Decision {
    if let (Action::ScaleDown { to }, Some(tool)) = (decision.action, look.gitops) {
        decision.action = Action::Propose { to };
        decision
            .reason
            .params
            .insert("gitops".into(), tool.name().into());
    }
    decision
}
