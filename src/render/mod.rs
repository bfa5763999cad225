//! Rendering: the resolved model -> generated files, one module per output target.
//!
//! Renderers build typed values and serialize them; they never read files and
//! cannot fail on a resolved model. Adding a target means adding one module here
//! and one line in [`render`].

pub mod kubernetes;

use crate::output::OutputTree;
use crate::resolve::Model;

/// Renders every enabled target into one output tree.
pub fn render(model: &Model) -> OutputTree {
    let mut tree = OutputTree {
        roots: vec![model.platform.output.clone()],
        ..OutputTree::default()
    };
    if model.platform.targets.kubernetes {
        for artifact in kubernetes::render(model) {
            tree.insert(artifact);
        }
    }
    tree
}
