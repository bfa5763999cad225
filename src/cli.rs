//! The commands behind the CLI: run the pipeline, print diagnostics and reports,
//! and decide the exit code (0 success; 1 errors in the sources or drift; 2 usage
//! and I/O errors).

use std::path::{Path, PathBuf};

use crate::diag::{self, Code, Diagnostic, Format, did_you_mean};
use crate::emit::{self, ChangeKind, Filter, Plan};
use crate::output::OutputTree;
use crate::policy::{self, Date};
use crate::source::SourceMap;
use crate::watchdog::{self, Trip};
use crate::{Compilation, compile, schema};

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

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

/// The arguments of `build`, `check` and `diff`.
pub struct Options {
    pub root: PathBuf,
    /// The folder the output tree's paths are relative to.
    pub tree: PathBuf,
    pub envs: Vec<String>,
    pub services: Vec<String>,
    /// `build` only: compile and plan, write nothing.
    pub dry_run: bool,
}

fn print_diagnostics(diags: &[Diagnostic], sources: &SourceMap, output: Output) {
    if diags.is_empty() {
        return;
    }
    eprint!(
        "{}",
        diag::render(diags, sources, output.format, output.color)
    );
}

/// Compiles and prints diagnostics; returns the tree, or the exit code to stop with.
fn compile_ok(root: &Path, output: Output) -> Result<(Compilation, OutputTree), u8> {
    compile_with(root, output, None)
}

fn compile_with(
    root: &Path,
    output: Output,
    expiring_within: Option<i64>,
) -> Result<(Compilation, OutputTree), u8> {
    if !root.is_dir() {
        eprintln!("error: `{}` is not a directory", root.display());
        return Err(EXIT_USAGE);
    }
    let options = policy::Options {
        today: output.today,
        expiring_within,
    };
    watch_templates(output);
    let mut compilation = compile(root, options);
    print_diagnostics(&compilation.diagnostics, &compilation.sources, output);
    let unreadable = compilation
        .diagnostics
        .iter()
        .any(|d| matches!(d.code, Code::E0101 | Code::E0106));
    let denied = output.deny_warnings && compilation.diagnostics.iter().any(|d| !d.is_error());
    if denied {
        eprintln!("error: warnings are denied (--deny-warnings)");
    }
    match compilation.tree.take() {
        Some(tree) if !denied => Ok((compilation, tree)),
        _ if unreadable => Err(EXIT_USAGE),
        _ => Err(EXIT_FAILED),
    }
}

/// Bounds every template evaluation in time and memory (see `watchdog`): a template
/// past a bound is reported at its line, in the chosen format, and the run ends with
/// exit 1 before anything is written.
fn watch_templates(output: Output) {
    watchdog::watch(Box::new(move |sources, site, trip| {
        let code = match site.owner {
            watchdog::Owner::Policy => Code::E0309,
            watchdog::Owner::Module => Code::E0530,
        };
        let what = match trip {
            Trip::Time(_) => format!(
                "template evaluation ran longer than {} s",
                watchdog::TIME_LIMIT.as_secs()
            ),
            Trip::Memory(_) => format!(
                "template evaluation used more than {} GiB of memory",
                watchdog::MEMORY_LIMIT >> 30
            ),
        };
        let d = Diagnostic::error(code, what)
            .primary(site.span, "this template")
            .help("a single built-in operation is not metered by fuel: repeating (`*`) or concatenating (`~`) strings and lists inside loops can grow without bound; simplify the template");
        print_diagnostics(&[d], sources, output);
        std::process::exit(i32::from(EXIT_FAILED));
    }));
}

/// Checks that `--env` and `--service` name things that exist.
fn filter(options: &Options, compilation: &Compilation) -> Result<Filter, u8> {
    let Some(model) = &compilation.model else {
        return Err(EXIT_FAILED);
    };
    let envs: Vec<&str> = model
        .platform
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let mut services: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
    services.dedup();
    for (given, known, what) in [
        (&options.envs, &envs, "environment"),
        (&options.services, &services, "service"),
    ] {
        if let Some(name) = given.iter().find(|n| !known.contains(&n.as_str())) {
            let help = did_you_mean(name, known.iter().copied()).unwrap_or_default();
            eprintln!("error: no {what} named `{name}` {help}");
            return Err(EXIT_USAGE);
        }
    }
    Ok(Filter {
        envs: options.envs.clone(),
        services: options.services.clone(),
    })
}

/// Compiles, takes the tree's lock (exclusive when `writes`), brings the tree to a
/// known state (a build finishes an interrupted one; `check`, `diff` and `--dry-run`
/// refuse it) and plans. The lock is held until the returned value is dropped.
fn planned(
    options: &Options,
    output: Output,
    writes: bool,
) -> Result<(Compilation, Plan, emit::Lock), u8> {
    let (compilation, tree) = compile_ok(&options.root, output)?;
    let filter = filter(options, &compilation)?;
    let stop = |d: Diagnostic| {
        let code = if d.code == Code::E0401 || d.code == Code::E0409 {
            EXIT_USAGE
        } else {
            EXIT_FAILED
        };
        print_diagnostics(&[d], &SourceMap::default(), output);
        code
    };
    let lock = emit::lock(&options.tree, writes).map_err(|d| stop(*d))?;
    if writes {
        let recovery = emit::recover(&options.tree, &tree.layout).map_err(|d| stop(*d))?;
        if recovery.finished {
            eprintln!("pave build: finished an interrupted build from its journal");
        }
    } else if let Some(d) = emit::interrupted(&options.tree, &tree.layout) {
        return Err(stop(d));
    }
    let plan = emit::plan(tree, &options.tree, &filter);
    if !plan.refused.is_empty() {
        print_diagnostics(&plan.refused, &compilation.sources, output);
        return Err(EXIT_FAILED);
    }
    print_diagnostics(&plan.adopted, &compilation.sources, output);
    if output.deny_warnings && !plan.adopted.is_empty() {
        eprintln!("error: warnings are denied (--deny-warnings)");
        return Err(EXIT_FAILED);
    }
    Ok((compilation, plan, lock))
}

pub fn build(options: &Options, output: Output) -> u8 {
    let (_, plan, _lock) = match planned(options, output, !options.dry_run) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if options.dry_run {
        eprintln!(
            "pave build --dry-run: {} file(s) would change",
            plan.changes.len()
        );
        return EXIT_OK;
    }
    if let Err(d) = emit::write(&options.tree, &plan) {
        print_diagnostics(&[*d], &SourceMap::default(), output);
        return EXIT_USAGE;
    }
    let count = |k: ChangeKind| plan.changes.iter().filter(|c| c.kind == k).count();
    let written = plan.changes.len() - count(ChangeKind::Stale);
    eprintln!(
        "pave build: {written} file(s) written, {} stale file(s) removed",
        count(ChangeKind::Stale)
    );
    EXIT_OK
}

pub fn check(options: &Options, output: Output) -> u8 {
    let (_, plan, _lock) = match planned(options, output, false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if plan.is_clean() {
        eprintln!("pave check: the output tree matches the sources");
        return EXIT_OK;
    }
    let mut report = String::new();
    for change in &plan.changes {
        report.push_str(&format!("{}: {}\n", change.kind.as_str(), change.path));
        if change.kind != ChangeKind::Stale {
            report.push_str(&unified_diff(
                &change.path,
                change.old.as_deref(),
                change.new.as_deref(),
            ));
        }
    }
    if plan.changes.is_empty() {
        report.push_str(&format!("changed: {}\n", plan.manifest_path));
    }
    let count = |k: ChangeKind| plan.changes.iter().filter(|c| c.kind == k).count();
    let total = plan.changes.len().max(1);
    report.push_str(&format!(
        "pave check: {total} file(s) differ ({} changed, {} missing, {} stale, {} edited by hand); run `{}` to update them\n",
        count(ChangeKind::Changed).max(usize::from(plan.changes.is_empty())),
        count(ChangeKind::Missing),
        count(ChangeKind::Stale),
        count(ChangeKind::HandEdited),
        fix_command(options),
    ));
    print!("{report}");
    if output.format == Format::Github {
        for change in &plan.changes {
            println!(
                "::error file={},title=pave check::{} (run {})",
                change.path,
                change.kind.as_str(),
                fix_command(options)
            );
        }
    }
    EXIT_FAILED
}

pub fn diff(options: &Options, output: Output) -> u8 {
    let (_, plan, _lock) = match planned(options, output, false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    for change in &plan.changes {
        print!(
            "{}",
            unified_diff(&change.path, change.old.as_deref(), change.new.as_deref())
        );
    }
    EXIT_OK
}

/// Schemas, references and policies; also warns about exceptions expiring within 30 days.
pub fn lint(root: &Path, output: Output) -> u8 {
    match compile_with(root, output, Some(30)) {
        Ok(_) => EXIT_OK,
        Err(code) => code,
    }
}

/// Prints each resolved value of a service with the layer and place it came from.
pub fn explain(root: &Path, service: &str, envs: &[String], output: Output) -> u8 {
    let (compilation, _) = match compile_ok(root, output) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(model) = &compilation.model else {
        return EXIT_FAILED;
    };
    let selected: Vec<_> = model
        .services
        .iter()
        .filter(|s| s.name == service && (envs.is_empty() || envs.contains(&s.env)))
        .collect();
    if selected.is_empty() {
        let names: Vec<&str> = model.services.iter().map(|s| s.name.as_str()).collect();
        let help = did_you_mean(service, names.iter().copied()).unwrap_or_default();
        eprintln!("error: no service `{service}` in the selected environments {help}");
        return EXIT_USAGE;
    }
    for s in selected {
        println!("{} in {} (namespace {})", s.name, s.env, s.namespace);
        for (pointer, origin) in &s.provenance {
            let Some(value) = s
                .fields
                .pointer(pointer)
                .filter(|v| !v.is_object() && !v.is_array())
            else {
                continue;
            };
            let place = origin.span.map_or_else(String::new, |span| {
                let lc = compilation.sources.line_col(span);
                format!(
                    " {}:{}:{}",
                    compilation.sources.file(span.file).name,
                    lc.line,
                    lc.col
                )
            });
            println!(
                "  {:<32} {:<28} {}{}",
                pointer.trim_start_matches('/').replace('/', "."),
                value.to_string(),
                origin.layer.as_str(),
                place
            );
        }
    }
    EXIT_OK
}

pub fn schema(kind: &str) -> u8 {
    match schema::text(kind) {
        Some(text) => {
            print!("{text}");
            EXIT_OK
        }
        None => EXIT_USAGE,
    }
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

fn fix_command(options: &Options) -> String {
    let mut cmd = format!("pave build --root {}", options.root.display());
    if options.tree != options.root {
        cmd.push_str(&format!(" --tree {}", options.tree.display()));
    }
    cmd
}

/// Prints the policies in force: id, scope, severity in each environment, waivable, description.
pub fn policies(root: &Path, output: Output) -> u8 {
    let mut sources = SourceMap::default();
    let (inputs, mut diags) = crate::load::load(root, &mut sources);
    let (model, resolve_diags) = crate::resolve::resolve(&inputs, &sources);
    diags.extend(resolve_diags);
    let Some(model) = model else {
        diag::sort(&mut diags, &sources);
        print_diagnostics(&diags, &sources, output);
        return EXIT_FAILED;
    };
    let envs: Vec<String> = model
        .platform
        .environments
        .iter()
        .map(|e| e.name.clone())
        .collect();
    let services: Vec<String> = model.services.iter().map(|s| s.name.clone()).collect();
    let (set, set_diags) = policy::collect(&inputs, &envs, &services);
    if set_diags.iter().any(Diagnostic::is_error) {
        print_diagnostics(&set_diags, &sources, output);
        return EXIT_FAILED;
    }
    let width = set
        .policies
        .iter()
        .map(|p| p.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    let mut header = format!("{:<width$}  {:<10}", "id", "scope");
    for env in &envs {
        header.push_str(&format!("  {env:<8}"));
    }
    println!("{header}  waivable  description");
    for p in &set.policies {
        let scope = match p.scope {
            policy::Scope::Service => "service",
            policy::Scope::Kubernetes => "kubernetes",
        };
        let mut line = format!("{:<width$}  {scope:<10}", p.id);
        for env in &envs {
            line.push_str(&format!("  {:<8}", set.level(p, env).as_str()));
        }
        let waivable = if p.waivable { "yes" } else { "no" };
        println!("{line}  {waivable:<8}  {}", p.description);
    }
    EXIT_OK
}

/// `pave init [DIR]`: a platform file and one service, ready to build.
pub fn init(dir: &Path) -> u8 {
    let platform_file = dir.join("platform.yaml");
    if platform_file.exists() || dir.join("platform.yml").exists() {
        eprintln!(
            "error: `{}` already has a platform file; nothing was written",
            dir.display()
        );
        return EXIT_USAGE;
    }
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_string()))
        .map(|n| crate::resolve::label_from(&n))
        .unwrap_or_else(|| "platform".into());
    let platform = serde_json::json!({
        "platform": name,
        "environments": {
            "dev": { "domain": format!("dev.{name}.example.com"), "replicas": 1 },
            "prod": { "domain": format!("{name}.example.com"), "protected": true },
        },
        "contract": {
            "port": 8080,
            "metrics": { "port": 9090, "path": "/metrics" },
            "health": { "liveness": "/healthz", "readiness": "/readyz" },
        },
        "sizes": {
            "small": { "cpu": "100m", "memory": "128Mi" },
            "medium": { "cpu": "250m", "memory": "512Mi" },
            "large": { "cpu": "1", "memory": "2Gi" },
        },
        "defaults": { "size": "small", "replicas": 2 },
        "targets": { "ci": { "provider": "github" } },
        "policies": { "packs": ["baseline"], "rules": { "image.digest-in-prod": "warning" } },
    });
    let service = new_service_value("hello", "team-platform", "ghcr.io/example/hello:0.1.0");
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir.join("services"))?;
        std::fs::write(
            &platform_file,
            crate::yaml_writer::to_yaml(&platform).map_err(std::io::Error::other)?,
        )?;
        std::fs::write(
            dir.join("services/hello.yaml"),
            crate::yaml_writer::to_yaml(&service).map_err(std::io::Error::other)?,
        )
    };
    if let Err(e) = write() {
        eprintln!("error: cannot write the platform files: {e}");
        return EXIT_USAGE;
    }
    eprintln!(
        "pave init: wrote platform.yaml and services/hello.yaml; next: `pave build --root {}`",
        dir.display()
    );
    EXIT_OK
}

fn new_service_value(name: &str, owner: &str, image: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "owner": owner,
        "image": image,
        "env": { "LOG_LEVEL": "info" },
    })
}

/// `pave new SERVICE --owner TEAM [--image IMAGE]`: `services/SERVICE.yaml`.
pub fn new_service(root: &Path, name: &str, owner: &str, image: Option<&str>) -> u8 {
    if !crate::resolve::is_dns_label(name) {
        eprintln!(
            "error: `{name}` is not a DNS-1123 label; try `{}`",
            crate::resolve::label_from(name)
        );
        return EXIT_USAGE;
    }
    let path = root.join("services").join(format!("{name}.yaml"));
    if path.exists() {
        eprintln!(
            "error: `{}` already exists; nothing was written",
            path.display()
        );
        return EXIT_USAGE;
    }
    // The first allowed registry of the platform, so the image passes the allow-list.
    let registry = std::fs::read_to_string(root.join("platform.yaml"))
        .ok()
        .and_then(|text| crate::load::parse_yaml(crate::source::FileId(0), &text).0)
        .and_then(|doc| {
            doc.value
                .pointer("/registries/0")
                .and_then(|r| r.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "ghcr.io/example".into());
    let image = image.map_or_else(
        || format!("{}/{name}:0.1.0", registry.trim_end_matches('/')),
        str::to_string,
    );
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(root.join("services"))?;
        std::fs::write(
            &path,
            crate::yaml_writer::to_yaml(&new_service_value(name, owner, &image))
                .map_err(std::io::Error::other)?,
        )
    };
    if let Err(e) = write() {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        return EXIT_USAGE;
    }
    eprintln!("pave new: wrote {}", path.display());
    EXIT_OK
}

/// `pave graph`: services, their needs and routes, as Mermaid or Graphviz dot.
pub fn graph(root: &Path, dot: bool, output: Output) -> u8 {
    let (compilation, _) = match compile_ok(root, output) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(model) = &compilation.model else {
        return EXIT_FAILED;
    };
    let mut nodes = std::collections::BTreeMap::new();
    let mut edges = std::collections::BTreeSet::new();
    for s in &model.services {
        nodes.insert(s.name.clone(), format!("{} ({})", s.name, s.owner));
        for n in &s.service_needs {
            edges.insert((s.name.clone(), n.service.clone(), n.name.clone()));
        }
        for m in &s.module_needs {
            let id = format!("{}_{}", s.name, m.name).replace('-', "_");
            nodes.insert(id.clone(), format!("{} {}", m.kind, m.name));
            edges.insert((s.name.clone(), id, m.kind.clone()));
        }
        if let Some(route) = &s.route {
            let id = format!("route_{}", s.name).replace('-', "_");
            nodes.insert(
                id.clone(),
                format!(
                    "https://{}{}",
                    route.host.replace(
                        &format!(
                            ".{}",
                            model
                                .platform
                                .environments
                                .iter()
                                .find(|e| e.name == s.env)
                                .and_then(|e| e.domain.clone())
                                .unwrap_or_default()
                        ),
                        ".<domain>"
                    ),
                    route.path
                ),
            );
            edges.insert((id, s.name.clone(), "route".into()));
        }
    }
    let id = |n: &str| n.replace('-', "_");
    let mut out = String::new();
    if dot {
        out.push_str("digraph platform {\n  rankdir=LR;\n");
        for (n, label) in &nodes {
            out.push_str(&format!(
                "  {} [label=\"{}\"];\n",
                id(n),
                label.replace('"', "'")
            ));
        }
        for (a, b, label) in &edges {
            out.push_str(&format!("  {} -> {} [label=\"{label}\"];\n", id(a), id(b)));
        }
        out.push_str("}\n");
    } else {
        out.push_str("flowchart LR\n");
        for (n, label) in &nodes {
            out.push_str(&format!("  {}[\"{}\"]\n", id(n), label.replace('"', "'")));
        }
        for (a, b, label) in &edges {
            out.push_str(&format!("  {} -->|{label}| {}\n", id(a), id(b)));
        }
    }
    print!("{out}");
    EXIT_OK
}
