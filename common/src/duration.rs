//! Durations written with a unit, as operators type them: `900s`, `15m`, `1h`, `7d`.

use std::time::Duration;

/// Parses `<digits><unit>` with unit `s`, `m`, `h` or `d`. A bare number is
/// refused on purpose: `JWT_TTL=3600` could mean seconds or minutes, and
/// guessing wrong silently issues tokens that live 60 times too long.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let unit_at = text.char_indices().last().map(|(i, _)| i).ok_or_else(|| "empty value".to_string())?;
    let (digits, unit) = text.split_at(unit_at);
    let multiplier: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err("missing unit (use s, m, h or d, e.g. 15m)".to_string()),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected a whole number followed by s, m, h or d".to_string());
    }
    let value: u64 = digits.parse().map_err(|_| "number too large".to_string())?;
    value.checked_mul(multiplier).map(Duration::from_secs).ok_or_else(|| "duration too large".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit() {
        assert_eq!(parse_duration("900s"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn refuses_bare_numbers_and_unknown_units() {
        for bad in ["3600", "", "h", "1.5h", "-1s", "1w", "1 h", "1H", "s1", "+1s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn refuses_overflow() {
        assert!(parse_duration("99999999999999999999s").is_err());
        assert!(parse_duration("999999999999999999d").is_err());
    }
}
