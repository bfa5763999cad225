//! Grafana dashboards (placeholder until the dashboard renderer lands).

use crate::resolve::ResolvedService;

/// The stable uid of a service's dashboard in one environment.
pub fn uid(env: &str, s: &ResolvedService) -> String {
    format!("pave-{env}-{}", s.name)
}
