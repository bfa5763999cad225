//! Durations as users and Prometheus write them: `300ms`, `5m`, `1h30m`, `3d`.

/// Milliseconds of a duration string, or `None` when it is not one.
pub(crate) fn parse_ms(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            "y" => 31_536_000_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(factor)?)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// The canonical Prometheus spelling of a duration: `90m` → `1h30m`, `86400s` → `1d`.
pub(crate) fn format_ms(mut ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::with_capacity(8);
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ] {
        if ms >= size {
            // Without the formatting machinery: rule and test generation spell tens
            // of thousands of durations.
            let mut digits = [0u8; 39];
            out.push_str(crate::decimal::decimal_digits(
                u128::from(ms / size),
                &mut digits,
            ));
            out.push_str(unit);
            ms %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_canonically() {
        assert_eq!(parse_ms("300ms"), Some(300));
        assert_eq!(parse_ms("1h30m"), Some(5_400_000));
        assert_eq!(parse_ms("3d"), Some(259_200_000));
        assert_eq!(parse_ms("5"), None);
        assert_eq!(parse_ms("m"), None);
        assert_eq!(format_ms(5_400_000), "1h30m");
        assert_eq!(format_ms(86_400_000), "1d");
        assert_eq!(format_ms(250), "250ms");
        assert_eq!(format_ms(1), "1ms");
        assert_eq!(format_ms(10 * 86_400_000 + 1_000 + 100), "10d1s100ms");
        assert_eq!(format_ms(u64::MAX), "213503982334d14h25m51s615ms");
    }
}
