//! Routing alerts to their owners, as data: which team receives what (`team` and
//! `severity` labels), and which alerts silence which (inhibitions). The Kubernetes
//! target writes it as AlertmanagerConfig objects, the Alertmanager target as a plain
//! configuration; neither decides anything of its own.

use std::collections::{BTreeMap, BTreeSet};

use crate::resolve::{Platform, ResolvedService, TeamReceivers, Urgency};

/// Labels that make one notification: one alert of one service in one environment.
pub(crate) const GROUP_BY: [&str; 4] = ["alertname", "env", "namespace", "service"];

/// The contract alert that says the service's pods cannot be scraped.
const TARGET_DOWN: &str = "ServiceTargetDown";

/// The SLO alerts a down target explains: burns (the load balancer still sends to the
/// dead pod) and missing series.
const SLO_ALERTS: [&str; 4] = [
    "SLOFastBurn",
    "SLOSlowBurn",
    "SLOMetricsAbsent",
    "SLOLatencyBucketAbsent",
];

/// One label matcher: `name="value"`, or `name=~"value"` when `regex`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Matcher {
    pub(crate) name: &'static str,
    pub(crate) value: String,
    pub(crate) regex: bool,
}

impl Matcher {
    fn equal(name: &'static str, value: &str) -> Matcher {
        Matcher {
            name,
            value: value.to_string(),
            regex: false,
        }
    }
}

/// An inhibition: while an alert matching `source` fires, alerts matching `target`
/// with the same values of `equal` are not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inhibition {
    pub(crate) source: Vec<Matcher>,
    pub(crate) target: Vec<Matcher>,
    pub(crate) equal: Vec<&'static str>,
}

/// A page silences the ticket of the same service and environment; a down target
/// silences that service's SLO alerts.
pub(crate) fn inhibitions() -> Vec<Inhibition> {
    let same = vec!["env", "service"];
    vec![
        Inhibition {
            source: vec![Matcher::equal("severity", Urgency::Page.label())],
            target: vec![Matcher::equal("severity", Urgency::Ticket.label())],
            equal: same.clone(),
        },
        Inhibition {
            source: vec![Matcher::equal("alertname", TARGET_DOWN)],
            target: vec![Matcher {
                name: "alertname",
                value: SLO_ALERTS.join("|"),
                regex: true,
            }],
            equal: same,
        },
    ]
}

/// One team's routes: everything labelled `team` goes to its ticket receiver, unless
/// its severity is the page's.
pub(crate) struct TeamRoute<'a> {
    pub(crate) team: &'a str,
    pub(crate) receivers: &'a TeamReceivers,
}

impl TeamRoute<'_> {
    /// The matcher of the team's route.
    pub(crate) fn matcher(&self) -> Matcher {
        Matcher::equal("team", self.team)
    }

    /// Each urgency, the matcher of its severity and its receiver's name.
    pub(crate) fn by_urgency(&self) -> [(Urgency, Matcher, String); 2] {
        [Urgency::Page, Urgency::Ticket].map(|u| {
            (
                u,
                Matcher::equal("severity", u.label()),
                self.receiver_name(u),
            )
        })
    }

    /// `<team>-page` or `<team>-ticket`.
    pub(crate) fn receiver_name(&self, u: Urgency) -> String {
        receiver_name(self.team, u)
    }

    pub(crate) fn receiver(&self, u: Urgency) -> &crate::resolve::Receiver {
        match u {
            Urgency::Page => &self.receivers.page,
            Urgency::Ticket => &self.receivers.ticket,
        }
    }
}

/// The name of a team's receiver of an urgency: `<team>-page` or `<team>-ticket`.
/// The name of a team's AlertmanagerConfig objects: a Kubernetes name has no
/// capitals or `_`, so `Team_Web` is `pave-team-web` (two teams that read the same
/// are refused, `resolve::routing::check_team_names`).
pub(crate) fn team_object_name(team: &str) -> String {
    format!("pave-{}", team.to_ascii_lowercase().replace('_', "-"))
}

pub(crate) fn receiver_name(team: &str, u: Urgency) -> String {
    format!("{team}-{}", urgency_word(u))
}

fn urgency_word(u: Urgency) -> &'static str {
    match u {
        Urgency::Page => "page",
        Urgency::Ticket => "ticket",
    }
}

/// The teams owning services among `services`, each once, by name. Owners without a
/// team were reported in resolve (E0571), so none is missing here.
pub(crate) fn team_routes<'a>(
    p: &'a Platform,
    services: impl IntoIterator<Item = &'a ResolvedService>,
) -> Vec<TeamRoute<'a>> {
    let owners: BTreeSet<&str> = services.into_iter().map(|s| s.owner.as_str()).collect();
    owners
        .into_iter()
        .filter_map(|team| {
            let (team, receivers) = p.teams.get_key_value(team)?;
            Some(TeamRoute {
                team: team.as_str(),
                receivers,
            })
        })
        .collect()
}

/// The services of one environment by namespace: a namespaced AlertmanagerConfig
/// only ever sees alerts of its own namespace.
pub(crate) fn by_namespace<'a>(
    services: impl IntoIterator<Item = &'a ResolvedService>,
) -> BTreeMap<&'a str, Vec<&'a ResolvedService>> {
    let mut out: BTreeMap<&str, Vec<&ResolvedService>> = BTreeMap::new();
    for s in services {
        out.entry(s.namespace.as_str()).or_default().push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_inhibit_tickets_and_a_down_target_inhibits_slo_alerts_of_the_same_service() {
        let rules = inhibitions();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].source[0].value, "critical");
        assert_eq!(rules[0].target[0].value, "warning");
        assert_eq!(rules[1].source[0].value, "ServiceTargetDown");
        assert!(rules[1].target[0].regex);
        assert!(rules[1].target[0].value.contains("SLOFastBurn"));
        assert!(rules.iter().all(|r| r.equal == ["env", "service"]));
    }
}
