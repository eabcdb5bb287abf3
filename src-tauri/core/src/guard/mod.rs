//! The budget guard: watches the month's cost against the budget and, as each app's policy
//! allows, tells the user, proposes a scale-down or makes one — never up, never without a
//! record, always revertible. [`evaluate`] decides from figures alone; [`price`] estimates
//! what a copy costs; [`copy_hours`] replays
//! the audit log into the copy-hours a month's tagged cost is divided by.

pub mod copy_hours;
pub mod evaluate;
pub mod price;
pub mod state;

pub use evaluate::{evaluate, Action, Copies, Decision, Inputs, Policy, Range, Reason, Target};
pub use price::{from_requests, from_tagged, CopyCost, Measured, Prices};
pub use state::{AppGuard, AppKey, GuardState, Proposal, TaggedMonth};
