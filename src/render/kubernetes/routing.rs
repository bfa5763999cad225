//! AlertmanagerConfig objects (Prometheus Operator, `monitoring.coreos.com/v1alpha1`):
//! one per team and namespace in each environment, routing the team's alerts by
//! `severity` to its page and ticket receivers, with pave's inhibitions.
//!
//! The operator adds a `namespace` matcher to the route and inhibitions of a
//! namespaced AlertmanagerConfig, so each object only sees alerts of its own
//! namespace; pave's alerts all carry `namespace` (the service's), which is why one
//! object per namespace the team runs services in is needed.

use serde::Serialize;

use super::objects::{Labels, Metadata, Object, Spec};
use crate::observe::routing::{self, Inhibition, Matcher, TeamRoute};
use crate::resolve::{Platform, Receiver, ResolvedService, SecretKeyRef, Urgency};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AlertmanagerConfigSpec {
    route: Route,
    receivers: Vec<AmReceiver>,
    inhibit_rules: Vec<InhibitRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Route {
    receiver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    group_by: Vec<&'static str>,
    matchers: Vec<AmMatcher>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<Route>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AmMatcher {
    name: &'static str,
    value: String,
    match_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InhibitRule {
    source_match: Vec<AmMatcher>,
    target_match: Vec<AmMatcher>,
    equal: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AmReceiver {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    slack_configs: Vec<SlackConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pagerduty_configs: Vec<PagerdutyConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    email_configs: Vec<EmailConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    webhook_configs: Vec<WebhookConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    opsgenie_configs: Vec<OpsgenieConfig>,
}

/// A key of a Secret in the AlertmanagerConfig's namespace.
#[derive(Serialize)]
struct SecretKeySelector {
    name: String,
    key: String,
}

#[derive(Serialize)]
struct SlackConfig {
    #[serde(rename = "apiURL")]
    api_url: SecretKeySelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PagerdutyConfig {
    routing_key: SecretKeySelector,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EmailConfig {
    to: String,
    from: String,
    smarthost: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_password: Option<SecretKeySelector>,
}

#[derive(Serialize)]
struct WebhookConfig {
    url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OpsgenieConfig {
    api_key: SecretKeySelector,
}

/// One AlertmanagerConfig per (namespace, team) of an environment's services, in
/// namespace then team order, each with its file stem.
pub(super) fn alertmanager_configs(
    platform: &Platform,
    env: &str,
    services: &[&ResolvedService],
) -> Vec<(String, Object<Spec<AlertmanagerConfigSpec>>)> {
    let mut out = Vec::new();
    for (ns, of_ns) in routing::by_namespace(services.iter().copied()) {
        for team in routing::team_routes(platform, of_ns) {
            let stem = format!("alertmanagerconfig-{ns}.{}", object_name(team.team));
            out.push((stem, object(platform, env, ns, &team)));
        }
    }
    out
}

/// `pave-<team>`, lowercased with `_` as `-`: an object name is a DNS subdomain,
/// a team name may not be.
fn object_name(team: &str) -> String {
    crate::observe::routing::team_object_name(team)
}

fn object(
    platform: &Platform,
    env: &str,
    ns: &str,
    team: &TeamRoute,
) -> Object<Spec<AlertmanagerConfigSpec>> {
    let mut labels = Labels::from([
        (
            "app.kubernetes.io/managed-by".to_string(),
            "pave".to_string(),
        ),
        (
            "app.kubernetes.io/part-of".to_string(),
            platform.name.clone(),
        ),
        ("pave/environment".to_string(), env.to_string()),
        ("pave/owner".to_string(), team.team.to_string()),
        (
            "app.kubernetes.io/name".to_string(),
            "pave-alert-routing".to_string(),
        ),
    ]);
    labels.extend(platform.monitoring.labels.clone());
    Object {
        api_version: "monitoring.coreos.com/v1alpha1",
        kind: "AlertmanagerConfig",
        metadata: Metadata {
            name: object_name(team.team),
            namespace: Some(ns.to_string()),
            labels,
            ..Metadata::default()
        },
        body: Spec { spec: spec(team) },
    }
}

fn spec(team: &TeamRoute) -> AlertmanagerConfigSpec {
    let routes = team
        .by_urgency()
        .into_iter()
        .map(|(_, severity, receiver)| Route {
            receiver,
            group_by: Vec::new(),
            matchers: vec![matcher(&severity)],
            routes: Vec::new(),
        })
        .collect();
    AlertmanagerConfigSpec {
        // The operator requires a receiver on the top route; an alert of the team
        // with neither severity is at most a ticket.
        route: Route {
            receiver: team.receiver_name(Urgency::Ticket),
            group_by: routing::GROUP_BY.to_vec(),
            matchers: vec![matcher(&team.matcher())],
            routes,
        },
        receivers: [Urgency::Page, Urgency::Ticket]
            .map(|u| receiver(team.receiver_name(u), team.receiver(u)))
            .into(),
        inhibit_rules: routing::inhibitions().iter().map(inhibit_rule).collect(),
    }
}

fn matcher(m: &Matcher) -> AmMatcher {
    AmMatcher {
        name: m.name,
        value: m.value.clone(),
        match_type: if m.regex { "=~" } else { "=" },
    }
}

fn inhibit_rule(i: &Inhibition) -> InhibitRule {
    InhibitRule {
        source_match: i.source.iter().map(matcher).collect(),
        target_match: i.target.iter().map(matcher).collect(),
        equal: i.equal.clone(),
    }
}

fn secret(r: &SecretKeyRef) -> SecretKeySelector {
    SecretKeySelector {
        name: r.secret.clone(),
        key: r.key.clone(),
    }
}

fn receiver(name: String, r: &Receiver) -> AmReceiver {
    AmReceiver {
        name,
        slack_configs: r
            .slack
            .iter()
            .map(|s| SlackConfig {
                api_url: secret(&s.api_url),
                channel: s.channel.clone(),
            })
            .collect(),
        pagerduty_configs: r
            .pagerduty
            .iter()
            .map(|p| PagerdutyConfig {
                routing_key: secret(&p.routing_key),
            })
            .collect(),
        email_configs: r
            .email
            .iter()
            .map(|e| EmailConfig {
                to: e.to.clone(),
                from: e.from.clone(),
                smarthost: e.smarthost.clone(),
                auth_username: e.auth_username.clone(),
                auth_password: e.auth_password.as_ref().map(secret),
            })
            .collect(),
        webhook_configs: r
            .webhook
            .iter()
            .map(|w| WebhookConfig { url: w.url.clone() })
            .collect(),
        opsgenie_configs: r
            .opsgenie
            .iter()
            .map(|o| OpsgenieConfig {
                api_key: secret(&o.api_key),
            })
            .collect(),
    }
}
