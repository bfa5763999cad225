//! `<output>/.pave-manifest.json`: the files pave owns, their hashes and the pave version.
//!
//! Only files listed here are ever deleted, and a file whose hash on disk differs
//! from the one recorded here was edited by hand.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::output::{OutputTree, Scope};

pub const FILE_NAME: &str = ".pave-manifest.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub pave: String,
    pub files: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

impl Entry {
    pub fn scope(&self) -> Scope {
        Scope {
            env: self.env.clone(),
            service: self.service.clone(),
        }
    }
}

impl Manifest {
    /// The manifest describing `tree`.
    pub fn of(tree: &OutputTree) -> Manifest {
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
        }
    }

    pub fn parse(bytes: &[u8]) -> Option<Manifest> {
        serde_json::from_slice(bytes).ok()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text.into_bytes()
    }
}
