//! The names policy expressions see: `service`, `env`, `platform`, and for
//! kubernetes-scope policies `object` and `objects`.

use serde_json::{Map, Value as Json, json};

use crate::resolve::ResolvedService;

/// The resolved service as policies see it.
pub(super) fn service(s: &ResolvedService) -> Json {
    let opt = |v: Option<Json>| v.unwrap_or(Json::Null);
    let env: Map<String, Json> = s
        .env_vars
        .iter()
        .map(|(k, v)| (k.clone(), Json::from(v.as_str())))
        .collect();
    let secrets: Map<String, Json> = s
        .secrets
        .iter()
        .map(|r| {
            (
                r.env_name.clone(),
                json!({ "ref": format!("{}#{}", r.path, r.key) }),
            )
        })
        .collect();
    let needs = s.fields.get("needs").cloned().unwrap_or_else(|| json!({}));
    json!({
        "name": s.name,
        "owner": s.owner,
        "description": opt(s.description.clone().map(Json::from)),
        "tier": s.tier,
        "namespace": s.namespace,
        "image": s.image,
        "port": s.port,
        "command": s.command,
        "args": s.args,
        "size": s.size,
        "resources": { "cpu": s.resources.cpu, "memory": s.resources.memory },
        "replicas": s.replicas,
        "min_replicas": s.min_replicas(),
        "autoscale": opt(s.autoscale.map(|a| json!({ "min": a.min, "max": a.max, "cpu": a.cpu }))),
        "env": env,
        "secrets": secrets,
        "needs": needs,
        "route": opt(s.route.as_ref().map(|r| json!({ "host": r.host, "path": r.path }))),
        "metrics": opt(s.metrics.as_ref().map(|m| json!({ "port": m.port, "path": m.path }))),
        "workload": s.workload.as_str(),
        "health": {
            "liveness": probe(s.probes.liveness.as_ref()),
            "readiness": probe(s.probes.readiness.as_ref()),
            "startup": probe(s.probes.startup.as_ref()),
        },
        "sidecars": s.sidecars.iter().map(|c| json!({ "name": c.name, "image": c.image })).collect::<Vec<_>>(),
        "init": s.init.iter().map(|c| json!({ "name": c.name, "image": c.image })).collect::<Vec<_>>(),
        "slo": opt(s.fields.get("slo").cloned()),
        "build": opt(s.fields.get("build").cloned()),
    })
}

/// A probe as policies see it: an HTTP probe's path (as before probes had other
/// forms), `grpc:PORT`, `tcp:PORT`, `exec`, or null when there is none.
fn probe(p: Option<&crate::resolve::Probe>) -> Json {
    use crate::resolve::ProbeCheck;
    match p.map(|p| &p.check) {
        None => Json::Null,
        Some(ProbeCheck::Http { path, .. }) => json!(path),
        Some(ProbeCheck::Grpc(port)) => json!(format!("grpc:{port}")),
        Some(ProbeCheck::Tcp(port)) => json!(format!("tcp:{port}")),
        Some(ProbeCheck::Exec(_)) => json!("exec"),
    }
}

/// The platform file as written, with `name` for `platform` and the lists policies
/// read present even when not written.
pub(super) fn platform(raw: &Json) -> Json {
    let mut map = raw.as_object().cloned().unwrap_or_default();
    let name = map.get("platform").cloned().unwrap_or(Json::Null);
    map.insert("name".into(), name);
    map.entry("registries").or_insert_with(|| json!([]));
    Json::Object(map)
}
