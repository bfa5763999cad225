//! `promtool test rules` files proving each SLO's burn-rate alerts: synthetic traffic
//! burning the budget 15 times too fast fires the page tiers (and every tier whose
//! threshold it crosses), and traffic at half the sustainable rate fires nothing.

use std::collections::BTreeMap;

use serde::Serialize;

use super::rules::{BURN_ALERT, SloSpec, factor, le_matcher, rule_groups, slos};
use super::selector;
use crate::decimal::Decimal;
use crate::duration::format_ms;
use crate::resolve::{Platform, ResolvedService};

#[derive(Debug, Serialize)]
pub(crate) struct UnitTestFile {
    pub(crate) rule_files: Vec<String>,
    pub(crate) evaluation_interval: &'static str,
    pub(crate) tests: Vec<UnitTest>,
}

#[derive(Debug, Serialize)]
pub(crate) struct UnitTest {
    pub(crate) name: String,
    pub(crate) interval: &'static str,
    pub(crate) input_series: Vec<InputSeries>,
    pub(crate) alert_rule_test: Vec<AlertRuleTest>,
}

#[derive(Debug, Serialize)]
pub(crate) struct InputSeries {
    pub(crate) series: String,
    pub(crate) values: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct AlertRuleTest {
    pub(crate) eval_time: String,
    pub(crate) alertname: &'static str,
    pub(crate) exp_alerts: Vec<ExpectedAlert>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ExpectedAlert {
    pub(crate) exp_labels: BTreeMap<String, String>,
    pub(crate) exp_annotations: BTreeMap<String, String>,
}

/// Requests per minute in the synthetic traffic.
const PER_MINUTE: i64 = 1000;

/// The unit tests of a service's SLOs, or `None` when it has none. `rules_file` is
/// the rule file's path relative to the test file.
pub(crate) fn unit_tests(
    p: &Platform,
    env: &str,
    s: &ResolvedService,
    rules_file: &str,
) -> Option<UnitTestFile> {
    let specs = slos(s);
    if specs.is_empty() || s.metrics.is_none() {
        return None;
    }
    let groups = rule_groups(p, env, s);
    let o = &p.observability;
    // Long enough for every tier's `for` to elapse after its condition starts to hold.
    let longest_for = o.windows.iter().map(|w| w.for_ms).max().unwrap_or(0);
    let eval_ms = longest_for + 10 * 60_000;
    let minutes = eval_ms / 60_000 + 10;
    let mut tests = Vec::new();
    for spec in &specs {
        for (label, burn) in [
            ("15x", Decimal::from_int(15)),
            ("0.5x", Decimal::parse("0.5").unwrap_or(Decimal::ZERO)),
        ] {
            let budget = spec.budget();
            let ratio = burn.times(budget).min(Decimal::from_int(1));
            let expected: Vec<ExpectedAlert> = groups
                .iter()
                .filter(|g| g.name.ends_with(&format!("-slo-{}", spec.name)))
                .flat_map(|g| &g.rules)
                .filter(|r| r.alert.as_deref() == Some(BURN_ALERT))
                .filter(|r| {
                    let tier = r.labels.get("burn_tier");
                    o.windows.iter().any(|w| {
                        Some(&w.tier) == tier && ratio > factor(w, o.slo_period_ms).times(budget)
                    })
                })
                .map(|r| {
                    let mut labels = BTreeMap::from([
                        ("slo_id".to_string(), spec.id.clone()),
                        ("slo_name".to_string(), spec.name.to_string()),
                        ("slo_service".to_string(), s.name.clone()),
                        ("slo_window".to_string(), r.labels["long_window"].clone()),
                    ]);
                    labels.extend(r.labels.clone());
                    ExpectedAlert {
                        exp_labels: labels,
                        exp_annotations: r.annotations.clone(),
                    }
                })
                .collect();
            tests.push(UnitTest {
                name: format!("{} {} SLO at a {label} burn rate", s.name, spec.name),
                interval: "1m",
                input_series: traffic(p, s, spec, ratio, minutes),
                alert_rule_test: vec![AlertRuleTest {
                    eval_time: format_ms(eval_ms),
                    alertname: BURN_ALERT,
                    exp_alerts: expected,
                }],
            });
        }
    }
    Some(UnitTestFile {
        rule_files: vec![rules_file.to_string()],
        evaluation_interval: "1m",
        tests,
    })
}

/// Counters growing by a constant amount per minute, `ratio` of them bad.
fn traffic(
    p: &Platform,
    s: &ResolvedService,
    spec: &SloSpec,
    ratio: Decimal,
    minutes: u64,
) -> Vec<InputSeries> {
    let total = Decimal::from_int(PER_MINUTE);
    let bad = total.times(ratio);
    let good = total.minus(bad);
    let series = |name: String, per_minute: Decimal| InputSeries {
        series: name,
        values: format!("0+{per_minute}x{minutes}"),
    };
    let sel = selector(s);
    match spec.name {
        "availability" => {
            let m = &p.observability.requests_metric;
            vec![
                series(format!("{m}{{{sel},code=\"500\"}}"), bad),
                series(format!("{m}{{{sel},code=\"200\"}}"), good),
            ]
        }
        _ => {
            let m = &p.observability.duration_metric;
            let threshold = s
                .slo
                .as_ref()
                .and_then(|x| x.latency.as_ref())
                .map_or(Decimal::ZERO, |l| l.threshold);
            // The series' `le` is written as Prometheus 2 writes it; the rules match both spellings.
            let le = le_matcher(threshold)
                .replace("=~", "=")
                .replace("(\\\\.0)?", "");
            vec![
                series(format!("{m}{{{sel},{le}}}"), good),
                series(format!("{m}{{{sel},le=\"+Inf\"}}"), total),
            ]
        }
    }
}
