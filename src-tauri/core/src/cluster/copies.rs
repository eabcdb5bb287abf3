//! Copies of the app: one type, [`CopyCount`] (0 to [`MAX_COPIES`]), checked once where a
//! number comes in — the scale control, the deploy form, a scale's cost, the guard's floor and
//! the levels it sets or puts back — and the writes that set copies or an autoscaler's range,
//! the same for a person's change and the guard's.

use kube::api::PatchParams;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::manifests::MANAGER;
use crate::error::FieldProblem;

/// The most copies Purser sets (a typo guard: 1,000 copies are never meant).
pub const MAX_COPIES: i32 = 100;

/// A number of copies Purser may set: 0 to [`MAX_COPIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i32")]
pub struct CopyCount(i32);

impl CopyCount {
    pub const ZERO: CopyCount = CopyCount(0);

    /// `n` copies, if Purser may set that many.
    pub fn new(n: i64) -> Option<Self> {
        i32::try_from(n)
            .ok()
            .filter(|n| (0..=MAX_COPIES).contains(n))
            .map(Self)
    }

    /// `n` copies typed in `field`, or the problem the form shows beside it.
    pub fn parse(field: &'static str, n: i64) -> Result<Self, FieldProblem> {
        Self::new(n)
            .ok_or_else(|| FieldProblem::new(field, "replicas_range").with("max", MAX_COPIES))
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

impl TryFrom<i64> for CopyCount {
    type Error = String;

    fn try_from(n: i64) -> Result<Self, Self::Error> {
        Self::new(n).ok_or_else(|| format!("{n} copies: 0 to {MAX_COPIES} can be set"))
    }
}

impl From<CopyCount> for i32 {
    fn from(copies: CopyCount) -> Self {
        copies.0
    }
}

impl std::fmt::Display for CopyCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The problems with an autoscaler range a person typed: 1 ≤ min ≤ max ≤ [`MAX_COPIES`].
pub fn range_problems(min: i64, max: i64) -> Vec<FieldProblem> {
    let top = i64::from(MAX_COPIES);
    let mut problems = Vec::new();
    if !(1..=top).contains(&min) {
        problems.push(FieldProblem::new("autoscalerMin", "autoscaler_min").with("max", MAX_COPIES));
    }
    if !(1..=top).contains(&max) || max < min {
        problems.push(FieldProblem::new("autoscalerMax", "autoscaler_max").with("max", MAX_COPIES));
    }
    problems
}

/// Every write Purser makes is under its own field manager, so `kubectl` and GitOps tools
/// see who set what.
pub fn purser_params() -> PatchParams {
    PatchParams {
        field_manager: Some(MANAGER.into()),
        ..PatchParams::default()
    }
}

/// The `scale` subresource's patch for `replicas` copies; with `version`, it applies only if
/// nobody changed the Deployment since it was read.
pub fn copies_patch(replicas: i32, version: Option<&str>) -> Value {
    conditional(json!({"spec": {"replicas": replicas}}), version)
}

/// An autoscaler's patch for its range; with `version`, conditional as [`copies_patch`].
pub fn range_patch(min: i32, max: i32, version: Option<&str>) -> Value {
    conditional(
        json!({"spec": {"minReplicas": min, "maxReplicas": max}}),
        version,
    )
}

fn conditional(mut patch: Value, version: Option<&str>) -> Value {
    if let Some(version) = version {
        patch["metadata"] = json!({"resourceVersion": version});
    }
    patch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_zero_to_a_hundred() {
        assert_eq!(CopyCount::new(0), Some(CopyCount::ZERO));
        assert_eq!(CopyCount::new(100).map(CopyCount::get), Some(100));
        assert_eq!(CopyCount::new(101), None);
        assert_eq!(CopyCount::new(-1), None);
        assert_eq!(CopyCount::new(i64::from(i32::MAX) + 1), None);
        let problem = CopyCount::parse("replicas", 5_000).unwrap_err();
        assert_eq!(problem.field, "replicas");
        assert_eq!(problem.code, "replicas_range");
        assert!(serde_json::from_value::<CopyCount>(json!(101)).is_err());
        assert_eq!(
            serde_json::from_value::<CopyCount>(json!(7)).ok(),
            CopyCount::new(7)
        );
        assert_eq!(serde_json::to_value(CopyCount::new(7)).ok(), Some(json!(7)));
    }

    #[test]
    fn ranges_and_patches() {
        assert!(range_problems(1, 100).is_empty());
        assert_eq!(range_problems(0, 5).len(), 1);
        assert_eq!(range_problems(6, 5)[0].field, "autoscalerMax");
        assert_eq!(
            copies_patch(3, Some("41")),
            json!({"metadata": {"resourceVersion": "41"}, "spec": {"replicas": 3}})
        );
        assert_eq!(
            range_patch(2, 8, None),
            json!({"spec": {"minReplicas": 2, "maxReplicas": 8}})
        );
    }
}
