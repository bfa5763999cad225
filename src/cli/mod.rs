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
mod policies;
mod scaffold;
mod tree;

use std::path::Path;

pub use blast::Report;
pub use explain::explain;
pub use graph::graph;
pub use policies::policies;
pub use scaffold::{init, new_service};
pub use tree::{Options, build, check, diff};
// The argument types `main` builds.
pub use crate::diag::Format;
pub use crate::policy::Date;

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
    pub format: Format,
    pub color: bool,
    /// The date exceptions are checked against (`--today`, else the clock).
    pub today: Date,
    /// Warnings fail the run (`--deny-warnings`).
    pub deny_warnings: bool,
}

/// Prints diagnostics on stderr in the chosen format.
fn print_diagnostics(diags: &[Diagnostic], sources: &SourceMap, output: Output) {
    if diags.is_empty() {
        return;
    }
    eprint!(
        "{}",
        diag::render(diags, sources, output.format, output.color)
    );
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

/// Compiles and prints diagnostics; returns the tree, or the exit to stop with.
fn compile_ok(root: &Path, output: Output) -> Result<(Compilation, OutputTree), Exit> {
    compile_with(root, output, None)
}

fn compile_with(
    root: &Path,
    output: Output,
    expiring_within: Option<i64>,
) -> Result<(Compilation, OutputTree), Exit> {
    if !root.is_dir() {
        return Err(usage(messages::not_a_directory(root), output));
    }
    let options = policy::Options {
        today: output.today,
        expiring_within,
    };
    watch_templates(output);
    let mut compilation = compile(root, options);
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
        std::process::exit(i32::from(Exit::Failed.code()));
    }));
}

/// Schemas, references and policies; also warns about exceptions expiring within 30 days.
pub fn lint(root: &Path, output: Output) -> Exit {
    match compile_with(root, output, Some(30)) {
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

/// `--format mermaid|dot` given to a command other than `graph`.
pub fn graph_format_elsewhere(output: Output) -> Exit {
    usage(messages::graph_format_elsewhere(), output)
}

/// `--format markdown` on a command other than `diff`.
pub fn markdown_elsewhere(output: Output) -> Exit {
    usage(messages::markdown_elsewhere(), output)
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
    fn exit_codes_are_0_1_2() {
        assert_eq!(
            [Exit::Ok, Exit::Failed, Exit::Usage].map(Exit::code),
            [0, 1, 2]
        );
    }
}
