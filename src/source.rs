//! Source files and positions.
//!
//! Every input file gets a [`FileId`]; a [`Span`] is a byte range in one file.
//! Byte offsets become line and column only when a diagnostic is rendered,
//! through the file's [`LineIndex`].

/// An index into the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FileId(pub u32);

/// A byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Span {
    pub(crate) file: FileId,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Span {
    pub(crate) fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start,
            end: end.max(start),
        }
    }
}

/// A 1-based line and column; the column counts characters, as editors do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LineCol {
    pub(crate) line: usize,
    pub(crate) col: usize,
}

/// Byte offsets of line starts, for converting between offsets and positions.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Lines end at `\n`, `\r\n` or a lone `\r`: YAML's line breaks (a file saved
    /// with old Mac line endings parses, and its positions must be right too).
    pub(crate) fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let lone_cr = b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
            if b == b'\n' || lone_cr {
                line_starts.push(i + 1);
            }
        }
        LineIndex { line_starts }
    }

    /// The 1-based line and character column of a byte offset.
    pub(crate) fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        LineCol {
            line: line + 1,
            col: col + 1,
        }
    }

    /// The byte range of the lines holding offsets `lo` to `hi`, with up to `context`
    /// whole lines before and after: what a snippet of those offsets can show.
    pub(crate) fn lines_around(
        &self,
        text_len: usize,
        lo: usize,
        hi: usize,
        context: usize,
    ) -> std::ops::Range<usize> {
        let line_of = |offset: usize| self.line_starts.partition_point(|&s| s <= offset) - 1;
        let first = line_of(lo.min(text_len)).saturating_sub(context);
        let last = line_of(hi.min(text_len)) + context + 1;
        let start = self.line_starts[first];
        let end = self.line_starts.get(last).copied().unwrap_or(text_len);
        start..end.max(start)
    }

    /// The byte offset of a 1-based line and a 0-based character column.
    pub(crate) fn offset(&self, text: &str, line: usize, char_col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return text.len();
        };
        let rest = &text[start..];
        let within = rest
            .char_indices()
            .nth(char_col)
            .map_or(rest.len(), |(i, _)| i);
        start + within
    }
}

/// One loaded input file.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    /// The path relative to the repository root, with `/` separators.
    pub(crate) name: String,
    pub(crate) text: String,
    pub(crate) lines: LineIndex,
}

impl SourceFile {
    /// A file with its line index: built on any thread, so files read in parallel are
    /// indexed in parallel too, and only [`SourceMap::push`] is serial.
    pub(crate) fn new(name: String, text: String) -> SourceFile {
        let lines = LineIndex::new(&text);
        SourceFile { name, text, lines }
    }
}

/// All input files of one run.
#[derive(Debug, Default, Clone)]
pub(crate) struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub(crate) fn add(&mut self, name: String, text: String) -> FileId {
        self.push(SourceFile::new(name, text))
    }

    /// Adds a file already indexed (see [`SourceFile::new`]).
    pub(crate) fn push(&mut self, file: SourceFile) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(file);
        id
    }

    /// The name of the platform file among the loaded files, if one was loaded.
    pub(crate) fn platform_file_name(&self) -> Option<String> {
        self.files
            .iter()
            .map(|f| &f.name)
            .find(|n| ["platform.yaml", "platform.yml", "platform.kdl"].contains(&n.as_str()))
            .cloned()
    }

    /// Every loaded file, in the order loaded.
    pub(crate) fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    pub(crate) fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub(crate) fn line_col(&self, span: Span) -> LineCol {
        let f = self.file(span.file);
        f.lines.line_col(&f.text, span.start)
    }

    pub(crate) fn end_line_col(&self, span: Span) -> LineCol {
        let f = self.file(span.file);
        f.lines.line_col(&f.text, span.end)
    }

    /// The text a span covers.
    pub(crate) fn snippet(&self, span: Span) -> &str {
        let f = self.file(span.file);
        f.text.get(span.start..span.end).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_round_trip_through_line_and_column() {
        let text = "a: 1\nbé: x\n";
        let idx = LineIndex::new(text);
        let off = idx.offset(text, 2, 4);
        assert_eq!(&text[off..off + 1], "x");
        assert_eq!(idx.line_col(text, off), LineCol { line: 2, col: 5 });
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, col: 1 });
    }

    /// A lone `\r` ends a line as YAML says; positions in a file saved with old Mac
    /// line endings were all on line 1 (found by an independent attack).
    #[test]
    fn every_yaml_line_break_ends_a_line() {
        let text = "a: 1\rb: 2\r\nc: 3\nd: 4";
        let idx = LineIndex::new(text);
        for (needle, line) in [("a", 1), ("b", 2), ("c", 3), ("d", 4)] {
            let at = text.find(needle).unwrap();
            assert_eq!(idx.line_col(text, at), LineCol { line, col: 1 }, "{needle}");
            assert_eq!(idx.offset(text, line, 0), at);
        }
    }
}
