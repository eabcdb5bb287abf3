//! Time as Purser writes it.

/// The current time as RFC 3339 (UTC), e.g. `2026-11-27T20:52:09.123Z`.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
