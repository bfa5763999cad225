//! The `objects` a kubernetes-scope policy sees: every object of one service and
//! environment, each converted to a template value only when something reads it.
//!
//! Converting a typed object to a minijinja value (and dropping it again) costs more
//! than most checks of it, and the baseline's `ref.integrity` passes `objects` for
//! every object it checks. Most references name a kind and a name, which the rendered
//! object carries beside its value, so `ref.integrity` looks objects up by those and
//! never converts, say, a PrometheusRule or a dashboard ConfigMap. A template that
//! iterates `objects` converts each object the first time it reads it, once, and
//! then only the top-level fields it reads ([`super::fields`]).

use std::sync::{Arc, OnceLock};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};

use super::objects::{dig, get, items};
use crate::render::RenderedObject;

/// A sequence of objects, converted one by one on first read.
pub(crate) struct ObjectList {
    objects: Vec<LazyObject>,
}

struct LazyObject {
    kind: String,
    name: String,
    source: Arc<dyn erased_serde::Serialize + Send + Sync>,
    value: OnceLock<Value>,
}

impl std::fmt::Debug for ObjectList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = self.objects.iter().map(|o| (&o.kind, &o.name));
        f.debug_list().entries(names).finish()
    }
}

impl ObjectList {
    pub(crate) fn new(objects: &[&RenderedObject]) -> ObjectList {
        let objects = objects
            .iter()
            .map(|o| LazyObject {
                kind: o.kind.clone(),
                name: o.name.clone(),
                source: o.object.clone(),
                value: OnceLock::new(),
            })
            .collect();
        ObjectList { objects }
    }

    /// The `i`th object as a template value (converted now if it was not yet).
    pub(crate) fn value(&self, i: usize) -> Value {
        let o = &self.objects[i];
        o.value
            .get_or_init(|| super::fields::Fields::value(o.source.clone()))
            .clone()
    }

    fn of_kind(&self, kind: &str) -> Vec<Value> {
        let indices = self.objects.iter().enumerate();
        let matching = indices.filter(|(_, o)| o.kind == kind);
        matching.map(|(i, _)| self.value(i)).collect()
    }
}

impl Object for ObjectList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let i = key.as_usize()?;
        (i < self.objects.len()).then(|| self.value(i))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.objects.len())
    }
}

/// The objects of `kind` in `objects`: the lazy list, or any sequence of objects a
/// policy passes (read by their `kind` field).
pub(crate) fn of_kind(objects: &Value, kind: &str) -> Vec<Value> {
    match objects.downcast_object_ref::<ObjectList>() {
        Some(list) => list.of_kind(kind),
        None => items(objects)
            .into_iter()
            .filter(|o| get(o, "kind").as_str() == Some(kind))
            .collect(),
    }
}

/// The object of `kind` named `name` in `objects`, if there is one.
pub(crate) fn named(objects: &Value, kind: &str, name: &str) -> Option<Value> {
    if let Some(list) = objects.downcast_object_ref::<ObjectList>() {
        let at = list
            .objects
            .iter()
            .position(|o| o.kind == kind && o.name == name);
        return at.map(|i| list.value(i));
    }
    of_kind(objects, kind)
        .into_iter()
        .find(|o| dig(o, "metadata.name").as_str() == Some(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Scope;
    use crate::template_budget::value as mj;
    use serde_json::json;

    fn rendered(kind: &str, name: &str) -> RenderedObject {
        RenderedObject {
            path: String::new(),
            scope: Scope::default(),
            kind: kind.to_string(),
            name: name.to_string(),
            namespace: None,
            object: Arc::new(json!({ "kind": kind, "metadata": { "name": name } })),
            typed: None,
        }
    }

    #[test]
    fn objects_are_converted_when_read_and_only_then() {
        let made = [rendered("Service", "a"), rendered("PrometheusRule", "a")];
        let refs: Vec<&RenderedObject> = made.iter().collect();
        let list = Arc::new(ObjectList::new(&refs));
        let objects = Value::from_dyn_object(list.clone());
        assert_eq!(of_kind(&objects, "Service").len(), 1);
        assert!(named(&objects, "Service", "b").is_none());
        assert!(list.objects[0].value.get().is_some());
        assert!(
            list.objects[1].value.get().is_none(),
            "never read, never converted"
        );
        // A template sees an ordinary list.
        let env = minijinja::Environment::new();
        let expr = env
            .compile_expression("objects | map(attribute='kind') | join(',')")
            .unwrap();
        let got = expr
            .eval(minijinja::context! { objects => objects.clone() })
            .unwrap();
        assert_eq!(got.as_str(), Some("Service,PrometheusRule"));
        assert_eq!(
            env.compile_expression("objects | length")
                .unwrap()
                .eval(minijinja::context! { objects })
                .unwrap(),
            Value::from(2)
        );
        // Any other list of objects is read by its fields.
        let plain = mj(json!([{ "kind": "Service", "metadata": { "name": "b" } }]));
        assert!(named(&plain, "Service", "b").is_some());
    }
}
