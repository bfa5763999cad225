//! `build`, `check` and `diff`: the commands that compare the compiled tree with the
//! output tree on disk. `check` reports each drifted file as a diagnostic
//! (E0415–E0418) beside its plain-text report of diffs.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::blast::{self, Report};
use super::{Exit, Output, compile_against, denied_warnings, messages, print_diagnostics, stop};
use crate::Compilation;
use crate::diag::{Diagnostic, Format};
use crate::emit::{self, ChangeKind, Comparer, Filter, Plan, ReadAhead, Use};
use crate::output::Layout;
use crate::source::SourceMap;

/// The arguments of `build`, `check` and `diff`.
pub struct Options {
    pub root: PathBuf,
    /// The folder the output tree's paths are relative to.
    pub tree: PathBuf,
    pub envs: Vec<String>,
    pub services: Vec<String>,
    /// `build` only: compile and plan, write nothing.
    pub dry_run: bool,
    /// `--allow-destroy env/service/need`: destructions this run allows.
    pub allow_destroy: Vec<String>,
    /// `diff`: the file diffs with a summary, or only the blast-radius report.
    pub report: Report,
}

/// Every `--env` and `--service` naming nothing the model has.
fn unknown_names(options: &Options, model: &crate::resolve::Model) -> Vec<Diagnostic> {
    let envs = super::environment_names(model);
    // One per environment in the model: each name once, in order.
    let mut services: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
    services.sort_unstable();
    services.dedup();
    // Every unknown name at once.
    let mut unknown = Vec::new();
    for (given, known, what) in [
        (&options.envs, &envs, "environment"),
        (&options.services, &services, "service"),
    ] {
        for name in given.iter().filter(|n| !known.contains(&n.as_str())) {
            // An unknown environment lists the platform's few; services can be hundreds.
            unknown.push(match what {
                "environment" => messages::unknown_environment(name, known),
                _ => messages::unknown_filter(what, name, known),
            });
        }
    }
    unknown
}

/// Takes the tree's lock (exclusive when the command writes), compiles, and plans. The
/// tree is opened once the layout is known, before rendering (a writing build first
/// finishes an interrupted one; `check`, `diff` and `--dry-run` refuse it), so each
/// target's files are compared with it as they are rendered. The lock is held until
/// the returned value is dropped.
fn planned(
    options: &Options,
    output: Output,
    use_of_changes: Use,
) -> Result<(Compilation, Plan, emit::Lock), Exit> {
    let no_sources = SourceMap::default();
    let writes = use_of_changes == Use::Stage;
    let lock = emit::lock(&options.tree, writes).map_err(|d| stop(&[d], &no_sources, output))?;
    // Checked against the model after compiling; files outside it are not compared.
    let given = Filter {
        envs: options.envs.clone(),
        services: options.services.clone(),
    };
    let ahead: Mutex<Option<ReadAhead>> = Mutex::default();
    let read_ahead = |layout: &Layout| {
        let read = ReadAhead::read(&options.tree, layout);
        *ahead.lock().unwrap_or_else(|e| e.into_inner()) = Some(read);
    };
    let open = |layout: &Layout, model: Option<&crate::resolve::Model>| {
        let filter = with_renames(&given, model);
        let read = ahead.lock().unwrap_or_else(|e| e.into_inner()).take();
        open_tree(options, layout, &filter, use_of_changes, read)
    };
    let mut open_tree = |l: &Layout, m: &crate::resolve::Model| open(l, Some(m)).map(Some);
    let check_names = |model: &crate::resolve::Model| unknown_names(options, model);
    let (compilation, mut tree) = compile_against(
        &options.root,
        output,
        (&read_ahead, &mut open_tree),
        &check_names,
    )?;
    // Always opened during the compilation; opened here only if that ever changes.
    let comparer = match tree.comparer.take() {
        Some(c) => c,
        None => open(&tree.layout, compilation.model.as_ref())
            .map_err(|d| stop(&[d], &no_sources, output))?,
    };
    let plan = emit::plan(tree, comparer);
    if !plan.refused.is_empty() {
        return Err(stop(&plan.refused, &compilation.sources, output));
    }
    let mut adopted = plan.adopted.clone();
    adopted.extend(denied_warnings(&plan.adopted, output));
    print_diagnostics(&adopted, &compilation.sources, output);
    if adopted.iter().any(Diagnostic::is_error) {
        return Err(Exit::for_failure(&adopted));
    }
    Ok((compilation, plan, lock))
}

/// `--service NEW` of a renamed service covers its old names' files too: the build
/// that renames must remove them (and move what they declared), or no filter could.
fn with_renames(given: &Filter, model: Option<&crate::resolve::Model>) -> Filter {
    let mut filter = given.clone();
    let Some(model) = model else {
        return filter;
    };
    let old_names = model
        .services
        .iter()
        .filter(|s| given.services.contains(&s.name))
        .flat_map(|s| s.renamed_from.iter().cloned());
    for name in old_names {
        if !filter.services.contains(&name) {
            filter.services.push(name);
        }
    }
    filter
}

/// Brings the tree under `--tree` to a known state and opens it for comparing.
/// `ahead`: the manifest as read while the sources resolved.
fn open_tree(
    options: &Options,
    layout: &Layout,
    filter: &Filter,
    use_of_changes: Use,
    mut ahead: Option<ReadAhead>,
) -> Result<Arc<Comparer>, Diagnostic> {
    if use_of_changes == Use::Stage {
        if emit::recover(&options.tree, layout)?.finished {
            eprintln!("pave build: finished an interrupted build from its journal");
            // Finishing it wrote the manifest the journal carried.
            ahead = None;
        }
    } else if let Some(d) = emit::interrupted(&options.tree, layout) {
        return Err(d);
    }
    Comparer::open(&options.tree, layout, filter.clone(), use_of_changes, ahead).map(Arc::new)
}

/// What the plan destroys or hands over (E0420–E0425), after checking that every
/// `--allow-destroy` names a need; printed unless `quiet`. An unknown target stops
/// the command.
fn findings(
    options: &Options,
    compilation: &Compilation,
    plan: &Plan,
    output: Output,
) -> Result<Vec<Diagnostic>, Exit> {
    let unknown = emit::unknown_flags(plan, &options.allow_destroy);
    if !unknown.is_empty() {
        return Err(stop(&unknown, &compilation.sources, output));
    }
    let model = super::model(compilation)?;
    let mut found = emit::assess(plan, &model.platform, &options.allow_destroy, output.today);
    found.extend(denied_warnings(&found, output));
    print_diagnostics(&found, &compilation.sources, output);
    Ok(found)
}

pub fn build(options: &Options, output: Output) -> Exit {
    // Dropped last: a build that wrote nothing into the folder it made removes it.
    let _made = match options.dry_run {
        true => None,
        false => match TreeFolder::make(&options.tree) {
            Ok(made) => Some(made),
            Err(e) => {
                let made = emit::tree_folder_not_made(&options.tree, &e);
                return stop(&[made], &SourceMap::default(), output);
            }
        },
    };
    let (compilation, plan, _lock) = match planned(
        options,
        output,
        if options.dry_run {
            Use::Count
        } else {
            Use::Stage
        },
    ) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let exit = build_planned(options, output, &compilation, &plan);
    match exit {
        Exit::Ok => crate::release::at_exit((compilation, plan)),
        // A build that stopped before its switch removes the files it staged when the
        // plan is dropped, which must be done before the process exits.
        _ => drop((compilation, plan)),
    }
    exit
}

/// A `--tree DIR` that `build` created because it did not exist (its parent must): the
/// folder is locked and written into like any other. Removed again when the build
/// leaves it empty (it failed, or was refused), so a failed build leaves nothing.
struct TreeFolder(Option<PathBuf>);

impl TreeFolder {
    /// Makes `tree` if nothing is there (a dangling symlink is something: it fails).
    fn make(tree: &std::path::Path) -> std::io::Result<TreeFolder> {
        if tree.exists() {
            return Ok(TreeFolder(None));
        }
        std::fs::create_dir(tree)?;
        Ok(TreeFolder(Some(tree.to_path_buf())))
    }
}

impl Drop for TreeFolder {
    fn drop(&mut self) {
        if let Some(folder) = &self.0 {
            // Fails, leaving it, unless it is empty.
            let _ = std::fs::remove_dir(folder);
        }
    }
}

/// [`build`] once the tree is compiled and the change planned.
fn build_planned(
    options: &Options,
    output: Output,
    compilation: &Compilation,
    plan: &Plan,
) -> Exit {
    // Decided before anything is written: a refused destruction writes nothing.
    match findings(options, compilation, plan, output) {
        Ok(found) if found.iter().any(Diagnostic::is_error) => {
            return Exit::for_failure(&found);
        }
        Ok(_) => {}
        Err(exit) => return exit,
    }
    if options.dry_run {
        eprintln!(
            "pave build --dry-run: {} file(s) would change",
            plan.changes.len() + only_manifest(plan)
        );
        return Exit::Ok;
    }
    if let Err(d) = emit::write(&options.tree, plan) {
        return stop(&[d], &SourceMap::default(), output);
    }
    let count = |k: ChangeKind| plan.changes.iter().filter(|c| c.kind == k).count();
    let written = plan.changes.len() - count(ChangeKind::Stale) + only_manifest(plan);
    eprintln!(
        "pave build: {written} file(s) written, {} stale file(s) removed",
        count(ChangeKind::Stale)
    );
    if plan.behind_outside > 0 {
        // Not an error (they name nothing this build wrote), but `check` fails on them.
        eprintln!(
            "note: {} file(s) outside `--service`/`--env` are behind the sources; `pave build` without them writes them",
            plan.behind_outside
        );
    }
    Exit::Ok
}

/// Compares the compiled tree with the one on disk. In human output the drift report
/// (kind, path and diff of each file) is printed on stdout; with
/// `--format json|github|sarif` the drift is diagnostics, one per file, in the run's
/// document on stdout (or `--output FILE`), and the report moves to stderr.
pub fn check(options: &Options, output: Output) -> Exit {
    let (compilation, plan, _lock) = match planned(options, output, Use::Diff) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let exit = check_planned(options, output, &compilation, &plan);
    crate::release::at_exit((compilation, plan));
    exit
}

/// [`check`] once the tree is compiled and compared.
fn check_planned(
    options: &Options,
    output: Output,
    compilation: &Compilation,
    plan: &Plan,
) -> Exit {
    let found = match findings(options, compilation, plan, output) {
        Ok(found) => found,
        Err(exit) => return exit,
    };
    if plan.is_clean() {
        if found.iter().any(Diagnostic::is_error) {
            return Exit::for_failure(&found);
        }
        eprintln!("pave check: the output tree matches the sources");
        return Exit::Ok;
    }
    let fix = fix_command(options);
    let mut drift = drift_diagnostics(plan, &fix);
    let blast = blast::text(&plan.blast);
    // In human output the report is the rendering of the drift.
    if output.format == Format::Human {
        print!("{blast}{}", drift_report(plan, &fix, true));
    } else {
        // Beside the document, people get the list; the diffs are `pave diff`'s.
        eprint!("{blast}{}", drift_report(plan, &fix, false));
        print_diagnostics(&drift, &SourceMap::default(), output);
    }
    drift.extend(found.into_iter().filter(Diagnostic::is_error));
    Exit::for_failure(&drift)
}

/// 1 when the manifest is the only file a build writes (check counts it then), else 0:
/// with other changes the manifest is rewritten too and not counted.
fn only_manifest(plan: &Plan) -> usize {
    usize::from(plan.changes.is_empty() && plan.manifest_changed)
}

/// How the manifest differs when it is all that does: missing, or changed (an entry of
/// a file whose bytes are right).
fn manifest_change(plan: &Plan) -> ChangeKind {
    match plan.manifest_missing {
        true => ChangeKind::Missing,
        false => ChangeKind::Changed,
    }
}

/// One diagnostic per drifted file; a plan that changes only the manifest (an entry of
/// a file whose bytes are right) reports the manifest as changed.
fn drift_diagnostics(plan: &Plan, fix: &str) -> Vec<Diagnostic> {
    if plan.changes.is_empty() {
        return vec![messages::drift(
            manifest_change(plan),
            &plan.manifest_path,
            fix,
        )];
    }
    plan.changes
        .iter()
        .map(|c| messages::drift(c.kind, &c.path, fix))
        .collect()
}

/// The plain-text report of `check`: each file's kind (and its diff, `with_diffs`),
/// then a summary line.
fn drift_report(plan: &Plan, fix: &str, with_diffs: bool) -> String {
    let mut report = String::new();
    for change in &plan.changes {
        report.push_str(&format!("{}: {}\n", change.kind.as_str(), change.path));
        if with_diffs && change.kind != ChangeKind::Stale {
            report.push_str(&unified_diff(
                &change.path,
                change.old.as_deref(),
                change.new.as_deref(),
            ));
        }
    }
    let only_manifest = plan.changes.is_empty().then(|| manifest_change(plan));
    if let Some(kind) = only_manifest {
        report.push_str(&format!("{}: {}\n", kind.as_str(), plan.manifest_path));
    }
    let count = |k: ChangeKind| {
        plan.changes.iter().filter(|c| c.kind == k).count() + usize::from(only_manifest == Some(k))
    };
    let total = plan.changes.len().max(1);
    report.push_str(&format!(
        "pave check: {total} file(s) differ ({} changed, {} missing, {} stale, {} edited by hand); run `{fix}` to update them\n",
        count(ChangeKind::Changed),
        count(ChangeKind::Missing),
        count(ChangeKind::Stale),
        count(ChangeKind::HandEdited),
    ));
    report
}

/// Shows what `build` would change: the blast-radius summary and the file diffs, or
/// (`--format json|markdown`) only the blast-radius report. The findings go to
/// stderr; `diff` shows, it does not fail.
pub fn diff(options: &Options, output: Output) -> Exit {
    let (compilation, plan, _lock) = match planned(options, output, Use::Diff) {
        Ok(p) => p,
        Err(exit) => return exit,
    };
    let found = match findings(options, &compilation, &plan, output) {
        Ok(found) => found,
        Err(exit) => return exit,
    };
    // The diff is shown whatever it finds; a refused destruction (E0420) fails the
    // command as it fails `check` and `build`.
    let exit = match found.iter().any(Diagnostic::is_error) {
        true => Exit::for_failure(&found),
        false => Exit::Ok,
    };
    match options.report {
        Report::Json => {
            print!("{}", blast::json(&plan.blast, &found));
            return exit;
        }
        Report::Markdown => {
            print!("{}", blast::markdown(&plan.blast, &found));
            return exit;
        }
        Report::Text => print!("{}", blast::text(&plan.blast)),
    }
    if only_manifest(&plan) == 1 {
        // Its diff is thousands of hash lines; the kind is what a reader needs.
        let kind = manifest_change(&plan).as_str();
        eprintln!(
            "pave diff: {kind}: {} (build rewrites it)",
            plan.manifest_path
        );
    }
    for change in &plan.changes {
        print!(
            "{}",
            unified_diff(&change.path, change.old.as_deref(), change.new.as_deref())
        );
    }
    exit
}

fn unified_diff(path: &str, old: Option<&[u8]>, new: Option<&[u8]>) -> String {
    let old_text = old.map(String::from_utf8_lossy).unwrap_or_default();
    let new_text = new.map(String::from_utf8_lossy).unwrap_or_default();
    let a = if old.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".into()
    };
    let b = if new.is_some() {
        format!("b/{path}")
    } else {
        "/dev/null".into()
    };
    similar::TextDiff::from_lines(old_text.as_ref(), new_text.as_ref())
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string()
}

/// The command that brings the tree up to date.
fn fix_command(options: &Options) -> String {
    let mut cmd = format!("pave build --root {}", options.root.display());
    if options.tree != options.root {
        cmd.push_str(&format!(" --tree {}", options.tree.display()));
    }
    cmd
}
