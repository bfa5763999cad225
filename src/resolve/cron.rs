//! Cron schedules as a Kubernetes CronJob accepts them: five fields (minute, hour,
//! day of month, month, day of week), each `*`, a value, a range `a-b`, a step
//! `*/n` or `a-b/n`, or a comma list of those; month and weekday names
//! (`JAN`, `MON`); and the macros `@yearly`, `@annually`, `@monthly`, `@weekly`,
//! `@daily`, `@midnight`, `@hourly`. `TZ=` prefixes are refused: the CronJob's
//! `timeZone` field is the supported way.

/// The fields in order: name, lowest and highest value, names for values.
const FIELDS: [(&str, u32, u32, &[&str]); 5] = [
    ("minute", 0, 59, &[]),
    ("hour", 0, 23, &[]),
    ("day of month", 1, 31, &[]),
    (
        "month",
        1,
        12,
        &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    ),
    (
        "day of week",
        0,
        7,
        &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    ),
];

const MACROS: [&str; 7] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// `Ok` for a schedule Kubernetes runs, else what is wrong with it.
pub(crate) fn check(schedule: &str) -> Result<(), String> {
    if schedule.starts_with('@') {
        return match MACROS.contains(&schedule) {
            true => Ok(()),
            false => Err(format!(
                "`{schedule}` is not a macro; use one of {}",
                MACROS.join(", ")
            )),
        };
    }
    if schedule.starts_with("TZ=") || schedule.starts_with("CRON_TZ=") {
        return Err("time zone prefixes are not supported; schedules run in UTC".into());
    }
    let parts: Vec<&str> = schedule.split_whitespace().collect();
    if parts.len() != FIELDS.len() {
        return Err(format!(
            "it has {} field{}, a schedule has five: minute hour day-of-month month day-of-week",
            parts.len(),
            if parts.len() == 1 { "" } else { "s" }
        ));
    }
    for (part, (name, low, high, names)) in parts.iter().zip(FIELDS) {
        for item in part.split(',') {
            check_item(item, low, high, names).map_err(|e| format!("{name} `{part}`: {e}"))?;
        }
    }
    Ok(())
}

/// One item of a comma list: `*`, `v`, `a-b`, each optionally `/step`.
fn check_item(item: &str, low: u32, high: u32, names: &[&str]) -> Result<(), String> {
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (item, None),
    };
    if let Some(step) = step {
        match step.parse::<u32>() {
            Ok(n) if n >= 1 && n <= high.max(1) => {}
            _ => return Err(format!("step `{step}` is not a number from 1 to {high}")),
        }
    }
    if range == "*" || range == "?" {
        return Ok(());
    }
    let (a, b) = match range.split_once('-') {
        Some((a, b)) => (
            value(a, low, high, names)?,
            Some(value(b, low, high, names)?),
        ),
        None => (value(range, low, high, names)?, None),
    };
    match b {
        Some(b) if b < a => Err(format!("range `{range}` runs backwards")),
        _ => Ok(()),
    }
}

fn value(text: &str, low: u32, high: u32, names: &[&str]) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    if let Some(i) = names.iter().position(|n| *n == upper) {
        // Month names start at 1, weekday names at 0 (SUN).
        return Ok(i as u32 + low);
    }
    match text.parse::<u32>() {
        Ok(n) if (low..=high).contains(&n) => Ok(n),
        Ok(n) => Err(format!("{n} is outside {low}-{high}")),
        Err(_) => Err(format!("`{text}` is not a number")),
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn kubernetes_schedules_pass() {
        for ok in [
            "0 3 * * *",
            "*/15 * * * *",
            "0 0 1,15 * MON-FRI",
            "30 2 * JAN-MAR 0",
            "0 0-23/2 * * 7",
            "@daily",
            "0 12 ? * SUN",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn broken_schedules_say_why() {
        let problem = |s: &str| check(s).unwrap_err();
        assert!(problem("0 3 * *").contains("4 fields"));
        assert!(problem("60 3 * * *").contains("minute `60`: 60 is outside 0-59"));
        assert!(problem("0 24 * * *").contains("hour"));
        assert!(problem("0 0 0 * *").contains("day of month"));
        assert!(problem("0 0 * 13 *").contains("month"));
        assert!(problem("0 0 * * 8").contains("day of week"));
        assert!(problem("*/0 * * * *").contains("step"));
        assert!(problem("5-1 * * * *").contains("backwards"));
        assert!(problem("@nightly").contains("macro"));
        assert!(problem("x * * * *").contains("not a number"));
    }
}
