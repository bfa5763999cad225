//! `pave explain SERVICE`: each resolved value of a service with the layer and the
//! place it came from.

use std::path::Path;

use super::{Exit, Output, messages};
use crate::resolve::{Network, PodSettings, ResolvedService};
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
            print!("{}", pod_settings(model.platform.pods(&s.env), &s.env));
        }
        Exit::Ok
    })
}

/// Where each module need's resources live and where its secret outputs are
/// written: not service fields, so they come from the environment and the module.
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
        if !need.secrets.is_empty() {
            line("secret", quoted(&need.secret_path), "secret store");
        }
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
