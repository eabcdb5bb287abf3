//! A round's part for the OpenAI lever, and what a person does with it: the project's limit
//! read (one request), the pure decision, and a notice, a proposal or a cap; approving and
//! turning down a cap proposal; the lever's policy.

use super::activity;
use super::caps::set_cap;
use super::error::GuardError;
use super::openai_lever::{evaluate_openai, LeverAction, LeverInputs};
use super::ports::MonthFigures;
use super::record::CapProposal;
use super::round::{check, Round};
use super::service::{Initiator, COOLDOWN};
use super::{Lever, Reason};
use crate::clock::{parse_rfc3339, rfc3339};
use crate::error::AppError;
use crate::month::Month;

/// AWS's and OpenAI's parts of the month's end.
pub fn parts(figures: &MonthFigures) -> (f64, f64) {
    let total = figures.month_end.unwrap_or(figures.spent);
    let openai = figures.openai_month_end.max(figures.openai_spent);
    ((total - openai).max(0.0), openai)
}

impl Round<'_> {
    /// The OpenAI lever's look at the month, after the copies lever's: what it found is kept
    /// as its own last check.
    pub(super) async fn openai_round(&mut self) {
        if self.record.openai_lever == Lever::Off {
            self.record.last_openai_check = None;
            return;
        }
        let outcome = match self.figures().await {
            Ok(figures) => self.openai_decide_and_act(&figures).await,
            Err(error) => Err(error),
        };
        let check = match outcome {
            Ok(check) => check,
            Err(error) => {
                let error = AppError::from(error);
                let cause = format!("openai:{}", error.code);
                if self.record.tell_once("openai_refused", &cause) {
                    self.say(super::failure("openai_failed", self.key, error.clone()));
                }
                let reason = Reason::new("openai_failed", error.message).with("error", error.code);
                check("failed", &reason, self.now)
            }
        };
        self.record.last_openai_check = Some(check);
    }

    async fn openai_decide_and_act(
        &mut self,
        figures: &MonthFigures,
    ) -> Result<super::record::LastCheck, GuardError> {
        if figures.sample {
            // Made-up figures never cap a real project.
            let reason = Reason::new("sample_figures", "the figures are sample data");
            return Ok(check("refused", &reason, self.now));
        }
        let project = self.ports.openai.project().ok_or(GuardError::NoProject)?;
        let budget = self.ports.figures.budget(self.key);
        if !budget.currency.eq_ignore_ascii_case("USD") {
            // OpenAI's limits are in dollars; another budget currency cannot be compared.
            let reason = Reason::new("currency", "OpenAI's limits are in US dollars")
                .with("budgetCurrency", budget.currency.clone())
                .with("currency", "USD");
            return Ok(check("refused", &reason, self.now));
        }
        if let Some(hold) = self.ports.openai.cap_hold(&project).await? {
            if hold.holds(self.now, budget.amount) {
                return Ok(check("nothing", &hold.reason("openai_held"), self.now));
            }
            self.ports.openai.keep_cap_hold(&project, None).await?;
        }
        let limit = self.ports.openai.limit(&project).await?;
        if self
            .record
            .openai_proposal
            .as_ref()
            .is_some_and(|p| p.expired(self.now, COOLDOWN))
        {
            self.record.openai_proposal = None;
        }
        let month = Month::of(self.now.date()).to_string();
        let (aws, openai) = parts(figures);
        let decision = evaluate_openai(&LeverInputs {
            lever: self.record.openai_lever,
            budget: budget.amount,
            aws_month_end: aws,
            openai_spent: figures.openai_spent,
            openai_month_end: openai,
            limit,
            last_action: self.openai_last_action(),
            cooldown: COOLDOWN,
            told_this_month: self.record.told.get("openai_notify") == Some(&month),
            now: self.now,
        });
        self.openai_act(decision, project, limit, month).await
    }

    /// Carries out the lever's decision: a notice, a proposal or a cap.
    async fn openai_act(
        &mut self,
        decision: super::openai_lever::LeverDecision,
        project: String,
        limit: Option<crate::cost::spend_limit::SpendLimit>,
        month: String,
    ) -> Result<super::record::LastCheck, GuardError> {
        let reason = decision.reason.clone();
        match decision.action {
            LeverAction::Nothing => {
                if reason.code != "openai_cooldown" {
                    self.record.openai_proposal = None;
                }
                Ok(check("nothing", &reason, self.now))
            }
            LeverAction::Notify => {
                self.audit_line(activity::guard("guardOpenAiNotify", &self.key.app, &reason))?;
                self.record.told.insert("openai_notify".into(), month);
                self.tell("openai_notify", &reason);
                Ok(check("notify", &reason, self.now))
            }
            LeverAction::Propose { cents } => {
                self.audit_line(activity::guard(
                    "guardOpenAiPropose",
                    &self.key.app,
                    &reason,
                ))?;
                self.record.openai_last_action = Some(rfc3339(self.now));
                self.record.openai_proposal = Some(CapProposal {
                    project,
                    cents,
                    params: reason.params.clone(),
                    saving: decision.saving,
                    at: rfc3339(self.now),
                });
                self.save().await?;
                self.tell("openai_propose", &reason);
                Ok(check("propose", &reason, self.now))
            }
            LeverAction::SetCap { cents } => {
                // Tried, whatever comes of it: a refusal is told, not retried every hour.
                self.record.openai_last_action = Some(rfc3339(self.now));
                self.save().await?;
                set_cap(
                    &self.ports,
                    &project,
                    cents,
                    limit,
                    &Initiator::Schedule,
                    self.now,
                )
                .await?;
                self.tell("openai_capped", &reason);
                Ok(check("capped", &reason, self.now))
            }
        }
    }

    fn openai_last_action(&self) -> Option<time::OffsetDateTime> {
        let at = self
            .record
            .openai_last_action
            .as_deref()
            .and_then(parse_rfc3339)?;
        (at <= self.now + super::service::SKEW_ALLOWED).then_some(at)
    }

    /// The user approves the waiting cap: decided again now, and set only if it still holds.
    pub(super) async fn approve_openai(mut self, by: &Initiator) -> Result<(), GuardError> {
        let app = self.key.app.clone();
        let proposal = self
            .record
            .openai_proposal
            .clone()
            .ok_or(GuardError::NoProposal { app: app.clone() })?;
        if proposal.expired(self.now, COOLDOWN) || !self.record.openai_lever.caps() {
            self.record.openai_proposal = None;
            self.save().await?;
            return Err(GuardError::ProposalExpired { app });
        }
        let figures = self.ports.figures.month(self.now).await?;
        let limit = self.ports.openai.limit(&proposal.project).await?;
        let budget = self.ports.figures.budget(self.key);
        let (aws, openai) = parts(&figures);
        let decision = evaluate_openai(&LeverInputs {
            lever: Lever::Propose,
            budget: budget.amount,
            aws_month_end: aws,
            openai_spent: figures.openai_spent,
            openai_month_end: openai,
            limit,
            last_action: None,
            cooldown: COOLDOWN,
            told_this_month: false,
            now: self.now,
        });
        let LeverAction::Propose { cents } = decision.action else {
            self.record.openai_proposal = None;
            self.save().await?;
            return Err(GuardError::NoLongerOver {
                app,
                reason: decision.reason.code,
                params: decision.reason.params,
            });
        };
        self.record.openai_last_action = Some(rfc3339(self.now));
        self.record.openai_proposal = None;
        self.save().await?;
        set_cap(&self.ports, &proposal.project, cents, limit, by, self.now).await?;
        Ok(())
    }

    pub(super) async fn dismiss_openai(mut self) -> Result<(), GuardError> {
        let Some(proposal) = self.record.openai_proposal.take() else {
            return Ok(());
        };
        let mut reason = Reason::new("openai_over", "the OpenAI cap proposal was turned down");
        reason.params = proposal.params;
        self.audit_line(activity::guard("guardDismiss", &self.key.app, &reason))?;
        self.save().await
    }

    pub(super) async fn set_lever(mut self, lever: Lever) -> Result<(), GuardError> {
        self.audit_line(activity::guard_openai_lever(&self.key.app, lever))?;
        self.record.openai_lever = lever;
        self.record.openai_proposal = None;
        self.record.told.remove("openai_refused");
        // Choosing the lever again is a new decision: a hold from an earlier revert ends.
        if let Some(project) = self.ports.openai.project() {
            self.ports.openai.keep_cap_hold(&project, None).await?;
        }
        self.save().await
    }
}

#[cfg(test)]
#[path = "openai_round_tests.rs"]
mod tests;
