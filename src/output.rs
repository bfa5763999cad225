//! The in-memory output tree: what renderers produce and the emitter writes.

use std::collections::BTreeMap;

/// Which (environment, service) a generated file belongs to; used by `--env`/`--service`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    pub env: Option<String>,
    pub service: Option<String>,
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
    pub scope: Scope,
}

/// Every generated file, keyed and ordered by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputTree {
    pub files: BTreeMap<String, Artifact>,
    /// Folders (relative to the repository root) whose files pave may own.
    pub roots: Vec<String>,
}

impl OutputTree {
    pub fn insert(&mut self, artifact: Artifact) {
        self.files.insert(artifact.path.clone(), artifact);
    }
}
