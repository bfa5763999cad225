//! The wording of diagnostics about modules and the needs that use them: one
//! constructor per problem, called from `resolve::module`.

use std::fmt::Display;

use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::template_budget::Exceeded;

/// What module templates can name, for help lines.
const TEMPLATE_NAMES: &str =
    "module templates see `service`, `need`, `inputs`, `env` and `platform`";

/// "its inputs are: a, b" or "this module takes no inputs".
fn inputs_list(prefix: &str, input_names: &[String]) -> String {
    match input_names.is_empty() {
        true => "this module takes no inputs".to_string(),
        false => format!("{prefix}: {}", input_names.join(", ")),
    }
}

/// The module's `inputs` do not compile as JSON Schema.
pub(crate) fn invalid_input_schema(span: Span, error: impl Display) -> Diagnostic {
    Diagnostic::error(
        Code::E0511,
        format!("the module's `inputs` are not a valid JSON Schema: {error}"),
    )
    .primary(span, "here")
}

/// A module template hit a fuel, recursion or output bound.
pub(crate) fn template_stopped(span: Span, kind: &str, name: &str, bound: Exceeded) -> Diagnostic {
    Diagnostic::error(
        Code::E0530,
        format!(
            "module `{kind}`: `{name}`: template stopped: {}",
            bound.describe()
        ),
    )
    .primary(span, "evaluation stopped here")
    .help(bound.help())
}

/// A whole-value expression names nothing (`whole`), or its value holds such a name.
pub(crate) fn template_undefined(
    span: Span,
    kind: &str,
    name: &str,
    expr: &str,
    whole: bool,
    input_names: &[String],
) -> Diagnostic {
    let what = format!("module `{kind}`: `{name}`");
    let message = match whole {
        true => format!("{what} cannot be evaluated: `{expr}` is undefined"),
        false => format!("{what} cannot be evaluated: `{expr}` holds an undefined value"),
    };
    let inputs = inputs_list("its inputs are", input_names);
    Diagnostic::error(Code::E0513, message)
        .primary(span, "names nothing")
        .help(format!("{TEMPLATE_NAMES}; {inputs}"))
}

/// Any other template error minijinja reports.
pub(crate) fn template_failed(span: Span, kind: &str, name: &str, message: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0513,
        format!("module `{kind}`: `{name}` cannot be evaluated: {message}"),
    )
    .primary(span, "in this template")
    .help(TEMPLATE_NAMES)
}

/// A need sets a key the module has no input for.
pub(crate) fn unknown_input(
    span: Span,
    kind: &str,
    name: &str,
    input_names: &[String],
    module_span: Span,
) -> Diagnostic {
    let help = did_you_mean(name, input_names.iter().map(String::as_str))
        .unwrap_or_else(|| inputs_list("inputs are", input_names));
    Diagnostic::error(
        Code::E0512,
        format!("module `{kind}` has no input `{name}`"),
    )
    .primary(span, "not an input of this module")
    .secondary(module_span, "the module is defined here")
    .help(help)
}

/// A need's value does not match the module's schema for that input.
pub(crate) fn invalid_input(
    span: Span,
    kind: &str,
    input: &str,
    problem: String,
    module_span: Span,
) -> Diagnostic {
    Diagnostic::error(
        Code::E0512,
        format!("invalid input `{input}` for module `{kind}`"),
    )
    .primary(span, problem)
    .secondary(module_span, "the module is defined here")
}

/// A `{ tf: ... }` argument that is not exactly one Terraform expression.
/// `{ generated: <name> }` names no secret of the module's `generate` block.
pub(crate) fn unknown_generated(span: Span, name: &str, declared: &[String]) -> Diagnostic {
    let error = Diagnostic::error(
        Code::E0554,
        format!("`{name}` is not a secret of this module's `generate` block"),
    )
    .primary(span, "names no generated secret");
    let help = match declared.is_empty() {
        true => format!(
            "declare it: `generate: {{ {name}: {{ length: 32, special: \"!#%*-_=+\" }} }}` (Terraform makes a `random_password` per need)"
        ),
        false => {
            let list = format!("the module generates: {}", declared.join(", "));
            match did_you_mean(name, declared.iter().map(String::as_str)) {
                Some(hint) => format!("{hint} ({list})"),
                None => list,
            }
        }
    };
    error.help(help)
}

pub(crate) fn invalid_expression(span: Span, text: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0551,
        format!("`{text}` is not one Terraform expression: {why}"),
    )
    .primary(span, "this expression")
    .help("`{ tf: \"...\" }` is written into the module call as is: one expression such as `data.aws_vpc.main.id`, with no templates")
}

/// E0518: `modules/<folder>/module.yaml` declares another type than its folder.
pub(crate) fn module_folder_not_type(at: Span, folder: &str, kind: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0518,
        format!("the module in `modules/{folder}/` declares type `{kind}`"),
    )
    .primary(at, "not the folder's name")
    .note("a module's folder is its type, so that no two modules can declare one type and a need's `type` names one folder")
    .help(format!("move the file to `modules/{kind}/`, or set `type: {folder}`"))
}

/// E0519: `terraform.source` is not a registry address, so `version` cannot pin it.
pub(crate) fn source_not_registry(at: Span, source: &str) -> Diagnostic {
    Diagnostic::error(
        Code::E0519,
        format!("`{source}` is not a Terraform registry address"),
    )
    .primary(at, "the Terraform module to call")
    .note("Terraform takes a module's `version` only from a registry, and a local path would be read relative to the generated folder")
    .help("name a registry module, `<namespace>/<name>/<provider>` or `<host>/<namespace>/<name>/<provider>`, e.g. `terraform-aws-modules/rds/aws`, and publish your own modules to a private registry")
}
