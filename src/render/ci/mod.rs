//! The CI target: the pipeline that checks the generated tree, builds each service's
//! image and checks the Terraform and Prometheus output, for GitHub Actions
//! (`.github/workflows/pave-*.yml`) or GitLab CI (`.gitlab-ci.yml`).
//!
//! Third-party actions and images are pinned to full versions; `README.md` says how
//! to pin actions by commit SHA instead.

mod github;
mod gitlab;

use crate::output::{Artifact, Scope};
use crate::resolve::{CiProvider, Model, ResolvedService};
use crate::yaml_writer::to_yaml;

/// The pave version CI installs: the one that wrote the tree.
const PAVE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Files pave may own for CI, whatever the provider, so that switching prunes them.
pub const ROOTS: [&str; 2] = [".github/workflows", ".gitlab-ci.yml"];

pub fn render(model: &Model) -> Vec<Artifact> {
    let files = match model.platform.targets.ci.provider {
        CiProvider::Github => github::render(model),
        CiProvider::Gitlab => gitlab::render(model),
        CiProvider::None => Vec::new(),
    };
    files
        .into_iter()
        .map(|(path, value)| Artifact {
            path,
            bytes: to_yaml(&value).into_bytes(),
            scope: Scope::default(),
        })
        .collect()
}

/// One service per name with its build settings (services are resolved per environment).
fn built_services(model: &Model) -> Vec<&ResolvedService> {
    let mut seen = std::collections::BTreeMap::new();
    for s in &model.services {
        if s.build.is_some() {
            seen.entry(s.name.as_str()).or_insert(s);
        }
    }
    seen.into_values().collect()
}

/// Where CI pushes a service's image: `targets.ci.registry/<service>`, else the
/// repository of the service's image.
fn image_repository(model: &Model, s: &ResolvedService) -> String {
    match &model.platform.targets.ci.registry {
        Some(registry) => format!("{}/{}", registry.trim_end_matches('/'), s.name),
        None => {
            let without_digest = s.image.split('@').next().unwrap_or(&s.image);
            let last = without_digest.rfind('/').map_or(0, |i| i + 1);
            match without_digest[last..].find(':') {
                Some(colon) => without_digest[..last + colon].to_string(),
                None => without_digest.to_string(),
            }
        }
    }
}

/// Whether Terraform and Prometheus output exist, so their checks are worth a job.
fn checks(model: &Model) -> (bool, bool) {
    let terraform = model
        .platform
        .targets
        .terraform
        .as_ref()
        .is_some_and(|t| !t.atlantis)
        && model.services.iter().any(|s| !s.module_needs.is_empty());
    let prometheus =
        model.platform.observability.enabled && model.services.iter().any(|s| s.metrics.is_some());
    (terraform, prometheus)
}
