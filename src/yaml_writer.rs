//! The one place YAML output is formatted.
//!
//! serde-saphyr writes YAML that YAML 1.1 readers (Kubernetes, Helm) read the same
//! way: strings such as `on`, `no`, `0755`, `1e3`, `~` or `null` are quoted, so a
//! value that was a string in the sources stays a string in the cluster.

use serde::Serialize;

use crate::output::WriteError;

/// Serializes a value as one YAML document: two-space indentation, lists not indented
/// under their key (as kubectl writes them), LF line ends and a final newline.
///
/// Fails only on values YAML cannot hold (a map with non-string keys), which pave's
/// output types never contain; callers report it rather than panic.
pub(crate) fn to_yaml<T: Serialize>(value: &T) -> Result<String, WriteError> {
    let mut options = serde_saphyr::SerializerOptions::default();
    options.indent_step = 2;
    // Long single-line strings stay on one line; only multi-line strings use `|`.
    options.folded_wrap_chars = usize::MAX / 2;
    options.min_fold_chars = usize::MAX / 2;
    let mut out = serde_saphyr::to_string_with_options(value, options).map_err(|e| WriteError {
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
