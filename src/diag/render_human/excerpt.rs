//! Long lines cut to a window around the labels on them, for the human renderer.
//!
//! miette draws every line of a snippet in full and formats label columns with
//! `{:width$}`, which panics past 65,535; a minified or generated input can have a
//! line far longer. The renderer therefore shows a window of each long line (with
//! `…` where text was cut) and maps label offsets into it; the header's line and
//! column are still computed on the original text.

use std::borrow::Cow;
use std::ops::Range;

/// Lines longer than this many characters are shown as a window.
const MAX_CHARS: usize = 160;
/// Characters kept before the first label on a long line.
const MARGIN: usize = 40;
/// What replaces the text cut from a line.
const CUT: &str = "…";

/// Whole lines kept before and after the labels' lines: more than miette shows.
const CONTEXT_LINES: usize = 3;

/// A file's text with its long lines cut, and the map between old and new offsets.
pub(super) struct Excerpt<'a> {
    pub(crate) text: Cow<'a, str>,
    /// Kept pieces in order: the old byte range and where it starts in `text`.
    pieces: Vec<(Range<usize>, usize)>,
    /// Where `text` starts in the file: the excerpt holds only the lines around the
    /// labels, so rendering one diagnostic costs the size of its snippet, not of the
    /// file (miette finds a snippet's lines by scanning from the start of its text).
    base: usize,
}

impl<'a> Excerpt<'a> {
    /// [`Excerpt::new`] of the lines around the `points` only (see `base`).
    pub(super) fn around(
        text: &'a str,
        lines: &crate::source::LineIndex,
        points: &[usize],
    ) -> Excerpt<'a> {
        let lo = points.iter().copied().min().unwrap_or(0);
        let hi = points.iter().copied().max().unwrap_or(0);
        let range = lines.lines_around(text.len(), lo, hi, CONTEXT_LINES);
        let (start, end) = (boundary(text, range.start), boundary(text, range.end));
        let shifted: Vec<usize> = points
            .iter()
            .map(|&p| p.clamp(start, end) - start)
            .collect();
        let mut excerpt = Excerpt::new(&text[start..end], &shifted);
        // miette ends lines at `\n` only; a lone `\r` (a YAML line break) becomes one,
        // byte for byte, so offsets stay the same.
        if excerpt.text.contains('\r') {
            excerpt.text = Cow::Owned(lone_carriage_returns_as_newlines(&excerpt.text));
        }
        Excerpt {
            base: start,
            ..excerpt
        }
    }

    /// Cuts every long line of `text` to a window around the `points` (label starts
    /// and ends, as byte offsets) that fall on it.
    pub(super) fn new(text: &'a str, points: &[usize]) -> Excerpt<'a> {
        let mut points: Vec<usize> = points.iter().map(|&p| boundary(text, p)).collect();
        points.sort_unstable();
        let cuts = cuts(text, &points);
        if cuts.is_empty() {
            return Excerpt {
                text: Cow::Borrowed(text),
                pieces: vec![(0..text.len(), 0)],
                base: 0,
            };
        }
        let mut out = String::with_capacity(text.len().min(1 << 20));
        let mut pieces = Vec::with_capacity(cuts.len() + 1);
        let mut at = 0;
        for cut in cuts {
            pieces.push((at..cut.start, out.len()));
            out.push_str(&text[at..cut.start]);
            out.push_str(CUT);
            at = cut.end;
        }
        pieces.push((at..text.len(), out.len()));
        out.push_str(&text[at..]);
        Excerpt {
            text: Cow::Owned(out),
            pieces,
            base: 0,
        }
    }

    /// The offset in the excerpt of an original offset; a cut-away offset moves to
    /// the end of the piece before the cut.
    pub(super) fn to_new(&self, old: usize) -> usize {
        let old = old.saturating_sub(self.base);
        let i = self
            .pieces
            .partition_point(|(r, _)| r.start <= old)
            .saturating_sub(1);
        let (range, new) = &self.pieces[i];
        new + old.clamp(range.start, range.end) - range.start
    }

    /// The original offset of an offset in the excerpt.
    pub(super) fn to_old(&self, new: usize) -> usize {
        let i = self
            .pieces
            .partition_point(|(_, n)| *n <= new)
            .saturating_sub(1);
        let (range, start) = &self.pieces[i];
        self.base + range.start + (new.saturating_sub(*start)).min(range.len())
    }
}

fn lone_carriage_returns_as_newlines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c == '\r' && chars.peek() != Some(&'\n') {
            true => out.push('\n'),
            false => out.push(c),
        }
    }
    out
}

/// The nearest char boundary at or before `p`, inside the text.
fn boundary(text: &str, p: usize) -> usize {
    let mut p = p.min(text.len());
    while !text.is_char_boundary(p) {
        p -= 1;
    }
    p
}

/// The byte ranges to cut: for each long line, what lies outside its window.
fn cuts(text: &str, points: &[usize]) -> Vec<Range<usize>> {
    let mut cuts = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.trim_end_matches(['\n', '\r']).len();
        if end - start > MAX_CHARS && text[start..end].chars().nth(MAX_CHARS).is_some() {
            let first = points.partition_point(|&p| p < start);
            let on_line = &points[first..first + points[first..].partition_point(|&p| p <= end)];
            let window = window(text, start..end, on_line.first().copied());
            if window.start > start {
                cuts.push(start..window.start);
            }
            if window.end < end {
                cuts.push(window.end..end);
            }
        }
        start += line.len();
    }
    cuts
}

/// The part of the line `line` to show: from `MARGIN` characters before the first
/// label point (or the line start) for at most `MAX_CHARS` characters.
fn window(text: &str, line: Range<usize>, first_point: Option<usize>) -> Range<usize> {
    let anchor = first_point.unwrap_or(line.start);
    let from = text[line.start..anchor]
        .char_indices()
        .rev()
        .nth(MARGIN.saturating_sub(1))
        .map_or(line.start, |(i, _)| line.start + i);
    let to = text[from..line.end]
        .char_indices()
        .nth(MAX_CHARS)
        .map_or(line.end, |(i, _)| from + i);
    from..to
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rendering one diagnostic scanned its whole file twice (cutting long lines, and
    /// miette finding the snippet's lines), so thousands of errors in a large file took
    /// quadratic time (found by an independent attack): the excerpt is the labels'
    /// lines and a few around them, with offsets still those of the file.
    #[test]
    fn an_excerpt_holds_only_the_lines_around_its_labels() {
        let text: String = (0..100_000).map(|i| format!("key{i}: value\n")).collect();
        let lines = crate::source::LineIndex::new(&text);
        let at = text.find("key50000:").unwrap();
        let e = Excerpt::around(&text, &lines, &[at, at + 8]);
        assert!(
            e.text.lines().count() <= 2 * CONTEXT_LINES + 1,
            "{}",
            e.text
        );
        assert!(e.text.contains("key50000: value"));
        let new = e.to_new(at);
        assert_eq!(&e.text[new..new + 8], "key50000");
        assert_eq!(e.to_old(new), at);
        // Labels far apart: everything between them, and no more.
        let end = text.find("key50010:").unwrap();
        let e = Excerpt::around(&text, &lines, &[at, end]);
        assert_eq!(e.text.lines().count(), 11 + 2 * CONTEXT_LINES);
        assert_eq!(e.to_old(e.to_new(end)), end);
    }

    #[test]
    fn short_lines_are_kept_as_they_are() {
        let e = Excerpt::new("a: 1\nb: 2\n", &[3, 4]);
        assert_eq!(e.text, "a: 1\nb: 2\n");
        assert_eq!(e.to_new(8), 8);
        assert_eq!(e.to_old(8), 8);
    }

    #[test]
    fn a_long_line_becomes_a_window_around_its_label() {
        let text = format!("a: 1\nb: \"{}\", bad: 2\nc: 3\n", "é".repeat(70_000));
        let bad = text.find("bad").unwrap();
        let e = Excerpt::new(&text, &[bad, bad + 3]);
        let line = e.text.lines().nth(1).unwrap();
        assert!(
            line.starts_with(CUT) && line.chars().count() < MAX_CHARS + 2,
            "{line}"
        );
        assert!(e.text.ends_with("\nc: 3\n"));
        let new = e.to_new(bad);
        assert_eq!(&e.text[new..new + 3], "bad");
        assert_eq!(e.to_old(new), bad);
        assert_eq!(e.to_old(e.to_new(text.len())), text.len());
    }

    #[test]
    fn a_label_wider_than_the_window_is_clamped_to_it() {
        let text = format!("k: {}\n", "x".repeat(100_000));
        let e = Excerpt::new(&text, &[3, text.len() - 1]);
        let (start, end) = (e.to_new(3), e.to_new(text.len() - 1));
        assert!(
            end > start && end - start <= MAX_CHARS * 4,
            "{start}..{end}"
        );
        assert!(e.text.len() < 1_000);
    }
}
