//! Diagnostics as one JSON document, for editors and scripts.
//!
//! Positions are 1-based lines and character columns plus byte offsets.

use serde::Serialize;

use super::{Diagnostic, location};
use crate::source::SourceMap;

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    /// The policy id, for policy violations.
    rule: Option<&'a str>,
    severity: &'static str,
    message: &'a str,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: String,
    line: usize,
    column: usize,
    offset: usize,
    length: usize,
    message: &'a str,
    primary: bool,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    errors: usize,
    warnings: usize,
}

pub(crate) fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let diagnostics: Vec<JsonDiagnostic> = diags.iter().map(|d| one(d, sources)).collect();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let report = JsonReport {
        diagnostics,
        errors,
        warnings: diags.len() - errors,
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
}

fn one<'a>(d: &'a Diagnostic, sources: &SourceMap) -> JsonDiagnostic<'a> {
    let loc = location(d, sources);
    let pos = loc.as_ref().and_then(|l| l.position.as_ref());
    let labels = d
        .labels
        .iter()
        .map(|l| {
            let lc = sources.line_col(l.span);
            JsonLabel {
                file: sources.file(l.span.file).name.clone(),
                line: lc.line,
                column: lc.col,
                offset: l.span.start,
                length: l.span.end - l.span.start,
                message: &l.message,
                primary: l.primary,
            }
        })
        .collect();
    JsonDiagnostic {
        code: d.code.as_str(),
        rule: d.rule.as_ref().map(|r| r.id.as_str()),
        severity: d.severity.as_str(),
        message: &d.message,
        file: loc.as_ref().map(|l| l.file.clone()),
        line: pos.map(|p| p.line),
        column: pos.map(|p| p.col),
        end_line: pos.map(|p| p.end_line),
        end_column: pos.map(|p| p.end_col),
        labels,
        help: d.help.as_deref(),
        notes: &d.notes,
    }
}
