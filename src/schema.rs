//! Schema validation: every input document against the JSON Schemas in `schema/`.
//!
//! The schemas are embedded in the binary (`pave schema` prints them). Each schema
//! error is mapped through the document's [`PathIndex`](crate::document::PathIndex) to
//! the offending node's span; unknown fields point at the key and get a "did you
//! mean" from the property names the schema allows at that place.

use std::sync::OnceLock;

use jsonschema::{ValidationError, Validator, error::ValidationErrorKind};
use rayon::prelude::*;
use serde_json::Value;

use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::document::{Document, pointer_push};

pub(crate) const PLATFORM_SCHEMA: &str = include_str!("../schema/platform.schema.json");
pub(crate) const SERVICE_SCHEMA: &str = include_str!("../schema/service.schema.json");
pub(crate) const POLICY_SCHEMA: &str = include_str!("../schema/policy.schema.json");
pub(crate) const MODULE_SCHEMA: &str = include_str!("../schema/module.schema.json");
/// The Score workload specification's schema (`score.dev/v1b1`), vendored unchanged.
pub(crate) const SCORE_SCHEMA: &str = include_str!("../tests/data/score/score-v1b1.json");

/// Which input schema a document is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Platform,
    Service,
    /// The platform file's `defaults` block: service fields without name and owner.
    ServiceDefaults,
    /// A policy pack.
    Policy,
    /// A module.
    Module,
    /// A Score workload file (`services/<name>.score.yaml`), before it is mapped.
    Score,
}

struct Compiled {
    schema: Value,
    validator: Validator,
}

/// Compiles the schemas of the platform and service files ahead of their first use:
/// called as loading starts, so the ~10 ms of compiling overlap reading the inputs
/// instead of following it on the one thread validating.
pub(crate) fn prepare() {
    [Kind::Platform, Kind::ServiceDefaults, Kind::Service]
        .par_iter()
        .for_each(|kind| {
            compiled(*kind);
        });
}

fn compiled(kind: Kind) -> &'static Compiled {
    static PLATFORM: OnceLock<Compiled> = OnceLock::new();
    static SERVICE: OnceLock<Compiled> = OnceLock::new();
    static DEFAULTS: OnceLock<Compiled> = OnceLock::new();
    static POLICY: OnceLock<Compiled> = OnceLock::new();
    static MODULE: OnceLock<Compiled> = OnceLock::new();
    static SCORE: OnceLock<Compiled> = OnceLock::new();
    // The schema text is parsed inside `get_or_init`: once per kind, not per document.
    let (cell, schema): (_, fn() -> Value) = match kind {
        Kind::Platform => (&PLATFORM, || parse(PLATFORM_SCHEMA)),
        Kind::Service => (&SERVICE, || parse(SERVICE_SCHEMA)),
        Kind::Policy => (&POLICY, || parse(POLICY_SCHEMA)),
        Kind::Module => (&MODULE, || parse(MODULE_SCHEMA)),
        Kind::Score => (&SCORE, || parse(SCORE_SCHEMA)),
        // The defaults block is the service schema's `$defs/defaults`; wrapping it keeps
        // one source of truth for service fields without a cross-file `$ref`.
        Kind::ServiceDefaults => (&DEFAULTS, || {
            let service = parse(SERVICE_SCHEMA);
            serde_json::json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": service["$defs"],
                "$ref": "#/$defs/defaults",
            })
        }),
    };
    cell.get_or_init(|| {
        let mut schema = schema();
        mark_whole_numbers(&mut schema);
        let validator = jsonschema::draft202012::options()
            .with_keyword(WHOLE_NUMBER, |_, _, _| Ok(Box::new(WholeNumber)))
            .build(&schema)
            .expect("embedded schemas are valid (tested)");
        Compiled { schema, validator }
    })
}

/// The keyword pave adds, in memory, beside every `"type": "integer"` of its schemas.
/// JSON Schema counts `2.0` as an integer, but a count, a port or a size written
/// `2.0` cannot be one in the output; catching it here, with the schema's other
/// errors, reports every such number of a file at once (serde would stop at the
/// first).
const WHOLE_NUMBER: &str = "x-pave-whole-number";

fn mark_whole_numbers(node: &mut Value) {
    match node {
        Value::Object(map) => {
            let integer = match map.get("type") {
                Some(Value::String(t)) => t == "integer",
                Some(Value::Array(types)) => types.iter().any(|t| t == "integer"),
                _ => false,
            };
            if integer {
                map.insert(WHOLE_NUMBER.to_string(), Value::Bool(true));
            }
            map.values_mut().for_each(mark_whole_numbers);
        }
        Value::Array(items) => items.iter_mut().for_each(mark_whole_numbers),
        _ => {}
    }
}

/// Refuses a number written with a decimal point where a whole number belongs; any
/// other value is the `type` keyword's to judge.
struct WholeNumber;

impl WholeNumber {
    fn decimal(instance: &Value) -> Option<&serde_json::Number> {
        match instance {
            // `2.5` is the `type` keyword's error; this one is `2.0`'s alone.
            Value::Number(n) if n.is_f64() && n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
                Some(n)
            }
            _ => None,
        }
    }
}

impl<'i> jsonschema::Keyword<'i> for WholeNumber {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        match Self::decimal(instance) {
            Some(n) => Err(ValidationError::custom(format!(
                "found the decimal number `{n}`, expected a whole number"
            ))),
            None => Ok(()),
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        Self::decimal(instance).is_none()
    }
}

/// A validator for a schema pave does not own (a module's `inputs`) that, like its
/// own, refuses `2.0` where the schema says `integer`.
pub(crate) fn whole_number_validator(
    schema: &Value,
) -> Result<Validator, ValidationError<'static>> {
    let mut schema = schema.clone();
    mark_whole_numbers(&mut schema);
    jsonschema::draft202012::options()
        .with_keyword(WHOLE_NUMBER, |_, _, _| Ok(Box::new(WholeNumber)))
        .build(&schema)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("embedded schemas are JSON (tested)")
}

/// Checks `doc` (or the part of it at `base`, for the defaults block) against a schema.
pub(crate) fn validate(doc: &Document, kind: Kind, base: &str) -> Vec<Diagnostic> {
    let Some(instance) = doc.value.pointer(base) else {
        return Vec::new();
    };
    let compiled = compiled(kind);
    let mut diags = Vec::new();
    for error in compiled.validator.iter_errors(instance) {
        diags.extend(to_diagnostics(doc, &compiled.schema, base, &error));
    }
    drop_misspelt_required(diags)
}

/// A misspelt required field is one mistake: keep the unknown field with its "did you
/// mean", drop the "missing required field" it causes.
fn drop_misspelt_required(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let suggested: Vec<String> = diags
        .iter()
        .filter(|d| d.code == Code::E0202)
        .filter_map(|d| d.help.clone())
        .collect();
    diags.retain(|d| {
        let field = d.message.strip_prefix("missing required field ");
        d.code != Code::E0203
            || !field.is_some_and(|f| suggested.contains(&format!("did you mean {f}?")))
    });
    diags
}

fn to_diagnostics(
    doc: &Document,
    schema: &Value,
    base: &str,
    error: &ValidationError,
) -> Vec<Diagnostic> {
    let rel = error.instance_path().as_str().to_string();
    let pointer = format!("{base}{rel}");
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let known = known_fields(
                schema,
                &doc.value.pointer(base).cloned().unwrap_or_default(),
                &rel,
            );
            unexpected
                .iter()
                .map(|name| {
                    let at = pointer_push(&pointer, name);
                    let help = did_you_mean(name, known.iter().map(String::as_str)).or_else(|| {
                        (!known.is_empty())
                            .then(|| format!("known fields here: {}", known.join(", ")))
                    });
                    Diagnostic::error(Code::E0202, format!("unknown field `{name}`"))
                        .primary(doc.key_span(&at), "not a field here")
                        .help_if_any(help)
                })
                .collect()
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let span = match rel.is_empty() && base.is_empty() {
                // At the root there is no key to point at: point at the file's first line.
                true => first_line(doc),
                false => doc.key_span(&pointer),
            };
            vec![
                Diagnostic::error(Code::E0203, format!("missing required field `{name}`"))
                    .primary(span, format!("`{name}` is required here"))
                    .help(format!("add `{name}: ...`")),
            ]
        }
        ValidationErrorKind::PropertyNames { error: inner } => {
            let key = inner.instance().as_str().unwrap_or_default().to_string();
            let at = pointer_push(&pointer, &key);
            vec![
                Diagnostic::error(Code::E0201, format!("invalid name `{key}`"))
                    .primary(doc.key_span(&at), describe(inner.kind(), inner))
                    .help(name_help(&pointer)),
            ]
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            match closest_form(context, &rel) {
                Closest::Branch(errors) => errors
                    .iter()
                    .flat_map(|e| to_diagnostics(doc, schema, base, e))
                    .collect(),
                Closest::Missing(names) => {
                    let instance = doc.value.pointer(base).cloned().unwrap_or_default();
                    vec![missing_one_of(
                        doc, schema, &instance, &rel, &pointer, &names,
                    )]
                }
                Closest::WrongType(expected) => vec![
                    Diagnostic::error(
                        Code::E0201,
                        format!("invalid value for `{}`", field_name(&pointer)),
                    )
                    .primary(
                        doc.span(&pointer),
                        format!("expected {expected}, found {}", json_type(error.instance())),
                    )
                    .help_if_any(value_help(&pointer).map(String::from)),
                ],
                Closest::Unclear => vec![invalid_value(doc, &pointer, error)],
            }
        }
        _ => vec![invalid_value(doc, &pointer, error)],
    }
}

/// The one diagnostic for a value a rule rejects, labelled with the rule.
fn invalid_value(doc: &Document, pointer: &str, error: &ValidationError) -> Diagnostic {
    let field = field_name(pointer);
    Diagnostic::error(Code::E0201, format!("invalid value for `{field}`"))
        .primary(doc.span(pointer), describe(error.kind(), error))
        .help_if_any(
            whole_number_help(error)
                .or_else(|| value_help(pointer).map(String::from))
                .or_else(|| enum_near_miss(error)),
        )
}

/// For `2.0` where a whole number belongs: the number to write instead.
fn whole_number_help(error: &ValidationError) -> Option<String> {
    match error.kind() {
        ValidationErrorKind::Custom { .. } => {}
        // `3.5`: no whole number is meant, so none is suggested.
        ValidationErrorKind::Type { .. }
            if error.instance().is_f64() && expected_types(error) == "integer" =>
        {
            return Some("this field counts whole things: write a whole number".to_string());
        }
        _ => return None,
    }
    let written = WholeNumber::decimal(error.instance())?;
    let whole = written.as_f64()?;
    // A whole f64 prints without a fraction under `{}` only in range; keep it short.
    (whole.abs() < 1e15)
        .then(|| format!("write the number without a decimal point (`{whole}`, not `{written}`)"))
}

/// "did you mean" for a string one of an enum's values is close to (`warn`).
fn enum_near_miss(error: &ValidationError) -> Option<String> {
    let ValidationErrorKind::Enum { options } = error.kind() else {
        return None;
    };
    let written = error.instance().as_str()?;
    did_you_mean(
        written,
        options.as_array()?.iter().filter_map(Value::as_str),
    )
}

/// What to say about a value that matches none of a `oneOf`/`anyOf`'s forms.
enum Closest<'e> {
    /// One form is closest: its own errors are the mistake.
    Branch(&'e [ValidationError<'static>]),
    /// Several forms are equally close, each missing one field: these.
    Missing(Vec<String>),
    /// The value has a type no form takes: the types the forms do take.
    WrongType(String),
    /// No form stands out.
    Unclear,
}

/// The form the value comes closest to: forms that want another JSON type (or another
/// constant type) are set aside, then the form with the fewest errors wins.
fn closest_form<'e>(context: &'e [Vec<ValidationError<'static>>], rel: &str) -> Closest<'e> {
    let other_type = |e: &ValidationError| {
        e.instance_path().as_str() == rel
            && match e.kind() {
                ValidationErrorKind::Type { .. } => true,
                ValidationErrorKind::Constant { expected_value } => {
                    json_type(expected_value) != json_type(e.instance())
                }
                _ => false,
            }
    };
    let forms: Vec<&Vec<ValidationError<'static>>> = context
        .iter()
        .filter(|errors| !errors.iter().any(other_type))
        .collect();
    let Some(fewest) = forms.iter().map(|errors| errors.len()).min() else {
        let mut types: Vec<String> = context
            .iter()
            .flatten()
            .filter(|e| matches!(e.kind(), ValidationErrorKind::Type { .. }))
            .map(expected_types)
            .collect();
        types.dedup();
        return match types.is_empty() {
            true => Closest::Unclear,
            false => Closest::WrongType(types.join(" or ")),
        };
    };
    let best: Vec<&Vec<ValidationError<'static>>> =
        forms.into_iter().filter(|e| e.len() == fewest).collect();
    if let [only] = best.as_slice() {
        return Closest::Branch(only);
    }
    let missing: Option<Vec<String>> = best
        .iter()
        .map(|errors| match errors.as_slice() {
            [e] if e.instance_path().as_str() == rel => match e.kind() {
                ValidationErrorKind::Required { property } => property.as_str().map(String::from),
                _ => None,
            },
            _ => None,
        })
        .collect();
    match missing {
        Some(names) => Closest::Missing(names),
        None => Closest::Unclear,
    }
}

/// A mapping that lacks one of several fields, any of which would complete a form.
fn missing_one_of(
    doc: &Document,
    schema: &Value,
    instance: &Value,
    rel: &str,
    pointer: &str,
    names: &[String],
) -> Diagnostic {
    let described: Vec<String> = names
        .iter()
        .map(|n| match field_description(schema, instance, rel, n) {
            Some(d) => format!("`{n}` ({d})"),
            None => format!("`{n}`"),
        })
        .collect();
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    Diagnostic::error(
        Code::E0203,
        format!("missing a field: {}", or_list(&quoted)),
    )
    .primary(doc.key_span(pointer), "this mapping matches no form yet")
    .help(format!("add one: {}", or_list(&described)))
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The schema's description of the field `name` of the mapping at `rel`.
fn field_description(schema: &Value, instance: &Value, rel: &str, name: &str) -> Option<String> {
    schema_nodes(schema, instance, rel)
        .iter()
        .find_map(|n| n.pointer(&pointer_push("/properties", name)))
        .and_then(|p| p.get("description"))
        .and_then(Value::as_str)
        .map(first_clause)
}

/// A description's first clause (to `:` or the end of its first sentence), lowercased.
fn first_clause(description: &str) -> String {
    let end = [description.find(": "), description.find(". ")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(description.len());
    let clause = description[..end].trim_end_matches('.');
    let mut chars = clause.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_lowercase().chain(chars).collect::<String>()
    })
}

fn first_line(doc: &Document) -> crate::source::Span {
    let root = doc.span("");
    crate::source::Span::new(root.file, root.start, root.start)
}

/// A short label text for a schema error.
fn describe(kind: &ValidationErrorKind, error: &ValidationError) -> String {
    match kind {
        // `3.5` where a whole number belongs: in the words of `2.0`'s message.
        ValidationErrorKind::Type { .. }
            if error.instance().is_f64() && expected_types(error) == "integer" =>
        {
            format!(
                "found the decimal number `{}`, expected a whole number",
                error.instance()
            )
        }
        ValidationErrorKind::Type { .. } => {
            format!(
                "expected {}, found {}",
                expected_types(error),
                json_type(error.instance())
            )
        }
        ValidationErrorKind::Enum { options } => match options.as_array() {
            Some(values) => {
                let values: Vec<String> =
                    values.iter().map(|v| format!("`{}`", plain(v))).collect();
                format!("expected {}", or_list(&values))
            }
            None => format!("expected one of {options}"),
        },
        ValidationErrorKind::Pattern { pattern } => format!("does not match `{pattern}`"),
        ValidationErrorKind::Custom { message, .. } => message.clone(),
        ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
            "does not match any allowed form".to_string()
        }
        _ => error.masked().to_string(),
    }
}

/// A scalar as the user writes it (a string without quotes).
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn expected_types(error: &ValidationError) -> String {
    let message = error.to_string();
    // jsonschema words it `X is not of type "integer"` / `... of types "a", "b"`.
    message
        .split_once("of type")
        .map_or(message.clone(), |(_, t)| {
            t.trim_start_matches('s').trim().replace('"', "")
        })
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn field_name(pointer: &str) -> String {
    let parts: Vec<&str> = pointer.split('/').skip(1).collect();
    match parts.is_empty() {
        true => "(document)".to_string(),
        false => parts.join(".").replace("~1", "/").replace("~0", "~"),
    }
}

/// Help for values whose rule is a pattern or a choice of forms, by field name.
fn value_help(pointer: &str) -> Option<&'static str> {
    if let Some(field) = pointer.strip_prefix("/targets/ci/") {
        return ci_value_help(field);
    }
    if pointer.starts_with("/allow_destroy/") && pointer.ends_with("/target") {
        return Some("name one need as `env/service/need`, e.g. `prod/api/db`");
    }
    if let Some(field) = pointer.strip_prefix("/targets/gitops/") {
        return gitops_value_help(field);
    }
    if pointer.contains("/tolerations/") {
        return Some(
            "a toleration is `{ key, operator: Equal|Exists, value, effect, toleration_seconds }`; `Exists` takes no value, `toleration_seconds` needs `effect: NoExecute`",
        );
    }
    if pointer.contains("/image_pull_secrets/") {
        return Some("a Secret's name: lowercase letters, digits, `-` and `.`");
    }
    let last = pointer.rsplit('/').next().unwrap_or_default();
    Some(match last {
        "ref" => "write `<path in the secret store>#<key>`, e.g. `payments/stripe#api_key`",
        "metrics" => "use `true`, `false`, or `{ port: 9090, path: /metrics }`",
        "image" => "an image reference has no spaces, e.g. `ghcr.io/acme/api:1.2.3`",
        "account" => "a cloud account id is 12 digits; quote it: `\"111111111111\"`",
        "output" => "a relative folder without `..`, e.g. `generated`",
        "threshold" | "duration" => "a duration such as `300ms`, `5m` or `1h`",
        "cpu" | "memory" => "a Kubernetes quantity such as `250m`, `1`, `512Mi` or `2Gi`",
        "liveness" | "readiness" | "path" => "an HTTP path starting with `/`",
        "owner" => "a team name usable as a label value: letters, digits, `-`, `_`, `.`",
        "availability" | "target" => "a percentage above 0 and below 100, e.g. `99.9`",
        "terraform" | "ci" => "use `true`, `false`, or a mapping of this target's settings",
        "recovery_window_days" => "0 (delete a removed secret at once) or 7 to 30 days",
        "assume_role" => "an IAM role ARN: `arn:aws:iam::<12-digit account>:role/<name>`",
        "eks_cluster" => "an EKS cluster name: letters, digits, `-` and `_`, at most 100",
        "ci_role" => "an IAM role ARN: `arn:aws:iam::<12-digit account>:role/<name>`",
        "keda_operator" => "a service account as `<namespace>/<name>`, e.g. `keda/keda-operator`",
        _ => return None,
    })
}

/// Help for `targets.ci` values: these reach CI's shell steps, so their rules are
/// strict, and each says what CI does with the value.
fn ci_value_help(field: &str) -> Option<&'static str> {
    Some(match field {
        "install/image" => {
            "pin the image by digest: `REF@sha256:<64 hex>`; `docker buildx imagetools inspect REF` prints it"
        }
        "install/sha256" => {
            "the archive's SHA-256 as 64 lowercase hex digits, as `sha256sum` prints it"
        }
        "install/git" => {
            "an `https://` or `ssh://` repository URL without spaces, quotes, `$` or braces"
        }
        "install/url" => {
            "an `https://` URL of a release archive, without spaces, quotes, `$` or braces"
        }
        "install/rev" => "a tag or a commit SHA: letters, digits and `. _ / + -`",
        "registry" | "registry/url" => "`<host>/<path>` in lowercase, e.g. `ghcr.io/acme`",
        "registry/kind" => "`ghcr`, `ecr`, `gitlab` or `other` (logs in with named secrets)",
        "aws_role" => "an IAM role ARN: `arn:aws:iam::<12-digit account>:role/<name>`",
        _ => return None,
    })
}

/// Help for `targets.gitops` values: a GitOps controller reads them, with its own rules.
fn gitops_value_help(field: &str) -> Option<&'static str> {
    Some(match field {
        "repo" => {
            "an `https://` or `ssh://` URL, e.g. `https://github.com/acme/platform.git` or `ssh://git@github.com/acme/platform.git` (Flux accepts no `git@host:path` form)"
        }
        "revision" => "a branch name, e.g. `main`",
        "path_prefix" => "a relative folder without `..` or a leading `/`, e.g. `platform`",
        _ => return None,
    })
}

fn name_help(pointer: &str) -> String {
    if pointer.ends_with("/env") || pointer.ends_with("/secrets") {
        "environment variable names are letters, digits and `_`, not starting with a digit".into()
    } else if pointer.ends_with("/terraform/inputs") {
        "Terraform argument names are letters, digits, `_` and `-`, starting with a letter or `_`"
            .into()
    } else if pointer == "/inputs" || pointer == "/outputs" {
        "names are lowercase letters, digits and `_`, starting with a letter".into()
    } else if ["/annotations", "/labels", "/pod_annotations"]
        .iter()
        .any(|k| pointer.ends_with(k))
    {
        "keys are an optional DNS prefix and `/` (`pave.dev/`), then at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".into()
    } else {
        "names are lowercase DNS-1123 labels: letters, digits and `-`".into()
    }
}

/// The property names the schema allows on the object at `rel` in `instance`.
fn known_fields(schema: &Value, instance: &Value, rel: &str) -> Vec<String> {
    let mut names: Vec<String> = schema_nodes(schema, instance, rel)
        .iter()
        .filter_map(|n| n.get("properties").and_then(Value::as_object))
        .flat_map(|p| p.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The schema nodes that apply at the JSON pointer `rel` of `instance`, following
/// `properties`, `additionalProperties` and `items` (and `$ref`, `allOf`, `if`/`then`).
/// A pointer past the end of the instance walks on with `null` values.
fn schema_nodes<'s>(schema: &'s Value, instance: &Value, rel: &str) -> Vec<&'s Value> {
    let mut nodes = expand(schema, schema, instance);
    let mut value = instance;
    for token in rel.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let child = match value {
            Value::Object(m) => m.get(&token),
            Value::Array(a) => token.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
        .unwrap_or(&Value::Null);
        let next = step(schema, &nodes, value, &token, child);
        nodes = next;
        value = child;
    }
    nodes
}

/// The schema nodes of one child (`token`, whose value is `child`) of `value`.
fn step<'s>(
    schema: &'s Value,
    nodes: &[&'s Value],
    value: &Value,
    token: &str,
    child: &Value,
) -> Vec<&'s Value> {
    let mut next = Vec::new();
    for node in nodes {
        let sub = match value {
            Value::Array(_) => node.get("items"),
            _ => node
                .get("properties")
                .and_then(|p| p.get(token))
                .or_else(|| node.get("additionalProperties").filter(|a| a.is_object())),
        };
        if let Some(sub) = sub {
            next.extend(expand(schema, sub, child));
        }
    }
    next
}

/// A schema node plus everything it pulls in for `instance`: `$ref`, `allOf`, `if`/`then`/`else`, `oneOf`.
fn expand<'s>(root: &'s Value, node: &'s Value, instance: &Value) -> Vec<&'s Value> {
    let mut out = vec![node];
    let target = node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'));
    if let Some(t) = target.and_then(|t| root.pointer(t)) {
        out.extend(expand(root, t, instance));
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for sub in node
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.extend(expand(root, sub, instance));
        }
    }
    if let Some(cond) = node.get("if") {
        let holds = cond
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|req| {
                req.iter()
                    .filter_map(Value::as_str)
                    .all(|k| instance.get(k).is_some())
            });
        let branch = if holds {
            node.get("then")
        } else {
            node.get("else")
        };
        if let Some(b) = branch {
            out.extend(expand(root, b, instance));
        }
    }
    out
}

/// For each child of the mapping or list at `pointer`, in order: whether the schema
/// wants a list there. One schema walk serves all siblings, so lowering stays linear.
pub(crate) fn children_expect_arrays(kind: Kind, instance: &Value, pointer: &str) -> Vec<bool> {
    let schema = &compiled(kind).schema;
    let nodes = schema_nodes(schema, instance, pointer);
    // A scalar child no `properties` names gets the same answer as its siblings:
    // computed once, so 60,000 `env` keys cost one schema step, not 60,000.
    let mut unnamed_scalar: Option<bool> = None;
    let mut wants = |value: &Value, token: &str, child: &Value| {
        let named = nodes
            .iter()
            .any(|n| n.get("properties").and_then(|p| p.get(token)).is_some());
        if named || child.is_object() || child.is_array() || value.is_array() {
            return wants_array(&step(schema, &nodes, value, token, child));
        }
        *unnamed_scalar
            .get_or_insert_with(|| wants_array(&step(schema, &nodes, value, token, child)))
    };
    match instance.pointer(pointer) {
        Some(value @ Value::Object(map)) => map.iter().map(|(k, c)| wants(value, k, c)).collect(),
        Some(value @ Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, c)| wants(value, &i.to_string(), c))
            .collect(),
        _ => Vec::new(),
    }
}

fn wants_array(nodes: &[&Value]) -> bool {
    nodes.iter().any(|n| match n.get("type") {
        Some(Value::String(t)) => t == "array",
        Some(Value::Array(ts)) => {
            ts.iter().any(|t| t == "array") && !ts.iter().any(|t| t == "string")
        }
        _ => false,
    })
}

/// The schema text of an input kind, as `pave schema` prints it.
pub(crate) fn text(name: &str) -> Option<&'static str> {
    match name {
        "platform" => Some(PLATFORM_SCHEMA),
        "service" => Some(SERVICE_SCHEMA),
        "policy" => Some(POLICY_SCHEMA),
        "module" => Some(MODULE_SCHEMA),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse_yaml;
    use crate::source::FileId;

    fn check(kind: Kind, text: &str) -> Vec<(Code, String, String, Option<String>)> {
        let (doc, diags) = parse_yaml(FileId(0), text);
        assert!(diags.is_empty());
        let doc = doc.unwrap();
        validate(&doc, kind, "")
            .into_iter()
            .map(|d| {
                let s = d.primary_span().unwrap();
                (d.code, d.message, text[s.start..s.end].to_string(), d.help)
            })
            .collect()
    }

    #[test]
    fn embedded_schemas_compile() {
        for kind in [
            Kind::Platform,
            Kind::Service,
            Kind::ServiceDefaults,
            Kind::Policy,
            Kind::Module,
        ] {
            compiled(kind);
        }
    }

    #[test]
    fn unknown_field_points_at_the_key_with_a_suggestion() {
        let got = check(Kind::Service, "name: a\nowner: t\nimage: x:1\nreplica: 2\n");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, Code::E0202);
        assert_eq!(got[0].2, "replica");
        assert_eq!(got[0].3.as_deref(), Some("did you mean `replicas`?"));
    }

    #[test]
    fn unknown_field_inside_an_environment_override() {
        let got = check(
            Kind::Service,
            "name: a\nowner: t\nimage: x:1\nenvironments:\n  prod:\n    sise: large\n",
        );
        assert_eq!(got[0].2, "sise");
        assert_eq!(got[0].3.as_deref(), Some("did you mean `size`?"));
    }

    #[test]
    fn wrong_type_points_at_the_value() {
        let got = check(
            Kind::Service,
            "name: a\nowner: t\nimage: x:1\nreplicas: three\n",
        );
        assert_eq!(got[0].0, Code::E0201);
        assert_eq!(got[0].2, "three");
    }
}
