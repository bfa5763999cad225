//! The on-disk shape of input files as typed structs (cargo's `TomlManifest` idea).
//!
//! These types know nothing about YAML, KDL or spans: they are decoded from the
//! format-neutral value tree after schema validation, so decoding rarely fails and,
//! when it does, the error carries a JSON pointer that maps back to a span.

pub mod platform;
pub mod service;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diag::{Code, Diagnostic};
use crate::load::Document;

/// Decodes the value at `base` of `doc` (or `value` when given) into `T`.
pub fn decode<T: DeserializeOwned>(
    doc: &Document,
    base: &str,
    value: &Value,
) -> Result<T, Box<Diagnostic>> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e
            .path()
            .iter()
            .map(|seg| format!("/{seg}"))
            .collect::<String>();
        let pointer = format!("{base}{path}");
        Box::new(
            Diagnostic::error(Code::E0201, format!("invalid value: {}", e.inner()))
                .primary(doc.span(&pointer), "here"),
        )
    })
}

/// Renders a scalar the way a user wrote it, for fields that are strings in the output
/// (`cpu: 1` and `cpu: "1"` mean the same quantity).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
