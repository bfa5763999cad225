//! What the CI jobs need of the services and environments, checked once every service
//! is resolved: an image for each GitLab test job (E0225), and an OIDC role for each
//! environment whose Terraform CI plans and applies (E0226).

use std::collections::BTreeSet;

use super::messages;
use super::resolved::{CiProvider, Platform, ResolvedService};
use crate::diag::Diagnostic;
use crate::load::{Document, pointer_push};

pub(super) fn check_ci_jobs(
    platform: &Platform,
    pdoc: &Document,
    services: &[ResolvedService],
    diags: &mut Vec<Diagnostic>,
) {
    if platform.targets.ci.provider == CiProvider::Gitlab {
        check_test_images(services, diags);
    }
    check_terraform_roles(platform, pdoc, services, diags);
}

/// GitLab runs every job in an image: a test command needs `build.image`. Reported
/// once per service, at its `build` block.
fn check_test_images(services: &[ResolvedService], diags: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    for s in services {
        let Some(build) = &s.build else { continue };
        if build.test.is_none() || build.image.is_some() || !seen.insert(s.name.as_str()) {
            continue;
        }
        if let Some(span) = s.provenance.get("/build").and_then(|o| o.span) {
            diags.push(messages::test_without_image(span, &s.name));
        }
    }
}

/// Whether CI plans and applies Terraform: Terraform is on, Atlantis is off, a CI
/// provider is set and some service needs infrastructure.
pub(crate) fn ci_runs_terraform(platform: &Platform, services: &[ResolvedService]) -> bool {
    let on = platform
        .targets
        .terraform
        .as_ref()
        .is_some_and(|t| !t.atlantis);
    on && platform.targets.ci.provider != CiProvider::None
        && services.iter().any(|s| !s.module_needs.is_empty())
}

/// Every environment CI plans and applies needs a role to assume (stored keys are not
/// an option): `environments.<env>.ci_role` or `targets.ci.aws_role`.
fn check_terraform_roles(
    platform: &Platform,
    pdoc: &Document,
    services: &[ResolvedService],
    diags: &mut Vec<Diagnostic>,
) {
    if !ci_runs_terraform(platform, services) {
        return;
    }
    for env in &platform.environments {
        if platform.ci_role(env).is_none() {
            let at = pdoc.key_span(&pointer_push("/environments", &env.name));
            diags.push(messages::terraform_without_role(at, &env.name));
        }
    }
}
