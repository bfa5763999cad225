//! The writer against serde-saphyr on generated values: strings built from the
//! characters and words YAML treats specially, placed as keys, values and list
//! items in every shape serde can hand a serializer (maps of unknown size, nested
//! lists, enum variants, options, numbers, bytes, comments, explicit `? key`s).
//! A fixed-seed generator, so a failure names a case that can be replayed.

use serde::ser::{
    SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTupleVariant,
};
use serde::{Serialize, Serializer};

use super::{Commented, to_yaml, to_yaml_reference};

/// Pieces strings are built from: YAML indicators, white space of every kind,
/// controls, separators, digits and the words YAML 1.1 readers resolve.
const PIECES: &[&str] = &[
    ":",
    "#",
    "-",
    "?",
    "'",
    "\"",
    "\n",
    "\t",
    "\r",
    " ",
    "  ",
    "é",
    "字",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{a0}",
    "\u{3000}",
    "\u{7f}",
    "\u{1b}",
    "\0",
    "\u{9f}",
    "---",
    "...",
    "&",
    "*",
    "!",
    "|",
    ">",
    "%",
    "@",
    "`",
    "{",
    "}",
    "[",
    "]",
    ",",
    "0",
    "1",
    "9",
    "_",
    ".",
    "e",
    "E",
    "x",
    "b",
    "o",
    "+",
    "a",
    "Z",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "true",
    "False",
    "null",
    "NULL",
    "~",
    "<<",
    "=",
    "inf",
    ".inf",
    "-.Inf",
    "nan",
    ".NaN",
    "0x1F",
    "0b101",
    "0o17",
    "1_000",
    "1:20",
    "1:70",
    "2024-01-02",
    "2024-1-2 10:00:00 +01:00",
    "T10:00:00Z",
    "0755",
    "1e3",
    "1.5e-3",
    "\\",
    "\u{10000}",
    "\u{fffe}",
    ": ",
    " #",
    "# ",
    "\n\n",
    "\n ",
    " \n",
    "http://h/p?q=1#f",
    "key",
    "value",
    "--",
    "..",
];

const NAMES: &[&str] = &["V", "on", "a b", "x:y", "-", "#c"];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn string(&mut self) -> String {
        let len = self.below(8);
        (0..len).map(|_| PIECES[self.below(PIECES.len())]).collect()
    }

    fn name(&mut self) -> &'static str {
        NAMES[self.below(NAMES.len())]
    }
}

/// A value of any shape; its `Serialize` calls the serializer method it names.
#[derive(Debug)]
enum Node {
    Str(String),
    Char(char),
    Int(i64),
    Big(u128),
    Float(f64),
    Bool(bool),
    Unit,
    Absent,
    Bytes(Vec<u8>),
    Seq(Vec<Node>),
    /// Entries, and whether the size is announced.
    Map(Vec<(Key, Node)>, bool),
    Struct(Vec<Node>),
    UnitVariant(&'static str),
    Newtype(&'static str, Box<Node>),
    Tuple(&'static str, Vec<Node>),
    StructVariant(&'static str, Vec<Node>),
    Commented(Box<Node>, String),
}

#[derive(Debug)]
enum Key {
    Str(String),
    Int(i64),
    Bool(bool),
    Float(f64),
    Char(char),
    Null,
    UnitVariant(&'static str),
}

/// Field names for structs (serde wants them `'static`).
const FIELDS: &[&str] = &["a", "on", "b: c", "", "key", "- x", "0755"];

impl Rng {
    fn node(&mut self, depth: usize) -> Node {
        let leaf = depth == 0 || self.below(3) == 0;
        if leaf {
            return self.leaf();
        }
        let d = depth - 1;
        let n = self.below(4);
        match self.below(7) {
            0 => Node::Seq((0..n).map(|_| self.node(d)).collect()),
            1 | 2 => Node::Map(
                (0..n).map(|_| (self.key(), self.node(d))).collect(),
                self.below(2) == 0,
            ),
            3 => Node::Struct((0..n.min(FIELDS.len())).map(|_| self.node(d)).collect()),
            4 => Node::Newtype(self.name(), Box::new(self.node(d))),
            5 => match self.below(2) {
                0 => Node::Tuple(self.name(), (0..n).map(|_| self.node(d)).collect()),
                _ => Node::StructVariant(self.name(), (0..n).map(|_| self.node(d)).collect()),
            },
            _ => Node::Commented(Box::new(self.node(d)), self.string()),
        }
    }

    fn leaf(&mut self) -> Node {
        const FLOATS: [f64; 9] = [
            0.0,
            -0.0,
            1.5,
            1e300,
            1e-7,
            123456789.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        match self.below(14) {
            0..=5 => Node::Str(self.string()),
            6 => Node::Int(self.below(2001) as i64 - 1000),
            7 => Node::Float(match self.below(2) {
                0 => FLOATS[self.below(FLOATS.len())],
                _ => f64::from_bits(self.0),
            }),
            8 => Node::Bool(self.below(2) == 0),
            9 => [Node::Unit, Node::Absent][self.below(2)].clone_leaf(),
            10 => Node::Char(self.string().chars().next().unwrap_or('#')),
            11 => Node::Big(u128::MAX - self.below(9) as u128),
            12 => Node::Bytes(
                (0..self.below(5))
                    .map(|i| (i as u8).wrapping_mul(97))
                    .collect(),
            ),
            _ => Node::UnitVariant(self.name()),
        }
    }

    fn key(&mut self) -> Key {
        match self.below(16) {
            0 => Key::Int(self.below(100) as i64 - 50),
            1 => Key::Bool(self.below(2) == 0),
            12 => Key::Float(f64::from_bits(self.0 >> 1)),
            13 => Key::Char(self.string().chars().next().unwrap_or(':')),
            14 => Key::Null,
            15 => Key::UnitVariant(self.name()),
            // Long keys are written as explicit `? key` entries.
            2 => Key::Str("k".repeat(1020 + self.below(10))),
            _ => Key::Str(self.string()),
        }
    }
}

impl Node {
    fn clone_leaf(&self) -> Node {
        match self {
            Node::Unit => Node::Unit,
            _ => Node::Absent,
        }
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Key::Str(v) => s.serialize_str(v),
            Key::Int(v) => s.serialize_i64(*v),
            Key::Bool(v) => s.serialize_bool(*v),
            Key::Float(v) => s.serialize_f64(*v),
            Key::Char(v) => s.serialize_char(*v),
            Key::Null => s.serialize_none(),
            Key::UnitVariant(v) => s.serialize_unit_variant("K", 0, v),
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Str(v) => s.serialize_str(v),
            Node::Char(v) => s.serialize_char(*v),
            Node::Int(v) => s.serialize_i64(*v),
            Node::Big(v) => s.serialize_u128(*v),
            Node::Float(v) => s.serialize_f64(*v),
            Node::Bool(v) => s.serialize_bool(*v),
            Node::Unit => s.serialize_unit(),
            Node::Absent => s.serialize_none(),
            Node::Bytes(v) => s.serialize_bytes(v),
            Node::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                items.iter().try_for_each(|i| seq.serialize_element(i))?;
                seq.end()
            }
            Node::Map(entries, sized) => {
                let mut map = s.serialize_map(sized.then_some(entries.len()))?;
                entries
                    .iter()
                    .try_for_each(|(k, v)| map.serialize_entry(k, v))?;
                map.end()
            }
            Node::Struct(fields) => {
                let mut st = s.serialize_struct("S", fields.len())?;
                for (name, v) in FIELDS.iter().zip(fields) {
                    st.serialize_field(name, v)?;
                }
                st.end()
            }
            Node::UnitVariant(name) => s.serialize_unit_variant("E", 0, name),
            Node::Newtype(name, v) => s.serialize_newtype_variant("E", 0, name, v),
            Node::Tuple(name, items) => {
                let mut t = s.serialize_tuple_variant("E", 0, name, items.len())?;
                items.iter().try_for_each(|i| t.serialize_field(i))?;
                t.end()
            }
            Node::StructVariant(name, fields) => {
                let mut st = s.serialize_struct_variant("E", 0, name, fields.len())?;
                for (field, v) in FIELDS.iter().zip(fields) {
                    st.serialize_field(field, v)?;
                }
                st.end()
            }
            Node::Commented(v, comment) => Commented(v, comment.clone()).serialize(s),
        }
    }
}

fn assert_same<T: Serialize>(value: &T, case: &str) {
    let ours = to_yaml(value).map_err(|e| e.message);
    let theirs = to_yaml_reference(value).map_err(|e| e.message);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) if a == b => {}
        _ => panic!("{case}\npave:\n{ours:?}\nserde-saphyr:\n{theirs:?}"),
    }
}

#[test]
fn tricky_strings_as_keys_values_and_items_match_serde_saphyr() {
    let mut rng = Rng(7);
    for case in 0..5000 {
        let s = rng.string();
        let map = std::collections::BTreeMap::from([(s.clone(), s.clone())]);
        assert_same(&map, &format!("string case {case}: {s:?}"));
        assert_same(
            &vec![vec![s.clone()], vec![]],
            &format!("list case {case}: {s:?}"),
        );
        assert_same(&s, &format!("root case {case}: {s:?}"));
    }
}

#[test]
fn values_of_every_shape_match_serde_saphyr() {
    let mut rng = Rng(11);
    for case in 0..5000 {
        let node = rng.node(4);
        assert_same(&node, &format!("shape case {case}: {node:?}"));
    }
}

#[test]
fn every_piece_alone_matches_serde_saphyr() {
    for piece in PIECES {
        let map = std::collections::BTreeMap::from([(*piece, *piece)]);
        assert_same(&map, &format!("piece {piece:?}"));
        assert_same(&[*piece], &format!("piece {piece:?} in a list"));
    }
}
