//! `ref.integrity`: every reference from one object to another resolves among the
//! objects of the same service and environment.

use minijinja::value::Value;

use super::lazy::{named, of_kind};
use super::objects::{
    containers, dig, get, is_missing, items, match_labels, pod, pod_labels, selector_matches,
};

fn kind(o: &Value) -> String {
    get(o, "kind").as_str().unwrap_or_default().to_string()
}

fn name(o: &Value) -> String {
    dig(o, "metadata.name")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The workloads among `objects` (the kinds whose pods a selector can match).
fn workloads(objects: &Value) -> Vec<Value> {
    ["Deployment", "StatefulSet", "DaemonSet", "CronJob"]
        .into_iter()
        .flat_map(|k| of_kind(objects, k))
        .collect()
}

/// Named and numbered container ports of the workloads a selector matches.
fn selected_ports(selector: &Value, objects: &Value) -> Option<Vec<Value>> {
    let matched: Vec<Value> = workloads(objects)
        .into_iter()
        .filter(|w| selector_matches(selector, &pod_labels(w)))
        .collect();
    if matched.is_empty() {
        return None;
    }
    let mut ports = Vec::new();
    for w in &matched {
        for c in containers(w) {
            for p in items(&get(&c, "ports")) {
                ports.push(get(&p, "name"));
                ports.push(get(&p, "containerPort"));
            }
        }
    }
    Some(ports)
}

/// What does not resolve, in words; empty when everything does.
pub(super) fn problems(object: &Value, objects: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match kind(object).as_str() {
        "Service" => {
            let selector = dig(object, "spec.selector");
            match selected_ports(&selector, objects) {
                None => out.push("the Service selects no pods of this service".to_string()),
                Some(ports) => {
                    for p in items(&dig(object, "spec.ports")) {
                        let target = get(&p, "targetPort");
                        let target = if is_missing(&target) {
                            get(&p, "port")
                        } else {
                            target
                        };
                        if !ports.contains(&target) {
                            out.push(format!("Service port `{}` targets `{target}`, which no selected container declares", get(&p, "name")));
                        }
                    }
                }
            }
        }
        "Ingress" => {
            for rule in items(&dig(object, "spec.rules")) {
                for path in items(&dig(&rule, "http.paths")) {
                    let backend = dig(&path, "backend.service");
                    let service_name = get(&backend, "name")
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    match named(objects, "Service", &service_name) {
                        None => out.push(format!(
                            "the Ingress routes to Service `{service_name}`, which does not exist"
                        )),
                        Some(service) => {
                            let port = dig(&backend, "port.name");
                            let port = if is_missing(&port) {
                                dig(&backend, "port.number")
                            } else {
                                port
                            };
                            let known = items(&dig(&service, "spec.ports"))
                                .iter()
                                .any(|p| get(p, "name") == port || get(p, "port") == port);
                            if !known {
                                out.push(format!("the Ingress uses port `{port}` of Service `{service_name}`, which it does not have"));
                            }
                        }
                    }
                }
            }
        }
        "HorizontalPodAutoscaler" => {
            let target = dig(object, "spec.scaleTargetRef");
            let (k, n) = (
                get(&target, "kind").to_string(),
                get(&target, "name").to_string(),
            );
            if named(objects, &k, &n).is_none() {
                out.push(format!(
                    "the autoscaler targets {k} `{n}`, which does not exist"
                ));
            }
        }
        "ServiceMonitor" => {
            let selector = match_labels(&dig(object, "spec.selector"));
            let services: Vec<Value> = of_kind(objects, "Service")
                .into_iter()
                .filter(|o| selector_matches(&selector, &dig(o, "metadata.labels")))
                .collect();
            if services.is_empty() {
                out.push("the ServiceMonitor selects no Service".to_string());
            }
            for endpoint in items(&dig(object, "spec.endpoints")) {
                let port = get(&endpoint, "port");
                let found = services.iter().any(|s| {
                    items(&dig(s, "spec.ports"))
                        .iter()
                        .any(|p| get(p, "name") == port)
                });
                if !services.is_empty() && !found {
                    out.push(format!("the ServiceMonitor scrapes port `{port}`, which the selected Service does not have"));
                }
            }
        }
        "PodDisruptionBudget" | "NetworkPolicy" => {
            let selector = match kind(object).as_str() {
                "NetworkPolicy" => match_labels(&dig(object, "spec.podSelector")),
                _ => match_labels(&dig(object, "spec.selector")),
            };
            if selected_ports(&selector, objects).is_none() {
                out.push(format!(
                    "the {} selects no pods of this service",
                    kind(object)
                ));
            }
        }
        "PodMonitor" => out.extend(pod_monitor_problems(object, objects)),
        "Deployment" | "StatefulSet" | "DaemonSet" | "CronJob" => {
            out.extend(workload_problems(object, objects))
        }
        _ => {}
    }
    out
}

/// A PodMonitor selects pods of the service and scrapes a port they declare.
fn pod_monitor_problems(object: &Value, objects: &Value) -> Vec<String> {
    let selector = match_labels(&dig(object, "spec.selector"));
    let Some(ports) = selected_ports(&selector, objects) else {
        return vec!["the PodMonitor selects no pods of this service".to_string()];
    };
    items(&dig(object, "spec.podMetricsEndpoints"))
        .iter()
        .map(|e| get(e, "port"))
        .filter(|port| !ports.contains(port))
        .map(|port| {
            format!("the PodMonitor scrapes port `{port}`, which no selected container declares")
        })
        .collect()
}

fn workload_problems(object: &Value, objects: &Value) -> Vec<String> {
    let mut out = Vec::new();
    // A CronJob has no selector: its Jobs own their pods.
    if kind(object) != "CronJob"
        && !selector_matches(
            &match_labels(&dig(object, "spec.selector")),
            &pod_labels(object),
        )
    {
        out.push("the selector does not match the pod template's labels".to_string());
    }
    let pod = pod(object);
    let account = get(&pod, "serviceAccountName");
    let missing_account = account
        .as_str()
        .filter(|a| *a != "default" && named(objects, "ServiceAccount", a).is_none());
    if let Some(account) = missing_account {
        out.push(format!("ServiceAccount `{account}` does not exist"));
    }
    let secrets_made: Vec<String> = of_kind(objects, "ExternalSecret")
        .iter()
        .map(|o| dig(o, "spec.target.name").to_string())
        .chain(of_kind(objects, "Secret").iter().map(name))
        .collect();
    for c in containers(object) {
        let ports = items(&get(&c, "ports"));
        for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
            for handler in ["httpGet", "tcpSocket", "grpc"] {
                let port = dig(&c, &format!("{probe}.{handler}.port"));
                let declared = ports
                    .iter()
                    .any(|p| get(p, "name") == port || get(p, "containerPort") == port);
                if !is_missing(&port) && !declared {
                    out.push(format!(
                        "{probe} of `{}` uses port `{port}`, which the container does not declare",
                        get(&c, "name")
                    ));
                }
            }
        }
        for source in items(&get(&c, "envFrom")) {
            let cm = dig(&source, "configMapRef.name");
            if let Some(cm) = cm
                .as_str()
                .filter(|cm| named(objects, "ConfigMap", cm).is_none())
            {
                out.push(format!("ConfigMap `{cm}` does not exist"));
            }
        }
        for var in items(&get(&c, "env")) {
            let secret = dig(&var, "valueFrom.secretKeyRef.name");
            if let Some(secret) = secret
                .as_str()
                .filter(|s| !secrets_made.iter().any(|m| m == s))
            {
                out.push(format!(
                    "Secret `{secret}` (for `{}`) is not produced by any ExternalSecret or Secret",
                    get(&var, "name")
                ));
            }
        }
    }
    out
}
