//! Diagnostics: the data model every stage reports problems with, and its renderers.
//!
//! Stages never print; they return [`Diagnostic`]s. Only the `render_*` modules know
//! about terminals, JSON or GitHub workflow commands. Diagnostics are sorted by
//! (file, offset, code) before they are shown, so output is stable across runs.

mod code;
mod render_github;
mod render_human;
mod render_json;
mod render_sarif;

pub(crate) use code::Code;
pub(crate) use render_github::render as render_github;
pub(crate) use render_human::render as render_human;
pub(crate) use render_json::render as render_json;
pub(crate) use render_sarif::render as render_sarif;

use crate::source::{SourceMap, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A span with a short text shown under it. The primary label marks the offending value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Label {
    pub(crate) span: Span,
    pub(crate) message: String,
    pub(crate) primary: bool,
}

/// One problem found in the sources, with a stable code and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    pub(crate) code: Code,
    pub(crate) severity: Severity,
    /// One line saying what is wrong.
    pub(crate) message: String,
    /// The first label is the primary one when there is one; a diagnostic about a
    /// file as a whole (an unreadable file) may have none.
    pub(crate) labels: Vec<Label>,
    /// What to do about it ("did you mean `replicas`?").
    pub(crate) help: Option<String>,
    pub(crate) notes: Vec<String>,
    /// The file named when there is no label, e.g. an unreadable file.
    pub(crate) file: Option<String>,
    /// The policy a violation is of (SARIF's `ruleId`).
    pub(crate) rule: Option<Rule>,
}

/// A policy as diagnostics name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) id: String,
    pub(crate) description: String,
}

impl Diagnostic {
    pub(crate) fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
            file: None,
            rule: None,
        }
    }

    pub(crate) fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Adds the primary label: the offending value.
    pub(crate) fn primary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.insert(
            0,
            Label {
                span,
                message: message.into(),
                primary: true,
            },
        );
        self
    }

    /// Adds a secondary label, e.g. where a limit was defined.
    pub(crate) fn secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Sets the help when there is one (a "did you mean" that may find nothing).
    pub(crate) fn help_if_any(mut self, help: Option<String>) -> Diagnostic {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub(crate) fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub(crate) fn in_file(mut self, name: impl Into<String>) -> Diagnostic {
        self.file = Some(name.into());
        self
    }

    pub(crate) fn primary_span(&self) -> Option<Span> {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or(self.labels.first())
            .map(|l| l.span)
    }

    pub(crate) fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The "did you mean" help for a misspelt name, if any candidate is close enough.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let best = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))?;
    Some(format!("did you mean `{}`?", best.1))
}

/// Sorts diagnostics by (file, offset, code, message) and drops exact duplicates.
pub(crate) fn sort(diags: &mut Vec<Diagnostic>, sources: &SourceMap) {
    let key = |d: &Diagnostic| {
        let file = match d.primary_span() {
            Some(s) => sources.file(s.file).name.clone(),
            None => d.file.clone().unwrap_or_default(),
        };
        (
            file,
            d.primary_span().map_or(0, |s| s.start),
            d.code,
            d.message.clone(),
        )
    };
    diags.sort_by_cached_key(key);
    diags.dedup();
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Github,
    Sarif,
}

/// Renders diagnostics in the chosen format; `color` applies to `human` only.
pub(crate) fn render(
    diags: &[Diagnostic],
    sources: &SourceMap,
    format: Format,
    color: bool,
) -> String {
    match format {
        Format::Human => render_human(diags, sources, color),
        Format::Json => render_json(diags, sources),
        Format::Github => render_github(diags, sources),
        Format::Sarif => render_sarif(diags, sources),
    }
}

/// The location a diagnostic is reported at; positions are absent for a file as a whole.
pub(crate) struct Location {
    pub(crate) file: String,
    pub(crate) position: Option<Position>,
}

/// 1-based line and column of a span's start and end.
pub(crate) struct Position {
    pub(crate) line: usize,
    pub(crate) col: usize,
    pub(crate) end_line: usize,
    pub(crate) end_col: usize,
}

pub(crate) fn location(d: &Diagnostic, sources: &SourceMap) -> Option<Location> {
    match d.primary_span() {
        Some(span) => {
            let start = sources.line_col(span);
            let end = sources.end_line_col(span);
            let position = Position {
                line: start.line,
                col: start.col,
                end_line: end.line,
                end_col: end.col,
            };
            Some(Location {
                file: sources.file(span.file).name.clone(),
                position: Some(position),
            })
        }
        None => d.file.clone().map(|file| Location {
            file,
            position: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name_only_when_close() {
        let names = ["replicas", "region", "route"];
        assert_eq!(
            did_you_mean("replica", names).as_deref(),
            Some("did you mean `replicas`?")
        );
        assert_eq!(did_you_mean("zzz", names), None);
    }

    #[test]
    fn an_absent_help_keeps_the_one_already_set() {
        let d = Diagnostic::error(Code::E0202, "x").help("first");
        assert_eq!(d.clone().help_if_any(None).help.as_deref(), Some("first"));
        let replaced = d.help_if_any(Some("second".into()));
        assert_eq!(replaced.help.as_deref(), Some("second"));
    }
}
