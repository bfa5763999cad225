//! pave: a declarative platform compiler.
//!
//! The pipeline runs one way: `load -> schema -> model -> resolve -> render -> emit`.
//! [`compile`] runs it in memory and returns the output tree with every diagnostic;
//! only [`emit`] touches the output tree on disk.

// `Diagnostic` is the error type of every stage and is built only on the failure
// path; boxing it everywhere would add noise for no measurable gain.
#![allow(clippy::result_large_err)]

pub mod cli;
pub(crate) mod decimal;
pub(crate) mod diag;
pub(crate) mod digest;
pub(crate) mod document;
pub(crate) mod duration;
pub(crate) mod emit;
pub(crate) mod hcl_writer;
pub(crate) mod inventory;
pub(crate) mod labels;
pub(crate) mod load;
pub(crate) mod model;
pub(crate) mod observe;
pub(crate) mod output;
pub(crate) mod policy;
pub(crate) mod release;
pub(crate) mod render;
pub(crate) mod resolve;
pub(crate) mod schema;
pub(crate) mod source;
pub(crate) mod template_budget;
pub(crate) mod watchdog;
#[cfg(test)]
mod wide_tests;
pub(crate) mod yaml_writer;
// Entry points for the fuzz targets and their corpus replay; not part of the API.
#[doc(hidden)]
pub mod fuzzing;
// Helpers for the integration tests; not part of the API.
#[doc(hidden)]
pub mod testing;

use std::path::Path;
use std::sync::Arc;

use diag::Diagnostic;
use output::OutputTree;
use resolve::Model;
use source::SourceMap;

/// The result of compiling a platform repository in memory.
pub struct Compilation {
    pub(crate) sources: SourceMap,
    /// Sorted by file, offset and code.
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) model: Option<Model>,
    /// When resolve found errors: what it resolved anyway, for `explain` of a service
    /// that is not among them. Never rendered into a tree.
    pub(crate) partial_model: Option<Model>,
    /// Present only when there is no error.
    pub(crate) tree: Option<OutputTree>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads, checks, resolves, renders and runs the policies of the repository at `root`.
/// Writes nothing; the tree is returned only when there is no error.
pub fn compile(root: &Path, options: policy::Options) -> Compilation {
    compile_against(root, options, None, &mut |_, _| Ok(None))
}

/// Opens the tree on disk once the layout is known, before rendering: `None` keeps
/// every file's bytes in the returned tree; a [`emit::Comparer`] settles each target's
/// files as it finishes (`build`, `check`, `diff`).
pub(crate) type OpenTree<'a> = dyn FnMut(&output::Layout, &resolve::Model) -> Result<Option<Arc<emit::Comparer>>, Diagnostic>
    + 'a;

/// What a command reads of the tree before it is opened: called with the layout the
/// platform file names, on another thread while the sources resolve.
pub(crate) type ReadAhead<'a> = dyn Fn(&output::Layout) + Sync + 'a;

/// [`compile`], comparing the files with the tree `open_tree` opens as they are
/// rendered. A tree that cannot be opened is an error diagnostic and nothing renders.
pub(crate) fn compile_against(
    root: &Path,
    options: policy::Options,
    read_ahead: Option<&ReadAhead<'_>>,
    open_tree: &mut OpenTree<'_>,
) -> Compilation {
    rayon::spawn(schema::prepare);
    let mut sources = SourceMap::default();
    let (inputs, mut diagnostics) = load::load(root, &mut sources);
    // Shared with the watchdog while templates run, so it can point at them.
    let sources = Arc::new(sources);
    watchdog::publish_sources(Some(Arc::clone(&sources)));
    let ((resolved, resolve_diags), ()) = rayon::join(
        || resolve::resolve_with_errors(&inputs, &sources),
        || {
            if let (Some(read_ahead), Some(output)) = (read_ahead, named_output(&inputs)) {
                read_ahead(&render::target::Target::layout(output));
            }
        },
    );
    let resolved_cleanly = !resolve_diags.iter().any(Diagnostic::is_error);
    diagnostics.extend(resolve_diags);
    let (model, partial_model) = match resolved_cleanly {
        true => (resolved, None),
        false => (None, resolved),
    };
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let tree = match (&model, has_errors) {
        (Some(model), false) => {
            match open_tree(
                &render::target::Target::layout(&model.platform.output),
                model,
            ) {
                Err(d) => {
                    diagnostics.push(d);
                    None
                }
                Ok(comparer) => {
                    let checked = (&inputs, model, &*sources, options);
                    render_and_check(checked, comparer, &mut diagnostics)
                }
            }
        }
        _ => None,
    };
    watchdog::publish_sources(None);
    // Every parsed source document: freed beside what follows, not before it.
    release::at_exit(inputs);
    let sources = Arc::try_unwrap(sources).unwrap_or_else(|shared| (*shared).clone());
    diag::sort(&mut diagnostics, &sources);
    Compilation {
        sources,
        diagnostics,
        model,
        partial_model,
        tree,
    }
}

/// The output folder the platform file names, read before it is resolved (a guess the
/// tree's opening checks: a wrong one only costs the read ahead).
fn named_output(inputs: &load::Inputs) -> Option<&str> {
    let platform = &inputs.platform.as_ref()?.value;
    match platform.get("output") {
        None => Some(resolve::DEFAULT_OUTPUT),
        Some(output) => output.as_str(),
    }
}

/// Renders and runs the policies; the tree only when neither reported an error. The
/// policies see each environment's typed Kubernetes objects as soon as Kubernetes and
/// Helm have rendered it, so only one environment's objects are ever held.
fn render_and_check(
    (inputs, model, sources, options): (
        &load::Inputs,
        &resolve::Model,
        &SourceMap,
        policy::Options,
    ),
    comparer: Option<Arc<emit::Comparer>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<OutputTree> {
    let mut policies = policy::Check::new(inputs, model, sources, options);
    let mut check_objects = |objects: &[render::RenderedObject]| policies.objects(objects);
    let (rendered, render_diags) = render::render(model, comparer, Some(&mut check_objects));
    diagnostics.extend(policies.finish());
    diagnostics.extend(render_diags);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    (!has_errors).then_some(rendered.tree)
}
