//! `ref.integrity`: every reference from one object to another resolves among the
//! objects of the same service and environment. [`problems`] is the template
//! function (`ref_problems`); [`resolve`] decides natively, on the typed objects,
//! that there is nothing to find (see `native`).

use minijinja::value::Value;

use super::lazy::{named, of_kind};
use super::objects::{
    containers, dig, get, is_missing, items, match_labels, pod, pod_labels, selector_matches,
};
use crate::render::RenderedObject;
use crate::render::kubernetes::objects::{
    Container, ContainerPort, CronJobSpec, DeploymentSpec, ExternalSecretSpec, HpaSpec,
    IngressSpec, Labels, MonitorEndpoint, NetworkPolicySpec, Object, PdbSpec, PodMonitorSpec,
    PodSpec, ProbeHandler, ServiceMonitorSpec, ServiceSpec, Spec,
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

/// `ref.integrity` decided on the typed objects: `true` only when [`problems`] would
/// certainly find nothing; anything it cannot read typed (an untyped object, a kind
/// pave does not render typed, among the siblings too) goes to the template, which
/// decides and writes every finding. It compares as the template does: a port named
/// in a probe, Service or Ingress matches a container port's name, a numbered one its
/// number.
pub(super) fn resolve(o: &RenderedObject, siblings: &[&RenderedObject]) -> bool {
    let Some(typed) = o.typed.as_deref() else {
        return false;
    };
    let any = typed.as_any();
    let of = Siblings(siblings);
    if let Some(d) = any.downcast_ref::<Object<Spec<DeploymentSpec>>>() {
        let spec = &d.body.spec;
        return selects(&spec.selector.match_labels, &spec.template.metadata.labels)
            && of.pod_resolves(&spec.template.spec);
    }
    if let Some(c) = any.downcast_ref::<Object<Spec<CronJobSpec>>>() {
        return of.pod_resolves(&c.body.spec.job_template.spec.template.spec);
    }
    if let Some(s) = any.downcast_ref::<Object<Spec<ServiceSpec>>>() {
        let spec = &s.body.spec;
        return of.container_ports(&spec.selector).is_some_and(|ports| {
            spec.ports
                .iter()
                .all(|p| ports.iter().any(|c| c.name == p.target_port))
        });
    }
    if let Some(p) = any.downcast_ref::<Object<Spec<PdbSpec>>>() {
        return of
            .container_ports(&p.body.spec.selector.match_labels)
            .is_some();
    }
    if let Some(i) = any.downcast_ref::<Object<Spec<IngressSpec>>>() {
        let mut paths = i.body.spec.rules.iter().flat_map(|r| &r.http.paths);
        return paths.all(|path| {
            let backend = &path.backend.service;
            of.service(&backend.name)
                .is_some_and(|s| s.ports.iter().any(|p| p.name == backend.port.name))
        });
    }
    if let Some(n) = any.downcast_ref::<Object<Spec<NetworkPolicySpec>>>() {
        return of
            .container_ports(&n.body.spec.pod_selector.match_labels)
            .is_some();
    }
    if let Some(h) = any.downcast_ref::<Object<Spec<HpaSpec>>>() {
        let target = &h.body.spec.scale_target_ref;
        return of.named(target.kind, &target.name).is_some();
    }
    if let Some(m) = any.downcast_ref::<Object<Spec<ServiceMonitorSpec>>>() {
        let spec = &m.body.spec;
        let names = of.service_ports(&spec.selector.match_labels);
        return scrapes_named_ports(names, &spec.endpoints);
    }
    if let Some(m) = any.downcast_ref::<Object<Spec<PodMonitorSpec>>>() {
        let spec = &m.body.spec;
        let ports = of.container_ports(&spec.selector.match_labels);
        let names = ports.map(|ports| ports.into_iter().map(|p| &p.name).collect());
        return scrapes_named_ports(names, &spec.pod_metrics_endpoints);
    }
    false
}

/// The objects of one service and environment, typed.
pub(super) struct Siblings<'a>(pub(super) &'a [&'a RenderedObject]);

impl<'a> Siblings<'a> {
    fn named(&self, kind: &str, name: &str) -> Option<&'a RenderedObject> {
        self.0
            .iter()
            .copied()
            .find(|o| o.kind == kind && o.name == name)
    }

    /// The typed Service named `name`.
    fn service(&self, name: &str) -> Option<&'a ServiceSpec> {
        let typed = self.named("Service", name)?.typed.as_deref()?;
        let service = typed.as_any().downcast_ref::<Object<Spec<ServiceSpec>>>()?;
        Some(&service.body.spec)
    }

    /// The container ports of the workloads whose pods `selector` selects; `None`
    /// when it selects none, or when a workload is not pave's typed one.
    fn container_ports(&self, selector: &Labels) -> Option<Vec<&'a ContainerPort>> {
        let mut matched = false;
        let mut ports = Vec::new();
        for o in self.0 {
            if !["Deployment", "StatefulSet", "DaemonSet", "CronJob"].contains(&o.kind.as_str()) {
                continue;
            }
            let (labels, pod) = workload_pod(o)?;
            if selects(selector, labels) {
                matched = true;
                let containers = pod.init_containers.iter().chain(&pod.containers);
                ports.extend(containers.flat_map(|c| &c.ports));
            }
        }
        matched.then_some(ports)
    }

    /// The port names of the Services whose labels `selector` selects; `None` when it
    /// selects none, or when a Service is not pave's typed one.
    fn service_ports(&self, selector: &Labels) -> Option<Vec<&'a String>> {
        let mut names = Vec::new();
        let mut matched = false;
        for o in self.0.iter().filter(|o| o.kind == "Service") {
            let typed = o.typed.as_deref()?;
            let service = typed.as_any().downcast_ref::<Object<Spec<ServiceSpec>>>()?;
            if selects(selector, &typed.metadata().labels) {
                matched = true;
                names.extend(service.body.spec.ports.iter().map(|p| &p.name));
            }
        }
        matched.then_some(names)
    }

    /// The pod's account, ConfigMaps, Secrets and probe ports all resolve.
    fn pod_resolves(&self, pod: &PodSpec) -> bool {
        let account = &pod.service_account_name;
        let account_ok = account == "default" || self.named("ServiceAccount", account).is_some();
        account_ok
            && pod
                .init_containers
                .iter()
                .chain(&pod.containers)
                .all(|c| self.container_resolves(c))
    }

    fn container_resolves(&self, c: &Container) -> bool {
        let probes = [&c.readiness_probe, &c.liveness_probe, &c.startup_probe];
        let declared = |handler: &ProbeHandler| match handler {
            ProbeHandler::HttpGet(h) => c.ports.iter().any(|p| p.name == h.port),
            ProbeHandler::TcpSocket(t) => c.ports.iter().any(|p| p.name == t.port),
            ProbeHandler::Grpc(g) => c.ports.iter().any(|p| p.container_port == g.port),
            ProbeHandler::Exec(_) => true,
        };
        let probes_ok = probes.into_iter().flatten().all(|p| declared(&p.handler));
        let config_maps_ok = c.env_from.iter().all(|source| {
            self.named("ConfigMap", &source.config_map_ref.name)
                .is_some()
        });
        let secrets_ok = c.env.iter().all(|var| {
            var.value_from
                .as_ref()
                .is_none_or(|from| self.makes_secret(&from.secret_key_ref.name))
        });
        probes_ok && config_maps_ok && secrets_ok
    }

    /// An ExternalSecret targets `name`, or a Secret is named `name`.
    fn makes_secret(&self, name: &str) -> bool {
        self.0.iter().any(|o| match o.kind.as_str() {
            "Secret" => o.name == name,
            "ExternalSecret" => o
                .typed
                .as_deref()
                .and_then(|t| {
                    t.as_any()
                        .downcast_ref::<Object<Spec<ExternalSecretSpec>>>()
                })
                .is_some_and(|e| e.body.spec.target.name == name),
            _ => false,
        })
    }
}

/// A monitor selects something (`names` is the port names it selected) and every
/// endpoint scrapes one of those ports by name.
fn scrapes_named_ports(names: Option<Vec<&String>>, endpoints: &[MonitorEndpoint]) -> bool {
    names.is_some_and(|names| endpoints.iter().all(|e| names.contains(&&e.port)))
}

/// A typed workload's pod labels and pod spec; `None` for any other object.
pub(super) fn workload_pod(o: &RenderedObject) -> Option<(&Labels, &PodSpec)> {
    let any = o.typed.as_deref()?.as_any();
    if let Some(d) = any.downcast_ref::<Object<Spec<DeploymentSpec>>>() {
        let template = &d.body.spec.template;
        return Some((&template.metadata.labels, &template.spec));
    }
    let c = any.downcast_ref::<Object<Spec<CronJobSpec>>>()?;
    let template = &c.body.spec.job_template.spec.template;
    Some((&template.metadata.labels, &template.spec))
}

/// [`selector_matches`] on typed labels: a selector with at least one label, each
/// among `labels` with its value.
pub(super) fn selects(selector: &Labels, labels: &Labels) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}
