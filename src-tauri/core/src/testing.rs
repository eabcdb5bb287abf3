//! Fakes for tests of the code above the core (the app's commands) and of the core itself:
//! a keychain in memory, a clock that does not move, and backends that reach nothing outside
//! this computer. Behind the `testing` feature, never in the app.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use crate::clock::Clock;
use crate::cluster::{KubeconfigSource, Timeouts};
use crate::facade::{AwsEndpoints, Backends};
use crate::secrets::{Secret, SecretError, SecretKind, SecretStore};
use crate::sync::lock;

/// A keychain in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    values: Mutex<HashMap<SecretKind, String>>,
    /// How long every read blocks before it answers (a keychain that hangs).
    stall: Mutex<Option<std::time::Duration>>,
}

impl MemoryStore {
    /// Makes every read block for `stall` first (`None`: answer at once).
    pub fn stall_reads(&self, stall: Option<std::time::Duration>) {
        *lock(&self.stall) = stall;
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, kind: SecretKind) -> Result<Option<Secret>, SecretError> {
        let stall = *lock(&self.stall);
        if let Some(stall) = stall {
            std::thread::sleep(stall);
        }
        Ok(lock(&self.values).get(&kind).map(Secret::new))
    }
    fn set(&self, kind: SecretKind, secret: &Secret) -> Result<(), SecretError> {
        lock(&self.values).insert(kind, secret.expose().to_string());
        Ok(())
    }
    fn delete(&self, kind: SecretKind) -> Result<bool, SecretError> {
        Ok(lock(&self.values).remove(&kind).is_some())
    }
}

/// A clock stopped at one moment.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// A clock a test moves by hand.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(at: OffsetDateTime) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: OffsetDateTime) {
        *lock(&self.0) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *lock(&self.0)
    }
}

/// An address where nothing listens: AWS calls fail at once instead of leaving the computer.
pub const NOWHERE: &str = "http://127.0.0.1:9";

/// Backends that keep a test on this computer: an empty keychain in memory, no kubeconfig
/// (only the built-in sandbox), AWS pointed where nothing answers, the system clock.
pub fn backends() -> Backends {
    Backends {
        secrets: Arc::new(MemoryStore::default()),
        kubeconfig: KubeconfigSource::Files(Vec::new()),
        aws: AwsEndpoints {
            sts: Some(NOWHERE.into()),
            cost_usage: Some(NOWHERE.into()),
            cost_forecast: Some(NOWHERE.into()),
        },
        openai_admin: format!("{NOWHERE}/v1"),
        clock: Arc::new(crate::clock::SystemClock),
        timeouts: Timeouts::default(),
    }
}
