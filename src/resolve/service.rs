//! One environment's services -> [`ResolvedService`]s. This file only orchestrates:
//! layering (`layering`), the namespace, need wiring (`needs`), placeholder expansion
//! (`expand`), typed fields (`fields`), SLOs (`slo`) and secret wiring (`secrets`).
//!
//! Two passes, because a need reads the namespace and port of the service it names:
//! `stage` lays every service's layers; `finish` wires needs, expands and builds.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde_json::Value;

use super::context::EnvContext;
use super::defaults;
use super::expand::{self, Expander, Wiring, expand};
use super::layering::Layered;
use super::messages;
use super::module::ModuleNeed;
use super::needs::{self, NeedCx, Peer};
use super::resolved::*;
use super::scope::Scope;
use super::slo::{self, SloSpans};
use super::{ServiceInput, fields, is_dns_label, renames, secrets, volumes, workload};
use crate::diag::Diagnostic;
use crate::load::pointer_push;
use crate::model::service::{Previous, ServiceSpec};
use crate::model::{self, scalar_text};
use crate::source::{SourceMap, Span};

/// One service before placeholders: its layered value and the facts other services need.
struct Staged<'a> {
    input: &'a ServiceInput<'a>,
    layered: Layered,
    namespace: String,
    port: u16,
}

impl Staged<'_> {
    /// Where the value at `pointer` was written: its layer's span, else the service's name.
    fn span(&self, pointer: &str) -> Span {
        self.layered
            .origin(pointer)
            .and_then(|o| o.span)
            .unwrap_or_else(|| self.input.doc.span("/name"))
    }

    fn owner(&self) -> &str {
        self.layered.value["owner"].as_str().unwrap_or_default()
    }
}

/// Resolves every service of `services` in the environment of `ctx`. A service with an
/// error of its own is reported and left out.
pub(crate) fn resolve_env(
    ctx: &EnvContext,
    services: &[ServiceInput],
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ResolvedService> {
    // Services resolve independently within a pass; rayon keeps their order in
    // `collect`, so diagnostics come out in the same order on every run.
    let below = platform_layers(ctx);
    let staged: Vec<(Staged, Vec<Diagnostic>)> = services
        .par_iter()
        .map(|s| collecting(|found| stage((ctx, &below), s, sources, found)))
        .collect();
    let peers: BTreeMap<&str, Peer> = staged
        .iter()
        .map(|(s, _)| {
            (
                s.input.name.as_str(),
                Peer {
                    namespace: &s.namespace,
                    port: s.port,
                    serviceless: s
                        .layered
                        .value
                        .get("workload")
                        .and_then(Value::as_str)
                        .filter(|kind| *kind != "web"),
                    renamed_from: s.input.doc.value.get("renamed_from"),
                },
            )
        })
        .collect();
    let finished: Vec<(Option<ResolvedService>, Vec<Diagnostic>)> = staged
        .par_iter()
        .map(|(s, _)| collecting(|found| finish(ctx, s, &peers, sources, found)))
        .collect();
    drop(peers);
    // Freed in parallel: a thousand layered service values kept one thread busy for
    // milliseconds per environment while the other waited.
    let staged_found: Vec<Vec<Diagnostic>> = staged
        .into_par_iter()
        .map(|(staged, found)| {
            drop(staged);
            found
        })
        .collect();
    diags.extend(staged_found.into_iter().flatten());
    let mut resolved = Vec::with_capacity(finished.len());
    for (service, found) in finished {
        diags.extend(found);
        resolved.extend(service);
    }
    resolved
}

/// Runs `f` with a fresh diagnostics list and returns both.
fn collecting<T>(f: impl FnOnce(&mut Vec<Diagnostic>) -> T) -> (T, Vec<Diagnostic>) {
    let mut found = Vec::new();
    (f(&mut found), found)
}

/// `below`: the environment's [`platform_layers`].
fn stage<'a>(
    (ctx, below): (&EnvContext, &Layered),
    input: &'a ServiceInput<'a>,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Staged<'a> {
    let layered = layer(ctx, below, input);
    let namespace = namespace(ctx, input, &layered, sources, diags);
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

/// The SPEC's layers below the service file, lowest first: built-in defaults, the
/// platform's `defaults`, the environment's `replicas`. They are the same for every
/// service of an environment, so they are layered once and each service starts from a
/// copy (layering them per service was a fifth of resolving).
fn platform_layers(ctx: &EnvContext) -> Layered {
    let env_ptr = pointer_push("/environments", &ctx.env.name);
    let pdoc = ctx.pdoc;
    let mut layered = Layered::new();
    layered.overlay(&defaults::builtin_layer(), Layer::Builtin, None, &[]);
    if let Some(platform_defaults) = pdoc.value.get("defaults") {
        let at = Some((pdoc, "/defaults"));
        layered.overlay(platform_defaults, Layer::PlatformDefaults, at, &[]);
    }
    let env_replicas = pdoc.value.pointer(&env_ptr).and_then(|e| e.get("replicas"));
    if let Some(replicas) = env_replicas {
        let layer = serde_json::json!({ "replicas": replicas });
        layered.overlay(&layer, Layer::Environment, Some((pdoc, &env_ptr)), &[]);
    }
    layered
}

/// The service's layers over the environment's `below` ([`platform_layers`]): the
/// service file, then the service's `environments.<env>`.
fn layer(ctx: &EnvContext, below: &Layered, input: &ServiceInput) -> Layered {
    let env_ptr = pointer_push("/environments", &ctx.env.name);
    let mut layered = below.clone();
    let doc = input.doc;
    layered.overlay(
        &doc.value,
        Layer::Service,
        Some((doc, "")),
        &["environments"],
    );
    if let Some(over) = doc.value.pointer(&env_ptr) {
        layered.overlay(over, Layer::ServiceEnvironment, Some((doc, &env_ptr)), &[]);
    }
    layered
}

/// The service's namespace from the environment's pattern; on an error, the service's
/// name (so that services needing it resolve on without a second error).
fn namespace(
    ctx: &EnvContext,
    input: &ServiceInput,
    layered: &Layered,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> String {
    let scope = Scope {
        platform_name: &ctx.platform.name,
        env: ctx.env,
        service_name: &input.name,
        service_owner: layered.value["owner"].as_str().unwrap_or_default(),
        needs: BTreeMap::new(),
        in_need_inputs: false,
    };
    let pattern = ctx.namespace_pattern.unwrap_or(defaults::NAMESPACE_PATTERN);
    let env_ptr = pointer_push("/environments", &ctx.env.name);
    let pattern_span = ctx.pdoc.span(&pointer_push(&env_ptr, "namespace"));
    match expand(pattern, &scope).map(|e| e.text()) {
        Ok(ns) if is_dns_label(&ns) => return ns,
        Ok(ns) => diags.push(messages::namespace_not_label(
            pattern_span,
            &ns,
            &input.name,
        )),
        Err(errors) => expand::unresolved(sources, pattern_span, pattern, errors, diags),
    }
    input.name.clone()
}

/// What `finish` computed before the typed fields: needs, and where secrets are read.
struct Wired {
    service_needs: Vec<ServiceNeed>,
    module_needs: Vec<ModuleNeed>,
    wiring: Wiring,
    /// The layered value with placeholders expanded (for `pave explain`).
    fields: Value,
    /// Pointers of strings whose placeholders did not resolve (each reported).
    unexpanded: BTreeSet<String>,
}

/// Wires needs, expands placeholders and builds the service; `None` when the service
/// has an error (every error is reported).
fn finish(
    ctx: &EnvContext,
    staged: &Staged,
    peers: &BTreeMap<&str, Peer>,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<ResolvedService> {
    let errors_before = count_errors(diags);
    let wired = wire_and_expand(ctx, staged, peers, sources, diags);
    // Where each value was written: a field an environment overrides is reported at
    // the override, not at the service's own line.
    let span_of = |pointer: &str| {
        crate::document::pointer_and_ancestors(pointer)
            .find_map(|p| staged.layered.origin(p).and_then(|o| o.span))
            .unwrap_or_else(|| staged.input.doc.span(pointer))
    };
    let spec: ServiceSpec = match model::decode_with(&wired.fields, "", span_of) {
        Ok(spec) => spec,
        Err(d) => {
            // A decode error after the schema passed leaves nothing typed to check.
            diags.push(d);
            return None;
        }
    };
    let service = build(ctx, staged, spec, wired, diags);
    (count_errors(diags) == errors_before).then_some(service)
}

/// Where a service's `env` is written: its own `env:` key, else its environment's
/// override, else the platform's `defaults.env` (the only other layer with plain
/// variables).
fn env_key(ctx: &EnvContext, staged: &Staged) -> Span {
    let key = |doc: &crate::load::Document, pointer: &str| {
        doc.index.get(pointer).map(|n| n.key.unwrap_or(n.value))
    };
    let own = staged.input.doc;
    let override_env = format!("/environments/{}/env", ctx.env.name);
    key(own, "/env")
        .or_else(|| key(own, &override_env))
        .or_else(|| key(ctx.pdoc, "/defaults/env"))
        .unwrap_or_else(|| staged.span("/env"))
}

fn count_errors(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.is_error()).count()
}

fn wire_and_expand(
    ctx: &EnvContext,
    staged: &Staged,
    peers: &BTreeMap<&str, Peer>,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Wired {
    let span_of = |p: &str| staged.span(p);
    let key_of = |p: &str| staged.input.doc.index.key_span(p);
    let renamed_from = renames::history(staged.layered.value.get("renamed_from"));
    let need_cx = NeedCx {
        ctx,
        service: &staged.input.name,
        state_name: renames::state_name(&staged.input.name, &renamed_from),
        owner: staged.owner(),
        namespace: &staged.namespace,
        peers,
        span_of: &span_of,
        key_of: &key_of,
        sources,
    };
    let need_map = staged.layered.value.get("needs").and_then(Value::as_object);
    let resolved_needs =
        needs::resolve_needs(&need_cx, need_map.unwrap_or(&Default::default()), diags);
    let scope = Scope {
        platform_name: &ctx.platform.name,
        env: ctx.env,
        service_name: &staged.input.name,
        service_owner: staged.owner(),
        needs: resolved_needs.outputs,
        in_need_inputs: false,
    };
    let mut fields = staged.layered.value.clone();
    let expander = Expander {
        scope: &scope,
        span_of: &span_of,
        sources,
    };
    let (wiring, unexpanded) = expander.tree_and_failures(&mut fields, "", diags);
    let written_at = |p: &str| staged.layered.origin(p).and_then(|o| o.span);
    expand::keep_number_text(&mut fields, &written_at, sources);
    let module_needs = needs::module_needs(scope.needs);
    needs::check_store(ctx.platform, &module_needs, span_of("/needs"), diags);
    Wired {
        service_needs: resolved_needs.services,
        module_needs,
        wiring,
        fields,
        unexpanded,
    }
}

/// Builds the service in one step from its typed fields; every field is checked, each
/// error reported (the caller drops the service when there is one).
fn build(
    ctx: &EnvContext,
    staged: &Staged,
    spec: ServiceSpec,
    wired: Wired,
    diags: &mut Vec<Diagnostic>,
) -> ResolvedService {
    let platform = ctx.platform;
    let contract = &platform.contract;
    let span_of = |p: &str| staged.span(p);
    let (size, resources) = fields::resources(ctx, &spec, &span_of, diags);
    let build = fields::build(&spec, &span_of, diags);
    let autoscale = fields::autoscale(&spec, &span_of, diags);
    fields::check_secrets(ctx, &spec, &span_of, diags);
    let host_unexpanded = wired.unexpanded.contains("/route/host");
    let route = fields::route(&spec, host_unexpanded, &span_of, diags);
    let slo_spans = SloSpans {
        span_of: &span_of,
        buckets: ctx
            .pdoc
            .index
            .get("/contract/http_metrics/buckets")
            .map(|n| n.value),
    };
    let slo = slo::resolve_slo(
        spec.slo.as_ref(),
        &platform.observability,
        &slo_spans,
        diags,
    );
    let layer_of = |p: &str| staged.layered.origin(p).map(|o| o.layer);
    let key_of = |p: &str| {
        let doc = staged.input.doc;
        doc.index
            .get(p)
            .and_then(|n| n.key)
            .unwrap_or_else(|| staged.span(p))
    };
    let at = workload::At {
        span_of: &span_of,
        layer_of: &layer_of,
        key_of: &key_of,
    };
    let kind = workload::workload(&spec, &at, diags);
    let port = spec.port.unwrap_or(contract.port);
    // A cron job's pods end when the run does: there is nothing to scrape.
    let metrics = fields::metrics(&spec, contract).filter(|_| !matches!(kind, Workload::Cron(_)));
    if matches!(kind, Workload::Web) {
        fields::check_slo_measured(&spec, metrics.is_some(), &span_of, diags);
    }
    let queue_scaler =
        fields::queue_scaler(ctx, &spec, &kind, &wired.module_needs, &span_of, diags);
    let ports = workload::ports(&spec, &kind, port, &at, diags);
    let declared = workload::declared_ports(&kind, port, &ports, metrics.as_ref().map(|m| m.port));
    let probes = workload::probes(ctx, &spec, &kind, &declared, &at, diags);
    let (mut sidecars, mut init) = workload::containers(ctx, &spec, &declared, &at, diags);
    let files = workload::files(ctx, &spec, &at, diags);
    let volumes = volumes::declared(&spec, &at, diags);
    let mounts = volumes::mounts(
        &spec,
        &volumes,
        &files,
        (&mut sidecars, &mut init),
        &at,
        diags,
    );
    let security = workload::security(&spec, &at, diags);
    let env_vars = spec
        .env
        .iter()
        .map(|(k, v)| (k.clone(), scalar_text(v)))
        .collect();
    let wired_env = secrets::wire(env_vars, wired.wiring);
    let who = (spec.name.as_str(), ctx.env.name.as_str());
    workload::check_env_size(&wired_env.env_vars, who, env_key(ctx, staged), diags);
    let renamed_from = spec
        .renamed_from
        .as_ref()
        .map(Previous::names)
        .unwrap_or_default();
    // Renaming an IAM role replaces it, so the role keeps the name state lives under.
    let role = needs::role(
        &platform.name,
        &ctx.env.name,
        renames::state_name(&spec.name, &renamed_from),
        &wired.module_needs,
    );
    needs::check_role_name(role.as_deref(), staged.input.doc.span("/name"), diags);
    ResolvedService {
        labels: ResolvedService::labels_of(platform, &ctx.env.name, &spec.name, &spec.owner),
        selector: ResolvedService::selector_of(&spec.name),
        role,
        provenance: provenance(ctx, staged, &spec),
        metrics,
        secrets: secrets::secret_refs(&spec),
        tier: spec.tier.unwrap_or(defaults::TIER),
        port,
        replicas: spec.replicas.unwrap_or(defaults::REPLICAS),
        name: spec.name,
        renamed_from,
        owner: spec.owner,
        description: spec.description,
        env: ctx.env.name.clone(),
        namespace: staged.namespace.clone(),
        image: spec.image,
        command: spec.command,
        args: spec.args,
        size,
        resources,
        // Defaults may autoscale every service; a cron job has nothing to scale.
        autoscale: autoscale.filter(|_| !matches!(kind, Workload::Cron(_))),
        queue_scaler,
        env_vars: wired_env.env_vars,
        secret_env: wired_env.secret_env,
        dependent_env: wired_env.dependent_env,
        service_needs: wired.service_needs,
        module_needs: wired.module_needs,
        route: route.filter(|_| matches!(kind, Workload::Web)),
        workload: kind,
        ports,
        probes,
        sidecars,
        init,
        files,
        volumes,
        mounts,
        security,
        fields: wired.fields,
        slo,
        build,
    }
}

/// The layered provenance, plus the contract for the port and health paths the
/// service leaves to it.
fn provenance(ctx: &EnvContext, staged: &Staged, spec: &ServiceSpec) -> Provenance {
    // The contract when the platform file writes the value; pave's own default of
    // it otherwise.
    let contract_origin = |p: &str| match ctx.pdoc.index.get(p) {
        Some(n) => Origin {
            layer: Layer::Contract,
            span: Some(n.value),
        },
        None => Origin {
            layer: Layer::Builtin,
            span: None,
        },
    };
    let mut provenance = staged.layered.provenance.clone();
    if spec.port.is_none() {
        provenance.insert("/port".into(), contract_origin("/contract/port"));
    }
    if spec.health.is_none() {
        provenance.insert("/health".into(), contract_origin("/contract/health"));
    }
    provenance
}
