//! YAML text -> (`serde_json::Value`, [`PathIndex`]), built straight from saphyr's
//! event stream.
//!
//! pave builds the tree itself instead of using saphyr's loader so that every walk is
//! iterative and linear and every rule is checked where the text is:
//! - nesting is bounded ([`MAX_DEPTH`]): the tree is built on an explicit stack, so
//!   no input can overflow the call stack, and the first too-deep node is reported;
//! - anchors and aliases are rejected where they are written (saphyr's loader would
//!   silently copy the anchored value), and so are YAML 1.1 merge keys (`<<`), once
//!   at the key;
//! - duplicate keys are found after key stringification (`true` and `"true"` are
//!   one key), every one of them;
//! - numbers that do not survive as an `f64` (`99999999999999999999999`, `1e309`)
//!   are errors, so a value never changes silently.
//!
//! Scalars are resolved by the YAML 1.2 core schema, so `on`, `yes` and `0755` stay
//! strings and a quoted scalar is always a string: what the user quoted is never
//! turned into a boolean or a number. A scalar's value span is exactly its text
//! (quotes included), so later stages can recover what the author wrote.

use std::borrow::Cow;

use saphyr::{Scalar, ScalarStyle, Tag};
use saphyr_parser::{Event, Marker, Parser, ScanError};
use serde_json::{Map, Number, Value};

use super::{Document, MAX_DEPTH, NodeSpans, PathIndex, pointer_push, too_deep};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, LineIndex, Span};

/// Parses one YAML file. Returns no document when the file has an error, is empty,
/// or holds more than one document.
pub(super) fn parse(file: FileId, text: &str) -> (Option<Document>, Vec<Diagnostic>) {
    let lines = LineIndex::new(text);
    let mut builder = Builder {
        file,
        at: Offsets::new(text, &lines),
        stack: Vec::new(),
        root: None,
        index: PathIndex::default(),
        diags: Vec::new(),
        documents: 0,
        merge_at: None,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let flow = match event {
            Ok((event, span)) => builder.event(event, span.start, span.end),
            Err(e) => Err(builder.scan_error(&e)),
        };
        if let Err(diag) = flow {
            return (None, vec![diag]);
        }
    }
    builder.finish()
}

/// Converts saphyr's (line, character column) markers to byte offsets.
///
/// Markers arrive almost always in text order, so a cursor that only walks forward
/// keeps the conversion linear even on a single very long line.
struct Offsets<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    line: usize,
    col: usize,
    byte: usize,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str, lines: &'a LineIndex) -> Self {
        Offsets {
            text,
            lines,
            line: 1,
            col: 0,
            byte: 0,
        }
    }

    fn of(&mut self, m: &Marker) -> usize {
        let (line, col) = (m.line().max(1), m.col());
        if line < self.line || (line == self.line && col < self.col) {
            // Rare backward step: restart from the line's start.
            let byte = self.lines.offset(self.text, line, col);
            (self.line, self.col, self.byte) = (line, col, byte);
            return byte;
        }
        if self.line < line {
            // The line's start from the index, whose line breaks are the parser's
            // (`\n`, `\r\n` and a lone `\r`).
            self.byte = self.lines.offset(self.text, line, 0);
            (self.line, self.col) = (line, 0);
        }
        let rest = &self.text[self.byte..];
        let step = rest
            .char_indices()
            .nth(col - self.col)
            .map_or(rest.len(), |(i, _)| i);
        (self.byte, self.col) = (self.byte + step, col);
        self.byte
    }
}

/// Where the next node goes: its pointer and the span of its key, if any.
struct Slot {
    pointer: String,
    key: Option<Span>,
    /// The node is (inside) a mapping key: it is not indexed and not kept.
    in_key: bool,
}

enum Items {
    Seq(Vec<Value>),
    /// A mapping and the key whose value comes next (`None` before each key).
    /// A key that is not a plain string has no name: its value is dropped.
    Map(Map<String, Value>, Option<(Option<String>, Span)>),
}

/// A collection being built.
struct Frame {
    slot: Slot,
    /// The collection's first line.
    span: Span,
    /// A tag or anchor was reported: the collection becomes `null`.
    rejected: bool,
    items: Items,
}

struct Builder<'a> {
    file: FileId,
    at: Offsets<'a>,
    stack: Vec<Frame>,
    root: Option<Value>,
    index: PathIndex,
    diags: Vec<Diagnostic>,
    documents: usize,
    /// The pointer of the last merge key reported: its alias value is not reported again.
    merge_at: Option<String>,
}

/// Processing stops at the first diagnostic that makes the rest meaningless.
type Flow = Result<(), Diagnostic>;

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, start: Marker, end: Marker) -> Flow {
        let span = Span::new(self.file, self.at.of(&start), self.at.of(&end));
        if let Event::DocumentStart(_) = event {
            self.documents += 1;
            return Ok(());
        }
        if !matches!(event, Event::StreamEnd | Event::DocumentEnd) {
            self.second_document(span)?;
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.anchor(anchor, span);
                if style == ScalarStyle::Plain && text == "<<" && self.slot().is_none() {
                    self.merge_key(span);
                }
                let value = self.scalar(text, style, tag.as_ref(), span);
                self.place(value, span);
            }
            Event::Alias(_) => {
                // `<<: *base` is one mistake, reported at the merge key.
                let after_merge_key = self
                    .slot()
                    .is_some_and(|s| Some(&s.pointer) == self.merge_at.as_ref());
                if !after_merge_key {
                    self.diags.push(alias_error(span, "alias"));
                }
                self.place(Value::Null, span);
            }
            Event::SequenceStart(anchor, tag) => {
                return self.open(false, anchor, tag.as_ref(), span);
            }
            Event::MappingStart(anchor, tag) => return self.open(true, anchor, tag.as_ref(), span),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            _ => {}
        }
        Ok(())
    }

    /// A second document is reported at its first node, where its content starts.
    fn second_document(&self, span: Span) -> Flow {
        match self.documents {
            0 | 1 => Ok(()),
            _ => Err(
                Diagnostic::error(Code::E0107, "file holds more than one YAML document")
                    .primary(
                        Span::new(self.file, span.start, span.start),
                        "a second document starts here",
                    )
                    .help("keep one document per file; remove the `---` separator"),
            ),
        }
    }

    fn scan_error(&mut self, e: &ScanError) -> Diagnostic {
        let at = self.at.of(e.marker());
        let end = next_char_boundary(self.at.text, at);
        if e.info().contains("recursion limit") {
            // saphyr's scanner counts flow brackets ahead of the events pave sees.
            let mut diag = too_deep(Span::new(self.file, at, end));
            diag.labels[0].message = "nested too deeply here".into();
            return diag;
        }
        Diagnostic::error(Code::E0103, format!("YAML syntax error: {}", e.info()))
            .primary(Span::new(self.file, at, end), "here")
            .help("check indentation and brackets just before this point; quote values that contain `: `, ` #`, `{`, `[`, or `${` inside `{ ... }`")
    }

    /// A YAML 1.1 merge key (`<<: ...`): YAML 1.2, which pave reads, has none, so it
    /// would be a key named `<<`; reported once, its value is not checked further.
    fn merge_key(&mut self, span: Span) {
        let parent = self.stack.last().map(|f| f.slot.pointer.as_str());
        self.merge_at = Some(pointer_push(parent.unwrap_or_default(), "<<"));
        self.diags.push(
            Diagnostic::error(Code::E0108, "YAML merge keys (`<<`) are not supported")
                .primary(span, "merge key")
                .help("write the keys out; platform `defaults` are the way to share values"),
        );
    }

    fn anchor(&mut self, anchor: usize, span: Span) {
        // saphyr numbers anchors from 1; 0 means none.
        if anchor > 0 {
            self.diags.push(alias_error(span, "anchor"));
        }
    }

    /// A scalar's value by the core schema, or `null` with a diagnostic.
    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<&Cow<'_, Tag>>,
        span: Span,
    ) -> Value {
        if let Some(tag) = tag.filter(|t| !t.is_yaml_core_schema()) {
            self.diags.push(tag_error(tag, span));
            return Value::Null;
        }
        let written = text.clone();
        // A core-schema tag decides the type whatever the quoting (`!!int "3"` is the
        // integer 3 in YAML 1.2); the parser would read any quoted scalar as a string.
        let style = match tag {
            Some(t) if t.suffix != "str" => ScalarStyle::Plain,
            _ => style,
        };
        let tagged = tag.is_some();
        match Scalar::parse_from_cow_and_metadata(text, style, tag) {
            // pave keeps an untagged number's text as written (`1e3` stays `1e3` in an
            // env value); a tagged one has no such text, so it must already be written
            // the way it would be read back.
            Some(Scalar::FloatingPoint(f))
                if tagged && Number::from_f64(f.0).is_some_and(|n| n.to_string() != *written) =>
            {
                let read = Number::from_f64(f.0)
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                self.diags.push(respelled(&written, &read, span));
                Value::Null
            }
            Some(Scalar::FloatingPoint(f)) => match exact_float(&written, f.0, span) {
                Ok(n) => Value::Number(n),
                Err(diag) => {
                    self.diags.push(diag);
                    Value::Null
                }
            },
            // `0x10`, `0o17`, `+5`: read as 16, 15, 5, then written back in decimal
            // wherever the value is text (an `env` value became "16").
            Some(Scalar::Integer(i)) if i.to_string() != *written => {
                self.diags.push(respelled(&written, &i.to_string(), span));
                Value::Null
            }
            Some(scalar) => scalar_value(scalar),
            // `!!bool "True"`, `!!null ""`: the core schema's other spellings, which
            // the tagged reading refuses although an untagged plain scalar has them.
            None if let Some(value) = core_bool_or_null(&written, tag) => value,
            // `!!int 0x1F`: an integer of the core schema the tagged reading refuses;
            // as untagged `0x1F` is, it would be respelled (E0110), so say that.
            None if let Some(i) = untagged_integer(&written, tag) => {
                self.diags.push(respelled(&written, &i.to_string(), span));
                Value::Null
            }
            None => {
                self.diags.push(
                    Diagnostic::error(Code::E0103, "value cannot be read as its tagged type")
                        .primary(span, "invalid value")
                        .help("remove the tag, or write a value of the tagged type"),
                );
                Value::Null
            }
        }
    }

    /// Where the next node goes; `None` when it is a mapping key.
    fn slot(&self) -> Option<Slot> {
        let Some(top) = self.stack.last() else {
            return Some(Slot {
                pointer: String::new(),
                key: None,
                in_key: false,
            });
        };
        let in_key = top.slot.in_key;
        match &top.items {
            Items::Seq(items) => Some(Slot {
                pointer: pointer_push(&top.slot.pointer, &items.len().to_string()),
                key: None,
                in_key,
            }),
            Items::Map(_, Some((name, key))) => Some(Slot {
                pointer: pointer_push(&top.slot.pointer, name.as_deref().unwrap_or("")),
                key: Some(*key),
                in_key: in_key || name.is_none(),
            }),
            Items::Map(_, None) => None,
        }
    }

    /// Puts a finished node where it belongs: root, list item, key or value.
    fn place(&mut self, value: Value, span: Span) {
        let Some(slot) = self.slot() else {
            return self.key(value, span);
        };
        if !slot.in_key {
            self.index.insert(
                slot.pointer,
                NodeSpans {
                    key: slot.key,
                    value: span,
                },
            );
        }
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame {
                items: Items::Seq(items),
                ..
            }) => items.push(value),
            Some(Frame {
                items: Items::Map(map, pending),
                ..
            }) => {
                if let Some((Some(name), _)) = pending.take() {
                    map.insert(name, value);
                }
            }
        }
    }

    /// A finished mapping key: stringified, checked against the keys before it.
    fn key(&mut self, key: Value, span: Span) {
        let name = match key {
            Value::String(s) => Some(s),
            Value::Number(n) if n.is_i64() => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        let Items::Map(map, pending) = &mut frame.items else {
            return;
        };
        match &name {
            None => self.diags.push(
                Diagnostic::error(Code::E0108, "mapping keys must be plain strings")
                    .primary(span, "this key is not a string")
                    .help("write the key as a plain word, e.g. `name:`"),
            ),
            Some(n) if map.contains_key(n) => {
                let first = self.index.key_span(&pointer_push(&frame.slot.pointer, n));
                let mut diag = Diagnostic::error(Code::E0104, "duplicate key in mapping")
                    .primary(span, "this key appears earlier in the same mapping")
                    .help("remove one of the two entries");
                if let Some(first) = first.filter(|_| !frame.slot.in_key) {
                    diag = diag.secondary(first, "first written here");
                }
                self.diags.push(diag);
            }
            Some(_) => {}
        }
        *pending = Some((name, span));
    }

    fn open(
        &mut self,
        is_map: bool,
        anchor: usize,
        tag: Option<&Cow<'_, Tag>>,
        span: Span,
    ) -> Flow {
        let line = Span::new(self.file, span.start, line_end(self.at.text, span.start));
        if self.stack.len() >= MAX_DEPTH {
            return Err(too_deep(line));
        }
        self.anchor(anchor, line);
        let tagged = tag.filter(|t| !t.is_yaml_core_schema());
        if let Some(tag) = tagged {
            self.diags.push(tag_error(tag, line));
        }
        let slot = self.slot().unwrap_or(Slot {
            pointer: String::new(),
            key: None,
            in_key: true,
        });
        let items = match is_map {
            true => Items::Map(Map::new(), None),
            false => Items::Seq(Vec::new()),
        };
        self.stack.push(Frame {
            slot,
            span: line,
            rejected: anchor > 0 || tagged.is_some(),
            items,
        });
        Ok(())
    }

    fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let value = match frame.items {
            _ if frame.rejected => Value::Null,
            Items::Seq(items) => Value::Array(items),
            Items::Map(map, _) => Value::Object(map),
        };
        self.place(value, frame.span);
    }

    fn finish(self) -> (Option<Document>, Vec<Diagnostic>) {
        let Some(value) = self.root.filter(|v| !v.is_null() || !self.diags.is_empty()) else {
            let diag = Diagnostic::error(Code::E0105, "file is empty")
                .primary(Span::new(self.file, 0, 0), "expected a mapping")
                .help("an input file holds one YAML mapping, e.g. `name: my-service`");
            return (None, vec![diag]);
        };
        let doc = self.diags.is_empty().then_some(Document {
            file: self.file,
            value,
            index: self.index,
        });
        (doc, self.diags)
    }
}

fn alias_error(span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(Code::E0108, "YAML anchors and aliases are not supported")
        .primary(span, what)
        .help("write the value out; platform `defaults` are the way to share values")
}

fn tag_error(tag: &Tag, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::E0108,
        format!("YAML tags are not supported (`!{}`)", tag.suffix),
    )
    .primary(span, "tagged value")
    .help("remove the tag; quote the value if it must stay a string")
}

/// What an `!!bool`- or `!!null`-tagged text is in YAML 1.2's core schema
/// (`True`, `FALSE`, `Null`, `~`, the empty text).
fn core_bool_or_null(written: &str, tag: Option<&Cow<'_, Tag>>) -> Option<Value> {
    match (tag.map(|t| t.suffix.as_str()), written) {
        (Some("bool"), "true" | "True" | "TRUE") => Some(Value::Bool(true)),
        (Some("bool"), "false" | "False" | "FALSE") => Some(Value::Bool(false)),
        (Some("null"), "" | "~" | "null" | "Null" | "NULL") => Some(Value::Null),
        _ => None,
    }
}

/// The integer an `!!int`-tagged text is when read without the tag (`0x1F` is 31).
fn untagged_integer(written: &str, tag: Option<&Cow<'_, Tag>>) -> Option<i64> {
    let int_tag = tag.is_some_and(|t| t.suffix == "int");
    match Scalar::parse_from_cow(Cow::Borrowed(written)) {
        Scalar::Integer(i) if int_tag => Some(i),
        _ => None,
    }
}

/// A number that would be read as another spelling of itself (`0x10` as `16`,
/// `!!float "1e3"` as `1000.0`): wherever the value is text it would change.
fn respelled(written: &str, read: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::E0110,
        format!("number `{written}` would be read as `{read}`"),
    )
    .primary(span, format!("this would become `{read}`"))
    .help(format!(
        "write `{read}`, or quote it if it is text (`\"{written}\"`)"
    ))
}

fn scalar_value(scalar: Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(b),
        Scalar::Integer(i) => Value::Number(i.into()),
        Scalar::FloatingPoint(f) => Number::from_f64(f.0).map_or(Value::Null, Value::Number),
        Scalar::String(s) => Value::String(s.into_owned()),
    }
}

/// The number a float literal stands for, when an `f64` holds it exactly (up to
/// the literal's own digits: `1.10` is `1.1`); an error at the value otherwise.
fn exact_float(written: &str, f: f64, span: Span) -> Result<Number, Diagnostic> {
    let help = format!("quote it if it is text (`\"{written}\"`)");
    let Some(n) = Number::from_f64(f) else {
        let (message, label) = match decimal_parts(written) {
            Some(_) => ("is out of range", "too large for a number"),
            None => ("is not a finite number", "not a finite number"),
        };
        return Err(
            Diagnostic::error(Code::E0110, format!("number `{written}` {message}"))
                .primary(span, label)
                .help(help),
        );
    };
    match same_decimal(written, f) {
        true => Ok(n),
        false => Err(Diagnostic::error(
            Code::E0110,
            format!("number `{written}` cannot be represented exactly"),
        )
        .primary(span, format!("this would become `{f}`"))
        .help(help)),
    }
}

/// Whether a decimal literal and an `f64` are the same number: both reduced to
/// significant digits and a decimal exponent. Literals pave cannot read this way
/// (e.g. `.inf`, handled before) count as different.
fn same_decimal(written: &str, f: f64) -> bool {
    let Some(literal) = decimal_parts(written) else {
        return false;
    };
    let shortest = format!("{:e}", f.abs());
    decimal_parts(&shortest) == Some(literal)
}

/// `[-+]digits[.digits][e[-+]digits]` -> (significant digits, exponent of the first
/// one); zero is `("", 0)`.
fn decimal_parts(text: &str) -> Option<(String, i64)> {
    let text = text.trim_start_matches(['-', '+']);
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !(int.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{int}{frac}");
    let leading = digits.len() - digits.trim_start_matches('0').len();
    let significant = digits.trim_matches('0');
    if significant.is_empty() {
        return Some((String::new(), 0));
    }
    let point = i64::try_from(int.len()).ok()? - i64::try_from(leading).ok()?;
    Some((significant.to_string(), point.checked_add(exp)?))
}

fn line_end(text: &str, start: usize) -> usize {
    text[start..].find('\n').map_or(text.len(), |i| start + i)
}

fn next_char_boundary(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(at, |c| at + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{labelled, on_small_stack};

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

    /// The diagnostics of a text: (code, the text under the primary label).
    fn errors(text: &str) -> Vec<(Code, String)> {
        let (doc, diags) = parse(FileId(0), text);
        assert!(doc.is_none() || diags.is_empty());
        labelled(text, &diags)
    }

    #[test]
    fn duplicate_keys_count_after_stringification() {
        let text = "env:\n  true: a\n  \"true\": b\n  1: c\n  \"1\": d\n";
        let found = errors(text);
        assert_eq!(
            found,
            vec![
                (Code::E0104, "\"true\"".into()),
                (Code::E0104, "\"1\"".into())
            ]
        );
    }

    #[test]
    fn anchors_and_aliases_are_rejected_where_written() {
        let text = "a: &x 1\nb: *x\nc: &y\n  k: v\n";
        let found = errors(text);
        let codes: Vec<Code> = found.iter().map(|f| f.0).collect();
        assert_eq!(codes, vec![Code::E0108; 3], "{found:?}");
        assert_eq!(found[1].1, "*x");
    }

    #[test]
    fn a_merge_key_is_one_error_at_the_key() {
        let found =
            errors("base: &b { a: 1 }\nx:\n  <<: *b\ny:\n  <<: { a: 2 }\nz: { \"<<\": 3 }\n");
        let merges: Vec<_> = found.iter().filter(|(_, at)| at == "<<").collect();
        // Two merge keys; the alias after the first is not reported again, the
        // anchor is; a quoted `"<<"` is a plain key.
        assert_eq!(merges.len(), 2, "{found:?}");
        assert_eq!(found.len(), 3, "{found:?}");
    }

    #[test]
    fn numbers_that_change_value_are_errors_at_the_value() {
        for (text, number) in [
            ("A: 99999999999999999999999\n", "99999999999999999999999"),
            ("A: 1e309\n", "1e309"),
            ("A: .inf\n", ".inf"),
            ("A: 0.10000000000000000001\n", "0.10000000000000000001"),
            ("A: 1e-400\n", "1e-400"),
        ] {
            let found = errors(text);
            assert_eq!(found, vec![(Code::E0110, number.to_string())], "{text}");
        }
    }

    #[test]
    fn exact_numbers_keep_their_text_as_the_span() {
        check(
            "env:\n  V: 1.10   # a version\n",
            "/env/V",
            Value::from(1.1),
            "1.10",
        );
        check("n: -0.5e3\n", "/n", Value::from(-500.0), "-0.5e3");
        check(
            "n: 12345678901234567\n",
            "/n",
            Value::from(12345678901234567i64),
            "12345678901234567",
        );
        check("n: [1.5, 2]\n", "/n/0", Value::from(1.5), "1.5");
        check("s: \"1.10\"\n", "/s", Value::from("1.10"), "\"1.10\"");
    }

    #[test]
    fn deep_block_nesting_is_an_error_at_the_first_level_too_deep() {
        let mut text = String::from("args:\n");
        for i in 0..3000 {
            text.push_str(&format!("{}- \n", "  ".repeat(i + 1)));
        }
        let found = on_small_stack(|| errors(&text));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Code::E0109);
        // The root mapping is level 1, `args` level 2: level 65 is the 64th `- `.
        let line = text.lines().nth(64).unwrap().trim_end();
        assert_eq!(found[0].1.trim_end(), line.trim_start());
    }

    #[test]
    fn deep_flow_and_compact_nesting_are_errors_too() {
        let flow = format!("a: {}{}\n", "[".repeat(5000), "]".repeat(5000));
        let compact = format!("a:\n  {}x\n", "- ".repeat(5000));
        assert_eq!(
            errors("a: !!int 0x1F\n"),
            vec![(Code::E0110, "!!int 0x1F".into())]
        );
        for text in [flow, compact] {
            let found = on_small_stack(|| errors(&text));
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].0, Code::E0109, "{found:?}");
        }
        let limit = format!(
            "a: {}{}\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(errors(&limit).is_empty());
    }

    #[test]
    fn many_keys_load_in_linear_time() {
        let text = |n: usize| {
            let mut text = String::from("env:\n");
            for i in 0..n {
                text.push_str(&format!("  KEY_{i}: value-{i}\n"));
            }
            text
        };
        let (small, large) = (text(5_000), text(40_000));
        let (doc, diags) = parse(FileId(0), &large);
        assert!(diags.is_empty());
        assert_eq!(doc.unwrap().value["env"].as_object().unwrap().len(), 40_000);
        crate::load::assert_grows_linearly("YAML keys", &small, &large, |t| {
            assert!(parse(FileId(0), t).0.is_some());
        });
    }

    #[test]
    fn a_core_schema_tag_decides_the_type_of_a_quoted_scalar() {
        check(
            "replicas: !!int \"3\"\n",
            "/replicas",
            Value::from(3),
            "!!int \"3\"",
        );
        check(
            "on: !!bool \"true\"\n",
            "/on",
            Value::from(true),
            "!!bool \"true\"",
        );
        check("a: !!str 3\n", "/a", Value::from("3"), "!!str 3");
        // YAML 1.2's other core spellings, quoted or plain.
        check(
            "on: !!bool \"True\"\n",
            "/on",
            Value::from(true),
            "!!bool \"True\"",
        );
        check(
            "on: !!bool FALSE\n",
            "/on",
            Value::from(false),
            "!!bool FALSE",
        );
        check("a: !!null \"\"\n", "/a", Value::Null, "!!null \"\"");
        check("a: !!null Null\n", "/a", Value::Null, "!!null Null");
        assert_eq!(
            errors("on: !!bool \"yes\"\n"),
            vec![(Code::E0103, "!!bool \"yes\"".into())]
        );
        let found = errors("replicas: !!int \"three\"\n");
        assert_eq!(found, vec![(Code::E0103, "!!int \"three\"".into())]);
        check(
            "a: !!float \"1.5\"\n",
            "/a",
            Value::from(1.5),
            "!!float \"1.5\"",
        );
        // A tagged number has no text of its own to keep: it must read back as written.
        for text in [
            "!!float \"1e3\"",
            "!!float 1e3",
            "!!float \"1\"",
            "!!float \".5\"",
            "!!int \"007\"",
        ] {
            let found = errors(&format!("env:\n  A: {text}\n"));
            assert_eq!(found, vec![(Code::E0110, text.to_string())], "{text}");
        }
    }
}
