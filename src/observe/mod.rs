//! What the application–platform contract promises to observe, as data: Prometheus
//! rule groups (contract alerts, SLO recording rules and burn-rate alerts), their
//! `promtool` unit tests, and Grafana dashboards.
//!
//! Both the Kubernetes target (PrometheusRule, dashboard ConfigMap) and the Prometheus
//! target (plain rule files and tests) serialize these values; neither builds them.
//!
//! Dependencies run one way: `dashboard` and `unit_tests` read `rules` (the SLOs);
//! `rules` reads only what lives here (the selector, the dashboard's uid).

mod cron;
pub(crate) mod dashboard;
pub(crate) mod routing;
mod rules;
mod unit_tests;

#[cfg(test)]
mod tests;

pub(crate) use rules::{RuleGroup, platform_groups, rule_groups};
pub(crate) use unit_tests::unit_tests;

use crate::resolve::ResolvedService;

/// The label selector of a service's metrics: the ServiceMonitor's job and namespace,
/// and the `env` label its relabeling adds (see [`ENV_LABEL`]).
pub(crate) fn selector(s: &ResolvedService) -> String {
    format!(
        "job=\"{}\",namespace=\"{}\",{ENV_LABEL}=\"{}\"",
        s.name, s.namespace, s.env
    )
}

/// The label naming the environment on every series pave's rules read. The
/// ServiceMonitor adds it to every target; a Prometheus scraping pave's services some
/// other way must add it too, or the rules select nothing.
pub(crate) const ENV_LABEL: &str = "env";

/// The Grafana uid of a service's dashboard in an environment. Alerts link to it and
/// the dashboard carries it, so it lives here rather than in either module.
pub(crate) fn dashboard_uid(env: &str, s: &ResolvedService) -> String {
    format!("pave-{env}-{}", s.name)
}
