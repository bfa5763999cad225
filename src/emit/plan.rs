//! Comparing the in-memory tree with the tree on disk: what `build` would change.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::compare::{Change, Comparer, Settled};
use super::manifest::Manifest;
use super::{refusal, safe_fs};
use crate::diag::Diagnostic;
use crate::digest::sha256_hex;
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
    let manifest = merged_manifest(old, &settled, tree.inventory, &comparer.filter);
    // The manifest's bytes (tens of thousands of lines) are written beside the rest
    // of the plan, which reads the manifest but not its bytes.
    let ((manifest_bytes, manifest_changed), rest) = rayon::join(
        || {
            let bytes = manifest.to_bytes();
            let changed = comparer.old_digest.as_deref() != Some(&sha256_hex(&bytes));
            (bytes, changed)
        },
        || changes_of(&comparer, &manifest, settled, &filtered_out),
    );
    let (changes, refused, adopted, blast, needs) = rest;
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
);

/// The changes (sorted by path), refusals and adoptions of the settled files and the
/// stale ones, the blast radius, and the needs the inventories name.
fn changes_of(
    comparer: &Comparer,
    manifest: &Manifest,
    settled: BTreeMap<String, Settled>,
    filtered_out: &BTreeSet<String>,
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
    if comparer.is_build()
        && let Some(d) = shared_file_ahead_of_its_parts(comparer, &settled, filtered_out)
    {
        refused.push(d);
    }
    for settled in settled.into_values() {
        match settled.outcome {
            Ok(change) => changes.extend(change),
            Err(d) if d.is_error() => refused.push(d),
            Err(d) => adopted.push(d),
        }
    }
    changes.extend(stale(comparer, manifest, filtered_out, &mut refused));
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    // A symlinked folder blocks every file under it: say so once.
    let mut seen = std::collections::HashSet::new();
    refused.retain(|d| seen.insert((d.code, d.message.clone())));
    (changes, refused, adopted, blast, needs)
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
) -> Option<Diagnostic> {
    let filter = &comparer.filter;
    let wider = |env: Option<&str>, service: Option<&str>| {
        (!filter.services.is_empty() && service.is_none())
            || (!filter.envs.is_empty() && env.is_none())
    };
    let mut shared: Vec<&String> = settled
        .iter()
        .filter(|(_, s)| {
            wider(s.scope.env.as_deref(), s.scope.service.as_deref())
                && matches!(&s.outcome, Ok(Some(c)) if c.kind != ChangeKind::HandEdited)
        })
        .map(|(path, _)| path)
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
            .map(|(path, _)| path),
    );
    if shared.is_empty() {
        return None;
    }
    let mut behind = comparer.pending_outside();
    // Files outside the filter the sources no longer produce stay until a build
    // covers them: behind as well.
    behind.extend(
        comparer
            .old
            .files
            .iter()
            .filter(|(path, entry)| {
                !entry.within(filter)
                    && !filtered_out.contains(*path)
                    && !settled.contains_key(*path)
            })
            .map(|(path, _)| path.clone()),
    );
    // A shared file outside the output folder (a CI workflow, `atlantis.yaml`) reads
    // the whole tree: every file behind clashes with it (the Prometheus workflow
    // deleted while other environments' rules remain would leave them unchecked).
    let output = format!("{}/", comparer.layout.output);
    let folder = |path: &str| match path.starts_with(&output) {
        true => path.rsplit_once('/').map_or("", |(f, _)| f).to_string(),
        false => String::new(),
    };
    let shared: Vec<(String, &String)> = shared.into_iter().map(|p| (folder(p), p)).collect();
    let mut clashes = behind.iter().filter_map(|b| {
        shared
            .iter()
            .find(|(f, _)| f.is_empty() || b.starts_with(&format!("{f}/")))
            .map(|(_, s)| (*s, b))
    });
    let (first_shared, first_behind) = clashes.next()?;
    let more = clashes.count();
    Some(super::messages::shared_file_ahead(
        first_shared,
        first_behind,
        more,
    ))
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
    for (path, entry) in &comparer.old.files {
        let produced = new.files.contains_key(path) || filtered_out.contains(path);
        if produced || !entry.within(&comparer.filter) {
            continue;
        }
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
    let segments_ok = !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..");
    segments_ok
        && roots
            .iter()
            .any(|r| path == r || path.starts_with(&format!("{r}/")))
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
    }
}
