//! Whether a GitOps tool keeps the app as Git says: Argo CD and Flux mark what they manage
//! with labels and annotations, and their controllers sign the fields they write. On such an
//! app a scale-down is undone by the tool's self-heal, so the guard says so before acting
//! (and offers "tell me only") instead of fighting it.

use std::collections::BTreeMap;

use serde::Serialize;

/// A GitOps tool that manages an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GitOps {
    ArgoCd,
    Flux,
}

impl GitOps {
    /// The tool's name, the same in every language.
    pub fn name(self) -> &'static str {
        match self {
            GitOps::ArgoCd => "Argo CD",
            GitOps::Flux => "Flux",
        }
    }
}

/// Argo CD's tracking annotation and label.
const ARGO_MARKS: [&str; 2] = [
    "argocd.argoproj.io/tracking-id",
    "argocd.argoproj.io/instance",
];
/// Flux's kustomize and helm controllers' labels.
const FLUX_MARKS: [&str; 3] = [
    "kustomize.toolkit.fluxcd.io/name",
    "helm.toolkit.fluxcd.io/name",
    "kustomize.toolkit.fluxcd.io/namespace",
];

/// The tool whose marks are on an object's labels or annotations, or whose controller is one
/// of the field managers.
pub fn detect(
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    managers: &[String],
) -> Option<GitOps> {
    let marked = |marks: &[&str]| {
        marks
            .iter()
            .any(|m| labels.contains_key(*m) || annotations.contains_key(*m))
    };
    if marked(&ARGO_MARKS) || managers.iter().any(|m| m.starts_with("argocd")) {
        return Some(GitOps::ArgoCd);
    }
    let flux_manager = |m: &String| m == "kustomize-controller" || m == "helm-controller";
    if marked(&FLUX_MARKS) || managers.iter().any(flux_manager) {
        return Some(GitOps::Flux);
    }
    None
}

/// Who a field manager is, in words: the GitOps tool's name for its controllers.
pub fn who(manager: &str) -> String {
    match manager {
        m if m.starts_with("argocd") => GitOps::ArgoCd.name().into(),
        "kustomize-controller" | "helm-controller" => GitOps::Flux.name().into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn argo_and_flux_are_told_by_their_marks_or_their_controllers() {
        let none = map(&[]);
        let tracking = map(&[("argocd.argoproj.io/tracking-id", "shop:apps/Deployment:x")]);
        assert_eq!(detect(&none, &tracking, &[]), Some(GitOps::ArgoCd));
        let flux = map(&[("kustomize.toolkit.fluxcd.io/name", "apps")]);
        assert_eq!(detect(&flux, &none, &[]), Some(GitOps::Flux));
        let helm = map(&[("app.kubernetes.io/instance", "x"), ("helm.sh/chart", "x")]);
        assert_eq!(
            detect(&helm, &none, &[]),
            None,
            "Helm alone self-heals nothing"
        );
        let managers = vec!["argocd-controller".to_string()];
        assert_eq!(detect(&none, &none, &managers), Some(GitOps::ArgoCd));
        assert_eq!(who("kustomize-controller"), "Flux");
        assert_eq!(who("kubectl"), "kubectl");
    }
}
