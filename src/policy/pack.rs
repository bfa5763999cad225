//! Policy definitions: the built-in packs a platform selects and the repository's
//! `policies/*.yaml`, checked against the policy schema; the platform's severity
//! overrides; and every exception, from the platform file or a pack.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::Value;

use super::date::Date;
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::load::{Document, Inputs, pointer_push};
use crate::schema::{self, Kind};
use crate::source::Span;

/// How strongly a policy is enforced in one environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Off,
    Warning,
    Error,
}

impl Level {
    fn parse(s: &str) -> Option<Level> {
        match s {
            "off" => Some(Level::Off),
            "warning" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// What a policy looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The resolved service in one environment.
    Service,
    /// Each rendered Kubernetes object.
    Kubernetes,
}

/// An expression or template as written, and where.
#[derive(Debug, Clone)]
pub struct Source {
    pub text: String,
    pub span: Span,
}

/// One policy of a pack.
#[derive(Debug)]
pub struct PolicyDef {
    pub id: String,
    pub description: String,
    pub default_level: Level,
    pub scope: Scope,
    pub kinds: Vec<String>,
    pub when: Option<Source>,
    pub assert: Source,
    pub message: Option<Source>,
    pub field: Option<Source>,
    pub waivable: bool,
    /// The span of the policy's `id`.
    pub id_span: Span,
}

/// A governed waiver of one policy for some services and environments.
#[derive(Debug)]
pub struct ExceptionDef {
    pub policy: String,
    pub services: Vec<String>,
    pub environments: Vec<String>,
    pub reason: String,
    pub expires: Option<Date>,
    pub policy_span: Span,
    pub expires_span: Span,
}

/// The platform's severity for a policy: one level, or one per environment.
#[derive(Debug, Clone)]
enum Override {
    All(Level),
    PerEnv(BTreeMap<String, Level>),
}

/// Everything the policy stage enforces.
#[derive(Debug, Default)]
pub struct PolicySet {
    pub policies: Vec<PolicyDef>,
    pub exceptions: Vec<ExceptionDef>,
    overrides: HashMap<String, Override>,
}

impl PolicySet {
    /// The level of a policy in an environment, after the platform's overrides.
    pub fn level(&self, policy: &PolicyDef, env: &str) -> Level {
        match self.overrides.get(&policy.id) {
            Some(Override::All(level)) => *level,
            Some(Override::PerEnv(levels)) => {
                levels.get(env).copied().unwrap_or(policy.default_level)
            }
            None => policy.default_level,
        }
    }
}

#[derive(Deserialize)]
struct PackFile {
    #[serde(default)]
    policies: Vec<PolicyFile>,
    #[serde(default)]
    exceptions: Vec<ExceptionFile>,
}

#[derive(Deserialize)]
struct PolicyFile {
    id: String,
    description: String,
    severity: String,
    scope: String,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    waivable: Option<bool>,
}

#[derive(Deserialize)]
struct ExceptionFile {
    policy: String,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    environments: Vec<String>,
    reason: String,
    expires: String,
}

/// Collects the policies in force, the overrides and the exceptions.
pub fn collect(
    inputs: &Inputs,
    env_names: &[String],
    service_names: &[String],
) -> (PolicySet, Vec<Diagnostic>) {
    let mut set = PolicySet::default();
    let mut diags = Vec::new();
    let Some(platform) = &inputs.platform else {
        return (set, diags);
    };
    let mut packs: Vec<&Document> = Vec::new();
    match platform
        .value
        .pointer("/policies/packs")
        .and_then(Value::as_array)
    {
        Some(names) => {
            for (i, name) in names.iter().enumerate() {
                let name = name.as_str().unwrap_or_default();
                match inputs.builtin_packs.iter().find(|(n, _)| n == name) {
                    Some((_, doc)) => packs.push(doc),
                    None => {
                        let known: Vec<&str> = inputs
                            .builtin_packs
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .collect();
                        let mut d = Diagnostic::error(
                            Code::E0307,
                            format!("no built-in policy pack named `{name}`"),
                        )
                        .primary(
                            platform.span(&format!("/policies/packs/{i}")),
                            "unknown pack",
                        );
                        d.help = did_you_mean(name, known.iter().copied()).or_else(|| {
                            Some(format!(
                                "built-in packs: {}; put your own packs in `policies/`",
                                known.join(", ")
                            ))
                        });
                        diags.push(d);
                    }
                }
            }
        }
        // Secure by default: without a `packs` list the baseline applies.
        None => packs.extend(
            inputs
                .builtin_packs
                .iter()
                .filter(|(n, _)| n == "baseline")
                .map(|(_, d)| d),
        ),
    }
    packs.extend(inputs.policy_packs.iter());
    for doc in packs {
        let errors = schema::validate(doc, Kind::Policy, "");
        if !errors.is_empty() {
            diags.extend(errors);
            continue;
        }
        read_pack(doc, &mut set, &mut diags);
    }
    if let Some(exceptions) = platform.value.pointer("/policies/exceptions") {
        match serde_json::from_value::<Vec<ExceptionFile>>(exceptions.clone()) {
            Ok(list) => {
                set.exceptions
                    .extend(exception_defs(platform, "/policies/exceptions", list))
            }
            Err(e) => diags.push(
                Diagnostic::error(Code::E0201, format!("invalid exceptions: {e}"))
                    .primary(platform.span("/policies/exceptions"), "here"),
            ),
        }
    }
    read_overrides(platform, env_names, &mut set, &mut diags);
    check_exceptions(&set, env_names, service_names, &mut diags);
    (set, diags)
}

fn read_pack(doc: &Document, set: &mut PolicySet, diags: &mut Vec<Diagnostic>) {
    let pack: PackFile = match serde_json::from_value(doc.value.clone()) {
        Ok(p) => p,
        Err(e) => {
            diags.push(
                Diagnostic::error(Code::E0201, format!("invalid policy pack: {e}"))
                    .primary(doc.span(""), "here"),
            );
            return;
        }
    };
    for (i, p) in pack.policies.into_iter().enumerate() {
        let base = format!("/policies/{i}");
        let source = |key: &str| {
            let pointer = pointer_push(&base, key);
            doc.value.pointer(&pointer).map(|v| Source {
                text: v.as_str().map_or_else(|| v.to_string(), str::to_string),
                span: doc.span(&pointer),
            })
        };
        let id_span = doc.span(&pointer_push(&base, "id"));
        if let Some(first) = set.policies.iter().find(|q| q.id == p.id) {
            diags.push(
                Diagnostic::error(Code::E0303, format!("policy `{}` is defined twice", p.id))
                    .primary(id_span, "second definition")
                    .secondary(first.id_span, "first defined here")
                    .help("policy ids are unique across all packs; rename one"),
            );
            continue;
        }
        let Some(assert) = source("assert") else {
            continue;
        };
        set.policies.push(PolicyDef {
            id: p.id,
            description: p.description,
            default_level: Level::parse(&p.severity).unwrap_or(Level::Error),
            scope: if p.scope == "kubernetes" {
                Scope::Kubernetes
            } else {
                Scope::Service
            },
            kinds: p.kinds,
            when: source("when"),
            assert,
            message: source("message"),
            field: source("field"),
            waivable: p.waivable.unwrap_or(true),
            id_span,
        });
    }
    set.exceptions
        .extend(exception_defs(doc, "/exceptions", pack.exceptions));
}

fn exception_defs(doc: &Document, base: &str, list: Vec<ExceptionFile>) -> Vec<ExceptionDef> {
    list.into_iter()
        .enumerate()
        .map(|(i, e)| {
            let at = format!("{base}/{i}");
            ExceptionDef {
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
    env_names: &[String],
    set: &mut PolicySet,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(rules) = platform
        .value
        .pointer("/policies/rules")
        .and_then(Value::as_object)
    else {
        return;
    };
    let ids: Vec<&str> = set.policies.iter().map(|p| p.id.as_str()).collect();
    for (id, value) in rules {
        let at = pointer_push("/policies/rules", id);
        if !ids.contains(&id.as_str()) {
            let mut d = Diagnostic::error(
                Code::E0308,
                format!("`policies.rules` names an unknown policy `{id}`"),
            )
            .primary(platform.key_span(&at), "no policy has this id");
            d.help = did_you_mean(id, ids.iter().copied())
                .or_else(|| Some("`pave policies` lists the policies in force".into()));
            diags.push(d);
            continue;
        }
        let parsed = match value {
            Value::String(level) => Level::parse(level).map(Override::All),
            Value::Object(per_env) => {
                let mut levels = BTreeMap::new();
                for (env, level) in per_env {
                    if !env_names.contains(env) {
                        let mut d = Diagnostic::error(
                            Code::E0308,
                            format!("the platform defines no environment `{env}`"),
                        )
                        .primary(
                            platform.key_span(&pointer_push(&at, env)),
                            "unknown environment",
                        );
                        d.help = did_you_mean(env, env_names.iter().map(String::as_str));
                        diags.push(d);
                    }
                    levels.extend(
                        level
                            .as_str()
                            .and_then(Level::parse)
                            .map(|l| (env.clone(), l)),
                    );
                }
                Some(Override::PerEnv(levels))
            }
            _ => None,
        };
        let parsed = parsed.filter(|o| match set.policies.iter().find(|p| &p.id == id) {
            Some(p) if !p.waivable => refuse_lowering(platform, p, &at, o, diags),
            _ => true,
        });
        set.overrides.extend(parsed.map(|o| (id.clone(), o)));
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
        diags.push(
            Diagnostic::error(
                Code::E0310,
                format!(
                    "policy `{}` cannot be waived, so its severity cannot be lowered to `{}`",
                    p.id,
                    level.as_str()
                ),
            )
            .primary(platform.span(pointer), "lowers a policy that cannot be waived")
            .secondary(p.id_span, "declared `waivable: false` here")
            .help(format!(
                "remove this rule and fix what the policy finds; its severity stays `{}` (raising a severity is allowed)",
                p.default_level.as_str()
            )),
        );
    }
    lowered.is_empty()
}

/// Exceptions naming unknown or non-waivable policies, unknown services or
/// environments, and impossible dates are errors, whatever the date.
fn check_exceptions(
    set: &PolicySet,
    env_names: &[String],
    service_names: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    let ids: Vec<&str> = set.policies.iter().map(|p| p.id.as_str()).collect();
    for e in &set.exceptions {
        match set.policies.iter().find(|p| p.id == e.policy) {
            None => {
                let mut d = Diagnostic::error(
                    Code::E0304,
                    format!("exception names an unknown policy `{}`", e.policy),
                )
                .primary(e.policy_span, "no policy has this id");
                d.help = did_you_mean(&e.policy, ids.iter().copied());
                diags.push(d);
            }
            Some(p) if !p.waivable => diags.push(
                Diagnostic::error(
                    Code::E0304,
                    format!("policy `{}` cannot be waived", e.policy),
                )
                .primary(e.policy_span, "not waivable")
                .secondary(p.id_span, "declared `waivable: false` here")
                .help("fix the services instead; the platform team made this rule mandatory"),
            ),
            Some(_) => {}
        }
        for (names, known, what) in [
            (&e.services, service_names, "service"),
            (&e.environments, env_names, "environment"),
        ] {
            for name in names.iter().filter(|n| !known.contains(n)) {
                let mut d = Diagnostic::error(
                    Code::E0304,
                    format!(
                        "exception for `{}` names an unknown {what} `{name}`",
                        e.policy
                    ),
                )
                .primary(
                    e.policy_span,
                    format!("this exception's {what}s include `{name}`"),
                );
                d.help = did_you_mean(name, known.iter().map(String::as_str));
                diags.push(d);
            }
        }
        if e.expires.is_none() {
            diags.push(
                Diagnostic::error(Code::E0304, "exception has an impossible `expires` date")
                    .primary(e.expires_span, "not a calendar date")
                    .help("write the date as YYYY-MM-DD, e.g. 2027-03-31"),
            );
        }
    }
}
