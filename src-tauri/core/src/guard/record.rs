//! What the guard remembers about one app, wherever it is kept (the desktop's `guard.json`, or
//! a record in the cluster): its policy, the cluster it belongs to, a waiting proposal, what it
//! changed and can put back, a hold after a revert, what it told and its last check. No
//! secrets. Every field has a default, so a record from an older Purser still reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use super::{Policy, Target as Level};
use crate::clock::{parse_rfc3339, rfc3339};
use crate::month::Month;

/// The cluster a record belongs to: a context re-pointed to another cluster under the same
/// name must not receive the first one's scale-downs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterIdentity {
    /// The API server's address, as the kubeconfig names it.
    pub server: String,
    /// A UID that lives as long as the cluster does.
    pub uid: String,
    pub uid_of: UidOf,
}

/// Whose UID identifies the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UidOf {
    /// The `kube-system` namespace's: there from the cluster's creation to its end.
    KubeSystem,
    /// The app's Deployment's, where namespaces cannot be read.
    Deployment,
    /// Purser's own sandbox, which is new on every start.
    Sandbox,
}

impl ClusterIdentity {
    /// The built-in sandbox (its address and UIDs change on every start).
    pub fn sandbox() -> Self {
        Self {
            server: "purser-sandbox".into(),
            uid: "purser-sandbox".into(),
            uid_of: UidOf::Sandbox,
        }
    }

    /// Whether `other` is the same cluster. UIDs of different kinds cannot be compared (the
    /// user's rights changed): then the address decides.
    pub fn same_as(&self, other: &ClusterIdentity) -> bool {
        let server = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
        server(&self.server) == server(&other.server)
            && (self.uid_of != other.uid_of || self.uid == other.uid)
    }
}

/// A scale-down the guard proposed, waiting for the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    pub to: Level,
    /// The level when it was proposed (records from before this field read as unknown).
    #[serde(default)]
    pub from: Option<Level>,
    /// The reason's code and values (the window words them) and its English line.
    pub code: String,
    pub params: Map<String, Value>,
    pub text: String,
    pub saving: Option<f64>,
    /// When it was proposed (RFC 3339).
    pub at: String,
}

impl Proposal {
    /// A proposal lives for one cooldown and never into the next month.
    pub fn expired(&self, now: OffsetDateTime, cooldown: Duration) -> bool {
        match parse_rfc3339(&self.at) {
            Some(at) => at + cooldown <= now || Month::of(at.date()) != Month::of(now.date()),
            None => true,
        }
    }
}

/// What the guard changed on an app, and what a revert puts back: Purser's own record, the
/// authority for revert (an annotation on the Deployment is only a hint for other machines).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevertRecord {
    pub previous: Level,
    pub set: Level,
    /// When (RFC 3339).
    pub at: String,
    /// Who acted: `schedule` (the guard by itself) or the person who approved.
    pub by: String,
    pub cluster: ClusterIdentity,
}

/// After a revert the guard holds off on the app, so a revert sticks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hold {
    /// Until when (RFC 3339).
    pub until: String,
    /// The budget when the hold began: a new budget ends it.
    pub budget: Option<f64>,
}

impl Hold {
    /// The reason a check gives while the hold stands (`code`: `held` for the copies,
    /// `openai_held` for the OpenAI cap).
    pub fn reason(&self, code: &'static str) -> super::Reason {
        super::Reason::new(
            code,
            format!("held off after a revert until {}", self.until),
        )
        .with("until", self.until.clone())
    }

    /// Whether the hold still stands at `now` with `budget`.
    pub fn holds(&self, now: OffsetDateTime, budget: Option<f64>) -> bool {
        parse_rfc3339(&self.until).is_some_and(|until| until > now) && self.budget == budget
    }
}

/// How long to hold off after a revert, as the user chose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HoldChoice {
    /// Until the month's end (or the next budget change).
    #[default]
    MonthEnd,
    Day,
    Week,
    /// Do not hold off: the next check may act again.
    None,
}

impl HoldChoice {
    /// The hold this choice makes at `now` under `budget`.
    pub fn hold(self, now: OffsetDateTime, budget: Option<f64>) -> Option<Hold> {
        let until = match self {
            HoldChoice::MonthEnd => Month::of(now.date())
                .plus(1)
                .first_day()
                .midnight()
                .assume_utc(),
            HoldChoice::Day => now + Duration::days(1),
            HoldChoice::Week => now + Duration::weeks(1),
            HoldChoice::None => return None,
        };
        Some(Hold {
            until: rfc3339(until),
            budget,
        })
    }
}

/// What the guard found at its last look, for the guard's line in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastCheck {
    /// RFC 3339.
    pub at: String,
    /// What it did: `nothing`, `notify`, `propose`, `scaled`, `refused`, `failed`.
    pub did: String,
    /// Why, as the reason's code and values (`hint.guard_<code>`).
    pub code: String,
    pub params: Map<String, Value>,
}

/// A full month's cost for one tag, as Cost Explorer reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaggedMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub tag: String,
    pub cost: f64,
    pub currency: String,
}

/// A tagged-cost lookup that failed, kept for a day so it is not asked again (and paid for)
/// on every slider move and every check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaggedFailure {
    pub month: String,
    pub tag: String,
    /// RFC 3339.
    pub at: String,
    /// The problem's code (`TagProblem`, snake case).
    pub problem: String,
}

/// One app under the guard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppRecord {
    pub policy: Policy,
    /// The user said, in words, that the guard may take this app to 0 copies.
    pub zero_confirmed: bool,
    /// The cluster the policy was set on.
    pub cluster: Option<ClusterIdentity>,
    /// When the guard last scaled this app down or proposed to (RFC 3339).
    pub last_action: Option<String>,
    /// `YYYY-MM` and the thresholds told in that month.
    pub notified_month: String,
    pub notified: Vec<u16>,
    /// What was told once and must not be told again while it stands: cause → the value it
    /// was told for (a refusal's code, a month, an action's time).
    pub told: BTreeMap<String, String>,
    pub proposal: Option<Proposal>,
    pub revert: Option<RevertRecord>,
    pub hold: Option<Hold>,
    pub last_check: Option<LastCheck>,
    /// What the guard may do with OpenAI's part of the bill (the project's spend limit).
    pub openai_lever: super::openai_lever::Lever,
    /// When the guard last capped OpenAI's spend or proposed to (RFC 3339).
    pub openai_last_action: Option<String>,
    pub openai_proposal: Option<CapProposal>,
    /// What the OpenAI lever found at its last look.
    pub last_openai_check: Option<LastCheck>,
}

/// A cap on the OpenAI project's spend the guard proposed, waiting for the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapProposal {
    pub project: String,
    /// USD cents a month.
    pub cents: i64,
    pub params: Map<String, Value>,
    pub saving: Option<f64>,
    /// RFC 3339.
    pub at: String,
}

impl CapProposal {
    pub fn expired(&self, now: OffsetDateTime, cooldown: Duration) -> bool {
        match parse_rfc3339(&self.at) {
            Some(at) => at + cooldown <= now || Month::of(at.date()) != Month::of(now.date()),
            None => true,
        }
    }
}

/// What Purser changed on an OpenAI project's hard spend limit, and what a revert puts back:
/// the limit before (`None`: there was none, and a revert deletes it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapRecord {
    pub project: String,
    pub previous: Option<i64>,
    /// USD cents a month.
    pub set: i64,
    /// RFC 3339.
    pub at: String,
    /// `schedule`, or the person who set or approved it.
    pub by: String,
}

impl AppRecord {
    /// Records that `cause` was told for `value`; false when it already was (say nothing).
    pub fn tell_once(&mut self, cause: &str, value: &str) -> bool {
        if self.told.get(cause).map(String::as_str) == Some(value) {
            return false;
        }
        self.told.insert(cause.to_string(), value.to_string());
        true
    }

    /// Forgets that `cause` was told (it no longer stands).
    pub fn untell(&mut self, cause: &str) {
        self.told.remove(cause);
    }

    /// Starts a new month of "told once per threshold".
    pub fn turn_month(&mut self, month: &str) {
        if self.notified_month != month {
            self.notified_month = month.to_string();
            self.notified.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn proposals_expire_after_the_cooldown_or_at_the_months_turn() {
        let proposal = |at: &str| Proposal {
            to: Level::Copies { replicas: 1 },
            from: None,
            code: "over_budget".into(),
            params: Map::new(),
            text: String::new(),
            saving: None,
            at: at.into(),
        };
        let six = Duration::hours(6);
        let p = proposal("2026-11-30T20:00:00Z");
        assert!(!p.expired(datetime!(2026-11-30 23:00 UTC), six));
        assert!(
            p.expired(datetime!(2026-12-01 00:30 UTC), six),
            "a new month"
        );
        assert!(p.expired(datetime!(2026-11-30 02:00 UTC) + Duration::days(1), six));
        assert!(proposal("not a time").expired(datetime!(2026-11-30 23:00 UTC), six));
    }

    #[test]
    fn a_hold_ends_with_its_time_or_a_new_budget() {
        let now = datetime!(2026-11-20 12:00 UTC);
        let hold = HoldChoice::MonthEnd.hold(now, Some(1000.0)).unwrap();
        assert_eq!(hold.until, "2026-12-01T00:00:00Z");
        assert!(hold.holds(now, Some(1000.0)));
        assert!(!hold.holds(now, Some(1200.0)), "the budget changed");
        assert!(!hold.holds(datetime!(2026-12-01 00:00 UTC), Some(1000.0)));
        assert_eq!(HoldChoice::None.hold(now, None), None);
    }

    #[test]
    fn identities_compare_by_address_and_a_uid_of_the_same_kind() {
        let id = |server: &str, uid: &str, uid_of| ClusterIdentity {
            server: server.into(),
            uid: uid.into(),
            uid_of,
        };
        let a = id("https://a.example/", "u1", UidOf::KubeSystem);
        assert!(a.same_as(&id("https://A.example", "u1", UidOf::KubeSystem)));
        assert!(!a.same_as(&id("https://a.example", "u2", UidOf::KubeSystem)));
        assert!(!a.same_as(&id("https://b.example", "u1", UidOf::KubeSystem)));
        assert!(a.same_as(&id("https://a.example", "d9", UidOf::Deployment)));
    }

    #[test]
    fn a_cause_is_told_once_until_it_changes() {
        let mut record = AppRecord::default();
        assert!(record.tell_once("refused", "no_budget"));
        assert!(!record.tell_once("refused", "no_budget"));
        assert!(record.tell_once("refused", "currency"));
        record.untell("refused");
        assert!(record.tell_once("refused", "currency"));
    }
}
