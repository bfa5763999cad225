//! The Helm target: pave's shared service chart (`modules/chart`, embedded) written to
//! `<output>/helm/chart/`, and one values file per service and environment,
//! `<output>/helm/<env>/<service>.values.yaml`.
//!
//! The values are read off the objects the Kubernetes target renders for the same
//! service, so `helm template` of the chart with them renders those same objects; the
//! test suite checks that with the real Helm, object by object.

use std::collections::HashMap;

use rayon::prelude::*;
use serde_json::{Value, json};

use super::{RenderCx, RenderedObject, messages, service_scope, yaml_file};
use crate::diag::Diagnostic;
use crate::output::{Artifact, Scope};
use crate::resolve::ResolvedService;

/// The chart's files, embedded: path below the chart folder and content.
const CHART: &[(&str, &str)] = &[
    ("Chart.yaml", include_str!("../../modules/chart/Chart.yaml")),
    (
        "values.schema.json",
        include_str!("../../modules/chart/values.schema.json"),
    ),
    (
        "values.yaml",
        include_str!("../../modules/chart/values.yaml"),
    ),
    (
        "templates/configmap.yaml",
        include_str!("../../modules/chart/templates/configmap.yaml"),
    ),
    (
        "templates/dashboard.yaml",
        include_str!("../../modules/chart/templates/dashboard.yaml"),
    ),
    (
        "templates/deployment.yaml",
        include_str!("../../modules/chart/templates/deployment.yaml"),
    ),
    (
        "templates/externalsecrets.yaml",
        include_str!("../../modules/chart/templates/externalsecrets.yaml"),
    ),
    (
        "templates/hpa.yaml",
        include_str!("../../modules/chart/templates/hpa.yaml"),
    ),
    (
        "templates/ingress.yaml",
        include_str!("../../modules/chart/templates/ingress.yaml"),
    ),
    (
        "templates/networkpolicy.yaml",
        include_str!("../../modules/chart/templates/networkpolicy.yaml"),
    ),
    (
        "templates/pdb.yaml",
        include_str!("../../modules/chart/templates/pdb.yaml"),
    ),
    (
        "templates/prometheusrule.yaml",
        include_str!("../../modules/chart/templates/prometheusrule.yaml"),
    ),
    (
        "templates/service.yaml",
        include_str!("../../modules/chart/templates/service.yaml"),
    ),
    (
        "templates/serviceaccount.yaml",
        include_str!("../../modules/chart/templates/serviceaccount.yaml"),
    ),
    (
        "templates/servicemonitor.yaml",
        include_str!("../../modules/chart/templates/servicemonitor.yaml"),
    ),
];

/// The chart and the values; `objects` are the Kubernetes target's rendered objects.
pub(crate) fn render(cx: &RenderCx) -> Result<Vec<Artifact>, Diagnostic> {
    let (model, objects) = (cx.model, cx.objects);
    let base = cx.layout.helm_dir();
    let mut out: Vec<Artifact> = CHART
        .iter()
        .map(|(path, text)| Artifact {
            path: format!("{base}/chart/{path}"),
            bytes: text.as_bytes().to_vec(),
            scope: Scope::default(),
        })
        .collect();
    let mut by_service: HashMap<(&str, &str), Vec<&RenderedObject>> = HashMap::new();
    for o in objects {
        if let (Some(env), Some(service)) = (&o.scope.env, &o.scope.service) {
            by_service
                .entry((env.as_str(), service.as_str()))
                .or_default()
                .push(o);
        }
    }
    // Services are independent; rayon keeps their order in `collect`.
    let values: Vec<Result<Artifact, Diagnostic>> = model
        .services
        .par_iter()
        .map(|s| {
            let own = by_service
                .get(&(s.env.as_str(), s.name.as_str()))
                .map_or(&[][..], Vec::as_slice);
            let path = format!("{base}/{}/{}.values.yaml", s.env, s.name);
            let mut objects: Vec<(String, Value)> = Vec::with_capacity(own.len());
            for o in own {
                let value = serde_json::to_value(&*o.object)
                    .map_err(|e| messages::unreadable_object(&path, &o.path, &e))?;
                objects.push((o.kind.clone(), value));
            }
            let values = values(s, &objects).ok_or_else(|| messages::missing_objects(&path))?;
            yaml_file(path, service_scope(&s.env, &s.name), &values)
        })
        .collect();
    for artifact in values {
        out.push(artifact?);
    }
    Ok(out)
}

/// The chart values that reproduce the service's objects; `None` without the
/// Deployment and NetworkPolicy every service has.
fn values(s: &ResolvedService, objects: &[(String, Value)]) -> Option<Value> {
    let kind = |k: &str| objects.iter().find(|(kind, _)| kind == k).map(|(_, v)| v);
    let named = |k: &str, suffix: &str| {
        objects
            .iter()
            .find(|(kind, v)| {
                kind == k
                    && v["metadata"]["name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with(suffix))
            })
            .map(|(_, v)| v)
    };
    let deployment = kind("Deployment")?;
    let pod = &deployment["spec"]["template"];
    let container = &pod["spec"]["containers"][0];
    let env_list = container["env"].as_array().cloned().unwrap_or_default();
    let secret_env: Vec<Value> = env_list
        .iter()
        .filter(|e| e.get("valueFrom").is_some())
        .map(|e| {
            let r = &e["valueFrom"]["secretKeyRef"];
            json!({ "name": e["name"], "secret": r["name"], "key": r["key"] })
        })
        .collect();
    let dependent_env: Vec<Value> = env_list
        .iter()
        .filter(|e| e.get("value").is_some())
        .map(|e| json!({ "name": e["name"], "value": e["value"] }))
        .collect();
    let ingress = kind("Ingress").map(|i| {
        let rule = &i["spec"]["rules"][0];
        json!({
            "className": i["spec"]["ingressClassName"],
            "host": rule["host"],
            "path": rule["http"]["paths"][0]["path"],
            "annotations": i["metadata"].get("annotations").cloned().unwrap_or_else(|| json!({})),
        })
    });
    let policy = kind("NetworkPolicy")?;
    let allow: Vec<Value> = policy["spec"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|rule| {
            let from: Vec<Value> = rule["from"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|peer| {
                    json!({
                        "namespace": peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
                        "podLabels": peer["podSelector"]["matchLabels"],
                    })
                })
                .collect();
            json!({ "from": from, "port": rule["ports"][0]["port"] })
        })
        .collect();
    let external_secrets: Vec<Value> = objects
        .iter()
        .filter(|(k, _)| k == "ExternalSecret")
        .map(|(_, es)| {
            let data: Vec<Value> = es["spec"]["data"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| json!({ "secretKey": d["secretKey"], "key": d["remoteRef"]["key"], "property": d["remoteRef"]["property"] }))
                .collect();
            json!({ "name": es["metadata"]["name"], "store": es["spec"]["secretStoreRef"]["name"], "data": data })
        })
        .collect();
    let service_monitor = kind("ServiceMonitor").map(|m| {
        let endpoint = &m["spec"]["endpoints"][0];
        json!({ "labels": m["metadata"]["labels"], "port": endpoint["port"], "path": endpoint["path"] })
    });
    let rule = kind("PrometheusRule")
        .map(|r| json!({ "labels": r["metadata"]["labels"], "groups": r["spec"]["groups"] }));
    let dashboard = named("ConfigMap", "-dashboard").map(|d| {
        let (file, text) = d["data"]
            .as_object()
            .and_then(|m| m.iter().next())
            .map(|(k, v)| (k.clone(), v.clone()))
            .unwrap_or_default();
        json!({ "labels": d["metadata"]["labels"], "file": file, "json": text })
    });
    Some(json!({
        "name": s.name,
        "namespace": s.namespace,
        "labels": deployment["metadata"]["labels"],
        "selector": deployment["spec"]["selector"]["matchLabels"],
        "podLabels": pod["metadata"]["labels"],
        "configChecksum": pod["metadata"]["annotations"]["checksum/config"],
        "image": container["image"],
        "command": container.get("command").cloned().unwrap_or_else(|| json!([])),
        "args": container.get("args").cloned().unwrap_or_else(|| json!([])),
        "port": s.port,
        "metrics": s.metrics.as_ref().map(|m| json!({ "port": m.port, "path": m.path })),
        "replicas": s.replicas,
        "autoscale": s.autoscale.map(|a| json!({ "min": a.min, "max": a.max, "cpu": a.cpu })),
        "resources": container["resources"],
        "probes": { "liveness": s.liveness, "readiness": s.readiness },
        "env": named("ConfigMap", "-env").map_or_else(|| json!({}), |c| c["data"].clone()),
        "secretEnv": secret_env,
        "dependentEnv": dependent_env,
        "spread": pod["spec"].get("topologySpreadConstraints").is_some(),
        "disruptionBudget": kind("PodDisruptionBudget").is_some(),
        "serviceAccount": { "annotations": kind("ServiceAccount").and_then(|a| a["metadata"].get("annotations").cloned()).unwrap_or_else(|| json!({})) },
        "ingress": ingress,
        "networkPolicy": { "allow": allow },
        "externalSecrets": external_secrets,
        "serviceMonitor": service_monitor,
        "prometheusRule": rule,
        "dashboard": dashboard,
    }))
}
