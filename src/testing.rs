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

/// The manifest's content hash of `bytes` (lowercase hex SHA-256).
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::digest::sha256_hex(bytes)
}

/// Path -> SHA-256 of every file the manifest `bytes` owns, in whichever format pave
/// wrote it; `None` if pave would not read it.
pub fn manifest_hashes(bytes: &[u8]) -> Option<std::collections::BTreeMap<String, String>> {
    crate::emit::owned_hashes(bytes)
}
