//! Resolution: documents -> the [`Model`] renderers see.
//!
//! For every (environment, service) it lays the SPEC's layers over each other
//! (built-in defaults <- platform `defaults` <- environment <- service file <- the
//! service's `environments.<env>` block), expands `${...}` placeholders and checks
//! references (sizes, needs, names). Every resolved value keeps its provenance.
//! Errors are collected, never thrown; one root cause gives one diagnostic even
//! when it shows up in every environment.

mod layering;
pub mod module;
mod placeholder;
mod platform;
mod resolved;
mod service;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub use placeholder::has_placeholder;
pub use resolved::*;
pub use service::need_secret_name;

use crate::decimal::Decimal;
use crate::diag::{Code, Diagnostic, did_you_mean};
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
    check_windows(&platform, pdoc, &mut diags);
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
        let ctx = service::EnvContext {
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
        .map_err(|d| diags.push(d))
        .ok()
}

/// The burn-rate window table: each short window shorter than its long window, each
/// long window within the SLO period, and a positive burn factor.
fn check_windows(platform: &Platform, pdoc: &Document, diags: &mut Vec<Diagnostic>) {
    let o = &platform.observability;
    // Bounded so that every threshold pave derives from the period stays exact (see
    // `decimal`); error budgets are counted over weeks or months in practice.
    const MAX_PERIOD_MS: u64 = 366 * 86_400_000;
    if o.slo_period_ms > MAX_PERIOD_MS {
        diags.push(
            Diagnostic::error(Code::E0515, "the SLO period is longer than a year")
                .primary(pdoc.span("/monitoring/slo/period"), "here")
                .help("error budgets are counted over a rolling window such as `28d` or `30d`"),
        );
    }
    for (i, w) in o.windows.iter().enumerate() {
        let at = format!("/monitoring/slo/windows/{i}");
        let problem = if w.short_ms >= w.long_ms {
            Some((
                "short",
                "the short window must be shorter than the long window".to_string(),
            ))
        } else if w.long_ms > o.slo_period_ms {
            Some((
                "long",
                format!(
                    "the long window exceeds the SLO period of {}",
                    crate::duration::format_ms(o.slo_period_ms)
                ),
            ))
        } else if !w.budget_percent.is_positive() {
            Some((
                "budget_percent",
                "the budget share must be above 0".to_string(),
            ))
        } else if w.budget_percent > Decimal::from_int(100) || w.budget_percent.decimals() > 6 {
            Some((
                "budget_percent",
                "the budget share is a percentage up to 100 with at most 6 decimals".to_string(),
            ))
        } else {
            None
        };
        if let Some((field, message)) = problem {
            diags.push(
                Diagnostic::error(Code::E0515, format!("invalid SLO window `{}`: {message}", w.tier))
                    .primary(pdoc.span(&format!("{at}/{field}")), "here")
                    .help("a window pair alerts when both windows burn faster than budget% x period / long; the workbook's table is 1h/5m at 2%, 6h/30m at 5%, 1d/2h and 3d/6h at 10%"),
            );
        }
    }
    let mut tiers: Vec<&str> = o.windows.iter().map(|w| w.tier.as_str()).collect();
    tiers.sort();
    if let Some(pair) = tiers.windows(2).find(|p| p[0] == p[1]) {
        diags.push(
            Diagnostic::error(
                Code::E0515,
                format!("SLO window tier `{}` appears twice", pair[0]),
            )
            .primary(
                pdoc.span("/monitoring/slo/windows"),
                "tiers name alerts and must be unique",
            )
            .help("give each window pair its own `tier`"),
        );
    }
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
        let mut d = Diagnostic::error(Code::E0510, "module needs are built with Terraform, and the platform names no state bucket")
            .help("set `targets.terraform.backend: { bucket: ..., lock_table: ..., region: ... }` in the platform file");
        if let Some(span) = need_span(first) {
            d = d.primary(span, format!("`{}` needs infrastructure", first.name));
        }
        diags.push(d);
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
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            diags.push(
                Diagnostic::error(Code::E0510, format!("environment `{}` needs {list} for the services' infrastructure", env.name))
                    .primary(env_span, "this environment")
                    .help("module needs become Terraform per environment: the provider needs `region`; IAM roles for service accounts need `account` and `cluster`"),
            );
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
    let env_names: Vec<&str> = platform
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    for doc in docs {
        let name = doc.value["name"].as_str().unwrap_or_default().to_string();
        let name_span = doc.span("/name");
        let mut ok = true;
        if !is_dns_label(&name) {
            ok = false;
            diags.push(
                Diagnostic::error(
                    Code::E0506,
                    format!("service name `{name}` is not a DNS-1123 label"),
                )
                .primary(name_span, "not a valid name")
                .help(format!(
                    "use lowercase letters, digits and `-`, at most 63 characters, e.g. `{}`",
                    suggest_label(&name)
                )),
            );
        }
        let file_name = &sources.file(doc.file).name;
        let stem = Path::new(file_name)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if stem != name {
            diags.push(
                Diagnostic::error(
                    Code::E0504,
                    format!("service `{name}` is defined in `{file_name}`"),
                )
                .primary(name_span, format!("the file stem is `{stem}`"))
                .help(format!(
                    "rename the file to `services/{name}.yaml` or set `name: {stem}`"
                )),
            );
        }
        match first_by_name.get(&name) {
            Some(first) => {
                ok = false;
                diags.push(
                    Diagnostic::error(Code::E0505, format!("two services are named `{name}`"))
                        .primary(name_span, "second definition")
                        .secondary(first.span("/name"), "first defined here")
                        .help("service names are unique across the platform; rename one"),
                );
            }
            None => {
                first_by_name.insert(name.clone(), doc);
            }
        }
        if let Some(envs) = doc.value.get("environments").and_then(|e| e.as_object()) {
            for key in envs.keys().filter(|k| !env_names.contains(&k.as_str())) {
                let mut d = Diagnostic::error(
                    Code::E0507,
                    format!("the platform defines no environment `{key}`"),
                )
                .primary(
                    doc.key_span(&crate::load::pointer_push("/environments", key)),
                    "unknown environment",
                );
                d.help = did_you_mean(key, env_names.iter().copied())
                    .or_else(|| Some(format!("environments are: {}", env_names.join(", "))));
                diags.push(d);
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
mod tests {
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
