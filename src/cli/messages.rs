//! The wording of every diagnostic the CLI itself reports: usage problems
//! (E0114–E0119, E0430–E0432), drift found by `check` (E0415–E0418) and template bounds.

use std::path::Path;

use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::emit::ChangeKind;
use crate::watchdog::{self, Site, Trip};

/// `--env NAME` naming no environment: says which exist.
pub(crate) fn unknown_environment(name: &str, known: &[&str]) -> Diagnostic {
    Diagnostic::error(
        Code::E0116,
        format!(
            "no environment `{name}`; environments: {}",
            known.join(", ")
        ),
    )
    .help_if_any(did_you_mean(name, known.iter().copied()))
}

/// `pave new` run where no platform file is found.
pub(crate) fn not_in_a_platform(dir: &Path) -> Diagnostic {
    Diagnostic::error(
        Code::E0430,
        match dir == Path::new(".") {
            true => "no platform file found in this folder or its parents; nothing was written"
                .to_string(),
            false => format!(
                "no platform file found in `{}` or its parents; nothing was written",
                dir.display()
            ),
        },
    )
    .help("run `pave new` inside a platform repository, pass `--root DIR`, or start one with `pave init`")
}

/// `pave new` in a KDL platform asked for a service that exists as YAML, or the reverse.
pub(crate) fn service_file_exists(path: &Path) -> Diagnostic {
    Diagnostic::error(
        Code::E0118,
        format!(
            "the service already has a file, `{}`; nothing was written",
            path.display()
        ),
    )
    .help("edit that file, or choose another name")
}

/// `pave explain S FIELD` naming no resolved field of the service.
pub(crate) fn unknown_explained_field(field: &str, service: &str, known: &[String]) -> Diagnostic {
    Diagnostic::error(
        Code::E0431,
        format!("`{service}` has no resolved field `{field}`"),
    )
    .help(
        did_you_mean(field, known.iter().map(String::as_str)).unwrap_or_else(|| {
            "run `pave explain` without a field to list them, or name an object: `pave explain SERVICE deployment spec.replicas`".into()
        }),
    )
}

/// `pave explain S OBJECT PATH` naming an object kind the service does not render.
pub(crate) fn ambiguous_explained_object(kind: &str, path: &str, named: &[String]) -> Diagnostic {
    Diagnostic::error(
        Code::E0431,
        format!("{} {kind} objects have `{path}`", named.len()),
    )
    .help(format!(
        "name one as kubectl does: {}",
        named.join(", ").to_lowercase()
    ))
}

pub(crate) fn unknown_explained_object(
    kind: &str,
    service: &str,
    env: &str,
    known: &[&str],
) -> Diagnostic {
    Diagnostic::error(
        Code::E0431,
        format!("`{service}` has no `{kind}` object in {env}"),
    )
    .help(match known.is_empty() {
        true => "the service renders no Kubernetes objects (is `targets.kubernetes` off?)".into(),
        false => format!("its objects: {}", known.join(", ")),
    })
}

/// `pave explain S OBJECT PATH` whose path leaves the object at `key`.
pub(crate) fn unknown_object_path(
    path: &str,
    kind: &str,
    walked: &str,
    key: &str,
    known: &[String],
) -> Diagnostic {
    let at = if walked.is_empty() {
        "the top".to_string()
    } else {
        format!("`{walked}`")
    };
    Diagnostic::error(
        Code::E0431,
        format!("the {kind} has no `{path}`: no `{key}` at {at}"),
    )
    .help(
        did_you_mean(key, known.iter().map(String::as_str))
            .unwrap_or_else(|| format!("keys there: {}", known.join(", "))),
    )
}

/// `pave modules TYPE` naming no module type.
pub(crate) fn unknown_module_type(kind: &str, known: &[&str]) -> Diagnostic {
    Diagnostic::error(Code::E0432, format!("no module type `{kind}`")).help(
        did_you_mean(kind, known.iter().copied())
            .unwrap_or_else(|| format!("module types: {}", known.join(", "))),
    )
}

pub(crate) fn not_a_directory(root: &Path) -> Diagnostic {
    Diagnostic::error(
        Code::E0114,
        format!("`{}` is not a directory", root.display()),
    )
    .help("pass `--root DIR` with the folder that holds the platform file")
}

pub(crate) fn tree_not_a_directory(tree: &Path) -> Diagnostic {
    Diagnostic::error(
        Code::E0114,
        format!("`--tree {}` is not a directory", tree.display()),
    )
    .help("pass `--tree DIR` with the folder the output tree goes into (build makes a missing one)")
}

pub(crate) fn warnings_denied() -> Diagnostic {
    Diagnostic::error(Code::E0115, "warnings are denied (--deny-warnings)")
        .help("fix the warnings above, or run without `--deny-warnings`")
}

/// `--env NAME` or `--service NAME` names nothing the platform has.
/// The help names a close match, or else the names there are.
pub(crate) fn unknown_filter(what: &str, name: &str, known: &[&str]) -> Diagnostic {
    Diagnostic::error(Code::E0116, format!("no {what} named `{name}`"))
        .help(close_or_listed(what, name, known))
}

/// A close match to `name`, or the first few of `known` (a platform can have hundreds
/// of services).
fn close_or_listed(what: &str, name: &str, known: &[&str]) -> String {
    const SHOWN: usize = 8;
    did_you_mean(name, known.iter().copied()).unwrap_or_else(|| {
        let names: Vec<String> = known.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
        match known.len() {
            0 => format!("the platform has no {what} yet"),
            n if n <= SHOWN => format!("the {what} names are {}", names.join(", ")),
            n => format!(
                "the {what} names include {} and {} more",
                names.join(", "),
                n - SHOWN
            ),
        }
    })
}

/// `explain SERVICE` names no service in the selected environments.
pub(crate) fn unknown_explained_service(name: &str, known: &[&str]) -> Diagnostic {
    Diagnostic::error(
        Code::E0116,
        format!("no service `{name}` in the selected environments"),
    )
    .help(close_or_listed("service", name, known))
}

/// `--format F` given to a command that cannot produce it.
pub(crate) fn format_not_for(command: &str, format: &str, allowed: &[&str]) -> Diagnostic {
    Diagnostic::error(
        Code::E0117,
        format!("`pave {command}` cannot print `--format {format}`"),
    )
    .help(match allowed.is_empty() {
        true => format!("`pave {command}` takes no `--format`"),
        false => format!("`pave {command}` prints --format {}", allowed.join("|")),
    })
}

/// `--output FILE` where no machine-format document is written.
pub(crate) fn output_without_format() -> Diagnostic {
    Diagnostic::error(
        Code::E0117,
        "`--output` writes the diagnostics of `--format json|sarif|github`",
    )
    .help("add `--format json`, `--format sarif` or `--format github`, or drop `--output`")
}

/// What the command-line parser refused (an unknown flag, a bad value).
pub(crate) fn command_line_error(message: &str, help: &str) -> Diagnostic {
    let d = Diagnostic::error(Code::E0117, message.to_string());
    match help.is_empty() {
        true => d,
        false => d.help(help.to_string()),
    }
}

/// `--tree` inside an input folder.
pub(crate) fn tree_among_inputs(folder: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0117,
        format!("`--tree` is inside the input folder `{folder}/`"),
    )
    .note("the next build would read the tree's files as inputs")
    .help("give `--tree` a folder outside `services/`, `policies/` and `modules/`, or leave it out to build into the repository")
}

/// `--dry-run` given to a command that never writes.
pub(crate) fn dry_run_not_for(command: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0117,
        format!("`pave {command}` never writes, so it takes no `--dry-run`"),
    )
    .help("`--dry-run` is for `pave build`: it compiles and plans, and writes nothing")
}

/// `--output FILE` on a command whose `--format` output is its data, not diagnostics.
pub(crate) fn output_for_data(command: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0117,
        format!("`pave {command}` prints its data on stdout; `--output` writes the diagnostics document of `build`, `check`, `lint`, `init` and `new`"),
    )
    .help(format!("redirect stdout instead: `pave {command} ... > FILE`"))
}

pub(crate) fn unknown_schema(kind: &str) -> Diagnostic {
    Diagnostic::error(Code::E0117, format!("no schema named `{kind}`"))
        .help("the schemas are platform, service, policy and module")
}

pub(crate) fn platform_file_exists(dir: &Path) -> Diagnostic {
    Diagnostic::error(
        Code::E0118,
        format!(
            "`{}` already has a platform file; nothing was written",
            dir.display()
        ),
    )
}

pub(crate) fn not_a_dns_label(name: &str, suggestion: &str) -> Diagnostic {
    Diagnostic::error(Code::E0118, format!("`{name}` is not a DNS-1123 label"))
        .help(format!("try `{suggestion}`"))
}

pub(crate) fn not_an_owner(owner: &str) -> Diagnostic {
    Diagnostic::error(Code::E0118, format!("`{owner}` is not a team name pave accepts"))
        .help("an owner is a label value: 1 to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit, e.g. `team-payments`")
}

pub(crate) fn not_an_image(image: &str) -> Diagnostic {
    Diagnostic::error(Code::E0118, format!("`{image}` is not an image reference"))
        .help("an image reference has no spaces, e.g. `ghcr.io/acme/api:1.2.3`")
}

pub(crate) fn file_exists(path: &Path) -> Diagnostic {
    Diagnostic::error(
        Code::E0118,
        format!("`{}` already exists; nothing was written", path.display()),
    )
}

pub(crate) fn cannot_write(what: &str, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::E0119, format!("cannot write {what}: {error}"))
}

/// One drifted file of `check`: what differs, and the command that updates it.
pub(crate) fn drift(kind: ChangeKind, path: &str, fix_command: &str) -> Diagnostic {
    let (code, what) = match kind {
        ChangeKind::Changed => (Code::E0415, "differs from what the sources compile to"),
        ChangeKind::Missing => (Code::E0416, "is missing from the output tree"),
        ChangeKind::Stale => (Code::E0417, "is stale: the sources no longer produce it"),
        ChangeKind::HandEdited => (Code::E0418, "was edited by hand since pave wrote it"),
    };
    Diagnostic::error(code, format!("`{path}` {what}"))
        .in_file(path)
        .help(format!("run `{fix_command}` to update the output tree"))
}

/// A template evaluation past the watchdog's time or memory bound.
pub(crate) fn template_bound(site: Site, trip: Trip) -> Diagnostic {
    let code = match site.owner {
        watchdog::Owner::Policy => Code::E0309,
        watchdog::Owner::Module => Code::E0530,
    };
    let what = match trip {
        Trip::Time => format!(
            "template evaluation ran longer than {} s",
            watchdog::TIME_LIMIT.as_secs()
        ),
        Trip::Memory => format!(
            "template evaluation used more than {} GiB of memory",
            watchdog::MEMORY_LIMIT >> 30
        ),
    };
    Diagnostic::error(code, what)
        .primary(site.span, "this template")
        .help("a single built-in operation is not metered by fuel: repeating (`*`) or concatenating (`~`) strings and lists inside loops can grow without bound; simplify the template")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_drift_kind_has_its_code_names_the_file_and_the_fix() {
        let fix = "pave build --root .";
        let cases = [
            (ChangeKind::Changed, Code::E0415),
            (ChangeKind::Missing, Code::E0416),
            (ChangeKind::Stale, Code::E0417),
            (ChangeKind::HandEdited, Code::E0418),
        ];
        for (kind, code) in cases {
            let d = drift(kind, "generated/a.yaml", fix);
            assert_eq!(d.code, code);
            assert!(d.is_error());
            assert_eq!(d.file.as_deref(), Some("generated/a.yaml"));
            assert!(d.message.contains("`generated/a.yaml`"), "{}", d.message);
            assert_eq!(
                d.help.as_deref(),
                Some("run `pave build --root .` to update the output tree")
            );
        }
    }

    #[test]
    fn unknown_filters_suggest_a_close_name() {
        let d = unknown_filter("environment", "prd", &["dev", "prod"]);
        assert_eq!(d.code, Code::E0116);
        assert_eq!(d.message, "no environment named `prd`");
        assert_eq!(d.help.as_deref(), Some("did you mean `prod`?"));
        let help = |known: &[&str]| unknown_filter("service", "zzz", known).help.unwrap();
        assert_eq!(help(&["api"]), "the service names are `api`");
        assert_eq!(help(&[]), "the platform has no service yet");
        let many = ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "b1"];
        assert_eq!(
            help(&many),
            "the service names include `a1`, `a2`, `a3`, `a4`, `a5`, `a6`, `a7`, `a8` and 2 more"
        );
    }
}
