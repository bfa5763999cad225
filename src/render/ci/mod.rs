//! The CI target: the pipeline that checks the generated tree, builds each service's
//! image and checks the Terraform and Prometheus output, for GitHub Actions
//! (`.github/workflows/pave-*.yml`) or GitLab CI (`.gitlab-ci.yml`).
//!
//! Third-party actions are pinned by commit SHA and images by digest, in one table
//! (`pins.rs`).

pub(crate) mod github;
mod github_terraform;
pub(crate) mod gitlab;
mod gitlab_file;
mod pins;
pub(crate) mod terraform;
mod workflow;

use super::target::Target;
use super::{RenderCx, yaml_file};
use crate::diag::Diagnostic;
use crate::output::{Artifact, Scope};
use crate::resolve::{Model, ResolvedService};

/// A CI file of the whole repository: in no environment and no service, so part of
/// every `--env`/`--service` narrowing.
fn ci_file<T: serde::Serialize>(path: String, value: &T) -> Result<Artifact, Diagnostic> {
    yaml_file(path, Scope::default(), value)
}

/// The CI file that builds one service (`pave-build-<service>.yml`): in no
/// environment, and in that service's part of the tree.
fn service_ci_file<T: serde::Serialize>(
    path: String,
    service: &str,
    value: &T,
) -> Result<Artifact, Diagnostic> {
    let scope = Scope {
        env: None,
        service: Some(service.to_string()),
    };
    yaml_file(path, scope, value)
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
    crate::resolve::push_repository(&model.platform.targets.ci, &s.name, &s.image)
}

/// Whether Terraform and Prometheus output exist, so their checks are worth a job.
/// Terraform checks run in CI only when Atlantis does not plan the folders.
fn checks(cx: &RenderCx) -> (bool, bool) {
    let on = &cx.switches;
    let terraform = Target::Terraform.enabled(on) && !Target::Atlantis.enabled(on);
    let prometheus =
        Target::Prometheus.enabled(on) && cx.model.services.iter().any(crate::observe::has_rules);
    (terraform, prometheus)
}

/// Whether a service has generated unit tests (SLO or cron alerts), so `promtool test
/// rules` has tests.
fn has_slo_tests(model: &Model) -> bool {
    model
        .services
        .iter()
        .any(crate::observe::may_have_unit_tests)
}
