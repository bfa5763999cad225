//! Resolution: documents -> the [`Model`] renderers see.
//!
//! For every (environment, service) it lays the SPEC's layers over each other
//! (built-in defaults <- platform `defaults` <- environment <- service file <- the
//! service's `environments.<env>` block), expands `${...}` placeholders and checks
//! references (sizes, needs, names). Every resolved value keeps its provenance.
//! Errors are collected, never thrown: a mistake is reported and resolution goes on
//! with a placeholder value, so one run reports every independent mistake; one root
//! cause gives one diagnostic even when it shows up in every environment.
//!
//! Files by concern:
//! - `mod.rs`: the entry ([`resolve`]), merging repeated findings, DNS name helpers.
//! - `platform.rs`: the platform file -> [`Platform`]; `windows.rs`: its SLO window table.
//! - `files.rs`: file-level checks of service files (names, stems, duplicates).
//! - `service.rs`: one environment's services; orchestrates the files below and
//!   builds each [`ResolvedService`] in one step.
//! - `context.rs`: what one environment's resolution reads (and the `env` view).
//! - `layering.rs`: the layers and their provenance; `defaults.rs`: built-in defaults.
//! - `scope.rs`: the placeholder vocabulary; `placeholder.rs`: parsing `${...}`;
//!   `expand.rs`: expansion in strings and value trees.
//! - `needs.rs`: need wiring; `module.rs`: module definitions and evaluation.
//! - `renames.rs`: `renamed_from` (state names and the checks on renames).
//! - `fields.rs`: typed service fields with their defaults and checks.
//! - `slo.rs`: SLO objectives and thresholds; `secrets.rs`: secret wiring.
//! - `infrastructure.rs`: what Terraform for module needs requires of the platform.
//! - `ci_jobs.rs`: what the CI jobs need of services and environments (test images, Terraform roles).
//! - `messages.rs`: every diagnostic wording of resolve.
//! - `resolved.rs`: the resolved model.

mod allow_destroy;
pub(crate) mod aws_names;
mod ci;
mod ci_jobs;
mod context;
mod cron;
mod defaults;
mod delivery;
mod expand;
mod fields;
mod files;
mod infrastructure;
mod layering;
mod messages;
pub(crate) mod module;
mod needs;
mod placeholder;
mod platform;
mod renames;
mod resolved;
mod routes;
mod routing;
mod scope;
mod secrets;
mod service;
mod slo;
mod volumes;
mod windows;
mod workload;

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

pub(crate) use ci::{ecr_region, push_repository, registry_host, registry_kind};
use context::EnvContext;
pub(crate) use context::environment_view;
pub(crate) use delivery::catalog_resource_name;
pub(crate) use renames::state_name;
pub(crate) use resolved::*;
pub(crate) use secrets::need_secret_name;
pub(crate) use workload::declared_ports;

use crate::diag::{Code, Diagnostic};
use crate::load::{Document, Inputs};
use crate::model::{self, platform::PlatformFile};
use crate::schema::{self, Kind};
use crate::source::SourceMap;

/// A service file that passed its schema, with its name.
pub(crate) struct ServiceInput<'a> {
    pub(crate) doc: &'a Document,
    pub(crate) name: String,
}

/// The output folder when the platform file names none.
pub(crate) const DEFAULT_OUTPUT: &str = "generated";

/// Resolves the whole repository. The model is returned only when there is no error.
pub(crate) fn resolve(inputs: &Inputs, sources: &SourceMap) -> (Option<Model>, Vec<Diagnostic>) {
    let (model, diags) = resolve_with_errors(inputs, sources);
    let ok = !diags.iter().any(Diagnostic::is_error);
    (model.filter(|_| ok), diags)
}

/// [`resolve`], keeping the model even when it found errors: the services that did
/// resolve, so `explain` can show one service while another is broken. Nothing may
/// render a tree from it.
pub(crate) fn resolve_with_errors(
    inputs: &Inputs,
    sources: &SourceMap,
) -> (Option<Model>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let platform_file = inputs
        .platform
        .as_ref()
        .and_then(|doc| platform_file(doc, &mut diags));
    let mut checked = Vec::new();
    // Validated in parallel, reported in the files' order.
    let validated: Vec<Vec<Diagnostic>> = inputs
        .services
        .par_iter()
        .map(|doc| schema::validate(doc, Kind::Service, ""))
        .collect();
    for (doc, errors) in inputs.services.iter().zip(validated) {
        match errors.is_empty() {
            true => checked.push(doc),
            false => diags.extend(errors),
        }
    }
    let (Some(pdoc), Some(pf)) = (inputs.platform.as_ref(), platform_file) else {
        return finish(None, diags);
    };
    let (mut platform, patterns) = platform::platform(&pf);
    platform.allow_destroy = allow_destroy::entries(&pf, &platform, pdoc, &mut diags);
    diags.extend(ci::check_install(pf.targets.ci.as_ref(), pdoc));
    diags.extend(delivery::check_gitops(&platform, pdoc));
    windows::check_windows(&platform, pdoc, &mut diags);
    windows::check_severity(&platform, pdoc, &mut diags);
    platform::check_pod_keys(pdoc, &mut diags);
    platform::check_output(&platform, pdoc, &mut diags);
    let module::Registry {
        modules,
        broken: broken_modules,
        diags: module_diags,
    } = module::registry(inputs, sources);
    diags.extend(module_diags);
    let services = files::check_services(&checked, &platform, sources, &mut diags);
    routing::check_targets(&platform, pdoc, &mut diags);
    routing::check_team_names(&platform, pdoc, &mut diags);
    routing::check_owners(&platform, &services, &mut diags);
    let service_files = services
        .iter()
        .map(|s| (s.name.clone(), sources.file(s.doc.file).name.clone()))
        .collect();
    let broken = broken_services(inputs, &services);
    let existing: HashSet<&str> = services
        .iter()
        .map(|s| s.name.as_str())
        .chain(broken.iter().map(String::as_str))
        .collect();
    renames::check_services(&services, &existing, &mut diags);
    // Every (environment, service) at once: about 1.4 KB each, so growing the list
    // environment by environment touched twice the memory it ends with (thousands of
    // page faults at 1,000 services, on the one thread resolve ends each environment on).
    let mut resolved = Vec::with_capacity(platform.environments.len() * services.len());
    let platform_template = std::sync::OnceLock::new();
    for (env, (_, pattern)) in platform.environments.iter().zip(&patterns.0) {
        let ctx = EnvContext {
            platform: &platform,
            pdoc,
            env,
            namespace_pattern: pattern.as_deref(),
            modules: &modules,
            broken: &broken,
            broken_modules: &broken_modules,
            referenced: &inputs.referenced,
            sources,
            platform_template: &platform_template,
        };
        resolved.extend(service::resolve_env(&ctx, &services, sources, &mut diags));
    }
    infrastructure::check_infrastructure(&platform, pdoc, &resolved, &mut diags);
    infrastructure::check_resource_names(&resolved, &mut diags);
    routes::check_routes(&platform, &resolved, &mut diags);
    ci::check_registries(&platform, pdoc, &resolved, &mut diags);
    delivery::check_catalog_names(&platform, &services, &resolved, &mut diags);
    ci_jobs::check_ci_jobs(&platform, pdoc, &resolved, &mut diags);
    finish(
        Some(Model {
            platform,
            services: resolved,
            service_files,
        }),
        diags,
    )
}

/// Services whose files have errors are still known by name, so that services
/// needing them do not report a second, misleading error.
fn broken_services(inputs: &Inputs, good: &[ServiceInput]) -> BTreeSet<String> {
    let good: HashSet<&str> = good.iter().map(|s| s.name.as_str()).collect();
    inputs
        .services
        .iter()
        .filter_map(|d| d.value.get("name").and_then(|n| n.as_str()))
        .chain(inputs.unmapped_services.iter().map(String::as_str))
        .filter(|n| !good.contains(n))
        .map(str::to_string)
        .collect()
}

fn finish(model: Option<Model>, diags: Vec<Diagnostic>) -> (Option<Model>, Vec<Diagnostic>) {
    (model, merge_repeats(diags))
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
        .map_err(|d| diags.push(d))
        .ok()
}

/// A DNS-1123 label: 1-63 of `[a-z0-9-]`, starting and ending alphanumeric.
pub(crate) fn is_dns_label(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !s.is_empty()
        && s.len() <= 63
        && s.chars().all(|c| alnum(c) || c == '-')
        && s.starts_with(alnum)
        && s.ends_with(alnum)
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub(crate) fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// A DNS-1123 label made from any name: `Checkout_API` -> `checkout-api`.
pub(crate) fn label_from(s: &str) -> String {
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
