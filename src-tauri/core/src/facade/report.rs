//! The one-page meeting report: the cost view on screen with what only the facade knows —
//! the guard's apps and its actions this month (from the audit log), the AWS account's last
//! digits, the OpenAI projects' names as last listed, and the paper the locale uses.

use super::Purser;
use crate::chart::view::ViewError;
use crate::cost::DataOrigin;
use crate::error::AppError;
use crate::guard::activity::GUARD_ACTIONS;
use crate::month::Month;
use crate::report::{build, Paper, ReportInput};
use crate::sync::lock;

/// Whether an audit line is the guard acting or an OpenAI spend limit changing (not the
/// guard's settings or its notices, which change nothing).
fn reported(action: &str) -> bool {
    let acted =
        GUARD_ACTIONS.contains(&action) && !["guardPolicy", "guardNotice"].contains(&action);
    acted || ["openaiCap", "openaiCapRevert"].contains(&action)
}

/// How far back the audit log is read for this month's actions.
const AUDIT_LINES: usize = 1000;

/// A context as the report names it: an EKS context's ARN by its cluster's name (the ARN
/// holds the account number, which the report shows only by its last digits), the sandbox
/// as the window names it.
fn cluster_name(language: crate::locale::Language, context: &str) -> String {
    if context == crate::cluster::SANDBOX_CONTEXT {
        return crate::words::word(language, "deployment.sandboxOption");
    }
    match context.strip_prefix("arn:") {
        Some(arn) => arn.rsplit('/').next().unwrap_or(arn).to_string(),
        None => context.to_string(),
    }
}

/// The last four characters of an account number.
fn last_four(account: &str) -> Option<String> {
    let chars: Vec<char> = account.chars().collect();
    (chars.len() >= 4).then(|| chars[chars.len() - 4..].iter().collect())
}

impl Purser {
    /// The report of the cost view on screen, as PDF bytes, in the interface's language.
    pub fn meeting_report(&self) -> Result<Vec<u8>, AppError> {
        let view = self.views.last().ok_or(ViewError::NothingToExport)?;
        let now = self.clock.now();
        let month = Month::parse(&view.report.current_month).unwrap_or(Month::of(now.date()));
        let this_month = month.to_string();
        // A damaged or unreadable log leaves the section empty rather than the report unmade.
        let guard_actions = self
            .cluster
            .audit()
            .recent(AUDIT_LINES)
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "the audit log could not be read for the report");
                Vec::new()
            })
            .into_iter()
            .filter(|e| e.time.starts_with(&this_month))
            .filter(|e| reported(&e.action))
            .collect();
        let language = self.language();
        let apps = lock(&self.guard)
            .guarded()
            .into_iter()
            .map(|(key, _)| {
                let cluster = cluster_name(language, &key.context);
                format!("{} ({cluster} / {})", key.app, key.namespace)
            })
            .collect();
        let account_end = match view.report.origin {
            DataOrigin::Aws => self
                .credentials
                .aws_identity()
                .and_then(|identity| last_four(&identity.account)),
            DataOrigin::Sample => None,
        };
        let project_names = lock(&self.openai_project_names).clone();
        let input = ReportInput {
            view: &view,
            language,
            paper: Paper::of_locale(self.os_locale.as_deref()),
            now,
            account_end,
            apps,
            project_names: &project_names,
            guard_actions,
            version: env!("CARGO_PKG_VERSION"),
        };
        let report = build(&input)?;
        if report.lines_left_out > 0 {
            tracing::warn!(lines = report.lines_left_out, "the report's page was full");
        }
        Ok(report.pdf)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_eks_context_is_named_by_its_cluster_never_its_account() {
        use crate::locale::Language;
        let arn = "arn:aws:eks:eu-west-1:123456789012:cluster/prod";
        assert_eq!(super::cluster_name(Language::En, arn), "prod");
        assert_eq!(super::cluster_name(Language::En, "staging"), "staging");
        assert_eq!(
            super::cluster_name(Language::Es, "purser-sandbox"),
            "simulación en este ordenador"
        );
    }

    #[test]
    fn only_the_last_four_of_an_account_are_kept() {
        assert_eq!(super::last_four("123456789012").as_deref(), Some("9012"));
        assert_eq!(super::last_four("12"), None);
    }
}
