//! Rendering: the resolved model -> generated files, one module per output target.
//!
//! Renderers build typed values and serialize them; they never read files. The
//! targets, when each runs and where it writes are one table, `target::Target`;
//! [`render`] is a loop over it, and paths come from the [`Layout`]. A renderer
//! returns a diagnostic instead of panicking on what would be a bug in pave: a writer
//! refusing a value (E0411), Helm values without their Kubernetes objects (E0412).
//! Wording lives in `messages`.

pub(crate) mod alertmanager;
pub(crate) mod catalog;
pub(crate) mod ci;
pub(crate) mod gitops;
pub(crate) mod helm;
pub(crate) mod inventory;
pub(crate) mod kubernetes;
pub(crate) mod messages;
pub(crate) mod prometheus;
pub(crate) mod target;
pub(crate) mod terraform;
pub(crate) mod terraform_moved;

use std::sync::Arc;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::output::{Artifact, Layout, OutputTree, Scope};
use crate::resolve::Model;
use crate::yaml_writer::to_yaml;
use kubernetes::ServiceObjects;
use target::{Switches, Target};

/// A rendered Kubernetes object, for kubernetes-scope policies. It stays the typed
/// value it was serialized from, so a policy run converts it once, to its own form.
#[derive(Clone)]
pub(crate) struct RenderedObject {
    /// The generated file it is written to.
    pub(crate) path: String,
    pub(crate) scope: Scope,
    /// The object's `kind`, to pick the policies that look at it.
    pub(crate) kind: String,
    /// `metadata.name` and `metadata.namespace`, for the manifest's inventory (read
    /// off the typed value, so nothing converts the object to find them).
    pub(crate) name: String,
    pub(crate) namespace: Option<String>,
    pub(crate) object: Arc<dyn erased_serde::Serialize + Send + Sync>,
    /// The same object, typed, for the policies decided without a template
    /// (`policy::native`); `None` when `object` is not pave's typed value (a test's
    /// hand-edited one), which leaves every policy to its template.
    pub(crate) typed: Option<Arc<dyn kubernetes::objects::Typed>>,
}

/// What rendering produces: the files, and the Kubernetes objects inside them.
#[derive(Default)]
pub(crate) struct Rendered {
    pub(crate) tree: OutputTree,
    /// Every Kubernetes object, erased, for kubernetes-scope policies.
    pub(crate) objects: Vec<RenderedObject>,
    /// The same objects, typed per service, for the targets rendered after Kubernetes.
    pub(crate) kubernetes: Vec<ServiceObjects>,
}

/// What one target renders.
#[derive(Default)]
pub(crate) struct TargetOutput {
    pub(crate) artifacts: Vec<Artifact>,
    pub(crate) objects: Vec<RenderedObject>,
    pub(crate) kubernetes: Vec<ServiceObjects>,
    /// What the target's files make, per environment (Terraform's resources).
    pub(crate) inventory: crate::inventory::Inventory,
}

impl TargetOutput {
    pub(crate) fn files(artifacts: Vec<Artifact>) -> TargetOutput {
        TargetOutput {
            artifacts,
            ..TargetOutput::default()
        }
    }
}

/// What a renderer reads: the model, where files go, and what the targets before it
/// rendered (Helm reads the typed Kubernetes objects).
pub(crate) struct RenderCx<'a> {
    pub(crate) model: &'a Model,
    pub(crate) layout: &'a Layout,
    pub(crate) switches: Switches,
    pub(crate) kubernetes: &'a [ServiceObjects],
    /// The tree on disk, when the command compares with it while rendering.
    comparer: Option<&'a crate::emit::Comparer>,
    /// Render only this environment's files (Kubernetes and Helm, one environment at
    /// a time); `None`: every environment.
    only_env: Option<&'a str>,
}

impl RenderCx<'_> {
    /// Whether this pass renders the files of environment `env`.
    pub(crate) fn includes(&self, env: &str) -> bool {
        self.only_env.is_none_or(|only| only == env)
    }

    /// Whether this pass renders the files that belong to no environment: the only
    /// pass, or the first environment's.
    pub(crate) fn includes_shared(&self) -> bool {
        let first = self.model.platform.environments.first();
        self.only_env
            .is_none_or(|only| first.is_some_and(|e| e.name == only))
    }

    /// Hands a part of a target's files (one environment's, one service's) to the
    /// comparer as soon as it is rendered, so a large target never holds all its bytes;
    /// returns them unchanged when nothing compares (they go into the tree whole).
    pub(crate) fn keep(&self, files: Vec<Artifact>) -> Vec<Artifact> {
        match self.comparer {
            Some(c) => {
                c.settle_all(files);
                Vec::new()
            }
            None => files,
        }
    }
}

/// What the policy stage does with the rendered Kubernetes objects: called once per
/// environment, as soon as that environment's objects are rendered and read.
pub(crate) type ObjectCheck<'a> = dyn FnMut(&[RenderedObject]) + 'a;

/// Renders every enabled target into one output tree, compared target by target with
/// the tree on disk when `comparer` has opened it. A target that fails is reported and
/// left out; the others still render. With `check_objects`, the targets that make or
/// read the typed Kubernetes objects (Kubernetes, Helm) render one environment at a
/// time, and each environment's objects go to `check_objects` and are dropped before
/// the next one renders; without it every object is returned in `Rendered`.
pub(crate) fn render(
    model: &Model,
    comparer: Option<Arc<crate::emit::Comparer>>,
    check_objects: Option<&mut ObjectCheck<'_>>,
) -> (Rendered, Vec<Diagnostic>) {
    let layout = Target::layout(&model.platform.output);
    let switches = Switches::of(model);
    let mut rendered = Rendered {
        tree: OutputTree::compared_with(comparer),
        ..Rendered::default()
    };
    let mut diagnostics = Vec::new();
    let (object_targets, other_targets): (Vec<Target>, Vec<Target>) = Target::ALL
        .into_iter()
        .filter(|t| t.enabled(&switches))
        .partition(|t| t.reads_objects());
    let pass = Pass {
        model,
        layout: &layout,
        switches,
    };
    // The other targets read neither the objects nor each other, so they render on a
    // thread of their own while the object targets go environment by environment:
    // the serial stretches of either side (an environment's shared files, Terraform's
    // module calls) overlap the other's parallel work.
    let (recorded, others) = std::thread::scope(|scope| {
        let comparer = rendered.tree.comparer.clone();
        let others = scope.spawn(|| render_each(&pass, &other_targets, comparer));
        let recorded = render_objects(
            (&pass, &object_targets),
            check_objects,
            &mut rendered,
            &mut diagnostics,
        );
        let others = others
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (recorded, others)
    });
    let (other_rendered, other_diagnostics) = others;
    rendered.merge(other_rendered);
    diagnostics.extend(other_diagnostics);
    rendered.tree.layout = layout;
    inventory::complete(&mut rendered.tree.inventory, model, recorded);
    (rendered, diagnostics)
}

/// Renders the targets that make or read the typed Kubernetes objects. With
/// `check_objects`, one environment at a time: each environment's objects go to
/// `check_objects` and are dropped before the next renders. Returns what the manifest
/// records of the objects.
fn render_objects(
    (pass, targets): (&Pass<'_>, &[Target]),
    check_objects: Option<&mut ObjectCheck<'_>>,
    rendered: &mut Rendered,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<inventory::Recorded> {
    let Some(check) = check_objects else {
        for &target in targets {
            pass.run(target, None, rendered, diagnostics);
        }
        return inventory::record(&rendered.objects);
    };
    let mut recorded = Vec::new();
    let envs = &pass.model.platform.environments;
    for (i, env) in envs.iter().enumerate() {
        for &target in targets {
            pass.run(target, Some(&env.name), rendered, diagnostics);
        }
        recorded.extend(inventory::record(&rendered.objects));
        check(&rendered.objects);
        // Freed among the next environment's rendering rather than before it: tens of
        // thousands of objects took the main thread alone some 15 ms per environment.
        // The last environment's are left to the process's end when it ends without
        // freeing: nothing after them reuses their memory.
        let done = (
            std::mem::take(&mut rendered.objects),
            std::mem::take(&mut rendered.kubernetes),
        );
        match i + 1 == envs.len() {
            true => crate::release::at_exit(done),
            false => crate::release::soon(done),
        }
    }
    recorded
}

/// Renders `targets`, every environment at once, into a tree of their own (compared
/// with the tree on disk through the same `comparer`).
fn render_each(
    pass: &Pass<'_>,
    targets: &[Target],
    comparer: Option<Arc<crate::emit::Comparer>>,
) -> (Rendered, Vec<Diagnostic>) {
    let mut rendered = Rendered {
        tree: OutputTree::compared_with(comparer),
        ..Rendered::default()
    };
    let mut diagnostics = Vec::new();
    for &target in targets {
        pass.run(target, None, &mut rendered, &mut diagnostics);
    }
    (rendered, diagnostics)
}

impl Rendered {
    /// Adds the files and inventory of `other`, rendered beside this.
    fn merge(&mut self, other: Rendered) {
        for (_, artifact) in other.tree.files {
            self.tree.insert(artifact);
        }
        for (env, part) in other.tree.inventory {
            let entry = self.tree.inventory.entry(env).or_default();
            entry.services.extend(part.services);
        }
        self.objects.extend(other.objects);
        self.kubernetes.extend(other.kubernetes);
    }
}

/// What every target of one `render` shares.
struct Pass<'a> {
    model: &'a Model,
    layout: &'a Layout,
    switches: Switches,
}

impl Pass<'_> {
    /// Renders `target` (for one environment, or all) and adds what it made.
    fn run(
        &self,
        target: Target,
        only_env: Option<&str>,
        rendered: &mut Rendered,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let comparer = rendered.tree.comparer.clone();
        let cx = RenderCx {
            model: self.model,
            layout: self.layout,
            switches: self.switches,
            kubernetes: &rendered.kubernetes,
            comparer: comparer.as_deref(),
            only_env,
        };
        match target.render(&cx) {
            Ok(output) => {
                rendered.tree.extend(output.artifacts);
                rendered.objects.extend(output.objects);
                rendered.kubernetes.extend(output.kubernetes);
                for (env, part) in output.inventory {
                    let entry = rendered.tree.inventory.entry(env).or_default();
                    entry.services.extend(part.services);
                }
            }
            Err(d) => diagnostics.push(d),
        }
    }
}

/// A generated YAML file.
pub(crate) fn yaml_file<T: Serialize>(
    path: String,
    scope: Scope,
    value: &T,
) -> Result<Artifact, Diagnostic> {
    let text = to_yaml(value).map_err(|e| messages::unwritable(&path, &e))?;
    Ok(Artifact {
        path,
        bytes: text.into_bytes(),
        scope,
    })
}

/// The scope of a file that belongs to one service in one environment.
pub(crate) fn service_scope(env: &str, service: &str) -> Scope {
    Scope {
        env: Some(env.to_string()),
        service: Some(service.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::source::SourceMap;

    fn shop() -> Model {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
        let mut sources = SourceMap::default();
        let (inputs, _) = crate::load::load(&root, &mut sources);
        let (model, diags) = crate::resolve::resolve(&inputs, &sources);
        model.unwrap_or_else(|| panic!("{diags:?}"))
    }

    fn under(path: &str, root: &str) -> bool {
        path == root || path.starts_with(&format!("{root}/"))
    }

    #[test]
    fn every_file_lies_under_a_root_of_the_layout() {
        let (rendered, diags) = render(&shop(), None, None);
        assert!(diags.is_empty(), "{diags:?}");
        let layout = &rendered.tree.layout;
        assert_eq!(layout.output, "generated");
        for path in rendered.tree.files.keys() {
            assert!(
                layout.roots().iter().any(|r| under(path, r)),
                "{path} is outside {:?}",
                layout.roots()
            );
        }
    }

    #[test]
    fn a_disabled_target_writes_nothing_but_keeps_its_root() {
        let mut model = shop();
        model.platform.targets.kubernetes = false;
        let (rendered, diags) = render(&model, None, None);
        assert!(diags.is_empty(), "{diags:?}");
        let paths: Vec<&String> = rendered.tree.files.keys().collect();
        // Helm reads the Kubernetes objects, so it goes with them.
        assert!(
            !paths
                .iter()
                .any(|p| under(p, "generated/kubernetes") || under(p, "generated/helm")),
            "{paths:?}"
        );
        assert!(rendered.objects.is_empty());
        assert_eq!(rendered.tree.layout, Target::layout("generated"));
    }
}
