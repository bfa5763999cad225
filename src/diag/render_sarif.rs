//! Diagnostics as SARIF 2.1.0, for code-scanning dashboards.
//!
//! Every result has a real region (1-based lines and Unicode code-point columns),
//! its rule's metadata, and a fingerprint that survives lines moving: it hashes the
//! rule, the file, the offending text and the message, not the position.

use serde_json::{Value, json};

use super::{Diagnostic, Severity};
use crate::source::SourceMap;

pub(crate) fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut rules: Vec<(String, String, &'static str)> = Vec::new();
    let mut results = Vec::new();
    for d in diags {
        let (rule_id, description) = match &d.rule {
            Some(rule) => (rule.id.clone(), rule.description.clone()),
            None => (d.code.to_string(), d.message.clone()),
        };
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let index = match rules.iter().position(|(id, _, _)| *id == rule_id) {
            Some(i) => i,
            None => {
                rules.push((rule_id.clone(), description, level));
                rules.len() - 1
            }
        };
        results.push(result(d, &rule_id, index, level, sources));
    }
    let rules: Vec<Value> = rules
        .iter()
        .map(|(id, description, level)| {
            json!({
                "id": id,
                "shortDescription": { "text": description },
                "defaultConfiguration": { "level": level },
            })
        })
        .collect();
    let log = json!({
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "pave", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

/// A repository path as a SARIF `uri`, a relative URI reference: every byte but the
/// unreserved characters and `/` is percent-encoded (`my file.yaml` would otherwise
/// be an invalid URI, and `a#b.yaml` would name `a` with a fragment).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn result(d: &Diagnostic, rule_id: &str, index: usize, level: &str, sources: &SourceMap) -> Value {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let location = |span: crate::source::Span, text: &str| {
        let start = sources.line_col(span);
        let end = sources.end_line_col(span);
        json!({
            "physicalLocation": {
                "artifactLocation": { "uri": uri(&sources.file(span.file).name) },
                "region": {
                    "startLine": start.line,
                    "startColumn": start.col,
                    "endLine": end.line,
                    "endColumn": end.col.max(start.col + usize::from(end.line == start.line)),
                },
            },
            "message": { "text": text },
        })
    };
    let mut locations = Vec::new();
    let mut related = Vec::new();
    for (i, label) in d.labels.iter().enumerate() {
        match label.primary && locations.is_empty() {
            true => locations.push(location(label.span, &label.message)),
            false => {
                let mut l = location(label.span, &label.message);
                l["id"] = json!(i);
                related.push(l);
            }
        }
    }
    // A result about a whole file (drift, a refused destruction) is at its first line,
    // and one about no file (`--deny-warnings`, an unknown `--env`) at the platform
    // file's, or where it belongs when none was read (`--root` names no folder):
    // GitHub code scanning refuses the whole upload for one result without a location.
    if locations.is_empty() {
        let file = d
            .file
            .clone()
            .or_else(|| sources.platform_file_name())
            .unwrap_or_else(|| "platform.yaml".to_string());
        locations.push(json!({ "physicalLocation": {
            "artifactLocation": { "uri": uri(&file) },
            "region": { "startLine": 1, "startColumn": 1 },
        } }));
    }
    let anchor = d.primary_span().map_or_else(String::new, |s| {
        format!("{}\0{}", sources.file(s.file).name, sources.snippet(s))
    });
    let fingerprint =
        crate::digest::sha256_hex(format!("{rule_id}\0{anchor}\0{}", d.message).as_bytes());
    let mut result = json!({
        "ruleId": rule_id,
        "ruleIndex": index,
        "level": level,
        "message": { "text": message },
        "locations": locations,
        "partialFingerprints": { "pave/v1": &fingerprint[..32] },
    });
    if !related.is_empty() {
        result["relatedLocations"] = Value::Array(related);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::{render, uri};
    use crate::diag::{Code, Diagnostic};
    use crate::source::SourceMap;

    #[test]
    fn every_result_has_a_location_even_about_no_file() {
        let at = |sources: &SourceMap| {
            let d = Diagnostic::error(Code::E0116, "no service named `x`");
            let log: serde_json::Value = serde_json::from_str(&render(&[d], sources)).unwrap();
            let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
            assert_eq!(location["region"]["startLine"], 1);
            location["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(at(&SourceMap::default()), "platform.yaml");
        let mut sources = SourceMap::default();
        sources.add("platform.kdl".into(), "name \"p\"\n".into());
        assert_eq!(at(&sources), "platform.kdl");
    }

    #[test]
    fn uris_are_percent_encoded_but_keep_their_folders() {
        assert_eq!(uri("services/api.yaml"), "services/api.yaml");
        assert_eq!(uri("services/my api#1.yaml"), "services/my%20api%231.yaml");
        assert_eq!(uri("services/café.yaml"), "services/caf%C3%A9.yaml");
        assert_eq!(uri("100%.yaml"), "100%25.yaml");
    }
}
