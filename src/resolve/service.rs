//! One environment's services: layering, placeholders, references -> [`ResolvedService`].

use std::collections::BTreeMap;
use std::ops::Range;

use rayon::prelude::*;
use serde_json::{Value, json};

use super::layering::Layered;
use super::module::{self, ModuleDef, ModuleNeed, NeedOutput};
use super::placeholder::{self, Piece};
use super::resolved::*;
use super::{ServiceInput, is_dns_label, is_dns_subdomain};
use crate::decimal::Decimal;
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::load::{Document, pointer_push};
use crate::model::{self, scalar_text, service::ServiceSpec};
use crate::source::{SourceMap, Span};

pub(crate) struct EnvContext<'a> {
    pub platform: &'a Platform,
    pub pdoc: &'a Document,
    pub env: &'a Environment,
    pub namespace_pattern: Option<&'a str>,
    pub modules: &'a BTreeMap<String, ModuleDef>,
    /// Services whose files have errors of their own.
    pub broken: &'a std::collections::BTreeSet<String>,
    /// Module types whose module files have errors of their own.
    pub broken_modules: &'a std::collections::BTreeSet<String>,
}

/// What `${needs.<name>.*}` can resolve to.
enum NeedOutputs {
    Service {
        host: String,
        port: u16,
    },
    Module(Box<ModuleNeed>),
    /// A need whose own errors are reported: its outputs expand to nothing, so that
    /// the values reading them do not report a second, misleading error.
    Broken,
}

/// What one placeholder stands for: text, or a key of a need's secret.
enum Expansion {
    Text(String),
    Secret { need: String, key: String },
}

/// A string after expansion: secret outputs become `$(VAR)` references to
/// environment variables read from the need's Kubernetes Secret.
struct Expanded {
    text: String,
    secrets: Vec<SecretEnv>,
    /// The string was exactly one secret placeholder.
    whole: bool,
}

/// The values placeholders of one service in one environment resolve to.
struct Scope<'a> {
    ctx: &'a EnvContext<'a>,
    service_name: &'a str,
    service_owner: &'a str,
    needs: BTreeMap<String, NeedOutputs>,
    /// Expanding a need's inputs, which cannot read the outputs of needs.
    in_need_inputs: bool,
}

/// Why a placeholder did not resolve: a message and a help line.
struct Unresolved(String, String);

impl Scope<'_> {
    fn lookup(&self, path: &str) -> Result<Expansion, Unresolved> {
        match path.split('.').collect::<Vec<_>>().as_slice() {
            ["needs", need, output] => self.need_output(need, output),
            _ => self.lookup_text(path).map(Expansion::Text),
        }
    }

    fn lookup_text(&self, path: &str) -> Result<String, Unresolved> {
        let parts: Vec<&str> = path.split('.').collect();
        let env = self.ctx.env;
        let field = |v: &Option<String>, name: &str| {
            v.clone().ok_or_else(|| {
                Unresolved(
                    format!("environment `{}` has no `{name}`", env.name),
                    format!(
                        "set `environments.{}.{name}` in the platform file",
                        env.name
                    ),
                )
            })
        };
        match parts.as_slice() {
            ["service", "name"] => Ok(self.service_name.to_string()),
            ["service", "owner"] => Ok(self.service_owner.to_string()),
            ["env", "name"] => Ok(env.name.clone()),
            ["env", "domain"] => field(&env.domain, "domain"),
            ["env", "region"] => field(&env.region, "region"),
            ["env", "cluster"] => field(&env.cluster, "cluster"),
            ["env", "account"] => field(&env.account, "account"),
            ["env", "cloud"] => field(&env.cloud, "cloud"),
            ["platform", "name"] => Ok(self.ctx.platform.name.clone()),
            _ => Err(unknown(path, &self.known())),
        }
    }

    fn need_output(&self, need: &str, output: &str) -> Result<Expansion, Unresolved> {
        if self.in_need_inputs {
            return Err(Unresolved(
                format!("a need's inputs cannot read `needs.{need}.{output}`"),
                "need inputs may use `${service.*}`, `${env.*}` and `${platform.name}`; outputs of needs are for `env`, `command` and `args`".into(),
            ));
        }
        match self.needs.get(need) {
            Some(NeedOutputs::Broken) => Ok(Expansion::Text(String::new())),
            Some(NeedOutputs::Service { host, port }) => match output {
                "host" => Ok(Expansion::Text(host.clone())),
                "port" => Ok(Expansion::Text(port.to_string())),
                "url" => Ok(Expansion::Text(format!("http://{host}:{port}"))),
                _ => Err(Unresolved(
                    format!("need `{need}` has no output `{output}`"),
                    did_you_mean(output, ["url", "host", "port"]).unwrap_or_else(|| {
                        "a service need has the outputs `url`, `host` and `port`".into()
                    }),
                )),
            },
            Some(NeedOutputs::Module(module)) => match module.outputs.get(output) {
                Some(NeedOutput::Value(v)) => Ok(Expansion::Text(v.clone())),
                Some(NeedOutput::Secret(key)) => Ok(Expansion::Secret {
                    need: need.to_string(),
                    key: key.clone(),
                }),
                None => {
                    let names: Vec<&str> = module.outputs.keys().map(String::as_str).collect();
                    Err(Unresolved(
                        format!("need `{need}` (`{}`) has no output `{output}`", module.kind),
                        did_you_mean(output, names.iter().copied())
                            .unwrap_or_else(|| format!("its outputs are: {}", names.join(", "))),
                    ))
                }
            },
            None => {
                let names: Vec<&str> = self.needs.keys().map(String::as_str).collect();
                Err(Unresolved(
                    format!("this service has no need `{need}`"),
                    did_you_mean(need, names.iter().copied()).unwrap_or_else(|| {
                        format!("declare it under `needs:`, e.g. `{need}: {{ service: {need} }}`")
                    }),
                ))
            }
        }
    }

    fn known(&self) -> Vec<String> {
        let mut known: Vec<String> = [
            "service.name",
            "service.owner",
            "env.name",
            "env.domain",
            "env.region",
            "env.cluster",
            "env.account",
            "env.cloud",
            "platform.name",
        ]
        .map(String::from)
        .to_vec();
        for (need, outputs) in &self.needs {
            match outputs {
                NeedOutputs::Service { .. } => {
                    known.extend(["url", "host", "port"].map(|o| format!("needs.{need}.{o}")))
                }
                NeedOutputs::Module(m) => {
                    known.extend(m.outputs.keys().map(|o| format!("needs.{need}.{o}")))
                }
                NeedOutputs::Broken => {}
            }
        }
        known
    }
}

fn unknown(path: &str, known: &[String]) -> Unresolved {
    Unresolved(
        format!("unknown placeholder `${{{path}}}`"),
        did_you_mean(path, known.iter().map(String::as_str))
            .map(|h| h.replace("`?", "}`?").replace("mean `", "mean `${"))
            .unwrap_or_else(|| "placeholders are ${service.*}, ${env.*}, ${platform.name} and ${needs.<name>.<output>}".into()),
    )
}

/// One service before placeholders: its layered value and the facts other services need.
struct Staged<'a> {
    input: &'a ServiceInput<'a>,
    layered: Layered,
    namespace: String,
    port: u16,
}

pub(crate) fn resolve_env(
    ctx: &EnvContext,
    services: &[ServiceInput],
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ResolvedService> {
    // Services resolve independently within a stage; rayon keeps their order in `collect`,
    // so diagnostics come out in the same order on every run.
    let staged: Vec<(Staged, Vec<Diagnostic>)> = services
        .par_iter()
        .map(|s| {
            let mut found = Vec::new();
            (stage(ctx, s, sources, &mut found), found)
        })
        .collect();
    let by_name: BTreeMap<&str, &Staged> = staged
        .iter()
        .map(|(s, _)| (s.input.name.as_str(), s))
        .collect();
    let finished: Vec<(Option<ResolvedService>, Vec<Diagnostic>)> = staged
        .par_iter()
        .map(|(s, _)| {
            let mut found = Vec::new();
            (finish(ctx, s, &by_name, sources, &mut found), found)
        })
        .collect();
    for (_, found) in &staged {
        diags.extend(found.iter().cloned());
    }
    let mut resolved = Vec::with_capacity(finished.len());
    for (service, found) in finished {
        diags.extend(found);
        resolved.extend(service);
    }
    resolved
}

fn stage<'a>(
    ctx: &EnvContext,
    input: &'a ServiceInput<'a>,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Staged<'a> {
    let env = &ctx.env.name;
    let mut layered = Layered::new();
    layered.overlay(
        &json!({"tier": 2, "replicas": 1, "size": "small", "metrics": true}),
        Layer::Builtin,
        None,
        &[],
    );
    if let Some(defaults) = ctx.pdoc.value.get("defaults") {
        layered.overlay(
            defaults,
            Layer::PlatformDefaults,
            Some((ctx.pdoc, "/defaults")),
            &[],
        );
    }
    let env_ptr = pointer_push("/environments", env);
    if let Some(replicas) = ctx
        .pdoc
        .value
        .pointer(&env_ptr)
        .and_then(|e| e.get("replicas"))
    {
        layered.overlay(
            &json!({ "replicas": replicas }),
            Layer::Environment,
            Some((ctx.pdoc, &env_ptr)),
            &[],
        );
    }
    layered.overlay(
        &input.doc.value,
        Layer::Service,
        Some((input.doc, "")),
        &["environments"],
    );
    let override_ptr = pointer_push("/environments", env);
    if let Some(over) = input.doc.value.pointer(&override_ptr) {
        layered.overlay(
            over,
            Layer::ServiceEnvironment,
            Some((input.doc, &override_ptr)),
            &[],
        );
    }
    let owner = layered.value["owner"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let scope = Scope {
        ctx,
        service_name: &input.name,
        service_owner: &owner,
        needs: BTreeMap::new(),
        in_need_inputs: false,
    };
    let pattern = ctx.namespace_pattern.unwrap_or("${service.name}");
    let pattern_span = ctx.pdoc.span(&pointer_push(&env_ptr, "namespace"));
    let namespace = match expand(pattern, &scope, &input.name).map(|e| e.text) {
        Ok(ns) if is_dns_label(&ns) => ns,
        Ok(ns) => {
            diags.push(
                Diagnostic::error(
                    Code::E0506,
                    format!(
                        "namespace `{ns}` of service `{}` is not a DNS-1123 label",
                        input.name
                    ),
                )
                .primary(pattern_span, "this pattern")
                .help("namespaces are lowercase letters, digits and `-`"),
            );
            input.name.clone()
        }
        Err(errors) => {
            for (range, Unresolved(message, help)) in errors {
                let span = sub_span(sources, pattern_span, pattern, range);
                diags.push(
                    Diagnostic::error(Code::E0501, message)
                        .primary(span, "here")
                        .help(help),
                );
            }
            input.name.clone()
        }
    };
    let port = layered
        .value
        .get("port")
        .and_then(Value::as_u64)
        .map_or(ctx.platform.contract.port, |p| p as u16);
    Staged {
        input,
        layered,
        namespace,
        port,
    }
}

fn finish(
    ctx: &EnvContext,
    staged: &Staged,
    by_name: &BTreeMap<&str, &Staged>,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<ResolvedService> {
    let layered = &staged.layered;
    let span_of = |p: &str| {
        layered
            .origin(p)
            .and_then(|o| o.span)
            .unwrap_or_else(|| staged.input.doc.span("/name"))
    };
    let errors_before = diags.iter().filter(|d| d.is_error()).count();

    let mut needs = BTreeMap::new();
    let mut service_needs = Vec::new();
    let need_map = layered
        .value
        .get("needs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (need, spec) in &need_map {
        let need_ptr = pointer_push("/needs", need);
        if let Some(target) = spec.get("service").and_then(Value::as_str) {
            match by_name.get(target) {
                Some(t) => {
                    let host = format!("{}.{}.svc.cluster.local", t.input.name, t.namespace);
                    needs.insert(need.clone(), NeedOutputs::Service { host, port: t.port });
                    service_needs.push(ServiceNeed {
                        name: need.clone(),
                        service: target.to_string(),
                        namespace: t.namespace.clone(),
                    });
                }
                None if ctx.broken.contains(target) => {
                    // The target's own errors are reported; resolve on without it.
                    needs.insert(
                        need.clone(),
                        NeedOutputs::Service {
                            host: String::new(),
                            port: 0,
                        },
                    );
                }
                None => {
                    let names: Vec<&str> = by_name.keys().copied().collect();
                    let mut d = Diagnostic::error(
                        Code::E0503,
                        format!("need `{need}` names an unknown service `{target}`"),
                    )
                    .primary(
                        span_of(&pointer_push(&need_ptr, "service")),
                        "no service has this name",
                    );
                    d.help = did_you_mean(target, names.iter().copied())
                        .or_else(|| Some(format!("add `services/{target}.yaml` or fix the name")));
                    diags.push(d);
                }
            }
        } else if spec.get("service").is_none() && spec.get("type").is_none() {
            diags.push(
                Diagnostic::error(
                    Code::E0512,
                    format!("need `{need}` names neither a `service` nor a module `type`"),
                )
                .primary(span_of(&need_ptr), "incomplete need")
                .help(
                    "write `{ service: <name> }` or `{ type: <module> }` in the service's `needs`",
                ),
            );
        } else if let Some(kind) = spec.get("type").and_then(Value::as_str) {
            let Some(module) = ctx.modules.get(kind) else {
                if ctx.broken_modules.contains(kind) {
                    // The module file's own errors are reported; resolve on without it.
                    needs.insert(need.clone(), NeedOutputs::Broken);
                    continue;
                }
                let known: Vec<&str> = ctx.modules.keys().map(String::as_str).collect();
                let mut d = Diagnostic::error(Code::E0508, format!("no module of type `{kind}`"))
                    .primary(
                        span_of(&pointer_push(&need_ptr, "type")),
                        "unknown module type",
                    );
                d.help = did_you_mean(kind, known.iter().copied()).or_else(|| {
                    Some(format!(
                        "module types: {}; add your own in `modules/{kind}/module.yaml`",
                        known.join(", ")
                    ))
                });
                diags.push(d);
                continue;
            };
            let need_ctx = module::NeedContext {
                service: json!({ "name": staged.input.name, "owner": layered.value["owner"], "namespace": staged.namespace }),
                env: env_view(ctx.env),
                platform: platform_view(ctx),
                need,
                secret_path: format!(
                    "{}/{}/{}/{need}",
                    ctx.platform.name, ctx.env.name, staged.input.name
                ),
            };
            let at = |p: &str| span_of(&format!("{need_ptr}{p}"));
            let mut inputs = spec.as_object().cloned().unwrap_or_default();
            let input_scope = Scope {
                ctx,
                service_name: &staged.input.name,
                service_owner: layered.value["owner"].as_str().unwrap_or_default(),
                needs: BTreeMap::new(),
                in_need_inputs: true,
            };
            let before = diags.len();
            for (key, value) in inputs.iter_mut().filter(|(k, _)| *k != "type") {
                let expand_at = InputExpansion {
                    scope: &input_scope,
                    span_of: &span_of,
                    sources,
                };
                expand_at.value(value, &pointer_push(&need_ptr, key), diags);
            }
            if diags.len() > before {
                needs.insert(need.clone(), NeedOutputs::Broken);
                continue;
            }
            match module::resolve_need(module, &inputs, need_ctx, &at) {
                Ok(resolved) => {
                    needs.insert(need.clone(), NeedOutputs::Module(Box::new(resolved)));
                }
                Err(errors) => {
                    needs.insert(need.clone(), NeedOutputs::Broken);
                    diags.extend(errors);
                }
            }
        }
    }

    let scope = Scope {
        ctx,
        service_name: &staged.input.name,
        service_owner: layered.value["owner"].as_str().unwrap_or_default(),
        needs,
        in_need_inputs: false,
    };
    let mut value = layered.value.clone();
    let mut wiring = Wiring::new();
    expand_tree(
        &mut value,
        "",
        &scope,
        layered,
        staged,
        sources,
        diags,
        &mut wiring,
    );
    keep_number_text(&mut value, layered, sources);
    let module_needs: Vec<ModuleNeed> = scope
        .needs
        .into_values()
        .filter_map(|n| match n {
            NeedOutputs::Module(m) => Some(*m),
            NeedOutputs::Service { .. } | NeedOutputs::Broken => None,
        })
        .collect();
    if ctx.platform.secret_store.is_none() && module_needs.iter().any(|n| !n.secrets.is_empty()) {
        diags.push(
            Diagnostic::error(Code::E0510, "module needs deliver their outputs through a secret store, and the platform names none")
                .primary(span_of("/needs"), "these needs have secret outputs")
                .help("set `secrets: { store: <ClusterSecretStore name> }` in the platform file"),
        );
    }
    let spec: ServiceSpec = match model::decode(staged.input.doc, "", &value) {
        Ok(s) => s,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let resolved = build(ctx, staged, spec, service_needs, &span_of, diags).map(|mut r| {
        r.fields = value;
        wire(&mut r, wiring);
        r.slo = slo(ctx, &r.fields, &span_of, diags);
        if module_needs.iter().any(|n| !n.iam.is_empty()) {
            r.role = Some(format!("{}-{}-{}", ctx.platform.name, ctx.env.name, r.name));
        }
        r.module_needs = module_needs;
        r
    });
    let errors_after = diags.iter().filter(|d| d.is_error()).count();
    resolved.filter(|_| errors_after == errors_before)
}

/// What expansion found besides text: strings that read a need's secret, by pointer.
type Wiring = Vec<(String, Expanded)>;

/// Expands placeholders in every string of the layered value (not in names or needs).
#[allow(clippy::too_many_arguments)]
fn expand_tree(
    value: &mut Value,
    pointer: &str,
    scope: &Scope,
    layered: &Layered,
    staged: &Staged,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
    wiring: &mut Wiring,
) {
    let span = || {
        layered
            .origin(pointer)
            .and_then(|o| o.span)
            .unwrap_or_else(|| staged.input.doc.span("/name"))
    };
    match value {
        Value::String(s) => match expand(s, scope, &staged.input.name) {
            Ok(expanded) if expanded.secrets.is_empty() => *s = expanded.text,
            Ok(expanded) => {
                // Kubernetes expands `$(VAR)` only in env values, command and args.
                let wired = ["/env/", "/command/", "/args/"]
                    .iter()
                    .any(|p| pointer.starts_with(p));
                match wired {
                    true => {
                        *s = expanded.text.clone();
                        wiring.push((pointer.to_string(), expanded));
                    }
                    false => diags.push(
                        Diagnostic::error(Code::E0509, "a secret output can only be used in `env`, `command` or `args`")
                            .primary(span(), "a need's secret output")
                            .help("secret outputs reach the pod through the secret store; use them in an environment variable"),
                    ),
                }
            }
            Err(errors) => unresolved(sources, span(), s, errors, diags),
        },
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                expand_tree(
                    item,
                    &pointer_push(pointer, &i.to_string()),
                    scope,
                    layered,
                    staged,
                    sources,
                    diags,
                    wiring,
                );
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if pointer.is_empty() && matches!(key.as_str(), "name" | "owner" | "needs") {
                    continue;
                }
                expand_tree(
                    item,
                    &pointer_push(pointer, key),
                    scope,
                    layered,
                    staged,
                    sources,
                    diags,
                    wiring,
                );
            }
        }
        _ => {}
    }
}

/// Expands placeholders in a module need's inputs before the module sees them, so no
/// `${...}` reaches Terraform; an unknown one is an error at the placeholder.
struct InputExpansion<'a> {
    scope: &'a Scope<'a>,
    span_of: &'a dyn Fn(&str) -> Span,
    sources: &'a SourceMap,
}

impl InputExpansion<'_> {
    fn value(&self, value: &mut Value, pointer: &str, diags: &mut Vec<Diagnostic>) {
        match value {
            Value::String(s) => match expand(s, self.scope, self.scope.service_name) {
                Ok(expanded) => *s = expanded.text,
                Err(errors) => unresolved(self.sources, (self.span_of)(pointer), s, errors, diags),
            },
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.value(item, &pointer_push(pointer, &i.to_string()), diags);
                }
            }
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    self.value(item, &pointer_push(pointer, key), diags);
                }
            }
            _ => {}
        }
    }
}

/// Env values become strings in the output; a number written there keeps the text its
/// author wrote (`VERSION: 1.10` stays `"1.10"`, not `"1.1"`), read from its span.
fn keep_number_text(value: &mut Value, layered: &Layered, sources: &SourceMap) {
    let Some(Value::Object(env)) = value.get_mut("env") else {
        return;
    };
    for (key, v) in env.iter_mut() {
        let Value::Number(n) = v else { continue };
        let span = layered
            .origin(&pointer_push("/env", key))
            .and_then(|o| o.span);
        if let Some(text) = span.and_then(|span| written_number(sources.snippet(span), n)) {
            *v = Value::String(text);
        }
    }
}

/// The source text of a number, when it is exactly that number's spelling; `None`
/// when the span holds anything else (then the number prints as it parsed).
fn written_number(text: &str, n: &serde_json::Number) -> Option<String> {
    let text = text.trim();
    let parsed: f64 = text.parse().ok()?;
    let number = n.as_f64()?;
    (parsed == number || (parsed.is_nan() && number.is_nan())).then(|| text.to_string())
}

/// Expands a string, or returns every placeholder that did not resolve with its byte range.
fn expand(
    s: &str,
    scope: &Scope,
    service: &str,
) -> Result<Expanded, Vec<(Range<usize>, Unresolved)>> {
    let pieces = placeholder::parse(s).map_err(|u| {
        vec![(
            u.0..s.len(),
            Unresolved(
                "unclosed placeholder: `${` without `}`".into(),
                "close it with `}`, or write `$${` for a literal `${`".into(),
            ),
        )]
    })?;
    let mut out = String::with_capacity(s.len());
    let mut secrets: Vec<SecretEnv> = Vec::new();
    let mut errors = Vec::new();
    let single = pieces.len() == 1;
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Placeholder(path, range) => match scope.lookup(path) {
                Ok(Expansion::Text(v)) => out.push_str(&v),
                Ok(Expansion::Secret { need, key }) => {
                    let var = secret_var(&need, &key);
                    out.push_str(&format!("$({var})"));
                    secrets.push(SecretEnv {
                        name: var,
                        secret: need_secret_name(service, &need),
                        key,
                    });
                }
                Err(e) => errors.push((range, e)),
            },
        }
    }
    let whole = single && secrets.len() == 1;
    match errors.is_empty() {
        true => Ok(Expanded {
            text: out,
            secrets,
            whole,
        }),
        false => Err(errors),
    }
}

/// Moves environment variables that read a need's secret out of the ConfigMap: a value
/// that is one secret output becomes a `secretKeyRef`; a longer string becomes a
/// dependent variable (`$(PAVE_DB_HOST)`) after the variables it reads.
fn wire(service: &mut ResolvedService, wiring: Wiring) {
    let mut helpers: Vec<SecretEnv> = Vec::new();
    let mut direct: Vec<SecretEnv> = Vec::new();
    // Collected, then removed in one pass: one `retain` per variable would make
    // a file with many secret-reading variables quadratic.
    let mut moved: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (pointer, expanded) in wiring {
        let env_name = pointer
            .strip_prefix("/env/")
            .map(|n| n.replace("~1", "/").replace("~0", "~"));
        match env_name {
            Some(name) if expanded.whole && expanded.secrets.len() == 1 => {
                let secrets = expanded.secrets.into_iter();
                direct.extend(secrets.map(|secret| SecretEnv {
                    name: name.clone(),
                    ..secret
                }));
                moved.insert(name);
            }
            Some(name) => {
                moved.insert(name.clone());
                service.dependent_env.push((name, expanded.text));
                helpers.extend(expanded.secrets);
            }
            None => helpers.extend(expanded.secrets),
        }
    }
    service.env_vars.retain(|(n, _)| !moved.contains(n));
    let mut seen: std::collections::HashSet<String> =
        service.secret_env.iter().map(|s| s.name.clone()).collect();
    for h in helpers {
        if seen.insert(h.name.clone()) {
            service.secret_env.push(h);
        }
    }
    service.secret_env.extend(direct);
}

/// A service's SLOs; a latency threshold must be one of the contract's buckets.
fn slo(
    ctx: &EnvContext,
    fields: &Value,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Slo> {
    let slo = fields.get("slo")?;
    let availability = objective(fields, "/slo/availability", span_of, diags);
    let latency = slo.get("latency").and_then(|l| {
        let ms = l
            .get("threshold")
            .and_then(Value::as_str)
            .and_then(crate::duration::parse_ms)?;
        let threshold = Decimal::from_int(ms as i64).checked_div(Decimal::from_int(1000))?;
        let target = objective(fields, "/slo/latency/target", span_of, diags)?;
        let buckets = &ctx.platform.observability.buckets;
        if !buckets.contains(&threshold) {
            let listed: Vec<String> = buckets.iter().map(|b| format!("{b}s")).collect();
            let nearest = buckets.iter().min_by_key(|b| {
                if **b > threshold {
                    b.minus(threshold)
                } else {
                    threshold.minus(**b)
                }
            });
            let mut d = Diagnostic::error(
                Code::E0514,
                format!(
                    "latency threshold {threshold}s is not a bucket of `{}`",
                    ctx.platform.observability.duration_metric
                ),
            )
            .primary(span_of("/slo/latency/threshold"), "not a histogram bucket")
            .note(format!("buckets: {}", listed.join(", ")));
            if let Some(b) = nearest {
                d = d.help(format!(
                    "use a bucket boundary, e.g. `{}`",
                    crate::duration::format_ms(
                        (b.times(Decimal::from_int(1000)))
                            .to_string()
                            .parse::<f64>()
                            .unwrap_or(0.0) as u64
                    )
                ));
            }
            if let Some(buckets_span) = ctx.pdoc.index.get("/contract/http_metrics/buckets") {
                d = d.secondary(buckets_span.value, "the buckets are defined here");
            }
            diags.push(d);
            return None;
        }
        Some(LatencySlo { threshold, target })
    });
    Some(Slo {
        availability,
        latency,
    })
}

/// The lowest objective pave accepts, in percent. Objectives are percentages; a value
/// below this is almost always a ratio written by mistake (`0.999` for `99.9`), and
/// burn-rate alerts on a budget of half the requests or more would never fire.
const MIN_OBJECTIVE: i64 = 50;
/// The most decimals an objective may have (`99.999999`): more is no longer a number
/// Prometheus rules and people read the same way.
const MAX_OBJECTIVE_DECIMALS: u32 = 6;

/// An SLO objective (percent) at `pointer`, or an error when it is absent-but-broken:
/// out of range, too precise, or not representable as a decimal (`1e-16`). A value
/// that would make no rule must never be dropped without a word.
fn objective(
    fields: &Value,
    pointer: &str,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<Decimal> {
    let value = fields.pointer(pointer)?;
    let parsed = Decimal::from_json(value).filter(|d| {
        *d >= Decimal::from_int(MIN_OBJECTIVE)
            && *d < Decimal::from_int(100)
            && decimals(*d) <= MAX_OBJECTIVE_DECIMALS
    });
    if parsed.is_none() {
        let field = pointer.trim_start_matches('/').replace('/', ".");
        diags.push(
            Diagnostic::error(Code::E0516, format!("`{field}` is not a usable SLO objective"))
                .primary(span_of(pointer), "not a percentage pave can alert on")
                .help(format!(
                    "an objective is a percentage from {MIN_OBJECTIVE} to below 100 with at most {MAX_OBJECTIVE_DECIMALS} decimals, e.g. `99.9`"
                )),
        );
    }
    parsed
}

/// Digits after the decimal point, as the number prints (trailing zeros dropped).
fn decimals(d: Decimal) -> u32 {
    d.to_string()
        .split_once('.')
        .map_or(0, |(_, fraction)| fraction.len() as u32)
}

/// `build.context` and `build.dockerfile` reach CI as paths and shell words: each
/// must be a relative path that stays inside the repository, in plain characters.
fn check_build_paths(
    spec: &ServiceSpec,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(build) = &spec.build else { return };
    let paths = [
        ("context", Some(&build.context)),
        ("dockerfile", build.dockerfile.as_ref()),
    ];
    for (field, path) in paths {
        let Some(path) = path else { continue };
        if let Some(problem) = path_problem(path) {
            diags.push(
                Diagnostic::error(Code::E0517, format!("`build.{field}` {problem}"))
                    .primary(span_of(&format!("/build/{field}")), "not a path inside the repository")
                    .help("write a path relative to the repository root (context) or to the context (dockerfile), without `..`, e.g. `services/api`"),
            );
        }
    }
}

/// Why a build path is refused, or `None` when it is a plain relative path.
fn path_problem(path: &str) -> Option<&'static str> {
    let plain = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '+' | '@');
    if path.starts_with('/') || path.starts_with('~') || path.contains(':') {
        Some("is an absolute path")
    } else if path.split('/').any(|part| part == "..") {
        Some("leaves its folder through `..`")
    } else if !path.chars().all(plain) {
        Some("holds characters a CI shell would interpret")
    } else {
        None
    }
}

/// The environment variable a need's secret key is read into: `PAVE_DB_HOST`.
fn secret_var(need: &str, key: &str) -> String {
    let clean = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    format!("PAVE_{}_{}", clean(need), clean(key))
}

/// The Kubernetes Secret External Secrets writes a module need's secret outputs into.
pub fn need_secret_name(service: &str, need: &str) -> String {
    format!("{service}-{}", need.replace('_', "-"))
}

fn env_view(e: &Environment) -> Value {
    json!({
        "name": e.name, "cluster": e.cluster, "domain": e.domain, "cloud": e.cloud,
        "region": e.region, "account": e.account, "protected": e.protected,
    })
}

fn platform_view(ctx: &EnvContext) -> Value {
    let mut map = ctx.pdoc.value.as_object().cloned().unwrap_or_default();
    map.insert("name".into(), Value::from(ctx.platform.name.clone()));
    Value::Object(map)
}

/// The span of `range` of `value` inside the source span of the scalar that holds it.
/// Quotes, escapes and line folding only ever make the written text longer than the
/// value, so the search starts at the value's own offset: a repeated placeholder is
/// found at its own place, and many placeholders in one long string cost linear time.
/// One E0501 per placeholder of `value` (written at `span`) that did not resolve.
fn unresolved(
    sources: &SourceMap,
    span: Span,
    value: &str,
    errors: Vec<(Range<usize>, Unresolved)>,
    diags: &mut Vec<Diagnostic>,
) {
    for (range, Unresolved(message, help)) in errors {
        let at = sub_span(sources, span, value, range);
        diags.push(
            Diagnostic::error(Code::E0501, message)
                .primary(at, "here")
                .help(help),
        );
    }
}

fn sub_span(sources: &SourceMap, span: Span, value: &str, range: Range<usize>) -> Span {
    let written = sources.snippet(span);
    let mut from = range.start.min(written.len());
    while !written.is_char_boundary(from) {
        from -= 1;
    }
    let needle = &value[range];
    let found = written[from..]
        .find(needle)
        .map(|i| from + i)
        .or_else(|| written.find(needle));
    match found {
        Some(i) => Span::new(span.file, span.start + i, span.start + i + needle.len()),
        None => span,
    }
}

fn build(
    ctx: &EnvContext,
    staged: &Staged,
    spec: ServiceSpec,
    service_needs: Vec<ServiceNeed>,
    span_of: &dyn Fn(&str) -> Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<ResolvedService> {
    let platform = ctx.platform;
    let mut provenance = staged.layered.provenance.clone();
    let contract_origin = |p: &str| Origin {
        layer: Layer::Contract,
        span: ctx.pdoc.index.get(p).map(|n| n.value),
    };
    let size = spec.size.clone().unwrap_or_else(|| "small".into());
    let resources = match platform.sizes.get(&size) {
        Some(r) => r.clone(),
        None => {
            let names: Vec<&str> = platform.sizes.keys().map(String::as_str).collect();
            let mut d = Diagnostic::error(Code::E0502, format!("unknown size class `{size}`"))
                .primary(span_of("/size"), "not a key of the platform's `sizes`");
            if let Some(sizes) = ctx.pdoc.index.get("/sizes") {
                d = d.secondary(sizes.key.unwrap_or(sizes.value), "sizes are defined here");
            }
            d.help = did_you_mean(&size, names.iter().copied())
                .or_else(|| Some(format!("sizes are: {}", names.join(", "))));
            diags.push(d);
            return None;
        }
    };
    check_build_paths(&spec, span_of, diags);
    if spec.port.is_none() {
        provenance.insert("/port".into(), contract_origin("/contract/port"));
    }
    let autoscale = spec.autoscale.map(|a| Autoscale {
        min: a.min,
        max: a.max,
        cpu: a.cpu.unwrap_or(70),
    });
    if let Some(a) = autoscale.filter(|a| a.min > a.max) {
        diags.push(
            Diagnostic::error(
                Code::E0510,
                format!("autoscale min ({}) is above max ({})", a.min, a.max),
            )
            .primary(span_of("/autoscale/min"), "the minimum")
            .secondary(span_of("/autoscale/max"), "the maximum")
            .help("make `min` at most `max`"),
        );
    }
    let secrets: Vec<SecretRef> = spec
        .secrets
        .iter()
        .map(|(name, s)| {
            let (path, key) = s.reference.split_once('#').unwrap_or((&s.reference, ""));
            SecretRef {
                env_name: name.clone(),
                path: path.into(),
                key: key.into(),
            }
        })
        .collect();
    if !secrets.is_empty() && platform.secret_store.is_none() {
        diags.push(
            Diagnostic::error(
                Code::E0510,
                "secrets need a secret store, and the platform names none",
            )
            .primary(
                span_of("/secrets"),
                "secrets are read through External Secrets",
            )
            .help("set `secrets: { store: <ClusterSecretStore name> }` in the platform file"),
        );
    }
    for (name, _) in spec
        .env
        .iter()
        .filter(|(n, _)| spec.secrets.contains_key(*n))
    {
        diags.push(
            Diagnostic::error(
                Code::E0510,
                format!("`{name}` is set both in `env` and in `secrets`"),
            )
            .primary(span_of(&pointer_push("/env", name)), "plain value")
            .secondary(span_of(&pointer_push("/secrets", name)), "secret reference")
            .help("keep one of the two"),
        );
    }
    let route = spec.route.as_ref().map(|r| Route {
        host: r.host.clone(),
        path: r.path.clone().unwrap_or_else(|| "/".into()),
    });
    if let Some(r) = route.as_ref().filter(|r| !is_dns_subdomain(&r.host)) {
        diags.push(
            Diagnostic::error(
                Code::E0510,
                format!("route host `{}` is not a valid host name", r.host),
            )
            .primary(span_of("/route/host"), "invalid host")
            .help("a host is lowercase DNS labels joined by `.`, e.g. `shop.${env.domain}`"),
        );
    }
    let metrics = match &spec.metrics {
        None | Some(model::service::MetricsSpec::Enabled(true)) => Some(MetricsEndpoint {
            port: platform.contract.metrics_port,
            path: platform.contract.metrics_path.clone(),
        }),
        Some(model::service::MetricsSpec::Enabled(false)) => None,
        Some(model::service::MetricsSpec::Endpoint { port, path }) => Some(MetricsEndpoint {
            port: port.unwrap_or(platform.contract.metrics_port),
            path: path
                .clone()
                .unwrap_or_else(|| platform.contract.metrics_path.clone()),
        }),
    };
    let health = spec.health.clone();
    let liveness = health
        .as_ref()
        .and_then(|h| h.liveness.clone())
        .unwrap_or_else(|| platform.contract.liveness.clone());
    let readiness = health
        .as_ref()
        .and_then(|h| h.readiness.clone())
        .unwrap_or_else(|| platform.contract.readiness.clone());
    if health.is_none() {
        provenance.insert("/health".into(), contract_origin("/contract/health"));
    }
    Some(ResolvedService {
        name: spec.name,
        owner: spec.owner,
        description: spec.description,
        tier: spec.tier.unwrap_or(2),
        env: ctx.env.name.clone(),
        namespace: staged.namespace.clone(),
        image: spec.image,
        port: spec.port.unwrap_or(platform.contract.port),
        command: spec.command,
        args: spec.args,
        size,
        resources,
        replicas: spec.replicas.unwrap_or(1),
        autoscale,
        env_vars: spec
            .env
            .iter()
            .map(|(k, v)| (k.clone(), scalar_text(v)))
            .collect(),
        secrets,
        service_needs,
        route,
        metrics,
        liveness,
        readiness,
        provenance,
        fields: Value::Null,
        secret_env: Vec::new(),
        dependent_env: Vec::new(),
        module_needs: Vec::new(),
        role: None,
        slo: None,
        build: spec.build.as_ref().map(|b| Build {
            context: b.context.trim_end_matches('/').to_string(),
            dockerfile: b.dockerfile.clone().unwrap_or_else(|| "Dockerfile".into()),
            test: b.test.clone(),
        }),
    })
}
