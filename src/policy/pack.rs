//! Policy definitions: the built-in packs a platform selects and the repository's
//! `policies/*.yaml`, checked against the policy schema; the platform's severity
//! overrides; and every exception, from the platform file or a pack.

use std::collections::{BTreeMap, HashMap};

use super::date::Date;
use super::messages;
use crate::diag::Diagnostic;
use crate::load::{Document, Inputs, pointer_push};
use crate::model::{
    self,
    policy::{ExceptionFile, PackFile, PoliciesFile, PolicyFile, Rule},
};
use crate::schema::{self, Kind};
use crate::source::Span;

pub(crate) use crate::model::policy::{Level, Scope};

/// An expression or template as written, and where.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub(crate) text: String,
    pub(crate) span: Span,
}

/// One policy of a pack.
#[derive(Debug)]
pub(crate) struct PolicyDef {
    pub(crate) id: String,
    pub(crate) description: String,
    pub(crate) default_level: Level,
    pub(crate) scope: Scope,
    pub(crate) kinds: Vec<String>,
    pub(crate) when: Option<Source>,
    pub(crate) assert: Source,
    pub(crate) message: Option<Source>,
    pub(crate) field: Option<Source>,
    pub(crate) waivable: bool,
    /// The span of the policy's `id`.
    pub(crate) id_span: Span,
}

/// A governed waiver of one policy for some services and environments.
#[derive(Debug)]
pub(crate) struct ExceptionDef {
    pub(crate) policy: String,
    pub(crate) services: Vec<String>,
    pub(crate) environments: Vec<String>,
    pub(crate) reason: String,
    pub(crate) expires: Option<Date>,
    pub(crate) policy_span: Span,
    pub(crate) expires_span: Span,
    /// The span of each name in `services`, then in `environments`.
    pub(crate) service_spans: Vec<Span>,
    pub(crate) environment_spans: Vec<Span>,
}

/// The platform's severity for a policy: one level, or one per environment.
#[derive(Debug, Clone)]
enum Override {
    All(Level),
    PerEnv(BTreeMap<String, Level>),
}

/// Everything the policy stage enforces.
#[derive(Debug, Default)]
pub(crate) struct PolicySet {
    pub(crate) policies: Vec<PolicyDef>,
    pub(crate) exceptions: Vec<ExceptionDef>,
    overrides: HashMap<String, Override>,
}

impl PolicySet {
    /// The level of a policy in an environment, after the platform's overrides.
    pub(crate) fn level(&self, policy: &PolicyDef, env: &str) -> Level {
        match self.overrides.get(&policy.id) {
            Some(Override::All(level)) => *level,
            Some(Override::PerEnv(levels)) => {
                levels.get(env).copied().unwrap_or(policy.default_level)
            }
            None => policy.default_level,
        }
    }
}

/// Collects the policies in force, the overrides and the exceptions.
pub(crate) fn collect(
    inputs: &Inputs,
    env_names: &[String],
    service_names: &[String],
) -> (PolicySet, Vec<Diagnostic>) {
    let mut set = PolicySet::default();
    let mut diags = Vec::new();
    let Some(platform) = &inputs.platform else {
        return (set, diags);
    };
    let policies = platform_policies(platform).unwrap_or_else(|d| {
        diags.push(d);
        PoliciesFile::default()
    });
    let mut packs = selected_packs(inputs, platform, &policies, &mut diags);
    packs.extend(inputs.policy_packs.iter());
    for doc in packs {
        let errors = schema::validate(doc, Kind::Policy, "");
        if !errors.is_empty() {
            diags.extend(errors);
            continue;
        }
        match model::decode::<PackFile>(doc, "", &doc.value) {
            Ok(pack) => read_pack(doc, pack, &mut set, &mut diags),
            Err(d) => diags.push(d),
        }
    }
    set.exceptions.extend(exception_defs(
        platform,
        "/policies/exceptions",
        policies.exceptions,
    ));
    read_overrides(platform, &policies.rules, env_names, &mut set, &mut diags);
    check_exceptions(&set, env_names, service_names, &mut diags);
    (set, diags)
}

/// The platform file's `policies` block (the platform passed its schema before
/// this stage runs).
fn platform_policies(platform: &Document) -> Result<PoliciesFile, Diagnostic> {
    match platform.value.get("policies") {
        Some(value) => model::decode(platform, "/policies", value),
        None => Ok(PoliciesFile::default()),
    }
}

/// The built-in packs `policies.packs` selects; without a list, the baseline.
fn selected_packs<'a>(
    inputs: &'a Inputs,
    platform: &Document,
    policies: &PoliciesFile,
    diags: &mut Vec<Diagnostic>,
) -> Vec<&'a Document> {
    let builtin = |name: &str| {
        inputs
            .builtin_packs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, doc)| doc)
    };
    // Secure by default: without a `packs` list the baseline applies.
    let Some(names) = &policies.packs else {
        return builtin("baseline").into_iter().collect();
    };
    let mut packs = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match builtin(name) {
            Some(doc) => packs.push(doc),
            None => {
                let known: Vec<&str> = inputs
                    .builtin_packs
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect();
                let span = platform.span(&format!("/policies/packs/{i}"));
                diags.push(messages::unknown_pack(span, name, &known));
            }
        }
    }
    packs
}

fn read_pack(doc: &Document, pack: PackFile, set: &mut PolicySet, diags: &mut Vec<Diagnostic>) {
    for (i, p) in pack.policies.into_iter().enumerate() {
        let base = format!("/policies/{i}");
        let id_span = doc.span(&pointer_push(&base, "id"));
        if let Some(first) = set.policies.iter().find(|q| q.id == p.id) {
            diags.push(messages::defined_twice(&p.id, id_span, first.id_span));
            continue;
        }
        set.policies.push(policy_def(doc, &base, p, id_span));
    }
    set.exceptions
        .extend(exception_defs(doc, "/exceptions", pack.exceptions));
}

/// A pack's policy, each expression and template with the span it was written at.
fn policy_def(doc: &Document, base: &str, p: PolicyFile, id_span: Span) -> PolicyDef {
    let source = |key: &str, text: String| Source {
        text,
        span: doc.span(&pointer_push(base, key)),
    };
    PolicyDef {
        when: p.when.as_ref().map(|w| source("when", w.text())),
        assert: source("assert", p.assert.text()),
        message: p.message.map(|m| source("message", m)),
        field: p.field.map(|f| source("field", f)),
        id: p.id,
        description: p.description,
        default_level: p.severity,
        scope: p.scope,
        kinds: p.kinds,
        waivable: p.waivable.unwrap_or(true),
        id_span,
    }
}

fn exception_defs(doc: &Document, base: &str, list: Vec<ExceptionFile>) -> Vec<ExceptionDef> {
    list.into_iter()
        .enumerate()
        .map(|(i, e)| {
            let at = format!("{base}/{i}");
            let spans = |key: &str, count: usize| -> Vec<Span> {
                let list = pointer_push(&at, key);
                (0..count)
                    .map(|j| doc.span(&pointer_push(&list, &j.to_string())))
                    .collect()
            };
            ExceptionDef {
                service_spans: spans("services", e.services.len()),
                environment_spans: spans("environments", e.environments.len()),
                expires: Date::parse(&e.expires),
                policy: e.policy,
                services: e.services,
                environments: e.environments,
                reason: e.reason,
                policy_span: doc.span(&pointer_push(&at, "policy")),
                expires_span: doc.span(&pointer_push(&at, "expires")),
            }
        })
        .collect()
}

/// `policies.rules`: `<id>: off | warning | error | { <env>: level }`.
fn read_overrides(
    platform: &Document,
    rules: &indexmap::IndexMap<String, Rule>,
    env_names: &[String],
    set: &mut PolicySet,
    diags: &mut Vec<Diagnostic>,
) {
    let ids: Vec<&str> = set.policies.iter().map(|p| p.id.as_str()).collect();
    for (id, rule) in rules {
        let at = pointer_push("/policies/rules", id);
        if !ids.contains(&id.as_str()) {
            let span = platform.key_span(&at);
            diags.push(messages::rule_for_unknown_policy(span, id, &ids));
            continue;
        }
        let parsed = match rule {
            Rule::All(level) => Override::All(*level),
            Rule::PerEnv(per_env) => {
                for env in per_env.keys().filter(|env| !env_names.contains(env)) {
                    let span = platform.key_span(&pointer_push(&at, env));
                    diags.push(messages::rule_for_unknown_environment(span, env, env_names));
                }
                Override::PerEnv(per_env.iter().map(|(e, l)| (e.clone(), *l)).collect())
            }
        };
        let applies = match set.policies.iter().find(|p| &p.id == id) {
            Some(p) if !p.waivable => refuse_lowering(platform, p, &at, &parsed, diags),
            _ => true,
        };
        if applies {
            set.overrides.insert(id.clone(), parsed);
        }
    }
}

/// A severity below a non-waivable policy's own is a waiver in disguise: each such
/// level is an error at its value, and the override is not applied.
fn refuse_lowering(
    platform: &Document,
    p: &PolicyDef,
    at: &str,
    o: &Override,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let lowered: Vec<(String, Level)> = match o {
        Override::All(level) => vec![(at.to_string(), *level)],
        Override::PerEnv(levels) => levels
            .iter()
            .map(|(env, level)| (pointer_push(at, env), *level))
            .collect(),
    }
    .into_iter()
    .filter(|(_, level)| *level < p.default_level)
    .collect();
    for (pointer, level) in &lowered {
        let span = platform.span(pointer);
        diags.push(messages::cannot_lower(
            span,
            &p.id,
            *level,
            p.default_level,
            p.id_span,
        ));
    }
    lowered.is_empty()
}

/// Exceptions naming unknown or non-waivable policies, unknown environments, and
/// impossible dates are errors, whatever the date; an unknown service is a warning.
fn check_exceptions(
    set: &PolicySet,
    env_names: &[String],
    service_names: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    let ids: Vec<&str> = set.policies.iter().map(|p| p.id.as_str()).collect();
    for e in &set.exceptions {
        match set.policies.iter().find(|p| p.id == e.policy) {
            None => diags.push(messages::exception_for_unknown_policy(
                e.policy_span,
                &e.policy,
                &ids,
            )),
            Some(p) if !p.waivable => diags.push(messages::exception_not_waivable(
                e.policy_span,
                &e.policy,
                p.id_span,
            )),
            Some(_) => {}
        }
        // A deleted or renamed service leaves its exceptions behind: deleting a
        // service must not need a platform edit, so that is a warning.
        for (name, &span) in e.services.iter().zip(&e.service_spans) {
            if !service_names.contains(name) {
                diags.push(messages::exception_for_missing_service(
                    span,
                    &e.policy,
                    name,
                    service_names,
                ));
            }
        }
        for (name, &span) in e.environments.iter().zip(&e.environment_spans) {
            if !env_names.contains(name) {
                diags.push(messages::exception_for_unknown_environment(
                    span, &e.policy, name, env_names,
                ));
            }
        }
        if e.expires.is_none() {
            diags.push(messages::impossible_expiry(e.expires_span));
        }
    }
}
