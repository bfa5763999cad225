//! The Alertmanager target, for Alertmanager without the Prometheus Operator:
//! `<output>/alertmanager/<env>/alertmanager.yml`, a whole configuration `amtool
//! check-config` accepts. Alerts of each team owning services in the environment go
//! to its page receiver (critical) or ticket receiver (warning); anything else to an
//! empty `pave-default` receiver. Credentials are `*_file` paths under
//! [`SECRETS_DIR`], never values.

use serde::Serialize;

use super::{RenderCx, yaml_file};
use crate::diag::Diagnostic;
use crate::observe::routing::{self, Inhibition, Matcher, TeamRoute};
use crate::output::{Artifact, Scope};
use crate::resolve::{Receiver, SecretKeyRef, Urgency};

/// Where Alertmanager finds a Secret's keys as files: the Prometheus Operator mounts
/// `Alertmanager.spec.secrets` here, one folder per Secret, and any other setup can
/// mount the same Secrets at the same place.
pub(crate) const SECRETS_DIR: &str = "/etc/alertmanager/secrets";

/// The receiver of alerts no team route matches.
const DEFAULT_RECEIVER: &str = "pave-default";

#[derive(Serialize)]
struct Config {
    route: Route,
    receivers: Vec<AmReceiver>,
    inhibit_rules: Vec<InhibitRule>,
}

#[derive(Serialize)]
struct Route {
    receiver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    group_by: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    matchers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<Route>,
}

#[derive(Serialize)]
struct InhibitRule {
    source_matchers: Vec<String>,
    target_matchers: Vec<String>,
    equal: Vec<&'static str>,
}

#[derive(Serialize, Default)]
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

#[derive(Serialize)]
struct SlackConfig {
    api_url_file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<String>,
}

#[derive(Serialize)]
struct PagerdutyConfig {
    routing_key_file: String,
}

#[derive(Serialize)]
struct EmailConfig {
    to: String,
    from: String,
    smarthost: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_password_file: Option<String>,
}

#[derive(Serialize)]
struct WebhookConfig {
    url: String,
}

#[derive(Serialize)]
struct OpsgenieConfig {
    api_key_file: String,
}

pub(crate) fn render(cx: &RenderCx) -> Result<Vec<Artifact>, Diagnostic> {
    let p = &cx.model.platform;
    let mut out = Vec::new();
    for env in &p.environments {
        let services = cx.model.services.iter().filter(|s| s.env == env.name);
        let teams = routing::team_routes(p, services);
        let scope = Scope {
            env: Some(env.name.clone()),
            service: None,
        };
        let path = format!("{}/alertmanager.yml", cx.layout.alertmanager_dir(&env.name));
        out.push(yaml_file(path, scope, &config(&teams))?);
    }
    Ok(out)
}

fn config(teams: &[TeamRoute]) -> Config {
    let mut receivers = vec![AmReceiver {
        name: DEFAULT_RECEIVER.to_string(),
        ..AmReceiver::default()
    }];
    for team in teams {
        for u in [Urgency::Page, Urgency::Ticket] {
            receivers.push(receiver(team.receiver_name(u), team.receiver(u)));
        }
    }
    Config {
        route: Route {
            receiver: DEFAULT_RECEIVER.to_string(),
            group_by: routing::GROUP_BY.to_vec(),
            matchers: Vec::new(),
            routes: teams.iter().map(team_route).collect(),
        },
        receivers,
        inhibit_rules: routing::inhibitions().iter().map(inhibit_rule).collect(),
    }
}

/// The team's route: its ticket receiver unless a child matches the severity.
fn team_route(team: &TeamRoute) -> Route {
    Route {
        receiver: team.receiver_name(Urgency::Ticket),
        group_by: Vec::new(),
        matchers: vec![matcher(&team.matcher())],
        routes: team
            .by_urgency()
            .into_iter()
            .map(|(_, severity, receiver)| Route {
                receiver,
                group_by: Vec::new(),
                matchers: vec![matcher(&severity)],
                routes: Vec::new(),
            })
            .collect(),
    }
}

/// `name="value"` or `name=~"value"`, the value quoted as Alertmanager's matcher
/// parser reads it.
fn matcher(m: &Matcher) -> String {
    let op = if m.regex { "=~" } else { "=" };
    let value = m.value.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{}{op}\"{value}\"", m.name)
}

fn inhibit_rule(i: &Inhibition) -> InhibitRule {
    InhibitRule {
        source_matchers: i.source.iter().map(matcher).collect(),
        target_matchers: i.target.iter().map(matcher).collect(),
        equal: i.equal.clone(),
    }
}

/// The file a Secret's key is mounted as.
pub(crate) fn secret_file(r: &SecretKeyRef) -> String {
    format!("{SECRETS_DIR}/{}/{}", r.secret, r.key)
}

fn receiver(name: String, r: &Receiver) -> AmReceiver {
    AmReceiver {
        name,
        slack_configs: r
            .slack
            .iter()
            .map(|s| SlackConfig {
                api_url_file: secret_file(&s.api_url),
                channel: s.channel.clone(),
            })
            .collect(),
        pagerduty_configs: r
            .pagerduty
            .iter()
            .map(|p| PagerdutyConfig {
                routing_key_file: secret_file(&p.routing_key),
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
                auth_password_file: e.auth_password.as_ref().map(secret_file),
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
                api_key_file: secret_file(&o.api_key),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_quote_their_values() {
        let m = Matcher {
            name: "alertname",
            value: "A|B".into(),
            regex: true,
        };
        assert_eq!(matcher(&m), "alertname=~\"A|B\"");
    }

    #[test]
    fn a_secret_is_a_file_path_never_a_value() {
        let r = SecretKeyRef {
            secret: "pagerduty".into(),
            key: "routing-key".into(),
        };
        assert_eq!(
            secret_file(&r),
            "/etc/alertmanager/secrets/pagerduty/routing-key"
        );
    }
}
