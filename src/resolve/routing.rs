//! Checks of alert routing (`monitoring.routing`, `teams`): every owner is a team
//! (E0571) and the targets routing writes into are on (E0572).

use super::ServiceInput;
use super::messages;
use super::resolved::{Platform, Routing};
use crate::diag::Diagnostic;
use crate::load::Document;
use crate::source::Span;

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

/// Two teams whose AlertmanagerConfig objects would have one name (`Team-Web` and
/// `team_web`): the second would replace the first's in every namespace both own.
pub(crate) fn check_team_names(platform: &Platform, pdoc: &Document, diags: &mut Vec<Diagnostic>) {
    if platform.monitoring.routing != Routing::AlertmanagerConfig {
        return;
    }
    // In the order written, so the later of two is the one reported.
    let mut teams: Vec<(Span, &str)> = platform
        .teams
        .keys()
        .map(|t| {
            (
                pdoc.key_span(&crate::document::pointer_push("/teams", t)),
                t.as_str(),
            )
        })
        .collect();
    teams.sort_by_key(|(at, _)| at.start);
    let mut seen: std::collections::HashMap<String, &str> = Default::default();
    for (at, team) in teams {
        let object = crate::observe::routing::team_object_name(team);
        match seen.get(&object) {
            Some(first) => {
                diags.push(messages::team_names_clash(at, team, first, &object));
            }
            None => {
                seen.insert(object, team);
            }
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
