//! The wording of the policy stage's diagnostics: pack and platform policy
//! definitions (called from `pack`), evaluation errors, findings and exceptions
//! (called from the stage in `mod.rs`). One constructor per problem.

use std::fmt::Display;

use minijinja::value::{Value, ValueKind};

use super::{Level, PolicyDef};
use crate::diag::{Code, Diagnostic, Severity, did_you_mean};
use crate::source::Span;
use crate::template_budget::Exceeded;

/// Adds a help line when there is one.
fn maybe_help(d: Diagnostic, help: Option<String>) -> Diagnostic {
    match help {
        Some(help) => d.help(help),
        None => d,
    }
}

/// `policies.packs` names no built-in pack.
pub(crate) fn unknown_pack(span: Span, name: &str, known: &[&str]) -> Diagnostic {
    let help = did_you_mean(name, known.iter().copied()).unwrap_or_else(|| {
        format!(
            "built-in packs: {}; put your own packs in `policies/`",
            known.join(", ")
        )
    });
    Diagnostic::error(
        Code::E0307,
        format!("no built-in policy pack named `{name}`"),
    )
    .primary(span, "unknown pack")
    .help(help)
}

/// Two packs (or one pack twice) define the same policy id.
pub(crate) fn defined_twice(id: &str, second: Span, first: Span) -> Diagnostic {
    Diagnostic::error(Code::E0303, format!("policy `{id}` is defined twice"))
        .primary(second, "second definition")
        .secondary(first, "first defined here")
        .help("policy ids are unique across all packs; rename one")
}

/// `policies.rules` names a policy no pack defines.
pub(crate) fn rule_for_unknown_policy(span: Span, id: &str, ids: &[&str]) -> Diagnostic {
    let help = did_you_mean(id, ids.iter().copied())
        .unwrap_or_else(|| "`pave policies` lists the policies in force".into());
    Diagnostic::error(
        Code::E0308,
        format!("`policies.rules` names an unknown policy `{id}`"),
    )
    .primary(span, "no policy has this id")
    .help(help)
}

/// A per-environment level names an environment the platform does not define.
pub(crate) fn rule_for_unknown_environment(span: Span, env: &str, envs: &[String]) -> Diagnostic {
    let d = Diagnostic::error(
        Code::E0308,
        format!("the platform defines no environment `{env}`"),
    )
    .primary(span, "unknown environment");
    maybe_help(d, did_you_mean(env, envs.iter().map(String::as_str)))
}

/// A rule lowers the level of a policy declared `waivable: false`.
pub(crate) fn cannot_lower(
    span: Span,
    id: &str,
    lowered_to: Level,
    own: Level,
    declared: Span,
) -> Diagnostic {
    Diagnostic::error(
        Code::E0310,
        format!(
            "policy `{id}` cannot be waived, so its severity cannot be lowered to `{}`",
            lowered_to.as_str()
        ),
    )
    .primary(span, "lowers a policy that cannot be waived")
    .secondary(declared, "declared `waivable: false` here")
    .help(format!(
        "remove this rule and fix what the policy finds; its severity stays `{}` (raising a severity is allowed)",
        own.as_str()
    ))
}

/// An exception names a policy no pack defines.
pub(crate) fn exception_for_unknown_policy(span: Span, policy: &str, ids: &[&str]) -> Diagnostic {
    let d = Diagnostic::error(
        Code::E0304,
        format!("exception names an unknown policy `{policy}`"),
    )
    .primary(span, "no policy has this id");
    maybe_help(d, did_you_mean(policy, ids.iter().copied()))
}

/// An exception names a policy declared `waivable: false`.
pub(crate) fn exception_not_waivable(span: Span, policy: &str, declared: Span) -> Diagnostic {
    Diagnostic::error(Code::E0304, format!("policy `{policy}` cannot be waived"))
        .primary(span, "not waivable")
        .secondary(declared, "declared `waivable: false` here")
        .help("fix the services instead; the platform team made this rule mandatory")
}

/// An exception names a service that does not exist (any more): it waives nothing for
/// it, and a deleted service must not need a platform edit, so this only warns.
pub(crate) fn exception_for_missing_service(
    span: Span,
    policy: &str,
    name: &str,
    known: &[String],
) -> Diagnostic {
    Diagnostic::warning(
        Code::E0305,
        format!("exception for `{policy}` names `{name}`, which matches no service"),
    )
    .primary(span, "no service has this name")
    .help(
        did_you_mean(name, known.iter().map(String::as_str))
            .unwrap_or_else(|| format!("remove `{name}` from the exception")),
    )
}

/// An exception names an environment the platform does not define.
pub(crate) fn exception_for_unknown_environment(
    span: Span,
    policy: &str,
    name: &str,
    known: &[String],
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::E0304,
        format!("exception for `{policy}` names an unknown environment `{name}`"),
    )
    .primary(span, "no environment has this name");
    maybe_help(d, did_you_mean(name, known.iter().map(String::as_str)))
}

/// An exception's `expires` matches the pattern but is no calendar date (`2027-02-30`).
pub(crate) fn impossible_expiry(span: Span) -> Diagnostic {
    Diagnostic::error(Code::E0304, "exception has an impossible `expires` date")
        .primary(span, "not a calendar date")
        .help("write the date as YYYY-MM-DD, e.g. 2027-03-31")
}

/// A policy's expression or template does not compile or fails to evaluate.
pub(crate) fn invalid_expression(span: Span, id: &str, what: &str, detail: &str) -> Diagnostic {
    Diagnostic::error(Code::E0302, format!("policy `{id}`: {what}: {detail}"))
        .primary(span, "here")
        .help("expressions are minijinja; names are `service`, `env`, `platform`, and for scope kubernetes `object` and `objects`")
}

/// An expression reads an attribute its parent (a mapping of the context) lacks.
pub(crate) fn undefined_attribute(
    span: Span,
    id: &str,
    parent: &str,
    attr: &str,
    known: &[String],
) -> Diagnostic {
    let help = did_you_mean(attr, known.iter().map(String::as_str)).unwrap_or_else(|| {
        let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
        format!("`{parent}` has: {}", list.join(", "))
    });
    Diagnostic::error(
        Code::E0302,
        format!("policy `{id}`: `{parent}` has no attribute `{attr}`"),
    )
    .primary(span, "undefined")
    .help(help)
}

/// A policy's expression or template stopped at an evaluation bound.
pub(crate) fn evaluation_stopped(span: Span, id: &str, bound: Exceeded) -> Diagnostic {
    Diagnostic::error(
        Code::E0309,
        format!("policy `{id}`: evaluation stopped: {}", bound.describe()),
    )
    .primary(span, "evaluation stopped here")
    .help(bound.help())
}

/// A `when` or `assert` evaluated to something other than a boolean.
pub(crate) fn not_a_boolean(span: Span, id: &str, kind: ValueKind, value: &Value) -> Diagnostic {
    Diagnostic::error(
        Code::E0302,
        format!("policy `{id}`: the expression must evaluate to a boolean, not {kind}"),
    )
    .primary(span, format!("evaluates to `{value}`"))
    .help(
        "compare explicitly, e.g. `service.replicas >= 2`, `x is not none` or `items | length > 0`",
    )
}

/// An exception's date has passed.
pub(crate) fn exception_expired(
    span: Span,
    policy: &str,
    expires: impl Display,
    days_ago: i64,
    policy_span: Span,
    reason: &str,
    blocks: bool,
) -> Diagnostic {
    let message = format!("exception for `{policy}` expired on {expires}");
    // Where the policy is only a warning, so is the expiry: it must not fail a build.
    let d = match blocks {
        true => Diagnostic::error(Code::E0304, message),
        false => Diagnostic::warning(Code::E0304, message),
    };
    d.primary(span, format!("expired {days_ago} day(s) ago"))
        .secondary(policy_span, format!("reason given: {reason}"))
        .help(
            "fix what the exception covers, or renew it with a new date and a review of the reason",
        )
}

/// An exception waived no finding in this run.
pub(crate) fn exception_matches_nothing(span: Span, policy: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::E0305,
        format!("exception for `{policy}` matches nothing"),
    )
    .primary(span, "no finding is waived by this exception")
    .help("remove it: the services it covers now pass the policy")
}

/// An exception expires within the warning window (`pave lint`).
pub(crate) fn exception_expiring(
    span: Span,
    policy: &str,
    days_left: i64,
    expires: impl Display,
) -> Diagnostic {
    Diagnostic::warning(
        Code::E0306,
        format!("exception for `{policy}` expires in {days_left} day(s), on {expires}"),
    )
    .primary(span, "expires soon")
    .help("plan the fix or the renewal now")
}

/// A failed assertion, before it is located: error or warning by the policy's level.
pub(crate) fn finding(p: &PolicyDef, message: &str, severity: Severity) -> Diagnostic {
    let mut d = Diagnostic::error(Code::E0301, format!("{}: {message}", p.id));
    d.severity = severity;
    d.rule = Some(crate::diag::Rule {
        id: p.id.clone(),
        description: p.description.clone(),
    });
    d.help(match p.waivable {
        true => format!(
            "{} (policy `{}`; the platform team can waive it with an exception)",
            p.description, p.id
        ),
        false => format!("{} (policy `{}` cannot be waived)", p.description, p.id),
    })
}
