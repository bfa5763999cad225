//! Cron schedules as a Kubernetes CronJob accepts them: five fields (minute, hour,
//! day of month, month, day of week), each `*`, a value, a range `a-b`, a step
//! `*/n` or `a-b/n`, or a comma list of those; month and weekday names
//! (`JAN`, `MON`); and the macros `@yearly`, `@annually`, `@monthly`, `@weekly`,
//! `@daily`, `@midnight`, `@hourly`. `TZ=` prefixes are refused: the CronJob's
//! `timeZone` field is the supported way.
//!
//! [`period_minutes`] is the longest gap between two runs of a valid schedule: how
//! long a healthy cron job may go without a new success (the cron alerts read it).

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

/// The longest gap, in minutes, between two consecutive runs of a schedule
/// [`check`] accepts; `None` for one it refuses. Days are walked over eight years
/// (two leap cycles), so `0 0 29 2 *` is seen at its real four-year gap. A day runs
/// when day of month and day of week both match, or either matches when neither is
/// `*`/`?` (the rule of the cron library Kubernetes uses).
pub(crate) fn period_minutes(schedule: &str) -> Option<u64> {
    check(schedule).ok()?;
    let expanded = match schedule {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        other => other,
    };
    let parts: Vec<&str> = expanded.split_whitespace().collect();
    let mut sets = Vec::new();
    for (part, (_, low, high, names)) in parts.iter().zip(FIELDS) {
        let mut set = vec![false; high as usize + 1];
        for item in part.split(',') {
            for v in item_values(item, low, high, names).ok()? {
                set[v as usize] = true;
            }
        }
        sets.push(set);
    }
    // Sunday is 0 and 7.
    sets[4][0] |= sets[4][7];
    let any = |i: usize| parts[i].starts_with('*') || parts[i].starts_with('?');
    let times: Vec<u64> = (0..24u64)
        .filter(|h| sets[1][*h as usize])
        .flat_map(|h| {
            (0..60u64)
                .filter(|m| sets[0][*m as usize])
                .map(move |m| h * 60 + m)
        })
        .collect();
    let (first, last) = (*times.first()?, *times.last()?);
    let within = times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    let mut longest = within;
    let mut previous_day: Option<u64> = None;
    for (day, (month, dom, dow)) in calendar(START_YEAR, 8).enumerate() {
        let dom_ok = sets[2][dom as usize];
        let dow_ok = sets[4][dow as usize];
        let day_ok = match any(2) || any(4) {
            true => dom_ok && dow_ok,
            false => dom_ok || dow_ok,
        };
        if !(sets[3][month as usize] && day_ok) {
            continue;
        }
        let day = day as u64;
        if let Some(prev) = previous_day {
            longest = longest.max((day - prev) * 1440 + first - last);
        } else if times.len() == 1 {
            longest = longest.max(1440);
        }
        previous_day = Some(day);
    }
    // A schedule that never runs (`0 0 31 2 *`) has no period.
    previous_day.map(|_| longest.max(within))
}

/// The first year walked; 2024 is a leap year and a Monday begins it.
const START_YEAR: u32 = 2024;

/// (month 1-12, day of month, day of week 0 = Sunday) for every day of `years` years.
fn calendar(start: u32, years: u32) -> impl Iterator<Item = (u32, u32, u32)> {
    let mut weekday = 1; // 1 January 2024 was a Monday.
    (start..start + years)
        .flat_map(move |year| {
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            (1..=12u32).flat_map(move |month| {
                let days = match month {
                    2 if leap => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                (1..=days).map(move |d| (month, d))
            })
        })
        .map(move |(month, dom)| {
            let dow = weekday;
            weekday = (weekday + 1) % 7;
            (month, dom, dow)
        })
}

/// The values one item of a comma list stands for.
fn item_values(item: &str, low: u32, high: u32, names: &[&str]) -> Result<Vec<u32>, String> {
    check_item(item, low, high, names)?;
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => (r, s.parse::<u32>().unwrap_or(1)),
        None => (item, 1),
    };
    let (a, b) = if range == "*" || range == "?" {
        (low, high)
    } else {
        match range.split_once('-') {
            Some((a, b)) => (value(a, low, high, names)?, value(b, low, high, names)?),
            // `a/n` runs from a to the highest value.
            None if step > 1 || item.contains('/') => (value(range, low, high, names)?, high),
            None => {
                let v = value(range, low, high, names)?;
                (v, v)
            }
        }
    };
    Ok((a..=b).step_by(step.max(1) as usize).collect())
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
    use super::{check, period_minutes};

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
    fn periods_are_the_longest_gap_between_runs() {
        let hours = |s: &str| period_minutes(s).map(|m| m as f64 / 60.0);
        assert_eq!(period_minutes("*/15 * * * *"), Some(15));
        assert_eq!(period_minutes("0 */6 * * *"), Some(360));
        assert_eq!(period_minutes("30 2 * * *"), Some(1440));
        assert_eq!(period_minutes("@daily"), Some(1440));
        assert_eq!(period_minutes("@hourly"), Some(60));
        // Friday 03:00 to Monday 03:00.
        assert_eq!(hours("0 3 * * MON-FRI"), Some(72.0));
        // 09:00 and 17:00 every day: the night is the longest gap.
        assert_eq!(period_minutes("0 9,17 * * *"), Some(16 * 60));
        // The 15th to the 1st of a 31-day month.
        assert_eq!(hours("0 0 1,15 * *"), Some(17.0 * 24.0));
        assert_eq!(hours("@monthly"), Some(31.0 * 24.0));
        assert_eq!(hours("@weekly"), Some(7.0 * 24.0));
        assert_eq!(hours("0 0 * * 7"), Some(7.0 * 24.0));
        // Day of month or day of week when both are restricted: the 1st, or Mondays.
        assert_eq!(hours("0 0 1 * MON"), Some(7.0 * 24.0));
        // Leap days: four years apart.
        assert_eq!(hours("0 0 29 2 *"), Some(1461.0 * 24.0));
        assert_eq!(period_minutes("0 0 31 2 *"), None);
        assert_eq!(period_minutes("60 * * * *"), None);
        // `a/n` runs from a to the end of the range: 50/20 is minute 50 only.
        assert_eq!(period_minutes("50/20 * * * *"), Some(60));
        assert_eq!(period_minutes("5/20 * * * *"), Some(20));
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
