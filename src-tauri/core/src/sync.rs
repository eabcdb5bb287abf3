//! Lock helpers shared by every module that keeps state behind a mutex.

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex, recovering the data if another thread panicked while holding it: the values
/// Purser keeps behind its locks are always left consistent (they are replaced whole).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
