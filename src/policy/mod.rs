//! Policies at compile time: the platform team's rules, checked against every resolved
//! service and every rendered object before anything is written.
//!
//! Policies come from packs (`pack`), are minijinja expressions compiled once per run,
//! must evaluate to a boolean (anything else, or an undefined name, is an error in
//! the policy file), and report at the author's line: the value's provenance says
//! whether a service file or the platform file set it. Severity is the platform's
//! decision per environment; exceptions live only in the platform file or a pack and
//! always expire.

mod applies;
mod availability;
mod context;
pub(crate) mod date;
mod fields;
mod functions;
mod lazy;
mod messages;
mod native;
mod native_service;
mod objects;
mod pack;
mod references;
mod secrets;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Expression, Template};
use rayon::prelude::*;

pub(crate) use applies::{Applies, Outcome, for_service};
pub use date::Date;
pub(crate) use pack::{ExceptionDef, Level, PolicyDef, PolicySet, Scope, collect};

use crate::diag::{Diagnostic, Severity};
use crate::load::Inputs;
use crate::render::RenderedObject;
use crate::resolve::{Layer, Model, ResolvedService};
use crate::source::{SourceMap, Span};
use crate::template_budget::{self, Exceeded, Failure};
use crate::watchdog::{self, Owner, Site};

use crate::template_budget::value as mj;

/// Settings of one policy run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The date exceptions are checked against.
    pub today: Date,
    /// Warn about exceptions expiring within this many days (`pave lint`: 30).
    pub expiring_within: Option<i64>,
}

/// A policy compiled for evaluation.
struct Compiled<'env, 'src> {
    when: Option<Expression<'env, 'src>>,
    /// What `when` reads, when it reads nothing of the object but its kind.
    when_reads: Option<WhenReads>,
    assert: Expression<'env, 'src>,
    message: Option<Template<'env, 'src>>,
    field: Option<Template<'env, 'src>>,
}

/// What a `when` that reads of the object at most `object.kind` depends on besides
/// the environment and the platform: its value is the same for every object of one
/// kind (and one service, if it reads `service`), so a kubernetes-scope run computes
/// it once per kind instead of once per object. The baseline's `meta.*` policies
/// select every object with `when: object.kind != "Namespace"`: evaluating that for
/// each object was a third of all policy evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WhenReads {
    kind: bool,
    service: bool,
}

impl WhenReads {
    /// From the names an expression reads (minijinja's static analysis, with nested
    /// attribute paths); `None` when it reads more of the object, any of `objects`,
    /// or calls `debug()`, which reads the whole context.
    fn of(names: &std::collections::HashSet<String>) -> Option<WhenReads> {
        let root = |n: &str| n.split('.').next().unwrap_or_default().to_string();
        let reads_object = |n: &String| match root(n).as_str() {
            "object" => n != "object.kind",
            "objects" | "debug" => true,
            _ => false,
        };
        if names.iter().any(reads_object) {
            return None;
        }
        Some(WhenReads {
            kind: names.contains("object.kind"),
            service: names.iter().any(|n| root(n) == "service"),
        })
    }
}

/// The object a kubernetes-scope verdict is about, as far as a cached `when` can
/// depend on it.
#[derive(Debug, Clone, Copy)]
struct Subject<'a> {
    env: &'a str,
    kind: &'a str,
    service: Option<&'a str>,
}

/// The names every object of one service sees, but `object`.
struct ObjectsContext {
    list: Arc<lazy::ObjectList>,
    objects: Value,
    service: Value,
    env: Value,
    platform: Value,
}

impl ObjectsContext {
    /// The context of object `at`: the object is the list's own converted value, shared
    /// with `objects`.
    fn context(&self, at: usize) -> Value {
        minijinja::context! {
            object => self.list.value(at),
            objects => self.objects.clone(),
            service => self.service.clone(),
            env => self.env.clone(),
            platform => self.platform.clone(),
        }
    }
}

/// One failed assertion, before exceptions and locations.
struct Finding {
    policy: usize,
    level: Level,
    env: String,
    service: Option<String>,
    message: String,
    /// The service field to point at, as a JSON pointer.
    field: Option<String>,
    /// The generated file, for kubernetes-scope findings.
    file: Option<String>,
}

/// What one policy says about one context (a service, or one object of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Its `when` does not select this context.
    Excluded,
    Passed,
    Failed,
}

/// Each resolved service as policies see it, converted to a template value the first
/// time a policy context needs it and then shared: the kubernetes-scope runs of each
/// environment's batch and the service-scope run of [`Check::finish`] read the same
/// value (converting it twice cost about as much as the policies reading it).
struct ServiceValues<'m> {
    by_service: HashMap<(&'m str, &'m str), OnceLock<Value>>,
}

impl<'m> ServiceValues<'m> {
    fn new(model: &'m Model) -> ServiceValues<'m> {
        let keys = model
            .services
            .iter()
            .map(|s| (s.env.as_str(), s.name.as_str()));
        ServiceValues {
            by_service: keys.map(|k| (k, OnceLock::new())).collect(),
        }
    }

    fn get(&self, s: &ResolvedService) -> Value {
        let convert = || mj(context::service(s));
        match self.by_service.get(&(s.env.as_str(), s.name.as_str())) {
            Some(slot) => slot.get_or_init(convert).clone(),
            None => convert(),
        }
    }
}

/// Runs every policy in force; returns violations and policy-definition errors.
pub(crate) fn check(
    inputs: &Inputs,
    model: &Model,
    objects: &[RenderedObject],
    sources: &SourceMap,
    options: Options,
) -> Vec<Diagnostic> {
    let mut check = Check::new(inputs, model, sources, options);
    check.objects(objects);
    check.finish()
}

/// The policy stage run in parts, so a build need not hold every rendered object at
/// once: [`Check::objects`] evaluates the kubernetes-scope policies on one batch of
/// objects (one environment's) as soon as it is rendered, and [`Check::finish`] runs
/// the service-scope policies and reports everything once, as [`check`] does.
pub(crate) struct Check<'a> {
    inputs: &'a Inputs,
    model: &'a Model,
    sources: &'a SourceMap,
    options: Options,
    set: PolicySet,
    diags: Vec<Diagnostic>,
    object_findings: Vec<Finding>,
    eval_errors: Vec<Diagnostic>,
    service_values: ServiceValues<'a>,
}

impl<'a> Check<'a> {
    pub(crate) fn new(
        inputs: &'a Inputs,
        model: &'a Model,
        sources: &'a SourceMap,
        options: Options,
    ) -> Check<'a> {
        let env_names: Vec<String> = model
            .platform
            .environments
            .iter()
            .map(|e| e.name.clone())
            .collect();
        let mut service_names: Vec<String> =
            model.services.iter().map(|s| s.name.clone()).collect();
        service_names.sort();
        service_names.dedup();
        let (set, diags) = collect(inputs, &env_names, &service_names);
        Check {
            inputs,
            model,
            sources,
            options,
            set,
            diags,
            object_findings: Vec::new(),
            eval_errors: Vec::new(),
            service_values: ServiceValues::new(model),
        }
    }

    /// Evaluates the kubernetes-scope policies on `objects`. A policy that does not
    /// compile is reported by [`Check::finish`], once.
    pub(crate) fn objects(&mut self, objects: &[RenderedObject]) {
        let looks = self
            .set
            .policies
            .iter()
            .any(|p| p.scope == Scope::Kubernetes);
        if objects.is_empty() || !looks {
            return;
        }
        let (model, set, values) = (self.model, &self.set, &self.service_values);
        let ((findings, errors), _) =
            with_run(set, self.inputs, model, values, self.sources, |run| {
                run.evaluate(model, false, objects)
            });
        self.object_findings.extend(findings);
        self.eval_errors.extend(errors);
    }

    /// Runs the service-scope policies and reports every finding and error.
    pub(crate) fn finish(self) -> Vec<Diagnostic> {
        let Check {
            inputs,
            model,
            sources,
            options,
            set,
            mut diags,
            object_findings,
            eval_errors,
            service_values,
        } = self;
        let ((mut findings, service_errors), compile_errors) =
            with_run(&set, inputs, model, &service_values, sources, |run| {
                run.evaluate(model, true, &[])
            });
        diags.extend(compile_errors);
        // Object findings in (environment, service) order, whatever order the batches
        // came in, as one evaluation of every object would give them.
        let mut object_findings = object_findings;
        object_findings.sort_by(|a, b| (&a.env, &a.service).cmp(&(&b.env, &b.service)));
        findings.extend(object_findings);
        // A broken expression fails the same way for every service: report it once.
        let mut seen = std::collections::HashSet::new();
        diags.extend(
            service_errors
                .into_iter()
                .chain(eval_errors)
                .filter(|d| seen.insert((d.code, d.primary_span()))),
        );
        diags.extend(report(&set, findings, model, inputs, options));
        diags
    }
}

/// Compiles the policies of `set` once and hands the run that evaluates them to `f`;
/// also returns the errors of policies that do not compile (those are skipped).
fn with_run<R>(
    set: &PolicySet,
    inputs: &Inputs,
    model: &Model,
    service_values: &ServiceValues,
    sources: &SourceMap,
    f: impl FnOnce(&Run) -> R,
) -> (R, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    // Strict undefined names, and fuel, recursion and output bounds: a policy pack
    // in `policies/` is input like any other and must not hang `lint`.
    let mut jinja = template_budget::environment();
    functions::register(&mut jinja);
    let mut compiled = Vec::new();
    for p in &set.policies {
        match compile(&jinja, p, sources) {
            Ok(c) => compiled.push(Some(c)),
            Err(d) => {
                diags.extend(d);
                compiled.push(None);
            }
        }
    }
    let raw_platform = inputs.platform.as_ref().map(|d| &d.value);
    let platform = mj(context::platform(
        &raw_platform.cloned().unwrap_or_default(),
    ));
    let registries = raw_platform.and_then(registries_written);
    let protected: HashMap<&str, bool> = (model.platform.environments.iter())
        .map(|e| (e.name.as_str(), e.protected))
        .collect();
    let envs: HashMap<&str, Value> = model
        .platform
        .environments
        .iter()
        .map(|e| (e.name.as_str(), mj(crate::resolve::environment_view(e))))
        .collect();
    let native: Vec<Option<native::NoFinding>> =
        set.policies.iter().map(native::check_for).collect();
    let native_service: Vec<Option<native_service::NoFinding>> =
        set.policies.iter().map(native_service::check_for).collect();
    let run = Run {
        set,
        compiled: &compiled,
        native: &native,
        native_service: &native_service,
        registries: registries.as_deref(),
        protected: &protected,
        platform: &platform,
        envs: &envs,
        service_values,
        sources,
        whens: Mutex::new(HashMap::new()),
    };
    (f(&run), diags)
}

/// `platform.registries` as policies see it (none written is an empty list); `None`
/// when it is not a list of strings, which only templates read.
fn registries_written(platform: &serde_json::Value) -> Option<Vec<String>> {
    match platform.get("registries") {
        None => Some(Vec::new()),
        Some(serde_json::Value::Array(list)) => list
            .iter()
            .map(|r| r.as_str().map(str::to_string))
            .collect(),
        Some(_) => None,
    }
}

fn compile<'env, 'src>(
    jinja: &'env Environment<'src>,
    p: &'src pack::PolicyDef,
    sources: &SourceMap,
) -> Result<Compiled<'env, 'src>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut expr = |s: &'src pack::Source| match jinja.compile_expression(&s.text) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.push(expression_error(p, s, &e, sources, "syntax error"));
            None
        }
    };
    let when = p.when.as_ref().map(&mut expr);
    let assert = expr(&p.assert);
    let mut template = |s: &'src pack::Source| match jinja.template_from_str(&s.text) {
        Ok(t) => Some(t),
        Err(e) => {
            errors.push(expression_error(p, s, &e, sources, "template error"));
            None
        }
    };
    let message = p.message.as_ref().map(&mut template);
    let field = p.field.as_ref().map(&mut template);
    match (when, assert, message, field) {
        (w, Some(assert), m, f) if errors.is_empty() => Ok(Compiled {
            when_reads: w
                .as_ref()
                .and_then(|w| w.as_ref())
                .and_then(|w| WhenReads::of(&w.undeclared_variables(true))),
            when: w.flatten(),
            assert,
            message: m.flatten(),
            field: f.flatten(),
        }),
        _ => Err(errors),
    }
}

/// An error in a policy's expression, pointed at the sub-expression when minijinja says where.
fn expression_error(
    p: &pack::PolicyDef,
    s: &pack::Source,
    e: &minijinja::Error,
    sources: &SourceMap,
    what: &str,
) -> Diagnostic {
    let written = sources.snippet(s.span);
    let quote = usize::from(written.starts_with('"') || written.starts_with('\''));
    let span = match e.range() {
        Some(r) if written.len() >= quote + r.end && !written.starts_with(['|', '>']) => Span::new(
            s.span.file,
            s.span.start + quote + r.start,
            s.span.start + quote + r.end.max(r.start + 1),
        ),
        _ => s.span,
    };
    let detail = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    messages::invalid_expression(span, &p.id, what, &detail)
}

/// A policy's expression or template stopped at an evaluation bound.
fn budget_error(p: &pack::PolicyDef, s: &pack::Source, bound: Exceeded) -> Diagnostic {
    messages::evaluation_stopped(s.span, &p.id, bound)
}

/// An evaluation error as a diagnostic: a bound (E0309) or an invalid expression (E0302).
fn failure(p: &pack::PolicyDef, s: &pack::Source, f: Failure, sources: &SourceMap) -> Diagnostic {
    match f {
        Failure::Exceeded(bound) => budget_error(p, s, bound),
        Failure::Error(e) => expression_error(p, s, &e, sources, "evaluation failed"),
    }
}

/// An undefined attribute (`service.replica`) named with what its parent does have:
/// the parent is looked up in the context the expression saw.
fn undefined_attribute(
    p: &pack::PolicyDef,
    s: &pack::Source,
    f: &Failure,
    ctx: &Value,
    sources: &SourceMap,
) -> Option<Diagnostic> {
    let Failure::Error(e) = f else { return None };
    if e.kind() != minijinja::ErrorKind::UndefinedError {
        return None;
    }
    // minijinja names the undefined path in its detail (`service.replica` is undefined).
    let path = e
        .detail()?
        .strip_prefix('`')?
        .strip_suffix("` is undefined")?;
    let (parent, attr) = path.rsplit_once('.')?;
    let mut value = ctx.clone();
    for name in parent.split('.') {
        let is_name = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        value = value.get_attr(name).ok().filter(|_| is_name)?;
    }
    if value.kind() != ValueKind::Map {
        return None;
    }
    let known: Vec<String> = value
        .try_iter()
        .ok()?
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    let written = sources.snippet(s.span);
    let at = match (written.find(path), written.starts_with(['|', '>'])) {
        (Some(i), false) => Span::new(s.span.file, s.span.start + i, s.span.start + i + path.len()),
        _ => s.span,
    };
    Some(messages::undefined_attribute(
        at, &p.id, parent, attr, &known,
    ))
}

/// The objects of each (environment, service), in that order, each group in the
/// objects' own order; objects of no service form their environment's group.
///
/// A service's objects come one after another, so each object is first compared with
/// the group of the one before it; only the first of a run is looked up. (A map keyed
/// by copied names was about 20 M instructions per environment at 1,000 services, all
/// of it on the one thread that renders the environments.)
fn group_by_service(objects: &[RenderedObject]) -> Vec<(ObjectKey<'_>, Vec<&RenderedObject>)> {
    let mut at: HashMap<ObjectKey<'_>, usize> = HashMap::new();
    let mut groups: Vec<(ObjectKey<'_>, Vec<&RenderedObject>)> = Vec::new();
    let mut last: Option<usize> = None;
    for o in objects {
        let k = (
            o.scope.env.as_deref().unwrap_or_default(),
            o.scope.service.as_deref(),
        );
        let i = match last {
            Some(i) if groups[i].0 == k => i,
            _ => *at.entry(k).or_insert_with(|| {
                groups.push((k, Vec::new()));
                groups.len() - 1
            }),
        };
        groups[i].1.push(o);
        last = Some(i);
    }
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    groups
}

/// An environment's name and, for a service's objects, the service's.
type ObjectKey<'o> = (&'o str, Option<&'o str>);

struct Run<'a, 'env, 'src> {
    set: &'a PolicySet,
    compiled: &'a [Option<Compiled<'env, 'src>>],
    /// Per policy, its native check (see [`native`]), which may skip the template.
    native: &'a [Option<native::NoFinding>],
    /// Per policy, its native service-scope check (see [`native_service`]).
    native_service: &'a [Option<native_service::NoFinding>],
    /// What the native service-scope checks read of the platform and environments.
    registries: Option<&'a [String]>,
    protected: &'a HashMap<&'a str, bool>,
    platform: &'a Value,
    envs: &'a HashMap<&'a str, Value>,
    service_values: &'a ServiceValues<'a>,
    sources: &'a SourceMap,
    /// `when` verdicts by policy and what they read (see [`WhenReads`]).
    whens: Mutex<HashMap<WhenKey, Result<bool, Diagnostic>>>,
}

/// Policy index, environment, kind (empty when not read), service (empty when not read).
type WhenKey = (usize, String, String, String);

impl Run<'_, '_, '_> {
    /// Evaluates the service-scope policies (`with_services`) and the kubernetes-scope
    /// ones on `objects`.
    fn evaluate(
        &self,
        model: &Model,
        with_services: bool,
        objects: &[RenderedObject],
    ) -> (Vec<Finding>, Vec<Diagnostic>) {
        // Contexts are built only for scopes some policy looks at.
        let scoped = |scope| self.set.policies.iter().any(|p| p.scope == scope);
        let services = if with_services && scoped(Scope::Service) {
            &model.services[..]
        } else {
            &[]
        };
        let objects = if scoped(Scope::Kubernetes) {
            objects
        } else {
            &[]
        };
        // Every service-scope check of one service, and every kubernetes-scope check of
        // one object, is independent; rayon keeps the order in `collect`.
        let per_service: Vec<(Vec<Finding>, Vec<Diagnostic>)> =
            services.par_iter().map(|s| self.service_scope(s)).collect();
        let groups = group_by_service(objects);
        let services: HashMap<(&str, &str), &ResolvedService> = model
            .services
            .iter()
            .map(|s| ((s.env.as_str(), s.name.as_str()), s))
            .collect();
        let per_group: Vec<(Vec<Finding>, Vec<Diagnostic>)> = groups
            .par_iter()
            .map(|((env, service), objs)| {
                let resolved = service.and_then(|s| services.get(&(*env, s)).copied());
                self.kubernetes_scope(env, resolved, objs)
            })
            .collect();
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        for (f, e) in per_service.into_iter().chain(per_group) {
            findings.extend(f);
            errors.extend(e);
        }
        (findings, errors)
    }

    /// The names a service-scope policy sees for one service.
    fn service_context(&self, s: &ResolvedService) -> Value {
        minijinja::context! {
            service => self.service_values.get(s),
            env => self.envs.get(s.env.as_str()).cloned().unwrap_or_default(),
            platform => self.platform.clone(),
        }
    }

    fn service_scope(&self, s: &ResolvedService) -> (Vec<Finding>, Vec<Diagnostic>) {
        // Converted when the first policy needs its template (see `native_service`).
        let ctx = std::cell::OnceCell::new();
        // A service of an environment the platform does not have is left to the
        // templates (their `env` is undefined there).
        let seen =
            (self.protected.get(s.env.as_str())).map(|&protected| native_service::ServiceSeen {
                service: s,
                protected,
                registries: self.registries,
            });
        let mut out = (Vec::new(), Vec::new());
        for (i, p) in self.set.policies.iter().enumerate() {
            let off = self.set.level(p, &s.env) == Level::Off;
            if p.scope != Scope::Service || off {
                continue;
            }
            let native = self.native_service[i].zip(seen.as_ref());
            if native.is_some_and(|(check, seen)| check(seen)) {
                continue;
            }
            let ctx = ctx.get_or_init(|| self.service_context(s));
            self.one(i, &s.env, Some(&s.name), None, ctx, &mut out);
        }
        out
    }

    fn kubernetes_scope(
        &self,
        env: &str,
        s: Option<&ResolvedService>,
        objs: &[&RenderedObject],
    ) -> (Vec<Finding>, Vec<Diagnostic>) {
        let mut out = (Vec::new(), Vec::new());
        // Built when the first object needs a template: pave's own objects are
        // usually all decided natively, and then the service is never converted.
        let shared = std::cell::OnceCell::new();
        // A policy turned off here (`resources.cpu-limit` by default) selects nothing.
        let on: Vec<bool> = (self.set.policies.iter())
            .map(|p| self.set.level(p, env) != Level::Off)
            .collect();
        for (at, o) in objs.iter().enumerate() {
            let policies = self.set.policies.iter().enumerate();
            // A policy decided natively to find nothing needs no template.
            let seen = native::Seen {
                object: o,
                objects: objs,
                service: s,
            };
            // In an environment the platform does not have, the templates' `env` is
            // undefined, and what they make of it is theirs to say.
            let known_env = self.envs.contains_key(env);
            let natively_clean =
                |i: usize| known_env && self.native[i].is_some_and(|check| check(&seen));
            let mut selected = policies
                .filter(|(i, p)| on[*i] && selects(p, &o.kind) && !natively_clean(*i))
                .peekable();
            // An object no policy selects is not converted for itself.
            if selected.peek().is_none() {
                continue;
            }
            let shared = shared.get_or_init(|| self.shared_context(env, s, objs));
            let ctx = shared.context(at);
            for (i, _) in selected {
                self.one(i, env, s.map(|s| s.name.as_str()), Some(o), &ctx, &mut out);
            }
        }
        out
    }

    /// The names a kubernetes-scope policy sees for each object of one service (or of
    /// an environment, without a service).
    fn object_contexts(
        &self,
        env: &str,
        s: Option<&ResolvedService>,
        objs: &[&RenderedObject],
    ) -> Vec<Value> {
        let shared = self.shared_context(env, s, objs);
        (0..objs.len()).map(|at| shared.context(at)).collect()
    }

    /// What the contexts of the objects of one service share: `objects` (converted
    /// lazily, see [`lazy`]), the service, the environment and the platform.
    fn shared_context(
        &self,
        env: &str,
        s: Option<&ResolvedService>,
        objs: &[&RenderedObject],
    ) -> ObjectsContext {
        let list = Arc::new(lazy::ObjectList::new(objs));
        ObjectsContext {
            objects: Value::from_dyn_object(list.clone()),
            list,
            service: s.map(|s| self.service_values.get(s)).unwrap_or_default(),
            env: self.envs.get(env).cloned().unwrap_or_default(),
            platform: self.platform.clone(),
        }
    }

    /// Evaluates policy `i` in one context.
    /// Evaluates policy `i` in one context: a service's, or (`object`) one rendered
    /// object's.
    fn one(
        &self,
        i: usize,
        env: &str,
        service: Option<&str>,
        object: Option<&RenderedObject>,
        ctx: &Value,
        out: &mut (Vec<Finding>, Vec<Diagnostic>),
    ) {
        let p = &self.set.policies[i];
        let Some(c) = &self.compiled[i] else { return };
        let level = self.set.level(p, env);
        if level == Level::Off {
            return;
        }
        let file = object.map(|o| o.path.as_str());
        let subject = object.map(|o| Subject {
            env,
            kind: &o.kind,
            service,
        });
        match self.verdict(i, ctx, subject) {
            Some(Ok(Verdict::Failed)) => {}
            Some(Ok(_)) | None => return,
            Some(Err(d)) => {
                out.1.push(d);
                return;
            }
        }
        // A field template may name several fields, one per line: each is its own
        // finding (one diagnostic at each value), and the message sees it as `field`.
        let fields = self.render_or(p, &c.field, &p.field, ctx, String::new(), &mut out.1);
        let mut fields: Vec<&str> = fields
            .lines()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect();
        if fields.is_empty() {
            fields.push("");
        }
        for field in fields {
            let ctx = minijinja::context! { field => field, ..ctx.clone() };
            let message = self.render_or(
                p,
                &c.message,
                &p.message,
                &ctx,
                p.description.clone(),
                &mut out.1,
            );
            out.0.push(Finding {
                policy: i,
                level,
                env: env.to_string(),
                service: service.map(str::to_string),
                message,
                field: (!field.is_empty())
                    .then(|| format!("/{}", field.trim_end_matches('.').replace('.', "/"))),
                file: file.map(str::to_string),
            });
        }
    }

    /// Whether policy `i`'s `when` selects this context and, if so, whether its
    /// assertion holds; `None` when the policy did not compile. For an object
    /// (`subject`), a `when` that reads no more of it than its kind is evaluated once
    /// per kind (see [`WhenReads`]).
    fn verdict(
        &self,
        i: usize,
        ctx: &Value,
        subject: Option<Subject>,
    ) -> Option<Result<Verdict, Diagnostic>> {
        let p = &self.set.policies[i];
        let c = self.compiled[i].as_ref()?;
        let holds = |e: &Expression, s: &pack::Source| -> Result<bool, Diagnostic> {
            let site = Site {
                span: s.span,
                owner: Owner::Policy,
            };
            let value = watchdog::guarded(site, || e.eval(ctx)).map_err(|err| {
                let failed = Failure::from(err);
                undefined_attribute(p, s, &failed, ctx, self.sources)
                    .unwrap_or_else(|| failure(p, s, failed, self.sources))
            })?;
            match value.kind() {
                ValueKind::Bool => Ok(value.is_true()),
                // `a and b` returns an operand, so `x.autoscale and ...` is none when
                // there is no autoscale: Jinja's `if` treats that as false, and so do
                // policies. Strings and numbers stay errors (`service.owner` alone).
                ValueKind::None => Ok(false),
                kind => Err(messages::not_a_boolean(s.span, &p.id, kind, &value)),
            }
        };
        let applies = match (&c.when, &p.when) {
            (Some(w), Some(s)) => match (c.when_reads, subject) {
                (Some(reads), Some(subject)) => {
                    let key = (
                        i,
                        subject.env.to_string(),
                        if reads.kind { subject.kind } else { "" }.to_string(),
                        match reads.service {
                            true => subject.service.unwrap_or_default().to_string(),
                            false => String::new(),
                        },
                    );
                    self.when_once(key, || holds(w, s))
                }
                _ => holds(w, s),
            },
            _ => Ok(true),
        };
        Some(applies.and_then(|applies| match applies {
            false => Ok(Verdict::Excluded),
            true => holds(&c.assert, &p.assert).map(|passed| match passed {
                true => Verdict::Passed,
                false => Verdict::Failed,
            }),
        }))
    }

    /// The cached `when` verdict for `key`, evaluated now if it is the first.
    fn when_once(
        &self,
        key: WhenKey,
        evaluate: impl FnOnce() -> Result<bool, Diagnostic>,
    ) -> Result<bool, Diagnostic> {
        let lock = || self.whens.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = lock().get(&key) {
            return known.clone();
        }
        // Evaluated outside the lock: other threads go on meanwhile (two may evaluate
        // the same key; both get the same verdict).
        let verdict = evaluate();
        lock().insert(key, verdict.clone());
        verdict
    }

    /// Renders a message or field. One that cannot be rendered is an error in the
    /// policy; the finding itself still stands, with `fallback`.
    fn render_or(
        &self,
        p: &pack::PolicyDef,
        template: &Option<Template>,
        source: &Option<pack::Source>,
        ctx: &Value,
        fallback: String,
        errors: &mut Vec<Diagnostic>,
    ) -> String {
        match (template, source) {
            (Some(t), Some(s)) => {
                let site = Site {
                    span: s.span,
                    owner: Owner::Policy,
                };
                watchdog::guarded(site, || template_budget::render(t, ctx)).unwrap_or_else(|f| {
                    errors.push(failure(p, s, f, self.sources));
                    fallback
                })
            }
            _ => fallback,
        }
    }
}

/// Applies exceptions, locates findings at the author's line and merges repeats.
fn report(
    set: &PolicySet,
    findings: Vec<Finding>,
    model: &Model,
    inputs: &Inputs,
    options: Options,
) -> Vec<Diagnostic> {
    let mut used = vec![false; set.exceptions.len()];
    let mut diags: Vec<Diagnostic> = Vec::new();
    // One root cause, one diagnostic: the same value failing a policy in several
    // environments is reported once, listing the environments.
    let mut merged: HashMap<(usize, Option<Span>), usize> = HashMap::new();
    let mut envs_of: Vec<Vec<String>> = Vec::new();
    for f in findings {
        let p = &set.policies[f.policy];
        let waiver = waiver(set, p, f.service.as_deref(), &f.env);
        if let Some(w) = waiver {
            used[w] = true;
            continue;
        }
        let d = locate(p, &f, model, inputs);
        let key = (f.policy, d.primary_span());
        match merged.get(&key) {
            Some(&at) => {
                if f.level == Level::Error {
                    diags[at].severity = Severity::Error;
                }
                if !envs_of[at].contains(&f.env) {
                    envs_of[at].push(f.env);
                }
            }
            None => {
                merged.insert(key, diags.len());
                diags.push(d);
                envs_of.push(vec![f.env]);
            }
        }
    }
    for (d, envs) in diags.iter_mut().zip(&envs_of) {
        let list = envs
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let plural = if envs.len() == 1 { "" } else { "s" };
        d.notes.insert(0, format!("in environment{plural} {list}"));
    }
    for (e, used) in set.exceptions.iter().zip(used) {
        let Some(expires) = e.expires else { continue };
        // Exceptions that are wrong in themselves were reported by `collect`.
        let known = set.policies.iter().any(|p| p.id == e.policy && p.waivable)
            && e.services
                .iter()
                .all(|s| model.services.iter().any(|m| &m.name == s))
            && e.environments
                .iter()
                .all(|n| model.platform.environments.iter().any(|m| &m.name == n));
        let days_left = options.today.days_until(expires);
        if days_left < 0 {
            diags.push(messages::exception_expired(
                e.expires_span,
                &e.policy,
                expires,
                -days_left,
                e.policy_span,
                &e.reason,
                expiry_blocks(set, e, model),
            ));
        } else if known && !used {
            diags.push(messages::exception_matches_nothing(
                e.policy_span,
                &e.policy,
            ));
        } else if options.expiring_within.is_some_and(|w| days_left <= w) {
            diags.push(messages::exception_expiring(
                e.expires_span,
                &e.policy,
                days_left,
                expires,
            ));
        }
    }
    diags
}

/// Whether kubernetes-scope policy `p` looks at objects of `kind`.
fn selects(p: &PolicyDef, kind: &str) -> bool {
    p.scope == Scope::Kubernetes && (p.kinds.is_empty() || p.kinds.iter().any(|k| k == kind))
}

/// The exception that waives policy `p` for `service` in `env`, if any.
fn waiver(set: &PolicySet, p: &PolicyDef, service: Option<&str>, env: &str) -> Option<usize> {
    set.exceptions.iter().position(|e| {
        e.policy == p.id
            && p.waivable
            && (e.services.is_empty() || service.is_some_and(|s| e.services.iter().any(|x| x == s)))
            && (e.environments.is_empty() || e.environments.iter().any(|x| x == env))
    })
}

/// Whether an expired exception fails the build: only when the policy it waived is an
/// error in one of the environments it covers. Where the policy only warns, what the
/// exception waived would itself only be a warning, so its expiry is one too.
fn expiry_blocks(set: &PolicySet, e: &pack::ExceptionDef, model: &Model) -> bool {
    let Some(policy) = set.policies.iter().find(|p| p.id == e.policy) else {
        return true;
    };
    let envs: Vec<&str> = match e.environments.is_empty() {
        true => model
            .platform
            .environments
            .iter()
            .map(|env| env.name.as_str())
            .collect(),
        false => e.environments.iter().map(String::as_str).collect(),
    };
    envs.iter()
        .any(|env| set.level(policy, env) == Level::Error)
}

/// A finding as a diagnostic at the value that caused it.
fn locate(p: &pack::PolicyDef, f: &Finding, model: &Model, inputs: &Inputs) -> Diagnostic {
    let severity = if f.level == Level::Error {
        Severity::Error
    } else {
        Severity::Warning
    };
    let d = messages::finding(p, &f.message, severity);
    let service = f.service.as_ref().and_then(|name| {
        model
            .services
            .iter()
            .find(|s| s.env == f.env && &s.name == name)
    });
    let file_label = |what: &str| match &f.file {
        Some(file) => format!("{what}; produces {file}"),
        None => what.to_string(),
    };
    let Some(s) = service else {
        // Environment-level objects (Namespaces) come from the platform file.
        let platform = inputs
            .platform
            .as_ref()
            .map(|doc| doc.span(&crate::load::pointer_push("/environments", &f.env)));
        return match platform {
            Some(span) => d.primary(span, file_label("this environment")),
            None => d,
        };
    };
    let name_span = s.provenance.get("/name").and_then(|o| o.span);
    let origin = f.field.as_deref().and_then(|pointer| nearest(s, pointer));
    match (origin, name_span) {
        (Some((Layer::Service | Layer::ServiceEnvironment, span)), _) => {
            d.primary(span, file_label("set here"))
        }
        (Some((_, span)), Some(name)) => d.primary(span, "set here for every service").secondary(
            name,
            file_label(&format!("`{}` inherits this value", s.name)),
        ),
        (_, Some(name)) => d.primary(name, file_label(&format!("service `{}`", s.name))),
        _ => d,
    }
}

/// The layer and span of the value at `pointer`, or of its nearest recorded ancestor.
fn nearest(s: &ResolvedService, pointer: &str) -> Option<(Layer, Span)> {
    // The root's origin is no place to point at, unless the root was asked for.
    let below_root = |p: &&str| !p.is_empty() || pointer.is_empty();
    let o = crate::document::pointer_and_ancestors(pointer)
        .take_while(below_root)
        .find_map(|p| s.provenance.get(p))?;
    o.span.map(|span| (o.layer, span))
}

#[cfg(test)]
mod tests;
