//! The wording of the diagnostics about the output tree: paths pave will not touch,
//! files it does not own or takes over, a journal it cannot finish, a busy lock.
//! (The corrupt-manifest and interrupted-build messages are still built inline in
//! `plan` and `interrupted`, beside the output-roots code.)

use std::path::Path;
use std::time::Duration;

use super::safe_fs::Refusal;
use crate::diag::{Code, Diagnostic};

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
pub(crate) fn unowned(path: &str) -> Diagnostic {
    let help =
        "pave only overwrites files its manifest lists; move or delete this file, then build again";
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
