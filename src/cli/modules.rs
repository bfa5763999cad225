//! `pave modules [TYPE]`: the module types a need can use — pave's built-in ones and
//! the repository's own (`modules/<type>/module.yaml`, which override a built-in of
//! the same type) — with their inputs (type, default, allowed values), outputs
//! (secret or plain value) and the Terraform module they call. Error help about a
//! module points here, not at a file inside pave's source.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::{Exit, Output, messages, stop, usage};
use crate::diag::Diagnostic;
use crate::document::Document;
use crate::source::SourceMap;

/// One module type as `pave modules` shows it.
struct Module<'a> {
    kind: &'a str,
    /// `built-in`, or the repository file that defines it.
    defined_in: String,
    doc: &'a Document,
}

/// Lists the module types, or shows one (`TYPE`).
pub fn modules(root: &Path, kind: Option<&str>, json: bool, output: Output) -> Exit {
    if !root.is_dir() {
        return usage(messages::not_a_directory(root), output);
    }
    let mut sources = SourceMap::default();
    let (inputs, _) = crate::load::load(root, &mut sources);
    let registry = crate::resolve::module::registry(&inputs, &sources);
    if registry.diags.iter().any(Diagnostic::is_error) {
        return stop(&registry.diags, &sources, output);
    }
    let mut known: BTreeMap<&str, Module> = BTreeMap::new();
    let builtin = inputs.builtin_modules.iter().map(|d| (d, true));
    for (doc, is_builtin) in builtin.chain(inputs.modules.iter().map(|d| (d, false))) {
        let Some(kind) = doc.value.get("type").and_then(Value::as_str) else {
            continue;
        };
        let defined_in = match is_builtin {
            true => "built-in".to_string(),
            false => sources.file(doc.file).name.clone(),
        };
        known.insert(
            kind,
            Module {
                kind,
                defined_in,
                doc,
            },
        );
    }
    let shown: Vec<&Module> = match kind {
        Some(k) => match known.get(k) {
            Some(m) => vec![m],
            None => {
                let names: Vec<&str> = known.keys().copied().collect();
                return usage(messages::unknown_module_type(k, &names), output);
            }
        },
        None => known.values().collect(),
    };
    match (json, kind.is_some()) {
        (true, _) => {
            let doc = Value::from(shown.iter().map(|m| module_json(m)).collect::<Vec<_>>());
            // A value built from strings and numbers cannot fail to serialize.
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        (false, true) => shown.iter().for_each(|m| print!("{}", detail_text(m))),
        (false, false) => print!("{}", list_text(&shown)),
    }
    Exit::Ok
}

fn description<'a>(m: &Module<'a>) -> &'a str {
    m.doc
        .value
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `source` and `version` of the Terraform module it calls.
fn terraform(m: &Module) -> (String, String) {
    let get = |k: &str| {
        m.doc
            .value
            .pointer(&format!("/terraform/{k}"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (get("source"), get("version"))
}

fn entries<'a>(m: &'a Module, key: &str) -> Vec<(&'a String, &'a Value)> {
    m.doc
        .value
        .get(key)
        .and_then(Value::as_object)
        .map(|o| o.iter().collect())
        .unwrap_or_default()
}

/// An input's type as a reader writes it: its allowed values, or its JSON type.
fn input_type(schema: &Value) -> String {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(plain).collect();
        return values.join(" | ");
    }
    schema.get("type").map_or_else(|| "any".to_string(), plain)
}

/// A value without JSON quotes when it is a string.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An output is a `secret` (delivered through the secret store) or a plain `value`.
fn output_kind(output: &Value) -> &'static str {
    match output.get("secret") {
        Some(_) => "secret",
        None => "value",
    }
}

fn list_text(modules: &[&Module]) -> String {
    let width = modules
        .iter()
        .map(|m| m.kind.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!("{:<width$}  {:<10}  terraform module\n", "type", "defined");
    for m in modules {
        let (source, version) = terraform(m);
        let defined = if m.defined_in == "built-in" {
            "built-in"
        } else {
            "repository"
        };
        out.push_str(&format!(
            "{:<width$}  {defined:<10}  {source} {version}\n",
            m.kind
        ));
    }
    out.push_str("\n`pave modules TYPE` shows a type's inputs and outputs.\n");
    out
}

fn detail_text(m: &Module) -> String {
    let (source, version) = terraform(m);
    let mut out = format!("{} ({})", m.kind, m.defined_in);
    if !description(m).is_empty() {
        out.push_str(&format!(": {}", description(m)));
    }
    out.push_str(&format!(
        "\nterraform module: {source} {version}\n\ninputs:\n"
    ));
    let inputs = entries(m, "inputs");
    if inputs.is_empty() {
        out.push_str("  (none)\n");
    }
    for (name, schema) in inputs {
        let default = schema.get("default").map_or_else(
            || "no default".to_string(),
            |d| format!("default {}", plain(d)),
        );
        out.push_str(&format!(
            "  {name:<12} {:<28} {default}\n",
            input_type(schema)
        ));
        if let Some(d) = schema.get("description").and_then(Value::as_str) {
            out.push_str(&format!("  {:<12} {d}\n", ""));
        }
    }
    out.push_str("\noutputs (`${needs.NAME.OUTPUT}`):\n");
    for (name, output) in entries(m, "outputs") {
        out.push_str(&format!("  {name:<12} {}\n", output_kind(output)));
    }
    out
}

fn module_json(m: &Module) -> Value {
    let (source, version) = terraform(m);
    let inputs: Vec<Value> = entries(m, "inputs")
        .into_iter()
        .map(|(name, schema)| {
            json!({
                "name": name,
                "type": schema.get("type"),
                "allowed": schema.get("enum"),
                "default": schema.get("default"),
                "description": schema.get("description"),
            })
        })
        .collect();
    let outputs: Vec<Value> = entries(m, "outputs")
        .into_iter()
        .map(|(name, o)| json!({ "name": name, "secret": output_kind(o) == "secret" }))
        .collect();
    json!({
        "type": m.kind,
        "defined_in": m.defined_in,
        "description": description(m),
        "terraform": { "source": source, "version": version },
        "inputs": inputs,
        "outputs": outputs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_reads_as_its_allowed_values_or_its_type() {
        assert_eq!(
            input_type(&json!({ "enum": ["small", "large"] })),
            "small | large"
        );
        assert_eq!(input_type(&json!({ "type": "integer" })), "integer");
        assert_eq!(input_type(&json!({})), "any");
        assert_eq!(
            output_kind(&json!({ "secret": "url", "compose": "x" })),
            "secret"
        );
        assert_eq!(output_kind(&json!({ "value": "5432" })), "value");
    }
}
