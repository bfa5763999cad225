//! `pave explain SERVICE [--env ENV] [OBJECT PATH | FIELD]`: each resolved value of a
//! service with the layer and the place it came from, then what reaches its
//! Kubernetes objects (ports, environment with its real secret wiring, resources,
//! probes). Given an object and a path (`deployment spec.replicas`), or one service
//! field (`replicas`), it answers only where that value came from. Only the service's
//! own diagnostics are shown; `--format json` prints the same as data.

use std::path::Path;

use serde_json::{Value, json};

use super::{Exit, Output, messages};
use crate::Compilation;
use crate::diag::Diagnostic;
use crate::observe::routing::receiver_name;
use crate::render::RenderedObject;
use crate::resolve::{
    Environment, Gitops, GitopsEngine, Layer, Model, Network, Platform, PodSettings,
    ResolvedService, Routing, Urgency,
};
use crate::source::{SourceMap, Span};

/// What `pave explain` was asked for.
pub struct Query<'a> {
    pub service: &'a str,
    /// `--env` (repeatable; default: every environment).
    pub envs: &'a [String],
    /// `OBJECT PATH` or `FIELD`; empty for everything.
    pub field: &'a [String],
    /// `--format json`.
    pub json: bool,
}

/// Explains one service; see the module header.
pub fn explain(root: &Path, query: &Query, output: Output) -> Exit {
    if !root.is_dir() {
        return super::usage(messages::not_a_directory(root), output);
    }
    let compilation = super::compile_quiet(root, output);
    let Some((model, partial)) = explainable(&compilation, query.service) else {
        return super::stop(&compilation.diagnostics, &compilation.sources, output);
    };
    let selected = match select(model, query) {
        Ok(s) => s,
        Err(d) => return super::usage(d, output),
    };
    let mut own = own_diagnostics(&compilation, &selected);
    own.extend(super::denied_warnings(&own, output));
    super::print_diagnostics(&own, &compilation.sources, output);
    if own.iter().any(Diagnostic::is_error) {
        return Exit::for_failure(&own);
    }
    if partial {
        let broken = broken_files(&compilation);
        eprintln!(
            "note: {} {} errors (`pave check` lists them); `{}` is explained as if {} not there",
            broken.join(", "),
            if broken.len() == 1 { "has" } else { "have" },
            query.service,
            if broken.len() == 1 {
                "it were"
            } else {
                "they were"
            },
        );
    }
    let (rendered, _) = crate::render::render(model, None, None);
    let views: Vec<View> = selected
        .iter()
        .map(|s| View::new(s, model, &rendered.objects, &compilation.sources))
        .collect();
    if !query.field.is_empty() {
        return answer(&views, query, output);
    }
    match query.json {
        true => print!(
            "{}",
            pretty(&Value::from(
                views.iter().map(View::json).collect::<Vec<_>>()
            ))
        ),
        false => views.iter().for_each(|v| print!("{}", v.text())),
    }
    Exit::Ok
}

/// The model to explain from, and whether other services have errors: the
/// compilation's model, or what resolve resolved despite errors, but only when every
/// error lies in another service's file and no such service is tied to this one by a
/// need (either way round). A broken platform, module or policy could change any
/// value, and a broken neighbour the values that name it (a need's URL, an ingress
/// rule): then explain stops, as it always did.
fn explainable<'c>(compilation: &'c Compilation, service: &str) -> Option<(&'c Model, bool)> {
    let model = compilation
        .model
        .as_ref()
        .or(compilation.partial_model.as_ref())?;
    let errors: Vec<&Diagnostic> = compilation
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    if errors.is_empty() {
        return Some((model, false));
    }
    let own_file = model.service_files.get(service)?;
    let mut broken = std::collections::BTreeSet::new();
    for d in errors {
        let file = compilation.sources.file(d.primary_span()?.file);
        let name = service_of_file(&file.name)?;
        if file.name == *own_file || name == service {
            return None;
        }
        // A broken file may need this service: naming it is enough to stop, in its
        // text or in its values as read (an escape such as `"\x63art"` is `cart`).
        if names(compilation, d.primary_span()?.file, service) {
            return None;
        }
        broken.insert(name);
    }
    // Nor may this service need a broken one: resolve drops a need of a broken
    // service, so its own file naming one is what tells.
    let own = compilation
        .sources
        .files()
        .position(|f| f.name == *own_file)
        .map(|i| crate::source::FileId(i as u32))?;
    let needs_broken = broken.iter().any(|name| names(compilation, own, name));
    (!needs_broken).then_some((model, true))
}

/// Whether a file's text, or its values as parsed (when it parses), hold `name`.
fn names(compilation: &Compilation, file: crate::source::FileId, name: &str) -> bool {
    if compilation.sources.file(file).text.contains(name) {
        return true;
    }
    let kind = crate::schema::Kind::Service;
    let (doc, _) = crate::load::parse_text(file, &compilation.sources, kind);
    doc.is_some_and(|d| d.value.to_string().contains(name))
}

/// The files with errors, in order, each once.
fn broken_files(compilation: &Compilation) -> Vec<String> {
    let mut files: Vec<String> = compilation
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .filter_map(|d| d.primary_span())
        .map(|span| compilation.sources.file(span.file).name.clone())
        .collect();
    files.dedup();
    files
}

/// The service a file under `services/` describes: its stem (`services/api.yaml`,
/// `services/api.score.yaml` → `api`); `None` for any other file.
fn service_of_file(path: &str) -> Option<&str> {
    let file = path.strip_prefix("services/")?;
    let stem = [".score.yaml", ".score.yml", ".yaml", ".yml", ".kdl"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))?;
    (!stem.contains('/')).then_some(stem)
}

/// The service in the asked environments, or the usage error that says what exists.
fn select<'m>(model: &'m Model, query: &Query) -> Result<Vec<&'m ResolvedService>, Diagnostic> {
    let envs = super::environment_names(model);
    if let Some(env) = query.envs.iter().find(|e| !envs.contains(&e.as_str())) {
        return Err(messages::unknown_environment(env, &envs));
    }
    let selected: Vec<_> = model
        .services
        .iter()
        .filter(|s| {
            s.name == query.service && (query.envs.is_empty() || query.envs.contains(&s.env))
        })
        .collect();
    if selected.is_empty() {
        // One per environment in the model: each name once, in order.
        let mut names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        return Err(messages::unknown_explained_service(query.service, &names));
    }
    Ok(selected)
}

/// The diagnostics located in the service's own files (its file, or a file named after
/// it), not every warning of the platform.
fn own_diagnostics(compilation: &Compilation, services: &[&ResolvedService]) -> Vec<Diagnostic> {
    let own_files: Vec<_> = services
        .iter()
        .flat_map(|s| s.provenance.values())
        .filter(|o| matches!(o.layer, Layer::Service | Layer::ServiceEnvironment))
        .filter_map(|o| o.span.map(|span| span.file))
        .collect();
    compilation
        .diagnostics
        .iter()
        .filter(|d| {
            d.primary_span()
                .is_some_and(|span| own_files.contains(&span.file))
        })
        .cloned()
        .collect()
}

/// One resolved value: where it is, what it is, and where it came from.
struct Line {
    field: String,
    value: Value,
    /// The layer, or what the value is for values that are no service field.
    from: String,
    place: Option<Place>,
}

/// A file position, 1-based.
struct Place {
    file: String,
    line: usize,
    column: usize,
}

impl Place {
    fn of(span: Span, sources: &SourceMap) -> Place {
        let lc = sources.line_col(span);
        Place {
            file: sources.file(span.file).name.clone(),
            line: lc.line,
            column: lc.col,
        }
    }
}

/// One Kubernetes object of the service, as data.
struct Object {
    kind: String,
    /// `metadata.name`.
    name: String,
    path: String,
    value: Value,
}

/// Everything `explain` shows of one service in one environment.
struct View<'a> {
    service: &'a ResolvedService,
    sources: &'a SourceMap,
    lines: Vec<Line>,
    objects: Vec<Object>,
}

impl<'a> View<'a> {
    fn new(
        s: &'a ResolvedService,
        model: &Model,
        objects: &[RenderedObject],
        sources: &'a SourceMap,
    ) -> View<'a> {
        let env = model.platform.environments.iter().find(|e| e.name == s.env);
        let mut lines = values(s, sources);
        lines.extend(infrastructure(s, env.and_then(|e| e.network.as_ref())));
        lines.extend(alert_routes(&model.platform, s));
        if let Some(env) = env {
            lines.extend(delivery(&model.platform, env, s));
        }
        lines.extend(pod_settings(model.platform.pods(&s.env), &s.env));
        let objects = objects
            .iter()
            .filter(|o| {
                o.scope.env.as_deref() == Some(s.env.as_str())
                    && o.scope.service.as_deref() == Some(s.name.as_str())
            })
            .map(|o| Object {
                kind: o.kind.clone(),
                name: o.name.clone(),
                path: o.path.clone(),
                value: serde_json::to_value(&*o.object).unwrap_or(Value::Null),
            })
            .collect();
        View {
            service: s,
            sources,
            lines,
            objects,
        }
    }

    fn text(&self) -> String {
        let s = self.service;
        let mut out = format!("{} in {} (namespace {})\n", s.name, s.env, s.namespace);
        for l in &self.lines {
            out.push_str(&line_text(l));
        }
        for o in &self.objects {
            let containers = containers(&o.value);
            if containers.is_empty() {
                continue;
            }
            out.push_str(&format!("  {} ({})\n", o.kind, o.path));
            if let Some(replicas) = o.value.pointer("/spec/replicas") {
                out.push_str(&format!("    {:<30} {replicas}\n", "spec.replicas"));
            }
            for v in service_volumes(&o.value) {
                let name = format!("volumes.{}", v["name"].as_str().unwrap_or_default());
                out.push_str(&format!("    {name:<30} emptyDir {}\n", v["emptyDir"]));
            }
            for c in containers {
                out.push_str(&container_text(c));
            }
        }
        out
    }

    fn json(&self) -> Value {
        let s = self.service;
        let values: Vec<Value> = self.lines.iter().map(line_json).collect();
        let objects: Vec<Value> = self
            .objects
            .iter()
            .map(|o| json!({ "kind": o.kind, "path": o.path, "object": o.value }))
            .collect();
        json!({
            "service": s.name,
            "environment": s.env,
            "namespace": s.namespace,
            "values": values,
            "objects": objects,
        })
    }
}

/// Each scalar service value with its layer and place; an environment variable wired
/// from a secret shows the `secretKeyRef` the container really gets.
fn values(s: &ResolvedService, sources: &SourceMap) -> Vec<Line> {
    let mut lines = Vec::new();
    // By name, so a service with many variables is not a pass over them per variable.
    let mut secret_env = std::collections::HashMap::with_capacity(s.secret_env.len());
    for e in &s.secret_env {
        secret_env.entry(e.name.as_str()).or_insert(e);
    }
    for (pointer, origin) in &s.provenance {
        // An empty mapping is a value of its own (`volumes: { cache: {} }`).
        let Some(value) = s
            .fields
            .pointer(pointer)
            .filter(|v| v.as_object().is_none_or(|o| o.is_empty()) && !v.is_array())
        else {
            continue;
        };
        let wired = pointer
            .strip_prefix("/env/")
            .and_then(|name| secret_env.get(name))
            .map(|e| Value::from(format!("secretKeyRef {}/{}", e.secret, e.key)));
        lines.push(Line {
            field: dotted(pointer),
            value: wired.unwrap_or_else(|| value.clone()),
            from: origin.layer.as_str().to_string(),
            place: origin.span.map(|span| Place::of(span, sources)),
        });
    }
    lines
}

/// Where each module need's resources live and where its secret outputs are
/// written: not service fields, so they come from the environment and the module.
fn infrastructure(s: &ResolvedService, network: Option<&Network>) -> Vec<Line> {
    let mut lines = Vec::new();
    for need in &s.module_needs {
        let mut line = |key: &str, value: Value, from: &str| {
            lines.push(platform_line(
                format!("needs.{}.{key}", need.name),
                value,
                from,
            ));
        };
        if let (true, Some(n)) = (need.in_network, network) {
            line("network.vpc_id", json!(n.vpc_id), "environment network");
            line(
                "network.subnet_ids",
                json!(n.subnet_ids),
                "environment network",
            );
            line(
                "network.clients",
                json!(n.client_security_group_id),
                "environment network",
            );
        }
        if !s.renamed_from.is_empty() || !need.renamed_from.is_empty() {
            let service = crate::resolve::state_name(&s.name, &s.renamed_from);
            let name = crate::resolve::state_name(&need.name, &need.renamed_from);
            let state = json!(format!("{service}/{name}"));
            line("state_name", state, "renamed_from (physical names)");
        }
        if !need.secrets.is_empty() {
            line("secret", json!(need.secret_path), "secret store");
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
                json!(address),
                "module generate",
            );
        }
    }
    lines
}

/// A value that is no service field: where it came from is a platform setting.
fn platform_line(field: String, value: Value, from: &str) -> Line {
    Line {
        field,
        value,
        from: from.to_string(),
        place: None,
    }
}

/// Where the service's pages and tickets go in its environment, when alerts are
/// routed: the receiver each urgency ends at after `monitoring.severity`.
fn alert_routes(p: &Platform, s: &ResolvedService) -> Vec<Line> {
    if p.monitoring.routing == Routing::None {
        return Vec::new();
    }
    let from = format!("teams.{}, monitoring.severity", s.owner);
    [(Urgency::Page, "page"), (Urgency::Ticket, "ticket")]
        .into_iter()
        .map(|(u, word)| {
            let value = p
                .observability
                .urgency_in(&s.env, u)
                .map_or(json!("none"), |to| json!(receiver_name(&s.owner, to)));
            platform_line(format!("alerts.{word}.receiver"), value, &from)
        })
        .collect()
}

/// How the service reaches its cluster, its dashboard and the developer portal: not
/// service fields, so they come from the platform's targets and monitoring.
fn delivery(platform: &Platform, env: &Environment, s: &ResolvedService) -> Vec<Line> {
    let mut lines = Vec::new();
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
        lines.push(platform_line("delivery.gitops".into(), json!(value), from));
    }
    if let Some(url) = crate::observe::dashboard_url(platform, &env.name, s) {
        lines.push(platform_line(
            "delivery.dashboard".into(),
            json!(url),
            "monitoring.dashboards",
        ));
    }
    if platform.targets.catalog.is_some() {
        let value = json!(format!("Component {}", s.name));
        lines.push(platform_line(
            "delivery.catalog".into(),
            value,
            "targets.catalog",
        ));
    }
    lines
}

/// What the platform puts on every pod of the environment: not service fields, so
/// their origin is the environment.
fn pod_settings(pods: &PodSettings, env: &str) -> Vec<Line> {
    let from = format!("platform environments.{env}");
    let mut lines = Vec::new();
    let mut line = |key: String, value: &str| {
        lines.push(platform_line(key, json!(value), &from));
    };
    for (field, map) in [
        ("node_selector", &pods.node_selector),
        ("labels", &pods.labels),
        ("pod_annotations", &pods.pod_annotations),
    ] {
        for (k, v) in map {
            line(format!("{field}.{k}"), v);
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
        line(format!("tolerations.{i}"), &text.join(" "));
    }
    for (i, name) in pods.image_pull_secrets.iter().enumerate() {
        line(format!("image_pull_secrets.{i}"), name);
    }
    lines
}

fn line_text(l: &Line) -> String {
    let place = l.place.as_ref().map_or_else(String::new, |p| {
        format!(" {}:{}:{}", p.file, p.line, p.column)
    });
    format!(
        "  {:<32} {:<28} {}{}\n",
        l.field,
        l.value.to_string(),
        l.from,
        place
    )
}

fn line_json(l: &Line) -> Value {
    json!({
        "field": l.field,
        "value": l.value,
        "from": l.from,
        "file": l.place.as_ref().map(|p| p.file.as_str()),
        "line": l.place.as_ref().map(|p| p.line),
        "column": l.place.as_ref().map(|p| p.column),
    })
}

/// The containers of a workload object (Deployment or CronJob), init containers first.
fn containers(object: &Value) -> Vec<&Value> {
    let pod = object
        .pointer("/spec/template/spec")
        .or_else(|| object.pointer("/spec/jobTemplate/spec/template/spec"));
    let Some(pod) = pod else {
        return Vec::new();
    };
    ["initContainers", "containers"]
        .iter()
        .filter_map(|k| pod.get(*k).and_then(Value::as_array))
        .flatten()
        .collect()
}

/// The names of the volumes pave gives every pod itself, whatever the service says.
const OWN_VOLUMES: &[&str] = &["tmp", "files"];

/// The volumes of a workload object's pod that the service declares (`volumes`).
fn service_volumes(object: &Value) -> Vec<&Value> {
    let pod = object
        .pointer("/spec/template/spec")
        .or_else(|| object.pointer("/spec/jobTemplate/spec/template/spec"));
    pod.and_then(|p| p["volumes"].as_array())
        .into_iter()
        .flatten()
        .filter(|v| !OWN_VOLUMES.contains(&v["name"].as_str().unwrap_or_default()))
        .collect()
}

/// One mount of a service volume as the container gets it: `rates (subPath current, read-only)`.
fn mount_text(m: &Value) -> String {
    let mut text = m["name"].as_str().unwrap_or_default().to_string();
    let mut notes = Vec::new();
    if let Some(sub) = m["subPath"].as_str() {
        notes.push(format!("subPath {sub}"));
    }
    if m["readOnly"].as_bool() == Some(true) {
        notes.push("read-only".to_string());
    }
    if !notes.is_empty() {
        text.push_str(&format!(" ({})", notes.join(", ")));
    }
    text
}

/// What reaches one container: image, ports, environment (a secret as its
/// `secretKeyRef`), resources, probes and its mounts of the service's volumes.
fn container_text(c: &Value) -> String {
    let name = c["name"].as_str().unwrap_or_default();
    let mut out = String::new();
    let mut line = |key: String, value: String| {
        out.push_str(&format!(
            "    {:<30} {value}\n",
            format!("containers.{name}.{key}")
        ));
    };
    line("image".into(), c["image"].to_string());
    for p in c["ports"].as_array().into_iter().flatten() {
        line(
            format!("ports.{}", p["name"].as_str().unwrap_or_default()),
            p["containerPort"].to_string(),
        );
    }
    for from in c["envFrom"].as_array().into_iter().flatten() {
        if let Some(cm) = from.pointer("/configMapRef/name") {
            line(
                "envFrom".into(),
                format!("configMapRef {}", cm.as_str().unwrap_or_default()),
            );
        }
    }
    for e in c["env"].as_array().into_iter().flatten() {
        let name = e["name"].as_str().unwrap_or_default();
        line(format!("env.{name}"), env_value(e));
    }
    for (key, value) in [
        "resources",
        "readinessProbe",
        "livenessProbe",
        "startupProbe",
    ]
    .iter()
    .filter_map(|k| c.get(*k).map(|v| (*k, v)))
    {
        line(key.to_string(), value.to_string());
    }
    for m in c["volumeMounts"].as_array().into_iter().flatten() {
        if OWN_VOLUMES.contains(&m["name"].as_str().unwrap_or_default()) {
            continue;
        }
        let path = m["mountPath"].as_str().unwrap_or_default();
        line(format!("volumeMounts.{path}"), mount_text(m));
    }
    out
}

/// An environment variable as the container gets it: its value, or where it is read from.
fn env_value(e: &Value) -> String {
    if let Some(v) = e.get("value") {
        return v.to_string();
    }
    for kind in ["secretKeyRef", "configMapKeyRef"] {
        if let Some(r) = e.pointer(&format!("/valueFrom/{kind}")) {
            let name = r["name"].as_str().unwrap_or_default();
            let key = r["key"].as_str().unwrap_or_default();
            return format!("{kind} {name}/{key}");
        }
    }
    e.get("valueFrom")
        .map_or_else(String::new, Value::to_string)
}

/// `pave explain S OBJECT PATH` or `pave explain S FIELD`: the value and where it came from.
fn answer(views: &[View], query: &Query, output: Output) -> Exit {
    let mut answers = Vec::new();
    for v in views {
        match one_answer(v, query.field) {
            Ok(a) => answers.push(a),
            Err(d) => return super::usage(d, output),
        }
    }
    match query.json {
        true => print!("{}", pretty(&Value::from(answers))),
        false => {
            for a in &answers {
                print!("{}", answer_text(a));
            }
        }
    }
    Exit::Ok
}

/// The answer for one environment as data: value, and the service field it comes from.
fn one_answer(v: &View, field: &[String]) -> Result<Value, Diagnostic> {
    let s = v.service;
    let (object, path) = match field {
        [field] => (None, field.as_str()),
        [kind, path, ..] => (Some(kind.as_str()), path.as_str()),
        [] => (None, ""),
    };
    let (value, pointer, what) = match object {
        None => {
            let pointer = pointer_of(path);
            let value = s
                .fields
                .pointer(&pointer)
                .cloned()
                .or_else(|| built_in_value(s, &pointer));
            let value = value.ok_or_else(|| {
                let fields = s.provenance.keys().map(|p| dotted(p)).collect::<Vec<_>>();
                messages::unknown_explained_field(path, &s.name, &fields)
            })?;
            (value, Some(pointer), path.to_string())
        }
        Some(kind) => {
            let (o, value) = find_object(v, kind, path)?;
            let source = object_source(s, o, path);
            (value, source, format!("{} {path}", o.kind))
        }
    };
    let origin = pointer.as_deref().and_then(|p| nearest(s, p));
    let from = origin.as_ref().map(|(field, layer, span)| {
        let place = span.map(|sp| Place::of(sp, v.sources));
        json!({
            "field": dotted(field),
            "layer": layer.as_str(),
            "file": place.as_ref().map(|p| p.file.clone()),
            "line": place.as_ref().map(|p| p.line),
            "column": place.as_ref().map(|p| p.column),
        })
    });
    Ok(json!({
        "service": s.name,
        "environment": s.env,
        "asked": what,
        "value": value,
        "from": from,
    }))
}

/// A field no file sets but a built-in default or the contract fills (the port of a
/// web service that names none): the resolved value.
fn built_in_value(s: &ResolvedService, pointer: &str) -> Option<Value> {
    match pointer {
        "/port" => Some(Value::from(s.port)),
        "/replicas" => Some(Value::from(s.replicas)),
        "/tier" => Some(Value::from(s.tier)),
        "/size" => Some(Value::from(s.size.clone())),
        _ => None,
    }
}

fn answer_text(a: &Value) -> String {
    let mut out = format!(
        "{} in {}: {} = {}\n",
        a["service"].as_str().unwrap_or_default(),
        a["environment"].as_str().unwrap_or_default(),
        a["asked"].as_str().unwrap_or_default(),
        a["value"]
    );
    let from = &a["from"];
    if from.is_null() {
        out.push_str("  set by pave: no input field sets it; it is how pave renders this object\n");
        return out;
    }
    out.push_str(&format!(
        "  from `{}`: {}",
        from["field"].as_str().unwrap_or_default(),
        from["layer"].as_str().unwrap_or_default()
    ));
    if let Some(file) = from["file"].as_str() {
        out.push_str(&format!(" {file}:{}:{}", from["line"], from["column"]));
    }
    out.push('\n');
    out
}

/// The object `kind` (or `kind/name`, as kubectl writes it) names and the value at
/// `path` in it. A service may have two objects of a kind (its `-env` and `-files`
/// ConfigMaps): the first that has the path answers.
fn find_object<'v>(v: &'v View, kind: &str, path: &str) -> Result<(&'v Object, Value), Diagnostic> {
    let (kind, name) = match kind.split_once('/') {
        Some((kind, name)) => (kind, Some(name)),
        None => (kind, None),
    };
    let mut first_error = None;
    let candidates = v
        .objects
        .iter()
        .filter(|o| o.kind.eq_ignore_ascii_case(kind) && name.is_none_or(|n| o.name == n));
    let mut found = Vec::new();
    for o in candidates {
        match object_value(&o.value, path, &o.kind) {
            Ok(value) => found.push((o, value)),
            Err(d) => {
                first_error.get_or_insert(d);
            }
        }
    }
    match found.len() {
        1 => return Ok(found.remove(0)),
        // Two objects of the kind have the path: say which there are, pick none.
        n if n > 1 => {
            let named: Vec<String> = found
                .iter()
                .map(|(o, _)| format!("{}/{}", o.kind, o.name))
                .collect();
            return Err(messages::ambiguous_explained_object(kind, path, &named));
        }
        _ => {}
    }
    Err(first_error.unwrap_or_else(|| {
        let known: Vec<String> = v
            .objects
            .iter()
            .map(|o| format!("{}/{}", o.kind, o.name))
            .collect();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let asked = name.map_or(kind.to_string(), |n| format!("{kind}/{n}"));
        messages::unknown_explained_object(&asked, &v.service.name, &v.service.env, &known)
    }))
}

/// The value at a dotted path in an object; a list item is named by its index or its
/// `name` (`spec.template.spec.containers.checkout.env.DATABASE_URL`).
fn object_value(object: &Value, path: &str, kind: &str) -> Result<Value, Diagnostic> {
    let mut at = object;
    let mut walked = Vec::new();
    let parts: Vec<&str> = path.split('.').filter(|k| !k.is_empty()).collect();
    let mut i = 0;
    while i < parts.len() {
        let mut key = parts[i].to_string();
        // A key may hold dots itself (`data.etc_app_config.yaml`,
        // `metadata.labels.app.kubernetes.io/name`): the shortest run of parts that
        // names a key is the key.
        if let Value::Object(map) = at {
            let mut end = i;
            while !map.contains_key(&key) && end + 1 < parts.len() {
                end += 1;
                key = format!("{key}.{}", parts[end]);
            }
            if map.contains_key(&key) {
                i = end;
            } else {
                key = parts[i].to_string();
            }
        }
        i += 1;
        let next = match at {
            Value::Object(map) => map.get(&key),
            Value::Array(items) => key
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .or_else(|| items.iter().find(|i| i["name"].as_str() == Some(&key))),
            _ => None,
        };
        let Some(next) = next else {
            let keys: Vec<String> = match at {
                Value::Object(map) => map.keys().cloned().collect(),
                Value::Array(items) => items
                    .iter()
                    .filter_map(|i| i["name"].as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            return Err(messages::unknown_object_path(
                path,
                kind,
                &walked.join("."),
                &key,
                &keys,
            ));
        };
        walked.push(key);
        at = next;
    }
    Ok(at.clone())
}

/// The service field an object's value is rendered from, as a JSON pointer.
fn object_source(s: &ResolvedService, o: &Object, path: &str) -> Option<String> {
    let keys: Vec<&str> = path.split('.').collect();
    // A ConfigMap's data is the service's plain `env` (from the service, its defaults
    // or the platform's) or its `files`, each under the key resolve gave it.
    if o.kind == "ConfigMap" {
        let file = |key: &str| s.files.iter().find(|f| f.key == key);
        match keys.as_slice() {
            ["data", key @ ..] if !key.is_empty() => {
                let key = key.join(".");
                return match file(&key) {
                    Some(f) => Some(crate::document::pointer_push("/files", &f.path)),
                    None => Some(env_source(s, &key)),
                };
            }
            ["data"] => {
                let holds_files = s
                    .files
                    .iter()
                    .any(|f| o.value["data"].get(&f.key).is_some());
                return Some(if holds_files { "/files" } else { "/env" }.to_string());
            }
            _ => {}
        }
    }
    // Past the pod template, the container (by name or index) and its field.
    let container = keys
        .iter()
        .position(|k| *k == "containers" || *k == "initContainers");
    if let Some(at) = container {
        let rest = keys.get(at + 2..).unwrap_or_default();
        return match rest {
            ["image", ..] => Some("/image".into()),
            ["command", ..] => Some("/command".into()),
            ["args", ..] => Some("/args".into()),
            ["ports", ..] => Some("/port".into()),
            ["resources", ..] => Some("/size".into()),
            [probe, ..] if probe.ends_with("Probe") => Some("/health".into()),
            ["env", name, ..] => Some(env_source(s, name)),
            _ => None,
        };
    }
    match keys.as_slice() {
        ["spec", "replicas"] if s.autoscale.is_some() => Some("/autoscale".into()),
        ["spec", "replicas"] => Some("/replicas".into()),
        ["spec", "rules", ..] | ["spec", "tls", ..] => Some("/route".into()),
        [.., last] => Some(format!("/{last}")).filter(|p| s.provenance.contains_key(p)),
        [] => None,
    }
}

/// The field an environment variable comes from: `env`, `secrets`, or the need whose
/// output it carries (`PAVE_DB_URL` -> `needs.db`).
fn env_source(s: &ResolvedService, name: &str) -> String {
    for field in ["env", "secrets"] {
        let pointer = format!("/{field}/{name}");
        if s.provenance.keys().any(|p| p.starts_with(&pointer)) {
            return pointer;
        }
    }
    let need = s.secret_env.iter().find(|e| e.name == name).and_then(|e| {
        s.module_needs
            .iter()
            .find(|n| e.secret == crate::resolve::need_secret_name(&s.name, &n.name))
    });
    match need {
        Some(n) => format!("/needs/{}", n.name),
        None => format!("/env/{name}"),
    }
}

/// The recorded origin of `pointer`, else of its nearest ancestor, else of the first
/// field recorded below it (`needs.db` answers from `needs.db.type`).
fn nearest<'s>(s: &'s ResolvedService, pointer: &str) -> Option<(&'s str, Layer, Option<Span>)> {
    let below = format!("{pointer}/");
    crate::document::pointer_and_ancestors(pointer)
        .filter(|p| !p.is_empty())
        .find_map(|p| s.provenance.get_key_value(p))
        .or_else(|| {
            s.provenance
                .range(below.clone()..)
                .next()
                .filter(|(p, _)| p.starts_with(&below))
        })
        .map(|(p, o)| (p.as_str(), o.layer, o.span))
}

/// A dotted field path as a JSON pointer (`env.LOG_LEVEL` -> `/env/LOG_LEVEL`).
fn pointer_of(path: &str) -> String {
    path.split('.')
        .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
        .collect()
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

fn pretty(v: &Value) -> String {
    // A value built from strings and numbers cannot fail to serialize.
    format!("{}\n", serde_json::to_string_pretty(v).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_read_as_dotted_paths_with_keys_unescaped() {
        assert_eq!(dotted("/env/LOG_LEVEL"), "env.LOG_LEVEL");
        assert_eq!(dotted("/files/~1etc~1app.yaml"), "files./etc/app.yaml");
        assert_eq!(dotted("/a~0b"), "a~b");
        assert_eq!(pointer_of("env.LOG_LEVEL"), "/env/LOG_LEVEL");
    }

    #[test]
    fn object_paths_name_list_items_by_index_or_name() {
        let o = json!({ "spec": { "containers": [{ "name": "app", "env": [{ "name": "A", "value": "1" }] }] } });
        assert_eq!(
            object_value(&o, "spec.containers.app.env.A.value", "Deployment").unwrap(),
            json!("1")
        );
        assert_eq!(
            object_value(&o, "spec.containers.0.name", "Deployment").unwrap(),
            json!("app")
        );
        let d = object_value(&o, "spec.containerz", "Deployment").unwrap_err();
        assert_eq!(d.help.as_deref(), Some("did you mean `containers`?"));
    }

    #[test]
    fn secret_environment_variables_show_their_secret_key_ref() {
        let e = json!({ "name": "DB", "valueFrom": { "secretKeyRef": { "name": "api-db", "key": "url" } } });
        assert_eq!(env_value(&e), "secretKeyRef api-db/url");
        assert_eq!(env_value(&json!({ "name": "A", "value": "x" })), "\"x\"");
    }
}
