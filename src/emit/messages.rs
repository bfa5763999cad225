//! The wording of the diagnostics about the output tree: paths pave will not touch,
//! files it does not own or takes over, a journal it cannot finish, a busy lock; and
//! what a change destroys (E0420–E0425).
//! (The corrupt-manifest and interrupted-build messages are still built inline in
//! `plan` and `interrupted`, beside the output-roots code.)

use std::path::Path;
use std::time::Duration;

use super::blast::Allowed;
use super::safe_fs::Refusal;
use crate::diag::{Code, Diagnostic};
use crate::inventory::{HostMove, TerraformResource};
use crate::resolve::AllowDestroy;

pub(crate) fn shared_file_ahead(
    (shared, scope): (&str, &crate::output::Scope),
    behind: &str,
    more: usize,
    to_add: Option<Vec<String>>,
) -> Diagnostic {
    let (others, which) = match more {
        0 => (
            String::new(),
            "it; the shared file may name it or what it declares",
        ),
        n => (
            format!(" and {n} more"),
            "them; the shared file may name them or what they declare",
        ),
    };
    let shared_by = match (&scope.env, &scope.service) {
        // Not "every service": an AlertmanagerConfig or a Namespace covers the services
        // of one namespace (and team), a kustomization all of them.
        (Some(env), None) => format!(
            "it belongs to `{env}`, not to one service: it is rendered from the sources of every service it covers"
        ),
        (None, Some(service)) => format!("it is `{service}`'s file for every environment"),
        _ => "it is rendered from the sources of every service and environment".to_string(),
    };
    let help = match to_add {
        Some(args) if !args.is_empty() => format!(
            "add `{}` to build those parts too, or run `pave build` without `--service`/`--env`",
            args.join(" ")
        ),
        Some(_) => "run `pave build` without `--service`/`--env`".to_string(),
        // A removed environment's or service's files: no filter can name them.
        None => "files of an environment or service no longer in the sources are among them, and no `--service`/`--env` can name those: run `pave build` without them".to_string(),
    };
    Diagnostic::error(
        Code::E0414,
        "a narrowed build would leave the files every part shares out of step with the rest of the tree; nothing is written",
    )
    .in_file(shared.to_string())
    .note(format!("`{shared}` is shared beyond `--service`/`--env`: {shared_by}, and would change"))
    .note(format!("`{behind}`{others} outside them would change or be removed too, and this build does not write {which}"))
    .help(help)
}

/// A narrowed build would write `service`'s files while those of a service it needs,
/// or that needs it (`now`: after the change; else only before it), stay behind.
pub(crate) fn peer_behind(
    written: &str,
    service: &str,
    peer_file: &str,
    peer: &str,
    (how, now): (super::plan::Peer, bool),
    peer_still_there: bool,
) -> Diagnostic {
    let (caller, callee) = match how {
        super::plan::Peer::Needs => (service, peer),
        super::plan::Peer::NeededBy => (peer, service),
    };
    let relation = match now {
        true => format!("`{caller}` needs `{callee}`"),
        false => format!("`{caller}` needed `{callee}` before this change"),
    };
    let help = match peer_still_there {
        true => {
            format!("add `--service {peer}` to build both, or run `pave build` without filters")
        }
        false => format!(
            "`{peer}` is no longer a service there, so no filter can name it: run `pave build` without `--service`"
        ),
    };
    Diagnostic::error(
        Code::E0414,
        format!("a narrowed build would write `{service}` without `{peer}`, whose files are behind the sources, and {relation}; nothing is written"),
    )
    .in_file(written.to_string())
    .note(format!("`{written}` would change; a service's objects read its peers' sources: its URLs carry the address and port of each service it needs, and its NetworkPolicy lets in each service that needs it"))
    .note(format!("`{peer_file}` would change or be removed too, and this build does not write it"))
    .help(help)
}

pub(crate) fn two_files_at_one_path(path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0413,
        format!("two generated files have the path `{path}`; one would replace the other"),
    )
    .in_file(path.to_string())
    .help("two sources render to the same file: rename one of them (a service named like a file pave writes for the environment, for example)")
}

pub(crate) fn bad_journal(path: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0408,
        format!("`{path}` is not a journal pave can finish: {why}"),
    )
    .in_file(path.to_string())
    .help("restore the output folder from version control, delete the journal, then build again")
}

/// A failure after the journal was written: the next build finishes the switch.
pub(crate) fn interrupted_by(r: Refusal) -> Diagnostic {
    let d = refusal(r);
    let help = format!(
        "{}; the build journal is kept, and the next `pave build` finishes this build",
        d.help.as_deref().unwrap_or_default()
    );
    d.help(help)
}

/// The diagnostic for a path pave will not touch.
pub(crate) fn refusal(r: Refusal) -> Diagnostic {
    match r {
        Refusal::Symlink(path) => Diagnostic::error(
            Code::E0405,
            format!("`{path}` is a symlink; pave never follows symlinks in the output tree"),
        )
        .in_file(path)
        .help("replace the symlink with a real folder or file (or delete it), then build again"),
        Refusal::InTheWay(path, folder) => {
            let what = if folder {
                "a folder where pave writes a file"
            } else {
                "a file where pave needs a folder"
            };
            Diagnostic::error(Code::E0406, format!("`{path}` is {what}"))
                .in_file(path)
                .help("move or delete it, then build again")
        }
        Refusal::NotRegular(path) => Diagnostic::error(
            Code::E0406,
            format!("`{path}` is a FIFO, socket or device where pave writes a file"),
        )
        .in_file(path)
        .help("move or delete it, then build again"),
        Refusal::Io(path, e) => Diagnostic::error(
            Code::E0401,
            format!("cannot read or write `{path}`: {e}"),
        )
        .in_file(path)
        .help(
            "fix the file system problem (space, permissions, file size limit), then build again",
        ),
    }
}

/// `build --tree DIR` could not make the missing `DIR`.
pub(crate) fn tree_folder_not_made(dir: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        Code::E0401,
        format!("cannot make the tree folder `{}`: {e}", dir.display()),
    )
    .help("create the folder (or its parent), or pass another `--tree`, then build again")
}

/// Another run holds the tree's lock after `waited`.
pub(crate) fn busy(dir: &Path, waited: Duration) -> Diagnostic {
    Diagnostic::error(
        Code::E0409,
        format!(
            "another pave build is writing the output tree in `{}` (waited {} s)",
            dir.display(),
            waited.as_secs()
        ),
    )
    .help("wait for the other build to finish, then run this command again")
}

/// A file pave would write exists with other bytes and its manifest does not list it.
/// `no_manifest_at`: the tree has no manifest, which is where pave records the files
/// it writes outside the output folder (`atlantis.yaml`, workflows), and this file is
/// one of those; usually `output:` changed, or the output folder was deleted, after an
/// earlier build wrote it, so the help says that.
pub(crate) fn unowned(path: &str, no_manifest_at: Option<&str>) -> Diagnostic {
    let help = match no_manifest_at {
        None => "pave only overwrites files its manifest lists; move or delete this file, then build again".to_string(),
        Some(manifest) => format!(
            "pave records the files it writes outside the output folder in the output folder's manifest, and there is none at `{manifest}`; if an earlier build wrote this file before `output:` changed or the output folder was deleted, delete it and build again (pave writes it anew), otherwise move it away"
        ),
    };
    Diagnostic::error(
        Code::E0403,
        format!("`{path}` exists and pave does not own it"),
    )
    .in_file(path.to_string())
    .help(help)
}

/// A file pave would write exists, unlisted, with exactly pave's bytes: usually a
/// root-level output (`atlantis.yaml`, a workflow) left after the output folder, and
/// the manifest in it, were deleted. Taking it over changes no byte, but from now on
/// pave may delete it when the sources stop producing it, so it says so, never silently.
pub(crate) fn adopted(path: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::E0410,
        format!("`{path}` was not written by pave but holds exactly what pave writes; pave now owns it"),
    )
    .in_file(path.to_string())
    .help("pave will update it with the sources and delete it when they stop producing it; if that is not wanted, move it away and build again")
}

pub(crate) fn outside_roots(path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0402,
        format!("refusing to write `{path}`: it is outside the output roots"),
    )
    .in_file(path.to_string())
    .help("this is a bug in pave; please report it")
}

/// What a removed resource is, for messages: "the postgres `shop-prod-api-db` of
/// service `api`, need `db`".
fn destroyed_words(target: &str, r: &TerraformResource) -> String {
    let mut parts = target.splitn(3, '/').skip(1);
    let (service, need) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let kind = r.module.as_deref().unwrap_or("resource");
    let name = r
        .physical
        .as_deref()
        .map(|p| format!(" `{p}`"))
        .unwrap_or_default();
    format!("the {kind}{name} of service `{service}`, need `{need}`,")
}

pub(crate) fn destroy_refused(target: &str, r: &TerraformResource, file: &str) -> Diagnostic {
    let env = target.split('/').next().unwrap_or_default();
    Diagnostic::error(
        Code::E0420,
        format!(
            "this change destroys {} in protected environment `{env}`",
            destroyed_words(target, r)
        ),
    )
    .in_file(file.to_string())
    .note(format!("Terraform destroys `{}` and its data is lost", r.address))
    .help(format!(
        "a rename? add `renamed_from` so the resource keeps its name; intended? run `pave build --allow-destroy {target}` or add an `allow_destroy` entry (target, reason, expires) to the platform file"
    ))
}

pub(crate) fn destroy_warned(
    target: &str,
    r: &TerraformResource,
    file: &str,
    protected: bool,
    allowed: Option<Allowed>,
) -> Diagnostic {
    let env = target.split('/').next().unwrap_or_default();
    let d = Diagnostic::warning(
        Code::E0421,
        format!(
            "this change destroys {} in environment `{env}`",
            destroyed_words(target, r)
        ),
    )
    .in_file(file.to_string())
    .note(format!(
        "Terraform destroys `{}` and its data is lost",
        r.address
    ));
    match (protected, allowed) {
        (_, Some(Allowed::Flag)) => d.note(format!("allowed by `--allow-destroy {target}`")),
        (_, Some(Allowed::Entry(e))) => d.primary(e.target_span, "allowed here").note(format!(
            "allowed by `allow_destroy` until {}: {}",
            e.expires, e.reason
        )),
        (false, None) => d.note(format!(
            "`{env}` is not protected, so the resource is pruned; where protected this is an error"
        )),
        (true, None) => d,
    }
}

pub(crate) fn host_changes_hands(env: &str, moved: &HostMove) -> Diagnostic {
    Diagnostic::warning(
        Code::E0425,
        format!(
            "hostname `{}` moves from service `{}` to service `{}` in environment `{env}`",
            moved.host, moved.from, moved.to
        ),
    )
    .help("traffic for this host goes to the new service as soon as the change is applied; make sure that is intended")
}

pub(crate) fn unknown_allow_destroy(
    given: &str,
    well_formed: bool,
    known: &std::collections::BTreeSet<String>,
) -> Diagnostic {
    let message = match well_formed {
        true => {
            format!("`--allow-destroy {given}` names no need of the output tree or the sources")
        }
        false => format!("`--allow-destroy {given}` is not `env/service/need`"),
    };
    let fallback = match known.is_empty() {
        true => "no need has Terraform resources, so nothing can be destroyed".to_string(),
        false => format!(
            "a target is `env/service/need`, one of: {}",
            known
                .iter()
                .take(8)
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diagnostic::error(Code::E0422, message).help(
        crate::diag::did_you_mean(given, known.iter().map(String::as_str)).unwrap_or(fallback),
    )
}

pub(crate) fn allow_destroy_expired(e: &AllowDestroy, days_ago: i64) -> Diagnostic {
    Diagnostic::error(
        Code::E0424,
        format!("`allow_destroy` for `{}` expired on {} ({days_ago} day(s) ago)", e.target, e.expires),
    )
    .primary(e.expires_span, "expired")
    .secondary(e.target_span, format!("reason given: {}", e.reason))
    .help("remove the entry if the destruction happened; otherwise renew it with a new date and a review of the reason")
}

pub(crate) fn allow_destroy_bad_date(e: &AllowDestroy) -> Diagnostic {
    Diagnostic::error(
        Code::E0424,
        format!(
            "`allow_destroy` for `{}` expires on an impossible date",
            e.target
        ),
    )
    .primary(e.expires_span, "no such day")
    .help("write a calendar date, YYYY-MM-DD, such as 2027-01-31")
}

#[cfg(test)]
mod tests {
    use crate::output::Scope;

    /// An environment's shared file is not said to come from every service: an
    /// AlertmanagerConfig covers one namespace's services for one team.
    #[test]
    fn an_environments_shared_file_is_said_to_belong_to_the_environment() {
        let scope = Scope {
            env: Some("prod".into()),
            service: None,
        };
        let shared = "generated/kubernetes/prod/alertmanagerconfig-shop.team-a.yaml";
        let d = super::shared_file_ahead((shared, &scope), "generated/x.yaml", 0, None);
        let notes = d.notes.join("\n");
        assert!(
            notes.contains("it belongs to `prod`, not to one service: it is rendered from the sources of every service it covers"),
            "{notes}"
        );
        assert!(!notes.contains("every service in"), "{notes}");
    }
}
