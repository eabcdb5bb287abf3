//! The desktop beside the guard in the cluster. Where `purser-guard` is installed for an app,
//! this computer's schedule stands aside for it (two guards must never act on one app),
//! tells each of its actions and each new problem once, and guards the app from here only
//! while the guard in the cluster is not working and the person chose so.

use super::super::{key_of, Purser};
use super::ports::DesktopPorts;
use super::{GuardView, InClusterView};
use crate::audit::Outcome;
use crate::cluster::Target as ClusterTarget;
use crate::error::AppError;
use crate::guard::activity;
use crate::guard::cluster_ops::Reach;
use crate::guard::in_cluster::{self, acted, problem, unseen, Health, InCluster, TOLD_DOINGS};
use crate::guard::ports::Notifier;
use crate::guard::{AppKey, ClusterRecords, ClusterSeen, GuardError};
use crate::sync::lock;

/// What this computer does beside an app's guard in the cluster this hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Beside {
    /// None is installed (or this computer cannot tell): it guards the app as before.
    Alone,
    /// The guard in the cluster looks after the copies.
    Aside,
    /// It is not working and the person chose so: this computer guards the shared record.
    StandIn,
}

impl Purser {
    /// The guard in the cluster for `key`, as `ports` reach it; `None` where it is not
    /// installed or cannot be seen from here.
    pub(super) async fn cluster_guard(
        &self,
        ports: &DesktopPorts<'_>,
        key: &AppKey,
    ) -> Result<Option<InCluster>, GuardError> {
        let records = ClusterRecords::new(ports.cluster());
        in_cluster::sight(ports.cluster(), &records, key, self.clock.now()).await
    }

    /// The ports a person's action on `key` goes through, and the guard in the cluster as
    /// seen: the shared record where that guard runs (standing in for it too), else this
    /// computer's own. An action (`acting`) is refused rather than sent to the wrong record:
    /// where the shared record cannot be read, or the guard in the cluster, once seen, cannot
    /// be looked at now.
    pub(super) async fn person_ports(
        &self,
        key: &AppKey,
        acting: bool,
    ) -> Result<(DesktopPorts<'_>, Option<InClusterView>), AppError> {
        let ports = DesktopPorts::new(self, Reach::Connected);
        let memory = lock(&self.guard).cluster_seen(key);
        let seen = match self.cluster_guard(&ports, key).await {
            Ok(seen) => seen,
            Err(error) if memory.installed => return Err(error.into()),
            Err(error) => {
                // Never seen there, and cannot look now: this computer's record, memory kept.
                tracing::info!(code = %AppError::from(error).code, "guard in the cluster not seen");
                return Ok((ports, None));
            }
        };
        self.remember_seen(key, &memory, seen.as_ref());
        let Some(seen) = seen else {
            return Ok((ports, None));
        };
        // Only the window is told who may change the record (an action is refused by the
        // cluster itself).
        let read_only = !acting && !in_cluster::may_change_record(ports.cluster(), key).await;
        let view = InClusterView {
            stand_in: memory.stand_in && !seen.health.working(),
            read_only,
            seen,
        };
        if let Some(code) = view.seen.problem.clone() {
            if acting {
                return Err(match view.seen.health {
                    // Its own words: no right to read it here, or no answer.
                    Health::RecordHidden => problem(key, &view.seen),
                    _ => GuardError::RecordUnreadable(code).into(),
                });
            }
            return Ok((ports, Some(view)));
        }
        let stand_in = view.stand_in;
        Ok((ports.on_shared_record(key, stand_in), Some(view)))
    }

    /// Keeps in mind that `key`'s guard runs in the cluster (so the hourly look covers it even
    /// where this computer never guarded the app), or forgets it once it is gone. What the
    /// person sees now counts as seen.
    fn remember_seen(&self, key: &AppKey, memory: &ClusterSeen, seen: Option<&InCluster>) {
        let kept = match seen {
            None => ClusterSeen::default(),
            Some(_) if memory.installed => return,
            Some(seen) => ClusterSeen {
                installed: true,
                check_seen: seen.last_check.as_ref().map(|c| c.at.clone()),
                ..memory.clone()
            },
        };
        if kept != *memory {
            if let Err(error) = lock(&self.guard).set_cluster_seen(key, kept) {
                tracing::warn!(code = %AppError::from(error).code, "the guard in the cluster is not kept in mind");
            }
        }
    }

    /// Looks at `key`'s guard in the cluster before the desktop's round: tells its new
    /// actions and new problems once, and says what this computer does beside it.
    pub(super) async fn beside_cluster_guard(
        &self,
        ports: &DesktopPorts<'_>,
        key: &AppKey,
    ) -> Beside {
        let before = lock(&self.guard).cluster_seen(key);
        let seen = match self.cluster_guard(ports, key).await {
            Ok(Some(seen)) => seen,
            Ok(None) => {
                // Not (or no longer) installed: this computer guards it as before.
                self.remember_seen(key, &before, None);
                return Beside::Alone;
            }
            Err(error) => {
                let error = AppError::from(error);
                tracing::info!(code = %error.code, app = %key.app, "guard in the cluster not seen");
                // Never seen (or CronJobs not readable here): the round runs and says what it
                // meets. Seen before, it may well be running: acting beside it could act
                // twice, so this computer stands aside — and says so, once.
                if !before.installed {
                    return Beside::Alone;
                }
                if !before.unseen_told {
                    ports.told.tell(unseen(key, &error));
                    let told = ClusterSeen {
                        unseen_told: true,
                        ..before
                    };
                    if let Err(error) = lock(&self.guard).set_cluster_seen(key, told) {
                        tracing::warn!(code = %AppError::from(error).code, "what was told is not kept");
                    }
                }
                return Beside::Aside;
            }
        };
        let mut after = ClusterSeen {
            installed: true,
            unseen_told: false,
            ..before.clone()
        };
        if let Some(check) = &seen.last_check {
            let new = before.check_seen.as_deref() != Some(check.at.as_str());
            if new && TOLD_DOINGS.contains(&check.did.as_str()) {
                ports.told.tell(acted(key, check));
            }
            after.check_seen = Some(check.at.clone());
        }
        if seen.health.working() {
            after.problem_told = None;
            if before.stand_in {
                // Working again: this computer stands aside by itself.
                after.stand_in = false;
                if let Err(error) = self.audit_stand_in(key, false) {
                    tracing::warn!(%error, "standing aside again not audited");
                }
            }
        } else if before.problem_told != Some(seen.health) {
            ports.told.tell(problem(key, &seen));
            after.problem_told = Some(seen.health);
        }
        if after != before {
            if let Err(error) = lock(&self.guard).set_cluster_seen(key, after.clone()) {
                tracing::warn!(code = %AppError::from(error).code, "what the guard in the cluster did is not kept");
            }
        }
        match (after.stand_in, seen.health) {
            // A damaged record stops the guard in the cluster too: this computer's own record.
            (true, Health::RecordUnreadable) => Beside::Alone,
            // One only this computer cannot read may be in use there: never act beside it.
            (true, Health::RecordHidden) | (false, _) => Beside::Aside,
            (true, _) => Beside::StandIn,
        }
    }

    /// Writes the stand-in choice to the audit log; `Err` when it cannot be written.
    fn audit_stand_in(&self, key: &AppKey, on: bool) -> Result<(), GuardError> {
        let audit = self.cluster.audit();
        let intent = audit
            .begin(
                &key.context,
                &key.namespace,
                activity::guard_stand_in(&key.app, on),
            )
            .map_err(|e| GuardError::Audit(e.to_string()))?;
        audit.finish(intent, Outcome::Ok, None);
        Ok(())
    }

    /// The person chooses whether this computer guards `app` while its guard in the cluster
    /// is not working (`on`), or stands aside again. Refused while that guard works, and
    /// where none is installed. Audited.
    pub async fn guard_stand_in(
        &self,
        target: &ClusterTarget,
        app: &str,
        on: bool,
    ) -> Result<GuardView, AppError> {
        let key = key_of(target, app);
        let ports = DesktopPorts::new(self, Reach::Connected);
        let seen = self.cluster_guard(&ports, &key).await?;
        match &seen {
            None => return Err(GuardError::NotInCluster { app: app.into() }.into()),
            Some(seen) if on && seen.health.working() => {
                return Err(GuardError::ClusterGuardWorking { app: app.into() }.into())
            }
            Some(_) => {}
        }
        let mut memory: ClusterSeen = lock(&self.guard).cluster_seen(&key);
        if memory.stand_in != on {
            // Audited first: a choice the log does not hold is not made.
            self.audit_stand_in(&key, on)?;
            memory.stand_in = on;
            lock(&self.guard).set_cluster_seen(&key, memory)?;
        }
        self.guard_view(target, app).await
    }
}
