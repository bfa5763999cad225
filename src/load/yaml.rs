//! YAML text -> (`serde_json::Value`, [`PathIndex`]), through saphyr's span-carrying tree.
//!
//! saphyr resolves scalars by the YAML 1.2 core schema, so `on`, `yes` and `0755`
//! stay strings and a quoted scalar is always a string: what the user quoted is
//! never turned into a boolean or a number. Duplicate keys are rejected by saphyr.

use saphyr::{LoadableYamlNode, MarkedYaml, Marker, Scalar, YamlData};
use serde_json::{Map, Number, Value};

use super::{Document, NodeSpans, PathIndex, pointer_push};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, LineIndex, Span};

/// Parses one YAML file. Returns no document when the file has a syntax error,
/// is empty, or holds more than one document.
pub fn parse(file: FileId, text: &str) -> (Option<Document>, Vec<Diagnostic>) {
    let lines = LineIndex::new(text);
    let pos = |m: &Marker| lines.offset(text, m.line(), m.col());
    let docs = match MarkedYaml::load_from_str(text) {
        Ok(docs) => docs,
        Err(e) => {
            let at = pos(e.marker());
            let end = next_char_boundary(text, at);
            let diag = match e.info() {
                info if info.contains("duplicated key") => {
                    Diagnostic::error(Code::E0104, "duplicate key in mapping")
                        .primary(
                            Span::new(file, at, key_end(text, at)),
                            "this key appears earlier in the same mapping",
                        )
                        .help("remove one of the two entries")
                }
                info => Diagnostic::error(Code::E0103, format!("YAML syntax error: {info}"))
                    .primary(Span::new(file, at, end), "here")
                    .help("check indentation and brackets just before this point; quote values that contain `: `, ` #`, `{`, `[`, or `${` inside `{ ... }`"),
            };
            return (None, vec![diag]);
        }
    };
    let mut docs = docs.into_iter();
    let Some(root) = docs
        .next()
        .filter(|d| !matches!(d.data, YamlData::Value(Scalar::Null)))
    else {
        let diag = Diagnostic::error(Code::E0105, "file is empty")
            .primary(Span::new(file, 0, 0), "expected a mapping")
            .help("an input file holds one YAML mapping, e.g. `name: my-service`");
        return (None, vec![diag]);
    };
    if let Some(second) = docs.next() {
        let at = pos(&second.span.start);
        let diag = Diagnostic::error(Code::E0107, "file holds more than one YAML document")
            .primary(Span::new(file, at, at), "a second document starts here")
            .help("keep one document per file; remove the `---` separator");
        return (None, vec![diag]);
    }
    let mut lower = Lower {
        file,
        text,
        lines: &lines,
        index: PathIndex::default(),
        diags: Vec::new(),
    };
    let value = lower.node(&root, String::new(), None);
    let Lower { index, diags, .. } = lower;
    let doc = diags.is_empty().then_some(Document { file, value, index });
    (doc, diags)
}

struct Lower<'a> {
    file: FileId,
    text: &'a str,
    lines: &'a LineIndex,
    index: PathIndex,
    diags: Vec<Diagnostic>,
}

impl Lower<'_> {
    fn span(&self, node: &MarkedYaml) -> Span {
        let start = self
            .lines
            .offset(self.text, node.span.start.line(), node.span.start.col());
        let end = self
            .lines
            .offset(self.text, node.span.end.line(), node.span.end.col());
        match &node.data {
            // Collections span many lines; point at their first line only.
            YamlData::Mapping(_) | YamlData::Sequence(_) => {
                Span::new(self.file, start, line_end(self.text, start))
            }
            _ => Span::new(self.file, start, end.max(start)),
        }
    }

    fn node(&mut self, node: &MarkedYaml, pointer: String, key: Option<Span>) -> Value {
        let span = self.span(node);
        self.index
            .insert(pointer.clone(), NodeSpans { key, value: span });
        match &node.data {
            YamlData::Value(scalar) => scalar_value(scalar),
            YamlData::Sequence(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.node(item, pointer_push(&pointer, &i.to_string()), None))
                    .collect(),
            ),
            YamlData::Mapping(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    let key_span = self.span(k);
                    let Some(name) = key_string(k) else {
                        self.diags.push(
                            Diagnostic::error(Code::E0108, "mapping keys must be plain strings")
                                .primary(key_span, "this key is not a string")
                                .help("write the key as a plain word, e.g. `name:`"),
                        );
                        continue;
                    };
                    let child = pointer_push(&pointer, &name);
                    let value = self.node(v, child, Some(key_span));
                    map.insert(name, value);
                }
                Value::Object(map)
            }
            YamlData::Tagged(tag, _) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::E0108,
                        format!("YAML tags are not supported (`!{}`)", tag.suffix),
                    )
                    .primary(span, "tagged value")
                    .help("remove the tag; quote the value if it must stay a string"),
                );
                Value::Null
            }
            YamlData::Alias(_) => {
                self.diags.push(
                    Diagnostic::error(Code::E0108, "YAML anchors and aliases are not supported")
                        .primary(span, "alias")
                        .help(
                            "write the value out; platform `defaults` are the way to share values",
                        ),
                );
                Value::Null
            }
            YamlData::BadValue | YamlData::Representation(..) => {
                self.diags.push(
                    Diagnostic::error(Code::E0103, "value cannot be read as its tagged type")
                        .primary(span, "invalid value"),
                );
                Value::Null
            }
        }
    }
}

fn scalar_value(scalar: &Scalar) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        // Infinity and NaN have no JSON form; keep their text so the schema reports them.
        Scalar::FloatingPoint(f) => {
            Number::from_f64(f.0).map_or_else(|| Value::String(f.0.to_string()), Value::Number)
        }
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

/// A mapping key as a string: strings as written, numbers and booleans by their text.
fn key_string(key: &MarkedYaml) -> Option<String> {
    match &key.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        _ => None,
    }
}

fn line_end(text: &str, start: usize) -> usize {
    text[start..].find('\n').map_or(text.len(), |i| start + i)
}

/// The end of a plain key starting at `at`: up to the `:` on its line.
fn key_end(text: &str, at: usize) -> usize {
    let end = line_end(text, at);
    text[at..end].find(':').map_or(end, |i| at + i)
}

fn next_char_boundary(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(at, |c| at + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, pointer: &str, expect_value: Value, expect_snippet: &str) {
        let (doc, diags) = parse(FileId(0), text);
        assert!(diags.is_empty(), "{diags:?}");
        let doc = doc.unwrap();
        assert_eq!(doc.value.pointer(pointer), Some(&expect_value));
        let span = doc.index.value_span(pointer).unwrap();
        assert_eq!(&text[span.start..span.end], expect_snippet);
    }

    #[test]
    fn quoted_and_yaml11_scalars_stay_strings() {
        check("env:\n  A: \"on\"\n", "/env/A", Value::from("on"), "\"on\"");
        check("env:\n  A: on\n", "/env/A", Value::from("on"), "on");
        check(
            "env:\n  A: \"0755\"\n",
            "/env/A",
            Value::from("0755"),
            "\"0755\"",
        );
        check("env:\n  A: '~'\n", "/env/A", Value::from("~"), "'~'");
        check("replicas: 3\n", "/replicas", Value::from(3), "3");
    }

    #[test]
    fn spans_count_bytes_after_multibyte_characters() {
        check(
            "description: café\nport: 8080\n",
            "/port",
            Value::from(8080),
            "8080",
        );
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_second_key() {
        let text = "name: a\nowner: x\nname: b\n";
        let (_, diags) = parse(FileId(0), text);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, Code::E0104);
        let span = diags[0].primary_span().unwrap();
        assert_eq!(&text[span.start..span.end], "name");
        assert_eq!(span.start, 17);
    }
}
