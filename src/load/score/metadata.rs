//! `metadata`: the name, and the pave-only fields written as `pave.dev/` annotations.
//!
//! Annotations outside the `pave.dev/` prefix belong to other tools and are left to
//! them; an unknown `pave.dev/` annotation is an error (E0624), so a misspelt one is
//! never ignored.

use serde_json::Value;

use super::{ANNOTATION_PREFIX, Mapper};
use crate::document::pointer_push;
use crate::load::messages;

/// How an annotation's text becomes the pave field's value.
#[derive(Clone, Copy)]
enum Form {
    Text,
    Integer,
    Number,
}

/// The `pave.dev/` annotations of the workload, each with its pave field and form.
const FIELDS: &[(&str, &str, Form)] = &[
    ("owner", "/owner", Form::Text),
    ("description", "/description", Form::Text),
    ("tier", "/tier", Form::Integer),
    ("size", "/size", Form::Text),
    ("replicas", "/replicas", Form::Integer),
    ("workload", "/workload", Form::Text),
    ("schedule", "/schedule", Form::Text),
    ("slo.availability", "/slo/availability", Form::Number),
    (
        "slo.latency.threshold",
        "/slo/latency/threshold",
        Form::Text,
    ),
    ("slo.latency.target", "/slo/latency/target", Form::Number),
];

/// Per-environment annotations: `pave.dev/environments.<env>.<field>`.
const ENV_FIELDS: &[(&str, Form)] = &[
    ("replicas", Form::Integer),
    ("size", Form::Text),
    ("image", Form::Text),
];

/// The annotation naming the main container when there are several.
pub(super) const MAIN_CONTAINER: &str = "main-container";

impl Mapper<'_> {
    pub(super) fn map_metadata(&mut self) {
        self.copy("/name", "/metadata/name");
        let mut owner = false;
        for key in self.keys("/metadata/annotations") {
            let Some(field) = key.strip_prefix(ANNOTATION_PREFIX) else {
                continue;
            };
            let at = pointer_push("/metadata/annotations", &key);
            owner |= field == "owner";
            self.annotation(field, &at);
        }
        for key in self.keys("/metadata") {
            if !["name", "annotations"].contains(&key.as_str()) {
                let why = "pave reads only `name` and `annotations` of `metadata`";
                self.refuse(&pointer_push("/metadata", &key), why);
            }
        }
        if !owner {
            let d = messages::score_no_owner(self.key_span("/metadata"));
            self.diags.push(d);
        }
    }

    fn annotation(&mut self, field: &str, at: &str) {
        // A value that is not text is the Score schema's error (reported when the
        // schema refused the file), and the line the user fixes: nothing more is said.
        if field == MAIN_CONTAINER || !self.get(at).is_some_and(Value::is_string) {
            return;
        }
        let target = FIELDS
            .iter()
            .find(|(name, ..)| *name == field)
            .map(|(_, pave, form)| (pave.to_string(), *form))
            .or_else(|| environment_field(field));
        match target {
            Some((pave, form)) => {
                // The environment's own node (where an unknown environment is reported)
                // stands for its first annotation, not for the top of the file.
                if let Some((env, _)) = pave.rsplit_once('/') {
                    self.origin_once(env, at);
                    self.origin_once("/environments", at);
                }
                self.annotation_value(&pave, form, at)
            }
            None => {
                let d = messages::score_unknown_annotation(self.key_span(at), field, &known());
                self.diags.push(d);
            }
        }
    }

    fn annotation_value(&mut self, pave: &str, form: Form, at: &str) {
        let text = self.get(at).and_then(Value::as_str).unwrap_or_default();
        let value = match form {
            Form::Text => Some(Value::String(text.to_string())),
            Form::Integer => integer(text).map(Value::from),
            // JSON's number grammar: no sign but `-`, no spaces, no leading zeros.
            Form::Number => serde_json::from_str::<serde_json::Number>(text)
                .ok()
                .map(Value::Number),
        };
        match value {
            Some(v) => self.set(pave, v, at),
            None => {
                let kind = match form {
                    Form::Integer => "an integer",
                    _ => "a number",
                };
                let d = messages::score_annotation_value(self.span(at), kind, text);
                self.diags.push(d);
            }
        }
    }
}

/// An annotation's text as an integer: digits, after an optional `-`, and nothing else
/// (`"+3"` or `" 3"` is not how a number is written anywhere else in the file).
fn integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let only_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    only_digits.then(|| text.parse().ok()).flatten()
}

/// `environments.<env>.<field>` → `/environments/<env>/<field>`.
fn environment_field(field: &str) -> Option<(String, Form)> {
    let rest = field.strip_prefix("environments.")?;
    let (env, name) = rest.rsplit_once('.')?;
    let (_, form) = ENV_FIELDS.iter().find(|(n, _)| *n == name)?;
    let pave = pointer_push(&pointer_push("/environments", env), name);
    Some((pave, *form))
}

/// Every annotation pave reads, for the help line.
fn known() -> String {
    let mut names: Vec<String> = FIELDS.iter().map(|(n, ..)| n.to_string()).collect();
    names.push(MAIN_CONTAINER.to_string());
    names.extend(
        ENV_FIELDS
            .iter()
            .map(|(n, _)| format!("environments.<env>.{n}")),
    );
    names
        .iter()
        .map(|n| format!("`{ANNOTATION_PREFIX}{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
