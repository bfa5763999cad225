//! The one place YAML output is formatted: pave's own serde serializer.
//!
//! It writes YAML that YAML 1.1 readers (Kubernetes, Helm) read the same way:
//! strings such as `on`, `no`, `0755`, `1e3`, `~` or `null` are quoted, so a value
//! that was a string in the sources stays a string in the cluster. The bytes are
//! exactly the ones serde-saphyr 2.1 writes with pave's options (two-space indent,
//! lists not indented under their key, no folding): [`scalar`] holds its quoting
//! rules, [`emit`] its layout. It writes straight into one `String` as serde walks
//! the value, deciding each string's quoting in one pass over its bytes.
//!
//! In debug builds [`differential`] can run serde-saphyr next to it on every
//! document and record any difference (the tests turn it on).

use serde::Serialize;

use crate::output::WriteError;

#[cfg(debug_assertions)]
pub(crate) mod differential;
mod emit;
#[cfg(test)]
mod property_tests;
mod scalar;

/// Serializes a value as one YAML document: two-space indentation, lists not indented
/// under their key (as kubectl writes them), LF line ends and a final newline.
///
/// Fails only on values YAML cannot hold (a map with non-scalar keys, a `Serialize`
/// impl that fails), which pave's output types never contain; callers report it
/// rather than panic.
pub(crate) fn to_yaml<T: ?Sized + Serialize>(value: &T) -> Result<String, WriteError> {
    let mut out = String::with_capacity(1024);
    value
        .serialize(&mut emit::Emitter::new(&mut out))
        .map_err(|e| WriteError {
            format: "YAML",
            message: e.0,
        })?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    #[cfg(debug_assertions)]
    differential::observe(value, &out);
    Ok(out)
}

/// A scalar written with a comment after it on its line: `value # comment`. The
/// comment is dropped when the value is a list or map. Line breaks and control
/// characters in the comment become spaces.
pub(crate) struct Commented<T>(pub(crate) T, pub(crate) String);

impl<T: Serialize> Serialize for Commented<T> {
    /// A tuple struct of (comment, value) under a name the serializer recognises;
    /// serde-saphyr's own `Commented` has the same shape, so both write it alike.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTupleStruct as _;
        let mut pair = s.serialize_tuple_struct(emit::COMMENTED, 2)?;
        pair.serialize_field(&self.1)?;
        pair.serialize_field(&self.0)?;
        pair.end()
    }
}

/// The same document as serde-saphyr writes it with pave's options: the reference
/// the writer is tested against and the baseline of the benchmark.
#[doc(hidden)]
pub fn to_yaml_reference<T: ?Sized + Serialize>(value: &T) -> Result<String, WriteError> {
    let mut options = serde_saphyr::SerializerOptions::default();
    options.indent_step = 2;
    // Long single-line strings stay on one line; only multi-line strings use `|`.
    options.folded_wrap_chars = usize::MAX / 2;
    options.min_fold_chars = usize::MAX / 2;
    let mut out =
        serde_saphyr::to_string_with_options(&value, options).map_err(|e| WriteError {
            format: "YAML",
            message: e.to_string(),
        })?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn yaml11_traps_are_quoted() {
        let traps = [
            "yes", "no", "on", "off", "0755", "1e3", "~", "null", "true", "1.10", "y",
        ];
        let map: BTreeMap<&str, &str> = traps.iter().map(|t| (*t, *t)).collect();
        let out = to_yaml(&map).unwrap();
        for t in traps {
            let quoted = out.contains(&format!(": \"{t}\"")) || out.contains(&format!(": '{t}'"));
            assert!(quoted, "{t} is not quoted in:\n{out}");
        }
    }

    #[test]
    fn a_list_as_a_map_key_is_an_error_not_a_panic() {
        let err = to_yaml(&BTreeMap::from([(vec!["a"], 1)])).unwrap_err();
        assert_eq!(err.format, "YAML");
        assert!(err.message.contains("map key"), "{err}");
    }

    #[test]
    fn a_comment_follows_its_scalar_and_is_one_line() {
        let value = BTreeMap::from([("uses", Commented("a@1", "v1\nx".to_string()))]);
        assert_eq!(to_yaml(&value).unwrap(), "uses: a@1 # v1 x\n");
    }

    /// A value whose serialization fails, as a bug in an output type would.
    struct Refuses;

    impl Serialize for Refuses {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("refused"))
        }
    }

    #[test]
    fn a_value_that_cannot_be_serialized_is_an_error_not_a_panic() {
        let err = to_yaml(&BTreeMap::from([("a", Refuses)])).unwrap_err();
        assert_eq!(err.format, "YAML");
        assert!(err.message.contains("refused"), "{err}");
    }
}
