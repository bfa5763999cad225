//! Renames that keep state: `renamed_from` on a service file or on a module need.
//!
//! A rename changes Terraform addresses (`module.<service>_<need>`) and would change
//! physical names built from the names (an RDS identifier, a bucket), which replaces
//! the resource whatever its address. So a renamed service or need keeps a *state
//! name*: the oldest name of its history, the one its resources were created under.
//! Module templates read it as `service.state_name` / `need.state_name`; pave uses it
//! for the secret path, the security group and the IAM role, and the Terraform
//! renderer moves every address along the history (`render/terraform_moved.rs`).
//!
//! The checks here make the history unambiguous: an old name that still exists, a
//! loop, or one old name claimed twice would let two resources claim one state.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};

use super::{ServiceInput, messages};
use crate::diag::Diagnostic;
use crate::load::{Document, pointer_push};
use crate::model::service::Previous;
use crate::source::Span;

/// The previous names a `renamed_from` value lists, newest first (none when absent
/// or not of the schema's shape, which the schema reports).
pub(crate) fn history(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(|v| serde_json::from_value::<Previous>(v.clone()).ok())
        .map(|p| p.names())
        .unwrap_or_default()
}

/// The name state lives under: the oldest previous name, else the current one.
pub(crate) fn state_name<'a>(name: &'a str, history: &'a [String]) -> &'a str {
    history.last().map_or(name, String::as_str)
}

/// Each entry of a `renamed_from` at `pointer`: its name and where it was written.
fn entries(doc: &Document, pointer: &str) -> Vec<(String, Span)> {
    let ptr = pointer_push(pointer, "renamed_from");
    match doc.value.pointer(&ptr) {
        Some(Value::String(name)) => vec![(name.clone(), doc.span(&ptr))],
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let at = doc.span(&pointer_push(&ptr, &i.to_string()));
                v.as_str().map(|n| (n.to_string(), at))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Service renames across files: an old name that is still a service (E0580), a loop
/// (E0581), an old name two services claim (E0582). `existing` holds every service
/// file's name, files with errors of their own included.
pub(crate) fn check_services(
    services: &[ServiceInput],
    existing: &HashSet<&str>,
    diags: &mut Vec<Diagnostic>,
) {
    let histories: BTreeMap<&str, Vec<String>> = services
        .iter()
        .map(|s| (s.name.as_str(), history(s.doc.value.get("renamed_from"))))
        .collect();
    let mut claimed: BTreeMap<String, (&str, Span)> = BTreeMap::new();
    for s in services {
        for (old, at) in entries(s.doc, "") {
            if let Some(path) = rename_loop(&s.name, &old, &histories) {
                diags.push(messages::rename_loop(at, &s.name, &path));
            } else if existing.contains(old.as_str()) {
                diags.push(messages::renamed_from_existing(at, &s.name, &old));
            } else if let Some((first, first_at)) = claimed.get(&old) {
                diags.push(messages::rename_claimed_twice(at, *first_at, &old, first));
            } else {
                claimed.insert(old, (&s.name, at));
            }
        }
    }
}

/// The loop `renamed_from: old` closes back to `name`, as the names along it
/// (`a → b → c → a`), following each existing service's own `renamed_from`.
fn rename_loop(name: &str, old: &str, histories: &BTreeMap<&str, Vec<String>>) -> Option<String> {
    // Breadth-first over the rename graph from `old`, each service once, so it ends;
    // `parent` rebuilds the path found.
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([old]);
    let mut seen: HashSet<&str> = HashSet::from([old]);
    while let Some(at) = queue.pop_front() {
        if at == name {
            let mut path = vec![name];
            let mut step = name;
            while step != old {
                step = parent[step];
                path.push(step);
            }
            path.push(name);
            path.reverse();
            return Some(path.join(" → "));
        }
        for next in histories.get(at).into_iter().flatten() {
            if seen.insert(next) {
                parent.insert(next, at);
                queue.push_back(next);
            }
        }
    }
    None
}

/// Need renames within one service in one environment: an old key the service still
/// has, or the need itself (E0583), an old key two needs claim (E0584). `needs` is the
/// layered `needs` mapping; `span_of` maps a pointer to where it was written.
pub(crate) fn check_needs(
    needs: &Map<String, Value>,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) {
    let mut claimed: BTreeMap<&str, (&str, Span)> = BTreeMap::new();
    for (need, spec) in needs {
        let ptr = pointer_push(&pointer_push("/needs", need), "renamed_from");
        let at = |i: Option<usize>| match i {
            Some(i) => span_of(&pointer_push(&ptr, &i.to_string())),
            None => span_of(&ptr),
        };
        let olds: Vec<(&str, Span)> = match spec.get("renamed_from") {
            Some(Value::String(old)) => vec![(old.as_str(), at(None))],
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.as_str().map(|o| (o, at(Some(i)))))
                .collect(),
            _ => Vec::new(),
        };
        for (old, at) in olds {
            if needs.contains_key(old) {
                diags.push(messages::need_renamed_from_existing(at, need, old));
            } else if let Some((first, first_at)) = claimed.get(old) {
                diags.push(messages::need_rename_claimed_twice(
                    at, *first_at, old, first,
                ));
            } else {
                claimed.insert(old, (need, at));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn history_reads_one_name_or_a_list_and_the_oldest_holds_state() {
        assert_eq!(history(Some(&json!("api"))), ["api"]);
        let many = history(Some(&json!(["api", "old-api"])));
        assert_eq!(many, ["api", "old-api"]);
        assert_eq!(state_name("core", &many), "old-api");
        assert_eq!(state_name("core", &[]), "core");
        assert!(history(None).is_empty());
    }

    #[test]
    fn loops_are_found_across_services_and_on_oneself() {
        let h = |pairs: &[(&'static str, &[&str])]| -> BTreeMap<&'static str, Vec<String>> {
            pairs
                .iter()
                .map(|(n, olds)| (*n, olds.iter().map(|o| o.to_string()).collect()))
                .collect()
        };
        let two = h(&[("a", &["b"]), ("b", &["a"])]);
        assert_eq!(rename_loop("a", "b", &two).as_deref(), Some("a → b → a"));
        let three = h(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        assert_eq!(
            rename_loop("a", "b", &three).as_deref(),
            Some("a → b → c → a")
        );
        assert_eq!(
            rename_loop("a", "a", &h(&[("a", &["a"])])).as_deref(),
            Some("a → a")
        );
        let chain = h(&[("a", &["b"]), ("b", &["c"])]);
        assert_eq!(rename_loop("a", "b", &chain), None);
    }
}
