//! `pave policies`: the policies in force, with their severity in each environment;
//! with `--service S`, what really applies to that service in each environment (each
//! policy's `when` evaluated by the policy stage against the service and its objects,
//! whether it passes, the exception that waives it) and the exceptions in force for it.
//! `--format json` prints the same as data.

use std::path::Path;

use serde_json::{Value, json};

use super::{Exit, Output, environment_names, messages, print_diagnostics, stop};
use crate::diag::{self, Diagnostic};
use crate::policy::{self, Applies, Date, ExceptionDef, Level, Outcome, PolicyDef, PolicySet};
use crate::source::SourceMap;

/// What `pave policies` was asked for.
pub struct Selection<'a> {
    /// `--service S`: only the policies that can fire on S, and S's exceptions.
    pub service: Option<&'a str>,
    /// `--env E` (repeatable; default: every environment).
    pub envs: &'a [String],
    /// `--format json`.
    pub json: bool,
}

/// Prints the policies in force: id, scope, severity in each environment, waivable,
/// description; with a service, the exceptions in force for it.
pub fn policies(root: &Path, selection: &Selection, output: Output) -> Exit {
    let mut sources = SourceMap::default();
    let (inputs, mut diags) = crate::load::load(root, &mut sources);
    let (model, resolve_diags) = crate::resolve::resolve(&inputs, &sources);
    diags.extend(resolve_diags);
    let Some(model) = model else {
        diag::sort(&mut diags, &sources);
        return stop(&diags, &sources, output);
    };
    let all_envs: Vec<String> = environment_names(&model)
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut services: Vec<String> = model.services.iter().map(|s| s.name.clone()).collect();
    services.dedup();
    if let Some(d) = unknown_names(selection, &all_envs, &services) {
        // With the platform's sources, so SARIF can anchor it at the platform file.
        return stop(&[d], &sources, output);
    }
    let (set, set_diags) = policy::collect(&inputs, &all_envs, &services);
    if set_diags.iter().any(Diagnostic::is_error) {
        return stop(&set_diags, &sources, output);
    }
    let envs = match selection.envs.is_empty() {
        true => all_envs,
        false => selection.envs.to_vec(),
    };
    let view = View {
        set: &set,
        envs: &envs,
        service: selection.service,
        today: output.today,
    };
    let Some(service) = selection.service else {
        match selection.json {
            true => print!("{}", view.json()),
            false => print!("{}", view.text()),
        }
        return Exit::Ok;
    };
    // Evaluating `when` needs the objects the service renders to, from a model
    // without errors, as `build` has.
    if diags.iter().any(Diagnostic::is_error) {
        diag::sort(&mut diags, &sources);
        return stop(&diags, &sources, output);
    }
    let (rendered, _) = crate::render::render(&model, None, None);
    let (applies, errors) = policy::for_service(
        &set,
        &inputs,
        &model,
        &rendered.objects,
        &sources,
        service,
        &envs,
    );
    print_diagnostics(&errors, &sources, output);
    match selection.json {
        true => print!("{}", view.service_json(service, &applies)),
        false => print!("{}", view.service_text(service, &applies)),
    }
    match errors.is_empty() {
        true => Exit::Ok,
        false => Exit::for_failure(&errors),
    }
}

/// `--env` or `--service` naming nothing the platform has.
fn unknown_names(
    selection: &Selection,
    envs: &[String],
    services: &[String],
) -> Option<Diagnostic> {
    if let Some(env) = selection.envs.iter().find(|e| !envs.contains(e)) {
        return Some(messages::unknown_environment(env, &as_strs(envs)));
    }
    let service = selection.service?;
    // The model holds each service once per environment: each name once, in order.
    let known: std::collections::BTreeSet<&str> = services.iter().map(String::as_str).collect();
    (!known.contains(service)).then(|| {
        let known: Vec<&str> = known.into_iter().collect();
        messages::unknown_filter("service", service, &known)
    })
}

fn as_strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The policies and exceptions one run of `pave policies` shows.
struct View<'a> {
    set: &'a PolicySet,
    envs: &'a [String],
    service: Option<&'a str>,
    today: Date,
}

impl View<'_> {
    /// The policies shown: with a service, those not off in some selected environment.
    fn policies(&self) -> impl Iterator<Item = &PolicyDef> {
        self.set.policies.iter().filter(|p| {
            self.service.is_none() || self.envs.iter().any(|e| self.set.level(p, e) != Level::Off)
        })
    }

    /// With a service, the exceptions naming it (or every service) in a selected environment.
    fn exceptions(&self) -> Vec<&ExceptionDef> {
        let Some(service) = self.service else {
            return Vec::new();
        };
        self.set
            .exceptions
            .iter()
            .filter(|e| e.services.is_empty() || e.services.iter().any(|s| s == service))
            .filter(|e| {
                e.environments.is_empty() || e.environments.iter().any(|x| self.envs.contains(x))
            })
            .collect()
    }

    fn expired(&self, e: &ExceptionDef) -> bool {
        e.expires.is_some_and(|d| d < self.today)
    }

    fn text(&self) -> String {
        table(self.set, self.policies().collect(), self.envs)
    }

    /// Per environment, the policies that apply to the service with severity, result
    /// and waiver, then those whose `when` excludes it; then its exceptions.
    fn service_text(&self, service: &str, applies: &[Applies]) -> String {
        let mut out = String::new();
        for a in applies {
            out.push_str(&env_text(service, a, self.today));
        }
        out.push_str(&self.exceptions_text());
        out
    }

    fn exceptions_text(&self) -> String {
        let mut out = String::new();
        let exceptions = self.exceptions();
        if let Some(service) = self.service {
            out.push_str(&format!("\nexceptions for {service}:"));
            if exceptions.is_empty() {
                out.push_str(" none\n");
            } else {
                out.push('\n');
            }
        }
        for e in exceptions {
            let envs = match e.environments.is_empty() {
                true => "every environment".to_string(),
                false => e.environments.join(", "),
            };
            let expires = match (e.expires, self.expired(e)) {
                (Some(d), true) => format!("expired {d}"),
                (Some(d), false) => format!("until {d}"),
                (None, _) => "no expiry".into(),
            };
            out.push_str(&format!(
                "  {}  {envs}  {expires}  {}\n",
                e.policy, e.reason
            ));
        }
        out
    }

    fn service_json(&self, service: &str, applies: &[Applies]) -> String {
        let environments: Vec<Value> = applies
            .iter()
            .map(|a| {
                let policies: Vec<Value> = a
                    .rows
                    .iter()
                    .map(|r| {
                        let applies = r.outcome != Outcome::Excluded;
                        json!({
                            "id": r.policy.id,
                            "scope": scope(r.policy),
                            "severity": r.level.as_str(),
                            "applies": applies,
                            "result": applies.then_some(r.outcome.as_str()),
                            "waived_by": r.waiver.map(|e| self.exception_json(e)),
                            "waivable": r.policy.waivable,
                            "when": r.policy.when.as_ref().map(|w| w.text.trim()),
                            "description": r.policy.description,
                        })
                    })
                    .collect();
                json!({ "environment": a.env, "policies": policies })
            })
            .collect();
        let exceptions: Vec<Value> = self
            .exceptions()
            .into_iter()
            .map(|e| self.exception_json(e))
            .collect();
        let doc = json!({
            "service": service,
            "environments": self.envs,
            "applies": environments,
            "exceptions": exceptions,
        });
        // A value built from strings cannot fail to serialize.
        format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )
    }

    fn exception_json(&self, e: &ExceptionDef) -> Value {
        json!({
            "policy": e.policy,
            "services": e.services,
            "environments": e.environments,
            "reason": e.reason,
            "expires": e.expires.map(|d| d.to_string()),
            "expired": self.expired(e),
        })
    }

    fn json(&self) -> String {
        let policies: Vec<Value> = self
            .policies()
            .map(|p| {
                let levels: serde_json::Map<String, Value> = self
                    .envs
                    .iter()
                    .map(|e| (e.clone(), json!(self.set.level(p, e).as_str())))
                    .collect();
                json!({
                    "id": p.id,
                    "scope": scope(p),
                    "levels": levels,
                    "waivable": p.waivable,
                    "when": p.when.as_ref().map(|w| w.text.as_str()),
                    "description": p.description,
                })
            })
            .collect();
        let doc = json!({ "environments": self.envs, "policies": policies });
        // A value built from strings cannot fail to serialize.
        format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )
    }
}

fn scope(p: &PolicyDef) -> &'static str {
    match p.scope {
        policy::Scope::Service => "service",
        policy::Scope::Kubernetes => "kubernetes",
    }
}

/// The policies as a table.
fn table(set: &PolicySet, policies: Vec<&PolicyDef>, envs: &[String]) -> String {
    let width = policies
        .iter()
        .map(|p| p.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    let mut out = format!("{:<width$}  {:<10}", "id", "scope");
    for env in envs {
        out.push_str(&format!("  {env:<8}"));
    }
    out.push_str("  waivable  description\n");
    for p in policies {
        out.push_str(&format!("{:<width$}  {:<10}", p.id, scope(p)));
        for env in envs {
            out.push_str(&format!("  {:<8}", set.level(p, env).as_str()));
        }
        let waivable = if p.waivable { "yes" } else { "no" };
        out.push_str(&format!("  {waivable:<8}  {}\n", p.description));
    }
    out
}

/// One environment of `--service`: what applies (severity, result, waiver), then
/// what its `when` (or, for kubernetes scope, the service's objects) leaves out.
fn env_text(service: &str, a: &Applies, today: Date) -> String {
    let width = a.rows.iter().map(|r| r.policy.id.len()).max().unwrap_or(2);
    let mut out = format!("{service} in {}:\n", a.env);
    out.push_str(&format!(
        "  {:<width$}  {:<10}  {:<8}  {:<6}  waiver\n",
        "applies", "scope", "severity", "result"
    ));
    let (applied, excluded): (Vec<_>, Vec<_>) =
        a.rows.iter().partition(|r| r.outcome != Outcome::Excluded);
    for r in applied {
        let waiver = match r.waiver {
            Some(e) => format!("waived {}: {}", until(e, today), e.reason),
            None => "-".into(),
        };
        out.push_str(&format!(
            "  {:<width$}  {:<10}  {:<8}  {:<6}  {waiver}\n",
            r.policy.id,
            scope(r.policy),
            r.level.as_str(),
            r.outcome.as_str()
        ));
    }
    if excluded.is_empty() {
        return out;
    }
    out.push_str(&format!("  not applied to {service}:\n"));
    for r in excluded {
        let why = match &r.policy.when {
            Some(w) => format!("when: {}", w.text.trim()),
            None => "no object of the kinds it checks".into(),
        };
        out.push_str(&format!("  {:<width$}  {why}\n", r.policy.id));
    }
    out
}

/// An exception's expiry, as a phrase.
fn until(e: &ExceptionDef, today: Date) -> String {
    match e.expires {
        Some(d) if d < today => format!("(expired {d})"),
        Some(d) => format!("until {d}"),
        None => "with no expiry".into(),
    }
}
