//! Kubernetes resource quantities (`250m`, `0.5`, `512Mi`, `1G`, `1e3`), parsed the way the API
//! server accepts them. Used to validate the app form and by the simulated scheduler.

/// The value of a quantity in base units (cores or bytes), or `None` if it is not one.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let digits = number.strip_prefix(['+', '-']).unwrap_or(number);
    if digits.is_empty()
        || digits.starts_with('.') && digits.len() == 1
        || digits.matches('.').count() > 1
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let multiplier = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exponent => {
            let power = exponent.strip_prefix(['e', 'E'])?;
            let power: i32 = power.parse().ok()?;
            10f64.powi(power)
        }
    };
    // "1e400" parses as infinity; no resource is that large.
    Some(value * multiplier).filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn accepts_what_kubernetes_accepts() {
        assert_eq!(parse("250m"), Some(0.25));
        assert_eq!(parse("1"), Some(1.0));
        assert_eq!(parse("0.5"), Some(0.5));
        assert_eq!(parse("512Mi"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(parse("1G"), Some(1e9));
        assert_eq!(parse("1e3"), Some(1000.0));
    }

    #[test]
    fn refuses_the_rest() {
        for bad in [
            "", "abc", "250 m", "1.2.3", "12MB", "m", "--1", "1x", ".", "1e400", "1e308Ei",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
