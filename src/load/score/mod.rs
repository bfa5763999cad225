//! Score workload files (`services/<name>.score.yaml`, `apiVersion: score.dev/v1b1`)
//! as service input.
//!
//! A Score file is checked against the vendored Score schema, then mapped onto the
//! value tree a pave service file would have. The mapped document keeps the Score
//! file's `FileId`, and its `PathIndex` gives every mapped node the span of the Score
//! value it came from, so the service schema, `model` and `resolve` run unchanged and
//! their diagnostics still point at the Score file's lines. What pave cannot honour is
//! an error at its line (E0620), never dropped.

mod containers;
mod metadata;
mod resources;
mod text;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::messages;
use crate::diag::Diagnostic;
use crate::document::{Document, NodeSpans, PathIndex, pointer_push};
use crate::schema::{self, Kind};
use crate::source::Span;

/// The size classes pave uses when the platform defines none: name, CPU, memory.
/// `resolve` reads the same table, so the two never disagree.
pub(crate) const BUILTIN_SIZES: &[(&str, &str, &str)] = &[
    ("small", "100m", "128Mi"),
    ("medium", "250m", "512Mi"),
    ("large", "1", "2Gi"),
];

/// The prefix of the annotations that carry pave-only fields.
pub(crate) const ANNOTATION_PREFIX: &str = "pave.dev/";

/// What mapping needs from outside the Score file.
pub(crate) struct ScoreCx {
    /// The platform's size classes (name, CPU, memory), or the built-in ones.
    pub(crate) sizes: Vec<(String, String, String)>,
    /// Module types a resource may name: the built-in and the repository's.
    pub(crate) module_types: Vec<String>,
}

/// A file a workload reads with `source` and wants placeholders expanded in (no
/// `noExpand: true`): pave never expands a read file, so its text is checked once read.
#[derive(Debug, Clone)]
pub(crate) struct ExpandedSource {
    /// The repository path the mapped `files.<path>.from` names.
    pub(crate) path: String,
    /// The `source` value in the Score file.
    pub(crate) at: Span,
}

/// Whether a service file is a Score workload (by its name).
pub(crate) fn is_score_file(name: &str) -> bool {
    name.ends_with(".score.yaml") || name.ends_with(".score.yml")
}

/// The service name a file's name promises: its stem, without `.score` for a Score file.
pub(crate) fn service_stem(file_name: &str) -> &str {
    let base = file_name.rsplit('/').next().unwrap_or(file_name);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    match is_score_file(base) {
        true => stem.strip_suffix(".score").unwrap_or(stem),
        false => stem,
    }
}

/// Checks a Score document against the Score schema and maps it onto a pave service
/// document; `None` when either finds a mistake. `text` is the file's text (placeholder spans are found in it); `folder`
/// the repository folder the file is in (`source` paths are relative to it).
pub(crate) fn translate(
    score: &Document,
    text: &str,
    folder: &str,
    cx: &ScoreCx,
) -> (Option<Document>, Vec<ExpandedSource>, Vec<Diagnostic>) {
    let mut errors = schema::validate(score, Kind::Score, "");
    if !errors.is_empty() {
        // The pave-only annotations are read anyway, so a misspelt or malformed one
        // is reported with the schema's errors, not on the run after they are fixed.
        // Only `metadata` is mapped: the rest of a file the schema refuses could
        // report one mistake twice.
        let mut m = Mapper::new(score, text, folder, cx);
        let annotations = m.get("/metadata/annotations");
        // Annotations that are not a mapping are the schema's error: no owner is
        // missing then, only unreadable.
        if m.get("/metadata").is_some_and(Value::is_object)
            && annotations.is_none_or(Value::is_object)
        {
            m.map_metadata();
        }
        // A key the schema already refused (`pave.dev/` alone, a character a key may
        // not hold) is one mistake: the schema's diagnostic says it.
        let refused: Vec<Span> = errors.iter().filter_map(Diagnostic::primary_span).collect();
        let overlaps = |d: &Diagnostic| {
            d.primary_span().is_some_and(|s| {
                refused
                    .iter()
                    .any(|r| r.file == s.file && r.start < s.end && s.start < r.end)
            })
        };
        errors.extend(m.diags.into_iter().filter(|d| !overlaps(d)));
        return (None, Vec::new(), errors);
    }
    let mut m = Mapper::new(score, text, folder, cx);
    m.map();
    let Mapper {
        out,
        origins,
        diags,
        expanded,
        ..
    } = m;
    // A workload with a mapping error is not passed on: the service checks would
    // report what is missing from it a second time. It is still known by name.
    if !diags.is_empty() {
        return (None, Vec::new(), diags);
    }
    let mut index = PathIndex::default();
    index.insert(String::new(), node_spans(score, ""));
    for (pave, from) in origins {
        index.insert(pave, node_spans(score, &from));
    }
    let doc = Document {
        file: score.file,
        value: out,
        index,
    };
    (Some(doc), expanded, diags)
}

/// The spans of a Score node, or the value span of its nearest indexed ancestor.
fn node_spans(score: &Document, pointer: &str) -> NodeSpans {
    score.index.get(pointer).copied().unwrap_or(NodeSpans {
        key: None,
        value: score.span(pointer),
    })
}

/// What a Score resource became, for placeholders that read its outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Mapped {
    /// A module need of this type (`postgres`, `bucket`, …).
    Module(String),
    /// A service need (`service-port`).
    Service,
    /// The environment's domain (`dns`).
    Dns,
    /// The service's route (`route`): no outputs.
    Route,
    /// A scratch volume of the pod (`volume`): mounted, no outputs.
    Volume,
}

/// The state of one mapping: the pave value being built and where each node came from.
pub(super) struct Mapper<'a> {
    pub(super) score: &'a Document,
    pub(super) text: &'a str,
    pub(super) folder: &'a str,
    pub(super) cx: &'a ScoreCx,
    pub(super) out: Value,
    /// (pave pointer, Score pointer) for every node set.
    origins: Vec<(String, String)>,
    /// The pave pointers given an origin by `origin_once`.
    anchored: std::collections::HashSet<String>,
    pub(super) diags: Vec<Diagnostic>,
    pub(super) expanded: Vec<ExpandedSource>,
    /// The workload's name (`metadata.name`).
    pub(super) name: String,
    /// Score resources by name, as mapped.
    pub(super) resources: BTreeMap<String, Mapped>,
    /// The main container's HTTP port, when the workload publishes one.
    pub(super) main_port: Option<u64>,
}

impl<'a> Mapper<'a> {
    fn new(score: &'a Document, text: &'a str, folder: &'a str, cx: &'a ScoreCx) -> Self {
        let name = score.value["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Mapper {
            score,
            text,
            folder,
            cx,
            out: Value::Object(Map::new()),
            origins: Vec::new(),
            anchored: std::collections::HashSet::new(),
            diags: Vec::new(),
            expanded: Vec::new(),
            name,
            resources: BTreeMap::new(),
            main_port: None,
        }
    }

    /// Ports before resources (a route names the main port), resources before
    /// containers (placeholders read what each resource became).
    fn map(&mut self) {
        self.map_metadata();
        self.map_ports();
        self.map_resources();
        self.map_containers();
    }

    /// The Score value at a pointer.
    pub(super) fn get(&self, pointer: &str) -> Option<&'a Value> {
        self.score.value.pointer(pointer)
    }

    /// The keys of the Score object at `pointer`, in file order.
    pub(super) fn keys(&self, pointer: &str) -> Vec<String> {
        self.get(pointer)
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub(super) fn span(&self, pointer: &str) -> Span {
        self.score.span(pointer)
    }

    pub(super) fn key_span(&self, pointer: &str) -> Span {
        self.score.key_span(pointer)
    }

    /// Sets the pave value at `pave`, remembering the Score node it came from.
    pub(super) fn set(&mut self, pave: &str, value: Value, score: &str) {
        insert_at(&mut self.out, pave, value);
        self.origins.push((pave.to_string(), score.to_string()));
    }

    /// Records that the pave node at `pave` (set, or created by a child) stands for `score`.
    pub(super) fn origin(&mut self, pave: &str, score: &str) {
        self.origins.push((pave.to_string(), score.to_string()));
    }

    /// Records `score` as the origin of `pave` unless it has one already.
    pub(super) fn origin_once(&mut self, pave: &str, score: &str) {
        if self.anchored.insert(pave.to_string()) {
            self.origin(pave, score);
        }
    }

    /// Copies a Score value unchanged, with the origin of every node inside it.
    pub(super) fn copy(&mut self, pave: &str, score: &str) {
        let Some(value) = self.get(score) else {
            return;
        };
        self.set(pave, value.clone(), score);
        self.copy_origins(pave, score, value);
    }

    fn copy_origins(&mut self, pave: &str, score: &str, value: &Value) {
        for (token, child) in crate::document::children(value) {
            let (p, s) = (pointer_push(pave, &token), pointer_push(score, &token));
            self.origin(&p, &s);
            self.copy_origins(&p, &s, child);
        }
    }

    /// E0620 at the key of a Score field pave has no equivalent for.
    pub(super) fn refuse(&mut self, pointer: &str, why: &str) {
        let field = pointer
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .replace("~1", "/");
        let d = messages::score_unsupported(self.key_span(pointer), &field, why);
        self.diags.push(d);
    }

    /// E0620 for every field of the object at `pointer` that is not in `known`.
    pub(super) fn refuse_others(&mut self, pointer: &str, known: &[&str], why: &str) {
        for key in self.keys(pointer) {
            if !known.contains(&key.as_str()) {
                self.refuse(&pointer_push(pointer, &key), why);
            }
        }
    }
}

/// Sets `value` at a JSON pointer, creating the objects on the way.
fn insert_at(root: &mut Value, pointer: &str, value: Value) {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = tokens.split_last() else {
        *root = value;
        return;
    };
    let mut node = root;
    for token in parents {
        node = match node {
            Value::Array(a) => match token.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(n) => n,
                None => return,
            },
            other => {
                if !other.is_object() {
                    *other = Value::Object(Map::new());
                }
                let Value::Object(o) = other else { return };
                o.entry(token.clone())
                    .or_insert_with(|| Value::Object(Map::new()))
            }
        };
    }
    match node {
        Value::Array(a) => a.push(value),
        other => {
            if !other.is_object() {
                *other = Value::Object(Map::new());
            }
            if let Value::Object(o) = other {
                o.insert(last.clone(), value);
            }
        }
    }
}

#[cfg(test)]
mod tests;
