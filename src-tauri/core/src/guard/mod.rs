//! The budget guard: watches the month's cost against the budget and, as each app's policy
//! allows, tells the user, proposes a scale-down or makes one — never up, never without a
//! record, always revertible.
//!
//! [`evaluate`] decides from figures alone; [`service`] runs one round per app over small
//! [`ports`] (the cluster, the figures, the records, the notifier, the audit log), so the
//! desktop and a job in the cluster run the same guard; [`record`] is what it remembers of
//! an app and [`state`] the desktop's store of those records; [`price`] estimates what a copy
//! costs and [`copy_hours`] replays the audit log into the copy-hours a month's tagged cost is
//! divided by.

pub mod activity;
pub mod caps;
pub mod cluster_ops;
pub mod copy_hours;
pub mod error;
pub mod evaluate;
#[cfg(any(test, feature = "testing"))]
pub mod fakes;
pub mod gitops;
pub mod in_cluster;
pub mod install;
pub mod installer;
pub mod level;
pub mod notice;
pub mod openai_lever;
pub mod openai_round;
pub mod ports;
pub mod price;
pub mod record;
mod round;
mod round_tell;
pub mod service;
pub mod shared;
pub mod state;
mod window;

pub use error::GuardError;
pub use evaluate::{evaluate, Action, Copies, Decision, Inputs, Policy, Range, Reason, Target};
pub use notice::{failure, notice};
pub use openai_lever::Lever;
pub use openai_round::parts as openai_lever_parts;
pub use price::{
    from_requests, from_tagged, priced_sizes, CopyCost, Measured, PricedSize, Prices, Size, SIZES,
};
pub use record::{AppRecord, ClusterIdentity, HoldChoice, LastCheck, Proposal, RevertRecord};
pub use record::{CapProposal, CapRecord, Hold, TaggedFailure, TaggedMonth, UidOf};
pub use service::{GuardService, Held, Initiator, Paused, Ports, RoundLocks, COOLDOWN};
pub use shared::{ClusterRecords, KeptFigures, Shared, SharedBudget};
pub use state::{AppKey, ClusterSeen, CostTagging, DesktopRecords, GuardState};
