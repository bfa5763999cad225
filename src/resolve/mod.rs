//! Resolution: documents -> the [`Model`] renderers see.
//!
//! For every (environment, service) it lays the SPEC's layers over each other
//! (built-in defaults <- platform `defaults` <- environment <- service file <- the
//! service's `environments.<env>` block), expands `${...}` placeholders and checks
//! references (sizes, needs, names). Every resolved value keeps its provenance.
//! Errors are collected, never thrown; one root cause gives one diagnostic even
//! when it shows up in every environment.

mod context;
mod defaults;
mod expand;
mod fields;
mod layering;
mod messages;
pub mod module;
mod needs;
mod placeholder;
mod platform;
mod resolved;
mod scope;
mod secrets;
mod service;
mod slo;
mod windows;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use context::EnvContext;
pub(crate) use context::environment_view;
pub use placeholder::has_placeholder;
pub use resolved::*;
pub use secrets::need_secret_name;

use crate::diag::{Code, Diagnostic};
use crate::load::{Document, Inputs};
use crate::model::{self, platform::PlatformFile};
use crate::schema::{self, Kind};
use crate::source::SourceMap;

/// A service file that passed its schema, with its name.
pub(crate) struct ServiceInput<'a> {
    pub doc: &'a Document,
    pub name: String,
}

/// Resolves the whole repository. The model is returned only when there is no error.
pub fn resolve(inputs: &Inputs, sources: &SourceMap) -> (Option<Model>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let platform_file = inputs
        .platform
        .as_ref()
        .and_then(|doc| platform_file(doc, &mut diags));
    let mut checked = Vec::new();
    for doc in &inputs.services {
        let errors = schema::validate(doc, Kind::Service, "");
        match errors.is_empty() {
            true => checked.push(doc),
            false => diags.extend(errors),
        }
    }
    let (Some(pdoc), Some(pf)) = (inputs.platform.as_ref(), platform_file) else {
        return finish(None, diags);
    };
    let (platform, patterns) = platform::platform(&pf);
    windows::check_windows(&platform, pdoc, &mut diags);
    let module::Registry {
        modules,
        broken: broken_modules,
        diags: module_diags,
    } = module::registry(inputs);
    diags.extend(module_diags);
    let services = check_services(&checked, &platform, sources, &mut diags);
    // Services whose files have errors are still known by name, so that services
    // needing them do not report a second, misleading error.
    let good: std::collections::HashSet<&str> = services.iter().map(|s| s.name.as_str()).collect();
    let broken: std::collections::BTreeSet<String> = inputs
        .services
        .iter()
        .filter_map(|d| d.value.get("name").and_then(|n| n.as_str()))
        .filter(|n| !good.contains(n))
        .map(str::to_string)
        .collect();
    let mut resolved = Vec::new();
    for (env, (_, pattern)) in platform.environments.iter().zip(&patterns.0) {
        let ctx = EnvContext {
            platform: &platform,
            pdoc,
            env,
            namespace_pattern: pattern.as_deref(),
            modules: &modules,
            broken: &broken,
            broken_modules: &broken_modules,
        };
        resolved.extend(service::resolve_env(&ctx, &services, sources, &mut diags));
    }
    check_infrastructure(&platform, pdoc, &resolved, &mut diags);
    finish(
        Some(Model {
            platform,
            services: resolved,
        }),
        diags,
    )
}

fn finish(model: Option<Model>, diags: Vec<Diagnostic>) -> (Option<Model>, Vec<Diagnostic>) {
    let diags = merge_repeats(diags);
    let ok = !diags.iter().any(Diagnostic::is_error);
    (model.filter(|_| ok), diags)
}

/// One root cause, one diagnostic: a value in a service file is resolved once per
/// environment, so the same mistake is found several times at the same place. Keep
/// the first finding and note how the others read.
fn merge_repeats(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut first: HashMap<(Code, Option<crate::source::Span>), usize> = HashMap::new();
    for d in diags {
        match first.get(&(d.code, d.primary_span())) {
            Some(&i) if d.primary_span().is_some() => {
                let kept = &mut out[i];
                let note = format!("also: {}", d.message);
                if d.message != kept.message && !kept.notes.contains(&note) {
                    kept.notes.push(note);
                }
            }
            _ => {
                first.insert((d.code, d.primary_span()), out.len());
                out.push(d);
            }
        }
    }
    out
}

fn platform_file(doc: &Document, diags: &mut Vec<Diagnostic>) -> Option<PlatformFile> {
    let mut errors = schema::validate(doc, Kind::Platform, "");
    if doc.value.get("defaults").is_some_and(|d| d.is_object()) {
        errors.extend(schema::validate(doc, Kind::ServiceDefaults, "/defaults"));
    }
    if !errors.is_empty() {
        diags.extend(errors);
        return None;
    }
    model::decode(doc, "", &doc.value)
        .map_err(|d| diags.push(*d))
        .ok()
}

/// What Terraform for module needs requires of the platform file: a state bucket and a
/// region per environment, and for IAM roles the cluster and the account.
fn check_infrastructure(
    platform: &Platform,
    pdoc: &Document,
    services: &[ResolvedService],
    diags: &mut Vec<Diagnostic>,
) {
    let Some(target) = &platform.targets.terraform else {
        return;
    };
    let needing: Vec<&ResolvedService> = services
        .iter()
        .filter(|s| !s.module_needs.is_empty())
        .collect();
    let Some(first) = needing.first() else { return };
    let need_span = |s: &ResolvedService| s.provenance.get("/needs").and_then(|o| o.span);
    if target.bucket.is_none() {
        let at = need_span(first).map(|span| (span, first.name.as_str()));
        diags.push(messages::no_state_bucket(at));
    }
    for env in &platform.environments {
        let in_env: Vec<&&ResolvedService> = needing.iter().filter(|s| s.env == env.name).collect();
        let env_span = pdoc.key_span(&crate::load::pointer_push("/environments", &env.name));
        let mut missing = Vec::new();
        if !in_env.is_empty() && env.region.is_none() {
            missing.push("region");
        }
        if in_env.iter().any(|s| s.role.is_some()) {
            missing.extend(env.account.is_none().then_some("account"));
            missing.extend(env.cluster.is_none().then_some("cluster"));
        }
        if !missing.is_empty() {
            diags.push(messages::environment_lacks_infrastructure(
                env_span, &env.name, &missing,
            ));
        }
    }
}

/// File-level checks: names, file stems, duplicates, environment blocks.
fn check_services<'a>(
    docs: &[&'a Document],
    platform: &Platform,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ServiceInput<'a>> {
    let mut first_by_name: BTreeMap<String, &Document> = BTreeMap::new();
    let mut out = Vec::new();
    let env_names = platform.environment_names();
    for doc in docs {
        let name = doc.value["name"].as_str().unwrap_or_default().to_string();
        let name_span = doc.span("/name");
        let mut ok = true;
        if !is_dns_label(&name) {
            ok = false;
            diags.push(messages::service_name_not_label(
                name_span,
                &name,
                &suggest_label(&name),
            ));
        }
        let file_name = &sources.file(doc.file).name;
        let stem = Path::new(file_name)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if stem != name {
            diags.push(messages::file_stem_mismatch(
                name_span, &name, file_name, stem,
            ));
        }
        match first_by_name.get(&name) {
            Some(first) => {
                ok = false;
                diags.push(messages::duplicate_service(
                    name_span,
                    first.span("/name"),
                    &name,
                ));
            }
            None => {
                first_by_name.insert(name.clone(), doc);
            }
        }
        if let Some(envs) = doc.value.get("environments").and_then(|e| e.as_object()) {
            for key in envs.keys().filter(|k| !env_names.contains(&k.as_str())) {
                let at = doc.key_span(&crate::load::pointer_push("/environments", key));
                diags.push(messages::unknown_environment(at, key, &env_names));
            }
        }
        if ok {
            out.push(ServiceInput { doc, name });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A DNS-1123 label: 1-63 of `[a-z0-9-]`, starting and ending alphanumeric.
pub fn is_dns_label(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| alnum(c) || c == '-')
        && s.starts_with(alnum)
        && s.ends_with(alnum)
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// A DNS-1123 label made from any name: `Checkout_API` -> `checkout-api`.
pub fn label_from(s: &str) -> String {
    suggest_label(s)
}

fn suggest_label(s: &str) -> String {
    let lowered: String = s
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let trimmed = lowered.trim_matches('-');
    let cut: String = trimmed.chars().take(63).collect();
    match cut.is_empty() {
        true => "my-service".to_string(),
        false => cut.trim_end_matches('-').to_string(),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod label_tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("checkout-api"));
        assert!(!is_dns_label("Checkout"));
        assert!(!is_dns_label("-a"));
        assert!(!is_dns_label(&"a".repeat(64)));
        assert_eq!(suggest_label("Checkout_API"), "checkout-api");
    }
}
