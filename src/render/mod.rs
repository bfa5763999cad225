//! Rendering: the resolved model -> generated files, one module per output target.
//!
//! Renderers build typed values and serialize them; they never read files and
//! cannot fail on a resolved model. Adding a target means adding one module here
//! and one line in [`render`].

pub mod ci;
pub mod helm;
pub mod kubernetes;
pub mod prometheus;
pub mod terraform;

use std::sync::Arc;

use crate::output::{OutputTree, Scope};
use crate::resolve::Model;

/// A rendered Kubernetes object, for kubernetes-scope policies. It stays the typed
/// value it was serialized from, so a policy run converts it once, to its own form.
#[derive(Clone)]
pub struct RenderedObject {
    /// The generated file it is written to.
    pub path: String,
    pub scope: Scope,
    /// The object's `kind`, to pick the policies that look at it.
    pub kind: String,
    pub object: Arc<dyn erased_serde::Serialize + Send + Sync>,
}

/// What rendering produces: the files, and the objects inside them.
#[derive(Default)]
pub struct Rendered {
    pub tree: OutputTree,
    pub objects: Vec<RenderedObject>,
}

/// Renders every enabled target into one output tree.
pub fn render(model: &Model) -> Rendered {
    // Files pave may own outside the output folder are roots even when no target
    // writes them now, so that turning a target off prunes what it wrote before.
    let mut roots = vec![model.platform.output.clone(), "atlantis.yaml".to_string()];
    roots.extend(ci::ROOTS.iter().map(|r| r.to_string()));
    let tree = OutputTree {
        roots,
        ..OutputTree::default()
    };
    let mut rendered = Rendered {
        tree,
        objects: Vec::new(),
    };
    if model.platform.targets.kubernetes {
        let (artifacts, objects) = kubernetes::render(model);
        for artifact in artifacts {
            rendered.tree.insert(artifact);
        }
        rendered.objects.extend(objects);
    }
    if model.platform.targets.helm && model.platform.targets.kubernetes {
        for artifact in helm::render(model, &rendered.objects) {
            rendered.tree.insert(artifact);
        }
    }
    for artifact in ci::render(model) {
        rendered.tree.insert(artifact);
    }
    if model.platform.observability.enabled {
        for artifact in prometheus::render(model) {
            rendered.tree.insert(artifact);
        }
    }
    if let Some(target) = &model.platform.targets.terraform {
        let needs = model.services.iter().any(|s| !s.module_needs.is_empty());
        if needs {
            for artifact in terraform::render(model, target) {
                rendered.tree.insert(artifact);
            }
        }
    }
    rendered
}
