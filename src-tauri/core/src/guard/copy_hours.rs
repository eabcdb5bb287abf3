//! How many copy-hours an app ran in a month, replayed from the audit log's changes and the
//! Deployment's creation time: the divisor that turns the month's tagged cost into the cost
//! of one copy. Pure.

use time::OffsetDateTime;

use crate::audit::{AuditEntry, Outcome};

/// The app's number of copies from a moment on; `None` when the log cannot tell (an
/// autoscaler decides them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub at: OffsetDateTime,
    pub copies: Option<i64>,
}

/// The changes the audit log records for `app` in `context`/`namespace`, oldest first: every
/// deploy, scale, uninstall, autoscaler and guard scale or revert that went through.
pub fn changes(entries: &[AuditEntry], context: &str, namespace: &str, app: &str) -> Vec<Change> {
    let mut changes: Vec<Change> = entries
        .iter()
        .filter(|e| e.outcome == Outcome::Ok)
        .filter(|e| e.context == context && e.namespace == namespace && e.app == app)
        .filter_map(|e| {
            let at = OffsetDateTime::parse(&e.time, &time::format_description::well_known::Rfc3339)
                .ok()?;
            let copies = match e.action.as_str() {
                "deploy" | "scale" => Some(e.params.get("replicas")?.as_i64()?),
                "uninstall" => Some(0),
                "autoscaler" => None,
                // A level is `6` copies or an autoscaler's `2–10`.
                "guardScale" | "guardRevert" => {
                    e.params.get("toLevel")?.as_str()?.parse::<i64>().ok()
                }
                _ => return None,
            };
            Some(Change { at, copies })
        })
        .collect();
    changes.sort_by_key(|c| c.at);
    changes
}

/// Copy-hours run in `[from, to)`. The copies at `from` are the last change's before it; with
/// no change before it, none ran if the Deployment was `created` at or after `from`, and they
/// are unknown otherwise (it was made where this log does not reach). `None` whenever the
/// copies are unknown for part of the period.
pub fn copy_hours(
    changes: &[Change],
    created: Option<OffsetDateTime>,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Option<f64> {
    let before = changes.iter().rev().find(|c| c.at < from);
    let mut copies = match (before, created) {
        (Some(change), _) => change.copies,
        (None, Some(created)) if created >= from => Some(0),
        (None, _) => None,
    };
    let mut since = from;
    let mut hours = 0.0;
    let within = changes.iter().filter(|c| c.at >= from && c.at < to);
    for change in within.chain(std::iter::once(&Change {
        at: to,
        copies: None,
    })) {
        let span = (change.at - since).as_seconds_f64() / 3600.0;
        if span > 0.0 {
            hours += copies? as f64 * span;
        }
        since = change.at;
        copies = change.copies;
    }
    Some(hours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    const OCT: OffsetDateTime = datetime!(2026-10-01 00:00 UTC);
    const NOV: OffsetDateTime = datetime!(2026-11-01 00:00 UTC);

    fn change(at: OffsetDateTime, copies: Option<i64>) -> Change {
        Change { at, copies }
    }

    fn entry(time: &str, action: &str, params: serde_json::Value) -> AuditEntry {
        serde_json::from_value(json!({
            "time": time, "user": "ana", "context": "eks", "namespace": "default",
            "action": action, "app": "assistant", "params": params, "target": "assistant",
            "result": "ok"
        }))
        .unwrap()
    }

    #[test]
    fn the_log_replays_into_copies_over_time() {
        let mut failed = entry("2026-10-20T00:00:00Z", "scale", json!({"replicas": 9}));
        failed.outcome = Outcome::Failed;
        let mut elsewhere = entry("2026-10-21T00:00:00Z", "scale", json!({"replicas": 7}));
        elsewhere.namespace = "staging".into();
        let entries = vec![
            entry("2026-10-16T00:00:00Z", "scale", json!({"replicas": 4})),
            entry("2026-09-01T00:00:00Z", "deploy", json!({"replicas": 2})),
            failed,
            elsewhere,
            entry("2026-10-25T00:00:00Z", "restart", json!({})),
            entry(
                "2026-10-26T00:00:00Z",
                "guardScale",
                json!({"toLevel": "3"}),
            ),
            entry(
                "2026-10-27T00:00:00Z",
                "guardScale",
                json!({"toLevel": "1–4"}),
            ),
        ];
        let changes = changes(&entries, "eks", "default", "assistant");
        let copies: Vec<_> = changes.iter().map(|c| c.copies).collect();
        assert_eq!(copies, [Some(2), Some(4), Some(3), None]);
    }

    #[test]
    fn copy_hours_over_a_month_with_a_scale_in_the_middle() {
        let changes = [
            change(datetime!(2026-09-01 00:00 UTC), Some(2)),
            change(datetime!(2026-10-16 00:00 UTC), Some(4)),
        ];
        // 15 days × 24 h × 2 + 16 days × 24 h × 4.
        assert_eq!(copy_hours(&changes, None, OCT, NOV), Some(2256.0));
    }

    #[test]
    fn an_app_created_in_the_month_ran_nothing_before() {
        let created = datetime!(2026-10-11 00:00 UTC);
        let changes = [change(created, Some(3))];
        // 21 days × 24 h × 3.
        assert_eq!(copy_hours(&changes, Some(created), OCT, NOV), Some(1512.0));
    }

    #[test]
    fn unknown_copies_give_no_figure() {
        let deployed_elsewhere = [change(datetime!(2026-10-11 00:00 UTC), Some(3))];
        let created = Some(datetime!(2026-05-01 00:00 UTC));
        assert_eq!(copy_hours(&deployed_elsewhere, created, OCT, NOV), None);
        let autoscaled = [
            change(datetime!(2026-09-01 00:00 UTC), Some(2)),
            change(datetime!(2026-10-20 00:00 UTC), None),
        ];
        assert_eq!(copy_hours(&autoscaled, None, OCT, NOV), None);
    }

    #[test]
    fn an_uninstalled_app_stops_counting() {
        let changes = [
            change(datetime!(2026-09-01 00:00 UTC), Some(1)),
            change(datetime!(2026-10-02 00:00 UTC), Some(0)),
        ];
        assert_eq!(copy_hours(&changes, None, OCT, NOV), Some(24.0));
    }
}
