//! The block-style layout: where each node starts, how deep its children go, and
//! how empty collections, nested lists, lists of maps and enum variants are written.
//!
//! The serializer appends to one `String` as serde walks the value. A node's layout
//! depends only on where it starts ([`Pos`]): at the root, after `key:` or after
//! `- `. Two-space indentation; a list under a key is not indented (`key:\n- a`);
//! the first entry of a map or list inside a list item shares the dash's line
//! (`- a: 1`, `- - x`); empty collections are `{}` and `[]`.

use serde::ser::{self, Serialize};

use super::scalar;

mod keys;
mod serializer;

use keys::KeySink;

/// Why a value cannot be written.
#[derive(Debug)]
pub(crate) struct Error(pub(crate) String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

type Result<T = ()> = std::result::Result<T, Error>;

/// The serde name of [`super::Commented`]: a tuple struct of (comment, value).
pub(crate) const COMMENTED: &str = "__yaml_commented";

/// Longest key written as `key:`; a longer one is an explicit `? key` entry.
const SIMPLE_KEY_MAX: usize = 1024;

/// Where the next node starts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Pos {
    /// The document's root: column 0, at the start of a line.
    Root,
    /// After `key:` (no space yet) whose key is at column `col`.
    Value {
        col: usize,
        /// A list goes at the key's column; only the payload of a variant at the
        /// root indents its list one more level.
        compact: bool,
        /// After the `:` of an explicit `? key`: a map's first key shares the line.
        explicit: bool,
    },
    /// After `- `, the dash at column `col`.
    Item { col: usize },
}

/// The serializer: the output and the position of the node serde hands it next.
pub(crate) struct Emitter<'a> {
    out: &'a mut String,
    pos: Pos,
    /// A comment for the next scalar (`value # comment`); dropped by collections.
    comment: Option<String>,
    /// A non-empty list or map ended and no key, dash or scalar has been written
    /// since. Only the fields of a struct variant can start a value then (they are
    /// not map keys); an empty list or map there goes on the next line.
    after_block: bool,
}

impl<'a> Emitter<'a> {
    pub(crate) fn new(out: &'a mut String) -> Self {
        Emitter {
            out,
            pos: Pos::Root,
            comment: None,
            after_block: false,
        }
    }

    fn indent(&mut self, col: usize) {
        const SPACES: &str = "                                                                ";
        match SPACES.get(..col) {
            Some(spaces) => self.out.push_str(spaces),
            None => self.out.extend(std::iter::repeat_n(' ', col)),
        }
    }

    /// Writes what goes between the position and a scalar's text.
    fn scalar_prefix(&mut self) {
        self.after_block = false;
        if let Pos::Value { .. } = self.pos {
            self.out.push(' ');
        }
    }

    /// Ends a scalar's line, with its pending comment if any.
    fn end_line(&mut self) {
        if let Some(comment) = self.comment.take() {
            self.out.push_str(" # ");
            scalar::push_comment(self.out, &comment);
        }
        self.out.push('\n');
    }

    /// A scalar whose text needs no quoting decision (numbers, booleans, null).
    fn raw(&mut self, text: &str) -> Result {
        self.scalar_prefix();
        self.out.push_str(text);
        self.end_line();
        Ok(())
    }

    /// An integer: its decimal digits.
    fn display<T: std::fmt::Display>(&mut self, v: T) -> Result {
        use std::fmt::Write as _;
        self.scalar_prefix();
        let _ = write!(self.out, "{v}");
        self.end_line();
        Ok(())
    }

    fn string(&mut self, v: &str) -> Result {
        let odd = matches!(v, "." | "#" | "-");
        // Most strings are plain, and a plain string holds no line break (a control),
        // so only the others are searched for one.
        let plain = !odd && scalar::plain_value(v);
        if !plain && v.contains('\n') && scalar::block_safe(v) {
            return self.literal(v);
        }
        self.scalar_prefix();
        if odd {
            // serde-saphyr's choice for these three: single quotes.
            self.out.push('\'');
            self.out.push_str(v);
            self.out.push('\'');
        } else if plain {
            self.out.push_str(v);
        } else {
            scalar::push_double_quoted(self.out, v);
        }
        self.end_line();
        Ok(())
    }

    /// A `|` block: the body one level deeper than the node's key or dash; `|2` when
    /// the first line starts with spaces; `-` strips, `+` keeps trailing newlines.
    fn literal(&mut self, v: &str) -> Result {
        let body_col = match self.pos {
            Pos::Root => 2,
            Pos::Value { col, .. } | Pos::Item { col } => col + 2,
        };
        self.scalar_prefix();
        let content = v.trim_end_matches('\n');
        let trailing = v.len() - content.len();
        self.out.push('|');
        let first_line = content.split('\n').find(|l| !l.is_empty()).unwrap_or("");
        if first_line.starts_with(' ') {
            self.out.push('2');
        }
        match trailing {
            0 => self.out.push('-'),
            1 if !content.is_empty() => {}
            _ => self.out.push('+'),
        }
        self.end_line();
        if content.is_empty() {
            self.out.extend(std::iter::repeat_n('\n', trailing));
            return Ok(());
        }
        for line in content.split('\n') {
            if !line.is_empty() {
                self.indent(body_col);
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
        self.out
            .extend(std::iter::repeat_n('\n', trailing.saturating_sub(1)));
        Ok(())
    }

    /// Starts a block list: where its dashes go, and whether the first one shares
    /// the current line (after another dash).
    fn begin_seq(&mut self) -> SeqEmitter<'_, 'a> {
        self.comment = None;
        let (col, state) = match self.pos {
            Pos::Root => (0, SeqStart::LineStart),
            Pos::Value { col, compact, .. } => {
                let dash = if compact { col } else { col + 2 };
                (
                    dash,
                    self.value_start(SeqStart::AfterColon, SeqStart::LineStart),
                )
            }
            Pos::Item { col } => (col + 2, SeqStart::Inline),
        };
        SeqEmitter {
            em: self,
            col,
            state,
            empty: true,
        }
    }

    /// Starts a block map: its keys' column and how its first key is placed.
    fn begin_map(&mut self, len: Option<usize>) -> MapEmitter<'_, 'a> {
        self.comment = None;
        let (col, state) = match self.pos {
            Pos::Root => (0, MapStart::LineStart),
            Pos::Value {
                col,
                explicit: true,
                ..
            } => (col + 2, MapStart::AfterExplicitColon),
            Pos::Value { col, .. } if self.after_block => (
                col + 2,
                self.value_start(MapStart::AfterColon, MapStart::LineStart),
            ),
            Pos::Value { col, .. } => {
                if matches!(len, Some(n) if n > 0) {
                    // Known not to be empty: the entries start on the next line now.
                    self.out.push('\n');
                    (col + 2, MapStart::LineStart)
                } else {
                    (col + 2, MapStart::AfterColon)
                }
            }
            Pos::Item { col } => (col + 2, MapStart::Inline),
        };
        MapEmitter {
            em: self,
            col,
            state,
            entries: 0,
            explicit_key: false,
            simple_keys: false,
        }
    }

    /// How a collection after `key:` starts: `usual`, or on the next line after a
    /// block sibling (see `after_block`).
    fn value_start<S>(&mut self, usual: S, broken: S) -> S {
        if !std::mem::take(&mut self.after_block) {
            return usual;
        }
        self.out.push('\n');
        broken
    }

    /// Writes `Variant:` as a mapping key for an enum variant's payload and returns
    /// the label's column. After `key:` the label goes on its own line under the key.
    fn variant_label(&mut self, variant: &str) -> Result<usize> {
        let col = match self.pos {
            Pos::Root => 0,
            Pos::Value { col, .. } => {
                self.out.push('\n');
                self.indent(col + 2);
                col + 2
            }
            Pos::Item { col } => col + 2,
        };
        push_key(self.out, variant)?;
        self.out.push(':');
        Ok(col)
    }

    fn with_pos<T: ?Sized + Serialize>(&mut self, pos: Pos, value: &T) -> Result {
        let saved = std::mem::replace(&mut self.pos, pos);
        let result = value.serialize(&mut *self);
        self.pos = saved;
        result
    }
}

/// Appends a mapping key's text: plain when safe, otherwise double-quoted.
fn push_key<K: ?Sized + Serialize>(out: &mut String, key: &K) -> Result {
    key.serialize(KeySink { out, raw: false })
}

/// How a list's first dash is placed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SeqStart {
    /// At the start of a line: indent every dash.
    LineStart,
    /// After `key:`: the first dash goes on the next line; empty is ` []`.
    AfterColon,
    /// After `- `: the first dash shares the line.
    Inline,
}

pub(crate) struct SeqEmitter<'e, 'a> {
    em: &'e mut Emitter<'a>,
    col: usize,
    state: SeqStart,
    empty: bool,
}

impl SeqEmitter<'_, '_> {
    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        match std::mem::replace(&mut self.state, SeqStart::LineStart) {
            SeqStart::Inline => {}
            SeqStart::AfterColon => {
                self.em.out.push('\n');
                self.em.indent(self.col);
            }
            SeqStart::LineStart => self.em.indent(self.col),
        }
        self.em.out.push_str("- ");
        self.em.after_block = false;
        self.empty = false;
        self.em.with_pos(Pos::Item { col: self.col }, value)
    }

    fn finish(self) -> Result {
        if !self.empty {
            self.em.after_block = true;
            return Ok(());
        }
        match self.state {
            SeqStart::LineStart => self.em.indent(self.col),
            SeqStart::AfterColon => self.em.out.push(' '),
            SeqStart::Inline => {}
        }
        self.em.out.push_str("[]\n");
        Ok(())
    }
}

/// How a map's first key is placed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MapStart {
    /// At the start of a line: indent every key.
    LineStart,
    /// After `key:` of unknown size: the first key goes on the next line; empty is ` {}`.
    AfterColon,
    /// After `- `: the first key shares the line.
    Inline,
    /// After the `:` of an explicit key: ` ` then the first key on the same line.
    AfterExplicitColon,
}

pub(crate) struct MapEmitter<'e, 'a> {
    em: &'e mut Emitter<'a>,
    col: usize,
    state: MapStart,
    entries: usize,
    /// Whether the key just written was an explicit `? key` (its value follows `:`).
    explicit_key: bool,
    /// The fields of a struct variant: keys are always written as `key:`.
    simple_keys: bool,
}

impl MapEmitter<'_, '_> {
    /// Moves to where the next entry starts.
    fn start_entry(&mut self) {
        match std::mem::replace(&mut self.state, MapStart::LineStart) {
            MapStart::Inline => {}
            MapStart::AfterExplicitColon => self.em.out.push(' '),
            MapStart::AfterColon => {
                self.em.out.push('\n');
                self.em.indent(self.col);
            }
            MapStart::LineStart => self.em.indent(self.col),
        }
    }

    fn key<K: ?Sized + Serialize>(&mut self, key: &K) -> Result {
        self.key_with(|out| push_key(out, key))
    }

    /// A struct's field name as a key: what [`Self::key`] writes, with whether it is
    /// plain remembered ([`scalar::plain_field`]).
    fn field(&mut self, name: &'static str) -> Result {
        self.key_with(|out| {
            match scalar::plain_field(name) {
                true => out.push_str(name),
                false => scalar::push_double_quoted(out, name),
            }
            Ok(())
        })
    }

    fn key_with(&mut self, push: impl FnOnce(&mut String) -> Result) -> Result {
        self.start_entry();
        if !self.simple_keys {
            self.em.after_block = false;
        }
        // Written in place; the rare over-long key is then moved behind `? `.
        let start = self.em.out.len();
        push(self.em.out)?;
        let text = &self.em.out[start..];
        let simple = self.simple_keys
            || text.len() <= SIMPLE_KEY_MAX
            || text.chars().count() <= SIMPLE_KEY_MAX;
        if simple {
            self.em.out.push(':');
        } else {
            let text = self.em.out.split_off(start);
            self.em.out.push_str("? ");
            self.em.out.push_str(&text);
            self.em.out.push('\n');
        }
        self.explicit_key = !simple;
        Ok(())
    }

    fn value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        let explicit = std::mem::take(&mut self.explicit_key);
        if explicit {
            self.em.indent(self.col);
            self.em.out.push(':');
        }
        self.entries += 1;
        let pos = Pos::Value {
            col: self.col,
            compact: true,
            explicit,
        };
        self.em.with_pos(pos, value)
    }

    fn finish(self) -> Result {
        if self.entries > 0 {
            // A struct variant's end leaves the flag as its last field set it.
            self.em.after_block |= !self.simple_keys;
            return Ok(());
        }
        match self.state {
            MapStart::LineStart => self.em.indent(self.col),
            MapStart::AfterColon | MapStart::AfterExplicitColon => self.em.out.push(' '),
            MapStart::Inline => {}
        }
        self.em.out.push_str("{}\n");
        Ok(())
    }
}
