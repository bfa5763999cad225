//! `<output>/.pave-journal`: what a build is switching, so an interrupted build can be
//! finished by the next one.
//!
//! The journal is written (staged, then renamed, so it is whole or absent) after every
//! file, the new manifest included, is staged and before the first rename. It lists
//! the roots staged whole and the files to rename into place, the stale files to
//! delete, and the manifest, renamed into place last.
//! Replaying it is idempotent: a root or file already renamed has no staged copy, a
//! deleted file is missing. In a fresh tree the journal is written into the output
//! folder's shadow, and renaming the shadow is the commit.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::manifest::{self, Manifest};
use super::safe_fs::{self, Probe};
use crate::output::Layout;

pub(super) const FILE_NAME: &str = ".pave-journal";

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Journal {
    pub(crate) pave: String,
    /// Output roots staged whole in their shadow (`.<root>.pave-tmp`), renamed into
    /// place first. When the output folder is one of them, the journal itself is in its
    /// shadow, and renaming that shadow commits the journal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) roots: Vec<String>,
    /// Files staged as `.<name>.pave-tmp`, renamed over `<name>` by the switch.
    pub(crate) writes: Vec<String>,
    /// Files the old manifest owns and the new one drops, deleted before the manifest.
    pub(crate) stale: Vec<String>,
    /// The manifest, staged as `.<name>.pave-tmp` beside it and renamed last.
    pub(crate) manifest: String,
    /// The new manifest's text, in a journal an earlier pave wrote (it staged the
    /// manifest only in the switch). Absent now: the manifest is staged before the
    /// journal, like every other file, so the journal does not carry (and escape) the
    /// manifest's megabytes a second time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) manifest_bytes: Option<String>,
}

/// `<output>/.pave-journal`: the journal lives in the output folder.
pub(super) fn path(layout: &Layout) -> String {
    layout.in_output(FILE_NAME)
}

impl Journal {
    pub(super) fn to_bytes(&self) -> Vec<u8> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text.into_bytes()
    }

    pub(super) fn parse(bytes: &[u8]) -> Option<Journal> {
        serde_json::from_slice(bytes).ok()
    }

    /// The first path the journal may not touch: outside the roots, a manifest that is
    /// not the output's, or a stale file the manifest on disk does not own.
    pub(super) fn invalid_path(&self, dir: &Path, layout: &Layout) -> Option<String> {
        let expected = layout.in_output(manifest::FILE_NAME);
        if self.manifest != expected {
            return Some(self.manifest.clone());
        }
        let owned = match safe_fs::read(dir, &expected) {
            Ok(Some(bytes)) => Manifest::parse(&bytes).unwrap_or_default(),
            _ => Manifest::default(),
        };
        let outside = |p: &&String| !super::plan::is_safe(p, layout.roots());
        let not_a_root = |r: &&String| !layout.stages_whole(r);
        self.roots
            .iter()
            .find(not_a_root)
            .or_else(|| self.writes.iter().find(outside))
            .or_else(|| self.stale.iter().find(outside))
            .or_else(|| self.stale.iter().find(|p| !owned.files.contains_key(*p)))
            .cloned()
    }
}

/// Whether a journal (or anything in its place) is in the tree. A symlink or a file
/// above it (the output folder itself, say) is not a journal: the command refuses that
/// path when it reads the tree (E0405, E0406).
pub(super) fn exists(dir: &Path, layout: &Layout) -> bool {
    let journal = path(layout);
    match probe(dir, layout) {
        Probe::Missing | Probe::NotFolder(_) => false,
        Probe::Symlink(link) => link == journal,
        Probe::File | Probe::Folder => true,
    }
}

fn probe(dir: &Path, layout: &Layout) -> Probe {
    safe_fs::probe(dir, &path(layout)).unwrap_or(Probe::File)
}
