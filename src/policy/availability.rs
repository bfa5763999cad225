//! The availability and network policies decided natively (see `native`):
//! `avail.pdb-required`, `avail.spread`, `avail.pdb-allows-disruption` and
//! `net.networkpolicy` read what selects a workload and how many replicas it keeps,
//! among the typed objects of its service and environment. Each answers "no finding"
//! only when the template's functions (`min_replicas`, `selected_by`, `spread_ok`,
//! `pdb_problems`) would certainly find nothing, and otherwise leaves the object to
//! the template.

use super::references::{Siblings, selects, workload_pod};
use crate::render::RenderedObject;
use crate::render::kubernetes::objects::{
    DeploymentSpec, HpaSpec, Labels, NetworkPolicySpec, Object, PdbSpec, Spec,
};

/// `avail.pdb-required`: fewer than two replicas, or a PodDisruptionBudget selects
/// the Deployment's pods.
pub(super) fn pdb_required(o: &RenderedObject, siblings: &[&RenderedObject]) -> bool {
    let of = Siblings(siblings);
    deployment(o).is_some_and(|d| {
        min_replicas(o, d, &of).is_some_and(|min| min < 2)
            || selected_by_pdb(&of, &d.template.metadata.labels)
    })
}

/// `avail.spread`: fewer than two replicas, or pods spread across zones and hosts.
/// A typed pod has no affinity, so only its topology spread constraints count.
pub(super) fn spread(o: &RenderedObject, siblings: &[&RenderedObject]) -> bool {
    let of = Siblings(siblings);
    deployment(o).is_some_and(|d| {
        let keys = &d.template.spec.topology_spread_constraints;
        let spreads_over = |key: &str| keys.iter().any(|c| c.topology_key == key);
        let spread =
            spreads_over("topology.kubernetes.io/zone") && spreads_over("kubernetes.io/hostname");
        spread || min_replicas(o, d, &of).is_some_and(|min| min < 2)
    })
}

/// `net.networkpolicy`: a NetworkPolicy selects the workload's pods.
pub(super) fn network_policy(o: &RenderedObject, siblings: &[&RenderedObject]) -> bool {
    let Some((labels, _)) = workload_pod(o) else {
        return false;
    };
    Siblings(siblings).any_typed("NetworkPolicy", |n: &NetworkPolicySpec| {
        selects(&n.pod_selector.match_labels, labels)
    })
}

/// `avail.pdb-allows-disruption`: a typed budget has a `maxUnavailable` (above 0
/// passes), no `minAvailable` to compare with replicas, and always an
/// `unhealthyPodEvictionPolicy`. Destructured without `..`: a field added to the
/// type stops the build here until the check reads it.
pub(super) fn pdb_allows_disruption(o: &RenderedObject) -> bool {
    let Some(typed) = o.typed.as_deref() else {
        return false;
    };
    let Some(pdb) = typed.as_any().downcast_ref::<Object<Spec<PdbSpec>>>() else {
        return false;
    };
    let PdbSpec {
        max_unavailable,
        selector: _,
        unhealthy_pod_eviction_policy: _,
    } = &pdb.body.spec;
    *max_unavailable != 0
}

fn deployment(o: &RenderedObject) -> Option<&DeploymentSpec> {
    let typed = o.typed.as_deref()?.as_any();
    let d = typed.downcast_ref::<Object<Spec<DeploymentSpec>>>()?;
    Some(&d.body.spec)
}

/// The template's `min_replicas`: the minimum of the first autoscaler whose target
/// has the Deployment's name, else its `replicas`, else 1. `None` when an autoscaler
/// before the match is not typed (the template decides then).
fn min_replicas(o: &RenderedObject, d: &DeploymentSpec, of: &Siblings) -> Option<u32> {
    let name = &o.typed.as_deref()?.metadata().name;
    for hpa in of.0.iter().filter(|s| s.kind == "HorizontalPodAutoscaler") {
        let typed = hpa.typed.as_deref()?.as_any();
        let spec = &typed.downcast_ref::<Object<Spec<HpaSpec>>>()?.body.spec;
        if &spec.scale_target_ref.name == name {
            return Some(spec.min_replicas);
        }
    }
    Some(d.replicas.unwrap_or(1))
}

fn selected_by_pdb(of: &Siblings, labels: &Labels) -> bool {
    of.any_typed("PodDisruptionBudget", |p: &PdbSpec| {
        selects(&p.selector.match_labels, labels)
    })
}

impl Siblings<'_> {
    /// Whether a typed sibling of `kind` holds `test` (untyped ones are passed over:
    /// the answer is only ever "yes, one does").
    fn any_typed<S: serde::Serialize + 'static>(
        &self,
        kind: &str,
        test: impl Fn(&S) -> bool,
    ) -> bool {
        self.0.iter().filter(|s| s.kind == kind).any(|s| {
            let typed = s.typed.as_deref().map(|t| t.as_any());
            typed
                .and_then(|t| t.downcast_ref::<Object<Spec<S>>>())
                .is_some_and(|o| test(&o.body.spec))
        })
    }
}
