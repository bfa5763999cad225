//! The functions policy expressions can call, over rendered objects and resolved services.
//!
//! Kubernetes objects are deep and often partial (hand-written objects, other tools'
//! output), so these functions read them defensively: a missing field is a finding,
//! never an evaluation error.

use minijinja::value::{Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};

use super::lazy::of_kind;
use super::objects::{
    containers, dig, get, is_missing, items, match_labels, pod, pod_labels, selector_matches,
};

/// Registers every function on a policy environment.
pub(super) fn register(env: &mut Environment<'_>) {
    env.add_function("dig", |v: Value, path: String, default: Option<Value>| {
        let found = dig(&v, &path);
        if is_missing(&found) {
            default.unwrap_or(Value::from(()))
        } else {
            found
        }
    });
    env.add_function("label", |object: Value, key: String| {
        let value = get(&get(&get(&object, "metadata"), "labels"), &key);
        value.as_str().unwrap_or_default().to_string()
    });
    env.add_function("pod", |object: Value| pod(&object));
    env.add_function("containers", |object: Value| {
        Value::from(containers(&object))
    });
    env.add_function(
        "containers_missing",
        |object: Value, paths: Rest<String>| {
            let mut out = Vec::new();
            for c in containers(&object) {
                for path in paths.iter() {
                    if path.split('|').all(|alt| is_missing(&dig(&c, alt))) {
                        out.push(format!("{}: {path}", name(&c)));
                    }
                }
            }
            out
        },
    );
    // The main container is the first: probes are required of it, not of sidecars
    // (init containers cannot have probes at all).
    env.add_function(
        "main_container_missing",
        |object: Value, paths: Rest<String>| {
            let main = items(&get(&pod(&object), "containers")).into_iter().next();
            let mut out = Vec::new();
            for c in main.iter() {
                for path in paths.iter() {
                    if path.split('|').all(|alt| is_missing(&dig(c, alt))) {
                        out.push(format!("{}: {path}", name(c)));
                    }
                }
            }
            out
        },
    );
    env.add_function("unpinned_images", |containers: Value| {
        images_where(&containers, |image| {
            image_parts(image).2.is_empty()
                && matches!(image_parts(image).1.as_str(), "" | "latest")
        })
    });
    env.add_function(
        "disallowed_images",
        |containers: Value, registries: Vec<String>| {
            images_where(&containers, |image| !registry_allowed(image, &registries))
        },
    );
    env.add_function(
        "containers_not",
        |object: Value, path: String, expected: Value| {
            containers(&object)
                .iter()
                .filter(|c| dig(c, &path) != expected)
                .map(name)
                .collect::<Vec<_>>()
        },
    );
    env.add_function(
        "containers_where",
        |object: Value, path: String, expected: Value| {
            containers(&object)
                .iter()
                .filter(|c| dig(c, &path) == expected)
                .map(name)
                .collect::<Vec<_>>()
        },
    );
    env.add_function("limit_below_request", |object: Value, resource: String| {
        containers(&object)
            .iter()
            .filter(|c| {
                let limit = quantity(&dig(c, &format!("resources.limits.{resource}")));
                let request = quantity(&dig(c, &format!("resources.requests.{resource}")));
                matches!((limit, request), (Some(l), Some(r)) if l < r)
            })
            .map(name)
            .collect::<Vec<_>>()
    });
    env.add_function("volumes_with", |object: Value, kind: String| {
        items(&get(&pod(&object), "volumes"))
            .iter()
            .filter(|v| !is_missing(&get(v, &kind)))
            .map(name)
            .collect::<Vec<_>>()
    });
    env.add_function("probe_problems", |object: Value| probe_problems(&object));
    env.add_function(
        "capability_problems",
        |object: Value, allowed: Vec<String>| capability_problems(&object, &allowed),
    );
    env.add_function("host_namespace_problems", |object: Value| {
        host_namespace_problems(&object)
    });
    env.add_function(
        "selected_by",
        |object: Value, objects: Value, kind: String| selected_by(&object, &objects, &kind),
    );
    env.add_function("min_replicas", |object: Value, objects: Value| {
        min_replicas(&object, &objects)
    });
    env.add_function("pdb_problems", |object: Value, objects: Value| {
        pdb_problems(&object, &objects)
    });
    env.add_function("spread_ok", |object: Value| spread_ok(&object));
    env.add_function("exposure_problems", |object: Value| {
        exposure_problems(&object)
    });
    env.add_function("ref_problems", |object: Value, objects: Value| {
        super::references::problems(&object, &objects)
    });
    env.add_function("image_tag", |image: String| image_parts(&image).1);
    env.add_function("image_digest", |image: String| image_parts(&image).2);
    env.add_function(
        "registry_allowed",
        |image: String, registries: Vec<String>| registry_allowed(&image, &registries),
    );
    env.add_function("plaintext_secrets", |service: Value| {
        plaintext_secrets(&service)
    });
    env.add_function(
        "secret_like_env",
        |env: Value| -> Result<Vec<String>, Error> {
            if env.kind() != ValueKind::Map {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "secret_like_env expects the `env` mapping",
                ));
            }
            let mut names = Vec::new();
            for key in env.try_iter()? {
                let value = env.get_item(&key)?;
                let (k, v) = (
                    key.to_string(),
                    value
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| value.to_string()),
                );
                if super::secrets::env_var(&k, &v) {
                    names.push(k);
                }
            }
            Ok(names)
        },
    );
}

/// The fields of a service (`env.DB_PASS`, `args.2`) that hold a plaintext secret.
fn plaintext_secrets(service: &Value) -> Result<Vec<String>, Error> {
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    let mut found = Vec::new();
    let env = get(service, "env");
    if env.kind() == ValueKind::Map {
        for key in env.try_iter()? {
            let name = key.to_string();
            if super::secrets::env_var(&name, &text(&env.get_item(&key)?)) {
                found.push(format!("env.{name}"));
            }
        }
    }
    for list in ["command", "args"] {
        let items = get(service, list);
        if items.kind() != ValueKind::Seq {
            continue;
        }
        let items: Vec<String> = items.try_iter()?.map(|v| text(&v)).collect();
        let hits = super::secrets::arguments(&items);
        found.extend(hits.into_iter().map(|i| format!("{list}.{i}")));
    }
    Ok(found)
}

fn name(v: &Value) -> String {
    get(v, "name").as_str().unwrap_or("(unnamed)").to_string()
}

/// A Kubernetes quantity in base units (cores or bytes).
pub(super) fn quantity(v: &Value) -> Option<f64> {
    let text = match v.kind() {
        ValueKind::Number => return v.to_string().parse().ok(),
        ValueKind::String => v.as_str()?.to_string(),
        _ => return None,
    };
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let factor = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0f64.powi(4),
        _ => return None,
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

/// Probe findings that are not about references (those are `ref.integrity`'s).
/// `name (image)` of each `{name, image}` entry whose image fails `bad`.
fn images_where(containers: &Value, bad: impl Fn(&str) -> bool) -> Vec<String> {
    // `sidecars + init` is a lazy sequence, not a list: iterate whatever it is.
    let all: Vec<Value> = containers
        .try_iter()
        .map(|i| i.collect())
        .unwrap_or_default();
    all.iter()
        .filter_map(|c| {
            let image = get(c, "image");
            let image = image.as_str()?;
            bad(image).then(|| format!("{} ({image})", name(c)))
        })
        .collect()
}

fn probe_problems(object: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for c in containers(object) {
        for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
            let p = get(&c, probe);
            let handled = ["httpGet", "tcpSocket", "grpc", "exec"]
                .iter()
                .any(|h| !is_missing(&get(&p, h)));
            if !is_missing(&p) && !handled {
                out.push(format!(
                    "{}: {probe} has no handler (httpGet, tcpSocket, grpc or exec)",
                    name(&c)
                ));
            }
        }
        let (live, ready) = (get(&c, "livenessProbe"), get(&c, "readinessProbe"));
        if !is_missing(&live) && live == ready {
            out.push(format!("{}: liveness and readiness probes are identical, so a slow dependency restarts the pod", name(&c)));
        }
    }
    out
}

fn capability_problems(object: &Value, allowed: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for c in containers(object) {
        let drop: Vec<String> = items(&dig(&c, "securityContext.capabilities.drop"))
            .iter()
            .map(|d| d.to_string())
            .collect();
        if !drop.iter().any(|d| d == "ALL") {
            out.push(format!("{}: does not drop ALL capabilities", name(&c)));
        }
        for add in items(&dig(&c, "securityContext.capabilities.add")) {
            let add = add.to_string();
            if !allowed.contains(&add) {
                out.push(format!("{}: adds capability {add}", name(&c)));
            }
        }
    }
    out
}

fn host_namespace_problems(object: &Value) -> Vec<String> {
    let pod = pod(object);
    let mut out: Vec<String> = ["hostNetwork", "hostPID", "hostIPC"]
        .iter()
        .filter(|k| get(&pod, k) == Value::from(true))
        .map(|k| format!("{k} is true"))
        .collect();
    for c in containers(object) {
        for port in items(&get(&c, "ports")) {
            if !is_missing(&get(&port, "hostPort")) {
                out.push(format!(
                    "{}: binds host port {}",
                    name(&c),
                    get(&port, "hostPort")
                ));
            }
        }
    }
    out
}

fn selected_by(object: &Value, objects: &Value, kind: &str) -> Vec<String> {
    let labels = pod_labels(object);
    of_kind(objects, kind)
        .iter()
        .filter(|o| {
            let selector = match kind {
                "NetworkPolicy" => dig(o, "spec.podSelector"),
                _ => dig(o, "spec.selector"),
            };
            selector_matches(&match_labels(&selector), &labels)
        })
        .map(|o| dig(o, "metadata.name").to_string())
        .collect()
}

/// The kinds whose objects make or are pods, which a PodDisruptionBudget can select.
const POD_KINDS: [&str; 7] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Pod",
];

fn min_replicas(object: &Value, objects: &Value) -> i64 {
    let own_name = dig(object, "metadata.name");
    let hpa = of_kind(objects, "HorizontalPodAutoscaler")
        .into_iter()
        .find(|o| dig(o, "spec.scaleTargetRef.name") == own_name);
    let count = match hpa {
        Some(h) => dig(&h, "spec.minReplicas"),
        None => dig(object, "spec.replicas"),
    };
    i64::try_from(count).unwrap_or(1)
}

fn pdb_problems(pdb: &Value, objects: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let max_unavailable = dig(pdb, "spec.maxUnavailable");
    if max_unavailable == Value::from(0) || max_unavailable.as_str() == Some("0%") {
        out.push("maxUnavailable is 0, so no pod can ever be evicted".to_string());
    }
    let min_available = dig(pdb, "spec.minAvailable");
    if let Ok(min) = i64::try_from(min_available.clone()) {
        let selector = match_labels(&dig(pdb, "spec.selector"));
        // Only objects with pods have pod labels to select (and only they are read).
        let with_pods = POD_KINDS.iter().flat_map(|k| of_kind(objects, k));
        for workload in with_pods
            .collect::<Vec<_>>()
            .iter()
            .filter(|o| selector_matches(&selector, &pod_labels(o)))
        {
            let replicas = min_replicas(workload, objects);
            if min >= replicas {
                out.push(format!(
                    "minAvailable {min} is not below the {replicas} replica(s) of `{}`",
                    dig(workload, "metadata.name")
                ));
            }
        }
    } else if min_available.as_str() == Some("100%") {
        out.push("minAvailable is 100%, so no pod can ever be evicted".to_string());
    }
    if is_missing(&dig(pdb, "spec.unhealthyPodEvictionPolicy")) {
        out.push(
            "unhealthyPodEvictionPolicy is not set (AlwaysAllow lets drains evict unready pods)"
                .to_string(),
        );
    }
    out
}

fn spread_ok(object: &Value) -> bool {
    let keys: Vec<String> = items(&get(&pod(object), "topologySpreadConstraints"))
        .iter()
        .map(|c| get(c, "topologyKey").to_string())
        .collect();
    let spread = keys.iter().any(|k| k == "topology.kubernetes.io/zone")
        && keys.iter().any(|k| k == "kubernetes.io/hostname");
    spread || !is_missing(&dig(&pod(object), "affinity.podAntiAffinity"))
}

fn exposure_problems(object: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match get(object, "kind").as_str() {
        Some("Service") => {
            let kind = dig(object, "spec.type");
            if let Some(t @ ("NodePort" | "LoadBalancer")) = kind.as_str() {
                out.push(format!(
                    "Service type {t} exposes the service outside the platform's ingress"
                ));
            }
            if !items(&dig(object, "spec.externalIPs")).is_empty() {
                out.push("the Service sets externalIPs".to_string());
            }
        }
        Some("Ingress")
            if items(&dig(object, "spec.rules"))
                .iter()
                .any(|r| is_missing(&get(r, "host")))
                || !is_missing(&dig(object, "spec.defaultBackend")) =>
        {
            out.push(
                "an Ingress rule without a host (or a default backend) catches all traffic"
                    .to_string(),
            );
        }
        _ => {}
    }
    out
}

/// (name, tag, digest) of an image reference; tag and digest may be empty.
pub(super) fn image_parts(image: &str) -> (String, String, String) {
    let (rest, digest) = image.split_once('@').unwrap_or((image, ""));
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].split_once(':') {
        Some((_, tag)) => (
            rest[..rest.len() - tag.len() - 1].to_string(),
            tag.to_string(),
        ),
        None => (rest.to_string(), String::new()),
    };
    (name, tag, digest.to_string())
}

/// Allowed when the image starts with an allow-list entry followed by `/`: `ghcr.io/acme`
/// allows `ghcr.io/acme/api` but not `ghcr.io/acme-evil/api`.
pub(super) fn registry_allowed(image: &str, registries: &[String]) -> bool {
    registries.iter().any(|r| {
        let prefix = r.trim_end_matches('/');
        image
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_is_checked_against_the_autoscaler_minimum_of_what_it_selects() {
        let objects = crate::template_budget::value(serde_json::json!([
            { "kind": "Deployment", "metadata": { "name": "api" }, "spec": { "replicas": 2,
              "template": { "metadata": { "labels": { "app": "api" } } } } },
            { "kind": "HorizontalPodAutoscaler", "metadata": { "name": "api" },
              "spec": { "minReplicas": 3, "scaleTargetRef": { "name": "api" } } },
            { "kind": "ConfigMap", "metadata": { "name": "api" } },
        ]));
        let deployment = objects.get_item(&Value::from(0)).unwrap();
        assert_eq!(min_replicas(&deployment, &objects), 3);
        let pdb = |min: i64, selector: serde_json::Value| {
            crate::template_budget::value(serde_json::json!({ "kind": "PodDisruptionBudget",
                "spec": { "minAvailable": min, "selector": selector,
                    "unhealthyPodEvictionPolicy": "AlwaysAllow" } }))
        };
        let api = serde_json::json!({ "matchLabels": { "app": "api" } });
        assert_eq!(
            pdb_problems(&pdb(2, api.clone()), &objects),
            Vec::<String>::new()
        );
        let problems = pdb_problems(&pdb(3, api), &objects);
        assert_eq!(
            problems,
            ["minAvailable 3 is not below the 3 replica(s) of `api`"]
        );
    }

    #[test]
    fn image_references_split_into_name_tag_and_digest() {
        assert_eq!(
            image_parts("ghcr.io/acme/api:1.2"),
            ("ghcr.io/acme/api".into(), "1.2".into(), "".into())
        );
        assert_eq!(image_parts("localhost:5000/api").1, "");
        assert_eq!(image_parts("ghcr.io/acme/api@sha256:ab").2, "sha256:ab");
    }

    #[test]
    fn registry_matches_on_a_host_boundary() {
        let allowed = vec!["ghcr.io/acme".to_string()];
        assert!(registry_allowed("ghcr.io/acme/api:1", &allowed));
        assert!(!registry_allowed("ghcr.io/acme-evil/api:1", &allowed));
        assert!(!registry_allowed("docker.io/acme/api:1", &allowed));
    }

    #[test]
    fn quantities_convert_to_base_units() {
        assert_eq!(
            quantity(&Value::from("512Mi")),
            Some(512.0 * 1024.0 * 1024.0)
        );
        assert_eq!(quantity(&Value::from("250m")), Some(0.25));
        assert_eq!(quantity(&Value::from(2)), Some(2.0));
    }
}
