//! Prometheus rule groups of one service in one environment.
//!
//! Contract alerts for every service with metrics; for each SLO, recording rules of
//! the error ratio per window computed from counters (traffic-weighted, never an
//! average of ratios) and one burn-rate alert per window pair of the platform's table,
//! with thresholds as exact decimals.

use std::collections::BTreeMap;

use serde::Serialize;

use super::selector;
use crate::decimal::Decimal;
use crate::duration::format_ms;
use crate::resolve::{BurnWindow, Platform, ResolvedService};

/// A rule group, as Prometheus and the PrometheusRule CRD spell it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RuleGroup {
    pub(crate) name: String,
    pub(crate) rules: Vec<Rule>,
}

/// A recording or alerting rule.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Rule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) alert: Option<String>,
    pub(crate) expr: String,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub(crate) for_: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

/// The alert a burn-rate window pair raises.
pub(super) const BURN_ALERT: &str = "SLOBurnRate";

/// One SLO of a service: its id, what it measures and its error budget.
pub(crate) struct SloSpec {
    pub(crate) name: &'static str,
    pub(crate) id: String,
    /// Percent.
    pub(crate) objective: Decimal,
    /// The error ratio over a window, from counters.
    pub(crate) error_ratio: fn(&Platform, &ResolvedService, &str) -> String,
    /// The request count over a window (low-traffic guard).
    pub(crate) total: fn(&Platform, &ResolvedService, &str) -> String,
    /// The series the SLI reads (no-data alert).
    pub(crate) series: fn(&Platform, &ResolvedService) -> String,
}

impl SloSpec {
    pub(super) fn budget(&self) -> Decimal {
        Decimal::from_int(100)
            .minus(self.objective)
            .checked_div(Decimal::from_int(100))
            .unwrap_or(Decimal::ZERO)
    }
}

/// The SLOs a service declares.
pub(crate) fn slos(s: &ResolvedService) -> Vec<SloSpec> {
    let Some(slo) = &s.slo else { return Vec::new() };
    let mut out = Vec::new();
    if let Some(objective) = slo.availability {
        out.push(SloSpec {
            name: "availability",
            id: format!("{}-availability", s.name),
            objective,
            error_ratio: |p, s, w| {
                let m = &p.observability.requests_metric;
                let sel = selector(s);
                format!("sum(rate({m}{{{sel},code=~\"5..\"}}[{w}])) / sum(rate({m}{{{sel}}}[{w}]))")
            },
            total: |p, s, w| {
                format!(
                    "sum(increase({}{{{}}}[{w}]))",
                    p.observability.requests_metric,
                    selector(s)
                )
            },
            series: |p, s| format!("{}{{{}}}", p.observability.requests_metric, selector(s)),
        });
    }
    if let Some(latency) = &slo.latency {
        out.push(SloSpec {
            name: "latency",
            id: format!("{}-latency", s.name),
            objective: latency.target,
            error_ratio: |p, s, w| {
                let m = &p.observability.duration_metric;
                let sel = selector(s);
                let le = le_matcher(s.slo.as_ref().and_then(|x| x.latency.as_ref()).map_or(Decimal::ZERO, |l| l.threshold));
                format!("1 - (sum(rate({m}{{{sel},{le}}}[{w}])) / sum(rate({m}{{{sel},le=\"+Inf\"}}[{w}])))")
            },
            total: |p, s, w| format!("sum(increase({}{{{},le=\"+Inf\"}}[{w}]))", p.observability.duration_metric, selector(s)),
            series: |p, s| format!("{}{{{},le=\"+Inf\"}}", p.observability.duration_metric, selector(s)),
        });
    }
    out
}

/// An `le` matcher that works on Prometheus 2 and 3: Prometheus 3 writes classic
/// bucket boundaries as floats (`1` becomes `1.0`).
pub(crate) fn le_matcher(threshold: Decimal) -> String {
    let text = threshold.to_string();
    match text.contains('.') {
        true => format!("le=\"{text}\""),
        false => format!("le=~\"{text}(\\\\.0)?\""),
    }
}

/// The burn factor of a window pair: budget% × period / long window.
pub(crate) fn factor(w: &BurnWindow, period_ms: u64) -> Decimal {
    let period = Decimal::from_int(period_ms as i64);
    let long = Decimal::from_int(w.long_ms as i64);
    w.budget_percent
        .times(period)
        .checked_div(long.times(Decimal::from_int(100)))
        .unwrap_or(Decimal::ZERO)
}

/// How long the budget lasts at a window pair's burn rate, rounded to minutes.
fn exhaustion(w: &BurnWindow, period_ms: u64) -> String {
    let f = factor(w, period_ms);
    let ms = Decimal::from_int(period_ms as i64)
        .checked_div(f)
        .unwrap_or(Decimal::ZERO);
    let minutes: u64 = ms
        .checked_div(Decimal::from_int(60_000))
        .map(|m| m.to_string())
        .and_then(|m| m.split('.').next().and_then(|x| x.parse().ok()))
        .unwrap_or(0);
    format_ms(minutes * 60_000)
}

/// Every rule group of a service with metrics; none when metrics are off.
pub(crate) fn rule_groups(p: &Platform, env: &str, s: &ResolvedService) -> Vec<RuleGroup> {
    if s.metrics.is_none() {
        return Vec::new();
    }
    let mut groups = vec![contract_group(p, env, s)];
    for slo in slos(s) {
        groups.push(slo_group(p, env, s, &slo));
    }
    groups
}

fn base_labels(env: &str, s: &ResolvedService) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("env".to_string(), env.to_string()),
        ("service".to_string(), s.name.clone()),
        ("team".to_string(), s.owner.clone()),
    ])
}

fn annotations(
    p: &Platform,
    env: &str,
    s: &ResolvedService,
    alert: &str,
    summary: String,
    description: String,
) -> BTreeMap<String, String> {
    let o = &p.observability;
    let mut a = BTreeMap::from([
        ("summary".to_string(), summary),
        ("description".to_string(), description),
    ]);
    if let Some(base) = &o.runbooks {
        a.insert(
            "runbook_url".into(),
            format!("{}/{}", base.trim_end_matches('/'), kebab(alert)),
        );
    }
    if let Some(url) = &o.dashboard_url {
        a.insert(
            "dashboard_url".into(),
            format!(
                "{}/d/{}",
                url.trim_end_matches('/'),
                super::dashboard_uid(env, s)
            ),
        );
    }
    a
}

/// `SLOBurnRate` -> `slo-burn-rate`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn contract_group(p: &Platform, env: &str, s: &ResolvedService) -> RuleGroup {
    let o = &p.observability;
    let sel = selector(s);
    let ns = &s.namespace;
    let mut rules = Vec::new();
    let mut alert = |key: &str, name: &str, expr: String, summary: String, description: String| {
        let setting = &o.alerts[key];
        let mut labels = base_labels(env, s);
        labels.insert("severity".into(), setting.severity.clone());
        rules.push(Rule {
            record: None,
            alert: Some(name.to_string()),
            expr,
            for_: Some(format_ms(setting.for_ms)),
            labels,
            annotations: annotations(p, env, s, name, summary, description),
        });
    };
    alert(
        "target_down",
        "ServiceTargetDown",
        format!("up{{{sel}}} == 0"),
        format!("{} in {env}: a metrics target is down", s.name),
        format!(
            "Prometheus cannot scrape a pod of {} in namespace {ns}; the pod may be down or its metrics endpoint broken.",
            s.name
        ),
    );
    alert(
        "metrics_absent",
        "ServiceMetricsAbsent",
        format!("absent(up{{{sel}}})"),
        format!("{} in {env}: no metrics targets", s.name),
        format!(
            "Prometheus has no scrape target for {} in namespace {ns}: check the ServiceMonitor and the pods.",
            s.name
        ),
    );
    let restarts = o.alerts["crash_looping"].threshold;
    alert(
        "crash_looping",
        "ServiceCrashLooping",
        format!(
            "increase(kube_pod_container_status_restarts_total{{namespace=\"{ns}\",container=\"{}\"}}[15m]) > {restarts}",
            s.name
        ),
        format!("{} in {env}: a container is restarting", s.name),
        format!(
            "A container of {} restarted more than {restarts} times in 15 minutes.",
            s.name
        ),
    );
    alert(
        "replicas_unavailable",
        "ServiceReplicasUnavailable",
        format!(
            "kube_deployment_status_replicas_unavailable{{namespace=\"{ns}\",deployment=\"{}\"}} > 0",
            s.name
        ),
        format!("{} in {env}: replicas are unavailable", s.name),
        format!("The Deployment {} has unavailable replicas.", s.name),
    );
    if s.autoscale.is_some() {
        let hpa = format!("namespace=\"{ns}\",horizontalpodautoscaler=\"{}\"", s.name);
        alert(
            "hpa_maxed_out",
            "ServiceAutoscalerMaxedOut",
            format!(
                "kube_horizontalpodautoscaler_status_current_replicas{{{hpa}}} >= kube_horizontalpodautoscaler_spec_max_replicas{{{hpa}}}"
            ),
            format!("{} in {env}: the autoscaler is at its maximum", s.name),
            format!(
                "The autoscaler of {} has run at its maximum replicas for a while; raise `autoscale.max` or find the load.",
                s.name
            ),
        );
    }
    RuleGroup {
        name: format!("{}-contract", s.name),
        rules,
    }
}

/// Every window the table uses, long and short, shortest first.
pub(crate) fn windows(p: &Platform) -> Vec<u64> {
    let mut all: Vec<u64> = p
        .observability
        .windows
        .iter()
        .flat_map(|w| [w.short_ms, w.long_ms])
        .collect();
    // The whole period too, for the budget remaining.
    all.push(p.observability.slo_period_ms);
    all.sort_unstable();
    all.dedup();
    all
}

fn slo_group(p: &Platform, env: &str, s: &ResolvedService, slo: &SloSpec) -> RuleGroup {
    let o = &p.observability;
    let mut identity = BTreeMap::from([
        ("env".to_string(), env.to_string()),
        ("slo_id".to_string(), slo.id.clone()),
        ("slo_name".to_string(), slo.name.to_string()),
        ("slo_service".to_string(), s.name.clone()),
        ("team".to_string(), s.owner.clone()),
    ]);
    let mut rules = Vec::new();
    for w in windows(p) {
        let window = format_ms(w);
        let mut labels = identity.clone();
        labels.insert("slo_window".into(), window.clone());
        rules.push(Rule {
            record: Some(format!("slo:sli_error:ratio_rate{window}")),
            alert: None,
            expr: (slo.error_ratio)(p, s, &window),
            for_: None,
            labels,
            annotations: BTreeMap::new(),
        });
    }
    let budget = slo.budget();
    let id_sel = format!("slo_id=\"{}\"", slo.id);
    let period = format_ms(o.slo_period_ms);
    let meta = [
        (
            "slo:objective:ratio",
            format!(
                "vector({})",
                slo.objective
                    .checked_div(Decimal::from_int(100))
                    .unwrap_or(Decimal::ZERO)
            ),
        ),
        ("slo:error_budget:ratio", format!("vector({budget})")),
        (
            "slo:error_budget_remaining:ratio",
            format!("1 - slo:sli_error:ratio_rate{period}{{{id_sel}}} / {budget}"),
        ),
    ];
    for (record, expr) in meta {
        rules.push(Rule {
            record: Some(record.into()),
            alert: None,
            expr,
            for_: None,
            labels: identity.clone(),
            annotations: BTreeMap::new(),
        });
    }
    let mut guard_windows: Vec<u64> = Vec::new();
    for w in &o.windows {
        let f = factor(w, o.slo_period_ms);
        let threshold = f.times(budget);
        let (long, short) = (format_ms(w.long_ms), format_ms(w.short_ms));
        let mut expr = format!(
            "slo:sli_error:ratio_rate{long}{{{id_sel}}} > {threshold} and ignoring(slo_window) slo:sli_error:ratio_rate{short}{{{id_sel}}} > {threshold}"
        );
        if let Some(min) = o.min_events {
            expr.push_str(&format!(
                " and ignoring(slo_window) slo:sli_requests:increase{long}{{{id_sel}}} >= {min}"
            ));
            guard_windows.push(w.long_ms);
        }
        let mut labels = base_labels(env, s);
        labels.extend([
            ("severity".to_string(), w.severity.clone()),
            ("slo".to_string(), slo.name.to_string()),
            ("burn_tier".to_string(), w.tier.clone()),
            ("long_window".to_string(), long.clone()),
            ("short_window".to_string(), short.clone()),
            ("exhaustion".to_string(), exhaustion(w, o.slo_period_ms)),
        ]);
        rules.push(Rule {
            record: None,
            alert: Some(BURN_ALERT.into()),
            expr,
            for_: Some(format_ms(w.for_ms)),
            labels,
            annotations: annotations(
                p,
                env,
                s,
                BURN_ALERT,
                format!("{} in {env}: {} SLO budget burning {f}x too fast", s.name, slo.name),
                format!(
                    "The {} SLO of {} ({}% over {period}) burns its error budget {f} times faster than sustainable: the error ratio is above {threshold} over both {long} and {short}. At this rate the budget is gone in {}.",
                    slo.name, s.name, slo.objective, exhaustion(w, o.slo_period_ms)
                ),
            ),
        });
    }
    guard_windows.sort_unstable();
    guard_windows.dedup();
    for w in guard_windows {
        let window = format_ms(w);
        let mut labels = identity.clone();
        labels.insert("slo_window".into(), window.clone());
        rules.insert(
            0,
            Rule {
                record: Some(format!("slo:sli_requests:increase{window}")),
                alert: None,
                expr: (slo.total)(p, s, &window),
                for_: None,
                labels,
                annotations: BTreeMap::new(),
            },
        );
    }
    let fastest = o
        .windows
        .iter()
        .map(|w| w.short_ms)
        .min()
        .unwrap_or(300_000);
    let mut labels = base_labels(env, s);
    labels.insert("severity".into(), "warning".into());
    labels.insert("slo".into(), slo.name.to_string());
    identity.remove("slo_window");
    rules.push(Rule {
        record: None,
        alert: Some("SLOMetricsAbsent".into()),
        expr: format!("absent({})", (slo.series)(p, s)),
        for_: Some(format_ms(fastest.max(600_000))),
        labels,
        annotations: annotations(
            p,
            env,
            s,
            "SLOMetricsAbsent",
            format!("{} in {env}: no data for the {} SLO", s.name, slo.name),
            format!("The series the {} SLO of {} is computed from are absent, so its burn-rate alerts cannot fire.", slo.name, s.name),
        ),
    });
    RuleGroup {
        name: format!("{}-slo-{}", s.name, slo.name),
        rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_matchers() {
        assert_eq!(kebab("SLOBurnRate"), "slo-burn-rate");
        assert_eq!(kebab("ServiceTargetDown"), "service-target-down");
        assert_eq!(le_matcher(Decimal::parse("0.25").unwrap()), "le=\"0.25\"");
        assert_eq!(
            le_matcher(Decimal::parse("1").unwrap()),
            "le=~\"1(\\\\.0)?\""
        );
    }

    #[test]
    fn workbook_table_factors() {
        let w = |long: &str, budget: &str| BurnWindow {
            severity: "page".into(),
            tier: "x".into(),
            long_ms: crate::duration::parse_ms(long).unwrap(),
            short_ms: 1,
            budget_percent: Decimal::parse(budget).unwrap(),
            for_ms: 0,
        };
        let month = crate::duration::parse_ms("30d").unwrap();
        assert_eq!(factor(&w("1h", "2"), month).to_string(), "14.4");
        assert_eq!(factor(&w("6h", "5"), month).to_string(), "6");
        assert_eq!(factor(&w("1d", "10"), month).to_string(), "3");
        assert_eq!(factor(&w("3d", "10"), month).to_string(), "1");
        assert_eq!(exhaustion(&w("1h", "2"), month), "2d2h");
        let four_weeks = crate::duration::parse_ms("28d").unwrap();
        assert_eq!(factor(&w("1h", "2"), four_weeks).to_string(), "13.44");
    }
}
