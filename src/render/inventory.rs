//! The inventory of what the rendered files make (see `crate::inventory`), read from
//! the typed values the renderers built, never from generated text: Terraform
//! addresses from the hcl-rs body of each service file, Kubernetes objects from the
//! rendered objects, hostnames from the resolved routes.

use hcl::Body;
use rayon::prelude::*;

use super::RenderedObject;
use crate::inventory::{Inventory, KubernetesObject, ServiceInventory, TerraformResource};
use crate::resolve::aws_names::module_names;
use crate::resolve::module::ModuleNeed;
use crate::resolve::{Model, ResolvedService};

/// The Terraform resources and module calls of one service's `<service>.tf`, in the
/// order written. A block labelled for one of the service's needs belongs to it.
pub(crate) fn terraform(s: &ResolvedService, body: &Body) -> Vec<TerraformResource> {
    let needs = super::terraform::need_labels(s);
    body.blocks()
        .filter_map(|block| {
            let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
            let (address, label) = match (block.identifier(), labels.as_slice()) {
                ("module", [name]) => (format!("module.{name}"), *name),
                ("resource", [kind, name]) => (format!("{kind}.{name}"), *name),
                _ => return None,
            };
            let need = needs.get(label).map(|&i| &s.module_needs[i]);
            Some(resource(address, block.identifier() == "module", need))
        })
        .collect()
}

/// A module call is the need's stateful part, named by the module's physical name;
/// the need's other resources (security group, secret) are named by its secret path.
fn resource(address: String, is_call: bool, need: Option<&ModuleNeed>) -> TerraformResource {
    let Some(need) = need else {
        return TerraformResource {
            address,
            module: None,
            need: None,
            stateful: false,
            physical: None,
        };
    };
    let physical = match is_call {
        true => module_names(&need.source, &need.arguments)
            .into_iter()
            .next()
            .map(|(_, _, name)| name),
        false => Some(need.secret_path.clone()).filter(|p| !p.is_empty()),
    };
    TerraformResource {
        address,
        module: Some(need.kind.clone()),
        need: Some(need.name.clone()),
        stateful: is_call && need.stateful,
        physical,
    }
}

/// The rendered Kubernetes objects of one service in one environment, as the
/// inventory records them: its environment, its service and what they are. Taken
/// before the typed objects are dropped.
pub(crate) type Recorded = (String, String, Vec<KubernetesObject>);

/// The inventory's record of the rendered objects that belong to a service: one entry
/// per run of consecutive objects of one service (a service's objects come together,
/// so that is about one per service and environment, not one per object).
pub(crate) fn record(objects: &[RenderedObject]) -> Vec<Recorded> {
    // About ten objects per service, three strings copied each: in parallel (in order),
    // since after an environment's last target nothing else runs beside it.
    let each: Vec<(&str, &str, KubernetesObject)> = objects
        .par_iter()
        .filter_map(|o| {
            let (Some(env), Some(service)) = (&o.scope.env, &o.scope.service) else {
                return None;
            };
            let object = KubernetesObject {
                kind: o.kind.clone(),
                namespace: o.namespace.clone(),
                name: o.name.clone(),
            };
            Some((env.as_str(), service.as_str(), object))
        })
        .collect();
    let mut runs: Vec<Recorded> = Vec::new();
    for (env, service, object) in each {
        match runs.last_mut() {
            Some((e, s, objects)) if e == env && s == service => objects.push(object),
            _ => runs.push((env.to_string(), service.to_string(), vec![object])),
        }
    }
    runs
}

/// Adds the Kubernetes objects (kind, namespace, name per service) and each service's
/// hostname to `inventory`, which holds the Terraform part already.
pub(crate) fn complete(inventory: &mut Inventory, model: &Model, recorded: Vec<Recorded>) {
    for env in &model.platform.environments {
        inventory.entry(env.name.clone()).or_default().protected = env.protected;
    }
    for (env, service, objects) in recorded {
        let entry = inventory.entry(env).or_default();
        let kubernetes = &mut entry.services.entry(service).or_default().kubernetes;
        match kubernetes.is_empty() {
            true => *kubernetes = objects,
            false => kubernetes.extend(objects),
        }
    }
    for s in &model.services {
        let Some(route) = &s.route else { continue };
        let entry = inventory.entry(s.env.clone()).or_default();
        let hosts = &mut entry.services.entry(s.name.clone()).or_default().hosts;
        if !hosts.contains(&route.host) {
            hosts.push(route.host.clone());
        }
    }
    for s in model
        .services
        .iter()
        .filter(|s| !s.service_needs.is_empty())
    {
        let entry = inventory.entry(s.env.clone()).or_default();
        let calls = &mut entry.services.entry(s.name.clone()).or_default().calls;
        calls.extend(s.service_needs.iter().map(|n| n.service.clone()));
        calls.sort();
        calls.dedup();
    }
    // Thousands of short lists: sorted on every core.
    let mut services: Vec<&mut ServiceInventory> = (inventory.values_mut())
        .flat_map(|env| env.services.values_mut())
        .collect();
    services.par_iter_mut().for_each(|s| {
        s.kubernetes.sort();
        s.kubernetes.dedup();
    });
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::source::SourceMap;

    fn shop() -> crate::resolve::Model {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
        let mut sources = SourceMap::default();
        let (inputs, _) = crate::load::load(&root, &mut sources);
        let (model, diags) = crate::resolve::resolve(&inputs, &sources);
        model.unwrap_or_else(|| panic!("{diags:?}"))
    }

    fn object(env: &str, service: Option<&str>, kind: &str, name: &str) -> RenderedObject {
        RenderedObject {
            path: String::new(),
            scope: crate::output::Scope {
                env: Some(env.to_string()),
                service: service.map(str::to_string),
            },
            kind: kind.to_string(),
            name: name.to_string(),
            namespace: Some("ns".to_string()),
            object: std::sync::Arc::new(serde_json::json!({})),
            typed: None,
        }
    }

    fn names(objects: &[KubernetesObject]) -> Vec<&str> {
        objects.iter().map(|o| o.name.as_str()).collect()
    }

    /// One record per run of a service's objects, in order; objects of no service are
    /// not recorded.
    #[test]
    fn objects_are_recorded_per_run_of_one_service() {
        let objects = [
            object("prod", Some("a"), "Service", "a1"),
            object("prod", Some("a"), "Deployment", "a2"),
            object("prod", None, "Namespace", "ns"),
            object("prod", Some("b"), "Service", "b1"),
            object("dev", Some("b"), "Service", "b2"),
            object("prod", Some("a"), "ConfigMap", "a3"),
        ];
        let recorded = record(&objects);
        let runs: Vec<(&str, &str, Vec<&str>)> = (recorded.iter())
            .map(|(env, service, objects)| (env.as_str(), service.as_str(), names(objects)))
            .collect();
        assert_eq!(
            runs,
            [
                ("prod", "a", vec!["a1", "a2"]),
                ("prod", "b", vec!["b1"]),
                ("dev", "b", vec!["b2"]),
                ("prod", "a", vec!["a3"]),
            ]
        );
    }

    /// A service's runs end up in one sorted list without repeats.
    #[test]
    fn a_services_runs_are_merged_sorted_and_without_repeats() {
        let model = shop();
        let objects = [
            object("prod", Some("zz"), "Service", "y"),
            object("prod", Some("zz"), "Deployment", "x"),
            object("prod", Some("other"), "Service", "o"),
            object("prod", Some("zz"), "ConfigMap", "w"),
            object("prod", Some("zz"), "Service", "y"),
        ];
        let mut inventory = crate::inventory::Inventory::new();
        complete(&mut inventory, &model, record(&objects));
        let zz = &inventory["prod"].services["zz"].kubernetes;
        let kinds: Vec<&str> = zz.iter().map(|o| o.kind.as_str()).collect();
        assert_eq!(kinds, ["ConfigMap", "Deployment", "Service"]);
        assert_eq!(names(zz), ["w", "x", "y"]);
        assert_eq!(
            names(&inventory["prod"].services["other"].kubernetes),
            ["o"]
        );
    }

    #[test]
    fn the_shop_inventory_names_its_stateful_resources_and_objects() {
        let (rendered, diags) = crate::render::render(&shop(), None, None);
        assert!(diags.is_empty(), "{diags:?}");
        let prod = &rendered.tree.inventory["prod"];
        assert!(prod.protected);
        assert!(!rendered.tree.inventory["dev"].protected);
        let stateful: Vec<(&str, &str, &str)> = prod
            .services
            .iter()
            .flat_map(|(name, s)| {
                s.terraform.iter().filter(|r| r.stateful).map(move |r| {
                    (
                        name.as_str(),
                        r.need.as_deref().unwrap_or(""),
                        r.physical.as_deref().unwrap_or(""),
                    )
                })
            })
            .collect();
        assert!(
            stateful.contains(&("checkout", "db", "shop-prod-checkout-db")),
            "{stateful:?}"
        );
        let checkout = &prod.services["checkout"];
        let call = checkout
            .terraform
            .iter()
            .find(|r| r.address == "module.checkout_db")
            .expect("the module call");
        assert_eq!(call.module.as_deref(), Some("postgres"));
        // The need's secret is recorded, not stateful, named by its path.
        assert!(checkout.terraform.iter().any(|r| {
            r.address == "aws_secretsmanager_secret.checkout_db"
                && !r.stateful
                && r.physical.is_some()
        }));
        assert!(
            checkout
                .kubernetes
                .iter()
                .any(|o| o.kind == "Deployment" && o.name == "checkout"),
            "{:?}",
            checkout.kubernetes
        );
        assert!(
            prod.services
                .values()
                .any(|s| s.hosts.iter().any(|h| h.ends_with("shop.example.com")))
        );
    }
}
