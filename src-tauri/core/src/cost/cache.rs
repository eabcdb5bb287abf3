//! The on-disk cache of Cost Explorer answers and the meter of requests made this month.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::stored::CachedReport;
use crate::files::write_atomic;
use crate::sync::lock;

/// Cost Explorer refreshes its data a few times a day; asking more often only costs money.
pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// What AWS charges per Cost Explorer API request (each page counts).
pub const PRICE_PER_REQUEST_USD: f64 = 0.01;

/// 2: the forecast's fields in camelCase, errors as codes.
const CACHE_VERSION: u32 = 2;

/// Cached answers, one JSON file per query, in the app cache dir. A file that cannot be read
/// is treated as missing (and replaced on the next refresh).
#[derive(Debug, Clone)]
pub struct CostCache {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    version: u32,
    key: String,
    report: CachedReport,
}

impl CostCache {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The cached report for `key`, whatever its age.
    pub fn get(&self, key: &str) -> Option<CachedReport> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        match serde_json::from_slice::<Entry>(&bytes) {
            Ok(entry) if entry.version == CACHE_VERSION && entry.key == key => {
                // Held to the rules of a fresh answer: a file edited or damaged on disk must
                // not reach the chart or an export.
                match entry.report.series.validate() {
                    Ok(()) => Some(entry.report),
                    Err(why) => {
                        tracing::warn!(%why, "discarding a cost cache file that breaks the rules");
                        None
                    }
                }
            }
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, "discarding unreadable cost cache file");
                let _ = std::fs::remove_file(self.path(key));
                None
            }
        }
    }

    pub fn put(&self, key: &str, report: &CachedReport) {
        let entry = Entry {
            version: CACHE_VERSION,
            key: key.to_string(),
            report: report.clone(),
        };
        let saved = serde_json::to_vec(&entry)
            .map_err(std::io::Error::other)
            .and_then(|json| write_atomic(&self.path(key), &json));
        if let Err(error) = saved {
            // The figures are still shown; only the next open will have to ask again.
            tracing::warn!(%error, "cannot write the cost cache");
        }
    }

    /// The file for a key: a stable hash, so any query maps to a safe file name.
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir
            .join(format!("cost-{:016x}.json", fnv1a(key.as_bytes())))
    }
}

/// FNV-1a: stable across builds and platforms, unlike `DefaultHasher`.
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The monthly cap on Cost Explorer requests unless the user sets another: 300 requests
/// are $3.00, far above what a month of hourly checks needs (about 4 a day).
pub const DEFAULT_REQUEST_CAP: u32 = 300;

/// Counts Cost Explorer requests per calendar month (every attempt, the SDK's retries too),
/// kept in the app data dir, and holds the monthly cap.
#[derive(Debug)]
pub struct RequestMeter {
    path: PathBuf,
    state: Mutex<MeterState>,
    /// No request is made once this many were made in a month (0: no cap).
    cap: AtomicU32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct MeterState {
    /// `YYYY-MM`.
    month: String,
    requests: u32,
}

impl RequestMeter {
    /// Cost Explorer's meter.
    pub fn new(data_dir: &Path) -> Self {
        Self::named(data_dir, "cost-requests.json")
    }

    /// A meter kept in `file` in the data dir (OpenAI's requests are counted apart).
    pub fn named(data_dir: &Path, file: &str) -> Self {
        let path = data_dir.join(file);
        let state = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Self {
            path,
            state: Mutex::new(state),
            cap: AtomicU32::new(0),
        }
    }

    /// Sets the monthly cap (0: none).
    pub fn set_cap(&self, cap: u32) {
        self.cap.store(cap, Ordering::Relaxed);
    }

    /// The cap, when `month` (`YYYY-MM`) has reached it.
    pub fn cap_reached(&self, month: &str) -> Option<u32> {
        let cap = self.cap.load(Ordering::Relaxed);
        (cap > 0 && self.requests_in(month) >= cap).then_some(cap)
    }

    /// Counts one request made in `month` (`YYYY-MM`).
    pub fn record(&self, month: &str) {
        let mut state = lock(&self.state);
        if state.month != month {
            *state = MeterState {
                month: month.to_string(),
                requests: 0,
            };
        }
        state.requests += 1;
        if let Err(error) = serde_json::to_vec(&*state)
            .map_err(std::io::Error::other)
            .and_then(|json| write_atomic(&self.path, &json))
        {
            tracing::warn!(%error, "cannot save the Cost Explorer request count");
        }
    }

    /// Requests made in `month` (`YYYY-MM`).
    pub fn requests_in(&self, month: &str) -> u32 {
        let state = lock(&self.state);
        if state.month == month {
            state.requests
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_counts_per_month_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let meter = RequestMeter::new(dir.path());
        meter.record("2026-11");
        meter.record("2026-11");
        assert_eq!(RequestMeter::new(dir.path()).requests_in("2026-11"), 2);
        meter.record("2026-12");
        assert_eq!(meter.requests_in("2026-12"), 1);
        assert_eq!(meter.requests_in("2026-11"), 0);
    }

    #[test]
    fn the_cap_is_reached_per_month() {
        let dir = tempfile::tempdir().unwrap();
        let meter = RequestMeter::new(dir.path());
        meter.record("2026-11");
        assert_eq!(meter.cap_reached("2026-11"), None, "no cap set");
        meter.set_cap(2);
        assert_eq!(meter.cap_reached("2026-11"), None);
        meter.record("2026-11");
        assert_eq!(meter.cap_reached("2026-11"), Some(2));
        assert_eq!(meter.cap_reached("2026-12"), None, "a new month");
    }

    #[test]
    fn a_damaged_cache_entry_is_treated_as_missing() {
        use crate::cost::ForecastState;
        use crate::cost::{CostSeries, MonthCost};
        let dir = tempfile::tempdir().unwrap();
        let cache = CostCache::new(dir.path().to_path_buf());
        let report = |month: &str, amount: f64| CachedReport {
            fetched_at: 0,
            series: CostSeries {
                currency: "USD".into(),
                months: vec![MonthCost {
                    month: month.into(),
                    services: vec![("EC2".into(), amount)],
                    estimated: false,
                }],
            },
            forecast: ForecastState::NotEnoughHistory,
        };
        cache.put("q", &report("2026-11-01", 1.0));
        assert!(cache.get("q").is_some());
        // A short month once crashed the CSV export at a string slice.
        for (month, amount) in [("2026-1", 1.0), ("", 1.0), ("2026-11-01", f64::INFINITY)] {
            cache.put("q", &report(month, amount));
            assert!(cache.get("q").is_none(), "{month:?} {amount}");
        }
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
