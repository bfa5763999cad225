//! A parsed input file as every stage after loading sees it: a [`Document`] is a
//! format-neutral value tree plus a [`PathIndex`], where each node is, keyed by JSON
//! pointer.
//!
//! The index is the bridge between format-neutral values and source text: a schema
//! error, a resolution error or a policy finding names a JSON pointer, and the index
//! gives the span to point at. This module sits below both `load` (which builds
//! documents) and `schema` (which checks them), so neither imports the other's types.

use std::collections::HashMap;

use crate::source::{FileId, Span};

/// The spans of one node: its key in the parent mapping (if any) and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NodeSpans {
    pub(crate) key: Option<Span>,
    pub(crate) value: Span,
}

/// JSON pointer (RFC 6901) -> spans, for every node of one document.
#[derive(Debug, Default)]
pub(crate) struct PathIndex {
    nodes: HashMap<String, NodeSpans>,
}

impl PathIndex {
    pub(crate) fn insert(&mut self, pointer: String, spans: NodeSpans) {
        self.nodes.insert(pointer, spans);
    }

    /// The span of the value at `pointer`, or of the nearest ancestor that is indexed.
    pub(crate) fn value_span(&self, pointer: &str) -> Option<Span> {
        self.nearest(pointer).map(|n| n.value)
    }

    /// The span of the key at `pointer` when the node itself is indexed and has a key.
    pub(crate) fn key_span(&self, pointer: &str) -> Option<Span> {
        self.nodes.get(pointer).and_then(|n| n.key)
    }

    pub(crate) fn get(&self, pointer: &str) -> Option<&NodeSpans> {
        self.nodes.get(pointer)
    }

    fn nearest(&self, pointer: &str) -> Option<&NodeSpans> {
        pointer_and_ancestors(pointer).find_map(|p| self.nodes.get(p))
    }
}

/// One parsed input file.
#[derive(Debug)]
pub(crate) struct Document {
    pub(crate) file: FileId,
    pub(crate) value: serde_json::Value,
    pub(crate) index: PathIndex,
}

impl Document {
    /// The span of the value at a JSON pointer, or of its closest ancestor that has one.
    pub(crate) fn span(&self, pointer: &str) -> Span {
        self.index
            .value_span(pointer)
            .unwrap_or(Span::new(self.file, 0, 0))
    }

    /// The span of the key at a JSON pointer (the value's span when it has no key).
    pub(crate) fn key_span(&self, pointer: &str) -> Span {
        self.index
            .key_span(pointer)
            .unwrap_or_else(|| self.span(pointer))
    }
}

/// A JSON pointer, then each of its ancestors up to the root (`""`), nearest first:
/// the walk behind every "the nearest node that has one" lookup.
pub(crate) fn pointer_and_ancestors(pointer: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(pointer), |p| p.rfind('/').map(|cut| &p[..cut]))
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/`.
/// The children of a mapping or a list with their pointer tokens (keys, or indexes as
/// text); none for a scalar.
pub(crate) fn children(value: &serde_json::Value) -> Vec<(String, &serde_json::Value)> {
    match value {
        serde_json::Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn pointer_push(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    // Most tokens (keys, indexes) need no escape: copied whole.
    if !token.contains(['~', '/']) {
        out.push_str(token);
        return out;
    }
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_a_pointer_up_to_the_root() {
        let walk: Vec<&str> = pointer_and_ancestors("/a/b~1c/0").collect();
        assert_eq!(walk, ["/a/b~1c/0", "/a/b~1c", "/a", ""]);
        assert_eq!(pointer_and_ancestors("").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn escapes_pointer_tokens() {
        assert_eq!(pointer_push("/env", "a/b~c"), "/env/a~1b~0c");
        assert_eq!(pointer_push("/env", "PORT"), "/env/PORT");
    }
}
