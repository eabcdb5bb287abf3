//! Amounts and alert thresholds as users type them, in English or Spanish, and the bounds
//! every stored amount is held to. One floor below settings and cost, which both need it.

use crate::locale::Language;

/// Alert thresholds used until the user chooses others: 80 % and 100 % of the budget.
pub const DEFAULT_THRESHOLDS: [u16; 2] = [80, 100];

/// The largest budget Purser accepts (a typo guard, not a judgement).
const MAX_AMOUNT: f64 = 1_000_000_000.0;

/// How a language writes amounts: the decimal separator and the digit-group separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberStyle {
    pub decimal: char,
    pub group: char,
}

impl NumberStyle {
    /// English: 1,500.50.
    pub const ENGLISH: NumberStyle = NumberStyle {
        decimal: '.',
        group: ',',
    };
    /// Spanish: 1.500,50.
    pub const SPANISH: NumberStyle = NumberStyle {
        decimal: ',',
        group: '.',
    };

    /// How `language` writes amounts.
    pub fn of(language: Language) -> Self {
        match language {
            Language::En => Self::ENGLISH,
            Language::Es => Self::SPANISH,
        }
    }

    /// An amount written this way, for messages: "1,500.50" or "1.500,50".
    pub fn example(self) -> String {
        format!("1{}500{}50", self.group, self.decimal)
    }
}

/// What is wrong with a typed amount. Never holds the text itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountProblem {
    #[error("is empty; type the monthly amount, e.g. {example}")]
    Empty { example: String },
    #[error("is not an amount Purser can read; write it like {example}")]
    Unreadable { example: String },
    #[error("has more than two decimals; amounts are in whole cents")]
    TooManyDecimals,
    #[error("must be more than zero")]
    NotPositive,
    #[error("must be at least one cent")]
    BelowACent,
    #[error("is larger than 1,000,000,000; check for extra digits")]
    TooLarge,
}

impl AmountProblem {
    /// The window's message code.
    pub fn code(&self) -> &'static str {
        match self {
            AmountProblem::Empty { .. } => "amount_empty",
            AmountProblem::Unreadable { .. } => "amount_unreadable",
            AmountProblem::TooManyDecimals => "amount_decimals",
            AmountProblem::NotPositive => "amount_not_positive",
            AmountProblem::BelowACent => "amount_below_cent",
            AmountProblem::TooLarge => "amount_too_large",
        }
    }

    /// The example the message shows, if any.
    pub fn example(&self) -> Option<&str> {
        match self {
            AmountProblem::Empty { example } | AmountProblem::Unreadable { example } => {
                Some(example)
            }
            _ => None,
        }
    }
}

/// Parses a budget amount as the user writes it in their language ("1,500.50" in English,
/// "1.500,50" or "1500,50" in Spanish; spaces may group digits too). Refuses what it cannot
/// read unambiguously, more than two decimals (less than a cent), zero and negative amounts.
pub fn parse_amount(text: &str, style: NumberStyle) -> Result<f64, AmountProblem> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if cleaned.is_empty() {
        return Err(AmountProblem::Empty {
            example: style.example(),
        });
    }
    let unreadable = || AmountProblem::Unreadable {
        example: style.example(),
    };
    if cleaned.starts_with('-') {
        return Err(AmountProblem::NotPositive);
    }
    let (whole, cents) = match cleaned.split_once(style.decimal) {
        Some((whole, cents)) => (whole, Some(cents)),
        None => (cleaned.as_str(), None),
    };
    let groups: Vec<&str> = whole.split(style.group).collect();
    let grouped_well = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !groups.iter().all(|g| digits(g)) || !grouped_well {
        return Err(unreadable());
    }
    if let Some(cents) = cents {
        if !digits(cents) {
            return Err(unreadable());
        }
        if cents.len() > 2 {
            return Err(AmountProblem::TooManyDecimals);
        }
    }
    let number = format!("{}.{}", groups.concat(), cents.unwrap_or("0"));
    let amount: f64 = number.parse().map_err(|_| unreadable())?;
    if !amount.is_finite() {
        return Err(unreadable());
    }
    if amount <= 0.0 {
        return Err(AmountProblem::NotPositive);
    }
    if amount > MAX_AMOUNT {
        return Err(AmountProblem::TooLarge);
    }
    Ok(amount)
}

/// A stored amount (a JSON number from the settings file), held to the same rules.
pub fn valid_amount(amount: f64) -> Result<f64, AmountProblem> {
    if !amount.is_finite() {
        return Err(AmountProblem::Unreadable {
            example: NumberStyle::ENGLISH.example(),
        });
    }
    if amount <= 0.0 {
        return Err(AmountProblem::NotPositive);
    }
    if amount < 0.01 {
        return Err(AmountProblem::BelowACent);
    }
    if amount > MAX_AMOUNT {
        return Err(AmountProblem::TooLarge);
    }
    Ok((amount * 100.0).round() / 100.0)
}

/// What is wrong with typed alert thresholds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdProblem {
    #[error("must be whole percentages such as 80, 100")]
    NotWhole,
    #[error("{value} % is outside 1–200 %")]
    OutOfRange { value: u16 },
    #[error("needs at least one percentage, e.g. 80, 100")]
    Empty,
    #[error("may have at most five percentages")]
    TooMany,
}

impl ThresholdProblem {
    /// The window's message code.
    pub fn code(&self) -> &'static str {
        match self {
            ThresholdProblem::NotWhole => "thresholds_not_whole",
            ThresholdProblem::OutOfRange { .. } => "thresholds_out_of_range",
            ThresholdProblem::Empty => "thresholds_empty",
            ThresholdProblem::TooMany => "thresholds_too_many",
        }
    }
}

/// Parses thresholds typed as "80, 100" (percent).
pub fn parse_thresholds(text: &str) -> Result<Vec<u16>, ThresholdProblem> {
    let mut thresholds = Vec::new();
    for part in text.split([',', ' ', ';']).filter(|p| !p.trim().is_empty()) {
        let value: u16 = part
            .trim()
            .trim_end_matches('%')
            .parse()
            .map_err(|_| ThresholdProblem::NotWhole)?;
        if !(1..=200).contains(&value) {
            return Err(ThresholdProblem::OutOfRange { value });
        }
        thresholds.push(value);
    }
    if thresholds.is_empty() {
        return Err(ThresholdProblem::Empty);
    }
    if thresholds.len() > 5 {
        return Err(ThresholdProblem::TooMany);
    }
    thresholds.sort_unstable();
    thresholds.dedup();
    Ok(thresholds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_follow_the_language() {
        let en = NumberStyle::ENGLISH;
        let es = NumberStyle::SPANISH;
        assert_eq!(parse_amount(" 1,500.50 ", en), Ok(1500.5));
        assert_eq!(parse_amount("1500.5", en), Ok(1500.5));
        assert_eq!(parse_amount("1,000,000", en), Ok(1_000_000.0));
        assert_eq!(parse_amount("1.500,50", es), Ok(1500.5));
        assert_eq!(parse_amount("1500,50", es), Ok(1500.5));
        assert_eq!(parse_amount("1 500,50", es), Ok(1500.5));
        assert_eq!(parse_amount("1.500", es), Ok(1500.0));
        assert_eq!(parse_amount("0,01", es), Ok(0.01));
        assert_eq!(parse_amount("99", es), Ok(99.0));
    }

    #[test]
    fn amounts_are_refused_with_a_reason() {
        let en = NumberStyle::ENGLISH;
        let es = NumberStyle::SPANISH;
        for (bad, style, reason) in [
            ("", en, "empty"),
            ("-5", en, "more than zero"),
            ("0", en, "more than zero"),
            ("0.00", en, "more than zero"),
            ("0,00", es, "more than zero"),
            ("0.004", en, "two decimals"),
            ("1,500.505", en, "two decimals"),
            ("NaN", en, "can read"),
            ("inf", en, "can read"),
            ("1e400", en, "can read"),
            ("ten", en, "can read"),
            ("12abc", en, "can read"),
            ("1500,50", en, "1,500.50"),
            ("1.5.0", en, "can read"),
            ("1500.50", es, "1.500,50"),
            ("1,2,3", es, "can read"),
            ("99999999999", en, "larger than"),
        ] {
            let error = parse_amount(bad, style).unwrap_err().to_string();
            assert!(error.contains(reason), "{bad:?}: {error}");
        }
        assert_eq!(valid_amount(0.0).unwrap_err(), AmountProblem::NotPositive);
        assert_eq!(valid_amount(0.004).unwrap_err(), AmountProblem::BelowACent);
        assert!(valid_amount(f64::NAN).is_err());
        assert_eq!(valid_amount(1500.505), Ok(1500.51));
    }

    #[test]
    fn thresholds_are_parsed_or_refused() {
        assert_eq!(parse_thresholds("100, 80%, 80"), Ok(vec![80, 100]));
        assert_eq!(
            parse_thresholds("250"),
            Err(ThresholdProblem::OutOfRange { value: 250 })
        );
        assert_eq!(
            parse_thresholds("0"),
            Err(ThresholdProblem::OutOfRange { value: 0 })
        );
        assert_eq!(parse_thresholds("eighty"), Err(ThresholdProblem::NotWhole));
        assert_eq!(parse_thresholds(""), Err(ThresholdProblem::Empty));
        assert_eq!(
            parse_thresholds("1,2,3,4,5,6"),
            Err(ThresholdProblem::TooMany)
        );
        assert!(parse_thresholds("-10").is_err());
    }
}
