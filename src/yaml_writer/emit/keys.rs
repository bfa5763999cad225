//! Mapping keys (and a comment's text) as text: only scalars can be keys.
//!
//! A key is plain when [`scalar::plain_key`] allows it, otherwise double-quoted.
//! Numbers, booleans and null keys are written as their YAML spelling. A list or
//! map as a key is an error: YAML can hold it (`? - a`), Kubernetes and Helm
//! cannot, and pave's output types never have one.

use serde::ser::{Impossible, Serialize, Serializer};

use super::{Error, Result};
use crate::yaml_writer::scalar;

/// Appends one key's text to the string it holds; with `raw`, a string as it is (the
/// text of a comment, which is never quoted).
pub(super) struct KeySink<'s> {
    pub(super) out: &'s mut String,
    pub(super) raw: bool,
}

fn not_scalar() -> Error {
    Error("a map key must be a string, a number, a boolean or null".to_string())
}

macro_rules! display_keys {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result {
            use std::fmt::Write as _;
            let _ = write!(self.out, "{v}");
            Ok(())
        }
    )*};
}

impl Serializer for KeySink<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    display_keys!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );

    fn serialize_bool(self, v: bool) -> Result {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result {
        scalar::push_float(self.out, v, v.is_nan(), v.is_infinite().then_some(v > 0.0));
        Ok(())
    }

    fn serialize_f64(self, v: f64) -> Result {
        scalar::push_float(self.out, v, v.is_nan(), v.is_infinite().then_some(v > 0.0));
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result {
        if self.raw || scalar::plain_key(v) {
            self.out.push_str(v);
        } else {
            scalar::push_double_quoted(self.out, v);
        }
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result {
        Err(not_scalar())
    }

    fn serialize_none(self) -> Result {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result {
        self.serialize_none()
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result {
        Err(not_scalar())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(not_scalar())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(not_scalar())
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(not_scalar())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_scalar())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_scalar())
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(not_scalar())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_scalar())
    }
}
