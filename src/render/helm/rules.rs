//! The `prometheusRule` values: the inputs of a service's alert rules, not the rules.
//! The chart's `templates/_rules.tpl` builds the rule groups (names, expressions,
//! labels, annotations) from them, so the PromQL lives once in the chart and a values
//! file stays short.
//!
//! What is awkward or unsafe in Go templates is computed here and passed as strings:
//! thresholds, factors and objectives as exact decimals (a float would reformat
//! them), window lengths as duration strings and in seconds, the `le` matcher. Which
//! alerts exist in the environment, with their `severity` and `for`, is read off the
//! rules the Kubernetes target renders, so the two targets cannot disagree on them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::duration::format_ms;
use crate::observe::{self, RuleGroup};
use crate::resolve::{Platform, ResolvedService, Urgency, Workload};

/// What `templates/prometheusrule.yaml` needs; see `values.schema.json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Rules<'a> {
    #[serde(flatten)]
    labels: super::values::ObjectLabels<'a>,
    env: &'a str,
    team: &'a str,
    /// The base of `runbook_url` (the alert's name in kebab case follows).
    #[serde(skip_serializing_if = "Option::is_none")]
    runbooks: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dashboard_url: Option<String>,
    /// Every alert the environment keeps, by name; an absent one is not rendered.
    alerts: BTreeMap<&'a str, Alert<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cron: Option<CronRules>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slo: Option<Slo<'a>>,
}

#[derive(Serialize)]
struct Alert<'a> {
    severity: &'a str,
    #[serde(rename = "for")]
    for_: &'a str,
}

/// A cron job's run alerts' inputs (the schedule is `cron.schedule`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CronRules {
    /// Seconds without a success after which the job is late: period plus margin.
    late_after_seconds: String,
    /// The same, as a duration (`1d1h`).
    late_after: String,
}

/// The SLOs' inputs: the platform's windows and one entry per SLO.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Slo<'a> {
    period: String,
    /// The window of the recorded burn rate the environment dashboard shows.
    burn_window: String,
    /// Requests the long window needs before a burn alert fires.
    min_events: String,
    /// By burn alert: its window pairs, fastest first.
    pairs: BTreeMap<&'static str, Vec<Pair>>,
    objectives: Vec<Objective<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pair {
    /// `long/short`, the `slo_window` label.
    window: String,
    long: String,
    short: String,
    long_seconds: String,
    factor: String,
    /// How long the budget lasts at this burn rate.
    exhaustion: String,
}

#[derive(Serialize)]
struct Objective<'a> {
    /// `availability` or `latency`: what the SLI reads.
    name: &'static str,
    id: String,
    /// Percent.
    objective: String,
    budget: String,
    /// The metric the SLI is computed from (its absence alerts).
    metric: &'a str,
    /// By burn alert, one error-ratio threshold per pair of `pairs`.
    thresholds: BTreeMap<&'static str, Vec<String>>,
    /// A latency SLO's threshold in seconds, and the `le` matcher of its bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    le: Option<String>,
}

/// The rule inputs of `s` in its environment, whose PrometheusRule has `labels` and
/// `groups` (the Kubernetes target's).
pub(super) fn rules<'a>(
    p: &'a Platform,
    s: &'a ResolvedService,
    labels: super::values::ObjectLabels<'a>,
    groups: &'a [RuleGroup],
) -> Rules<'a> {
    let alerts = alerts(groups);
    let o = &p.observability;
    let (cron, slo) = match &s.workload {
        Workload::Cron(c) => {
            let late = observe::late_after_seconds(p, c);
            let cron = CronRules {
                late_after_seconds: late.to_string(),
                late_after: format_ms(late * 1000),
            };
            (Some(cron), None)
        }
        _ => (None, slo(p, s, &alerts)),
    };
    Rules {
        labels,
        env: &s.env,
        team: &s.owner,
        runbooks: o.runbooks.as_deref().map(|r| r.trim_end_matches('/')),
        dashboard_url: observe::dashboard_url(p, &s.env, s),
        alerts,
        cron,
        slo,
    }
}

/// The alerts of `groups` by name, with their severity and `for`. An alert name means
/// one urgency and one `for` whatever the SLO, so one entry stands for all.
fn alerts(groups: &[RuleGroup]) -> BTreeMap<&str, Alert<'_>> {
    groups
        .iter()
        .flat_map(|g| &g.rules)
        .filter_map(|r| {
            let alert = Alert {
                severity: r.labels.get("severity")?,
                for_: r.for_.as_deref()?,
            };
            Some((r.alert.as_deref()?, alert))
        })
        .collect()
}

/// The SLO inputs, when the service has an SLO; pairs only for the burn alerts the
/// environment keeps.
fn slo<'a>(
    p: &'a Platform,
    s: &ResolvedService,
    alerts: &BTreeMap<&str, Alert>,
) -> Option<Slo<'a>> {
    let specs = observe::slos(s);
    if specs.is_empty() {
        return None;
    }
    let o = &p.observability;
    let period = o.slo_period_ms;
    let urgencies: Vec<(Urgency, &'static str)> = [Urgency::Page, Urgency::Ticket]
        .into_iter()
        .map(|u| (u, observe::burn_alert(u)))
        .filter(|(_, name)| alerts.contains_key(name))
        .collect();
    let pairs = urgencies
        .iter()
        .map(|&(u, name)| {
            let rows = observe::pairs_of(p, u).0;
            let pairs = rows
                .into_iter()
                .map(|w| Pair {
                    window: observe::pair_name(w),
                    long: format_ms(w.long_ms),
                    short: format_ms(w.short_ms),
                    long_seconds: (w.long_ms / 1000).to_string(),
                    factor: observe::factor(w, period).to_string(),
                    exhaustion: observe::exhaustion(w, period),
                })
                .collect();
            (name, pairs)
        })
        .collect();
    let objectives = specs
        .iter()
        .map(|spec| {
            let thresholds = urgencies
                .iter()
                .map(|&(u, name)| {
                    let rows = observe::pairs_of(p, u).0;
                    let t = rows
                        .into_iter()
                        .map(|w| observe::threshold(w, period, spec).to_string());
                    (name, t.collect())
                })
                .collect();
            let latency = spec.name == "latency";
            let le = observe::latency_threshold(s);
            Objective {
                name: spec.name,
                id: spec.id.clone(),
                objective: spec.objective.to_string(),
                budget: spec.budget().to_string(),
                metric: match latency {
                    true => &o.duration_metric,
                    false => &o.requests_metric,
                },
                thresholds,
                threshold: latency.then(|| le.to_string()),
                le: latency.then(|| observe::le_matcher(le)),
            }
        })
        .collect();
    Some(Slo {
        period: format_ms(period),
        burn_window: observe::burn_panel_window(p),
        min_events: o.min_events.to_string(),
        pairs,
        objectives,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::kubernetes::objects::Labels;
    use crate::resolve::Model;
    use crate::yaml_writer::to_yaml;

    /// The base platform plus `extra`, with one web service `api` with both SLOs.
    fn model(extra: &str) -> Model {
        let api = "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nmetrics: true\nautoscale: { min: 2, max: 4, cpu: 70 }\nslo: { availability: 99.9, latency: { threshold: 1s, target: 99.5 } }\n";
        crate::observe::tests::model(extra, api)
    }

    fn values_of(m: &Model, env: &str) -> String {
        let s = m.services.iter().find(|s| s.env == env).unwrap();
        let groups = observe::rule_groups(&m.platform, env, s);
        let none = Labels::new();
        let labels = super::super::values::ObjectLabels::of(&none, &none);
        to_yaml(&rules(&m.platform, s, labels, &groups)).unwrap()
    }

    #[test]
    fn thresholds_are_exact_decimal_strings() {
        let prod = values_of(&model(""), "prod");
        // Budget 0.001: the page pairs' factors 14.4 and 6 give 0.0144 and 0.006.
        assert!(prod.contains("budget: \"0.001\""), "{prod}");
        assert!(
            prod.contains("SLOFastBurn:\n      - \"0.0144\"\n      - \"0.006\"\n"),
            "{prod}"
        );
        assert!(prod.contains("factor: \"14.4\""), "{prod}");
        assert!(prod.contains("objective: \"99.5\""), "{prod}");
        assert!(
            prod.contains("threshold: \"1\"\n    le: le=~\"1(\\\\.0)?\"\n"),
            "{prod}"
        );
        // The contract alerts are the environment's, not the chart's.
        assert!(
            !prod.contains("contract") && !prod.contains("ServiceTargetDown"),
            "{prod}"
        );
    }

    #[test]
    fn an_alert_the_environment_drops_has_no_inputs() {
        let m = model("monitoring:\n  severity:\n    dev: { page: none, ticket: ticket }\n");
        let dev = values_of(&m, "dev");
        assert!(!dev.contains("SLOFastBurn"), "{dev}");
        assert!(
            dev.contains("SLOSlowBurn:\n    severity: warning\n    for: 1h\n"),
            "{dev}"
        );
        let prod = values_of(&m, "prod");
        assert!(
            prod.contains("SLOFastBurn:\n    severity: critical\n"),
            "{prod}"
        );
    }
}
