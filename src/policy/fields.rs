//! One rendered object as a template value whose top-level fields (`apiVersion`,
//! `kind`, `metadata`, `spec`, `data`, ...) are each converted on first read.
//!
//! Several baseline policies select every object but read only its `kind` and
//! `metadata` (`meta.ownership`, `meta.namespace`). Converting a whole PrometheusRule
//! or dashboard ConfigMap to a template value for them, and dropping it again, cost
//! more than the checks. The typed object is serialized through [`Pick`], which
//! receives every top-level key but converts only the value asked for; the others
//! are skipped without being walked.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use serde::ser::{self, Impossible, Serialize};

use crate::template_budget::value as mj;

type Source = Arc<dyn erased_serde::Serialize + Send + Sync>;

/// A map value over a typed object, converted field by field.
pub(crate) struct Fields {
    source: Source,
    /// The top-level keys, in serialization order; `None` when the object is not a
    /// map (then it is converted whole, once).
    names: OnceLock<Option<Vec<Value>>>,
    /// Fields converted so far (undefined: the object has no such field).
    converted: Mutex<Vec<(String, Value)>>,
    whole: OnceLock<Value>,
    /// Values derived from the object and read by many policies (its pod spec, its
    /// containers), kept by name; see [`memo`].
    derived: Mutex<Vec<(&'static str, Value)>>,
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<rendered object>")
    }
}

impl Fields {
    /// The object as a template value; nothing is converted yet. An object that does
    /// not serialize as a map is converted whole.
    pub(crate) fn value(source: Source) -> Value {
        let fields = Fields {
            source,
            names: OnceLock::new(),
            converted: Mutex::new(Vec::new()),
            whole: OnceLock::new(),
            derived: Mutex::new(Vec::new()),
        };
        match fields.names().is_some() {
            true => Value::from_object(fields),
            false => mj(&*fields.source),
        }
    }

    fn names(&self) -> &Option<Vec<Value>> {
        self.names.get_or_init(|| {
            let mut pick = Pick::new(None);
            let ok = self.source.serialize(&mut pick).is_ok();
            ok.then(|| pick.names.into_iter().map(Value::from).collect())
        })
    }

    fn field(&self, key: &str) -> Value {
        let mut converted = self.converted.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, v)) = converted.iter().find(|(k, _)| k == key) {
            return v.clone();
        }
        let mut pick = Pick::new(Some(key));
        let value = match self.source.serialize(&mut pick) {
            Ok(()) => pick.found.unwrap_or(Value::UNDEFINED),
            // Not a map after all: read the field off the whole conversion.
            Err(_) => {
                let whole = self.whole.get_or_init(|| mj(&*self.source));
                whole.get_attr(key).unwrap_or(Value::UNDEFINED)
            }
        };
        converted.push((key.to_string(), value.clone()));
        value
    }
}

/// `derive(object)`, computed once per rendered object: a dozen baseline policies
/// each ask for a workload's pod spec and containers, and digging them out of the
/// object again for each cost more than the checks. Any other value (a map a policy
/// built) is derived from each time.
pub(crate) fn memo(object: &Value, name: &'static str, derive: impl Fn(&Value) -> Value) -> Value {
    let Some(fields) = object.downcast_object_ref::<Fields>() else {
        return derive(object);
    };
    let known = |d: &Mutex<Vec<(&'static str, Value)>>| {
        let d = d.lock().unwrap_or_else(|e| e.into_inner());
        d.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
    };
    if let Some(value) = known(&fields.derived) {
        return value;
    }
    // Derived outside the lock: deriving may read another memo of the same object.
    let value = derive(object);
    let mut derived = fields.derived.lock().unwrap_or_else(|e| e.into_inner());
    derived.push((name, value.clone()));
    value
}

impl Object for Fields {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let value = self.field(key.as_str()?);
        (!value.is_undefined()).then_some(value)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.names() {
            Some(names) => Enumerator::Values(names.clone()),
            None => Enumerator::Empty,
        }
    }
}

/// A serializer that accepts one map or struct, records its keys, and converts the
/// value of the key it wants (if any). Anything else is an error.
struct Pick<'a> {
    want: Option<&'a str>,
    names: Vec<String>,
    found: Option<Value>,
    /// Whether the value after the last key is the one wanted.
    next_is_wanted: bool,
}

impl<'a> Pick<'a> {
    fn new(want: Option<&'a str>) -> Pick<'a> {
        Pick {
            want,
            names: Vec::new(),
            found: None,
            next_is_wanted: false,
        }
    }

    fn key(&mut self, key: &str) {
        self.next_is_wanted = self.want == Some(key);
        if self.want.is_none() {
            self.names.push(key.to_string());
        }
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) {
        if std::mem::take(&mut self.next_is_wanted) {
            self.found = Some(mj(value));
        }
    }
}

#[derive(Debug)]
struct NotAMap;

impl fmt::Display for NotAMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a map")
    }
}

impl std::error::Error for NotAMap {}

impl ser::Error for NotAMap {
    fn custom<T: fmt::Display>(_: T) -> NotAMap {
        NotAMap
    }
}

/// The methods of a serializer that only accepts a map or a struct.
macro_rules! not_a_map {
    ($($name:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $arg),*) -> Result<(), NotAMap> { Err(NotAMap) })*
    };
}

impl ser::Serializer for &mut Pick<'_> {
    type Ok = ();
    type Error = NotAMap;
    type SerializeSeq = Impossible<(), NotAMap>;
    type SerializeTuple = Impossible<(), NotAMap>;
    type SerializeTupleStruct = Impossible<(), NotAMap>;
    type SerializeTupleVariant = Impossible<(), NotAMap>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), NotAMap>;

    not_a_map!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), NotAMap> {
        Err(NotAMap)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), NotAMap> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), NotAMap> {
        Err(NotAMap)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotAMap> {
        Err(NotAMap)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotAMap> {
        Err(NotAMap)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotAMap> {
        Err(NotAMap)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotAMap> {
        Err(NotAMap)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self, NotAMap> {
        Ok(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, NotAMap> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotAMap> {
        Err(NotAMap)
    }
}

impl ser::SerializeStruct for &mut Pick<'_> {
    type Ok = ();
    type Error = NotAMap;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), NotAMap> {
        self.key(key);
        self.value(value);
        Ok(())
    }

    fn end(self) -> Result<(), NotAMap> {
        Ok(())
    }
}

impl ser::SerializeMap for &mut Pick<'_> {
    type Ok = ();
    type Error = NotAMap;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), NotAMap> {
        // Keys are strings in every object pave renders; any other key is not one a
        // template can name, so it is converted to find out.
        let key = mj(key);
        match key.as_str() {
            Some(key) => self.key(key),
            None => return Err(NotAMap),
        }
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NotAMap> {
        self.value(value);
        Ok(())
    }

    fn end(self) -> Result<(), NotAMap> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;

    #[derive(Serialize)]
    struct Body {
        spec: Spec,
    }

    #[derive(Serialize)]
    struct Spec {
        replicas: u32,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Typed {
        api_version: &'static str,
        kind: &'static str,
        #[serde(flatten)]
        body: Body,
    }

    fn eval(expr: &str, object: Value) -> Value {
        // pave's own environment: strict undefined, Python's methods.
        let env = crate::template_budget::environment();
        let expr = env.compile_expression(expr).unwrap();
        expr.eval(minijinja::context! { object }).unwrap()
    }

    #[test]
    fn a_typed_object_reads_like_its_full_conversion() {
        let typed = Typed {
            api_version: "apps/v1",
            kind: "Deployment",
            body: Body {
                spec: Spec { replicas: 3 },
            },
        };
        let source: Source = Arc::new(typed);
        let lazy = Fields::value(source.clone());
        let whole = mj(&*source);
        for expr in [
            "object.kind",
            "object.spec.replicas",
            "object.status is defined",
            "object | list | join(',')",
            "object.items() | list | length",
            "object | items | list | length",
            "object.get('status', 'none')",
            "object == object",
        ] {
            assert_eq!(
                eval(expr, lazy.clone()),
                eval(expr, whole.clone()),
                "{expr}"
            );
        }
        let lazy = Fields::value(source);
        assert_eq!(
            eval("object.kind", lazy.clone()).as_str(),
            Some("Deployment")
        );
        let fields = lazy.downcast_object_ref::<Fields>().unwrap();
        let converted = fields.converted.lock().unwrap();
        let read: Vec<&str> = converted.iter().map(|(k, _)| k.as_str()).collect();
        assert!(
            !read.contains(&"apiVersion"),
            "never read, never converted: {read:?}"
        );
    }

    #[test]
    fn what_is_not_a_map_is_converted_whole() {
        let list: Source = Arc::new(json!([1, 2]));
        assert_eq!(Fields::value(list), mj(json!([1, 2])));
        let map: Source = Arc::new(json!({ "kind": "Service", "metadata": { "name": "a" } }));
        assert_eq!(
            eval("object.metadata.name", Fields::value(map)).as_str(),
            Some("a")
        );
    }
}
