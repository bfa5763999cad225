//! The in-memory output tree: what renderers produce and the emitter writes, and the
//! [`Layout`] that says where in the repository pave may write.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::emit::Comparer;

/// Which (environment, service) a generated file belongs to; used by `--env`/`--service`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Scope {
    pub(crate) env: Option<String>,
    pub(crate) service: Option<String>,
}

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Artifact {
    /// Relative to the repository root, `/`-separated.
    pub(crate) path: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) scope: Scope,
}

/// Where generated files go: the output folder (which also holds the manifest and the
/// journal), the files pave owns outside it, and the paths each target writes to.
/// Every path is relative to the repository root and `/`-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) output: String,
    /// The output folder first, then the other roots in table order, without repeats.
    roots: Vec<String>,
}

impl Layout {
    /// GitHub Actions workflows pave owns: `pave-*.yml` in this folder.
    pub(crate) const GITHUB_WORKFLOWS: &'static str = ".github/workflows";
    /// The GitLab CI file pave owns whole.
    pub(crate) const GITLAB_CI: &'static str = ".gitlab-ci.yml";
    /// The Atlantis repository config pave owns whole.
    pub(crate) const ATLANTIS: &'static str = "atlantis.yaml";

    /// A layout for the output folder `output` and the roots targets declare; the
    /// output folder is always a root.
    pub(crate) fn new(output: &str, roots: impl IntoIterator<Item = String>) -> Layout {
        let mut all = vec![output.to_string()];
        for root in roots {
            if !all.contains(&root) {
                all.push(root);
            }
        }
        Layout {
            output: output.to_string(),
            roots: all,
        }
    }

    /// Every folder or file pave may own; nothing outside them is ever written.
    pub(crate) fn roots(&self) -> &[String] {
        &self.roots
    }

    /// Whether a build may stage `root` whole, in a shadow beside it, when it is
    /// missing: a root that is a folder (not `atlantis.yaml` or `.gitlab-ci.yml`) and
    /// not inside another root (whose shadow would be inside that root).
    pub(crate) fn stages_whole(&self, root: &str) -> bool {
        let file = root != self.output && [Self::ATLANTIS, Self::GITLAB_CI].contains(&root);
        let inside_another = self
            .roots
            .iter()
            .any(|other| root.starts_with(other.as_str()) && root[other.len()..].starts_with('/'));
        self.roots.iter().any(|r| r == root) && !file && !inside_another
    }

    /// A path inside the output folder.
    pub(crate) fn in_output(&self, relative: &str) -> String {
        format!("{}/{relative}", self.output)
    }

    /// `<output>/kubernetes/<env>`: the kustomization of one environment.
    pub(crate) fn kubernetes_dir(&self, env: &str) -> String {
        self.in_output(&format!("kubernetes/{env}"))
    }

    /// `<output>/helm`: the chart and the values files.
    pub(crate) fn helm_dir(&self) -> String {
        self.in_output("helm")
    }

    /// `<output>/terraform`: one folder per environment.
    pub(crate) fn terraform_base(&self) -> String {
        self.in_output("terraform")
    }

    /// `<output>/terraform/<env>`: one Terraform root module (and Atlantis project).
    pub(crate) fn terraform_dir(&self, env: &str) -> String {
        format!("{}/{env}", self.terraform_base())
    }

    /// `<output>/prometheus`: rule files and their unit tests.
    pub(crate) fn prometheus_base(&self) -> String {
        self.in_output("prometheus")
    }

    /// `<output>/prometheus/<env>`.
    pub(crate) fn prometheus_dir(&self, env: &str) -> String {
        format!("{}/{env}", self.prometheus_base())
    }

    /// `<output>/alertmanager/<env>`: the plain Alertmanager configuration.
    pub(crate) fn alertmanager_dir(&self, env: &str) -> String {
        format!("{}/{env}", self.in_output("alertmanager"))
    }

    /// `<output>/gitops/<env>`: what makes a GitOps controller apply one environment.
    pub(crate) fn gitops_dir(&self, env: &str) -> String {
        self.in_output(&format!("gitops/{env}"))
    }

    /// `<output>/catalog`: the developer portal's entities.
    pub(crate) fn catalog_dir(&self) -> String {
        self.in_output("catalog")
    }

    /// `.github/workflows/pave-<name>.yml`.
    pub(crate) fn github_workflow(&self, name: &str) -> String {
        format!("{}/pave-{name}.yml", Self::GITHUB_WORKFLOWS)
    }
}

/// Every generated file, keyed and ordered by path: whole in `files`, or, when the
/// tree on disk was opened before rendering (`build`, `check`, `diff`), handed to the
/// `comparer` as they come, which keeps a hash and what differs.
#[derive(Debug, Default)]
pub(crate) struct OutputTree {
    pub(crate) files: BTreeMap<String, Artifact>,
    /// Where the files may go.
    pub(crate) layout: Layout,
    /// What the files make in each environment, recorded in the manifest.
    pub(crate) inventory: crate::inventory::Inventory,
    /// The tree on disk the files are compared with as they come, if it was opened.
    pub(crate) comparer: Option<Arc<Comparer>>,
}

impl OutputTree {
    /// An empty tree whose files are compared with the tree `comparer` opened.
    pub(crate) fn compared_with(comparer: Option<Arc<Comparer>>) -> OutputTree {
        OutputTree {
            comparer,
            ..OutputTree::default()
        }
    }

    pub(crate) fn insert(&mut self, artifact: Artifact) {
        self.files.insert(artifact.path.clone(), artifact);
    }

    /// Adds one target's files: compared at once when the tree on disk is open, so
    /// their bytes are dropped before the next target renders; kept whole otherwise.
    pub(crate) fn extend(&mut self, artifacts: Vec<Artifact>) {
        match &self.comparer {
            Some(c) => c.settle_all(artifacts),
            None => artifacts.into_iter().for_each(|a| self.insert(a)),
        }
    }
}

/// A value the YAML or HCL writer could not format. Renderers turn it into a
/// diagnostic naming the file; it means a bug in pave, never bad input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WriteError {
    /// `YAML` or `HCL`.
    pub(crate) format: &'static str,
    pub(crate) message: String,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} output: {}", self.format, self.message)
    }
}

impl std::error::Error for WriteError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_folder_roots_outside_other_roots_are_staged_whole() {
        let roots = [
            ".github/workflows",
            "atlantis.yaml",
            ".gitlab-ci.yml",
            "out/ci",
        ];
        let layout = Layout::new("out", roots.map(String::from));
        assert!(layout.stages_whole("out") && layout.stages_whole(".github/workflows"));
        // Files, a root inside another, and paths that are no root.
        for no in [
            "atlantis.yaml",
            ".gitlab-ci.yml",
            "out/ci",
            "outer",
            "..",
            ".github",
        ] {
            assert!(!layout.stages_whole(no), "{no}");
        }
        // An output folder with a file root's name is still the output folder.
        assert!(Layout::new("atlantis.yaml", []).stages_whole("atlantis.yaml"));
    }

    #[test]
    fn the_output_folder_is_the_first_root_and_roots_do_not_repeat() {
        let roots = ["atlantis.yaml", "out", "atlantis.yaml"].map(String::from);
        let layout = Layout::new("out", roots);
        assert_eq!(layout.output, "out");
        assert_eq!(layout.roots(), ["out", "atlantis.yaml"]);
    }

    #[test]
    fn target_paths_are_built_from_the_output_folder() {
        let layout = Layout::new("gen", []);
        assert_eq!(layout.terraform_dir("prod"), "gen/terraform/prod");
        assert_eq!(layout.prometheus_dir("dev"), "gen/prometheus/dev");
        assert_eq!(layout.kubernetes_dir("dev"), "gen/kubernetes/dev");
        assert_eq!(layout.gitops_dir("prod"), "gen/gitops/prod");
        assert_eq!(layout.catalog_dir(), "gen/catalog");
        assert_eq!(layout.helm_dir(), "gen/helm");
        assert_eq!(
            layout.github_workflow("check"),
            ".github/workflows/pave-check.yml"
        );
    }
}
