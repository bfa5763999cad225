//! The on-disk shape of input files as typed structs (cargo's `TomlManifest` idea).
//!
//! These types know nothing about YAML, KDL or spans: they are decoded from the
//! format-neutral value tree after schema validation, so decoding rarely fails and,
//! when it does, the error carries a JSON pointer that maps back to a span.
//!
//! Every enum the schema declares is a serde enum here, so an unknown value is the
//! schema's error at its line and never reaches a fallback. `serde_json::Value`
//! remains only where the input is arbitrary JSON by design (each such field says so).

pub(crate) mod module;
pub(crate) mod platform;
pub(crate) mod policy;
pub(crate) mod service;

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::diag::{Code, Diagnostic};
use crate::load::{Document, pointer_push};

/// Decodes `value`, found at pointer `base` of `doc`, into `T`; a decode error points
/// at the value that failed.
pub(crate) fn decode<T: DeserializeOwned>(
    doc: &Document,
    base: &str,
    value: &Value,
) -> Result<T, Diagnostic> {
    decode_with(value, base, |pointer| doc.span(pointer))
}

/// [`decode`] of a value merged from several places (a service and its environment
/// override): `span_of` says where the value at a pointer was written.
pub(crate) fn decode_with<T: DeserializeOwned>(
    value: &Value,
    base: &str,
    span_of: impl Fn(&str) -> crate::source::Span,
) -> Result<T, Diagnostic> {
    // Decoded without tracking the path first: a value that passed the schema almost
    // always decodes, and tracking costs every node. Only a failure is decoded again,
    // with the path, to say where (the same input fails the same way).
    if let Ok(decoded) = T::deserialize(value) {
        return Ok(decoded);
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        // Escaped like any pointer: a key may hold `/` (`app.kubernetes.io/name`).
        let pointer = e.path().iter().fold(base.to_string(), |at, seg| {
            pointer_push(&at, &seg.to_string())
        });
        let (message, help) = serde_message(&e.inner().to_string());
        // Named as the schema's messages name a field: its path, dot-separated.
        let field: Vec<String> = e.path().iter().map(|s| s.to_string()).collect();
        let message = match field.join(".") {
            f if f.is_empty() || f == "?" => format!("invalid value: {message}"),
            f => format!("invalid value for `{f}`: {message}"),
        };
        let diag = Diagnostic::error(Code::E0201, message).primary(span_of(&pointer), "here");
        match help {
            Some(help) => diag.help(help),
            None => diag,
        }
    })
}

/// serde's message in the words of the file: `invalid type: floating point `2.0`,
/// expected u32` names Rust types; the schema lets `2.0` through as an integer (JSON
/// Schema counts it as one), so this is where a decimal point in a count is caught.
fn serde_message(inner: &str) -> (String, Option<String>) {
    const WHOLE: [&str; 10] = [
        "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize",
    ];
    let mut text = inner.replace("invalid type: ", "found ");
    let mut whole = false;
    for ty in WHOLE {
        let rust = format!("expected {ty}");
        if text.ends_with(&rust) {
            text.truncate(text.len() - rust.len());
            text.push_str("expected a whole number");
            whole = true;
        }
    }
    let text = text.replace("floating point", "the decimal number");
    // An untagged enum (a probe: a path, `false` or a handler) names its Rust type.
    let text = match text.starts_with("data did not match any variant of untagged enum") {
        true => "it is none of the forms this field takes (a number written with a decimal point, such as `8080.0`, is not a port or a count)".to_string(),
        false => text,
    };
    let written = inner.split('`').nth(1).unwrap_or("2.0");
    let whole_number = written.split('.').next().unwrap_or(written);
    let zero_fraction = written
        .split_once('.')
        .is_some_and(|(_, f)| f.bytes().all(|b| b == b'0'));
    let help = (whole && inner.contains("floating point")).then(|| match zero_fraction {
        true => {
            format!("write the number without a decimal point (`{whole_number}`, not `{written}`)")
        }
        false => "this field counts whole things: write a whole number".to_string(),
    });
    (text, help)
}

/// Renders a scalar the way a user wrote it, for fields that are strings in the output
/// (`cpu: 1` and `cpu: "1"` mean the same quantity).
pub(crate) fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A field written `true | false | { settings }` (`targets.terraform`, `targets.ci`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(crate) enum Toggle<T> {
    Enabled(bool),
    Settings(T),
}

impl<T> Toggle<T> {
    /// The settings, or `None` when the target is off; `true` and an absent field
    /// mean "on with the defaults".
    pub(crate) fn settings(field: Option<&Toggle<T>>) -> Option<Option<&T>> {
        match field {
            Some(Toggle::Enabled(false)) => None,
            Some(Toggle::Enabled(true)) | None => Some(None),
            Some(Toggle::Settings(settings)) => Some(Some(settings)),
        }
    }
}

/// A Kubernetes quantity (`cpu: 250m`, `cpu: 1`, `memory: 512Mi`), kept as written: a
/// number keeps its JSON text, so `1` and `"1"` are the same quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Quantity(pub(crate) String);

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Quantity, D::Error> {
        /// The two spellings the schema allows.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Text(String),
            Number(serde_json::Number),
        }
        Ok(Quantity(match Written::deserialize(deserializer)? {
            Written::Text(text) => text,
            Written::Number(n) => n.to_string(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Settings {
        atlantis: bool,
    }

    fn toggle(v: Value) -> Toggle<Settings> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_toggle_is_a_bool_or_settings() {
        assert_eq!(toggle(json!(true)), Toggle::Enabled(true));
        assert_eq!(toggle(json!(false)), Toggle::Enabled(false));
        assert_eq!(
            toggle(json!({ "atlantis": true })),
            Toggle::Settings(Settings { atlantis: true })
        );
        assert!(serde_json::from_value::<Toggle<Settings>>(json!("yes")).is_err());
    }

    #[test]
    fn toggle_settings_say_off_default_or_given() {
        let off = toggle(json!(false));
        let on = toggle(json!(true));
        let given = toggle(json!({ "atlantis": false }));
        assert_eq!(Toggle::settings(Some(&off)), None);
        assert_eq!(Toggle::settings(Some(&on)), Some(None));
        assert_eq!(Toggle::<Settings>::settings(None), Some(None));
        assert_eq!(
            Toggle::settings(Some(&given)),
            Some(Some(&Settings { atlantis: false }))
        );
    }

    #[test]
    fn a_decode_error_points_at_the_value_even_under_a_key_with_a_slash() {
        let text = "labels:\n  app.kubernetes.io/name: [1]\n";
        let (doc, _) = crate::load::parse_yaml(crate::source::FileId(0), text);
        let doc = doc.unwrap();
        #[derive(Debug, Deserialize)]
        struct Labels {
            #[allow(dead_code)]
            labels: std::collections::BTreeMap<String, String>,
        }
        let d = decode::<Labels>(&doc, "", &doc.value).unwrap_err();
        assert_eq!(d.code, Code::E0201);
        assert_eq!(
            d.primary_span(),
            Some(doc.span("/labels/app.kubernetes.io~1name"))
        );
        // Unescaped, the pointer would name nothing and fall back to another span.
        assert_ne!(
            doc.span("/labels/app.kubernetes.io/name"),
            doc.span("/labels/app.kubernetes.io~1name")
        );
    }

    #[test]
    fn a_quantity_keeps_its_text() {
        let q = |v: Value| serde_json::from_value::<Quantity>(v).unwrap().0;
        assert_eq!(q(json!("250m")), "250m");
        assert_eq!(q(json!(1)), "1");
        assert_eq!(q(json!(0.5)), "0.5");
        assert_eq!(q(json!("1")), "1");
        assert!(serde_json::from_value::<Quantity>(json!(true)).is_err());
    }
}
