//! What each environment's infrastructure is, as recorded in the manifest, and the
//! blast radius of going from one recorded inventory to another.
//!
//! The inventory is data about the output, not output: the Terraform addresses pave
//! writes (with the module kind, the need, whether the module holds state and the
//! resource's physical name), the Kubernetes objects and the hostnames per service.
//! A resource whose module kind and physical name are unchanged but whose address
//! differs is *moved*, not destroyed: its state follows it (a `moved` block), while a
//! changed physical name replaces the resource whatever its address.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

/// Environment name -> what pave writes there.
pub(crate) type Inventory = BTreeMap<String, EnvInventory>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EnvInventory {
    /// `environments.<env>.protected` when this was recorded.
    #[serde(default)]
    pub(crate) protected: bool,
    /// Service name -> its resources.
    #[serde(default)]
    pub(crate) services: BTreeMap<String, ServiceInventory>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ServiceInventory {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) terraform: Vec<TerraformResource>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) kubernetes: Vec<KubernetesObject>,
    /// The hostnames the service's route answers on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) hosts: Vec<String>,
    /// The services it needs (`needs.<n>.service`), sorted: their files and its own
    /// read each other (its URLs, their NetworkPolicies), so a narrowed build asks
    /// for both when either is behind, before or after the change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) calls: Vec<String>,
}

/// One Terraform module call or resource pave writes for a service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct TerraformResource {
    /// `module.checkout_db`, `aws_secretsmanager_secret.checkout_db`.
    pub(crate) address: String,
    /// The need's module kind (`postgres`); absent for the service's own resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) module: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) need: Option<String>,
    /// Destroying it loses data (the module kind says `stateful: true`).
    #[serde(default)]
    pub(crate) stateful: bool,
    /// The AWS name that is the resource's identity (RDS identifier, bucket name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) physical: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct KubernetesObject {
    pub(crate) kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
}

/// What going from one inventory to another does, per environment (only the
/// environments where something happens).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct BlastRadius {
    /// False when the previous manifest records no inventory (written by an older
    /// pave, or no tree yet): nothing can be said about what is removed.
    pub(crate) known: bool,
    pub(crate) environments: BTreeMap<String, EnvBlast>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct EnvBlast {
    pub(crate) protected: bool,
    pub(crate) added: Vec<Located<TerraformResource>>,
    pub(crate) removed: Vec<Located<TerraformResource>>,
    pub(crate) moved: Vec<Moved>,
    pub(crate) kubernetes_removed: Vec<Located<KubernetesObject>>,
    pub(crate) hosts_changing_hands: Vec<HostMove>,
}

/// An item and the service it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Located<T> {
    pub(crate) service: String,
    #[serde(flatten)]
    pub(crate) item: T,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Moved {
    pub(crate) from: Located<TerraformResource>,
    pub(crate) to: Located<TerraformResource>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct HostMove {
    pub(crate) host: String,
    pub(crate) from: String,
    pub(crate) to: String,
}

impl EnvBlast {
    fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.moved.is_empty()
            && self.kubernetes_removed.is_empty()
            && self.hosts_changing_hands.is_empty()
    }
}

impl BlastRadius {
    /// Nothing added, removed, moved or handed over.
    pub(crate) fn is_empty(&self) -> bool {
        self.environments.values().all(EnvBlast::is_empty)
    }

    /// Stateful resources removed (not moved), with their environment.
    pub(crate) fn destroyed(
        &self,
    ) -> impl Iterator<Item = (&str, &EnvBlast, &Located<TerraformResource>)> {
        self.environments.iter().flat_map(|(env, b)| {
            b.removed
                .iter()
                .filter(|r| r.item.stateful)
                .map(move |r| (env.as_str(), b, r))
        })
    }
}

/// The blast radius of replacing `old` (`None`: not recorded) by `new`.
pub(crate) fn blast_radius(old: Option<&Inventory>, new: &Inventory) -> BlastRadius {
    let Some(old) = old else {
        return BlastRadius::default();
    };
    let empty = EnvInventory::default();
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let environments = names
        .into_iter()
        .map(|name| {
            let before = old.get(name).unwrap_or(&empty);
            let after = new.get(name);
            let protected = after.map_or(before.protected, |a| a.protected);
            let blast = env_blast(before, after.unwrap_or(&empty), protected);
            (name.clone(), blast)
        })
        .filter(|(_, b)| !b.is_empty())
        .collect();
    BlastRadius {
        known: true,
        environments,
    }
}

fn env_blast(old: &EnvInventory, new: &EnvInventory, protected: bool) -> EnvBlast {
    // The common case (`check`, a build that changes no service's resources): nothing
    // moves, so the indexes below need not be built.
    if old.services == new.services {
        return EnvBlast {
            protected,
            ..EnvBlast::default()
        };
    }
    let before = terraform_by_address(old);
    let after = terraform_by_address(new);
    let removed = only_in(&before, &after);
    let added = only_in(&after, &before);
    let (removed, added, moved) = pair_moves(removed, added);
    EnvBlast {
        protected,
        added,
        removed,
        moved,
        kubernetes_removed: kubernetes_removed(old, new),
        hosts_changing_hands: hosts_changing_hands(old, new),
    }
}

/// A removed and an added resource of the same kind and physical name are one resource
/// moving to another address: each removed one takes the first such added one. Indexed
/// by kind and name, so that renaming every service stays linear.
fn pair_moves(
    removed: Vec<Located<TerraformResource>>,
    added: Vec<Located<TerraformResource>>,
) -> (
    Vec<Located<TerraformResource>>,
    Vec<Located<TerraformResource>>,
    Vec<Moved>,
) {
    let mut by_identity: HashMap<(&str, Option<&str>), VecDeque<usize>> = HashMap::new();
    for (i, a) in added.iter().enumerate() {
        if let Some(physical) = &a.item.physical {
            let key = (physical.as_str(), a.item.module.as_deref());
            by_identity.entry(key).or_default().push_back(i);
        }
    }
    let mut taken: Vec<Option<usize>> = Vec::with_capacity(removed.len());
    for r in &removed {
        let to = r.item.physical.as_deref().and_then(|physical| {
            let key = (physical, r.item.module.as_deref());
            by_identity.get_mut(&key).and_then(VecDeque::pop_front)
        });
        taken.push(to);
    }
    drop(by_identity);
    let mut added: Vec<Option<Located<TerraformResource>>> = added.into_iter().map(Some).collect();
    let mut moved = Vec::new();
    let mut still_removed = Vec::new();
    for (r, to) in removed.into_iter().zip(taken) {
        match to.and_then(|i| added[i].take()) {
            Some(to) => moved.push(Moved { from: r, to }),
            None => still_removed.push(r),
        }
    }
    (still_removed, added.into_iter().flatten().collect(), moved)
}

/// Every Terraform resource of `env` by address, with its service: borrowed, so that
/// only what differs is copied (a fresh tree's plan adds every resource).
fn terraform_by_address(env: &EnvInventory) -> BTreeMap<&str, (&String, &TerraformResource)> {
    env.services
        .iter()
        .flat_map(|(service, s)| {
            s.terraform
                .iter()
                .map(move |r| (r.address.as_str(), (service, r)))
        })
        .collect()
}

fn only_in<T: Clone>(
    these: &BTreeMap<&str, (&String, &T)>,
    others: &BTreeMap<&str, (&String, &T)>,
) -> Vec<Located<T>> {
    these
        .iter()
        .filter(|(k, _)| !others.contains_key(*k))
        .map(|(_, (service, item))| Located {
            service: (*service).clone(),
            item: (*item).clone(),
        })
        .collect()
}

fn kubernetes_removed(old: &EnvInventory, new: &EnvInventory) -> Vec<Located<KubernetesObject>> {
    // A first build has nothing to remove: the index of every new object is not built.
    if old.services.values().all(|s| s.kubernetes.is_empty()) {
        return Vec::new();
    }
    let after: BTreeSet<&KubernetesObject> =
        new.services.values().flat_map(|s| &s.kubernetes).collect();
    old.services
        .iter()
        .flat_map(|(service, s)| {
            s.kubernetes
                .iter()
                .filter(|o| !after.contains(o))
                .map(|o| Located {
                    service: service.clone(),
                    item: o.clone(),
                })
        })
        .collect()
}

fn hosts_changing_hands(old: &EnvInventory, new: &EnvInventory) -> Vec<HostMove> {
    let owners = |env: &EnvInventory| -> BTreeMap<String, String> {
        env.services
            .iter()
            .flat_map(|(service, s)| s.hosts.iter().map(|h| (h.clone(), service.clone())))
            .collect()
    };
    let (before, after) = (owners(old), owners(new));
    before
        .into_iter()
        .filter_map(|(host, from)| {
            let to = after.get(&host)?;
            (*to != from).then(|| HostMove {
                host,
                from,
                to: to.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tf(address: &str, need: &str, physical: &str) -> TerraformResource {
        TerraformResource {
            address: address.into(),
            module: Some("postgres".into()),
            need: Some(need.into()),
            stateful: true,
            physical: Some(physical.into()),
        }
    }

    fn env(services: Vec<(&str, ServiceInventory)>) -> Inventory {
        let services = services
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect();
        BTreeMap::from([(
            "prod".to_string(),
            EnvInventory {
                protected: true,
                services,
            },
        )])
    }

    fn one_service(name: &str, terraform: Vec<TerraformResource>) -> Inventory {
        env(vec![(name, service(terraform, &[]))])
    }

    fn service(terraform: Vec<TerraformResource>, hosts: &[&str]) -> ServiceInventory {
        ServiceInventory {
            terraform,
            kubernetes: vec![KubernetesObject {
                kind: "Deployment".into(),
                namespace: Some("shop".into()),
                name: "x".into(),
            }],
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            calls: Vec::new(),
        }
    }

    #[test]
    fn an_unrecorded_inventory_is_unknown_not_empty() {
        let new = env(vec![("api", service(vec![], &[]))]);
        let blast = blast_radius(None, &new);
        assert!(!blast.known);
        assert!(blast.is_empty());
    }

    #[test]
    fn a_changed_physical_name_is_a_destroy_and_the_same_one_a_move() {
        let old = env(vec![(
            "api",
            service(vec![tf("module.api_db", "db", "shop-prod-api-db")], &[]),
        )]);
        let renamed = env(vec![(
            "core-api",
            service(
                vec![tf("module.core-api_db", "db", "shop-prod-core-api-db")],
                &[],
            ),
        )]);
        let blast = blast_radius(Some(&old), &renamed);
        let prod = &blast.environments["prod"];
        assert_eq!(prod.removed.len(), 1);
        assert_eq!(prod.added.len(), 1);
        assert_eq!(blast.destroyed().count(), 1);
        let kept = env(vec![(
            "core-api",
            service(
                vec![tf("module.core-api_db", "db", "shop-prod-api-db")],
                &[],
            ),
        )]);
        let blast = blast_radius(Some(&old), &kept);
        let prod = &blast.environments["prod"];
        assert!(prod.removed.is_empty() && prod.added.is_empty());
        assert_eq!(prod.moved[0].to.item.address, "module.core-api_db");
        assert_eq!(blast.destroyed().count(), 0);
    }

    #[test]
    fn each_removed_resource_moves_to_the_first_added_one_of_its_kind_and_name() {
        let mut other_kind = tf("module.api_cache", "cache", "shared");
        other_kind.module = Some("redis".into());
        let old = one_service(
            "api",
            vec![
                tf("module.api_db", "db", "shared"),
                tf("module.api_db2", "db2", "shared"),
                other_kind,
                tf("module.api_logs", "logs", "gone"),
            ],
        );
        let new = one_service(
            "core",
            ["a", "b", "c"]
                .map(|n| tf(&format!("module.core_{n}"), n, "shared"))
                .into(),
        );
        let blast = blast_radius(Some(&old), &new);
        let prod = &blast.environments["prod"];
        let moves: Vec<(&str, &str)> = prod
            .moved
            .iter()
            .map(|m| (m.from.item.address.as_str(), m.to.item.address.as_str()))
            .collect();
        assert_eq!(
            moves,
            [
                ("module.api_db", "module.core_a"),
                ("module.api_db2", "module.core_b")
            ]
        );
        let removed: Vec<&str> = prod
            .removed
            .iter()
            .map(|r| r.item.address.as_str())
            .collect();
        assert_eq!(removed, ["module.api_cache", "module.api_logs"]);
        assert_eq!(prod.added.len(), 1);
        assert_eq!(prod.added[0].item.address, "module.core_c");
    }

    #[test]
    fn renaming_every_resource_of_a_large_platform_pairs_each_once() {
        let many = |prefix: &str| {
            let resources = (0..20_000)
                .map(|i| tf(&format!("module.{prefix}_{i}"), "db", &format!("db-{i}")))
                .collect();
            one_service(prefix, resources)
        };
        let blast = blast_radius(Some(&many("old")), &many("new"));
        let prod = &blast.environments["prod"];
        assert_eq!(prod.moved.len(), 20_000);
        assert!(prod.removed.is_empty() && prod.added.is_empty());
        assert!(
            prod.moved
                .iter()
                .all(|m| m.from.item.physical == m.to.item.physical)
        );
    }

    #[test]
    fn a_host_that_moves_to_another_service_changes_hands() {
        let old = env(vec![
            ("a", service(vec![], &["x.example.com"])),
            ("b", service(vec![], &[])),
        ]);
        let new = env(vec![
            ("a", service(vec![], &[])),
            ("b", service(vec![], &["x.example.com"])),
        ]);
        let blast = blast_radius(Some(&old), &new);
        let moves = &blast.environments["prod"].hosts_changing_hands;
        assert_eq!(
            moves,
            &[HostMove {
                host: "x.example.com".into(),
                from: "a".into(),
                to: "b".into()
            }]
        );
        assert!(blast.environments["prod"].kubernetes_removed.is_empty());
    }

    #[test]
    fn unchanged_inventories_have_no_blast_radius() {
        let old = env(vec![(
            "api",
            service(vec![tf("module.api_db", "db", "p")], &["h"]),
        )]);
        let blast = blast_radius(Some(&old), &old.clone());
        assert!(blast.known && blast.is_empty());
    }
}
