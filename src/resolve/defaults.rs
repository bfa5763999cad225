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
/// The kind of workload of a service that names none.
pub(crate) const WORKLOAD: &str = "web";
/// Probe timings unless the probe sets them (Kubernetes' own period is 10s too).
pub(crate) const PROBE_PERIOD_SECONDS: u32 = 10;
pub(crate) const PROBE_TIMEOUT_SECONDS: u32 = 2;
pub(crate) const PROBE_FAILURE_THRESHOLD: u32 = 3;
/// A startup probe allows a slow start: 30 failures of 10s, five minutes.
pub(crate) const STARTUP_FAILURE_THRESHOLD: u32 = 30;
/// A cron job does not start a run while the last one is still running.
pub(crate) const CRON_CONCURRENCY: &str = "Forbid";
/// Finished jobs a cron job keeps unless `history` says (Kubernetes' defaults).
pub(crate) const CRON_SUCCESSFUL_HISTORY: u32 = 3;
pub(crate) const CRON_FAILED_HISTORY: u32 = 1;
/// Retries of a failed run before the job is marked failed.
pub(crate) const CRON_BACKOFF_LIMIT: u32 = 2;
/// The namespace of a service when the environment gives no pattern.
pub(crate) const NAMESPACE_PATTERN: &str = "${service.name}";

/// The built-in layer, laid under the platform's `defaults` (key order is the order
/// `pave explain` lists them in).
pub(crate) fn builtin_layer() -> Value {
    json!({ "workload": WORKLOAD, "tier": TIER, "replicas": REPLICAS, "size": SIZE, "metrics": METRICS })
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
        assert_eq!(keys, ["workload", "tier", "replicas", "size", "metrics"]);
        assert_eq!(layer["workload"], "web");
        assert_eq!(layer["tier"], 2);
        assert_eq!(layer["replicas"], 1);
        assert_eq!(layer["size"], "small");
        assert_eq!(layer["metrics"], true);
    }
}
