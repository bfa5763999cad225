//! The platform's burn-rate window table: each short window shorter than its long
//! window, each long window within the SLO period, a usable budget share, unique tiers;
//! and `monitoring.severity`, whose keys must be environments.

use super::messages;
use super::resolved::{BurnWindow, Platform};
use crate::decimal::Decimal;
use crate::diag::Diagnostic;
use crate::load::Document;

/// The longest SLO period. Bounded so that every threshold pave derives from the period
/// stays exact (see `decimal`); error budgets are counted over weeks or months in practice.
const MAX_PERIOD_MS: u64 = 366 * 86_400_000;

/// The most decimals a budget share may have, as for SLO objectives.
const MAX_BUDGET_DECIMALS: u32 = 6;

pub(crate) fn check_windows(platform: &Platform, pdoc: &Document, diags: &mut Vec<Diagnostic>) {
    let o = &platform.observability;
    if o.slo_period_ms > MAX_PERIOD_MS {
        diags.push(messages::slo_period_too_long(
            pdoc.span("/monitoring/slo/period"),
        ));
    }
    for (i, w) in o.windows.iter().enumerate() {
        let problems = [duration_problem(w, o.slo_period_ms), budget_problem(w)];
        for (field, message) in problems.into_iter().flatten() {
            let span = pdoc.span(&format!("/monitoring/slo/windows/{i}/{field}"));
            diags.push(messages::invalid_window(span, &w.tier, &message));
        }
    }
    if let Some(tier) = repeated_tier(&o.windows) {
        diags.push(messages::window_tier_twice(
            pdoc.span("/monitoring/slo/windows"),
            tier,
        ));
    }
}

/// Every key of `monitoring.severity` names an environment.
pub(crate) fn check_severity(platform: &Platform, pdoc: &Document, diags: &mut Vec<Diagnostic>) {
    let Some(written) = pdoc
        .value
        .pointer("/monitoring/severity")
        .and_then(|v| v.as_object())
    else {
        return;
    };
    let known = || platform.environments.iter().map(|e| e.name.as_str());
    for env in written.keys() {
        if known().any(|k| k == env) {
            continue;
        }
        let at = pdoc.key_span(&crate::document::pointer_push("/monitoring/severity", env));
        diags.push(messages::severity_unknown_environment(at, env, known()));
    }
}

/// What is wrong with the pair's durations, and the field to point at.
fn duration_problem(w: &BurnWindow, period_ms: u64) -> Option<(&'static str, String)> {
    if w.short_ms >= w.long_ms {
        let message = "the short window must be shorter than the long window";
        Some(("short", message.to_string()))
    } else if w.long_ms > period_ms {
        let period = crate::duration::format_ms(period_ms);
        Some((
            "long",
            format!("the long window exceeds the SLO period of {period}"),
        ))
    } else {
        None
    }
}

/// What is wrong with the pair's budget share (independent of its durations).
fn budget_problem(w: &BurnWindow) -> Option<(&'static str, String)> {
    let budget = w.budget_percent;
    let message = if !budget.is_positive() {
        "the budget share must be above 0"
    } else if budget > Decimal::from_int(100) || budget.decimals() > MAX_BUDGET_DECIMALS {
        "the budget share is a percentage up to 100 with at most 6 decimals"
    } else {
        return None;
    };
    Some(("budget_percent", message.to_string()))
}

/// The first tier (in name order) two windows share.
fn repeated_tier(windows: &[BurnWindow]) -> Option<&str> {
    let mut tiers: Vec<&str> = windows.iter().map(|w| w.tier.as_str()).collect();
    tiers.sort();
    tiers.windows(2).find(|p| p[0] == p[1]).map(|p| p[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3_600_000;

    fn window(tier: &str, long_ms: u64, short_ms: u64, budget: &str) -> BurnWindow {
        BurnWindow {
            severity: crate::resolve::Urgency::Page,
            tier: tier.into(),
            long_ms,
            short_ms,
            budget_percent: Decimal::parse(budget).unwrap_or(Decimal::ZERO),
            for_ms: 0,
        }
    }

    #[test]
    fn a_window_with_bad_durations_and_a_bad_budget_reports_both() {
        let w = window("fast", HOUR, 2 * HOUR, "0");
        let duration = duration_problem(&w, 720 * HOUR).map(|p| p.0);
        assert_eq!(duration, Some("short"));
        assert_eq!(budget_problem(&w).map(|p| p.0), Some("budget_percent"));
    }

    #[test]
    fn a_long_window_beyond_the_period_is_named_with_the_period() {
        let w = window("slow", 800 * HOUR, HOUR, "10");
        let message = duration_problem(&w, 720 * HOUR).map(|p| p.1);
        assert_eq!(
            message.as_deref(),
            Some("the long window exceeds the SLO period of 30d")
        );
        assert_eq!(budget_problem(&w), None);
    }

    #[test]
    fn budgets_are_percentages_with_at_most_6_decimals() {
        assert!(budget_problem(&window("a", 2, 1, "100")).is_none());
        assert!(budget_problem(&window("a", 2, 1, "100.5")).is_some());
        assert!(budget_problem(&window("a", 2, 1, "2.1234567")).is_some());
    }

    #[test]
    fn a_repeated_tier_is_found() {
        let table = [
            window("slow", 2, 1, "1"),
            window("fast", 2, 1, "1"),
            window("slow", 2, 1, "1"),
        ];
        assert_eq!(repeated_tier(&table), Some("slow"));
        assert_eq!(repeated_tier(&table[..2]), None);
    }
}
