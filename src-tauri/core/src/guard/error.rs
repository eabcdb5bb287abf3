//! What can stop the guard service, each with the code the window words it by
//! (`error.<code>` and `hint.<code>`) and an English line for the log.

use crate::cluster::ClusterError;
use crate::error::{AppError, FieldProblem};

#[derive(Debug, Clone, thiserror::Error)]
pub enum GuardError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// The month's figures could not be read (already in the window's terms).
    #[error("the month's cost could not be read: {}", .0.message)]
    Figures(AppError),
    #[error("the guard's record could not be read ({0})")]
    RecordUnreadable(String),
    #[error("the guard's record could not be saved ({0})")]
    RecordUnsaved(String),
    /// The guard in the cluster found no shared record for its app.
    #[error("there is no shared record purser-{app} in namespace \"{namespace}\": the guard in the cluster needs it (a ConfigMap with the app's budget and policy) before its first run")]
    NoSharedRecord { app: String, namespace: String },
    /// Someone else changed the record between this read and this write.
    #[error("the guard's record was changed meanwhile")]
    RecordConflict,
    #[error("the change could not be recorded in the audit log ({0}), so it was not made")]
    Audit(String),
    /// The app changed between the guard's look and its write: nothing was overwritten.
    #[error("\"{app}\" changed while the guard was changing it; nothing was overwritten")]
    Conflict { app: String },
    #[error("autoscalers cannot be listed in namespace \"{namespace}\", so the guard cannot tell whether one manages \"{app}\"")]
    AutoscalersHidden { app: String, namespace: String },
    #[error("the context now reaches another cluster ({now}) than the one the guard was set on ({recorded})")]
    ClusterChanged {
        app: String,
        recorded: String,
        now: String,
    },
    #[error("nothing is waiting for approval for \"{app}\"")]
    NoProposal { app: String },
    #[error("the proposal for \"{app}\" has expired")]
    ProposalExpired { app: String },
    #[error("\"{app}\" is no longer over the budget ({reason})")]
    NoLongerOver {
        app: String,
        reason: &'static str,
        params: serde_json::Map<String, serde_json::Value>,
    },
    #[error("\"{app}\" already has {now}, not more than the proposed {to}")]
    NotBelow {
        app: String,
        to: String,
        now: String,
    },
    #[error("the budget guard has nothing to revert on \"{app}\"")]
    NothingToRevert { app: String },
    #[error("the level to revert \"{app}\" to ({level}) is outside what Purser sets")]
    RevertOutOfBounds { app: String, level: String },
    /// The only record of the previous level is the note on the Deployment (another machine,
    /// or anyone who can edit the Deployment, wrote it): the user decides with the figures.
    #[error("only the note on the Deployment says \"{}\" had {} (now {}); asking first", .0.app, .0.previous, .0.now)]
    RevertConfirm(Box<RevertQuestion>),
    #[error("\"{app}\" was changed since the budget guard set it ({set}; now {now})")]
    ChangedSince {
        app: String,
        set: String,
        now: String,
    },
    #[error("the floor is not 0 to 100 copies")]
    InvalidFloor,
    /// OpenAI's spend limits could not be read or set (already in the window's terms).
    #[error("OpenAI's spend limit: {}", .0.message)]
    OpenAi(AppError),
    /// A cap under this month's OpenAI spend plus the margin would stop the app at once.
    #[error("a cap of {cap} is under this month's OpenAI spend plus the margin ({floor})")]
    CapBelowSpend { cap: f64, floor: f64 },
    /// No OpenAI project is chosen: a cap is a project's.
    #[error("no OpenAI project is chosen")]
    NoProject,
    #[error("Purser has set no OpenAI spend limit to put back")]
    NoCapToRevert,
    /// Someone changed the project's limit since Purser set it: a revert asks.
    #[error("the OpenAI limit was changed since Purser set it ({set}; now {now:?})")]
    CapChangedSince { set: f64, now: Option<f64> },
    #[error("a floor of 0 copies stops \"{app}\"; it must be confirmed")]
    ZeroUnconfirmed { app: String },
    /// Guarding from this computer instead was asked where no guard runs in the cluster.
    #[error("no guard runs in the cluster for \"{app}\"")]
    NotInCluster { app: String },
    /// Guarding from this computer instead was asked while the guard in the cluster works.
    #[error("the guard in the cluster is working for \"{app}\"; this computer stands aside")]
    ClusterGuardWorking { app: String },
}

/// What a revert from the note on the Deployment asks, with the figures to decide by.
#[derive(Debug, Clone, PartialEq)]
pub struct RevertQuestion {
    pub app: String,
    pub previous: String,
    pub set: String,
    pub now: String,
    /// What the previous level and today's cost a month, when a copy's cost is known.
    pub previous_monthly: Option<f64>,
    pub now_monthly: Option<f64>,
}

impl GuardError {
    /// Purser (or the cluster) declined, as opposed to failing on the way.
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            GuardError::Cluster(_)
                | GuardError::Figures(_)
                | GuardError::RecordUnreadable(_)
                | GuardError::NoSharedRecord { .. }
                | GuardError::RecordUnsaved(_)
                | GuardError::Audit(_)
        )
    }
}

impl From<GuardError> for AppError {
    // Long: one arm per variant, each with the values its words need.
    fn from(error: GuardError) -> Self {
        let message = error.to_string();
        let new = |code: &str| AppError::new(code, &message);
        match error {
            GuardError::Cluster(inner) => inner.into(),
            GuardError::Figures(inner) => inner,
            GuardError::RecordUnreadable(reason) => {
                new("guard_record_unreadable").with("reason", reason)
            }
            GuardError::RecordUnsaved(reason) => new("guard_unsaved").with("reason", reason),
            GuardError::RecordConflict => new("guard_record_conflict"),
            GuardError::NoSharedRecord { app, namespace } => new("guard_no_shared_record")
                .with("app", app)
                .with("namespace", namespace),
            GuardError::Audit(detail) => new("kube_audit_unwritable").with("detail", detail),
            GuardError::Conflict { app } => new("guard_conflict").with("app", app),
            GuardError::AutoscalersHidden { app, namespace } => new("guard_autoscalers_hidden")
                .with("app", app)
                .with("namespace", namespace),
            GuardError::ClusterChanged { app, recorded, now } => new("guard_cluster_changed")
                .with("app", app)
                .with("recorded", recorded)
                .with("now", now),
            GuardError::NoProposal { app } => new("guard_no_proposal").with("app", app),
            GuardError::ProposalExpired { app } => new("guard_proposal_expired").with("app", app),
            GuardError::NoLongerOver {
                app,
                reason,
                params,
            } => {
                let mut error =
                    AppError::hinted("guard_no_longer_over", &format!("guard_{reason}"), &message);
                error.params = params;
                error.with("app", app)
            }
            GuardError::NotBelow { app, to, now } => new("guard_not_below")
                .with("app", app)
                .with("to", to)
                .with("now", now),
            GuardError::NothingToRevert { app } => new("guard_nothing_to_revert").with("app", app),
            GuardError::RevertOutOfBounds { app, level } => new("guard_revert_out_of_bounds")
                .with("app", app)
                .with("level", level),
            GuardError::RevertConfirm(question) => {
                // Without a copy's cost the question names the copies alone.
                let hint = match (question.previous_monthly, question.now_monthly) {
                    (Some(_), Some(_)) => "guard_revert_confirm",
                    _ => "guard_revert_confirm_copies",
                };
                AppError::hinted("guard_revert_confirm", hint, &message)
                    .with("app", question.app)
                    .with("previous", question.previous)
                    .with("set", question.set)
                    .with("now", question.now)
                    .with("previousMonthly", question.previous_monthly)
                    .with("nowMonthly", question.now_monthly)
            }
            GuardError::ChangedSince { app, set, now } => new("guard_changed_since")
                .with("app", app)
                .with("set", set)
                .with("now", now),
            GuardError::InvalidFloor => {
                let problem = FieldProblem::new("guardFloor", "guard_floor")
                    .with("max", crate::cluster::MAX_COPIES);
                new("guard_invalid").with_fields(vec![problem])
            }
            GuardError::ZeroUnconfirmed { app } => new("guard_zero_unconfirmed").with("app", app),
            GuardError::NotInCluster { app } => new("guard_not_in_cluster").with("app", app),
            GuardError::ClusterGuardWorking { app } => {
                new("guard_cluster_guard_working").with("app", app)
            }
            GuardError::OpenAi(inner) => inner,
            GuardError::CapBelowSpend { cap, floor } => new("openai_cap_below_spend")
                .with("capAmount", cap)
                .with("floorAmount", floor)
                .with("currency", "USD"),
            GuardError::NoProject => new("openai_no_project"),
            GuardError::NoCapToRevert => new("openai_no_cap"),
            GuardError::CapChangedSince {
                set,
                now: Some(now),
            } => new("openai_cap_changed")
                .with("set", set)
                .with("now", now)
                .with("currency", "USD"),
            GuardError::CapChangedSince { set, now: None } => new("openai_cap_removed")
                .with("set", set)
                .with("currency", "USD"),
        }
    }
}

/// One of each, with example values, for the window's words.
// Long: one example per variant, in the order they are declared.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    let app = || "assistant".to_string();
    let mut params = serde_json::Map::new();
    params.insert("spent".into(), 900.into());
    params.insert("budget".into(), 1000.into());
    params.insert("currency".into(), "USD".into());
    [
        GuardError::RecordUnreadable("x".into()),
        GuardError::RecordUnsaved("x".into()),
        GuardError::RecordConflict,
        GuardError::NoSharedRecord {
            app: app(),
            namespace: "shop".into(),
        },
        GuardError::Conflict { app: app() },
        GuardError::AutoscalersHidden {
            app: app(),
            namespace: "shop".into(),
        },
        GuardError::ClusterChanged {
            app: app(),
            recorded: "https://a.example".into(),
            now: "https://b.example".into(),
        },
        GuardError::NoProposal { app: app() },
        GuardError::ProposalExpired { app: app() },
        GuardError::NoLongerOver {
            app: app(),
            reason: "within",
            params,
        },
        GuardError::NotBelow {
            app: app(),
            to: "2".into(),
            now: "2".into(),
        },
        GuardError::NothingToRevert { app: app() },
        GuardError::RevertOutOfBounds {
            app: app(),
            level: "5000".into(),
        },
        GuardError::RevertConfirm(Box::new(RevertQuestion {
            app: app(),
            previous: "12".into(),
            set: "2".into(),
            now: "2".into(),
            previous_monthly: Some(127.5),
            now_monthly: Some(21.25),
        })),
        GuardError::RevertConfirm(Box::new(RevertQuestion {
            app: app(),
            previous: "12".into(),
            set: "2".into(),
            now: "2".into(),
            previous_monthly: None,
            now_monthly: None,
        })),
        GuardError::ChangedSince {
            app: app(),
            set: "2".into(),
            now: "3".into(),
        },
        GuardError::InvalidFloor,
        GuardError::ZeroUnconfirmed { app: app() },
        GuardError::NotInCluster { app: app() },
        GuardError::ClusterGuardWorking { app: app() },
        GuardError::CapBelowSpend {
            cap: 100.0,
            floor: 330.0,
        },
        GuardError::NoProject,
        GuardError::NoCapToRevert,
        GuardError::CapChangedSince {
            set: 400.0,
            now: Some(500.0),
        },
        GuardError::CapChangedSince {
            set: 400.0,
            now: None,
        },
    ]
    .into_iter()
    .map(AppError::from)
    .collect()
}
