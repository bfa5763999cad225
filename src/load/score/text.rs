//! Score placeholders in strings, rewritten in pave's form.
//!
//! Score writes `${metadata.name}`, `${metadata.annotations.<key>}` and
//! `${resources.<name>.<output>}`, and `$$` for a literal `$`. pave writes
//! `${needs.<need>.<output>}` and `${env.domain}`, and `$${` for a literal `${` (any
//! other `$` is literal). A placeholder pave cannot translate is E0622 at the
//! placeholder itself.

use serde_json::Value;

use super::{Mapped, Mapper};
use crate::load::messages;
use crate::source::Span;

/// One piece of a Score string.
enum Piece {
    Literal(String),
    /// A pave placeholder, written as is.
    Placeholder(String),
}

impl Mapper<'_> {
    /// The Score string at `pointer` in pave's form; `expand: false` (`noExpand`) keeps
    /// every `${` literal.
    pub(super) fn text(&mut self, pointer: &str, expand: bool) -> String {
        let s = self
            .get(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !expand {
            return s.replace("${", "$${");
        }
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            literal.push_str(&rest[..i]);
            let tail = &rest[i..];
            if let Some(after) = tail.strip_prefix("$$") {
                literal.push('$');
                rest = after;
            } else if let Some(inner) = tail.strip_prefix("${") {
                let Some(close) = inner.find('}') else {
                    let at = self.sub_span(pointer, tail);
                    self.diags.push(messages::score_unclosed_placeholder(at));
                    literal.push_str(tail);
                    rest = "";
                    break;
                };
                let whole = &tail[..close + 3];
                match self.placeholder(inner[..close].trim(), pointer, whole) {
                    Some(p) => {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                        pieces.push(p);
                    }
                    None => literal.push_str(whole),
                }
                rest = &inner[close + 1..];
            } else {
                literal.push('$');
                rest = &tail[1..];
            }
        }
        literal.push_str(rest);
        pieces.push(Piece::Literal(literal));
        render(&pieces)
    }

    /// One placeholder's pave form; `None` (and E0622) when it has none.
    fn placeholder(&mut self, path: &str, pointer: &str, whole: &str) -> Option<Piece> {
        let parts: Vec<&str> = path.split('.').collect();
        let found = match parts.as_slice() {
            ["metadata", "name"] => Ok(Piece::Literal(self.name.clone())),
            ["metadata", "annotations", key @ ..] if !key.is_empty() => {
                let key = key.join(".");
                self.score.value["metadata"]["annotations"][&key]
                    .as_str()
                    .map(|v| Piece::Literal(v.to_string()))
                    .ok_or(format!("the workload has no annotation `{key}`"))
            }
            ["resources", name, output @ ..] => self.resource_output(name, output),
            _ => Err(
                "Score placeholders are `metadata.name`, `metadata.annotations.<key>` and `resources.<name>.<output>`"
                    .to_string(),
            ),
        };
        // A declared resource that did not map has its own error (an unknown type):
        // a placeholder reading it says nothing more.
        let unmapped = match parts.as_slice() {
            ["resources", name, ..] => {
                !self.resources.contains_key(*name)
                    && self.score.value["resources"].get(*name).is_some()
            }
            _ => false,
        };
        match found {
            Ok(piece) => Some(piece),
            Err(_) if unmapped => None,
            Err(why) => {
                let at = self.sub_span(pointer, whole);
                let d = messages::score_placeholder(at, whole, &why);
                self.diags.push(d);
                None
            }
        }
    }

    fn resource_output(&self, name: &str, output: &[&str]) -> Result<Piece, String> {
        let Some(mapped) = self.resources.get(name) else {
            // Every declared resource, mapped or not (one of an unknown type too).
            let declared = self.score.value["resources"].as_object();
            let names: Vec<String> = declared
                .into_iter()
                .flat_map(|r| r.keys())
                .map(|n| format!("`{n}`"))
                .collect();
            return Err(match names.is_empty() {
                true => format!("the workload declares no resource `{name}` (it has none)"),
                false => format!(
                    "the workload declares no resource `{name}` (it has {})",
                    names.join(", ")
                ),
            });
        };
        let output = output.join(".");
        if output.is_empty() {
            return Err(format!("name an output: `${{resources.{name}.<output>}}`"));
        }
        match mapped {
            Mapped::Module(kind) => Ok(Piece::Placeholder(format!(
                "${{needs.{name}.{}}}",
                module_output(kind, &output)
            ))),
            Mapped::Service => match output.as_str() {
                "hostname" | "host" => Ok(Piece::Placeholder(format!("${{needs.{name}.host}}"))),
                "port" => Ok(Piece::Placeholder(format!("${{needs.{name}.port}}"))),
                other => Err(format!(
                    "a `service-port` resource has the outputs `hostname` and `port`, not `{other}`"
                )),
            },
            Mapped::Dns if output == "host" => {
                Ok(Piece::Placeholder(format!("{}.${{env.domain}}", self.name)))
            }
            Mapped::Dns => Err(format!(
                "a `dns` resource has the output `host`, not `{output}`"
            )),
            Mapped::Route => Err("a `route` resource has no outputs".to_string()),
            Mapped::Volume => Err(format!(
                "a `volume` resource has no outputs; a container mounts it with `volumes: {{ <path>: {{ source: ${{resources.{name}}} }} }}`"
            )),
        }
    }

    /// The span of `needle` inside the Score string at `pointer`, or the whole value.
    pub(super) fn sub_span(&self, pointer: &str, needle: &str) -> Span {
        let span = self.span(pointer);
        let written = self.text.get(span.start..span.end).unwrap_or_default();
        match written.find(needle) {
            Some(i) => Span::new(span.file, span.start + i, span.start + i + needle.len()),
            None => span,
        }
    }
}

/// The pave output a Score output name stands for, per module type: Score's
/// provisioners call a database `database` and a bucket `bucket`, pave's modules `name`.
fn module_output(kind: &str, output: &str) -> String {
    match (kind, output) {
        ("postgres", "database") | ("bucket", "bucket") => "name".to_string(),
        _ => output.to_string(),
    }
}

/// Joins pieces, escaping every `${` a literal holds.
fn render(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Literal(s) => out.push_str(&s.replace("${", "$${")),
            Piece::Placeholder(p) => out.push_str(p),
        }
    }
    out
}
