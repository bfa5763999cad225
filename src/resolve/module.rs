//! Modules: what a need of some `type` means on this platform.
//!
//! Built-in modules (this repository's `modules/`, embedded) and the platform's own
//! `modules/<type>/module.yaml` (which override a built-in of the same type) are
//! checked against the module schema. For each (service, need, environment) the
//! need's keys are checked against the module's `inputs` schema, defaults are filled
//! in, and the module's Terraform arguments and plain outputs are evaluated, so
//! renderers get plain data and cannot fail.

mod messages;

use std::collections::BTreeMap;

use indexmap::IndexMap;
use jsonschema::Validator;
use serde_json::{Map, Value, json};

use crate::diag::Diagnostic;
use crate::load::{Document, Inputs, pointer_push};
use crate::model::{
    self,
    module::{GenerateFile, ModuleFile, NetworkFile, OutputFile},
};
use crate::schema::{self, Kind};
use crate::source::{SourceMap, Span};
use crate::template_budget::{self, Exceeded, Failure};
use crate::watchdog::{self, Owner, Site};

/// A checked module.
pub(crate) struct ModuleDef {
    pub(crate) kind: String,
    pub(crate) source: String,
    pub(crate) version: String,
    input_names: Vec<String>,
    validator: Validator,
    defaults: Map<String, Value>,
    /// The module's Terraform arguments as written, with where each was written.
    arguments: Vec<(String, ArgumentDef, Span)>,
    pub(crate) outputs: IndexMap<String, OutputDef>,
    iam: Vec<(Vec<String>, Vec<String>)>,
    /// Whether its resources live in the environment's network, and the security
    /// group pave creates for them.
    pub(crate) network: Option<NetworkFile>,
    /// `stateful: true`: its resources hold data.
    pub(crate) stateful: bool,
    /// Secrets Terraform generates per need, by name.
    generate: IndexMap<String, GenerateFile>,
    /// The span of `type`, for "defined here" labels.
    pub(crate) type_span: Span,
}

/// One Terraform argument of a module, as written.
enum ArgumentDef {
    /// Data, with templates in its strings.
    Template(Value),
    /// `{ tf: "<expression>" }`: a raw Terraform expression, checked once when the
    /// module is read and never templated, so no service input can reach it.
    Expression(String),
    /// `{ generated: <name> }`: a secret of the module's `generate` block.
    Generated(String),
}

/// A module argument once evaluated for a need.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Argument {
    /// Plain data, written as an HCL literal (a `${` in a string stays literal text).
    Value(Value),
    /// A raw Terraform expression, written as is (`data.aws_vpc.main.id`).
    Expression(String),
    /// The need's generated secret of this name (`random_password.<label>.result`).
    Generated(String),
}

impl Argument {
    /// The argument's value when it is plain data.
    pub(crate) fn as_value(&self) -> Option<&Value> {
        match self {
            Argument::Value(v) => Some(v),
            Argument::Expression(_) | Argument::Generated(_) => None,
        }
    }
}

/// One output of a module, as written.
pub(crate) enum OutputDef {
    /// A plain value (a template).
    Value(String, Span),
    /// A key of the need's secret, filled by Terraform.
    Secret { key: String, from: SecretSource },
    /// A key the ExternalSecret assembles from the other keys (a template with
    /// `{key}` slots).
    Composed {
        key: String,
        template: String,
        span: Span,
    },
}

/// What Terraform writes into a secret key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SecretSource {
    /// A Terraform module output.
    Output(String),
    /// A string with `{output}` slots.
    Format(String),
    /// One key (`property`) of the AWS Secrets Manager secret whose ARN is the module
    /// output `output`, copied by Terraform at apply time.
    Copy { output: String, property: String },
    /// The need's generated secret of this name.
    Generated(String),
}

/// A security group pave creates in the environment's VPC for a need: it admits
/// only the client security group, on `port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecurityGroup {
    /// `<platform>-<env>-<service>-<need>-`: Terraform appends a unique suffix.
    pub(crate) name_prefix: String,
    pub(crate) port: u16,
    /// The module argument its ID is passed in (as a one-item list).
    pub(crate) argument: String,
    /// The VPC and the client security group, from the environment.
    pub(crate) vpc_id: String,
    pub(crate) client: String,
}

/// A module need of one service in one environment, every value final.
#[derive(Debug, Clone)]
pub(crate) struct ModuleNeed {
    /// The need's name in the service file.
    pub(crate) name: String,
    /// The module type.
    pub(crate) kind: String,
    pub(crate) source: String,
    pub(crate) version: String,
    /// The Terraform module's arguments, in the module's order.
    pub(crate) arguments: IndexMap<String, Argument>,
    /// The need's previous names, newest first (`renamed_from`).
    pub(crate) renamed_from: Vec<String>,
    /// The secret-store path the need's secret outputs are written to.
    pub(crate) secret_path: String,
    /// Secret key -> what Terraform writes into it.
    pub(crate) secrets: Vec<(String, SecretSource)>,
    /// Secret key -> the ExternalSecret template (Go template, ESO engine v2) that
    /// assembles it in the cluster from the keys in `secrets`.
    pub(crate) composed: Vec<(String, String)>,
    /// Output name -> plain value, or the secret key holding it.
    pub(crate) outputs: IndexMap<String, NeedOutput>,
    /// IAM statements (actions, resources with `{output}` slots).
    pub(crate) iam: Vec<(Vec<String>, Vec<String>)>,
    /// The security group pave creates for the need, if its module asks for one.
    pub(crate) security_group: Option<SecurityGroup>,
    /// Whether its module lives in the environment's network.
    pub(crate) in_network: bool,
    /// Its module says `stateful: true`.
    pub(crate) stateful: bool,
    /// The secrets Terraform generates for the need, by name.
    pub(crate) generate: IndexMap<String, GenerateFile>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NeedOutput {
    Value(String),
    Secret(String),
}

/// The modules in force: built-ins, overridden by the repository's own. A repository
/// module's folder is its type (`modules/<type>/module.yaml`), so no two can share
/// one (E0518).
pub(crate) fn registry(inputs: &Inputs, sources: &SourceMap) -> Registry {
    let mut registry = Registry::default();
    let builtin = inputs.builtin_modules.iter().map(|d| (d, true));
    for (doc, is_builtin) in builtin.chain(inputs.modules.iter().map(|d| (d, false))) {
        let mut errors = schema::validate(doc, Kind::Module, "");
        if !is_builtin && errors.is_empty() {
            errors.extend(folder_is_not_type(doc, sources));
        }
        let def = match errors.is_empty() {
            true => module_def(doc),
            false => Err(errors),
        };
        match def {
            Ok(m) => {
                registry.modules.insert(m.kind.clone(), m);
            }
            Err(errors) => {
                registry.diags.extend(errors);
                if let Some(kind) = doc.value.get("type").and_then(Value::as_str) {
                    registry.broken.insert(kind.to_string());
                }
            }
        }
    }
    registry
}

/// E0518 when the folder of a repository module is not its `type`.
fn folder_is_not_type(doc: &Document, sources: &SourceMap) -> Option<Diagnostic> {
    let kind = doc.value.get("type").and_then(Value::as_str)?;
    let file = &sources.file(doc.file).name;
    let folder = file.rsplit('/').nth(1)?;
    (folder != kind).then(|| messages::module_folder_not_type(doc.span("/type"), folder, kind))
}

/// The module types a repository can use, and what went wrong reading the others.
#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) modules: BTreeMap<String, ModuleDef>,
    /// Types whose module files have errors (reported in `diags`), so that needs of
    /// those types do not report a second, misleading "unknown module type".
    pub(crate) broken: std::collections::BTreeSet<String>,
    pub(crate) diags: Vec<Diagnostic>,
}

/// Whether `source` is a Terraform registry address, `[<host>/]<namespace>/<name>/<provider>`:
/// the only sources Terraform accepts a `version` for, which every module has. A
/// local path (`./x`, `../x`, `/x`) would also resolve from the generated folder, not
/// the module's, and a `git::` or URL source takes no `version`.
fn is_registry_source(source: &str) -> bool {
    let parts: Vec<&str> = source.split('/').collect();
    let word = |p: &&str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let host = |p: &&str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'))
    };
    match parts.as_slice() {
        [namespace, name, provider] => [namespace, name, provider].iter().all(|p| word(p)),
        [hostname, namespace, name, provider] => {
            host(hostname) && [namespace, name, provider].iter().all(|p| word(p))
        }
        _ => false,
    }
}

fn module_def(doc: &Document) -> Result<ModuleDef, Vec<Diagnostic>> {
    let file: ModuleFile = model::decode(doc, "", &doc.value).map_err(|d| vec![d])?;
    let input_schema = json!({
        "type": "object",
        "properties": Value::Object(file.inputs.clone()),
        "additionalProperties": false,
    });
    let validator = crate::schema::whole_number_validator(&input_schema)
        .map_err(|e| vec![messages::invalid_input_schema(doc.span("/inputs"), e)])?;
    let defaults = file
        .inputs
        .iter()
        .filter_map(|(k, s)| s.get("default").map(|d| (k.clone(), d.clone())))
        .collect();
    let mut errors = Vec::new();
    if !is_registry_source(&file.terraform.source) {
        let at = doc.span("/terraform/source");
        errors.push(messages::source_not_registry(at, &file.terraform.source));
    }
    let arguments = file
        .terraform
        .inputs
        .into_iter()
        .map(|(k, value)| {
            let pointer = pointer_push("/terraform/inputs", &k);
            let def = argument_def(doc, &pointer, value, &file.generate).unwrap_or_else(|d| {
                errors.push(d);
                ArgumentDef::Expression(String::new())
            });
            (k, def, doc.span(&pointer))
        })
        .collect();
    let mut outputs = IndexMap::new();
    for (name, output) in file.outputs {
        match output_def(doc, &name, output, &file.generate) {
            Ok(def) => {
                outputs.insert(name, def);
            }
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ModuleDef {
        kind: file.kind,
        source: file.terraform.source,
        version: file.terraform.version,
        input_names: file.inputs.keys().cloned().collect(),
        validator,
        defaults,
        arguments,
        outputs,
        iam: file
            .iam
            .into_iter()
            .map(|s| (s.actions, s.resources))
            .collect(),
        network: file.network,
        stateful: file.stateful,
        generate: file.generate,
        type_span: doc.span("/type"),
    })
}

/// An argument as written: a mapping whose only key is `tf` is a raw Terraform
/// expression (the module schema rejects `tf` beside other keys), checked here to be
/// exactly one expression; one whose only key is `generated` names a secret of the
/// `generate` block; anything else is data with templates.
fn argument_def(
    doc: &Document,
    pointer: &str,
    value: Value,
    generate: &IndexMap<String, GenerateFile>,
) -> Result<ArgumentDef, Diagnostic> {
    if let Some(Value::String(name)) = only_key(&value, "generated") {
        let at = doc.span(&pointer_push(pointer, "generated"));
        return generated_name(at, name, generate).map(ArgumentDef::Generated);
    }
    let Some(Value::String(text)) = only_key(&value, "tf") else {
        return Ok(ArgumentDef::Template(value));
    };
    match crate::hcl_writer::parse_expression(text) {
        Ok(_) => Ok(ArgumentDef::Expression(text.clone())),
        Err(why) => Err(messages::invalid_expression(
            doc.span(&pointer_push(pointer, "tf")),
            text,
            &why,
        )),
    }
}

/// The value of a mapping's only key `key`.
fn only_key<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.get(key))
}

/// A name of the `generate` block, or an error at `at` naming the declared ones.
fn generated_name(
    at: Span,
    name: &str,
    generate: &IndexMap<String, GenerateFile>,
) -> Result<String, Diagnostic> {
    match generate.contains_key(name) {
        true => Ok(name.to_string()),
        false => {
            let declared: Vec<String> = generate.keys().cloned().collect();
            Err(messages::unknown_generated(at, name, &declared))
        }
    }
}

/// One output as the resolver uses it; a value keeps where it was written.
fn output_def(
    doc: &Document,
    name: &str,
    output: OutputFile,
    generate: &IndexMap<String, GenerateFile>,
) -> Result<OutputDef, Diagnostic> {
    let pointer = |key: &str| pointer_push(&pointer_push("/outputs", name), key);
    Ok(match output {
        OutputFile::Value { value } => OutputDef::Value(value, doc.span(&pointer("value"))),
        OutputFile::SecretFrom { secret, from } => OutputDef::Secret {
            key: secret,
            from: SecretSource::Output(from),
        },
        OutputFile::SecretFormat { secret, format } => OutputDef::Secret {
            key: secret,
            from: SecretSource::Format(format),
        },
        OutputFile::SecretCompose { secret, compose } => OutputDef::Composed {
            key: secret,
            template: compose,
            span: doc.span(&pointer("compose")),
        },
        OutputFile::SecretGenerated { secret, generated } => {
            let at = doc.span(&pointer("generated"));
            OutputDef::Secret {
                key: secret,
                from: SecretSource::Generated(generated_name(at, &generated, generate)?),
            }
        }
        OutputFile::SecretCopy {
            secret,
            from_secret,
            property,
        } => OutputDef::Secret {
            key: secret,
            from: SecretSource::Copy {
                output: from_secret,
                property,
            },
        },
    })
}

/// The context module templates see.
pub(crate) struct NeedContext<'a> {
    pub(crate) service: Value,
    pub(crate) env: Value,
    /// The platform as a template value (converted once per compilation).
    pub(crate) platform: minijinja::Value,
    pub(crate) need: &'a str,
    /// The need name its resources were created under (the oldest previous name).
    pub(crate) state_name: &'a str,
    /// The need's previous names, newest first.
    pub(crate) renamed_from: Vec<String>,
    pub(crate) secret_path: String,
    /// The security group pave creates for the need (the module asks, the
    /// environment has a network).
    pub(crate) security_group: Option<SecurityGroup>,
}

/// Checks a need against its module and evaluates the module for it. `span_of` maps a
/// pointer below the need (`/size`) to the span it was written at.
pub(crate) fn resolve_need(
    module: &ModuleDef,
    need: &Map<String, Value>,
    ctx: NeedContext,
    span_of: &dyn Fn(&str) -> Span,
) -> Result<ModuleNeed, Vec<Diagnostic>> {
    let mut given: Map<String, Value> = need.clone();
    given.remove("type");
    let mut errors = Vec::new();
    for e in module.validator.iter_errors(&Value::Object(given.clone())) {
        errors.push(input_error(module, &e, span_of));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut inputs = module.defaults.clone();
    inputs.extend(given);
    let inputs = Value::Object(inputs);
    // Fuel, recursion and output bounds: a module file is input like any other.
    let context = minijinja::context! {
        service => template_budget::value(&ctx.service),
        env => template_budget::value(&ctx.env),
        platform => ctx.platform.clone(),
        inputs => template_budget::value(&inputs),
        need => template_budget::value(json!({
            "name": ctx.need, "type": module.kind, "state_name": ctx.state_name,
        })),
    };
    let mut arguments = IndexMap::new();
    for (name, def, span) in &module.arguments {
        let value = match def {
            ArgumentDef::Template(value) => value,
            ArgumentDef::Expression(text) => {
                arguments.insert(name.clone(), Argument::Expression(text.clone()));
                continue;
            }
            ArgumentDef::Generated(secret) => {
                arguments.insert(name.clone(), Argument::Generated(secret.clone()));
                continue;
            }
        };
        let site = Site {
            span: *span,
            owner: Owner::Module,
        };
        match watchdog::guarded(site, || evaluate(value, &context)) {
            Ok(v) => {
                arguments.insert(name.clone(), Argument::Value(v));
            }
            Err(failure) => errors.push(template_error(module, name, failure, *span)),
        }
    }
    let mut outputs = IndexMap::new();
    let mut secrets = Vec::new();
    for (name, def) in &module.outputs {
        match def {
            OutputDef::Value(template, span) => {
                let site = Site {
                    span: *span,
                    owner: Owner::Module,
                };
                match watchdog::guarded(site, || {
                    template_budget::render_template(template, &context)
                }) {
                    Ok(v) => {
                        outputs.insert(name.clone(), NeedOutput::Value(v));
                    }
                    Err(failure) => errors.push(template_error(
                        module,
                        name,
                        TemplateError::from(failure),
                        *span,
                    )),
                }
            }
            OutputDef::Secret { key, from } => {
                outputs.insert(name.clone(), NeedOutput::Secret(key.clone()));
                if !secrets.iter().any(|(k, _)| k == key) {
                    secrets.push((key.clone(), from.clone()));
                }
            }
            OutputDef::Composed { .. } => {}
        }
    }
    // Composed keys read the Terraform-written keys, so those are all known first.
    let mut composed = Vec::new();
    for (name, def) in &module.outputs {
        let OutputDef::Composed {
            key,
            template,
            span,
        } = def
        else {
            continue;
        };
        let site = Site {
            span: *span,
            owner: Owner::Module,
        };
        let rendered = watchdog::guarded(site, || {
            template_budget::render_template(template, &context)
        })
        .map_err(TemplateError::from)
        .and_then(|text| go_template(&text, &secrets));
        match rendered {
            Ok(go) => {
                outputs.insert(name.clone(), NeedOutput::Secret(key.clone()));
                composed.push((key.clone(), go));
            }
            Err(failure) => errors.push(template_error(module, name, failure, *span)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ModuleNeed {
        name: ctx.need.to_string(),
        kind: module.kind.clone(),
        source: module.source.clone(),
        version: module.version.clone(),
        arguments,
        renamed_from: ctx.renamed_from,
        secret_path: ctx.secret_path,
        secrets,
        composed,
        outputs,
        iam: module.iam.clone(),
        security_group: ctx.security_group,
        in_network: module.network.is_some(),
        stateful: module.stateful,
        generate: module.generate.clone(),
    })
}

/// A `compose` string as an ExternalSecret template (Go text/template, ESO engine
/// v2): each `{key}` slot reads that key of the need's secret, percent-encoded
/// (`urlquery`, a text/template builtin) so a password with `@` or `/` stays one URL
/// part. Every `{` opens a slot, so literal text holds none and cannot open a Go
/// template action.
fn go_template(text: &str, keys: &[(String, SecretSource)]) -> Result<String, TemplateError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            return Err(TemplateError::Other(format!(
                "`{{` without a closing `}}` in `{text}`"
            )));
        };
        let key = &rest[open + 1..open + close];
        if !keys.iter().any(|(k, _)| k == key) {
            let known: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
            return Err(TemplateError::Other(format!(
                "slot `{{{key}}}` names no secret key Terraform writes for this need (keys: {})",
                known.join(", ")
            )));
        }
        out.push_str(&format!(
            "{{{{ index . {} | urlquery }}}}",
            Value::from(key)
        ));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Why a module template could not be evaluated.
#[derive(Debug)]
enum TemplateError {
    /// A fuel, recursion or output bound.
    Exceeded(Exceeded),
    /// A whole-value expression (`"{{ inputs.sise }}"`) that names nothing (true), or
    /// whose value holds such a name (`"{{ [inputs.sise] }}"`).
    Undefined(String, bool),
    /// Any other minijinja error.
    Other(String),
}

impl From<Failure> for TemplateError {
    fn from(f: Failure) -> TemplateError {
        match f {
            Failure::Exceeded(bound) => TemplateError::Exceeded(bound),
            Failure::Error(e) => TemplateError::Other(e.to_string()),
        }
    }
}

impl From<minijinja::Error> for TemplateError {
    fn from(e: minijinja::Error) -> TemplateError {
        TemplateError::from(Failure::from(e))
    }
}

/// A string that is exactly one `{{ expression }}` keeps the expression's type; other
/// strings are templates; maps and lists are evaluated item by item.
fn evaluate(value: &Value, ctx: &minijinja::Value) -> Result<Value, TemplateError> {
    match value {
        Value::String(s) => {
            let trimmed = s.trim();
            let single = trimmed.starts_with("{{")
                && trimmed.ends_with("}}")
                && trimmed.matches("{{").count() == 1;
            if single {
                let source = trimmed[2..trimmed.len() - 2].trim();
                let result = template_budget::expression(source)?.eval(ctx)?;
                // Strict undefined stops printing and iterating an undefined value, not
                // returning one: a typo would otherwise become `null`.
                if contains_undefined(&result) {
                    return Err(TemplateError::Undefined(
                        source.to_string(),
                        result.is_undefined(),
                    ));
                }
                let value = serde_json::to_value(&result)
                    .map_err(|e| TemplateError::Other(e.to_string()))?;
                // The same output bound as a rendered template (`'x' * 100000000`).
                if value.to_string().len() > template_budget::MAX_OUTPUT {
                    return Err(TemplateError::Exceeded(Exceeded::Output));
                }
                Ok(value)
            } else {
                template_budget::render_template(s, ctx)
                    .map(Value::String)
                    .map_err(TemplateError::from)
            }
        }
        Value::Array(items) => items
            .iter()
            .map(|i| evaluate(i, ctx))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| evaluate(v, ctx).map(|v| (k.clone(), v)))
            .collect::<Result<Map<_, _>, _>>()
            .map(Value::Object),
        other => Ok(other.clone()),
    }
}

/// Whether a value is undefined or holds an undefined item (`[inputs.sise]`).
fn contains_undefined(v: &minijinja::Value) -> bool {
    use minijinja::value::ValueKind;
    match v.kind() {
        ValueKind::Undefined => true,
        ValueKind::Seq | ValueKind::Map => v.try_iter().is_ok_and(|items| {
            items.into_iter().any(|k| {
                contains_undefined(&k)
                    || (v.kind() == ValueKind::Map
                        && v.get_item(&k).is_ok_and(|item| contains_undefined(&item)))
            })
        }),
        _ => false,
    }
}

fn template_error(module: &ModuleDef, name: &str, error: TemplateError, span: Span) -> Diagnostic {
    let kind = module.kind.as_str();
    match error {
        TemplateError::Exceeded(bound) => messages::template_stopped(span, kind, name, bound),
        TemplateError::Undefined(expr, whole) => {
            messages::template_undefined(span, kind, name, &expr, whole, &module.input_names)
        }
        TemplateError::Other(message) => messages::template_failed(span, kind, name, &message),
    }
}

fn input_error(
    module: &ModuleDef,
    e: &jsonschema::ValidationError,
    span_of: &dyn Fn(&str) -> Span,
) -> Diagnostic {
    use jsonschema::error::ValidationErrorKind;
    let at = e.instance_path().as_str().to_string();
    match e.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let name = unexpected.first().cloned().unwrap_or_default();
            messages::unknown_input(
                span_of(&pointer_push(&at, &name)),
                &module.kind,
                &name,
                &module.input_names,
                module.type_span,
            )
        }
        _ => messages::invalid_input(
            span_of(&at),
            &module.kind,
            at.trim_start_matches('/'),
            e.masked().to_string(),
            module.type_span,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(template: &str) -> Result<Value, TemplateError> {
        let ctx = minijinja::context! { inputs => template_budget::value(json!({ "size": "small", "storage": 20 })) };
        evaluate(&json!(template), &ctx)
    }

    #[test]
    fn a_module_file_becomes_a_definition_in_written_order() {
        let text = "type: cache\ninputs:\n  size: { type: string, default: small }\n  nodes: { type: integer }\nterraform:\n  source: acme/cache/aws\n  version: \"~> 1.0\"\n  inputs:\n    name: \"{{ need.name }}\"\n    nodes: \"{{ inputs.nodes }}\"\noutputs:\n  host: { value: \"{{ need.name }}.cache\" }\n  token: { secret: token, from: auth_token }\n  url: { secret: url, format: \"redis://{endpoint}\" }\niam:\n  - { actions: [\"cache:Connect\"], resources: [\"{arn}\"] }\n";
        let (doc, diags) = crate::load::parse_yaml(crate::source::FileId(0), text);
        assert!(diags.is_empty());
        let Ok(def) = module_def(&doc.unwrap()) else {
            panic!("the module is valid")
        };
        assert_eq!(
            (def.kind.as_str(), def.version.as_str()),
            ("cache", "~> 1.0")
        );
        assert_eq!(def.input_names, ["size", "nodes"]);
        assert_eq!(def.defaults["size"], json!("small"));
        let names: Vec<&str> = def.arguments.iter().map(|(n, ..)| n.as_str()).collect();
        assert_eq!(names, ["name", "nodes"]);
        assert!(matches!(&def.arguments[0].1, ArgumentDef::Template(_)));
        assert!(
            matches!(&def.outputs["host"], OutputDef::Value(v, _) if v == "{{ need.name }}.cache")
        );
        assert!(
            matches!(&def.outputs["token"], OutputDef::Secret { from: SecretSource::Output(o), .. } if o == "auth_token")
        );
        assert!(
            matches!(&def.outputs["url"], OutputDef::Secret { from: SecretSource::Format(f), .. } if f == "redis://{endpoint}")
        );
        assert_eq!(
            def.iam,
            [(vec!["cache:Connect".to_string()], vec!["{arn}".to_string()])]
        );
    }

    fn def_of(text: &str) -> Result<ModuleDef, Vec<Diagnostic>> {
        let (doc, diags) = crate::load::parse_yaml(crate::source::FileId(0), text);
        assert!(diags.is_empty());
        module_def(&doc.unwrap())
    }

    const GENERATING: &str = "type: cache\nterraform:\n  source: acme/cache/aws\n  version: \"~> 1.0\"\n  inputs:\n    token: { generated: token }\ngenerate:\n  token: { length: 64, special: \"!&#\" }\noutputs:\n  password: { secret: password, generated: token }\n";

    #[test]
    fn a_generated_secret_reaches_the_argument_and_the_secret() {
        let Ok(def) = def_of(GENERATING) else {
            panic!("the module is valid")
        };
        assert!(matches!(&def.arguments[0].1, ArgumentDef::Generated(n) if n == "token"));
        assert!(
            matches!(&def.outputs["password"], OutputDef::Secret { key, from: SecretSource::Generated(n) } if key == "password" && n == "token")
        );
        assert_eq!(def.generate["token"].length, 64);
        assert_eq!(def.generate["token"].special, "!&#");
    }

    #[test]
    fn an_undeclared_generated_secret_is_an_error_at_each_use() {
        let text = GENERATING
            .replace("{ generated: token }", "{ generated: tokn }")
            .replace("generated: token }", "generated: tokn }");
        let Err(errors) = def_of(&text) else {
            panic!("`tokn` is not generated")
        };
        assert_eq!(errors.len(), 2, "{errors:?}");
        for e in &errors {
            assert_eq!(e.code, crate::diag::Code::E0554);
            assert!(e.message.contains("`tokn`"), "{}", e.message);
        }
    }

    #[test]
    fn a_composed_key_becomes_an_eso_template_over_the_terraform_keys() {
        let keys: Vec<(String, SecretSource)> = ["username", "password", "host"]
            .iter()
            .map(|k| (k.to_string(), SecretSource::Output(format!("o_{k}"))))
            .collect();
        assert_eq!(
            go_template("pg://{username}:{password}@{host}:5432/app", &keys).unwrap(),
            r#"pg://{{ index . "username" | urlquery }}:{{ index . "password" | urlquery }}@{{ index . "host" | urlquery }}:5432/app"#
        );
        // Every `{` opens a slot: no literal text can open a Go template action.
        assert!(go_template("{{host}}", &keys).is_err());
        assert!(matches!(
            go_template("pg://{user}@{host}", &keys),
            Err(TemplateError::Other(m)) if m.contains("`{user}`") && m.contains("username, password, host")
        ));
        assert!(matches!(
            go_template("pg://{host", &keys),
            Err(TemplateError::Other(_))
        ));
    }

    #[test]
    fn a_whole_value_expression_keeps_its_type() {
        assert_eq!(eval("{{ inputs.storage }}").unwrap(), json!(20));
        assert_eq!(eval("{{ [inputs.size] }}").unwrap(), json!(["small"]));
        assert_eq!(eval("x{{ inputs.size }}").unwrap(), json!("xsmall"));
    }

    #[test]
    fn a_whole_value_typo_is_an_error_not_null() {
        assert!(matches!(
            eval("{{ inputs.sise }}"),
            Err(TemplateError::Undefined(_, true))
        ));
        assert!(matches!(
            eval("{{ {'a': inputs.sise} }}"),
            Err(TemplateError::Undefined(_, false))
        ));
        assert!(matches!(
            eval("x{{ inputs.sise }}"),
            Err(TemplateError::Other(_))
        ));
    }

    #[test]
    fn whole_values_and_templates_share_the_bounds() {
        let huge = "{{ 'x' * 2000000 }}";
        assert!(matches!(
            eval(huge),
            Err(TemplateError::Exceeded(Exceeded::Output))
        ));
        assert!(matches!(
            eval(&format!("a{huge}")),
            Err(TemplateError::Exceeded(Exceeded::Output))
        ));
        assert!(matches!(
            eval("{{ range(20000) | list }}"),
            Err(TemplateError::Exceeded(Exceeded::Range))
        ));
    }
}
