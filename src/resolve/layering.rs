//! The SPEC's layering: later layers win, mappings merge key by key, lists replace.
//!
//! Every node of the merged value remembers which layer set it and the span it was
//! written at, so `pave explain` and diagnostics can say where a value came from.

use std::ops::Bound;

use serde_json::{Map, Value};

use super::resolved::{Layer, Origin, Provenance};
use crate::load::{Document, pointer_push};

/// A value being built up layer by layer, with the origin of each node.
#[derive(Debug, Default, Clone)]
pub(super) struct Layered {
    pub(crate) value: Value,
    pub(crate) provenance: Provenance,
}

impl Layered {
    pub(super) fn new() -> Layered {
        Layered {
            value: Value::Object(Map::new()),
            provenance: Provenance::new(),
        }
    }

    /// Lays `top` over the value. `doc` and `doc_base` say where `top` was written
    /// (none for built-in values); `skip` lists top-level keys that are not layered.
    pub(super) fn overlay(
        &mut self,
        top: &Value,
        layer: Layer,
        doc: Option<(&Document, &str)>,
        skip: &[&str],
    ) {
        let Value::Object(entries) = top else { return };
        for (key, value) in entries {
            if skip.contains(&key.as_str()) {
                continue;
            }
            let out = pointer_push("", key);
            let src = doc.map(|(d, base)| (d, pointer_push(base, key)));
            let Value::Object(root) = &mut self.value else {
                return;
            };
            let slot = root.entry(key.clone()).or_insert(Value::Null);
            overlay_at(
                slot,
                value,
                out,
                layer,
                src.as_ref().map(|(d, p)| (*d, p.as_str())),
                &mut self.provenance,
            );
        }
    }

    /// The origin of the node at `pointer`, or of its nearest recorded ancestor.
    pub(super) fn origin(&self, pointer: &str) -> Option<Origin> {
        crate::document::pointer_and_ancestors(pointer)
            .find_map(|p| self.provenance.get(p).copied())
    }
}

fn overlay_at(
    slot: &mut Value,
    top: &Value,
    out: String,
    layer: Layer,
    src: Option<(&Document, &str)>,
    provenance: &mut Provenance,
) {
    match (slot, top) {
        (Value::Object(base), Value::Object(entries)) => {
            for (key, value) in entries {
                let child_out = pointer_push(&out, key);
                let child_src = src.map(|(d, p)| (d, pointer_push(p, key)));
                let child = base.entry(key.clone()).or_insert(Value::Null);
                overlay_at(
                    child,
                    value,
                    child_out,
                    layer,
                    child_src.as_ref().map(|(d, p)| (*d, p.as_str())),
                    provenance,
                );
            }
            record(provenance, out, layer, src);
        }
        (slot, top) => {
            if matches!(slot, Value::Object(_) | Value::Array(_)) {
                forget_below(provenance, &out);
            }
            *slot = top.clone();
            record_all(provenance, top, out, layer, src);
        }
    }
}

/// Drops the origins recorded below `out`, as the node there is being replaced.
/// They are one contiguous run of the sorted map, so this costs their number, not
/// the map's size: layering stays linear in the input.
fn forget_below(provenance: &mut Provenance, out: &str) {
    let prefix = format!("{out}/");
    let below: Vec<String> = provenance
        .range::<str, _>((Bound::Excluded(prefix.as_str()), Bound::Unbounded))
        .map(|(k, _)| k)
        .take_while(|k| k.starts_with(&prefix))
        .cloned()
        .collect();
    for key in below {
        provenance.remove(&key);
    }
}

/// Records where the node at `out` comes from. Pointers are moved in, not copied: a
/// large platform records hundreds of thousands.
fn record(provenance: &mut Provenance, out: String, layer: Layer, src: Option<(&Document, &str)>) {
    let span = src.map(|(d, p)| d.span(p));
    provenance.insert(out, Origin { layer, span });
}

fn record_all(
    provenance: &mut Provenance,
    value: &Value,
    out: String,
    layer: Layer,
    src: Option<(&Document, &str)>,
) {
    for (key, child) in crate::document::children(value) {
        let child_src = src.map(|(d, p)| (d, pointer_push(p, &key)));
        record_all(
            provenance,
            child,
            pointer_push(&out, &key),
            layer,
            child_src.as_ref().map(|(d, p)| (*d, p.as_str())),
        );
    }
    record(provenance, out, layer, src);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_merge_key_by_key_and_lists_replace() {
        let mut l = Layered::new();
        l.overlay(
            &json!({"env": {"A": "1", "B": "2"}, "command": ["a", "b"]}),
            Layer::PlatformDefaults,
            None,
            &[],
        );
        l.overlay(
            &json!({"env": {"B": "3"}, "command": ["c"]}),
            Layer::Service,
            None,
            &[],
        );
        assert_eq!(
            l.value,
            json!({"env": {"A": "1", "B": "3"}, "command": ["c"]})
        );
        assert_eq!(l.origin("/env/A").unwrap().layer, Layer::PlatformDefaults);
        assert_eq!(l.origin("/env/B").unwrap().layer, Layer::Service);
        assert_eq!(l.origin("/command/0").unwrap().layer, Layer::Service);
        assert!(!l.provenance.contains_key("/command/1"));
    }

    #[test]
    fn a_scalar_over_a_map_drops_only_the_origins_below_it() {
        let mut l = Layered::new();
        l.overlay(
            &json!({"health": {"liveness": "/a", "readiness": "/b"}, "healthz": "x"}),
            Layer::PlatformDefaults,
            None,
            &[],
        );
        l.overlay(&json!({"health": false}), Layer::Service, None, &[]);
        assert_eq!(l.origin("/health").unwrap().layer, Layer::Service);
        assert!(!l.provenance.contains_key("/health/liveness"));
        assert!(!l.provenance.contains_key("/health/readiness"));
        assert_eq!(l.origin("/healthz").unwrap().layer, Layer::PlatformDefaults);
    }

    #[test]
    fn layering_100000_keys_is_linear() {
        let many: Map<String, Value> = (0..100_000)
            .map(|i| (format!("K{i}"), Value::from(i)))
            .collect();
        let top = json!({ "env": many, "command": ["a"] });
        let started = std::time::Instant::now();
        let mut l = Layered::new();
        l.overlay(
            &json!({"env": {"K1": "x"}}),
            Layer::PlatformDefaults,
            None,
            &[],
        );
        l.overlay(&top, Layer::Service, None, &[]);
        l.overlay(
            &json!({"env": {"K2": "y"}}),
            Layer::ServiceEnvironment,
            None,
            &[],
        );
        // Linear is well under a second even unoptimized; one scan of the origins per
        // key (10^10 comparisons) takes minutes.
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
        assert_eq!(l.provenance.len(), 100_000 + 3);
        assert_eq!(
            l.origin("/env/K2").unwrap().layer,
            Layer::ServiceEnvironment
        );
    }
}
