//! Routes checked across services and environments, once every service is resolved:
//! two services of one environment routing the same host and path (E0542), and a
//! host outside the environment's domain claimed by several environments (E0543).

use std::collections::BTreeMap;

use super::messages;
use super::resolved::{Platform, ResolvedService};
use crate::diag::Diagnostic;
use crate::source::Span;

/// Every route conflict, each reported once at the route host that causes it.
pub(crate) fn check_routes(
    platform: &Platform,
    services: &[ResolvedService],
    diags: &mut Vec<Diagnostic>,
) {
    same_route_twice(services, diags);
    host_shared_by_environments(platform, services, diags);
}

fn host_span(s: &ResolvedService) -> Option<Span> {
    s.provenance.get("/route/host").and_then(|o| o.span)
}

/// Two Ingresses with one host and path: the controller picks one of them, so the
/// other service silently gets no traffic.
fn same_route_twice(services: &[ResolvedService], diags: &mut Vec<Diagnostic>) {
    let mut first: BTreeMap<(&str, &str, &str), &ResolvedService> = BTreeMap::new();
    for s in services {
        let Some(route) = &s.route else { continue };
        let key = (s.env.as_str(), route.host.as_str(), route.path.as_str());
        match first.get(&key) {
            None => {
                first.insert(key, s);
            }
            Some(earlier) => {
                let (Some(at), Some(other)) = (host_span(s), host_span(earlier)) else {
                    continue;
                };
                diags.push(messages::route_taken(
                    at,
                    other,
                    &route.host,
                    &route.path,
                    &earlier.name,
                ));
            }
        }
    }
}

/// Whether `host` is the environment's domain or below it.
fn in_domain(host: &str, domain: Option<&str>) -> bool {
    domain.is_some_and(|d| host == d || host.ends_with(&format!(".{d}")))
}

/// A host outside the environment's domain written the same for several environments:
/// their DNS records (external-dns) and certificates would all claim one name.
fn host_shared_by_environments(
    platform: &Platform,
    services: &[ResolvedService],
    diags: &mut Vec<Diagnostic>,
) {
    let domain = |env: &str| {
        platform
            .environments
            .iter()
            .find(|e| e.name == env)
            .and_then(|e| e.domain.as_deref())
    };
    let mut claims: BTreeMap<&str, Vec<&ResolvedService>> = BTreeMap::new();
    for s in services {
        let Some(route) = &s.route else { continue };
        if !in_domain(&route.host, domain(&s.env)) {
            claims.entry(route.host.as_str()).or_default().push(s);
        }
    }
    for (host, by) in claims {
        let mut envs: Vec<&str> = by.iter().map(|s| s.env.as_str()).collect();
        envs.dedup();
        if envs.len() < 2 {
            continue;
        }
        let mut spans: Vec<Span> = by.iter().filter_map(|s| host_span(s)).collect();
        spans.dedup();
        let Some((&at, others)) = spans.split_first() else {
            continue;
        };
        diags.push(messages::host_in_several_environments(
            at, others, host, &envs,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_in_its_domain_or_below_it() {
        assert!(in_domain("acme.io", Some("acme.io")));
        assert!(in_domain("www.acme.io", Some("acme.io")));
        assert!(!in_domain("www.notacme.io", Some("acme.io")));
        assert!(!in_domain("www.acme.io", None));
    }
}
