//! The wording of the policy stage's diagnostics about pack and platform policy
//! definitions: one constructor per problem, called from `pack`.

use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::Span;

use super::Level;

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

/// An exception names a service or environment that does not exist (`what` says which).
pub(crate) fn exception_for_unknown_name(
    span: Span,
    policy: &str,
    what: &str,
    name: &str,
    known: &[String],
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::E0304,
        format!("exception for `{policy}` names an unknown {what} `{name}`"),
    )
    .primary(span, format!("this exception's {what}s include `{name}`"));
    maybe_help(d, did_you_mean(name, known.iter().map(String::as_str)))
}

/// An exception's `expires` matches the pattern but is no calendar date (`2027-02-30`).
pub(crate) fn impossible_expiry(span: Span) -> Diagnostic {
    Diagnostic::error(Code::E0304, "exception has an impossible `expires` date")
        .primary(span, "not a calendar date")
        .help("write the date as YYYY-MM-DD, e.g. 2027-03-31")
}
