//! Capping an OpenAI project's spend, and putting the cap back exactly: the limit before (or
//! "none") is recorded before the change is sent and audited before it takes effect; a revert
//! restores that amount or deletes the limit, and asks first when someone changed the limit
//! since. Used by the guard's rounds and by a person in the window; never touches a project
//! other than the one given, never archives one, never a key.

use time::OffsetDateTime;

use super::activity;
use super::error::GuardError;
use super::record::{CapRecord, HoldChoice};
use super::service::{Initiator, Ports};
use super::AppKey;
use crate::audit::{Outcome, Subject};
use crate::clock::rfc3339;
use crate::cost::spend_limit::SpendLimit;
use crate::error::AppError;

/// The audit log's place for a project's lines: OpenAI, the project.
pub fn audit_key(project: &str) -> AppKey {
    AppKey {
        context: "openai".into(),
        namespace: project.into(),
        app: project.into(),
    }
}

/// Runs `change` between an audit intent and its result.
async fn audited<T>(
    ports: &Ports<'_>,
    project: &str,
    subject: Subject,
    change: impl std::future::Future<Output = Result<T, GuardError>>,
) -> Result<T, GuardError> {
    let intent = ports.audit.begin(&audit_key(project), subject)?;
    let result = change.await;
    let (outcome, error) = match &result {
        Ok(_) => (Outcome::Ok, None),
        Err(e) if e.is_refusal() => (Outcome::Refused, Some(AppError::from(e.clone()))),
        Err(e) => (Outcome::Failed, Some(AppError::from(e.clone()))),
    };
    ports.audit.finish(intent, outcome, error);
    result
}

/// Sets `project`'s hard limit to `cents`, with the limit it replaces recorded first. A cap
/// set over Purser's own keeps the first "previous" (a revert goes all the way back); one set
/// over somebody else's change records that change as the previous.
pub async fn set_cap(
    ports: &Ports<'_>,
    project: &str,
    cents: i64,
    current: Option<SpendLimit>,
    by: &Initiator,
    now: OffsetDateTime,
) -> Result<SpendLimit, GuardError> {
    let before = ports.openai.cap_record(project).await?;
    let now_cents = current.map(|l| l.cents);
    let previous = match &before {
        Some(record) if now_cents == Some(record.set) => record.previous,
        _ => now_cents,
    };
    let record = CapRecord {
        project: project.into(),
        previous,
        set: cents,
        at: rfc3339(now),
        by: by.by(),
    };
    ports.openai.keep_cap_record(project, Some(&record)).await?;
    let subject = activity::openai_cap(project, previous, cents);
    let set = audited(
        ports,
        project,
        subject,
        ports.openai.set_limit(project, cents),
    )
    .await;
    if set.is_err() {
        // The change did not happen: neither does its record.
        if let Err(error) = ports.openai.keep_cap_record(project, before.as_ref()).await {
            tracing::warn!(%error, "the OpenAI cap record could not be put back");
        }
    }
    set
}

/// Puts back what Purser changed on `project`'s limit. When the limit is not what Purser set,
/// refused unless `anyway` (the window asks first). The revert sticks: the OpenAI lever then
/// leaves the project alone until the month's end (the limit is monthly) or a new budget.
pub async fn revert_cap(
    ports: &Ports<'_>,
    project: &str,
    anyway: bool,
    now: OffsetDateTime,
) -> Result<Option<SpendLimit>, GuardError> {
    let record = ports
        .openai
        .cap_record(project)
        .await?
        .ok_or(GuardError::NoCapToRevert)?;
    let current = ports.openai.limit(project).await?;
    if !anyway && current.map(|l| l.cents) != Some(record.set) {
        return Err(GuardError::CapChangedSince {
            set: record.set as f64 / 100.0,
            now: current.map(|l| l.cents as f64 / 100.0),
        });
    }
    let subject = activity::openai_cap_revert(project, current.map(|l| l.cents), record.previous);
    let restored = audited(ports, project, subject, async {
        match record.previous {
            Some(cents) => ports.openai.set_limit(project, cents).await.map(Some),
            None => ports.openai.delete_limit(project).await.map(|()| None),
        }
    })
    .await?;
    ports.openai.keep_cap_record(project, None).await?;
    let budget = ports.figures.budget(&audit_key(project)).amount;
    let hold = HoldChoice::MonthEnd.hold(now, budget);
    ports.openai.keep_cap_hold(project, hold.as_ref()).await?;
    Ok(restored)
}
