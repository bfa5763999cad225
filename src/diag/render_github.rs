//! Diagnostics as GitHub Actions workflow commands, which GitHub shows as
//! annotations on the pull request's lines.

use super::{Diagnostic, location};
use crate::source::SourceMap;

pub(crate) fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diags {
        let mut props = Vec::new();
        if let Some(loc) = location(d, sources) {
            props.push(format!("file={}", escape_property(&loc.file)));
            if let Some(p) = loc.position {
                props.push(format!("line={}", p.line));
                props.push(format!("col={}", p.col));
                props.push(format!("endLine={}", p.end_line));
                props.push(format!("endColumn={}", p.end_col));
            }
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("pave {}", d.code))
        ));
        let mut message = d.message.clone();
        if let Some(label) = d.labels.iter().find(|l| l.primary && !l.message.is_empty()) {
            message.push_str(&format!(": {}", label.message));
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{} {}::{}\n",
            d.severity.as_str(),
            props.join(","),
            escape_data(&message)
        ));
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_command_syntax() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
