//! Defensive readers of Kubernetes objects as policy values: a path into an object,
//! a workload's pod spec, containers and labels, label selectors. Shared by the policy
//! functions and `ref.integrity`, below both of them.

use minijinja::value::{Value, ValueKind};

use super::fields::memo;

/// The value at a `.`-separated path, or undefined.
pub(crate) fn dig(v: &Value, path: &str) -> Value {
    path.split('.').fold(v.clone(), |v, part| get(&v, part))
}

pub(crate) fn get(v: &Value, key: &str) -> Value {
    match v.kind() {
        // `get_attr` looks a map up by `&str`, without allocating a key value.
        ValueKind::Map => v.get_attr(key).unwrap_or(Value::UNDEFINED),
        ValueKind::Seq => key
            .parse::<usize>()
            .ok()
            .and_then(|i| v.get_item(&Value::from(i)).ok())
            .unwrap_or(Value::UNDEFINED),
        _ => Value::UNDEFINED,
    }
}

pub(crate) fn is_missing(v: &Value) -> bool {
    v.is_undefined() || v.is_none()
}

pub(crate) fn items(v: &Value) -> Vec<Value> {
    match v.kind() {
        ValueKind::Seq => v.try_iter().map(|i| i.collect()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The pod spec of a workload object, or of a Pod.
pub(crate) fn pod(object: &Value) -> Value {
    memo(object, "pod", |object| {
        let kind = get(object, "kind");
        match kind.as_str().unwrap_or_default() {
            "Pod" => get(object, "spec"),
            "CronJob" => dig(object, "spec.jobTemplate.spec.template.spec"),
            _ => dig(object, "spec.template.spec"),
        }
    })
}

/// Init and regular containers of a workload.
pub(crate) fn containers(object: &Value) -> Vec<Value> {
    let all = memo(object, "containers", |object| {
        let pod = pod(object);
        let mut all = items(&get(&pod, "initContainers"));
        all.extend(items(&get(&pod, "containers")));
        Value::from(all)
    });
    items(&all)
}

/// The pod template's labels.
pub(crate) fn pod_labels(object: &Value) -> Value {
    match get(object, "kind").as_str() {
        Some("Pod") => dig(object, "metadata.labels"),
        Some("CronJob") => dig(object, "spec.jobTemplate.spec.template.metadata.labels"),
        _ => dig(object, "spec.template.metadata.labels"),
    }
}

/// True when every `selector` label is among `labels`.
pub(crate) fn selector_matches(selector: &Value, labels: &Value) -> bool {
    let Ok(keys) = selector.try_iter() else {
        return false;
    };
    let mut any = false;
    for key in keys {
        any = true;
        let Ok(want) = selector.get_item(&key) else {
            return false;
        };
        if labels.get_item(&key).ok().filter(|v| !v.is_undefined()) != Some(want) {
            return false;
        }
    }
    any
}

/// A label selector's `matchLabels` (or a plain map selector, as Services have).
pub(crate) fn match_labels(selector: &Value) -> Value {
    let ml = get(selector, "matchLabels");
    if is_missing(&ml) {
        selector.clone()
    } else {
        ml
    }
}
