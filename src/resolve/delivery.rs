//! `targets.gitops` and `targets.catalog`: how the tree reaches the clusters and the
//! developer portal. The schema checks every field (engine, repository URL, owner);
//! this module fills in pave's defaults and checks what depends on other files: a
//! catalog entity name that grows past Backstage's limit (E0610), a setting the chosen
//! engine does not read (E0611), an `ssh://` repository Flux has no key for (E0612).

use super::ServiceInput;
use super::messages;
use super::resolved::{Catalog, Gitops, GitopsEngine, Platform, ResolvedService};
use crate::diag::Diagnostic;
use crate::document::pointer_push;
use crate::load::Document;
use crate::model::platform::{
    CatalogFile, GitopsEngineName, GitopsFile, PortalName, ProtectedSyncName,
};

/// The branch a GitOps controller follows unless `revision` says otherwise.
const DEFAULT_REVISION: &str = "main";

/// Every component's lifecycle unless `targets.catalog.lifecycle` says otherwise.
const DEFAULT_LIFECYCLE: &str = "production";

pub(super) fn gitops(file: &GitopsFile) -> Gitops {
    Gitops {
        engine: match file.engine {
            GitopsEngineName::Argocd => GitopsEngine::ArgoCd,
            GitopsEngineName::Flux => GitopsEngine::Flux,
        },
        repo: file.repo.clone(),
        revision: file
            .revision
            .clone()
            .unwrap_or_else(|| DEFAULT_REVISION.into()),
        path_prefix: file.path_prefix.clone(),
        secret: file.secret.clone(),
        // A protected environment deploys when a person says so, unless told otherwise.
        manual_protected: file.protected != Some(ProtectedSyncName::Auto),
    }
}

pub(super) fn catalog(file: &CatalogFile) -> Catalog {
    // Backstage is the one portal; a second one would be a new variant here.
    let PortalName::Backstage = file.portal;
    Catalog {
        owner: file.owner.clone(),
        lifecycle: file
            .lifecycle
            .clone()
            .unwrap_or_else(|| DEFAULT_LIFECYCLE.into()),
    }
}

/// The catalog's Resource entity of a module need: `<service>-<need>`.
pub(crate) fn catalog_resource_name(service: &str, need: &str) -> String {
    format!("{service}-{need}")
}

/// E0611 for a setting the chosen engine does not read (`argocd_cluster` without Argo
/// CD, `secret` with it); E0612 for an `ssh://` repository Flux has no key for.
pub(super) fn check_gitops(platform: &Platform, pdoc: &Document) -> Vec<Diagnostic> {
    let gitops = platform.targets.gitops.as_ref();
    let engine = gitops.map(|g| g.engine);
    let mut diags = Vec::new();
    if engine != Some(GitopsEngine::ArgoCd) {
        let engine = engine.map(|_| "flux");
        for e in platform
            .environments
            .iter()
            .filter(|e| e.argocd_cluster.is_some())
        {
            let pointer = pointer_push(&pointer_push("/environments", &e.name), "argocd_cluster");
            let at = pdoc.key_span(&pointer);
            diags.push(messages::gitops_setting_unused(
                at,
                "argocd_cluster",
                engine,
            ));
        }
    }
    let Some(gitops) = gitops else {
        return diags;
    };
    match gitops.engine {
        GitopsEngine::ArgoCd if gitops.secret.is_some() => {
            let at = pdoc.key_span("/targets/gitops/secret");
            diags.push(messages::gitops_setting_unused(
                at,
                "secret",
                Some("argocd"),
            ));
        }
        GitopsEngine::Flux if gitops.secret.is_none() && gitops.repo.starts_with("ssh://") => {
            diags.push(messages::flux_ssh_without_secret(
                pdoc.span("/targets/gitops/repo"),
            ));
        }
        _ => {}
    }
    diags
}

/// E0610: a module need whose Resource entity name (`<service>-<need>`) Backstage
/// would reject, once per service and need, at the need in the service file.
pub(super) fn check_catalog_names(
    platform: &Platform,
    services: &[ServiceInput],
    resolved: &[ResolvedService],
    diags: &mut Vec<Diagnostic>,
) {
    if platform.targets.catalog.is_none() {
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in resolved {
        for need in &s.module_needs {
            let name = catalog_resource_name(&s.name, &need.name);
            if name.len() <= messages::CATALOG_NAME_MAX || !seen.insert(name.clone()) {
                continue;
            }
            let Some(input) = services.iter().find(|i| i.name == s.name) else {
                continue;
            };
            let at = need_span(input.doc, &s.env, &need.name);
            diags.push(messages::catalog_name_too_long(
                at, &s.name, &need.name, &name,
            ));
        }
    }
}

/// The need's key in the service file: top level, else in the environment's block.
fn need_span(doc: &Document, env: &str, need: &str) -> crate::source::Span {
    let top = pointer_push("/needs", need);
    if doc.index.get(&top).is_some() {
        return doc.key_span(&top);
    }
    let in_env = pointer_push(
        &pointer_push(&pointer_push("/environments", env), "needs"),
        need,
    );
    doc.key_span(&in_env)
}
