//! `pave explain SERVICE`: each resolved value of a service with the layer and the
//! place it came from.

use std::path::Path;

use super::{Exit, Output, messages};
use crate::observe::routing::receiver_name;
use crate::resolve::{
    Environment, Gitops, GitopsEngine, Network, Platform, PodSettings, ResolvedService, Routing,
    Urgency,
};
use crate::source::SourceMap;

/// Prints each resolved value of a service with the layer and place it came from.
pub fn explain(root: &Path, service: &str, envs: &[String], output: Output) -> Exit {
    super::with_model(root, output, |compilation, model| {
        let selected: Vec<_> = model
            .services
            .iter()
            .filter(|s| s.name == service && (envs.is_empty() || envs.contains(&s.env)))
            .collect();
        if selected.is_empty() {
            let names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
            return super::usage(messages::unknown_explained_service(service, &names), output);
        }
        for s in selected {
            print!("{}", explained(s, &compilation.sources));
            let env = model.platform.environments.iter().find(|e| e.name == s.env);
            print!(
                "{}",
                infrastructure(s, env.and_then(|e| e.network.as_ref()))
            );
            print!("{}", alert_routes(&model.platform, s));
            if let Some(env) = env {
                print!("{}", delivery(&model.platform, env, s));
            }
            print!("{}", pod_settings(model.platform.pods(&s.env), &s.env));
        }
        Exit::Ok
    })
}

/// Where each module need's resources live, where its secret outputs are written and
/// which secrets Terraform generates: not service fields, so they come from the
/// environment and the module.
fn infrastructure(s: &ResolvedService, network: Option<&Network>) -> String {
    let mut out = String::new();
    for need in &s.module_needs {
        let mut line = |key: &str, value: String, from: &str| {
            let key = format!("needs.{}.{key}", need.name);
            out.push_str(&format!("  {key:<32} {value:<28} {from}\n"));
        };
        if let (true, Some(n)) = (need.in_network, network) {
            line("network.vpc_id", quoted(&n.vpc_id), "environment network");
            line(
                "network.subnet_ids",
                serde_json::to_string(&n.subnet_ids).unwrap_or_default(),
                "environment network",
            );
            line(
                "network.clients",
                quoted(&n.client_security_group_id),
                "environment network",
            );
        }
        if !s.renamed_from.is_empty() || !need.renamed_from.is_empty() {
            let service = crate::resolve::state_name(&s.name, &s.renamed_from);
            let name = crate::resolve::state_name(&need.name, &need.renamed_from);
            let state = quoted(&format!("{service}/{name}"));
            line("state_name", state, "renamed_from (physical names)");
        }
        if !need.secrets.is_empty() {
            line("secret", quoted(&need.secret_path), "secret store");
        }
        for name in need.generate.keys() {
            // The address `terraform apply -replace=...` rotates.
            let label = crate::render::terraform::generated_label(
                &crate::render::terraform::ident(&[&s.name, &need.name]),
                name,
            );
            let address = format!("random_password.{label}");
            line(
                &format!("generated.{name}"),
                quoted(&address),
                "module generate",
            );
        }
    }
    out
}

/// Where the service's pages and tickets go in its environment, when alerts are
/// routed: the receiver each urgency ends at after `monitoring.severity`.
fn alert_routes(p: &Platform, s: &ResolvedService) -> String {
    if p.monitoring.routing == Routing::None {
        return String::new();
    }
    let from = format!("teams.{}, monitoring.severity", s.owner);
    [(Urgency::Page, "page"), (Urgency::Ticket, "ticket")]
        .into_iter()
        .map(|(u, word)| {
            let value = p.observability.urgency_in(&s.env, u).map_or_else(
                || "none".to_string(),
                |to| quoted(&receiver_name(&s.owner, to)),
            );
            let key = format!("alerts.{word}.receiver");
            format!("  {key:<32} {value:<28} {from}\n")
        })
        .collect()
}

/// How the service reaches its cluster and the developer portal: not service fields,
/// so they come from the platform's targets.
fn delivery(platform: &Platform, env: &Environment, s: &ResolvedService) -> String {
    let mut out = String::new();
    if let Some(g) = &platform.targets.gitops {
        let (engine, kind) = match g.engine {
            GitopsEngine::ArgoCd => ("argocd", "Application"),
            GitopsEngine::Flux => ("flux", "Kustomization"),
        };
        let value = format!(
            "{engine} {kind} {}",
            Gitops::object_name(&platform.name, &env.name)
        );
        let from = match g.waits_for_person(env) {
            true => "targets.gitops (protected: deployed by hand)",
            false => "targets.gitops",
        };
        out.push_str(&format!(
            "  {:<32} {:<28} {from}\n",
            "delivery.gitops",
            quoted(&value)
        ));
    }
    if platform.targets.catalog.is_some() {
        let value = format!("Component {}", s.name);
        out.push_str(&format!(
            "  {:<32} {:<28} targets.catalog\n",
            "delivery.catalog",
            quoted(&value)
        ));
    }
    out
}

/// What the platform puts on every pod of the environment: not service fields, so
/// their origin is the environment.
fn pod_settings(pods: &PodSettings, env: &str) -> String {
    let from = format!("platform environments.{env}");
    let mut out = String::new();
    let mut line = |key: String, value: String| {
        out.push_str(&format!("  {key:<32} {value:<28} {from}\n"));
    };
    for (field, map) in [
        ("node_selector", &pods.node_selector),
        ("labels", &pods.labels),
        ("pod_annotations", &pods.pod_annotations),
    ] {
        for (k, v) in map {
            line(format!("{field}.{k}"), quoted(v));
        }
    }
    for (i, t) in pods.tolerations.iter().enumerate() {
        let parts = [
            t.key.as_deref().map(|k| format!("key={k}")),
            Some(format!("operator={}", t.operator)),
            t.value.as_deref().map(|v| format!("value={v}")),
            t.effect.map(|e| format!("effect={e}")),
            t.toleration_seconds.map(|s| format!("seconds={s}")),
        ];
        let text: Vec<String> = parts.into_iter().flatten().collect();
        line(format!("tolerations.{i}"), quoted(&text.join(" ")));
    }
    for (i, name) in pods.image_pull_secrets.iter().enumerate() {
        line(format!("image_pull_secrets.{i}"), quoted(name));
    }
    out
}

fn quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// A JSON pointer as a dotted path, each key unescaped (`/files/~1etc~1app.yaml`
/// reads `files./etc/app.yaml`).
fn dotted(pointer: &str) -> String {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// One service in one environment: a heading, then one line per scalar value.
fn explained(s: &ResolvedService, sources: &SourceMap) -> String {
    let mut out = format!("{} in {} (namespace {})\n", s.name, s.env, s.namespace);
    for (pointer, origin) in &s.provenance {
        let Some(value) = s
            .fields
            .pointer(pointer)
            .filter(|v| !v.is_object() && !v.is_array())
        else {
            continue;
        };
        let place = origin.span.map_or_else(String::new, |span| {
            let lc = sources.line_col(span);
            format!(" {}:{}:{}", sources.file(span.file).name, lc.line, lc.col)
        });
        out.push_str(&format!(
            "  {:<32} {:<28} {}{}\n",
            dotted(pointer),
            value.to_string(),
            origin.layer.as_str(),
            place
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::dotted;

    #[test]
    fn pointers_read_as_dotted_paths_with_keys_unescaped() {
        assert_eq!(dotted("/env/LOG_LEVEL"), "env.LOG_LEVEL");
        assert_eq!(dotted("/files/~1etc~1app.yaml"), "files./etc/app.yaml");
        assert_eq!(dotted("/a~0b"), "a~b");
    }
}
