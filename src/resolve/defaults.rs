//! pave's built-in defaults for a service, defined once: the lowest layer of the
//! layering, and the fallbacks for fields no layer sets.
//!
//! The platform contract (port, health paths, metrics endpoint) is a layer of its
//! own and has its defaults where the platform file is read (`platform.rs`).

use serde_json::{Value, json};

/// The tier of a service that names none (1 is the most critical).
pub(crate) const TIER: u8 = 2;
/// Replicas of a service that is not autoscaled and names none.
pub(crate) const REPLICAS: u32 = 1;
/// The size class of a service that names none.
pub(crate) const SIZE: &str = "small";
/// Whether a service exposes metrics unless it says otherwise.
pub(crate) const METRICS: bool = true;
/// The CPU utilisation (percent) the autoscaler aims for unless the service says.
pub(crate) const AUTOSCALE_CPU: u8 = 70;
/// The Dockerfile inside `build.context` unless the service names one.
pub(crate) const DOCKERFILE: &str = "Dockerfile";
/// The path a route serves unless the service names one.
pub(crate) const ROUTE_PATH: &str = "/";
/// The namespace of a service when the environment gives no pattern.
pub(crate) const NAMESPACE_PATTERN: &str = "${service.name}";

/// The built-in layer, laid under the platform's `defaults` (key order is the order
/// `pave explain` lists them in).
pub(crate) fn builtin_layer() -> Value {
    json!({ "tier": TIER, "replicas": REPLICAS, "size": SIZE, "metrics": METRICS })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_layer_holds_the_constants_in_order() {
        let layer = builtin_layer();
        let keys: Vec<&str> = layer
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(keys, ["tier", "replicas", "size", "metrics"]);
        assert_eq!(layer["tier"], 2);
        assert_eq!(layer["replicas"], 1);
        assert_eq!(layer["size"], "small");
        assert_eq!(layer["metrics"], true);
    }
}
