//! The `prometheusRule` values: the inputs of a service's alert rules, not the rules.
//! The chart's `templates/_rules.tpl` builds the rule groups (names, expressions,
//! labels, annotations) from them, so the PromQL lives once in the chart and a values
//! file stays short.
//!
//! What is awkward or unsafe in Go templates is computed here and passed as strings:
//! SLO budgets as exact decimals (a float would reformat them), a cron job's lateness
//! as a duration and in seconds. Which alerts exist in the environment, with their
//! `severity` and `for`, is read off the rules the Kubernetes target renders, so the
//! two targets cannot disagree on them. A service's SLOs are only its budget
//! recordings here: their burn rates and alerts are the environment's
//! (`pave-slo-<platform>-<env>`, outside the chart).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::duration::format_ms;
use crate::observe::{self, RuleGroup};
use crate::resolve::{Platform, ResolvedService, Workload};

/// What `templates/prometheusrule.yaml` needs; see `values.schema.json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Rules<'a> {
    #[serde(flatten)]
    labels: super::values::ObjectLabels<'a>,
    env: &'a str,
    team: &'a str,
    /// The base of `runbook_url` (the alert's name in kebab case follows); only
    /// with alerts of the service's own (a cron job's).
    #[serde(skip_serializing_if = "Option::is_none")]
    runbooks: Option<&'a str>,
    /// The alerts' dashboard link, and the SLO budgets' label with per-service
    /// dashboards.
    #[serde(skip_serializing_if = "Option::is_none")]
    dashboard_url: Option<String>,
    /// Every alert of the service's own (a cron job's) the environment keeps, by
    /// name; an absent one is not rendered. None without alerts of its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    alerts: Option<BTreeMap<&'a str, Alert<'a>>>,
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

/// The SLOs' inputs: one budget recording per SLO, labelled as the Kubernetes
/// target labels it; the environment's rules (outside the chart) do the rest.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Slo<'a> {
    /// The `pave_platform` label.
    platform: &'a str,
    /// Whether the budgets carry `dashboardUrl` as a label (per-service dashboards,
    /// whose uid is not always the service's name).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    dashboard_label: bool,
    objectives: Vec<Objective>,
}

#[derive(Serialize)]
struct Objective {
    /// `availability` or `latency`: what the SLI reads.
    name: &'static str,
    id: String,
    /// Percent: the `slo_objective` label, which the alerts' descriptions show.
    objective: String,
    /// 1 − the objective, as a ratio.
    budget: String,
    /// A latency SLO's bucket (its threshold in seconds, as Prometheus 2 writes it).
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
        _ => (None, slo(p, s)),
    };
    // Only a cron job's rules are alerts; an SLO's budgets are recordings.
    let alerting = cron.is_some();
    let dashboard_label = slo.as_ref().is_some_and(|x| x.dashboard_label);
    Rules {
        labels,
        env: &s.env,
        team: &s.owner,
        runbooks: o
            .runbooks
            .as_deref()
            .filter(|_| alerting)
            .map(|r| r.trim_end_matches('/')),
        dashboard_url: observe::dashboard_url(p, &s.env, s).filter(|_| alerting || dashboard_label),
        alerts: alerting.then(|| alerts(groups)),
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

/// The SLO inputs, when the service has an SLO.
fn slo<'a>(p: &'a Platform, s: &ResolvedService) -> Option<Slo<'a>> {
    let specs = observe::slos(s);
    if specs.is_empty() {
        return None;
    }
    let o = &p.observability;
    let objectives = specs
        .iter()
        .map(|spec| Objective {
            name: spec.name,
            id: spec.id.clone(),
            objective: spec.objective.to_string(),
            budget: spec.budget().to_string(),
            le: (spec.name == "latency").then(|| observe::latency_threshold(s).to_string()),
        })
        .collect();
    Some(Slo {
        platform: &p.name,
        dashboard_label: o.dashboards_per_service && observe::dashboard_url(p, &s.env, s).is_some(),
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
        let none = Labels::default();
        let labels = super::super::values::ObjectLabels::of(&none, &none);
        to_yaml(&rules(&m.platform, s, labels, &groups)).unwrap()
    }

    #[test]
    fn budgets_are_exact_decimal_strings_and_alerts_the_environments() {
        let prod = values_of(&model(""), "prod");
        // Objectives 99.9 and 99.5: budgets 0.001 and 0.005, the bucket as Prometheus 2
        // writes it.
        assert!(prod.contains("budget: \"0.001\""), "{prod}");
        assert!(
            prod.contains("budget: \"0.005\"\n    le: \"1\"\n"),
            "{prod}"
        );
        assert!(prod.contains("platform: "), "{prod}");
        // The contract and SLO alerts are the environment's, not the chart's.
        for absent in [
            "contract",
            "ServiceTargetDown",
            "SLOFastBurn",
            "factor",
            "pairs",
        ] {
            assert!(!prod.contains(absent), "{absent} in {prod}");
        }
    }
}
