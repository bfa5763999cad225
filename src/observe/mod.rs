//! What the application–platform contract promises to observe, as data: Prometheus
//! rule groups (contract alerts, SLO budgets, recordings and burn-rate alerts), their
//! `promtool` unit tests, and Grafana dashboards.
//!
//! Both the Kubernetes target (PrometheusRule, dashboard ConfigMap) and the Prometheus
//! target (plain rule files and tests) serialize these values; neither builds them.
//! The Helm chart is the exception: it builds the same rules from their inputs (the
//! accessors re-exported below), and the test suite checks it renders these ones.
//!
//! Dependencies run one way: `dashboard` and `unit_tests` read `rules` (the SLOs);
//! `rules` reads only what lives here (the selector, the dashboard's uid).

mod cron;
pub(crate) mod dashboard;
pub(crate) mod routing;
mod rules;
mod unit_tests;

#[cfg(test)]
pub(crate) mod tests;

pub(crate) use rules::{
    RuleGroup, contract_groups, has_rules, has_slo_rules, may_have_unit_tests, platform_groups,
    rule_groups,
};
// The inputs of the rules, for the Helm chart's templates that build the same rules.
pub(crate) use cron::late_after_seconds;
pub(crate) use rules::{latency_threshold, slos};
pub(crate) use unit_tests::{shared_thresholds, unit_tests};

use crate::resolve::{Platform, ResolvedService};

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

/// The Grafana uid of a service's own dashboard in an environment (with
/// `monitoring.dashboards.per_service`).
pub(crate) fn dashboard_uid(env: &str, s: &ResolvedService) -> String {
    grafana_uid(format!("pave-{env}-{}", s.name))
}

/// The Grafana uid of an environment's templated dashboard.
pub(crate) fn environment_dashboard_uid(p: &Platform, env: &str) -> String {
    grafana_uid(format!("pave-{}-{env}", p.name))
}

/// Grafana refuses uids over 40 characters: a longer one keeps its first 31 and ends
/// with 8 hex digits of its SHA-256, so it stays stable and distinct.
fn grafana_uid(uid: String) -> String {
    const MAX: usize = 40;
    if uid.len() <= MAX {
        return uid;
    }
    let hash = crate::digest::sha256_hex(uid.as_bytes());
    // Names are ASCII (DNS labels), so any byte offset is a character boundary.
    format!("{}-{}", &uid[..MAX - 9], &hash[..8])
}

/// Where a service's dashboard in `env` is, when the platform names Grafana's URL:
/// its own dashboard, or the environment's with the `service` variable set. Alerts,
/// the catalog and `explain` all link through here.
pub(crate) fn dashboard_url(p: &Platform, env: &str, s: &ResolvedService) -> Option<String> {
    let o = &p.observability;
    let base = o.dashboard_url.as_deref()?.trim_end_matches('/');
    if !o.enabled {
        return None;
    }
    Some(match o.dashboards_per_service {
        true => format!("{base}/d/{}", dashboard_uid(env, s)),
        false => format!(
            "{base}/d/{}?var-service={}",
            environment_dashboard_uid(p, env),
            s.name
        ),
    })
}
