//! Fault switches for tests and demonstrations: deny a verb (403), fail the next requests with
//! a status code, drop every open watch, or kill the server when a chosen request arrives.

use std::sync::Mutex;

use tokio::sync::watch;

#[derive(Debug, Default)]
struct FaultState {
    denied: Vec<(String, String)>,
    failing: Vec<(String, String, u16, u32)>,
    kill_on: Option<(String, String)>,
    hang_on: Vec<(String, String)>,
    pods_refused: Option<PodRefusal>,
}

/// How the cluster refuses to create an app's pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodRefusal {
    /// Pod creation is refused with this message, as a quota or an admission webhook does;
    /// `{pod}` is replaced by the pod's name. The ReplicaSet and the Deployment get a
    /// `ReplicaFailure` condition and a `FailedCreate` event says why.
    Message(String),
    /// No pod is created and nothing says why (a controller that is not running).
    Silent,
}

impl PodRefusal {
    /// What a namespace over its resource quota answers.
    pub fn quota() -> Self {
        Self::Message("pods \"{pod}\" is forbidden: exceeded quota: compute-resources, requested: requests.cpu=100m, used: requests.cpu=2, limited: requests.cpu=2".into())
    }

    /// What a policy webhook refusing the pod answers.
    pub fn webhook() -> Self {
        Self::Message("admission webhook \"validate.policies.example.com\" denied the request: images must come from the company registry".into())
    }
}

/// Shared switches; every method takes `&self`.
#[derive(Debug)]
pub struct Faults {
    state: Mutex<FaultState>,
    watch_epoch: watch::Sender<u64>,
    dropped: std::sync::atomic::AtomicU64,
    /// Open watch streams, each as `resource?selectors`, by id.
    open: Mutex<Vec<(u64, String)>>,
    next_watch: std::sync::atomic::AtomicU64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            state: Mutex::new(FaultState::default()),
            watch_epoch: watch::Sender::new(0),
            dropped: std::sync::atomic::AtomicU64::new(0),
            open: Mutex::new(Vec::new()),
            next_watch: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

/// What the request handler must do before serving a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Serve,
    Forbidden,
    Fail(u16),
    Kill,
    Hang,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `verb` as RBAC names it (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`);
    /// `resource` such as `deployments` or `deployments/scale`.
    pub fn deny(&self, verb: &str, resource: &str) {
        self.lock().denied.push((verb.into(), resource.into()));
    }

    /// The next `times` matching requests fail with `code`.
    pub fn fail_next(&self, verb: &str, resource: &str, code: u16, times: u32) {
        self.lock()
            .failing
            .push((verb.into(), resource.into(), code, times));
    }

    /// The server stops (connections dropped, port closed) when a matching request arrives,
    /// before it is served. [`super::KubeSim::revive`] brings it back with its objects.
    pub fn kill_on(&self, verb: &str, resource: &str) {
        self.lock().kill_on = Some((verb.into(), resource.into()));
    }

    /// From now on, new pods are refused (`None` lets them be created again).
    pub fn refuse_pods(&self, refusal: Option<PodRefusal>) {
        self.lock().pods_refused = refusal;
    }

    pub(crate) fn pod_refusal(&self) -> Option<PodRefusal> {
        self.lock().pods_refused.clone()
    }

    /// Matching requests are accepted and never answered, as an overloaded server behaves.
    pub fn hang_on(&self, verb: &str, resource: &str) {
        self.lock().hang_on.push((verb.into(), resource.into()));
    }

    /// Ends every open watch stream now, as a load balancer timing out would.
    pub fn drop_watches(&self) {
        self.watch_epoch.send_modify(|epoch| *epoch += 1);
    }

    /// How many watch streams [`Self::drop_watches`] has ended so far.
    pub fn dropped_watches(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The watch streams open now, each as `resource?selectors` (e.g.
    /// `events?fieldSelector=involvedObject.name=assistant`), so a test can see what a client
    /// follows and that it lets go.
    pub fn open_watches(&self) -> Vec<String> {
        lock_open(&self.open)
            .iter()
            .map(|(_, w)| w.clone())
            .collect()
    }

    pub(crate) fn watch_opened(&self, what: String) -> u64 {
        let id = self
            .next_watch
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        lock_open(&self.open).push((id, what));
        id
    }

    pub(crate) fn watch_closed(&self, id: u64) {
        lock_open(&self.open).retain(|(open, _)| *open != id);
    }

    pub(crate) fn count_dropped(&self) {
        self.dropped
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn clear(&self) {
        *self.lock() = FaultState::default();
    }

    pub(crate) fn watch_epoch(&self) -> watch::Receiver<u64> {
        self.watch_epoch.subscribe()
    }

    pub(crate) fn is_denied(&self, verb: &str, resource: &str) -> bool {
        self.lock()
            .denied
            .iter()
            .any(|(v, r)| (v == verb || v == "*") && (r == resource || r == "*"))
    }

    pub(crate) fn verdict(&self, verb: &str, resource: &str) -> Verdict {
        let mut state = self.lock();
        if let Some((v, r)) = &state.kill_on {
            if v == verb && r == resource {
                state.kill_on = None;
                return Verdict::Kill;
            }
        }
        if state
            .hang_on
            .iter()
            .any(|(v, r)| v == verb && r == resource)
        {
            return Verdict::Hang;
        }
        if state
            .denied
            .iter()
            .any(|(v, r)| (v == verb || v == "*") && (r == resource || r == "*"))
        {
            return Verdict::Forbidden;
        }
        for entry in state.failing.iter_mut() {
            if entry.0 == verb && entry.1 == resource && entry.3 > 0 {
                entry.3 -= 1;
                return Verdict::Fail(entry.2);
            }
        }
        Verdict::Serve
    }
}

fn lock_open(open: &Mutex<Vec<(u64, String)>>) -> std::sync::MutexGuard<'_, Vec<(u64, String)>> {
    open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
