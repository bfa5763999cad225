//! Helpers the integration tests use to read generated files the way pave reads its
//! inputs; hidden from the documentation and not part of the API.

use crate::source::FileId;

/// Parses one YAML document with pave's loader: the value, or the diagnostics'
/// messages when it does not parse.
pub fn parse_yaml(text: &str) -> Result<serde_json::Value, String> {
    match crate::load::parse_yaml(FileId(0), text) {
        (Some(doc), diags) if diags.is_empty() => Ok(doc.value),
        (_, diags) => Err(format!("{diags:?}")),
    }
}

/// The SHA-256 of `bytes` in lowercase hex (what manifests before format 4 record).
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::digest::sha256_hex(bytes)
}

/// A repository loaded, resolved and rendered once, so the micro-benchmarks
/// (`benches/hot_paths.rs`) can time one stage at a time.
pub struct Prepared {
    inputs: crate::load::Inputs,
    sources: crate::source::SourceMap,
    model: crate::resolve::Model,
    rendered: crate::render::Rendered,
}

/// Loads, resolves and renders the repository at `root`; `None` when it has errors.
pub fn prepare(root: &std::path::Path) -> Option<Prepared> {
    let mut sources = crate::source::SourceMap::default();
    let (inputs, diags) = crate::load::load(root, &mut sources);
    let (model, more) = crate::resolve::resolve(&inputs, &sources);
    let model = model?;
    let (rendered, render_diags) = crate::render::render(&model, None, None);
    let errors = diags.iter().chain(&more).chain(&render_diags);
    if errors.clone().any(crate::diag::Diagnostic::is_error) {
        return None;
    }
    Some(Prepared {
        inputs,
        sources,
        model,
        rendered,
    })
}

impl Prepared {
    /// The number of Kubernetes objects the policies and the YAML writer see.
    pub fn objects(&self) -> usize {
        self.rendered.objects.len()
    }

    /// Runs the policy stage (every pack in force) once; the number of diagnostics.
    pub fn policies(&self) -> usize {
        let options = crate::policy::Options {
            today: crate::policy::Date::from_days(20_000),
            expiring_within: None,
        };
        let objects = &self.rendered.objects;
        crate::policy::check(&self.inputs, &self.model, objects, &self.sources, options).len()
    }

    /// Writes every Kubernetes object as YAML once; the number of bytes written.
    pub fn yaml(&self) -> usize {
        self.rendered
            .objects
            .iter()
            .map(|o| crate::yaml_writer::to_yaml(&&*o.object).map_or(0, |y| y.len()))
            .sum()
    }
}

/// The hash a manifest pave writes now records for a file with these bytes.
pub fn manifest_hash(bytes: &[u8]) -> String {
    crate::digest::FileHash::of(bytes).to_hex()
}

/// Path -> hash of every file the manifest `bytes` owns, in whichever format pave
/// wrote it (see [`manifest_hash`]); `None` if pave would not read it.
pub fn manifest_hashes(bytes: &[u8]) -> Option<std::collections::BTreeMap<String, String>> {
    crate::emit::owned_hashes(bytes)
}

/// Makes every YAML document pave writes from now on also be written by
/// serde-saphyr and compared (debug builds only); see [`yaml_differential_finish`].
#[cfg(debug_assertions)]
pub fn yaml_differential_start() {
    crate::yaml_writer::differential::start();
}

/// Stops the comparison: the number of documents compared and, for each that
/// differed, the first differing line of both.
#[cfg(debug_assertions)]
pub fn yaml_differential_finish() -> (usize, Vec<String>) {
    let record = crate::yaml_writer::differential::finish();
    (record.compared, record.mismatches)
}

/// Compiles the repository at `root` in memory (every stage, nothing written);
/// whether it compiled without errors.
pub fn compiles(root: &std::path::Path) -> bool {
    let options = crate::policy::Options {
        today: crate::policy::Date::from_days(20_000),
        expiring_within: None,
    };
    !crate::compile(root, options).has_errors()
}

/// Writes `value` with pave's YAML writer and with serde-saphyr (the reference).
pub fn yaml_both<T: serde::Serialize + ?Sized>(
    value: &T,
) -> (Result<String, String>, Result<String, String>) {
    (
        crate::yaml_writer::to_yaml(value).map_err(|e| e.message),
        crate::yaml_writer::to_yaml_reference(value).map_err(|e| e.message),
    )
}

/// Writes every Kubernetes object of a prepared repository with serde-saphyr, the
/// writer pave used before its own (the benchmark's baseline).
impl Prepared {
    pub fn yaml_reference(&self) -> usize {
        self.rendered
            .objects
            .iter()
            .map(|o| crate::yaml_writer::to_yaml_reference(&&*o.object).map_or(0, |y| y.len()))
            .sum()
    }
}

/// Writes one value as YAML with pave's writer, or with serde-saphyr when
/// `reference` (the benchmark's baseline); the number of bytes written.
pub fn yaml_value(value: &serde_json::Value, reference: bool) -> usize {
    let written = match reference {
        true => crate::yaml_writer::to_yaml_reference(value),
        false => crate::yaml_writer::to_yaml(value),
    };
    written.map_or(0, |y| y.len())
}
