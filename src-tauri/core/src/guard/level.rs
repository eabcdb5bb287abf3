//! A level the guard sets or puts back — copies, or an autoscaler's range — held to the same
//! bounds as the window's scale control, whoever wrote it (the guard's record, an annotation
//! someone edited, a file from an older Purser).

use super::Target as Level;

use crate::cluster::copies::{range_problems, CopyCount};

/// Why a level cannot be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelProblem {
    /// Copies outside 0..=100.
    Copies,
    /// A range with min < 1, max > 100 or min > max.
    Range,
}

impl Level {
    /// The most copies this level allows: the copies, or the autoscaler's maximum.
    pub fn top(&self) -> i32 {
        match *self {
            Level::Copies { replicas } => replicas,
            Level::Autoscaler { max, .. } => max,
        }
    }

    /// Whether the window would let a person set this level.
    pub fn check(&self) -> Result<(), LevelProblem> {
        match *self {
            Level::Copies { replicas } if CopyCount::new(replicas.into()).is_some() => Ok(()),
            Level::Copies { .. } => Err(LevelProblem::Copies),
            Level::Autoscaler { min, max } if range_problems(min.into(), max.into()).is_empty() => {
                Ok(())
            }
            Level::Autoscaler { .. } => Err(LevelProblem::Range),
        }
    }

    /// "6", or an autoscaler's "2–10", as both languages write it.
    pub fn text(&self) -> String {
        match *self {
            Level::Copies { replicas } => replicas.to_string(),
            Level::Autoscaler { min, max } => format!("{min}–{max}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_held_to_the_scale_controls_bounds() {
        let copies = |replicas| Level::Copies { replicas };
        let range = |min, max| Level::Autoscaler { min, max };
        assert_eq!(copies(0).check(), Ok(()));
        assert_eq!(copies(100).check(), Ok(()));
        assert_eq!(copies(5000).check(), Err(LevelProblem::Copies));
        assert_eq!(copies(-1).check(), Err(LevelProblem::Copies));
        assert_eq!(range(1, 100).check(), Ok(()));
        assert_eq!(range(0, 3).check(), Err(LevelProblem::Range));
        assert_eq!(range(5, 3).check(), Err(LevelProblem::Range));
        assert_eq!(range(2, 101).check(), Err(LevelProblem::Range));
        assert_eq!(range(2, 8).top(), 8);
        assert_eq!(range(2, 8).text(), "2–8");
    }
}
