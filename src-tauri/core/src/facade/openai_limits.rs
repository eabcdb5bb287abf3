//! OpenAI's hard spend limits beside the budget: the project's limit and the organisation's,
//! how far this month's spend is from each, a cap offered from the budget (never under this
//! month's spend plus a margin), set by a person in the window, and put back exactly.

use crate::amount::{parse_amount, NumberStyle};
use serde::Serialize;

use super::figures::figures_of;
use super::guard::ports::DesktopPorts;
use super::Purser;
use crate::cost::spend_limit::{self, SpendLimit};
use crate::error::AppError;
use crate::guard::caps::{revert_cap, set_cap};
use crate::guard::cluster_ops::Reach;
use crate::guard::openai_lever::{cap_offer, cents, CapOffer};
use crate::guard::{CapRecord, GuardError, Initiator};

/// What the Cost & budget view shows of OpenAI's spend limits.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenAiLimits {
    /// The app's OpenAI project (`None`: the whole organisation is shown, and no project can
    /// be capped from here).
    pub project: Option<String>,
    pub project_limit: Option<SpendLimit>,
    /// Why the project's limit could not be read (e.g. a key without the permission).
    pub project_error: Option<AppError>,
    pub organisation_limit: Option<SpendLimit>,
    pub organisation_error: Option<AppError>,
    /// This month's OpenAI spend so far and by the month's end (USD).
    pub spent: f64,
    pub month_end: f64,
    /// AWS's part of the month's end, and the budget.
    pub aws_month_end: f64,
    pub budget: Option<f64>,
    /// The cap offered from the budget, with its floor and margin.
    pub offer: Option<CapOffer>,
    /// What Purser set on the project's limit, which a revert puts back.
    pub set_by_purser: Option<CapRecord>,
    /// AWS's figures are sample data (no AWS keys yet): the offer rests on made-up figures.
    pub aws_sample: bool,
}

fn person() -> Initiator {
    Initiator::Person(whoami::username())
}

impl Purser {
    /// The limits and what they mean for this month. Two requests to OpenAI (the project's
    /// limit, the organisation's); the spend comes from the cached figures.
    pub async fn openai_limits(&self) -> Result<OpenAiLimits, AppError> {
        let key = self.credentials.openai_admin_key().await?.ok_or(
            crate::secrets::CheckError::NotStored(crate::secrets::SecretKind::OpenaiAdminKey),
        )?;
        let endpoint = self.admin_endpoint();
        let project = self.settings().openai_project;
        let project_read = async {
            match &project {
                Some(project) => Some(spend_limit::project_limit(&endpoint, &key, project).await),
                None => None,
            }
        };
        let (project_read, organisation_read, merged) = tokio::join!(
            project_read,
            spend_limit::organisation_limit(&endpoint, &key),
            self.month_report(self.clock.now(), false)
        );
        drop(key);
        let figures = figures_of(&merged?);
        let (aws_month_end, month_end) = crate::guard::openai_lever_parts(&figures);
        let budget = self.settings().budget_amount;
        let (project_limit, project_error) = match project_read {
            Some(Ok(limit)) => (limit, None),
            Some(Err(error)) => (None, Some(error.into())),
            None => (None, None),
        };
        let (organisation_limit, organisation_error) = match organisation_read {
            Ok(limit) => (limit, None),
            Err(error) => (None, Some(error.into())),
        };
        let set_by_purser = project
            .as_deref()
            .and_then(|p| crate::sync::lock(&self.guard).cap(p));
        Ok(OpenAiLimits {
            offer: budget.map(|b| cap_offer(b, aws_month_end, figures.openai_spent)),
            project,
            project_limit,
            project_error,
            organisation_limit,
            organisation_error,
            spent: figures.openai_spent,
            month_end,
            aws_month_end,
            budget,
            set_by_purser,
            aws_sample: figures.sample,
        })
    }

    /// Caps the project's OpenAI spend at `amount` (as the user typed it, in their language's
    /// way of writing numbers) a month. Refused, changing nothing, under this month's spend
    /// plus the margin. Recorded and audited; a revert puts back the limit there was.
    pub async fn set_openai_cap(&self, amount: &str) -> Result<OpenAiLimits, AppError> {
        let style = NumberStyle::of(self.language());
        let amount = parse_amount(amount, style).map_err(|problem| {
            AppError::hinted(
                problem.code(),
                "openai_cap_amount",
                "the amount cannot be read",
            )
        })?;
        let shown = self.openai_limits().await?;
        let project = shown.project.clone().ok_or(GuardError::NoProject)?;
        let floor = shown.spent + crate::guard::openai_lever::margin(shown.spent);
        let cap = (amount * 100.0).round() as i64;
        if cap < cents(floor) {
            return Err(GuardError::CapBelowSpend { cap: amount, floor }.into());
        }
        let ports = DesktopPorts::new(self, Reach::Connected);
        let current = ports.ports().openai.limit(&project).await?;
        set_cap(
            &ports.ports(),
            &project,
            cap,
            current,
            &person(),
            self.clock.now(),
        )
        .await?;
        self.openai_limits().await
    }

    /// Puts back the limit the project had before Purser set one (or removes Purser's). Asks
    /// first (an error the window turns into a question) when someone changed it since.
    pub async fn revert_openai_cap(&self, anyway: bool) -> Result<OpenAiLimits, AppError> {
        let project = self
            .settings()
            .openai_project
            .ok_or(GuardError::NoProject)?;
        let ports = DesktopPorts::new(self, Reach::Connected);
        revert_cap(&ports.ports(), &project, anyway, self.clock.now()).await?;
        self.openai_limits().await
    }
}
