//! What a plan's blast radius means: removing a stateful resource is a warning where
//! the environment is unprotected and an error where it is protected, unless the run
//! allows that need (`--allow-destroy env/service/need`) or an unexpired
//! `allow_destroy` entry of the platform file does. A hostname that moves from one
//! service to another is a warning. `build` refuses before writing on any error here;
//! `check` reports the same findings.

use super::Plan;
use super::messages;
use crate::diag::Diagnostic;
use crate::policy::Date;
use crate::resolve::{AllowDestroy, Platform};

/// Who allowed a destruction.
pub(crate) enum Allowed<'a> {
    Flag,
    Entry(&'a AllowDestroy),
}

/// The findings of `plan`'s blast radius, and the problems of the `allow_destroy`
/// entries themselves (an impossible or past expiry), checked against `today`.
pub(crate) fn assess(
    plan: &Plan,
    platform: &Platform,
    flags: &[String],
    today: Date,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut valid = Vec::new();
    for entry in &platform.allow_destroy {
        match Date::parse(&entry.expires) {
            None => diags.push(messages::allow_destroy_bad_date(entry)),
            Some(date) if today.days_until(date) < 0 => diags.push(
                messages::allow_destroy_expired(entry, -today.days_until(date)),
            ),
            Some(_) => valid.push(entry),
        }
    }
    for (env, blast, removed) in plan.blast.destroyed() {
        let Some(need) = removed.item.need.as_deref() else {
            continue;
        };
        let target = format!("{env}/{}/{need}", removed.service);
        let allowed = match flags.contains(&target) {
            true => Some(Allowed::Flag),
            false => valid
                .iter()
                .find(|e| e.target == target)
                .map(|e| Allowed::Entry(e)),
        };
        let file = format!("{}/{}.tf", plan.layout.terraform_dir(env), removed.service);
        diags.push(match (blast.protected, allowed) {
            (true, None) => messages::destroy_refused(&target, &removed.item, &file),
            (protected, allowed) => {
                messages::destroy_warned(&target, &removed.item, &file, protected, allowed)
            }
        });
    }
    for (env, blast) in &plan.blast.environments {
        for moved in &blast.hosts_changing_hands {
            diags.push(messages::host_changes_hands(env, moved));
        }
    }
    diags
}

/// `--allow-destroy` values that are not `env/service/need` or name no need the old
/// or the new tree has: one diagnostic each.
pub(crate) fn unknown_flags(plan: &Plan, flags: &[String]) -> Vec<Diagnostic> {
    flags
        .iter()
        .filter(|f| !plan.needs.contains(*f))
        .map(|f| {
            let well_formed = f.split('/').count() == 3 && f.split('/').all(|p| !p.is_empty());
            messages::unknown_allow_destroy(f, well_formed, &plan.needs)
        })
        .collect()
}
