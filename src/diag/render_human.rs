//! Human-readable diagnostics in the rustc look, drawn by miette.
//!
//! Labels in the primary label's file are drawn in one snippet; labels in other
//! files (a platform default behind a service value) follow as related snippets.
//! Long lines are shown as a window around their labels ([`excerpt`]).

mod excerpt;

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{Diagnostic, Severity};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use excerpt::Excerpt;

/// Renders diagnostics one after another, each followed by a blank line, then a summary line.
pub(crate) fn render(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for d in diags {
        let report = Report::new(d, sources);
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &report);
        out.push('\n');
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    if !diags.is_empty() {
        out.push_str(&summary(errors, warnings));
        out.push('\n');
    }
    out
}

/// Messages quote the author's text (an unknown key, a placeholder); a terminal gets
/// its start and end around a `…` when it is longer than a few lines.
fn shorten(text: &str) -> String {
    const HEAD: usize = 200;
    const TAIL: usize = 60;
    if text.len() <= HEAD + TAIL || text.chars().nth(HEAD + TAIL).is_none() {
        return text.to_string();
    }
    let head: String = text.chars().take(HEAD).collect();
    let tail: Vec<char> = text.chars().rev().take(TAIL).collect();
    let tail: String = tail.into_iter().rev().collect();
    format!("{head}…{tail}")
}

/// [`shorten`] for help lines and notes, which may be lists of what pave accepts.
fn shorten_help(text: &str) -> String {
    match text.chars().nth(2_000) {
        Some(_) => shorten(text),
        None => text.to_string(),
    }
}

fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, w) => plural(w, "warning"),
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// A file as miette sees it: its repository-relative name and an excerpt of its
/// text, with line and column always those of the original text.
struct Named<'a> {
    file: &'a SourceFile,
    excerpt: Excerpt<'a>,
}

impl Named<'_> {
    /// A label's span in the excerpt's coordinates.
    fn span(&self, span: Span) -> SourceSpan {
        let start = self.excerpt.to_new(span.start);
        let end = self.excerpt.to_new(span.end).max(start);
        SourceSpan::new(start.into(), end - start)
    }
}

impl SourceCode for Named<'_> {
    fn read_span<'s>(
        &'s self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'s> + 's>, MietteError> {
        let inner = self.excerpt.text.as_ref().read_span(span, before, after)?;
        // miette counts bytes of the excerpt; the header shows characters of the file.
        let old = self.excerpt.to_old(inner.span().offset());
        let at = self.file.lines.line_col(&self.file.text, old);
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.name.clone(),
            inner.data(),
            *inner.span(),
            at.line - 1,
            at.col - 1,
            inner.line_count(),
        )))
    }
}

/// One miette report: the labels of one file, plus related reports for other files.
struct Report<'a> {
    message: String,
    code: Option<&'static str>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Named<'a>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report<'a>>,
}

impl<'a> Report<'a> {
    fn new(d: &Diagnostic, sources: &'a SourceMap) -> Report<'a> {
        let severity = match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        // A help line is pave's own advice, often a list to choose from: cut only
        // what would be pages long (it may quote a long value).
        let mut help: Vec<String> = d.help.iter().map(|h| shorten_help(h)).collect();
        help.extend(d.notes.iter().map(|n| format!("note: {}", shorten_help(n))));
        // rustc's header, `error[E0502]: message`, so the code is greppable and in one line.
        let mut message = format!(
            "{}[{}]: {}",
            d.severity.as_str(),
            d.code,
            shorten(&d.message)
        );
        if d.labels.is_empty()
            && let Some(file) = &d.file
        {
            message = format!("{message}\n  --> {file}");
        }
        let mut report = Report {
            message,
            code: None,
            severity,
            help: (!help.is_empty()).then(|| help.join("\n")),
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
        let Some(primary) = d.primary_span() else {
            return report;
        };
        let points: Vec<usize> = d
            .labels
            .iter()
            .filter(|l| l.span.file == primary.file)
            .flat_map(|l| [l.span.start, l.span.end])
            .collect();
        let source = named(sources, primary.file, &points);
        for label in &d.labels {
            let text = (!label.message.is_empty()).then(|| shorten(&label.message));
            if label.span.file == primary.file {
                let span = source.span(label.span);
                report.labels.push(match label.primary {
                    true => LabeledSpan::new_primary_with_span(text, span),
                    false => LabeledSpan::new_with_span(text, span),
                });
            } else {
                let other = named(
                    sources,
                    label.span.file,
                    &[label.span.start, label.span.end],
                );
                report.related.push(Report {
                    message: shorten(&label.message),
                    code: None,
                    severity: miette::Severity::Advice,
                    help: None,
                    labels: vec![LabeledSpan::new_with_span(None, other.span(label.span))],
                    source: Some(other),
                    related: Vec::new(),
                });
            }
        }
        report.source = Some(source);
        report
    }
}

fn named<'a>(sources: &'a SourceMap, id: FileId, points: &[usize]) -> Named<'a> {
    let file = sources.file(id);
    Named {
        file,
        excerpt: Excerpt::around(&file.text, &file.lines, points),
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code.map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        match self.labels.is_empty() {
            true => None,
            false => Some(Box::new(self.labels.iter().cloned())),
        }
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        match self.related.is_empty() {
            true => None,
            false => Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{shorten, shorten_help};

    #[test]
    fn a_help_line_listing_choices_is_kept_whole() {
        let list = (0..40)
            .map(|i| format!("`choice-{i}`"))
            .collect::<Vec<_>>()
            .join(", ");
        assert!(list.len() > 400);
        assert_eq!(shorten_help(&list), list);
        assert!(shorten_help(&"x".repeat(70_000)).contains('…'));
    }

    #[test]
    fn long_messages_keep_their_start_and_end() {
        let long = format!("unknown field `{}é`", "y".repeat(70_000));
        let short = shorten(&long);
        assert!(short.starts_with("unknown field `yyy"), "{short}");
        assert!(short.ends_with("yé`") && short.contains('…'), "{short}");
        assert_eq!(short.chars().count(), 261);
        assert_eq!(
            shorten("unknown field `replica`"),
            "unknown field `replica`"
        );
    }
}
