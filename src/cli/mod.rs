//! The commands behind the CLI: run the pipeline, print reports, and turn every
//! failure into a [`Diagnostic`] printed in the chosen `--format`.
//!
//! Exit codes are decided in one place, [`Exit::for_failure`]: 0 success; 1 errors in
//! the sources, drift or denied warnings; 2 usage and I/O errors. `main.rs` only
//! parses arguments; each command lives in its own module:
//! `tree` (build, check, diff), `explain`, `graph`, `policies`, `scaffold` (init, new).

mod blast;
mod explain;
mod graph;
mod messages;
mod modules;
mod policies;
mod report;
mod scaffold;
mod tree;

use std::path::Path;

pub use blast::Report;
pub use explain::{Query, explain};
pub use graph::{GraphFormat, graph};
pub use modules::modules;
pub use policies::{Selection, policies};
pub use scaffold::{init, new_service};
pub use tree::{Options, build, check, diff};
// The argument types `main` builds.
pub use crate::diag::Format;
pub use crate::policy::Date;
pub use crate::release::process_ends_without_freeing;

use crate::diag::{self, Code, Diagnostic};
use crate::output::OutputTree;
use crate::policy;
use crate::resolve::Model;
use crate::source::SourceMap;
use crate::watchdog;
use crate::{Compilation, compile, schema};

/// How a command ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok,
    /// Errors in the sources, drift, or denied warnings.
    Failed,
    /// A usage error, or a file that could not be read or written.
    Usage,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
        }
    }

    /// The exit of a command stopped by `diags`: usage and I/O problems exit 2,
    /// everything else 1. The one place exit codes are decided.
    pub(crate) fn for_failure(diags: &[Diagnostic]) -> Exit {
        let usage_or_io = diags.iter().any(|d| {
            matches!(
                d.code,
                Code::E0101
                    | Code::E0106
                    | Code::E0114
                    | Code::E0116
                    | Code::E0117
                    | Code::E0118
                    | Code::E0119
                    | Code::E0401
                    | Code::E0409
                    | Code::E0422
                    | Code::E0430
                    | Code::E0431
                    | Code::E0432
            )
        });
        if usage_or_io {
            Exit::Usage
        } else {
            Exit::Failed
        }
    }
}

/// Settings every command shares: how diagnostics are printed and policy options.
#[derive(Clone, Copy)]
pub struct Output {
    /// The format diagnostics are printed in.
    pub format: Format,
    /// Diagnostics are one machine-format document, written at the end on stdout or
    /// to `report_file` (see `report`); otherwise they are printed on stderr as they
    /// come (human text, and the diagnostics of commands whose stdout is their data).
    pub collect: bool,
    /// `--output FILE`: where the collected document goes instead of stdout.
    pub report_file: Option<&'static Path>,
    pub color: bool,
    /// The date exceptions are checked against (`--today`, else the clock).
    pub today: Date,
    /// Warnings fail the run (`--deny-warnings`).
    pub deny_warnings: bool,
}

/// Prints diagnostics on stderr in the chosen format, or keeps them for the run's
/// one machine-format document.
fn print_diagnostics(diags: &[Diagnostic], sources: &SourceMap, output: Output) {
    let diags = &pointing_at_commands(diags, sources);
    if output.collect {
        report::collect(diags, sources);
        return;
    }
    if diags.is_empty() {
        return;
    }
    eprint!(
        "{}",
        diag::render(diags, sources, output.format, output.color)
    );
}

/// Diagnostics whose secondary labels point into pave's own embedded files (a
/// built-in module's definition, a built-in policy pack) point at the command that
/// shows them instead: a user cannot open `<pave>/modules/postgres/module.yaml`, but
/// can run `pave modules postgres`.
fn pointing_at_commands(diags: &[Diagnostic], sources: &SourceMap) -> Vec<Diagnostic> {
    diags
        .iter()
        .map(|d| {
            let mut d = d.clone();
            let mut notes = Vec::new();
            d.labels.retain(|l| {
                let name = &sources.file(l.span.file).name;
                let command = builtin_command(name);
                if let (false, Some(command)) = (l.primary, &command)
                    && !notes.contains(command)
                {
                    notes.push(command.clone());
                }
                l.primary || command.is_none()
            });
            d.notes.extend(notes);
            d
        })
        .collect()
}

/// The note that replaces a label in an embedded file of pave
/// (`<pave>/modules/redis/module.yaml`: run `pave modules redis`), if `name` is one.
fn builtin_command(name: &str) -> Option<String> {
    let rest = name.strip_prefix("<pave>/")?;
    match rest.split('/').collect::<Vec<_>>().as_slice() {
        ["modules", kind, _] => Some(format!(
            "`{kind}` is a built-in module: `pave modules {kind}` shows its inputs and outputs"
        )),
        ["policies", _] => {
            Some("a built-in policy: `pave policies` lists the policies in force".to_string())
        }
        _ => None,
    }
}

/// Prints the diagnostics that stop a command and returns its exit.
fn stop(diags: &[Diagnostic], sources: &SourceMap, output: Output) -> Exit {
    print_diagnostics(diags, sources, output);
    Exit::for_failure(diags)
}

/// A usage problem that names no source file: printed, and the exit to stop with.
fn usage(d: Diagnostic, output: Output) -> Exit {
    stop(&[d], &SourceMap::default(), output)
}

/// `--deny-warnings`: the diagnostic that fails a run whose `diags` hold a warning.
fn denied_warnings(diags: &[Diagnostic], output: Output) -> Option<Diagnostic> {
    let warned = diags.iter().any(|d| !d.is_error());
    (output.deny_warnings && warned).then(messages::warnings_denied)
}

/// Compiles without printing: for commands that show only some diagnostics (`explain`).
fn compile_quiet(root: &Path, output: Output) -> Compilation {
    watch_templates(output);
    compile(
        root,
        policy::Options {
            today: output.today,
            expiring_within: None,
        },
    )
}

/// Compiles and prints diagnostics; returns the tree, or the exit to stop with.
fn compile_ok(root: &Path, output: Output) -> Result<(Compilation, OutputTree), Exit> {
    compile_with(root, output, None, (None, &mut |_, _| Ok(None)), &|_| {
        Vec::new()
    })
}

/// [`compile_ok`], comparing the files with the tree `open_tree` opens as they render
/// (after `read_ahead` read what it can of it while the sources resolve). `check_names`
/// reports what the command line names that the model lacks, with the compilation's
/// own diagnostics (a denied warning must not hide an unknown `--service`).
fn compile_against(
    root: &Path,
    output: Output,
    (read_ahead, open_tree): (&crate::ReadAhead<'_>, &mut crate::OpenTree<'_>),
    check_names: &dyn Fn(&Model) -> Vec<Diagnostic>,
) -> Result<(Compilation, OutputTree), Exit> {
    compile_with(
        root,
        output,
        None,
        (Some(read_ahead), open_tree),
        check_names,
    )
}

fn compile_with(
    root: &Path,
    output: Output,
    expiring_within: Option<i64>,
    (read_ahead, open_tree): (Option<&crate::ReadAhead<'_>>, &mut crate::OpenTree<'_>),
    check_names: &dyn Fn(&Model) -> Vec<Diagnostic>,
) -> Result<(Compilation, OutputTree), Exit> {
    if !root.is_dir() {
        return Err(usage(messages::not_a_directory(root), output));
    }
    let options = policy::Options {
        today: output.today,
        expiring_within,
    };
    watch_templates(output);
    let mut compilation = crate::compile_against(root, options, read_ahead, open_tree);
    if let Some(model) = &compilation.model {
        let unknown = check_names(model);
        compilation.diagnostics.extend(unknown);
    }
    let denied = denied_warnings(&compilation.diagnostics, output);
    compilation.diagnostics.extend(denied);
    print_diagnostics(&compilation.diagnostics, &compilation.sources, output);
    match compilation.tree.take() {
        Some(tree) if !compilation.has_errors() => Ok((compilation, tree)),
        _ => Err(Exit::for_failure(&compilation.diagnostics)),
    }
}

/// The resolved model of a compilation that produced a tree. A tree is rendered from
/// the model, so a compilation with a tree always has one; without it the command
/// fails like a compilation with errors.
fn model(compilation: &Compilation) -> Result<&Model, Exit> {
    compilation.model.as_ref().ok_or(Exit::Failed)
}

/// Compiles `root` and runs a command that reads the resolved model (`explain`,
/// `graph`); a compilation that fails stops the command with its exit.
fn with_model(
    root: &Path,
    output: Output,
    command: impl FnOnce(&Compilation, &Model) -> Exit,
) -> Exit {
    let (compilation, _) = match compile_ok(root, output) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    match model(&compilation) {
        Ok(model) => command(&compilation, model),
        Err(exit) => exit,
    }
}

/// The platform's environment names, in platform order.
fn environment_names(model: &Model) -> Vec<&str> {
    model
        .platform
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect()
}

/// Bounds every template evaluation in time and memory (see `watchdog`): a template
/// past a bound is reported at its line, in the chosen format, and the run ends with
/// exit 1 before anything is written.
fn watch_templates(output: Output) {
    watchdog::watch(Box::new(move |sources, site, trip| {
        let d = messages::template_bound(site, trip);
        print_diagnostics(&[d], sources, output);
        finish(Exit::Failed, output);
        std::process::exit(i32::from(Exit::Failed.code()));
    }));
}

/// Schemas, references and policies; also warns about exceptions expiring within 30 days.
pub fn lint(root: &Path, output: Output) -> Exit {
    match compile_with(
        root,
        output,
        Some(30),
        (None, &mut |_, _| Ok(None)),
        &|_| Vec::new(),
    ) {
        Ok(_) => Exit::Ok,
        Err(exit) => exit,
    }
}

/// Prints the JSON Schema of an input kind.
pub fn schema(kind: &str, output: Output) -> Exit {
    match schema::text(kind) {
        Some(text) => {
            print!("{text}");
            Exit::Ok
        }
        None => usage(messages::unknown_schema(kind), output),
    }
}

/// A `--format` the command cannot produce: a usage error, never ignored.
pub fn format_not_for(command: &str, format: &str, allowed: &[&str], output: Output) -> Exit {
    usage(messages::format_not_for(command, format, allowed), output)
}

/// `--output FILE` without a machine format to write into it; `data_command` when the
/// command prints its data in the format asked for (`graph --format json`).
pub fn output_without_format(data_command: Option<&str>, output: Output) -> Exit {
    let d = match data_command {
        Some(command) => messages::output_for_data(command),
        None => messages::output_without_format(),
    };
    usage(d, output)
}

/// `--tree DIR` that is not a folder, or inside the repository's inputs (`services/`,
/// `policies/`, `modules/`), where the build would write its tree where the next one
/// reads inputs. The stop, if so.
pub fn tree_among_inputs(root: &Path, tree: &Path, output: Output) -> Option<Exit> {
    // A file (or anything but a folder) there: `check` read it as an interrupted
    // build's journal (found by an independent review).
    if std::fs::metadata(tree).is_ok_and(|m| !m.is_dir()) {
        return Some(usage(messages::tree_not_a_directory(tree), output));
    }
    let normal = |p: &Path| -> Vec<std::ffi::OsString> {
        let absolute = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let mut parts: Vec<std::ffi::OsString> = Vec::new();
        for c in absolute.components() {
            match c {
                std::path::Component::ParentDir => {
                    parts.pop();
                }
                std::path::Component::CurDir => {}
                other => parts.push(other.as_os_str().to_os_string()),
            }
        }
        parts
    };
    let (root, tree) = (normal(root), normal(tree));
    let below = tree.strip_prefix(root.as_slice())?;
    let folder = below.first()?.to_str()?;
    ["services", "policies", "modules"]
        .iter()
        .find(|f| f.eq_ignore_ascii_case(folder))
        .map(|f| usage(messages::tree_among_inputs(f), output))
}

/// A usage error found while parsing the command line, as a diagnostic.
pub fn command_line_error(message: &str, help: &str, output: Output) -> Exit {
    usage(messages::command_line_error(message, help), output)
}

/// `--dry-run` on `check` or `diff`, which never write.
pub fn dry_run_not_for(command: &str, output: Output) -> Exit {
    usage(messages::dry_run_not_for(command), output)
}

/// Ends a command: writes the collected machine-format document (on stdout or to
/// `--output FILE`) and returns the command's exit; a report file that cannot be
/// written is an I/O error (exit 2), said on stderr.
pub fn finish(exit: Exit, output: Output) -> Exit {
    if !output.collect {
        return exit;
    }
    match report::flush(output.format, output.report_file) {
        Ok(()) => exit,
        Err(e) => {
            let what = output
                .report_file
                .map_or_else(|| "stdout".to_string(), |p| format!("`{}`", p.display()));
            let d = messages::cannot_write(&what, &e);
            eprint!(
                "{}",
                diag::render(&[d], &SourceMap::default(), Format::Human, false)
            );
            Exit::Usage
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_and_io_problems_exit_2_everything_else_1() {
        let error = |code| Diagnostic::error(code, "x");
        assert_eq!(Exit::for_failure(&[error(Code::E0114)]), Exit::Usage);
        assert_eq!(Exit::for_failure(&[error(Code::E0101)]), Exit::Usage);
        assert_eq!(Exit::for_failure(&[error(Code::E0409)]), Exit::Usage);
        assert_eq!(Exit::for_failure(&[error(Code::E0202)]), Exit::Failed);
        assert_eq!(Exit::for_failure(&[error(Code::E0415)]), Exit::Failed);
        assert_eq!(Exit::for_failure(&[error(Code::E0115)]), Exit::Failed);
        assert_eq!(
            Exit::for_failure(&[error(Code::E0202), error(Code::E0106)]),
            Exit::Usage
        );
        // A failure with nothing to show (cannot happen from a compilation) still fails.
        assert_eq!(Exit::for_failure(&[]), Exit::Failed);
    }

    #[test]
    fn labels_in_pave_s_own_files_become_the_command_that_shows_them() {
        let mut sources = SourceMap::default();
        let service = sources.add("services/api.yaml".into(), "db: x\n".into());
        let module = sources.add(
            "<pave>/modules/postgres/module.yaml".into(),
            "type: postgres\n".into(),
        );
        let d = Diagnostic::error(Code::E0512, "module `postgres` has no input `sise`")
            .primary(crate::source::Span::new(service, 0, 2), "not an input")
            .secondary(
                crate::source::Span::new(module, 6, 14),
                "the module is defined here",
            );
        let shown = pointing_at_commands(&[d], &sources);
        assert_eq!(shown[0].labels.len(), 1);
        assert_eq!(
            shown[0].notes,
            [
                "`postgres` is a built-in module: `pave modules postgres` shows its inputs and outputs"
            ]
        );
        assert!(builtin_command("<pave>/policies/baseline.yaml").is_some());
        assert_eq!(builtin_command("modules/x/module.yaml"), None);
    }

    #[test]
    fn exit_codes_are_0_1_2() {
        assert_eq!(
            [Exit::Ok, Exit::Failed, Exit::Usage].map(Exit::code),
            [0, 1, 2]
        );
    }
}
