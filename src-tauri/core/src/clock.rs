//! Time as Purser reads and writes it.

use time::OffsetDateTime;

/// Where "now" comes from for decisions that depend on it (which month is open, whether cached
/// figures are fresh). Tests use a fixed one.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> OffsetDateTime;
}

/// The computer's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// The current time as RFC 3339 (UTC), e.g. `2026-11-27T20:52:09.123Z`, for records of what
/// happened (audit lines, check results).
pub fn now_rfc3339() -> String {
    rfc3339(OffsetDateTime::now_utc())
}

/// `at` as RFC 3339.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Reads an RFC 3339 time; `None` when it is not one.
pub fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}
