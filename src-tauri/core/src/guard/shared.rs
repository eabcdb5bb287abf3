//! One record per app, kept in the cluster: a ConfigMap `purser-<app>` in the app's namespace
//! that every Purser connected there, and the guard's job in the cluster, read and write. It
//! holds no secret: the guard's record, the app's budget, the month's figures with when they
//! were read, and who changed the budget or policy last.
//!
//! Every write carries the `resourceVersion` it read, so a write over someone else's change is
//! refused ([`GuardError::RecordConflict`]) and the guard service re-reads and re-decides.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ObjectMeta, PostParams};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::cluster_ops::GuardOps;
use super::ports::{BudgetRule, GuardRecords, MonthFigures, Stored};
use super::{AppKey, AppRecord, GuardError};
use crate::clock::parse_rfc3339;
use crate::cluster::manifests::{MANAGED_BY_LABEL, MANAGER, NAME_LABEL};
use crate::cluster::{ClusterError, ClusterService};
use crate::month::Month;
use crate::sync::lock;
use time::{Duration, OffsetDateTime};

/// The record's keys in the ConfigMap's `data`, each a JSON text.
const RECORD: &str = "guard";
const BUDGET: &str = "budget";
const FIGURES: &str = "figures";
const CHANGED: &str = "changedBy";

/// The ConfigMap that holds `app`'s shared record.
pub fn record_name(app: &str) -> String {
    format!("purser-{app}")
}

/// The budget everyone who uses the app sees, and which spend counts toward it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedBudget {
    pub amount: Option<f64>,
    pub currency: String,
    #[serde(default)]
    pub thresholds: Vec<u16>,
    /// Only costs with this cost-allocation tag count (`key=value`), if set.
    #[serde(default)]
    pub cost_tag: Option<String>,
}

impl SharedBudget {
    pub fn rule(&self) -> BudgetRule {
        BudgetRule {
            amount: self.amount,
            currency: self.currency.clone(),
            thresholds: self.thresholds.clone(),
        }
    }
}

/// The month's figures as last read from Cost Explorer, so the next reader (the next hourly
/// run, another desktop) asks nothing while they are fresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeptFigures {
    /// `YYYY-MM`.
    pub month: String,
    pub spent: f64,
    pub month_end: Option<f64>,
    pub currency: String,
    /// When Cost Explorer answered (RFC 3339).
    pub read_at: String,
    /// The cost tag they were read for (figures for another tag are not this budget's).
    #[serde(default)]
    pub cost_tag: Option<String>,
}

/// Cost Explorer is asked at most this often: AWS refreshes billing data about three times a
/// day, and each request costs $0.01.
pub const FIGURES_FRESH_FOR: Duration = Duration::hours(6);

impl KeptFigures {
    /// Whether these figures may stand for this month's under `tag` at `now`: the same month
    /// and tag, read less than [`FIGURES_FRESH_FOR`] ago (and not ahead of the clock).
    pub fn fresh(&self, tag: Option<&str>, now: OffsetDateTime) -> bool {
        self.month == Month::of(now.date()).to_string()
            && self.cost_tag.as_deref() == tag
            && parse_rfc3339(&self.read_at)
                .is_some_and(|at| at <= now + Duration::minutes(5) && now - at < FIGURES_FRESH_FOR)
    }

    pub fn figures(&self) -> MonthFigures {
        MonthFigures {
            spent: self.spent,
            month_end: self.month_end,
            currency: self.currency.clone(),
            sample: false,
            read_at: Some(self.read_at.clone()),
            stale: None,
            openai_spent: 0.0,
            openai_month_end: 0.0,
        }
    }
}

/// Who changed the budget or the policy last, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Changed {
    pub by: String,
    /// RFC 3339.
    pub at: String,
}

/// The whole shared record as read, with the version a write must match (empty: none yet).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shared {
    pub record: AppRecord,
    pub budget: Option<SharedBudget>,
    pub figures: Option<KeptFigures>,
    pub changed: Option<Changed>,
    pub version: String,
    /// The ConfigMap as read: a write changes Purser's keys in it and keeps everything else
    /// (other keys, labels, annotations a GitOps tool or `kubectl apply` put there).
    pub read: Option<ConfigMap>,
}

fn read_key<T: DeserializeOwned>(
    data: &BTreeMap<String, String>,
    key: &str,
) -> Result<Option<T>, GuardError> {
    match data.get(key) {
        None => Ok(None),
        Some(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|e| GuardError::RecordUnreadable(format!("{key}: {e}"))),
    }
}

fn write_key<T: Serialize>(data: &mut BTreeMap<String, String>, key: &str, value: Option<&T>) {
    match value.and_then(|v| serde_json::to_string(v).ok()) {
        Some(text) => {
            data.insert(key.into(), text);
        }
        None => {
            data.remove(key);
        }
    }
}

impl Shared {
    fn from_config_map(map: ConfigMap) -> Result<Self, GuardError> {
        let empty = BTreeMap::new();
        let data = map.data.as_ref().unwrap_or(&empty);
        Ok(Self {
            record: read_key(data, RECORD)?.unwrap_or_default(),
            budget: read_key(data, BUDGET)?,
            figures: read_key(data, FIGURES)?,
            changed: read_key(data, CHANGED)?,
            version: map.metadata.resource_version.clone().unwrap_or_default(),
            read: Some(map),
        })
    }

    fn to_config_map(&self, app: &AppKey) -> ConfigMap {
        let mut map = self.read.clone().unwrap_or_else(|| ConfigMap {
            metadata: ObjectMeta {
                name: Some(record_name(&app.app)),
                namespace: Some(app.namespace.clone()),
                ..ObjectMeta::default()
            },
            ..ConfigMap::default()
        });
        let data = map.data.get_or_insert_with(BTreeMap::new);
        write_key(data, RECORD, Some(&self.record));
        write_key(data, BUDGET, self.budget.as_ref());
        write_key(data, FIGURES, self.figures.as_ref());
        write_key(data, CHANGED, self.changed.as_ref());
        let labels = map.metadata.labels.get_or_insert_with(BTreeMap::new);
        labels.insert(NAME_LABEL.into(), app.app.clone());
        labels.insert(MANAGED_BY_LABEL.into(), MANAGER.into());
        map.metadata.resource_version = Some(self.version.clone()).filter(|v| !v.is_empty());
        map.metadata.managed_fields = None;
        map
    }
}

/// The shared records on the clusters the guard's port reaches.
pub struct ClusterRecords<'a> {
    /// Its own copy of the port (a few references), so one set of ports can hold both.
    pub ops: GuardOps<'a>,
    /// The last record read, so a save does not read it again.
    last: Mutex<Option<(AppKey, Shared)>>,
    /// The next load returns `last` as it stands (see [`Self::reuse_next`]).
    reuse: Mutex<bool>,
    /// Figures read this run, written with every save until one succeeds.
    pending: Mutex<Option<KeptFigures>>,
    /// Who changes the budget or policy with the next save, if a person does.
    changing: Mutex<Option<Changed>>,
}

/// A 409 on a create or a conditional replace: someone wrote the record meanwhile.
fn conflict_or(error: ClusterError) -> GuardError {
    match error {
        ClusterError::Api { code: 409, .. } | ClusterError::Conflict(_) => {
            GuardError::RecordConflict
        }
        other => GuardError::Cluster(other),
    }
}

impl<'a> ClusterRecords<'a> {
    pub fn new(ops: &GuardOps<'a>) -> Self {
        Self {
            ops: ops.clone(),
            last: Mutex::new(None),
            reuse: Mutex::new(false),
            pending: Mutex::new(None),
            changing: Mutex::new(None),
        }
    }

    /// The record as last read or written here.
    pub fn last(&self, app: &AppKey) -> Option<Shared> {
        lock(&self.last)
            .as_ref()
            .filter(|(key, _)| key == app)
            .map(|(_, shared)| shared.clone())
    }

    /// The next load returns the record just read instead of reading it again (the job in
    /// the cluster has read it a moment before its round starts: one request fewer a run).
    pub fn reuse_next(&self) {
        *lock(&self.reuse) = true;
    }

    /// Figures just read from Cost Explorer, written with the next save (a conflict and a
    /// fresh read do not lose them), so the next reader asks nothing.
    pub fn keep_figures(&self, figures: KeptFigures) {
        *lock(&self.pending) = Some(figures);
    }

    /// The next save is a person's change of the budget or policy: kept as the record's
    /// "changed by" with it.
    pub fn changing(&self, changed: Changed) {
        *lock(&self.changing) = Some(changed);
    }

    async fn api(
        &self,
        app: &AppKey,
    ) -> Result<(Api<ConfigMap>, impl Fn(kube::Error) -> ClusterError), GuardError> {
        let connection = self.ops.connection(app).await?;
        let api = Api::namespaced(connection.client(), &app.namespace);
        let namespace = app.namespace.clone();
        let classify = move |e| ClusterService::classify(&connection, &namespace)(e);
        Ok((api, classify))
    }

    /// The whole record of `app` (an empty one when none is kept yet).
    pub async fn read(&self, app: &AppKey) -> Result<Shared, GuardError> {
        let (api, classify) = self.api(app).await?;
        let read = async { api.get_opt(&record_name(&app.app)).await.map_err(&classify) };
        let found = self.ops.service.within(read).await?;
        let shared = match found {
            Some(map) => Shared::from_config_map(map)?,
            None => Shared::default(),
        };
        *lock(&self.last) = Some((app.clone(), shared.clone()));
        Ok(shared)
    }

    /// Writes `shared` if the kept record is still at `shared.version`; returns the new
    /// version.
    pub async fn write(&self, app: &AppKey, shared: &Shared) -> Result<String, GuardError> {
        let (api, classify) = self.api(app).await?;
        let pending = lock(&self.pending).clone();
        let changing = lock(&self.changing).clone();
        let mut shared = shared.clone();
        if pending.is_some() {
            shared.figures = pending;
        }
        if changing.is_some() {
            shared.changed = changing;
        }
        let map = shared.to_config_map(app);
        let name = record_name(&app.app);
        let params = crate::cluster::copies::purser_params();
        let post = PostParams {
            field_manager: params.field_manager,
            ..PostParams::default()
        };
        let write = async {
            if shared.version.is_empty() {
                api.create(&post, &map).await.map_err(&classify)
            } else {
                api.replace(&name, &post, &map).await.map_err(&classify)
            }
        };
        let written = self.ops.service.within(write).await.map_err(conflict_or)?;
        *lock(&self.pending) = None;
        *lock(&self.changing) = None;
        let kept = Shared::from_config_map(written)?;
        let version = kept.version.clone();
        *lock(&self.last) = Some((app.clone(), kept));
        Ok(version)
    }
}

#[async_trait]
impl GuardRecords for ClusterRecords<'_> {
    async fn load(&self, app: &AppKey) -> Result<Stored, GuardError> {
        let staged = std::mem::take(&mut *lock(&self.reuse));
        let last = lock(&self.last).clone();
        let shared = match last {
            Some((key, shared)) if staged && key == *app => shared,
            _ => self.read(app).await?,
        };
        Ok(Stored {
            record: shared.record,
            version: shared.version,
        })
    }

    async fn save(
        &self,
        app: &AppKey,
        record: &AppRecord,
        version: &str,
    ) -> Result<String, GuardError> {
        let last = lock(&self.last).clone();
        let mut shared = match last {
            Some((key, shared)) if key == *app && shared.version == version => shared,
            // Not the version last read here: read it, and write only if it still matches.
            _ => {
                let shared = self.read(app).await?;
                if shared.version != version {
                    return Err(GuardError::RecordConflict);
                }
                shared
            }
        };
        shared.record = record.clone();
        self.write(app, &shared).await
    }

    fn kept_in_the_cluster(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn figures_are_fresh_for_six_hours_of_the_same_month_and_tag() {
        let kept = KeptFigures {
            month: "2026-12".into(),
            spent: 1.0,
            month_end: None,
            currency: "USD".into(),
            read_at: "2026-12-07T06:00:00Z".into(),
            cost_tag: None,
        };
        assert!(kept.fresh(None, datetime!(2026-12-07 11:59 UTC)));
        assert!(!kept.fresh(None, datetime!(2026-12-07 12:00 UTC)));
        assert!(
            !kept.fresh(Some("app=x"), datetime!(2026-12-07 07:00 UTC)),
            "another tag"
        );
        assert!(
            !kept.fresh(None, datetime!(2026-12-07 05:00 UTC)),
            "read in the future"
        );
        let november = KeptFigures {
            month: "2026-11".into(),
            ..kept
        };
        assert!(!november.fresh(None, datetime!(2026-12-07 07:00 UTC)));
    }
}
