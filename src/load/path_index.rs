//! [`PathIndex`]: where each node of a document is, keyed by JSON pointer.
//!
//! The index is the bridge between format-neutral values and source text: a schema
//! error, a resolution error or a policy finding names a JSON pointer, and the index
//! gives the span to point at.

use std::collections::HashMap;

use crate::source::Span;

/// The spans of one node: its key in the parent mapping (if any) and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSpans {
    pub key: Option<Span>,
    pub value: Span,
}

/// JSON pointer (RFC 6901) -> spans, for every node of one document.
#[derive(Debug, Default)]
pub struct PathIndex {
    nodes: HashMap<String, NodeSpans>,
}

impl PathIndex {
    pub fn insert(&mut self, pointer: String, spans: NodeSpans) {
        self.nodes.insert(pointer, spans);
    }

    /// The span of the value at `pointer`, or of the nearest ancestor that is indexed.
    pub fn value_span(&self, pointer: &str) -> Option<Span> {
        self.nearest(pointer).map(|n| n.value)
    }

    /// The span of the key at `pointer` when the node itself is indexed and has a key.
    pub fn key_span(&self, pointer: &str) -> Option<Span> {
        self.nodes.get(pointer).and_then(|n| n.key)
    }

    pub fn get(&self, pointer: &str) -> Option<&NodeSpans> {
        self.nodes.get(pointer)
    }

    fn nearest(&self, pointer: &str) -> Option<&NodeSpans> {
        let mut p = pointer;
        loop {
            if let Some(n) = self.nodes.get(p) {
                return Some(n);
            }
            let cut = p.rfind('/')?;
            p = &p[..cut];
        }
    }
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/`.
pub fn pointer_push(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
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
    fn escapes_pointer_tokens() {
        assert_eq!(pointer_push("/env", "a/b~c"), "/env/a~1b~0c");
    }
}
