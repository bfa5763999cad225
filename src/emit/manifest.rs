//! `<output>/.pave-manifest.json`: the files pave owns, their hashes and the pave version.
//!
//! Only files listed here are ever deleted, and a file whose hash on disk differs
//! from the one recorded here was edited by hand.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::inventory::Inventory;
use crate::output::{OutputTree, Scope};

pub(super) const FILE_NAME: &str = ".pave-manifest.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct Manifest {
    pub(crate) pave: String,
    pub(crate) files: BTreeMap<String, Entry>,
    /// What the files make per environment; absent in a manifest written before pave
    /// recorded it, which means "unknown", never an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) infrastructure: Option<Inventory>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct Entry {
    pub(crate) sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) service: Option<String>,
}

impl Entry {
    pub(super) fn scope(&self) -> Scope {
        Scope {
            env: self.env.clone(),
            service: self.service.clone(),
        }
    }
}

impl Manifest {
    /// The manifest describing `tree`.
    pub(super) fn of(tree: &OutputTree) -> Manifest {
        let files = tree
            .files
            .par_iter()
            .map(|(_, a)| {
                let entry = Entry {
                    sha256: crate::digest::sha256_hex(&a.bytes),
                    env: a.scope.env.clone(),
                    service: a.scope.service.clone(),
                };
                (a.path.clone(), entry)
            })
            .collect();
        Manifest {
            pave: env!("CARGO_PKG_VERSION").to_string(),
            files,
            infrastructure: Some(tree.inventory.clone()),
        }
    }

    pub(super) fn parse(bytes: &[u8]) -> Option<Manifest> {
        serde_json::from_slice(bytes).ok()
    }

    pub(super) fn to_bytes(&self) -> Vec<u8> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text.into_bytes()
    }
}
