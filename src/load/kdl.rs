//! KDL text -> (`serde_json::Value`, [`PathIndex`]): the same value tree YAML gives,
//! so KDL files obey the same schemas and get the same diagnostics.
//!
//! The mapping (kdl-rs's serde convention): a node with one argument is a scalar,
//! several arguments a list, properties and children a mapping; a node named `-` is
//! a list item, and a repeated name is a list. A single argument where the schema
//! expects a list (`command "/app/server"`) becomes a one-item list.

use std::collections::{BTreeMap, HashMap};

use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};
use serde_json::{Map, Value};

use super::{Document, MAX_DEPTH, NodeSpans, PathIndex, pointer_push, too_deep};
use crate::diag::{Code, Diagnostic};
use crate::schema::{self, Kind};
use crate::source::{FileId, Span};

/// The stack the KDL parser runs on, before the part that grows with the input.
const BASE_STACK: usize = 64 << 20;
/// Stack per input byte: kdl's parser recurses once per error it recovers from.
const STACK_PER_BYTE: usize = 2 << 10;
const MAX_STACK: usize = 1 << 30;

/// Parses one KDL file on a thread of its own.
///
/// kdl's parser is recursive descent: it recurses per block level, per token inside
/// a `/* */` comment and per syntax error it recovers from. [`prepare`] removes the
/// first two (comment interiors are blanked, depth is bounded); the thread's stack,
/// sized from the input, keeps error recovery within bounds on any caller's stack
/// (rayon workers have 2 MiB).
pub(super) fn parse(file: FileId, text: &str, kind: Kind) -> (Option<Document>, Vec<Diagnostic>) {
    let prepared = match prepare(file, text) {
        Ok(p) => p,
        Err(diag) => return (None, vec![diag]),
    };
    let stack = BASE_STACK
        .saturating_add(text.len().saturating_mul(STACK_PER_BYTE))
        .min(MAX_STACK);
    let run = || parse_prepared(file, &prepared, kind);
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("pave-kdl".into())
            .stack_size(stack)
            .spawn_scoped(scope, run);
        match spawned.map(|handle| handle.join()) {
            Ok(Ok(result)) => result,
            Ok(Err(_)) | Err(_) => {
                let diag = Diagnostic::error(
                    Code::E0101,
                    "cannot parse file: out of memory for the KDL parser",
                )
                .primary(Span::new(file, 0, 0), "this file")
                .help("make the file smaller or free memory, then run again");
                (None, vec![diag])
            }
        }
    })
}

/// The text kdl is given: every multi-line comment's interior replaced by spaces
/// (same byte offsets, so spans stay right); an error when blocks nest deeper than
/// [`MAX_DEPTH`] or a `}` closes nothing.
fn prepare(file: FileId, text: &str) -> Result<String, Diagnostic> {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut depth = 1usize;
    let mut i = 0;
    while i < bytes.len() {
        i = match bytes[i] {
            b'"' => string_end(bytes, i, 0),
            b'#' => raw_string_end(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => line_end(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => blank_comment(bytes, &mut out, i),
            b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(too_deep(Span::new(file, i, i + 1)));
                }
                i + 1
            }
            b'}' if depth == 1 => {
                return Err(Diagnostic::error(
                    Code::E0103,
                    "KDL syntax error: `}` closes no block",
                )
                .primary(Span::new(file, i, i + 1), "unmatched `}`")
                .help("remove it, or add the `{` it belongs to"));
            }
            b'}' => {
                depth -= 1;
                i + 1
            }
            _ => i + 1,
        };
    }
    // Only whole characters inside comments were replaced by ASCII spaces.
    Ok(String::from_utf8(out).unwrap_or_else(|_| text.to_string()))
}

/// The end of a quoted string starting at `i` (`"…"` or `"""…"""`); `hashes` > 0
/// for raw strings, which have no escapes and end at `"` followed by as many `#`.
fn string_end(bytes: &[u8], i: usize, hashes: usize) -> usize {
    let quotes = if bytes[i..].starts_with(b"\"\"\"") {
        3
    } else {
        1
    };
    let mut j = i + quotes;
    while j < bytes.len() {
        if hashes == 0 && bytes[j] == b'\\' {
            j += 2;
            continue;
        }
        let closes = bytes[j..].starts_with(&b"\"\"\""[..quotes])
            && bytes[j + quotes..]
                .iter()
                .take(hashes)
                .filter(|&&b| b == b'#')
                .count()
                == hashes;
        if closes {
            return j + quotes + hashes;
        }
        j += 1;
    }
    bytes.len()
}

/// `#"…"#`, `##"…"##`, …; a `#` that starts no raw string (`#true`) is skipped.
fn raw_string_end(bytes: &[u8], i: usize) -> usize {
    let hashes = bytes[i..].iter().take_while(|&&b| b == b'#').count();
    match bytes.get(i + hashes) {
        Some(b'"') => string_end(bytes, i + hashes, hashes),
        _ => i + hashes,
    }
}

fn line_end(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| i + n)
}

/// Blanks the interior of the (nested) comment opening at `i`; returns its end.
fn blank_comment(bytes: &[u8], out: &mut [u8], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < bytes.len() {
        if bytes[j..].starts_with(b"/*") {
            depth += 1;
            j += 2;
        } else if bytes[j..].starts_with(b"*/") {
            depth -= 1;
            j += 2;
            if depth == 0 {
                out[i + 2..j - 2].fill(b' ');
                return j;
            }
        } else {
            j += 1;
        }
    }
    // Unclosed: kdl reports it; blanking keeps its scan of the rest flat.
    out[i + 2..].fill(b' ');
    bytes.len()
}

fn parse_prepared(file: FileId, text: &str, kind: Kind) -> (Option<Document>, Vec<Diagnostic>) {
    let doc: KdlDocument = match text.parse() {
        Ok(d) => d,
        Err(e) => {
            let e: kdl::KdlError = e;
            // kdl reports follow-on errors of the first; one root cause, one diagnostic.
            let diags = e
                .diagnostics
                .iter()
                .take(1)
                .map(|d| {
                    let at = d.span.offset();
                    Diagnostic::error(
                        Code::E0103,
                        format!(
                            "KDL syntax error: {}",
                            d.message.clone().unwrap_or_else(|| "invalid KDL".into())
                        ),
                    )
                    .primary(
                        Span::new(file, at, at + d.span.len().max(1)),
                        d.label.clone().unwrap_or_else(|| "here".into()),
                    )
                    .help(d.help.clone().unwrap_or_else(|| {
                        "KDL v2: strings are quoted, booleans are #true and #false".into()
                    }))
                })
                .collect();
            return (None, diags);
        }
    };
    if doc.nodes().is_empty() {
        let diag = Diagnostic::error(Code::E0105, "file is empty")
            .primary(Span::new(file, 0, 0), "expected nodes")
            .help("a service file holds nodes such as `name \"my-service\"`");
        return (None, vec![diag]);
    }
    let mut lower = Lower {
        file,
        text,
        index: PathIndex::default(),
        diags: Vec::new(),
        repeated: HashMap::new(),
    };
    let mut value = lower.document(&doc, "");
    lower.index.insert(
        String::new(),
        NodeSpans {
            key: None,
            value: Span::new(file, 0, 0),
        },
    );
    wrap_lists(&mut value, "", kind, &mut lower.index);
    lower.check_repeated(&value, kind);
    let Lower { index, diags, .. } = lower;
    let doc = diags.is_empty().then_some(Document { file, value, index });
    (doc, diags)
}

struct Lower<'t> {
    file: FileId,
    /// The file's text, to find a property's value inside its entry.
    text: &'t str,
    index: PathIndex,
    diags: Vec<Diagnostic>,
    /// Nodes written more than once in one block, which become a list: the list's
    /// pointer, and the names of its first and second node.
    repeated: HashMap<String, (Span, Span)>,
}

impl Lower<'_> {
    fn span(&self, s: miette::SourceSpan) -> Span {
        Span::new(self.file, s.offset(), s.offset() + s.len())
    }

    /// The value of a `key=value` entry: after the `=` and any space, to the entry's
    /// end without trailing space (the entry's span starts at the key).
    fn property_value(&self, entry: Span, key: Span) -> Span {
        let Some(written) = self.text.get(key.end..entry.end) else {
            return entry;
        };
        let Some(eq) = written.find('=') else {
            return entry;
        };
        let after = &written[eq + 1..];
        let start = key.end + eq + 1 + (after.len() - after.trim_start().len());
        let end = entry.end - (written.len() - written.trim_end().len());
        match start < end {
            true => Span::new(self.file, start, end),
            false => entry,
        }
    }

    /// Nodes as a mapping; `-` nodes as a list.
    fn document(&mut self, doc: &KdlDocument, pointer: &str) -> Value {
        let nodes = doc.nodes();
        if !nodes.is_empty() && nodes.iter().all(|n| n.name().value() == "-") {
            return Value::Array(
                nodes
                    .iter()
                    .enumerate()
                    .map(|(i, n)| self.node(n, pointer_push(pointer, &i.to_string())))
                    .collect(),
            );
        }
        // Counted once per block: a count per node would be quadratic in siblings.
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for n in nodes {
            *counts.entry(n.name().value()).or_default() += 1;
        }
        let mut map = Map::new();
        for node in nodes {
            let name = node.name().value().to_string();
            if counts.get(name.as_str()).is_some_and(|&c| c > 1) {
                let position = map.get(&name).and_then(Value::as_array).map_or(0, Vec::len);
                let list = pointer_push(pointer, &name);
                let name_at = self.span(node.name().span());
                match position {
                    0 => {
                        self.repeated.insert(list, (name_at, name_at));
                    }
                    1 => {
                        if let Some(first) = self.repeated.get_mut(&list) {
                            first.1 = name_at;
                        }
                    }
                    _ => {}
                }
                let child = pointer_push(&pointer_push(pointer, &name), &position.to_string());
                let value = self.node(node, child);
                let list = map
                    .entry(name.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = list {
                    items.push(value);
                }
                let span = self.span(node.span());
                self.index.insert(
                    pointer_push(pointer, &name),
                    NodeSpans {
                        key: Some(self.span(node.name().span())),
                        value: span,
                    },
                );
            } else {
                let value = self.node(node, pointer_push(pointer, &name));
                map.insert(name, value);
            }
        }
        Value::Object(map)
    }

    fn node(&mut self, node: &KdlNode, pointer: String) -> Value {
        let span = self.span(node.span());
        let name = node.name().value();
        let args: Vec<&KdlEntry> = node
            .entries()
            .iter()
            .filter(|e| e.name().is_none())
            .collect();
        let props: Vec<&KdlEntry> = node
            .entries()
            .iter()
            .filter(|e| e.name().is_some())
            .collect();
        // The name as written (quoted, escaped or raw), not as long as its value.
        let key = (name != "-").then(|| self.span(node.name().span()));
        match (
            args.as_slice(),
            props.is_empty() && node.children().is_none(),
        ) {
            ([one], true) => {
                let s = self.span(one.span());
                self.index
                    .insert(pointer.clone(), NodeSpans { key, value: s });
                self.scalar(one.value(), s)
            }
            ([], _) => {
                self.index
                    .insert(pointer.clone(), NodeSpans { key, value: span });
                let mut map = Map::new();
                let mut written: HashMap<String, Span> = HashMap::new();
                for p in &props {
                    let k = p.name().map(|n| n.value().to_string()).unwrap_or_default();
                    let s = self.span(p.span());
                    let key_at = p.name().map_or(s, |n| self.span(n.span()));
                    // KDL keeps the last of two equal properties; pave, as with YAML's
                    // duplicate keys, says so instead of dropping one silently.
                    if let Some(&first) = written.get(&k) {
                        self.diags.push(duplicate_key(key_at, first));
                        continue;
                    }
                    written.insert(k.clone(), key_at);
                    let value_at = match p.name() {
                        Some(_) => self.property_value(s, key_at),
                        None => s,
                    };
                    self.index.insert(
                        pointer_push(&pointer, &k),
                        NodeSpans {
                            key: Some(key_at),
                            value: value_at,
                        },
                    );
                    let value = self.scalar(p.value(), value_at);
                    map.insert(k, value);
                }
                if let Some(children) = node.children() {
                    self.check_children_against_properties(children, &written);
                }
                match node.children() {
                    Some(children) => match self.document(children, &pointer) {
                        Value::Object(child) => {
                            map.extend(child);
                            Value::Object(map)
                        }
                        list if map.is_empty() => list,
                        // `- ` children are a list: properties beside them have no key
                        // to live under, and one of the two would be dropped.
                        _ => {
                            self.diags.push(mixed_node(name, span));
                            Value::Null
                        }
                    },
                    None => Value::Object(map),
                }
            }
            (many, true) => {
                self.index
                    .insert(pointer.clone(), NodeSpans { key, value: span });
                Value::Array(
                    many.iter()
                        .enumerate()
                        .map(|(i, e)| {
                            let s = self.span(e.span());
                            self.index.insert(
                                pointer_push(&pointer, &i.to_string()),
                                NodeSpans {
                                    key: None,
                                    value: s,
                                },
                            );
                            self.scalar(e.value(), s)
                        })
                        .collect(),
                )
            }
            _ => {
                self.diags.push(mixed_node(name, span));
                Value::Null
            }
        }
    }
}

impl Lower<'_> {
    /// A node written twice where the schema wants one value (`name`, an `env` key)
    /// is one key written twice, as in YAML: E0104, not a list the schema then refuses.
    fn check_repeated(&mut self, value: &Value, kind: Kind) {
        // By block: the schema is asked once per block, however many names repeat.
        let mut by_parent: BTreeMap<&str, Vec<(String, Span, Span)>> = BTreeMap::new();
        for (pointer, &(first, second)) in &self.repeated {
            let (parent, token) = pointer.rsplit_once('/').unwrap_or(("", pointer));
            by_parent
                .entry(parent)
                .or_default()
                .push((decode_token(token), first, second));
        }
        let mut found = Vec::new();
        // Inside a block that is itself a refused repeat (`proxy { ... }` twice), the
        // schema has no answer for the list it became: its inner repeats are not
        // reported again. Parents come in path order, so an outer one is seen first.
        let mut refused: Vec<String> = Vec::new();
        for (parent, names) in by_parent {
            if refused.iter().any(|r| parent.starts_with(&format!("{r}/"))) {
                continue;
            }
            let Some(Value::Object(siblings)) = value.pointer(parent) else {
                continue;
            };
            let wants = schema::children_expect_arrays(kind, value, parent);
            let position: HashMap<&String, usize> =
                siblings.keys().enumerate().map(|(i, k)| (k, i)).collect();
            for (name, first, second) in names {
                let scalar = position.get(&name).and_then(|&i| wants.get(i)) == Some(&false);
                if scalar {
                    found.push(duplicate_key(second, first));
                    refused.push(pointer_push(parent, &name));
                }
            }
        }
        found.sort_by_key(|d| d.primary_span().map(|s| s.start));
        self.diags.extend(found);
    }

    /// A child node named like one of its parent's properties (`route host="a" { host
    /// "b" }`) is one key written twice: the child would silently replace the property.
    fn check_children_against_properties(
        &mut self,
        children: &KdlDocument,
        properties: &HashMap<String, Span>,
    ) {
        for child in children.nodes() {
            let key = child.name().value();
            if let Some(&first) = properties.get(key) {
                let at = self.span(child.name().span());
                self.diags.push(duplicate_key(at, first));
            }
        }
    }

    /// A KDL value as JSON; a number JSON cannot hold (beyond 64 bits, `#inf`,
    /// `#nan`) is an error rather than a silently changed value.
    fn scalar(&mut self, v: &KdlValue, span: Span) -> Value {
        let number = match v {
            KdlValue::String(s) => return Value::String(s.clone()),
            KdlValue::Bool(b) => return Value::Bool(*b),
            KdlValue::Null => return Value::Null,
            KdlValue::Integer(i) => i64::try_from(*i).ok().map(serde_json::Number::from),
            KdlValue::Float(f) => serde_json::Number::from_f64(*f),
        };
        if let Some(n) = number {
            return Value::Number(n);
        }
        self.diags.push(
            Diagnostic::error(Code::E0110, format!("number `{v}` is out of range"))
                .primary(span, "not a 64-bit number")
                .help("quote it if it is text"),
        );
        Value::Null
    }
}

fn mixed_node(name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::E0108,
        format!("node `{name}` mixes arguments with properties or children"),
    )
    .primary(span, "ambiguous node")
    .help("write a value as one argument (`replicas 2`), a mapping as properties or children (`autoscale min=2 max=6`), a list as `-` children")
}

/// A JSON pointer token unescaped (`~1` is `/`, `~0` is `~`).
fn decode_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn duplicate_key(at: Span, first: Span) -> Diagnostic {
    Diagnostic::error(Code::E0104, "duplicate key in mapping")
        .primary(at, "this key appears earlier in the same mapping")
        .secondary(first, "first written here")
        .help("remove one of the two entries")
}

/// A scalar where the schema expects a list becomes a one-item list.
fn wrap_lists(value: &mut Value, pointer: &str, kind: Kind, index: &mut PathIndex) {
    let root = value.clone();
    wrap_at(value, pointer, kind, &root, index);
}

/// Wraps the children of `value` (at `pointer`) that need it, then recurses.
fn wrap_at(value: &mut Value, pointer: &str, kind: Kind, root: &Value, index: &mut PathIndex) {
    let wants = schema::children_expect_arrays(kind, root, pointer);
    let children: Vec<(String, &mut Value)> = match value {
        Value::Object(map) => map.iter_mut().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for ((token, child), wants) in children.into_iter().zip(wants) {
        let at = pointer_push(pointer, &token);
        match child {
            Value::Object(_) | Value::Array(_) => wrap_at(child, &at, kind, root, index),
            Value::Null => {}
            scalar if wants => {
                if let Some(spans) = index.get(&at).copied() {
                    let item = NodeSpans {
                        key: None,
                        value: spans.value,
                    };
                    index.insert(pointer_push(&at, "0"), item);
                }
                *scalar = Value::Array(vec![scalar.take()]);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{labelled, on_small_stack};

    fn errors(text: &str) -> Vec<(Code, String)> {
        let (_, diags) = on_small_stack(|| parse(FileId(0), text, Kind::Service));
        labelled(text, &diags)
    }

    #[test]
    fn a_repeated_block_is_one_duplicate_and_its_inner_lists_are_not_more() {
        let text = "name \"a\"\nsidecars {\n    proxy {\n        args \"x\"\n        args \"y\"\n    }\n    proxy {\n        image \"c/d:1\"\n    }\n}\nname \"b\"\nargs \"p\"\nargs \"q\"\n";
        let found = errors(text);
        assert_eq!(
            found,
            vec![(Code::E0104, "proxy".into()), (Code::E0104, "name".into())]
        );
    }

    fn nested(depth: usize) -> String {
        format!(
            "name \"a\"\nenv {}1{}\n",
            "{ a ".repeat(depth),
            " }".repeat(depth)
        )
    }

    #[test]
    fn deep_blocks_are_an_error_at_the_first_brace_too_deep() {
        // The document is level 1, so the 64th `{` opens level 65.
        assert!(errors(&nested(MAX_DEPTH - 1)).is_empty());
        for depth in [MAX_DEPTH, 300, 5000] {
            let text = nested(depth);
            let found = errors(&text);
            assert_eq!(found, vec![(Code::E0109, "{".to_string())]);
            let (_, diags) = parse(FileId(0), &text, Kind::Service);
            let at = diags[0].primary_span().unwrap().start;
            assert_eq!(text[..at].matches('{').count(), MAX_DEPTH - 1);
        }
    }

    #[test]
    fn braces_and_comment_marks_inside_strings_do_not_count() {
        let text =
            "name \"a\"\nenv {\n  A \"}}}{{{\"\n  B #\"/* }\"#\n  C \"\"\"\n  }}\n  \"\"\"\n}\n";
        let (doc, diags) = parse(FileId(0), text, Kind::Service);
        assert!(diags.is_empty(), "{diags:?}");
        let env = &doc.unwrap().value["env"];
        assert_eq!(env["A"], "}}}{{{");
        assert_eq!(env["B"], "/* }");
    }

    #[test]
    fn long_comments_parse_on_a_small_stack() {
        let text = format!(
            "/{}/\nname \"a\" /* x /* {} */ */\n",
            "*".repeat(20_000),
            "/".repeat(9_999)
        );
        let (doc, diags) = on_small_stack(|| parse(FileId(0), &text, Kind::Service));
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(doc.unwrap().value["name"], "a");
    }

    #[test]
    fn syntax_errors_in_bulk_do_not_overflow_the_stack() {
        for garbage in [")", "=", "a=", "}"] {
            let text = format!("name \"a\"\n{}\n", garbage.repeat(5000));
            let found = errors(&text);
            assert_eq!(found.len(), 1, "{garbage}: {found:?}");
            assert_eq!(found[0].0, Code::E0103);
        }
    }

    #[test]
    fn numbers_beyond_64_bits_are_errors() {
        let text = "name \"a\"\nenv { A 99999999999999999999; B #inf; C 1.5 }\n";
        let codes: Vec<Code> = errors(text).into_iter().map(|e| e.0).collect();
        assert_eq!(codes, vec![Code::E0110, Code::E0110]);
    }

    #[test]
    fn many_keys_and_repeated_names_load_in_linear_time() {
        // `keys` env entries and `keys / 30` repeated `args` nodes (a list).
        let text = |keys: usize| {
            let mut text = String::from("name \"a\"\nenv {\n");
            for i in 0..keys {
                text.push_str(&format!("  KEY_{i} \"value-{i}\"\n"));
            }
            text.push_str("}\n");
            text.push_str(&"args \"--x\"\n".repeat(keys / 30));
            text
        };
        let (small, large) = (text(2_000), text(16_000));
        let (doc, diags) = parse(FileId(0), &large, Kind::Service);
        assert!(diags.is_empty(), "{:?}", diags.first());
        let doc = doc.unwrap();
        assert_eq!(doc.value["env"].as_object().unwrap().len(), 16_000);
        assert_eq!(doc.value["args"].as_array().unwrap().len(), 533);
        crate::load::assert_grows_linearly("KDL keys and names", &small, &large, |t| {
            assert!(parse(FileId(0), t, Kind::Service).0.is_some());
        });
    }
}
