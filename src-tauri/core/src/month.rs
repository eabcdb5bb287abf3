//! A calendar month: arithmetic on `time::Date`, and the two ways Purser writes one
//! (`YYYY-MM` in its records and meters, `YYYY-MM-01` as Cost Explorer starts a period).

use time::{Date, Month as CalendarMonth};

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u8,
}

impl Month {
    pub fn of(date: Date) -> Self {
        Self {
            year: date.year(),
            month: u8::from(date.month()),
        }
    }

    /// `n` months later (negative = earlier).
    pub fn plus(self, n: i32) -> Self {
        let index = self.year * 12 + i32::from(self.month) - 1 + n;
        Self {
            year: index.div_euclid(12),
            month: (index.rem_euclid(12) + 1) as u8,
        }
    }

    /// The first day of the month.
    pub fn first_day(self) -> Date {
        let month = CalendarMonth::try_from(self.month).unwrap_or(CalendarMonth::January);
        Date::from_calendar_date(self.year, month, 1).unwrap_or(Date::MIN)
    }

    /// `YYYY-MM-01`, as Cost Explorer writes period starts.
    pub fn iso_start(self) -> String {
        format!("{:04}-{:02}-01", self.year, self.month)
    }

    /// Parses `YYYY-MM-DD` (or `YYYY-MM`) into its month.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('-');
        let year = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.get(..2)?.parse().ok()?;
        (1..=12).contains(&month).then_some(Self { year, month })
    }
}

/// `YYYY-MM`, as Purser's records and meters name a month.
impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// `YYYY-MM-DD`.
pub fn iso_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn month_arithmetic_crosses_years() {
        let nov = Month::of(date!(2026 - 11 - 25));
        assert_eq!(
            nov.plus(2),
            Month {
                year: 2027,
                month: 1
            }
        );
        assert_eq!(
            nov.plus(-11),
            Month {
                year: 2025,
                month: 12
            }
        );
        assert_eq!(
            nov.plus(-23),
            Month {
                year: 2024,
                month: 12
            }
        );
        assert_eq!(nov.plus(1).first_day(), date!(2026 - 12 - 01));
        assert_eq!(nov.iso_start(), "2026-11-01");
    }

    #[test]
    fn parses_period_starts() {
        assert_eq!(
            Month::parse("2026-03-01"),
            Some(Month {
                year: 2026,
                month: 3
            })
        );
        assert_eq!(Month::parse("2026-13-01"), None);
        assert_eq!(Month::parse("garbage"), None);
    }
}
