//! The first-run guide: three steps (keys or an AWS profile, a cluster or the sandbox, a
//! budget), each done when what it sets up is there, or skipped by the user; closed by the
//! user (or by "just look around with sample data") and opened again from the overview.
//! Its state is a small file in the data folder (`guide.json`), not a setting: it is where
//! the user is, not what they chose. No secrets.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::files::write_atomic;
use crate::sync::lock;

const FILE: &str = "guide.json";

/// One step of the guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    Keys,
    Cluster,
    Budget,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Keys, Step::Cluster, Step::Budget];
}

/// What is set up, as the facade finds it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Setup {
    /// An OpenAI or AWS key in the keychain, or an AWS profile chosen.
    pub keys: bool,
    /// A cluster chosen (the sandbox counts).
    pub cluster: bool,
    pub budget: bool,
}

impl Setup {
    fn has(self, step: Step) -> bool {
        match step {
            Step::Keys => self.keys,
            Step::Cluster => self.cluster,
            Step::Budget => self.budget,
        }
    }

    /// Whether anything at all is set up.
    pub fn any(self) -> bool {
        self.keys || self.cluster || self.budget
    }
}

/// What the user did with the guide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct GuideFile {
    closed: bool,
    skipped: BTreeSet<Step>,
}

/// One step as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    pub step: Step,
    pub done: bool,
    pub skipped: bool,
}

/// The guide as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuideView {
    /// Shown now: not closed, and a step is neither done nor skipped.
    pub open: bool,
    pub steps: Vec<StepView>,
    /// Steps done (skipped ones are not).
    pub done: usize,
}

/// What the user asks of the guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", content = "step", rename_all = "lowercase")]
pub enum GuideAction {
    Skip(Step),
    /// Closed, as "just look around with sample data" closes it.
    Close,
    /// Opened again from the overview: every skipped step is offered again.
    Resume,
}

/// The guide's state, kept in the data folder.
#[derive(Debug)]
pub struct Guide {
    path: PathBuf,
    file: Mutex<GuideFile>,
}

impl Guide {
    /// Reads `guide.json` from `dir`; a missing or unreadable one is a guide not yet used.
    pub fn load(dir: &Path) -> Self {
        let path = dir.join(FILE);
        let file = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            path,
            file: Mutex::new(file),
        }
    }

    /// Whether the user closed it.
    pub fn closed(&self) -> bool {
        lock(&self.file).closed
    }

    /// The guide for what is set up now.
    pub fn view(&self, setup: Setup) -> GuideView {
        let file = lock(&self.file);
        let steps: Vec<StepView> = Step::ALL
            .iter()
            .map(|&step| StepView {
                step,
                done: setup.has(step),
                skipped: file.skipped.contains(&step),
            })
            .collect();
        let open = !file.closed && steps.iter().any(|s| !s.done && !s.skipped);
        GuideView {
            open,
            done: steps.iter().filter(|s| s.done).count(),
            steps,
        }
    }

    /// Does what the user asked and remembers it. A file that cannot be written is logged:
    /// the guide then asks again next time, which loses nothing.
    pub fn act(&self, action: GuideAction) {
        let mut file = lock(&self.file);
        match action {
            GuideAction::Skip(step) => {
                file.skipped.insert(step);
            }
            GuideAction::Close => file.closed = true,
            GuideAction::Resume => *file = GuideFile::default(),
        }
        let saved = serde_json::to_vec(&*file)
            .map_err(std::io::Error::other)
            .and_then(|json| write_atomic(&self.path, &json));
        if let Err(error) = saved {
            tracing::warn!(%error, "the guide's state could not be saved");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_done_by_setting_up_skipped_by_the_user_and_resumed_from_the_overview() {
        let dir = tempfile::tempdir().unwrap();
        let guide = Guide::load(dir.path());
        let nothing = Setup::default();
        let view = guide.view(nothing);
        assert!(view.open, "a first start opens the guide");
        assert_eq!(view.done, 0);

        guide.act(GuideAction::Skip(Step::Keys));
        let keys_and_budget = Setup {
            cluster: true,
            ..nothing
        };
        let view = guide.view(keys_and_budget);
        assert!(view.open, "the budget is still to do");
        assert_eq!(
            view.steps,
            [
                StepView {
                    step: Step::Keys,
                    done: false,
                    skipped: true
                },
                StepView {
                    step: Step::Cluster,
                    done: true,
                    skipped: false
                },
                StepView {
                    step: Step::Budget,
                    done: false,
                    skipped: false
                },
            ]
        );
        guide.act(GuideAction::Skip(Step::Budget));
        assert!(
            !guide.view(keys_and_budget).open,
            "everything done or skipped"
        );

        // Remembered across a restart; resumed, the skipped steps are offered again.
        let again = Guide::load(dir.path());
        assert!(!again.view(keys_and_budget).open);
        again.act(GuideAction::Resume);
        assert!(again.view(keys_and_budget).open);
        again.act(GuideAction::Close);
        assert!(
            !Guide::load(dir.path()).view(nothing).open,
            "closed stays closed"
        );
    }

    #[test]
    fn the_window_asks_in_json() {
        let skip: GuideAction =
            serde_json::from_str(r#"{"action":"skip","step":"budget"}"#).unwrap();
        assert_eq!(skip, GuideAction::Skip(Step::Budget));
        let close: GuideAction = serde_json::from_str(r#"{"action":"close"}"#).unwrap();
        assert_eq!(close, GuideAction::Close);
        assert!(serde_json::from_str::<GuideAction>(r#"{"action":"skip","step":"x"}"#).is_err());
    }
}
