//! Comparing the in-memory tree with the tree on disk: what `build` would change.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::compare::{Change, Comparer, Settled};
use super::manifest::Manifest;
use super::{refusal, safe_fs};
use crate::diag::Diagnostic;
use crate::digest::FileHash;
use crate::inventory::{BlastRadius, EnvInventory, Inventory, blast_radius};
use crate::output::{Layout, OutputTree, Scope};

/// `--env` / `--service`: which part of the tree a command looks at. Empty means all.
///
/// A file in no environment (the chart, the CI workflows, `atlantis.yaml`) is part of
/// every environment, and a file of no single service (an environment's
/// kustomization, Alertmanager routes, contract rules, Terraform root) part of every
/// service: those files are rendered from every service at once, so a narrowed
/// build writes them (a kustomization never misses the narrowed service's new
/// object) and a narrowed check fails when they are stale.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    pub(crate) envs: Vec<String>,
    pub(crate) services: Vec<String>,
}

impl Filter {
    pub(crate) fn matches(&self, scope: &Scope) -> bool {
        self.admits(scope.env.as_deref(), scope.service.as_deref())
    }

    /// Whether the command looks at the whole tree.
    pub(crate) fn is_empty(&self) -> bool {
        self.envs.is_empty() && self.services.is_empty()
    }

    /// [`Filter::matches`] on a scope's parts, so the tens of thousands of manifest
    /// entries a plan looks at are not copied to ask.
    pub(crate) fn admits(&self, env: Option<&str>, service: Option<&str>) -> bool {
        let listed = |names: &[String], name: Option<&str>| {
            names.is_empty() || name.is_none_or(|n| names.iter().any(|x| x == n))
        };
        listed(&self.envs, env) && listed(&self.services, service)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ChangeKind {
    /// The sources produce other content than the tree holds.
    Changed,
    /// The file on disk differs from what pave last wrote (its manifest hash).
    HandEdited,
    /// The sources produce the file; the tree lacks it.
    Missing,
    /// The tree has a file pave owns that the sources no longer produce.
    Stale,
}

impl ChangeKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Changed => "changed",
            ChangeKind::HandEdited => "edited by hand",
            ChangeKind::Missing => "missing",
            ChangeKind::Stale => "stale",
        }
    }
}

/// Everything `build` would do to the tree on disk.
#[derive(Debug)]
pub(crate) struct Plan {
    /// In path order.
    pub(crate) changes: Vec<Change>,
    pub(crate) manifest_path: String,
    pub(crate) manifest_bytes: Vec<u8>,
    pub(crate) manifest_changed: bool,
    /// No manifest was there (deleted, or a tree never built).
    pub(crate) manifest_missing: bool,
    /// Paths pave will not write: outside the output roots, not owned by pave, behind a
    /// symlink or blocked by a folder. One diagnostic per offending path.
    pub(crate) refused: Vec<Diagnostic>,
    /// Warnings: unowned files that already hold exactly what pave writes, which this
    /// build takes into the manifest (a deleted output folder takes the manifest with
    /// it, while root-level outputs such as `atlantis.yaml` stay).
    pub(crate) adopted: Vec<Diagnostic>,
    /// Where pave may write: the output folder and the other roots.
    pub(crate) layout: Layout,
    /// The tree the plan was made against, and what a writing `build` staged in it.
    pub(crate) comparer: Arc<Comparer>,
    /// What the change does to each environment's infrastructure, from the inventory
    /// the old manifest records to the one the new manifest will.
    pub(crate) blast: BlastRadius,
    /// Every `env/service/need` with a Terraform resource, before or after the change:
    /// what `--allow-destroy` may name.
    pub(crate) needs: BTreeSet<String>,
    /// A narrowed build's files outside its filter that stay behind the sources (a
    /// platform-wide edit built for one service leaves the others behind).
    pub(crate) behind_outside: usize,
}

impl Plan {
    pub(crate) fn is_clean(&self) -> bool {
        self.changes.is_empty() && !self.manifest_changed
    }
}

/// Compares `tree` with the tree `comparer` opened. Files rendered before the tree was
/// opened (none, when `build`, `check` and `diff` render) are compared here.
pub(crate) fn plan(tree: OutputTree, comparer: Arc<Comparer>) -> Plan {
    comparer.settle_all(tree.files.into_values().collect());
    let (settled, filtered_out) = comparer.take_settled();
    let old = &comparer.old;
    // Who needs whom as the sources say now: the merged manifest keeps what the old
    // one said for services outside the filter.
    let rendered_calls = match comparer.filter.is_empty() {
        true => Calls::new(),
        false => calls_of(Some(&tree.inventory)),
    };
    let manifest = merged_manifest(old, &settled, tree.inventory, &comparer.filter);
    // The manifest's bytes (tens of thousands of lines) are written beside the rest
    // of the plan, which reads the manifest but not its bytes.
    let ((manifest_bytes, manifest_changed), rest) = rayon::join(
        || {
            let bytes = manifest.to_bytes();
            let changed = comparer.old_digest != Some(FileHash::of(&bytes));
            (bytes, changed)
        },
        || {
            changes_of(
                &comparer,
                &manifest,
                settled,
                &filtered_out,
                &rendered_calls,
            )
        },
    );
    // Tens of thousands of entries: freed beside what follows, not before it.
    crate::release::at_exit(manifest);
    let (changes, refused, adopted, blast, needs, behind_outside) = rest;
    Plan {
        changes,
        manifest_path: comparer.manifest_path.clone(),
        manifest_bytes,
        manifest_changed,
        manifest_missing: comparer.old_digest.is_none(),
        refused,
        adopted,
        layout: comparer.layout.clone(),
        blast,
        needs,
        behind_outside,
        comparer,
    }
}

/// What [`plan`] finds besides the manifest's bytes.
type PlanParts = (
    Vec<Change>,
    Vec<Diagnostic>,
    Vec<Diagnostic>,
    BlastRadius,
    BTreeSet<String>,
    usize,
);

/// The changes (sorted by path), refusals and adoptions of the settled files and the
/// stale ones, the blast radius, and the needs the inventories name.
fn changes_of(
    comparer: &Comparer,
    manifest: &Manifest,
    settled: BTreeMap<String, Settled>,
    filtered_out: &BTreeSet<String>,
    rendered_calls: &Calls,
) -> PlanParts {
    let old = &comparer.old;
    let nothing = Inventory::new();
    let after = manifest.infrastructure.as_ref().unwrap_or(&nothing);
    // Without a manifest pave owns nothing, so nothing can be removed: known, empty.
    let before = match comparer.old_digest {
        None => Some(&nothing),
        Some(_) => old.infrastructure.as_ref(),
    };
    let blast = blast_radius(before, after);
    let needs = [
        old.infrastructure.as_ref(),
        manifest.infrastructure.as_ref(),
    ]
    .into_iter()
    .flatten()
    .flat_map(need_targets)
    .collect();
    let mut changes = Vec::new();
    let mut refused = Vec::new();
    let mut adopted = Vec::new();
    let mut behind_count = 0;
    if comparer.is_build() {
        let behind = behind_outside(comparer, &settled, filtered_out);
        behind_count = behind.len();
        let calls = [
            calls_of(old.infrastructure.as_ref()),
            rendered_calls.clone(),
        ];
        refused.extend(
            shared_file_ahead_of_its_parts(
                comparer,
                &settled,
                filtered_out,
                &behind,
                rendered_calls,
            )
            .or_else(|| peers_out_of_step(comparer, &settled, filtered_out, &behind, &calls)),
        );
    }
    let mut settled = settled;
    for s in settled.values_mut() {
        match std::mem::replace(&mut s.outcome, Ok(None)) {
            Ok(change) => changes.extend(change),
            Err(d) if d.is_error() => refused.push(d),
            Err(d) => adopted.push(d),
        }
    }
    // Tens of thousands of paths and hashes: freed beside the rest of the plan.
    crate::release::at_exit(settled);
    changes.extend(stale(comparer, manifest, filtered_out, &mut refused));
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    // A symlinked folder blocks every file under it: say so once.
    let mut seen = std::collections::HashSet::new();
    refused.retain(|d| seen.insert((d.code, d.message.clone())));
    (changes, refused, adopted, blast, needs, behind_count)
}

/// A narrowed build writes the files every part shares (a kustomization, a
/// Terraform root, `atlantis.yaml`) as the sources render them now: from every
/// service and environment. When one of them changes while a file outside the filter
/// in its folder is behind the sources too (new, changed or no longer produced), the
/// shared file could name what is not on disk, or stop declaring what the file left
/// behind still uses (an `eks.tf` local, a need's Secret): a mixed tree. Refused.
/// Files elsewhere (another service's CI workflow beside a kustomization) may stay
/// behind: nothing in the folder names them.
fn shared_file_ahead_of_its_parts(
    comparer: &Comparer,
    settled: &BTreeMap<String, Settled>,
    filtered_out: &BTreeSet<String>,
    behind: &BTreeMap<String, Scope>,
    rendered_calls: &Calls,
) -> Option<Diagnostic> {
    let filter = &comparer.filter;
    let wider = |env: Option<&str>, service: Option<&str>| {
        (!filter.services.is_empty() && service.is_none())
            || (!filter.envs.is_empty() && env.is_none())
    };
    let mut shared: Vec<(&String, Scope)> = settled
        .iter()
        .filter(|(_, s)| {
            wider(s.scope.env.as_deref(), s.scope.service.as_deref())
                && matches!(&s.outcome, Ok(Some(c)) if c.kind != ChangeKind::HandEdited)
        })
        .map(|(path, s)| (path, s.scope.clone()))
        .collect();
    // A shared file the sources no longer produce is deleted by this build too.
    shared.extend(
        comparer
            .old
            .files
            .iter()
            .filter(|(path, entry)| {
                wider(entry.env.as_deref(), entry.service.as_deref())
                    && entry.within(filter)
                    && !settled.contains_key(*path)
                    && !filtered_out.contains(*path)
            })
            .map(|(path, entry)| (path, entry.scope())),
    );
    if shared.is_empty() {
        return None;
    }
    // What each shared file can name: the files of its folder; outside the output
    // folder, a file of no service (a CI workflow, `atlantis.yaml`) reads the whole
    // tree, so every file behind clashes with it (the Prometheus workflow deleted
    // while other environments' rules remain would leave them unchecked), and a
    // service's own workflow reads only its service file: nothing in the tree.
    let output = format!("{}/", comparer.layout.output);
    let reads = |path: &str, scope: &Scope| match path.starts_with(&output) {
        true => Some(path.rsplit_once('/').map_or("", |(f, _)| f).to_string()),
        false => scope.service.is_none().then(String::new),
    };
    let shared: Vec<(String, &String, Scope)> = shared
        .into_iter()
        .filter_map(|(p, scope)| Some((reads(p, &scope)?, p, scope)))
        .collect();
    let clashes: Vec<_> = behind
        .iter()
        .filter_map(|(b, b_scope)| {
            shared
                .iter()
                .find(|(f, _, _)| f.is_empty() || b.starts_with(&format!("{f}/")))
                .map(|(_, s, scope)| ((s.as_str(), scope), (b.as_str(), b_scope)))
        })
        .collect();
    let (first_shared, first_behind) = *clashes.first()?;
    // What to add: each part a file behind is of, if the sources still have it (a
    // removed environment's or service's files go only with an unfiltered build).
    let exists = |scope: &Scope| {
        scope.env.as_ref().is_none_or(|env| {
            rendered_calls.get(env).is_some_and(|services| {
                (scope.service.as_ref()).is_none_or(|s| services.contains_key(s))
            })
        })
    };
    let to_add = match clashes.iter().all(|(_, (_, scope))| exists(scope)) {
        true => Some(parts_to_add(filter, clashes.iter().map(|(_, (_, s))| *s))),
        false => None,
    };
    Some(super::messages::shared_file_ahead(
        first_shared,
        first_behind.0,
        clashes.len() - 1,
        to_add,
    ))
}

/// The `--service`/`--env` arguments that bring these parts into `filter`.
fn parts_to_add<'s>(filter: &Filter, parts: impl Iterator<Item = &'s Scope>) -> Vec<String> {
    let mut args = BTreeSet::new();
    for scope in parts {
        let missing = |names: &[String], name: &Option<String>| {
            !names.is_empty() && name.as_ref().is_some_and(|n| !names.contains(n))
        };
        if missing(&filter.services, &scope.service) {
            args.insert(format!(
                "--service {}",
                scope.service.as_deref().unwrap_or_default()
            ));
        }
        if missing(&filter.envs, &scope.env) {
            args.insert(format!(
                "--env {}",
                scope.env.as_deref().unwrap_or_default()
            ));
        }
    }
    args.into_iter().collect()
}

/// A narrowed build's files outside its filter that stay behind the sources, with
/// the part each is of: new or changed ones (the comparer's, read off the old
/// manifest's hashes) and those the sources no longer produce, which stay until a
/// build covers them.
fn behind_outside(
    comparer: &Comparer,
    settled: &BTreeMap<String, Settled>,
    filtered_out: &BTreeSet<String>,
) -> BTreeMap<String, Scope> {
    let mut behind = comparer.pending_outside();
    behind.extend(
        comparer
            .old
            .files
            .iter()
            .filter(|(path, entry)| {
                !entry.within(&comparer.filter)
                    && !filtered_out.contains(*path)
                    && !settled.contains_key(*path)
            })
            .map(|(path, entry)| (path.clone(), entry.scope())),
    );
    behind
}

/// How two services of an environment read each other's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peer {
    /// The written service needs the one behind (its URLs carry that one's port).
    Needs,
    /// The one behind needs the written service (its NetworkPolicy lets that one in).
    NeededBy,
}

/// A service's files read the services it needs and those that need it: a URL
/// carries the callee's port and namespace, a NetworkPolicy names the callers. A
/// narrowed build that writes one service's files while a peer's are behind the
/// sources (before or after the change: a need just removed counts) would leave
/// the two out of step: a caller blocked by the new NetworkPolicy, or calling the
/// old port. Refused, naming the peer to add.
fn peers_out_of_step(
    comparer: &Comparer,
    settled: &BTreeMap<String, Settled>,
    filtered_out: &BTreeSet<String>,
    behind: &BTreeMap<String, Scope>,
    calls: &[Calls; 2],
) -> Option<Diagnostic> {
    // What runs: the Kubernetes objects and the Helm values that carry them. A
    // peer's promtool tests or catalog entity out of step breaks nothing.
    let output = &comparer.layout.output;
    let runtime = [format!("{output}/kubernetes/"), format!("{output}/helm/")];
    let runs = |path: &str| runtime.iter().any(|r| path.starts_with(r.as_str()));
    let part = |path: &String, scope: &Scope| match (&scope.env, &scope.service) {
        (Some(env), Some(service)) if runs(path) => Some((env.clone(), service.clone())),
        _ => None,
    };
    let mut behind_parts: BTreeMap<(String, String), &str> = BTreeMap::new();
    for (path, scope) in behind {
        if let Some(part) = part(path, scope) {
            behind_parts.entry(part).or_insert(path);
        }
    }
    if behind_parts.is_empty() {
        return None;
    }
    let changed = settled.iter().filter_map(|(path, s)| match &s.outcome {
        Ok(Some(c)) if c.kind != ChangeKind::HandEdited => Some((path, part(path, &s.scope)?)),
        _ => None,
    });
    let removed = comparer
        .old
        .files
        .iter()
        .filter(|(path, entry)| {
            entry.within(&comparer.filter)
                && !settled.contains_key(*path)
                && !filtered_out.contains(*path)
        })
        .filter_map(|(path, entry)| Some((path, part(path, &entry.scope())?)));
    for (path, (env, service)) in changed.chain(removed) {
        for (peer, how) in peers(calls, &env, &service) {
            let Some(peer_file) = behind_parts.get(&(env.clone(), peer.to_string())) else {
                continue;
            };
            let still_there = calls[1].get(&env).is_some_and(|e| e.contains_key(peer));
            return Some(super::messages::peer_behind(
                path,
                &service,
                peer_file,
                peer,
                how,
                still_there,
            ));
        }
    }
    None
}

/// Environment -> service -> the services it needs (every service, needing or not).
type Calls = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn calls_of(inventory: Option<&Inventory>) -> Calls {
    let envs = inventory.into_iter().flatten();
    envs.map(|(env, e)| {
        let services = e.services.iter();
        let calls = services.map(|(name, s)| (name.clone(), s.calls.clone()));
        (env.clone(), calls.collect())
    })
    .collect()
}

/// The services `service` needs or is needed by in `env`, before or after the
/// change, and whether it is so after (else the need was just removed).
fn peers<'c>(calls: &'c [Calls; 2], env: &str, service: &str) -> BTreeMap<&'c str, (Peer, bool)> {
    let mut peers = BTreeMap::new();
    // After the change last, so its word stands.
    for (i, c) in calls.iter().enumerate() {
        let Some(services) = c.get(env) else {
            continue;
        };
        let now = i == 1;
        for (name, needs) in services {
            if name == service {
                peers.extend(needs.iter().map(|c| (c.as_str(), (Peer::Needs, now))));
            } else if needs.iter().any(|c| c == service) {
                peers.insert(name.as_str(), (Peer::NeededBy, now));
            }
        }
    }
    peers.remove(service);
    peers
}

/// The files the old manifest lists, within the filter, that the sources no longer
/// produce and that are still on disk.
fn stale(
    comparer: &Comparer,
    new: &Manifest,
    filtered_out: &BTreeSet<String>,
    refused: &mut Vec<Diagnostic>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    // Looking up every old path in the new manifest is the bulk of the work: in parallel.
    let gone: Vec<&String> = comparer
        .old
        .files
        .par_iter()
        .filter(|(path, entry)| {
            let produced = new.files.contains_key(*path) || filtered_out.contains(*path);
            !produced && entry.within(&comparer.filter)
        })
        .map(|(path, _)| path)
        .collect();
    for path in gone {
        if !is_safe(path, comparer.layout.roots()) {
            continue;
        }
        match safe_fs::read(comparer.dir(), path) {
            Ok(Some(disk)) => changes.push(Change {
                path: path.clone(),
                kind: ChangeKind::Stale,
                old: comparer.keeps_old().then_some(disk),
                new: None,
                staged: false,
            }),
            // A file where a folder of the stale path was: the stale file is gone already.
            Ok(None) | Err(safe_fs::Refusal::InTheWay(_, false)) => {}
            Err(r) => refused.push(refusal(r)),
        }
    }
    changes
}

/// `env/service/need` of every need with a Terraform resource in `inventory`.
fn need_targets(inventory: &Inventory) -> Vec<String> {
    inventory
        .iter()
        .flat_map(|(env, e)| {
            e.services.iter().flat_map(move |(service, s)| {
                s.terraform
                    .iter()
                    .filter_map(move |r| Some(format!("{env}/{service}/{}", r.need.as_ref()?)))
            })
        })
        .collect()
}

/// The manifest after a build: entries outside the filter are kept as they were.
fn merged_manifest(
    old: &Manifest,
    settled: &BTreeMap<String, Settled>,
    inventory: Inventory,
    filter: &Filter,
) -> Manifest {
    let old_inventory = old.infrastructure.as_ref();
    let (mut manifest, inventory) = rayon::join(
        || Manifest::of(settled),
        || merged_inventory(old_inventory, inventory, filter),
    );
    manifest.files.retain(|_, entry| entry.within(filter));
    for (path, entry) in &old.files {
        if !entry.within(filter) {
            manifest.files.insert(path.clone(), entry.clone());
        }
    }
    manifest.infrastructure = Some(inventory);
    manifest
}

/// The inventory after a build: services outside the filter keep what the old
/// manifest recorded for them.
fn merged_inventory(old: Option<&Inventory>, new: Inventory, filter: &Filter) -> Inventory {
    let scope = |env: &str, service: &str| filter.admits(Some(env), Some(service));
    let mut merged = new;
    for (env, e) in merged.iter_mut() {
        e.services.retain(|service, _| scope(env, service));
    }
    for (env, e) in old.into_iter().flatten() {
        let entry = merged.entry(env.clone()).or_insert_with(|| EnvInventory {
            protected: e.protected,
            ..EnvInventory::default()
        });
        for (service, s) in &e.services {
            if !scope(env, service) {
                entry.services.insert(service.clone(), s.clone());
            }
        }
    }
    merged
}

/// A relative `/`-separated path inside one of the output roots, with no `.` or `..`.
pub(super) fn is_safe(path: &str, roots: &[String]) -> bool {
    // One pass over the bytes (every file of every command is checked): an empty
    // segment also rules out a leading `/`.
    let segments_ok = path
        .as_bytes()
        .split(|&b| b == b'/')
        .all(|s| !matches!(s, b"" | b"." | b"..") && !s.contains(&b'\\'));
    segments_ok
        && roots.iter().any(|r| {
            (path.strip_prefix(r.as_str()))
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_stay_inside_the_roots() {
        let roots = vec!["generated".to_string()];
        assert!(is_safe(
            "generated/kubernetes/dev/a/deployment.yaml",
            &roots
        ));
        assert!(!is_safe("generated/../etc/passwd", &roots));
        assert!(!is_safe("/generated/x", &roots));
        assert!(!is_safe("other/x", &roots));
        assert!(!is_safe("generatedx/y", &roots));
        // A root may be a file (`atlantis.yaml`).
        assert!(is_safe("generated", &roots));
        for bad in [
            "generated/",
            "generated//x",
            "generated/./x",
            "generated/x/..",
            "generated/a\\b",
        ] {
            assert!(!is_safe(bad, &roots), "{bad}");
        }
        assert!(is_safe("generated/.x/..y/z.", &roots));
    }
}
