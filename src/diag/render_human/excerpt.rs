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

/// A file's text with its long lines cut, and the map between old and new offsets.
pub(super) struct Excerpt<'a> {
    pub(crate) text: Cow<'a, str>,
    /// Kept pieces in order: the old byte range and where it starts in `text`.
    pieces: Vec<(Range<usize>, usize)>,
}

impl<'a> Excerpt<'a> {
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
        }
    }

    /// The offset in the excerpt of an original offset; a cut-away offset moves to
    /// the end of the piece before the cut.
    pub(super) fn to_new(&self, old: usize) -> usize {
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
        range.start + (new.saturating_sub(*start)).min(range.len())
    }
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
