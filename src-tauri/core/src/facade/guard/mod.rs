//! The budget guard as the window and the schedule use it: thin use-cases over the guard
//! service (`crate::guard::service`) with the desktop's ports. The schedule reaches every
//! guarded app's own context; a person's approve and revert reach only the connected one.

mod in_cluster;
use in_cluster::Beside;
mod install;
pub(super) mod ports;

use serde::Serialize;
use serde_json::{Map, Value};

use super::copy_cost::TagProblem;
use super::{key_of, Purser};
use crate::cluster::Target as ClusterTarget;
use crate::error::AppError;
use crate::guard::cluster_ops::Reach;
use crate::guard::in_cluster::InCluster;
use crate::guard::ports::Look;
use crate::guard::record::Hold;
use crate::guard::{
    Action, AppKey, CapProposal, CopyCost, HoldChoice, Initiator, LastCheck, Lever, Policy, Prices,
    Proposal, Range, Target as Level,
};
use crate::sync::lock;
pub use install::{GuardInstallPreview, InstallForm, ShareStep, TestNow};
use ports::DesktopPorts;

/// What the window shows of the guard for one app.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardView {
    pub policy: Policy,
    pub paused: bool,
    pub copies: i32,
    pub autoscaler: Option<Range>,
    /// One copy's monthly cost, when it can be estimated.
    pub copy_cost: Option<CopyCost>,
    /// The tag on the app's AWS resources its cost is measured by, if any.
    pub cost_tag: Option<String>,
    /// Why that tag's cost was not used, when it was not.
    pub tag_problem: Option<TagProblem>,
    pub proposal: Option<ProposalView>,
    /// What the guard changed on the app and a revert would put back.
    pub revertible: Option<Revertible>,
    pub prices: Prices,
    /// What the guard found at its last look, for its line in the window.
    pub last_check: Option<LastCheck>,
    /// The guard holds off on this app after a revert, until then.
    pub hold: Option<Hold>,
    /// A GitOps tool that would undo a scale-down ("Argo CD", "Flux").
    pub gitops: Option<&'static str>,
    /// The user allowed a floor of 0 copies.
    pub zero_confirmed: bool,
    /// What the guard may do with OpenAI's part of the bill.
    pub openai_lever: Lever,
    /// A cap on OpenAI's spend waiting for approval.
    pub openai_proposal: Option<CapProposal>,
    /// What the OpenAI lever found at its last look.
    pub last_openai_check: Option<LastCheck>,
    /// The guard in the cluster, where it is installed for this app.
    pub in_cluster: Option<InClusterView>,
}

/// The guard in the cluster as the window shows it, and what this computer does beside it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InClusterView {
    #[serde(flatten)]
    pub seen: InCluster,
    /// This computer guards the app while the guard in the cluster is not working.
    pub stand_in: bool,
    /// The person here may read the shared record but not change it.
    pub read_only: bool,
}

/// A waiting proposal, decided again now: what an approval would do.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposalView {
    pub to: Level,
    /// The reason's code and values as decided now (or, when no longer needed, why not).
    pub code: &'static str,
    pub params: Map<String, Value>,
    pub saving: Option<f64>,
    /// When it was proposed (RFC 3339).
    pub at: String,
    /// False when deciding again now would not scale down: approving is refused.
    pub current: bool,
}

/// What a revert would put back, and where that is known from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Revertible {
    pub previous: Level,
    pub set: Level,
    /// `record`: this computer's record (the authority); `note`: only the note on the
    /// Deployment (another machine, or anyone who can edit the Deployment, wrote it).
    pub source: &'static str,
    pub at: Option<String>,
    pub by: Option<String>,
}

/// The person at this computer, as records and the audit log name them.
fn person() -> Initiator {
    Initiator::Person(whoami::username())
}

impl Purser {
    /// The guard's state for one app on the connected cluster.
    pub async fn guard_view(
        &self,
        target: &ClusterTarget,
        app: &str,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let (ports, in_cluster) = self.person_ports(&key, false).await?;
        let look = crate::guard::ports::GuardCluster::look(ports.cluster(), &key).await?;
        self.view_of(&key, &ports, look, in_cluster).await
    }

    async fn view_of(
        &self,
        key: &AppKey,
        ports: &DesktopPorts<'_>,
        look: Look,
        in_cluster: Option<InClusterView>,
    ) -> Result<GuardView, AppError> {
        let found = self.copy_cost(key, &look).await;
        // This computer's record, or the shared one where the guard runs in the cluster; the
        // OpenAI lever stays this computer's either way (the job has none yet).
        let record = ports.ports().records.load(key).await?.record;
        let local = lock(&self.guard).app(key);
        let (tagging, paused, prices) = {
            let state = lock(&self.guard);
            let prices = state.prices().clone();
            (state.tagging(key), state.paused(), prices)
        };
        let proposal = match &record.proposal {
            Some(waiting) => Some(proposal_view(ports, key, &look, waiting).await),
            None => None,
        };
        let revertible = match (&record.revert, look.hint) {
            (Some(r), _) => Some(Revertible {
                previous: r.previous,
                set: r.set,
                source: "record",
                at: Some(r.at.clone()),
                by: Some(r.by.clone()),
            }),
            (None, Some((previous, set))) => Some(Revertible {
                previous,
                set,
                source: "note",
                at: None,
                by: None,
            }),
            (None, None) => None,
        };
        Ok(GuardView {
            policy: record.policy,
            paused,
            copies: look.copies,
            autoscaler: look.autoscaler.as_ref().map(|a| a.range),
            copy_cost: found.cost,
            cost_tag: tagging.cost_tag,
            tag_problem: found.tag_problem,
            proposal,
            revertible,
            prices,
            last_check: record.last_check,
            hold: record.hold,
            gitops: look.gitops.map(|g| g.name()),
            zero_confirmed: record.zero_confirmed,
            openai_lever: local.openai_lever,
            openai_proposal: local.openai_proposal,
            last_openai_check: local.last_openai_check,
            in_cluster,
        })
    }

    /// Sets an app's policy (off, notify, propose, automatic with a floor) on the connected
    /// cluster, recorded with that cluster. A floor of 0 needs `confirm_zero` once. Audited.
    pub async fn set_guard_policy(
        &self,
        target: &ClusterTarget,
        app: &str,
        policy: Policy,
        confirm_zero: bool,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let (ports, _) = self.person_ports(&key, true).await?;
        ports
            .service()
            .set_policy(&key, policy, confirm_zero)
            .await?;
        self.guard_view(target, app).await
    }

    /// Pauses or resumes the guard for every app; nothing changes if it cannot be saved.
    pub fn pause_guard(&self, paused: bool) -> Result<(), AppError> {
        Ok(lock(&self.guard).set_paused(paused)?)
    }

    pub fn guard_paused(&self) -> bool {
        lock(&self.guard).paused()
    }

    /// Whether the guard watches any app now (a policy on, not paused).
    pub fn guard_watching(&self) -> bool {
        let state = lock(&self.guard);
        !state.paused() && !state.guarded().is_empty()
    }

    /// One round of the guard over every app with a policy, one app at a time: returns what
    /// the user must be told (also kept in the notice area). Where the guard runs in the
    /// cluster for an app, this computer only tells what it did and stands aside.
    pub async fn guard_check(&self) -> Vec<AppError> {
        let (guarded, known) = {
            let state = lock(&self.guard);
            if state.paused() {
                return Vec::new();
            }
            let mut known = state.apps();
            for key in state.cluster_apps() {
                if !known.contains(&key) {
                    known.push(key);
                }
            }
            (state.guarded(), known)
        };
        let ports = DesktopPorts::new(self, Reach::Named);
        let service = ports.service();
        for key in &known {
            let local = guarded.iter().find(|(guarded, _)| guarded == key);
            let openai = local.is_some_and(|(_, record)| record.openai_lever != Lever::Off);
            match self.beside_cluster_guard(&ports, key).await {
                Beside::Alone if local.is_some() => {
                    service.run_round(key).await;
                }
                Beside::Alone => {}
                Beside::StandIn => {
                    // The shared record's policy and budget, guarded from here meanwhile.
                    let shared = DesktopPorts::new(self, Reach::Named).on_shared_record(key, true);
                    shared.service().run_round(key).await;
                    for notice in shared.told.take() {
                        crate::guard::ports::Notifier::tell(&ports.told, notice);
                    }
                    if openai {
                        service.run_openai_round(key).await;
                    }
                }
                // The guard in the cluster has no OpenAI lever yet: this computer keeps it.
                Beside::Aside if openai => {
                    service.run_openai_round(key).await;
                }
                Beside::Aside => {}
            }
        }
        let told = ports.told.take();
        lock(&self.notices).extend(told.iter().cloned());
        told
    }

    /// What went wrong with the guard itself as Purser started (its file damaged or
    /// unreadable, so every guard is off): raised as desktop notifications as well as in the
    /// notice area, since a guard that went off must never go unnoticed.
    pub fn guard_notices_at_start(&self) -> Vec<AppError> {
        lock(&self.notices)
            .iter()
            .filter(|notice| notice.code.starts_with("guard_"))
            .cloned()
            .collect()
    }

    /// The user approves the waiting proposal: decided again now, and the app is scaled down
    /// only if that still lowers it.
    pub async fn guard_approve(
        &self,
        target: &ClusterTarget,
        app: &str,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let (ports, _) = self.person_ports(&key, true).await?;
        ports.service().approve(&key, &person()).await?;
        self.guard_view(target, app).await
    }

    /// The user turns the waiting proposal down. Audited.
    pub async fn guard_dismiss(
        &self,
        target: &ClusterTarget,
        app: &str,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let (ports, _) = self.person_ports(&key, true).await?;
        ports.service().dismiss(&key).await?;
        self.guard_view(target, app).await
    }

    /// Puts back what the guard changed, then holds off as chosen. Asks first (an error the
    /// window turns into a question; `anyway` = the answer) when someone changed the app
    /// since, or when only the note on the Deployment says what it was.
    pub async fn guard_revert(
        &self,
        target: &ClusterTarget,
        app: &str,
        anyway: bool,
        hold: HoldChoice,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let (ports, _) = self.person_ports(&key, true).await?;
        ports
            .service()
            .revert(&key, anyway, hold, &person())
            .await?;
        self.guard_view(target, app).await
    }
}

impl Purser {
    /// Sets what the guard may do with OpenAI's part of the bill for this app. Audited.
    pub async fn set_guard_openai_lever(
        &self,
        target: &ClusterTarget,
        app: &str,
        lever: Lever,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let ports = DesktopPorts::new(self, Reach::Connected);
        ports.service().set_lever(&key, lever).await?;
        self.guard_view(target, app).await
    }

    /// The user approves the waiting cap on OpenAI's spend: decided again now.
    pub async fn guard_approve_openai(
        &self,
        target: &ClusterTarget,
        app: &str,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let ports = DesktopPorts::new(self, Reach::Connected);
        ports.service().approve_openai(&key, &person()).await?;
        self.guard_view(target, app).await
    }

    /// The user turns the waiting cap down. Audited.
    pub async fn guard_dismiss_openai(
        &self,
        target: &ClusterTarget,
        app: &str,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let ports = DesktopPorts::new(self, Reach::Connected);
        ports.service().dismiss_openai(&key).await?;
        self.guard_view(target, app).await
    }
}

/// The waiting proposal decided again now, for the window.
async fn proposal_view(
    ports: &DesktopPorts<'_>,
    key: &AppKey,
    look: &Look,
    waiting: &Proposal,
) -> ProposalView {
    let stored = || ProposalView {
        to: waiting.to,
        code: "over_budget",
        params: waiting.params.clone(),
        saving: waiting.saving,
        at: waiting.at.clone(),
        current: true,
    };
    let Ok(Some(decision)) = ports.service().proposal_now(key, look).await else {
        // The figures cannot be read now: the proposal as it was made.
        return stored();
    };
    let current = match decision.action {
        Action::Propose { to } => to.top() < look.level().top(),
        _ => false,
    };
    let to = match decision.action {
        Action::Propose { to } => to,
        _ => waiting.to,
    };
    ProposalView {
        to,
        code: decision.reason.code,
        params: decision.reason.params,
        saving: decision.saving,
        at: waiting.at.clone(),
        current,
    }
}

/// One of each notice the guard gives and each error of its own, for the window's words.
#[cfg(any(test, feature = "testing"))]
pub fn examples() -> Vec<AppError> {
    use crate::error::FieldProblem;
    let mut out = crate::guard::notice::examples();
    out.extend(crate::guard::error::examples());
    out.extend(crate::guard::in_cluster::examples());
    out.push(AppError::from(
        crate::guard::in_cluster::shared_figures_stale(),
    ));
    out.extend(install::examples());
    let price = FieldProblem::new("guardVcpuHour", "guard_price");
    let tag = FieldProblem::new("guardCostTag", "guard_tag");
    out.push(AppError::new("guard_invalid", "x").with_fields(vec![price, tag]));
    out
}
