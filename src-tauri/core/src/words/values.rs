//! Values inside texts as each language writes them — money and moments — for the texts Rust
//! shows itself (desktop notifications). The window writes the same values with `Intl`
//! (`ui/format.js`, `ui/i18n.js`); these follow what `Intl` writes for English and Spanish.

use std::sync::OnceLock;

use crate::locale::Language;
use time::{OffsetDateTime, UtcOffset};

/// No-break space: Spanish puts it between an amount and its currency ("1234 US$").
const NBSP: char = '\u{a0}';

/// An amount in `currency` (ISO 4217): whole units, or to the cent with `cents`.
/// English "$1,235", "€1,234.50", "CHF 1,234"; Spanish "1235 US$", "12.345 US$", "1234,50 €".
pub fn money(language: Language, amount: f64, currency: &str, cents: bool) -> String {
    let decimals = if cents { 2 } else { 0 };
    // Halves away from zero, as Intl rounds (Rust's own formatting rounds them to even).
    let scaled = (amount.abs() * 10f64.powi(decimals)).round() as u128;
    let unit = 10u128.pow(decimals as u32);
    let (whole, fraction) = (scaled / unit, scaled % unit);
    let (decimal, group, min_grouped) = match language {
        Language::En => ('.', ',', 4),
        // Spanish groups only from five digits: "1234", "12.345".
        Language::Es => (',', '.', 5),
    };
    let mut number = grouped(whole, group, min_grouped);
    if cents {
        number.push(decimal);
        number.push_str(&format!("{fraction:02}"));
    }
    let sign = if amount < 0.0 && scaled > 0 { "-" } else { "" };
    match (language, symbol(language, currency)) {
        (Language::En, Some(symbol)) => format!("{sign}{symbol}{number}"),
        (Language::En, None) => format!("{sign}{currency}{NBSP}{number}"),
        (Language::Es, symbol) => {
            format!("{sign}{number}{NBSP}{}", symbol.unwrap_or(currency))
        }
    }
}

fn grouped(whole: u128, group: char, min_grouped: usize) -> String {
    let digits = whole.to_string();
    if digits.len() < min_grouped {
        return digits;
    }
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(digit);
    }
    out
}

/// The currency's symbol where the language has one of its own (else its code is written).
fn symbol(language: Language, currency: &str) -> Option<&'static str> {
    match (language, currency) {
        (Language::En, "USD") => Some("$"),
        (Language::En, "EUR") | (Language::Es, "EUR") => Some("€"),
        (Language::En, "GBP") => Some("£"),
        (Language::En, "JPY") => Some("¥"),
        (Language::En, "CAD") => Some("CA$"),
        (Language::En, "AUD") => Some("A$"),
        (Language::En, "MXN") => Some("MX$"),
        (Language::Es, "USD") => Some("US$"),
        _ => None,
    }
}

/// This computer's offset from UTC, read once at start-up by [`read_local_offset`] (the only
/// moment it can be read soundly on Linux: before any thread is started). UTC if it could not.
static LOCAL_OFFSET: OnceLock<UtcOffset> = OnceLock::new();

/// Reads this computer's UTC offset; call first thing in `main`, before threads start.
pub fn read_local_offset() {
    let offset = UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC);
    let _ = LOCAL_OFFSET.set(offset);
}

fn local_offset() -> UtcOffset {
    LOCAL_OFFSET.get().copied().unwrap_or(UtcOffset::UTC)
}

const SHORT_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const LONG_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const SHORT_ES: [&str; 12] = [
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
];
const LONG_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// A moment (RFC 3339) as this computer's clock writes it, as the window does: the time alone
/// today ("07:14 PM", "19:14"), with the day otherwise ("Dec 1, 07:14 PM", "1 dic, 19:14"),
/// and a day's start as the day alone ("January 1", "1 de enero"). Text that is not a moment
/// is written as it is.
pub fn moment(language: Language, text: &str, now: OffsetDateTime) -> String {
    let format = &time::format_description::well_known::Rfc3339;
    let Ok(at) = OffsetDateTime::parse(text, format) else {
        return text.to_string();
    };
    let offset = local_offset();
    let (at, now) = (at.to_offset(offset), now.to_offset(offset));
    let month = usize::from(u8::from(at.month())) - 1;
    let day = at.day();
    // Exactly a day's start: a moment in its first minute (a look at 00:00:30) keeps its time.
    if at.time() == time::Time::MIDNIGHT {
        return match language {
            Language::En => format!("{} {day}", LONG_EN[month]),
            Language::Es => format!("{day} de {}", LONG_ES[month]),
        };
    }
    let clock = match language {
        Language::En => {
            let hour = match at.hour() % 12 {
                0 => 12,
                h => h,
            };
            let half = if at.hour() < 12 { "AM" } else { "PM" };
            format!("{hour:02}:{:02} {half}", at.minute())
        }
        Language::Es => format!("{:02}:{:02}", at.hour(), at.minute()),
    };
    if at.date() == now.date() {
        return clock;
    }
    match language {
        Language::En => format!("{} {day}, {clock}", SHORT_EN[month]),
        Language::Es => format!("{day} {}, {clock}", SHORT_ES[month]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn money_as_intl_writes_it() {
        let en = |a, c, cents| money(Language::En, a, c, cents);
        let es = |a, c, cents| money(Language::Es, a, c, cents);
        assert_eq!(en(1234.5, "USD", false), "$1,235");
        assert_eq!(en(1234.5, "USD", true), "$1,234.50");
        assert_eq!(en(12345.0, "EUR", false), "€12,345");
        assert_eq!(en(1234.0, "CHF", false), "CHF\u{a0}1,234");
        assert_eq!(en(-50.0, "USD", false), "-$50");
        assert_eq!(en(999.0, "USD", false), "$999");
        assert_eq!(es(1234.5, "USD", false), "1235\u{a0}US$");
        assert_eq!(es(1234.5, "USD", true), "1234,50\u{a0}US$");
        assert_eq!(es(12345.0, "USD", false), "12.345\u{a0}US$");
        assert_eq!(es(1234567.0, "EUR", false), "1.234.567\u{a0}€");
        assert_eq!(es(999.0, "GBP", false), "999\u{a0}GBP");
    }

    #[test]
    fn moments_as_the_window_writes_them() {
        let now = datetime!(2026-12-01 20:00 UTC);
        // The test process reads no offset: UTC.
        assert_eq!(
            moment(Language::En, "2026-12-01T19:14:00Z", now),
            "07:14 PM"
        );
        assert_eq!(moment(Language::Es, "2026-12-01T19:14:00Z", now), "19:14");
        assert_eq!(
            moment(Language::En, "2026-11-03T00:05:00Z", now),
            "Nov 3, 12:05 AM"
        );
        assert_eq!(
            moment(Language::Es, "2026-09-03T12:05:00Z", now),
            "3 sept, 12:05"
        );
        assert_eq!(
            moment(Language::En, "2027-01-01T00:00:00Z", now),
            "January 1"
        );
        assert_eq!(
            moment(Language::Es, "2027-01-01T00:00:00Z", now),
            "1 de enero"
        );
        assert_eq!(moment(Language::Es, "2026-12-01T00:00:30Z", now), "00:00");
        assert_eq!(moment(Language::Es, "not a time", now), "not a time");
    }
}
