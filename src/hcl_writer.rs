//! The one place HCL output is formatted, the way `terraform fmt` formats it.
//!
//! hcl-rs builds and escapes the HCL; this module adds what it does not do:
//! `terraform fmt`'s alignment of `=` across consecutive single-line attributes
//! (hclwrite's rule: a line whose value opens a multi-line bracket, a block header, a
//! closing bracket or a blank line ends the run) and identifier object keys.

use hcl::expr::{Expression, FuncCall, TemplateExpr, Traversal, Variable};
use hcl::format::{Format, Formatter};
use hcl::{Body, Identifier};

use crate::output::WriteError;

/// Formats a body as a `.tf` file: two-space indent, aligned `=`, final newline.
///
/// hcl-rs formats into memory, so this fails only on a body hcl-rs itself refuses;
/// callers report it rather than panic.
pub(crate) fn to_tf(body: &Body) -> Result<String, WriteError> {
    let mut formatter = Formatter::builder()
        .prefer_ident_keys(true)
        .compact_arrays(true)
        .build_vec();
    let text = body.format_string(&mut formatter).map_err(hcl_error)?;
    let mut out = align_equals(&text);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Plain data (a module argument) as an HCL literal.
pub(crate) fn to_expression(value: &serde_json::Value) -> Result<Expression, WriteError> {
    hcl::to_expression(value).map_err(hcl_error)
}

fn hcl_error(e: hcl::Error) -> WriteError {
    WriteError {
        format: "HCL",
        message: e.to_string(),
    }
}

/// One Terraform expression from its text (a module's `{ tf: ... }` argument). The
/// text must parse as exactly one expression, so it cannot close the module block or
/// add arguments of its own.
pub(crate) fn parse_expression(text: &str) -> Result<Expression, String> {
    let body = hcl::parse(&format!("value = {text}\n")).map_err(|e| {
        let message = e.to_string();
        // hcl-rs ends its report with the reason (`  = expected ...`).
        let last = message.lines().last().unwrap_or_default().trim();
        last.trim_start_matches('=').trim().to_string()
    })?;
    let mut attributes = body.attributes();
    match (attributes.next(), attributes.next(), body.blocks().next()) {
        (Some(attr), None, None) if attr.key() == "value" => Ok(attr.expr().clone()),
        _ => Err("it holds more than one expression".to_string()),
    }
}

/// A reference such as `module.db.db_instance_address` or `data.x.identity[0].oidc`.
/// Every part is sanitized into an identifier, so any path gives a valid traversal.
pub(crate) fn reference(path: &str) -> Expression {
    let mut parts = path.split('.');
    let root = parts.next().unwrap_or_default();
    let mut builder = Traversal::builder(Variable::from(Identifier::sanitized(root)));
    for part in parts {
        match part.split_once('[') {
            Some((name, index)) => {
                let i: u64 = index.trim_end_matches(']').parse().unwrap_or(0);
                builder = builder
                    .attr(Identifier::sanitized(name))
                    .index(Expression::Number(i.into()));
            }
            None => builder = builder.attr(Identifier::sanitized(part)),
        }
    }
    Expression::Traversal(Box::new(builder.build()))
}

/// A quoted template: `"${...}"` interpolations are kept as written.
pub(crate) fn template(raw: &str) -> Expression {
    Expression::TemplateExpr(Box::new(TemplateExpr::QuotedString(raw.to_string())))
}

/// A function call with positional arguments.
pub(crate) fn call(name: &str, args: Vec<Expression>) -> Expression {
    let mut builder = FuncCall::builder(Identifier::sanitized(name));
    for arg in args {
        builder = builder.arg(arg);
    }
    Expression::FuncCall(Box::new(builder.build()))
}

/// Aligns `=` in runs of consecutive single-line attribute lines.
fn align_equals(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let leads: Vec<Option<usize>> = lines.iter().map(|l| assignment_lead(l)).collect();
    let mut out = String::with_capacity(text.len() + 64);
    let mut i = 0;
    while i < lines.len() {
        if leads[i].is_none() {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && leads[i].is_some() {
            i += 1;
        }
        let width = leads[start..i]
            .iter()
            .map(|l| l.unwrap_or(0))
            .max()
            .unwrap_or(0);
        for (line, lead) in lines[start..i].iter().zip(&leads[start..i]) {
            let lead = lead.unwrap_or(0);
            let (key, rest) = line.split_at(lead);
            let value = rest.trim_start().trim_start_matches('=').trim_start();
            out.push_str(key.trim_end());
            out.push_str(&" ".repeat(width - key.trim_end().len() + 1));
            out.push_str("= ");
            out.push_str(value);
            out.push('\n');
        }
    }
    out
}

/// For a line `key = value` whose value is complete on the line, the width of `key`
/// with its indentation; `None` for anything else.
fn assignment_lead(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    let mut depth = 0i32;
    let mut eq = None;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b'=' if eq.is_none() && depth == 0 => {
                let prev = if i > 0 { bytes[i - 1] } else { b' ' };
                let next = bytes.get(i + 1).copied().unwrap_or(b' ');
                if !matches!(prev, b'=' | b'!' | b'<' | b'>') && !matches!(next, b'=' | b'>') {
                    eq = Some(i);
                    depth = 0;
                }
            }
            _ => {}
        }
    }
    let eq = eq?;
    let key = line[..eq].trim_end();
    // A value that opens brackets it does not close continues on later lines.
    (depth == 0 && !key.trim().is_empty()).then_some(key.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raw_expression_parses_to_exactly_one_expression() {
        let text = |e: Expression| hcl::format::to_string(&e).unwrap();
        assert_eq!(
            text(parse_expression("data.aws_vpc.main.id").unwrap()),
            "data.aws_vpc.main.id"
        );
        assert_eq!(
            text(parse_expression("[for s in var.subnets : s.id]").unwrap()),
            "[for s in var.subnets : s.id]"
        );
        assert!(parse_expression("data.aws_vpc.main.").is_err());
        assert!(parse_expression("1\n  other = 2").is_err());
        assert!(parse_expression("1 }\nresource \"x\" \"y\" {").is_err());
        assert!(parse_expression("").is_err());
    }

    #[test]
    fn aligns_runs_like_terraform_fmt() {
        let input = "resource \"x\" \"y\" {\n  a = 1\n  long_name = \"v\"\n  tags = {\n    k = \"v\"\n    key2 = \"w\"\n  }\n  z = [1, 2]\n}\n";
        let expected = "resource \"x\" \"y\" {\n  a         = 1\n  long_name = \"v\"\n  tags = {\n    k    = \"v\"\n    key2 = \"w\"\n  }\n  z = [1, 2]\n}\n";
        assert_eq!(align_equals(input), expected);
    }

    #[test]
    fn ignores_equals_inside_strings_and_comparisons() {
        assert_eq!(assignment_lead("  a = \"x = y\""), Some(3));
        assert_eq!(assignment_lead("  tags = {"), None);
        assert_eq!(assignment_lead("  x = a == b"), Some(3));
    }

    #[test]
    fn references_are_total() {
        let text = |e: Expression| hcl::format::to_string(&e).unwrap();
        assert_eq!(
            text(reference("data.x.identity[0].oidc")),
            "data.x.identity[0].oidc"
        );
        // Not an identifier: sanitized instead of a panic.
        assert_eq!(text(reference("1st.a-b")), "_1st.a-b");
    }

    #[test]
    fn hcl_errors_become_write_errors_not_panics() {
        let error: hcl::Error = serde::ser::Error::custom("refused");
        let written = hcl_error(error);
        assert_eq!(written.format, "HCL");
        assert!(written.message.contains("refused"), "{written}");
    }

    #[test]
    fn module_arguments_become_literals() {
        let value = serde_json::json!({ "size": 20, "tags": ["a"] });
        let body = Body::builder()
            .add_attribute(("x", to_expression(&value).unwrap()))
            .build();
        assert_eq!(
            to_tf(&body).unwrap(),
            "x = {\n  size = 20\n  tags = [\"a\"]\n}\n"
        );
    }
}
