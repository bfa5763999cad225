//! Loading: the only stage that reads input files.
//!
//! It finds the platform file and the service files under a repository root and
//! turns each into a [`Document`]: a format-neutral value tree (`serde_json::Value`)
//! plus a [`PathIndex`] from each node's JSON pointer to its spans. Everything
//! after this stage is independent of the input format.

mod inputs;
mod kdl;
mod messages;
mod referenced;
pub(crate) mod score;
mod yaml;

pub(crate) use referenced::repo_path_problem;

use std::fs;
use std::path::Path;

use rayon::prelude::*;

pub(crate) use crate::document::{Document, NodeSpans, PathIndex, pointer_push};

use crate::diag::Diagnostic;
use crate::schema::Kind;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use messages::too_deep;

/// How deeply collections may nest in an input file (the root mapping is level 1).
///
/// Real files use fewer than 10 levels. The bound keeps every walk of a tree, in
/// pave and in the parser crates, far from the end of a thread's stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// The input files of a platform repository.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    pub(crate) platform: Option<Document>,
    /// Service files in file-name order.
    pub(crate) services: Vec<Document>,
    /// Policy packs of the repository (`policies/*.yaml`), in file-name order.
    pub(crate) policy_packs: Vec<Document>,
    /// pave's built-in policy packs, by name.
    pub(crate) builtin_packs: Vec<(String, Document)>,
    /// The repository's modules (`modules/<type>/module.yaml`), in folder order.
    pub(crate) modules: Vec<Document>,
    /// pave's built-in modules.
    pub(crate) builtin_modules: Vec<Document>,
    /// Files that `files.<path>: { from: <path> }` refers to, by repository path as
    /// written; a file that could not be read is absent (and reported).
    pub(crate) referenced: std::collections::BTreeMap<String, FileId>,
    /// Services whose file does not parse, or whose Score file has a mistake: known
    /// by name, so that services needing them report nothing more.
    pub(crate) unmapped_services: Vec<String>,
}

/// The built-in modules' YAML, embedded in the binary.
pub(crate) const BUILTIN_MODULES: &[(&str, &str)] = &[
    (
        "postgres",
        include_str!("../../modules/postgres/module.yaml"),
    ),
    ("redis", include_str!("../../modules/redis/module.yaml")),
    ("bucket", include_str!("../../modules/bucket/module.yaml")),
    ("queue", include_str!("../../modules/queue/module.yaml")),
];

/// The built-in policy packs: name and YAML text, embedded in the binary.
pub(crate) const BUILTIN_PACKS: &[(&str, &str)] =
    &[("baseline", include_str!("../policy/baseline.yaml"))];

/// Reads the platform file (`platform.yaml`, `.yml` or `.kdl`) under `root` alone:
/// for commands that need a platform setting but not a compilation (`pave new`).
pub(crate) fn load_platform(
    root: &Path,
    sources: &mut SourceMap,
) -> (Option<Document>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let platform = match inputs::platform_file(root, &mut diags) {
        Some(path) => read_file(root, &path, sources, &mut diags)
            .and_then(|f| parse_file(f, sources, &mut diags, Kind::Platform)),
        // A platform file that is there but refused has its own diagnostic.
        None if !diags.is_empty() => None,
        None => {
            diags.push(messages::no_platform_file());
            None
        }
    };
    (platform, diags)
}

/// The platform file in `root` (the first accepted name present), even one pave would refuse.
pub(crate) fn platform_file_path(root: &Path) -> Option<std::path::PathBuf> {
    inputs::platform_file_names(root).next()
}

/// Whether `root` holds a platform file of any accepted name, even one pave would refuse.
pub(crate) fn has_platform_file(root: &Path) -> bool {
    inputs::platform_file_names(root).next().is_some()
}

/// Reads the platform file and every service file under `root`.
pub(crate) fn load(root: &Path, sources: &mut SourceMap) -> (Inputs, Vec<Diagnostic>) {
    let (platform, mut diags) = load_platform(root, sources);
    let mut inputs = Inputs {
        platform,
        ..Inputs::default()
    };
    for path in inputs::folder_files(root, "policies", &mut diags) {
        let file = read_file(root, &path, sources, &mut diags);
        inputs
            .policy_packs
            .extend(file.and_then(|f| parse_file(f, sources, &mut diags, Kind::Policy)));
    }
    for path in inputs::module_files(root, &mut diags) {
        let file = read_file(root, &path, sources, &mut diags);
        inputs
            .modules
            .extend(file.and_then(|f| parse_file(f, sources, &mut diags, Kind::Module)));
    }
    for (name, text) in BUILTIN_MODULES {
        let file = sources.add(
            format!("<pave>/modules/{name}/module.yaml"),
            text.to_string(),
        );
        inputs
            .builtin_modules
            .extend(parse_file(file, sources, &mut diags, Kind::Module));
    }
    for (name, text) in BUILTIN_PACKS {
        let file = sources.add(format!("<pave>/policies/{name}.yaml"), text.to_string());
        inputs.builtin_packs.extend(
            parse_file(file, sources, &mut diags, Kind::Policy).map(|d| (name.to_string(), d)),
        );
    }
    // A thousand service files: read and index them in parallel, admit them in order.
    let read: Vec<FileRead> = inputs::folder_files(root, "services", &mut diags)
        .par_iter()
        .map(|path| FileRead::of(root, path))
        .collect();
    let mut files = Vec::new();
    for r in read {
        files.extend(r.admit(sources, &mut diags));
    }
    // Files parse independently; rayon keeps their order in `collect`.
    let shared: &SourceMap = sources;
    let parsed: Vec<(Option<Document>, Vec<Diagnostic>)> = files
        .par_iter()
        .map(|&f| parse_text(f, shared, Kind::Service))
        .collect();
    let cx = score_cx(&inputs, sources);
    let mut expanded = Vec::new();
    for (&file, (doc, mut file_diags)) in files.iter().zip(parsed) {
        diags.append(&mut file_diags);
        let Some(doc) = doc else {
            // A file that does not parse still names its service (its stem, E0504),
            // so services needing it report nothing more than this file's error.
            inputs
                .unmapped_services
                .extend(service_stem(&sources.file(file).name).map(str::to_string));
            continue;
        };
        let name = &sources.file(doc.file).name;
        if !score::is_score_file(name) {
            inputs.services.push(doc);
            continue;
        }
        let folder = name.rsplit_once('/').map_or("", |(f, _)| f);
        let text = &sources.file(doc.file).text;
        let (mapped, mut sources_read, mut score_diags) = score::translate(&doc, text, folder, &cx);
        if mapped.is_none()
            && let Some(name) = doc.value.pointer("/metadata/name").and_then(|n| n.as_str())
        {
            inputs.unmapped_services.push(name.to_string());
        }
        diags.append(&mut score_diags);
        expanded.append(&mut sources_read);
        inputs.services.extend(mapped);
    }
    inputs.referenced = referenced::read_referenced(
        root,
        inputs.platform.as_ref(),
        &inputs.services,
        sources,
        &mut diags,
    );
    check_expanded_sources(&inputs, &expanded, sources, &mut diags);
    (inputs, diags)
}

/// What mapping a Score file needs: the platform's sizes and the module types.
fn score_cx(inputs: &Inputs, sources: &SourceMap) -> score::ScoreCx {
    let written = inputs
        .platform
        .as_ref()
        .and_then(|p| p.value.get("sizes"))
        .and_then(serde_json::Value::as_object);
    let sizes = match written {
        Some(sizes) => sizes
            .iter()
            .map(|(n, s)| {
                let text = |k: &str| {
                    s.get(k)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string()
                };
                (n.clone(), text("cpu"), text("memory"))
            })
            .collect(),
        None => score::BUILTIN_SIZES
            .iter()
            .map(|(n, c, m)| (n.to_string(), c.to_string(), m.to_string()))
            .collect(),
    };
    let mut module_types: Vec<String> =
        BUILTIN_MODULES.iter().map(|(n, _)| n.to_string()).collect();
    for module in &inputs.modules {
        let name = &sources.file(module.file).name;
        if let Some(kind) = name.split('/').nth(1) {
            module_types.push(kind.to_string());
        }
    }
    module_types.sort();
    module_types.dedup();
    score::ScoreCx {
        sizes,
        module_types,
    }
}

/// E0626 for each `source` file a Score workload wants expanded whose text holds a
/// placeholder or `$$`: pave would mount it as written, so the two would differ.
fn check_expanded_sources(
    inputs: &Inputs,
    expanded: &[score::ExpandedSource],
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) {
    for e in expanded {
        let Some(file) = inputs.referenced.get(&e.path) else {
            continue;
        };
        let text = &sources.file(*file).text;
        if text.contains("${") || text.contains("$$") {
            diags.push(messages::score_source_expands(e.at, &e.path));
        }
    }
}

fn relative_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads a file into the source map; `None` when it cannot be read or is not UTF-8.
fn read_file(
    root: &Path,
    path: &Path,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<FileId> {
    FileRead::of(root, path).admit(sources, diags)
}

/// A file read from disk, before it enters the source map: reading (and indexing its
/// lines) needs no map, so it can run on any thread.
enum FileRead {
    Text(SourceFile),
    /// Not UTF-8: the text as read (lossy) and the offset of the first bad byte.
    NotUtf8(SourceFile, usize),
    Failed(String, std::io::Error),
}

impl FileRead {
    fn of(root: &Path, path: &Path) -> FileRead {
        let name = relative_name(root, path);
        match fs::read(path).map(String::from_utf8) {
            Err(e) => FileRead::Failed(name, e),
            Ok(Ok(text)) => FileRead::Text(SourceFile::new(name, text)),
            Ok(Err(e)) => {
                let offset = e.utf8_error().valid_up_to();
                let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                FileRead::NotUtf8(SourceFile::new(name, lossy), offset)
            }
        }
    }

    /// Adds the file to the source map (`None`, with its diagnostic, if unusable).
    fn admit(self, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) -> Option<FileId> {
        match self {
            FileRead::Text(file) => Some(sources.push(file)),
            FileRead::NotUtf8(file, offset) => {
                let file = sources.push(file);
                diags.push(messages::not_utf8(Span::new(file, offset, offset + 1)));
                None
            }
            FileRead::Failed(name, e) => {
                diags.push(messages::cannot_read_file(name, &e));
                None
            }
        }
    }
}

fn parse_file(
    file: FileId,
    sources: &SourceMap,
    diags: &mut Vec<Diagnostic>,
    kind: Kind,
) -> Option<Document> {
    let (doc, mut file_diags) = parse_text(file, sources, kind);
    diags.append(&mut file_diags);
    doc
}

/// YAML or KDL by the file's extension; `kind` tells KDL where the schema wants lists.
pub(crate) fn parse_text(
    file: FileId,
    sources: &SourceMap,
    kind: Kind,
) -> (Option<Document>, Vec<Diagnostic>) {
    let source = sources.file(file);
    match source.name.ends_with(".kdl") {
        true => kdl::parse(file, &source.text, kind),
        false => yaml::parse(file, &source.text),
    }
}

/// Parses YAML text that did not come from disk (tests, embedded data).
pub(crate) fn parse_yaml(file: FileId, text: &str) -> (Option<Document>, Vec<Diagnostic>) {
    yaml::parse(file, text)
}

/// Parses KDL text that did not come from disk (the fuzz targets); `kind` tells where lists go.
pub(crate) fn parse_kdl(
    file: FileId,
    text: &str,
    kind: Kind,
) -> (Option<Document>, Vec<Diagnostic>) {
    kdl::parse(file, text, kind)
}

/// Runs `f` on a thread with rayon's default worker stack (2 MiB), where service files
/// are parsed: the depth bounds must hold there.
#[cfg(test)]
pub(crate) fn on_small_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn_scoped(s, f)
            .unwrap()
            .join()
            .unwrap()
    })
}

/// Each diagnostic's code and the text under its primary label, for tests.
#[cfg(test)]
pub(crate) fn labelled(text: &str, diags: &[Diagnostic]) -> Vec<(crate::diag::Code, String)> {
    diags
        .iter()
        .map(|d| {
            let s = d.primary_span().unwrap();
            (d.code, text[s.start..s.end].to_string())
        })
        .collect()
}

/// Fails when `work(large)` takes more than 24 times as long as `work(small)`, where
/// `large` is 8 times the size of `small`: linear work takes about 8 times as long,
/// quadratic work 64 times. Each input runs three times, the two alternating, and its
/// fastest run counts, so a loaded machine slows both sides alike instead of failing
/// the test (a burst of load during the three large runs would otherwise count); no
/// fixed time budget is involved.
#[cfg(test)]
pub(crate) fn assert_grows_linearly<T: ?Sized>(
    what: &str,
    small: &T,
    large: &T,
    work: impl Fn(&T),
) {
    let timed = |input: &T| {
        let started = std::time::Instant::now();
        work(input);
        started.elapsed()
    };
    let (mut fastest_small, mut fastest_large) =
        (std::time::Duration::MAX, std::time::Duration::MAX);
    for _ in 0..3 {
        fastest_small = fastest_small.min(timed(small));
        fastest_large = fastest_large.min(timed(large));
    }
    let (small, large) = (fastest_small, fastest_large);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 24.0,
        "{what}: {small:?}, at 8 times the size {large:?} ({ratio:.1}x; linear is about 8x)"
    );
}

/// The service a file of `services/` is named for: its stem without the extension
/// (`services/api.score.yaml` → `api`).
fn service_stem(path: &str) -> Option<&str> {
    let file = path.rsplit('/').next()?;
    [".score.yaml", ".score.yml", ".yaml", ".yml", ".kdl"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))
}

#[cfg(test)]
mod tests {
    /// Work that is quadratic in its input's length.
    fn pairs(items: &[u32]) {
        let mut equal = 0usize;
        for a in items {
            equal += items.iter().filter(|b| *b == a).count();
        }
        assert!(equal >= items.len());
    }

    #[test]
    #[should_panic(expected = "linear is about 8x")]
    fn quadratic_work_fails_the_linear_check() {
        let (small, large): (Vec<u32>, Vec<u32>) = ((0..500).collect(), (0..4_000).collect());
        super::assert_grows_linearly("pairs", &small[..], &large[..], pairs);
    }
}
