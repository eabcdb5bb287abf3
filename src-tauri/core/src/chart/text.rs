//! The chart's words and numbers in the user's language. The chart is drawn in Rust, so its
//! text is the one place the core writes for people directly (the window's text lives in
//! `ui/i18n.js`).

use crate::locale::Language;
use crate::month::Month;

/// The chart's text in one language.
#[derive(Debug, Clone, Copy)]
pub struct ChartText {
    pub language: Language,
    cost_axis: &'static str,
    pub month_axis: &'static str,
    budget: &'static str,
    pub forecast_legend: &'static str,
    pub budget_legend: &'static str,
    pub other: &'static str,
    months: [&'static str; 12],
}

const ENGLISH: ChartText = ChartText {
    language: Language::En,
    cost_axis: "Cost",
    month_axis: "Month",
    budget: "Budget",
    forecast_legend: "Forecast, rest of month (80 % range)",
    budget_legend: "Budget (outline: month over it)",
    other: "Other",
    months: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
};

const SPANISH: ChartText = ChartText {
    language: Language::Es,
    cost_axis: "Coste",
    month_axis: "Mes",
    budget: "Presupuesto",
    forecast_legend: "Previsión, resto del mes (intervalo del 80 %)",
    budget_legend: "Presupuesto (contorno: mes por encima)",
    other: "Otros",
    months: [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
    ],
};

impl ChartText {
    pub fn of(language: Language) -> &'static ChartText {
        match language {
            Language::En => &ENGLISH,
            Language::Es => &SPANISH,
        }
    }

    /// The y axis' title, e.g. "Cost (USD)".
    pub fn cost_axis(&self, currency: &str) -> String {
        format!("{} ({currency})", self.cost_axis)
    }

    /// The budget line's label, e.g. "Budget $1,500".
    pub fn budget_label(&self, amount: f64, currency: &str) -> String {
        format!("{} {}", self.budget, self.money(amount, currency))
    }

    /// A month under its bar, e.g. "Nov 26" or "nov 26".
    pub fn month(&self, month: Month) -> String {
        format!(
            "{} {:02}",
            self.months[usize::from(month.month.clamp(1, 12) - 1)],
            month.year.rem_euclid(100)
        )
    }

    /// Money in whole units as the language writes it: `$1,234` or `1.234 US$` (other
    /// currencies by their code: `1,234 EUR`, `1.234 EUR`).
    pub fn money(&self, amount: f64, currency: &str) -> String {
        let rounded = amount.round() as i64;
        let group = match self.language {
            Language::En => ',',
            Language::Es => '.',
        };
        let digits = rounded.unsigned_abs().to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(group);
            }
            grouped.push(c);
        }
        let sign = if rounded < 0 { "-" } else { "" };
        match (self.language, currency) {
            (Language::En, "USD") => format!("{sign}${grouped}"),
            (Language::Es, "USD") => format!("{sign}{grouped} US$"),
            _ => format!("{sign}{grouped} {currency}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_as_each_language_writes_it() {
        let en = ChartText::of(Language::En);
        assert_eq!(en.money(1234.4, "USD"), "$1,234");
        assert_eq!(en.money(0.0, "USD"), "$0");
        assert_eq!(en.money(1_000_000.0, "EUR"), "1,000,000 EUR");
        assert_eq!(en.money(-12.0, "USD"), "-$12");
        let es = ChartText::of(Language::Es);
        assert_eq!(es.money(1234.4, "USD"), "1.234 US$");
        assert_eq!(es.budget_label(1500.0, "USD"), "Presupuesto 1.500 US$");
        assert_eq!(
            es.month(Month {
                year: 2026,
                month: 9
            }),
            "sept 26"
        );
    }
}
