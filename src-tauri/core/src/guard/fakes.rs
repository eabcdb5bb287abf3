//! Fake ports for the guard service's tests and benchmark: a cluster held in memory (its
//! versions move on every write, a person can scale between the guard's look and its write),
//! fixed figures, records in memory, a notifier that keeps what it was told.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::error::GuardError;
use super::gitops::GitOps;
use super::ports::{
    AutoscalerLook, BudgetRule, GuardCluster, GuardFigures, GuardOpenAi, GuardRecords, Look,
    MonthFigures, Notifier, Stored,
};
use super::record::{AppRecord, CapRecord, ClusterIdentity, Hold, UidOf};
use super::service::{GuardService, Initiator, Ports, RoundLocks};
use super::{AppKey, Policy, Range, Target as Level};
use crate::audit::{AuditLog, Outcome};
use crate::cost::spend_limit::SpendLimit;
use crate::error::AppError;
use crate::sync::lock;
use crate::testing::ManualClock;
use time::macros::datetime;

/// One app in a cluster held in memory.
#[derive(Debug, Clone)]
pub struct FakeApp {
    pub copies: i32,
    pub autoscaler: Option<(String, Range)>,
    pub version: u64,
    pub hint: Option<(Level, Level)>,
    pub gitops: Option<GitOps>,
    pub level_set_by: Option<(String, String)>,
}

impl Default for FakeApp {
    fn default() -> Self {
        Self {
            copies: 6,
            autoscaler: None,
            version: 1,
            hint: None,
            gitops: None,
            level_set_by: None,
        }
    }
}

/// A cluster in memory.
#[derive(Debug)]
pub struct FakeCluster {
    pub app: Mutex<FakeApp>,
    pub identity: Mutex<ClusterIdentity>,
    /// Listing autoscalers is forbidden.
    pub hidden_autoscalers: Mutex<bool>,
    /// A person sets the copies to this between the guard's look and its next write.
    pub person_scales_to: Mutex<Option<i32>>,
    /// The next write of a level fails with this.
    pub fail_next_write: Mutex<Option<GuardError>>,
    /// How long a look takes (rounds that would overlap without the app's lock).
    pub look_takes: Mutex<Duration>,
    /// Every level written, in order.
    pub writes: Mutex<Vec<Level>>,
}

impl Default for FakeCluster {
    fn default() -> Self {
        Self {
            app: Mutex::new(FakeApp::default()),
            identity: Mutex::new(identity("https://prod.example", "uid-prod")),
            hidden_autoscalers: Mutex::new(false),
            person_scales_to: Mutex::new(None),
            fail_next_write: Mutex::new(None),
            look_takes: Mutex::new(Duration::ZERO),
            writes: Mutex::new(Vec::new()),
        }
    }
}

/// A cluster identity by its `kube-system` UID.
pub fn identity(server: &str, uid: &str) -> ClusterIdentity {
    ClusterIdentity {
        server: server.into(),
        uid: uid.into(),
        uid_of: UidOf::KubeSystem,
    }
}

impl FakeCluster {
    fn write(&self, level: Level, version: &str) -> Result<(), GuardError> {
        let mut app = lock(&self.app);
        if let Some(copies) = lock(&self.person_scales_to).take() {
            app.copies = copies;
            app.version += 1;
        }
        if let Some(error) = lock(&self.fail_next_write).take() {
            return Err(error);
        }
        // One version for the Deployment and its autoscaler keeps the fake small.
        if app.version.to_string() != version {
            return Err(GuardError::Conflict {
                app: "assistant".into(),
            });
        }
        match level {
            Level::Copies { replicas } => app.copies = replicas,
            Level::Autoscaler { min, max } => {
                if let Some((_, range)) = app.autoscaler.as_mut() {
                    *range = Range { min, max };
                }
            }
        }
        app.version += 1;
        app.level_set_by = Some(("purser".into(), String::new()));
        lock(&self.writes).push(level);
        Ok(())
    }
}

#[async_trait]
impl GuardCluster for FakeCluster {
    async fn identity(&self, _app: &AppKey) -> Result<ClusterIdentity, GuardError> {
        Ok(lock(&self.identity).clone())
    }

    async fn look(&self, _app: &AppKey) -> Result<Look, GuardError> {
        let takes = *lock(&self.look_takes);
        if !takes.is_zero() {
            tokio::time::sleep(takes).await;
        }
        if *lock(&self.hidden_autoscalers) {
            return Err(GuardError::AutoscalersHidden {
                app: "assistant".into(),
                namespace: "shop".into(),
            });
        }
        let app = lock(&self.app).clone();
        Ok(Look {
            copies: app.copies,
            autoscaler: app.autoscaler.map(|(name, range)| AutoscalerLook {
                name,
                range,
                version: app.version.to_string(),
            }),
            version: app.version.to_string(),
            cpu: 0.25,
            memory: 512.0 * 1024.0 * 1024.0,
            created: None,
            hint: app.hint,
            gitops: app.gitops,
            level_set_by: app.level_set_by,
        })
    }

    async fn set_copies(
        &self,
        _app: &AppKey,
        replicas: i32,
        version: &str,
    ) -> Result<(), GuardError> {
        self.write(Level::Copies { replicas }, version)
    }

    async fn set_range(
        &self,
        _app: &AppKey,
        _autoscaler: &str,
        range: Range,
        version: &str,
    ) -> Result<(), GuardError> {
        self.write(
            Level::Autoscaler {
                min: range.min,
                max: range.max,
            },
            version,
        )
    }

    async fn write_hint(
        &self,
        _app: &AppKey,
        hint: Option<(Level, Level)>,
    ) -> Result<(), GuardError> {
        lock(&self.app).hint = hint;
        Ok(())
    }
}

/// Figures and a budget that stay as set.
#[derive(Debug)]
pub struct FakeFigures {
    pub month: Mutex<Result<MonthFigures, AppError>>,
    pub budget: Mutex<BudgetRule>,
    pub copy_cost: Option<f64>,
}

impl Default for FakeFigures {
    /// $1,100 spent of a $1,000 budget, $1,700 by the month's end; a copy $20 a month.
    fn default() -> Self {
        Self {
            month: Mutex::new(Ok(MonthFigures {
                spent: 1100.0,
                month_end: Some(1700.0),
                currency: "USD".into(),
                sample: false,
                read_at: None,
                stale: None,
                openai_spent: 0.0,
                openai_month_end: 0.0,
            })),
            budget: Mutex::new(BudgetRule {
                amount: Some(1000.0),
                currency: "USD".into(),
                thresholds: vec![80, 100],
            }),
            copy_cost: Some(20.0),
        }
    }
}

impl FakeFigures {
    pub fn set(&self, change: impl FnOnce(&mut MonthFigures)) {
        if let Ok(figures) = lock(&self.month).as_mut() {
            change(figures);
        }
    }
}

#[async_trait]
impl GuardFigures for FakeFigures {
    async fn month(&self, _now: OffsetDateTime) -> Result<MonthFigures, GuardError> {
        lock(&self.month).clone().map_err(GuardError::Figures)
    }

    fn budget(&self, _app: &AppKey) -> BudgetRule {
        lock(&self.budget).clone()
    }

    async fn copy_cost(&self, _app: &AppKey, _look: &Look) -> Option<f64> {
        self.copy_cost
    }
}

/// Records in memory, versioned like a store that refuses a write from an older read.
#[derive(Debug, Default)]
pub struct FakeRecords {
    pub records: Mutex<HashMap<AppKey, (AppRecord, u64)>>,
    /// Every save fails while set.
    pub failing: Mutex<bool>,
    /// The next this many saves each find that someone else changed the record just before
    /// (another desktop, the job in the cluster): `told["meddled"]` is set to their count.
    pub meddles: Mutex<u32>,
    /// Saves let through before the meddling starts.
    pub meddle_after: Mutex<u32>,
}

impl FakeRecords {
    pub fn get(&self, app: &AppKey) -> AppRecord {
        lock(&self.records)
            .get(app)
            .map(|(r, _)| r.clone())
            .unwrap_or_default()
    }

    pub fn put(&self, app: &AppKey, record: AppRecord) {
        let mut records = lock(&self.records);
        let version = records.get(app).map_or(0, |(_, v)| v + 1);
        records.insert(app.clone(), (record, version));
    }
}

#[async_trait]
impl GuardRecords for FakeRecords {
    async fn load(&self, app: &AppKey) -> Result<Stored, GuardError> {
        let records = lock(&self.records);
        let (record, version) = records.get(app).cloned().unwrap_or_default();
        Ok(Stored {
            record,
            version: version.to_string(),
        })
    }

    async fn save(
        &self,
        app: &AppKey,
        record: &AppRecord,
        version: &str,
    ) -> Result<String, GuardError> {
        if *lock(&self.failing) {
            return Err(GuardError::RecordUnsaved("the disk is full".into()));
        }
        let mut records = lock(&self.records);
        let mut meddles = lock(&self.meddles);
        let mut after = lock(&self.meddle_after);
        if *after > 0 {
            *after -= 1;
        } else if *meddles > 0 {
            *meddles -= 1;
            let (theirs, version) = records.entry(app.clone()).or_default();
            let count = theirs
                .told
                .get("meddled")
                .map_or(0, |n| n.parse().unwrap_or(0))
                + 1;
            theirs.told.insert("meddled".into(), count.to_string());
            *version += 1;
        }
        let current = records.get(app).map_or(0, |(_, v)| *v);
        if current.to_string() != version {
            return Err(GuardError::RecordConflict);
        }
        records.insert(app.clone(), (record.clone(), current + 1));
        Ok((current + 1).to_string())
    }
}

/// Keeps what it was told.
#[derive(Debug, Default)]
pub struct Kept(pub Mutex<Vec<AppError>>);

impl Kept {
    pub fn codes(&self) -> Vec<String> {
        lock(&self.0).iter().map(|n| n.code.clone()).collect()
    }

    pub fn clear(&self) {
        lock(&self.0).clear();
    }
}

impl Notifier for Kept {
    fn tell(&self, notice: AppError) {
        lock(&self.0).push(notice);
    }
}

/// OpenAI's spend limits in memory, with the requests made counted.
#[derive(Debug, Default)]
pub struct FakeOpenAi {
    pub project: Mutex<Option<String>>,
    pub limit: Mutex<Option<SpendLimit>>,
    pub caps: Mutex<HashMap<String, CapRecord>>,
    pub cap_holds: Mutex<HashMap<String, Hold>>,
    /// Reads and writes made of the limit.
    pub reads: Mutex<u32>,
    pub writes: Mutex<u32>,
}

#[async_trait]
impl GuardOpenAi for FakeOpenAi {
    fn project(&self) -> Option<String> {
        lock(&self.project).clone()
    }

    async fn limit(&self, _project: &str) -> Result<Option<SpendLimit>, GuardError> {
        *lock(&self.reads) += 1;
        Ok(*lock(&self.limit))
    }

    async fn set_limit(&self, _project: &str, cents: i64) -> Result<SpendLimit, GuardError> {
        *lock(&self.writes) += 1;
        let limit = SpendLimit {
            cents,
            enforcing: false,
        };
        *lock(&self.limit) = Some(limit);
        Ok(limit)
    }

    async fn delete_limit(&self, _project: &str) -> Result<(), GuardError> {
        *lock(&self.writes) += 1;
        *lock(&self.limit) = None;
        Ok(())
    }

    async fn cap_record(&self, project: &str) -> Result<Option<CapRecord>, GuardError> {
        Ok(lock(&self.caps).get(project).cloned())
    }

    async fn keep_cap_record(
        &self,
        project: &str,
        record: Option<&CapRecord>,
    ) -> Result<(), GuardError> {
        match record {
            Some(record) => lock(&self.caps).insert(project.into(), record.clone()),
            None => lock(&self.caps).remove(project),
        };
        Ok(())
    }

    async fn cap_hold(&self, project: &str) -> Result<Option<Hold>, GuardError> {
        Ok(lock(&self.cap_holds).get(project).cloned())
    }

    async fn keep_cap_hold(&self, project: &str, hold: Option<&Hold>) -> Result<(), GuardError> {
        match hold {
            Some(hold) => lock(&self.cap_holds).insert(project.into(), hold.clone()),
            None => lock(&self.cap_holds).remove(project),
        };
        Ok(())
    }
}

/// Every fake port, an audit log in a temporary folder, and the app they are about.
pub struct World {
    pub key: AppKey,
    pub cluster: FakeCluster,
    pub figures: FakeFigures,
    pub openai: FakeOpenAi,
    pub records: FakeRecords,
    pub clock: ManualClock,
    pub told: Kept,
    pub audit: AuditLog,
    pub locks: RoundLocks,
    _dir: tempfile::TempDir,
}

pub const NOW: time::OffsetDateTime = datetime!(2026-11-20 12:00 UTC);

pub fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    World {
        key: AppKey {
            context: "prod".into(),
            namespace: "shop".into(),
            app: "assistant".into(),
        },
        cluster: FakeCluster::default(),
        figures: FakeFigures::default(),
        openai: FakeOpenAi::default(),
        records: FakeRecords::default(),
        clock: ManualClock::new(NOW),
        told: Kept::default(),
        audit: AuditLog::new(dir.path()),
        locks: RoundLocks::default(),
        _dir: dir,
    }
}

impl World {
    pub fn service(&self) -> GuardService<'_> {
        GuardService::new(self.ports(), &self.locks)
    }

    pub fn ports(&self) -> Ports<'_> {
        Ports {
            cluster: &self.cluster,
            figures: &self.figures,
            openai: &self.openai,
            records: &self.records,
            clock: &self.clock,
            notifier: &self.told,
            audit: &self.audit,
        }
    }

    /// The app under `policy`, set on the cluster the context reaches now.
    pub fn guard(&self, policy: Policy) -> &Self {
        self.records.put(
            &self.key,
            AppRecord {
                policy,
                cluster: Some(lock(&self.cluster.identity).clone()),
                ..AppRecord::default()
            },
        );
        self
    }

    pub fn record(&self) -> AppRecord {
        self.records.get(&self.key)
    }

    pub fn copies(&self) -> i32 {
        lock(&self.cluster.app).copies
    }

    pub fn writes(&self) -> Vec<Level> {
        lock(&self.cluster.writes).clone()
    }

    /// The guard's audit results, oldest first.
    pub fn audited(&self) -> Vec<(String, Outcome)> {
        let mut lines: Vec<_> = self
            .audit
            .recent(100)
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.outcome))
            .collect();
        lines.reverse();
        lines
    }

    pub fn person() -> Initiator {
        Initiator::Person("alice".into())
    }
}
