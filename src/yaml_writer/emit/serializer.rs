//! serde's `Serializer` for [`Emitter`]: scalars, lists, maps, structs, enum variants
//! and the [`crate::yaml_writer::Commented`] wrapper, each placed by [`Emitter`]'s rules.

use serde::ser::{self, Serialize};

use super::{COMMENTED, Emitter, Error, KeySink, MapEmitter, MapStart, Pos, Result, SeqEmitter};
use super::{SeqStart, scalar};

macro_rules! display_scalars {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result {
            self.display(v)
        }
    )*};
}

impl<'e, 'a> ser::Serializer for &'e mut Emitter<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SeqEmitter<'e, 'a>;
    type SerializeTuple = SeqEmitter<'e, 'a>;
    type SerializeTupleStruct = TupleStruct<'e, 'a>;
    type SerializeTupleVariant = SeqEmitter<'e, 'a>;
    type SerializeMap = MapEmitter<'e, 'a>;
    type SerializeStruct = MapEmitter<'e, 'a>;
    type SerializeStructVariant = MapEmitter<'e, 'a>;

    display_scalars!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );

    fn serialize_bool(self, v: bool) -> Result {
        self.raw(if v { "true" } else { "false" })
    }

    fn serialize_f32(self, v: f32) -> Result {
        let mut text = String::new();
        scalar::push_float(&mut text, v, v.is_nan(), v.is_infinite().then_some(v > 0.0));
        self.raw(&text)
    }

    fn serialize_f64(self, v: f64) -> Result {
        let mut text = String::new();
        scalar::push_float(&mut text, v, v.is_nan(), v.is_infinite().then_some(v > 0.0));
        self.raw(&text)
    }

    fn serialize_char(self, v: char) -> Result {
        self.string(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result {
        self.string(v)
    }

    /// At the root a list of numbers; elsewhere a `!!binary` base64 scalar.
    fn serialize_bytes(self, v: &[u8]) -> Result {
        if self.pos == Pos::Root {
            let mut seq = self.begin_seq();
            for b in v {
                seq.element(b)?;
            }
            return seq.finish();
        }
        let mut text = String::from("!!binary ");
        scalar::push_base64(&mut text, v);
        self.raw(&text)
    }

    fn serialize_none(self) -> Result {
        self.raw("null")
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        self.raw("null")
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result {
        self.raw("null")
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.string(variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result {
        v.serialize(self)
    }

    /// `Variant: payload`, the payload placed as a map value of the label.
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        let at_root = self.pos == Pos::Root;
        let col = self.variant_label(variant)?;
        let pos = Pos::Value {
            col,
            compact: !at_root,
            explicit: false,
        };
        self.with_pos(pos, value)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Ok(self.begin_seq())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Ok(self.begin_seq())
    }

    fn serialize_tuple_struct(self, name: &'static str, _: usize) -> Result<TupleStruct<'e, 'a>> {
        if name == COMMENTED {
            return Ok(TupleStruct::Commented {
                em: self,
                comment: None,
            });
        }
        Ok(TupleStruct::Seq(self.begin_seq()))
    }

    /// `Variant:` on its line, then the elements one level deeper, every dash indented.
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        let col = self.variant_label(variant)?;
        self.out.push('\n');
        Ok(SeqEmitter {
            em: self,
            col: col + 2,
            state: SeqStart::LineStart,
            empty: true,
        })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap> {
        Ok(self.begin_map(len))
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Self::SerializeStruct> {
        Ok(self.begin_map(Some(len)))
    }

    /// `Variant:` on its line, then the fields one level deeper.
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        let col = self.variant_label(variant)?;
        self.out.push('\n');
        Ok(MapEmitter {
            em: self,
            col: col + 2,
            state: MapStart::LineStart,
            entries: 0,
            explicit_key: false,
            simple_keys: true,
        })
    }
}

impl ser::SerializeSeq for SeqEmitter<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        self.element(value)
    }

    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqEmitter<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        self.element(value)
    }

    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for SeqEmitter<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        self.element(value)
    }

    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeMap for MapEmitter<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result {
        self.key(key)
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        self.value(value)
    }

    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeStruct for MapEmitter<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> Result {
        self.field(key)?;
        self.value(v)
    }

    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeStructVariant for MapEmitter<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> Result {
        self.field(key)?;
        self.value(v)
    }

    fn end(self) -> Result {
        self.finish()
    }
}

/// A tuple struct: a list, or the (comment, value) pair of `Commented`.
pub(crate) enum TupleStruct<'e, 'a> {
    Seq(SeqEmitter<'e, 'a>),
    Commented {
        em: &'e mut Emitter<'a>,
        comment: Option<String>,
    },
}

impl ser::SerializeTupleStruct for TupleStruct<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result {
        match self {
            TupleStruct::Seq(seq) => seq.element(value),
            TupleStruct::Commented { em, comment } => match comment.take() {
                None => {
                    let mut text = String::new();
                    value.serialize(KeySink {
                        out: &mut text,
                        raw: true,
                    })?;
                    *comment = Some(text);
                    Ok(())
                }
                Some(text) => {
                    // The comment goes after the value's scalar; a collection drops it.
                    // An empty one leaves an enclosing comment in place.
                    if !text.is_empty() {
                        em.comment = Some(text);
                    }
                    let result = value.serialize(&mut **em);
                    em.comment = None;
                    result
                }
            },
        }
    }

    fn end(self) -> Result {
        match self {
            TupleStruct::Seq(seq) => seq.finish(),
            TupleStruct::Commented { .. } => Ok(()),
        }
    }
}
