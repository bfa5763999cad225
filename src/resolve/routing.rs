//! Checks of alert routing (`monitoring.routing`, `teams`): every owner is a team
//! (E0571) and the targets routing writes into are on (E0572).

use super::ServiceInput;
use super::messages;
use super::resolved::{Platform, Routing};
use crate::diag::Diagnostic;
use crate::load::Document;

/// With routing on, a service whose owner has no `teams` entry would page no one:
/// reported at its `owner`, once per service file.
pub(crate) fn check_owners(
    platform: &Platform,
    services: &[ServiceInput],
    diags: &mut Vec<Diagnostic>,
) {
    if platform.monitoring.routing == Routing::None {
        return;
    }
    let teams = platform.teams.keys().map(String::as_str);
    for s in services {
        let Some(owner) = s.doc.value.get("owner").and_then(|o| o.as_str()) else {
            continue;
        };
        if !platform.teams.contains_key(owner) {
            diags.push(messages::owner_without_team(
                s.doc.span("/owner"),
                owner,
                teams.clone(),
            ));
        }
    }
}

/// Routing routes the alerts of the Prometheus target; the AlertmanagerConfig form
/// also lives in the Kubernetes tree.
pub(crate) fn check_targets(platform: &Platform, pdoc: &Document, diags: &mut Vec<Diagnostic>) {
    let routing = platform.monitoring.routing;
    let (name, needs_kubernetes) = match routing {
        Routing::None => return,
        Routing::AlertmanagerConfig => ("alertmanager-config", true),
        Routing::Alertmanager => ("alertmanager", false),
    };
    let at = pdoc.span("/monitoring/routing");
    if !platform.observability.enabled {
        diags.push(messages::routing_without_target(at, name, "prometheus"));
    } else if needs_kubernetes && !platform.targets.kubernetes {
        diags.push(messages::routing_without_target(at, name, "kubernetes"));
    }
}
