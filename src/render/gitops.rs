//! The GitOps target: what makes a controller in each environment's cluster apply
//! `<output>/kubernetes/<env>/` from git, written to `<output>/gitops/<env>/` with a
//! kustomization listing it (`kubectl apply -k <output>/gitops/<env>` once per cluster
//! bootstraps delivery).
//!
//! - Argo CD: one `Application` per environment, whose source is the environment's
//!   kustomization (its namespaces and every service), so one sync applies the
//!   namespaces with the workloads in them. Automated sync with prune and self-heal;
//!   server-side apply. The destination is `environments.<env>.argocd_cluster` (a
//!   server URL or a cluster registered in Argo CD), else the cluster Argo CD runs in.
//! - Flux: a `GitRepository` (the branch) and a `Kustomization` (the environment's
//!   folder, pruned), in `flux-system`.
//!
//! A protected environment deploys when a person says so (unless
//! `targets.gitops.protected: auto`): Argo CD without automated sync (a person syncs),
//! Flux with the Kustomization suspended (`flux resume` applies the branch).

use serde::Serialize;

use super::kubernetes::objects::{Kustomization, Labels, Metadata, Object, Spec};
use super::{RenderCx, yaml_file};
use crate::diag::Diagnostic;
use crate::output::{Artifact, Scope};
use crate::resolve::{Environment, Gitops, GitopsEngine, Platform};

/// The namespace Argo CD's install manifests create and watch for Applications.
const ARGOCD_NAMESPACE: &str = "argocd";
/// The in-cluster destination Argo CD registers itself.
const ARGOCD_IN_CLUSTER: &str = "https://kubernetes.default.svc";
/// The namespace `flux bootstrap` installs the controllers into.
const FLUX_NAMESPACE: &str = "flux-system";
/// How often Flux fetches the branch, and re-applies the folder (drift correction).
const FLUX_SOURCE_INTERVAL: &str = "1m";
const FLUX_APPLY_INTERVAL: &str = "10m";

pub(crate) fn render(cx: &RenderCx) -> Result<Vec<Artifact>, Diagnostic> {
    let platform = &cx.model.platform;
    let Some(gitops) = &platform.targets.gitops else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for env in &platform.environments {
        let dir = cx.layout.gitops_dir(&env.name);
        let source = gitops.repo_path(&cx.layout.kubernetes_dir(&env.name));
        let files = match gitops.engine {
            GitopsEngine::ArgoCd => argocd(platform, gitops, env, &dir, &source)?,
            GitopsEngine::Flux => flux(platform, gitops, env, &dir, &source)?,
        };
        out.extend(files);
    }
    Ok(out)
}

fn scope(env: &Environment) -> Scope {
    Scope {
        env: Some(env.name.clone()),
        service: None,
    }
}

fn metadata(platform: &Platform, env: &Environment, name: String, namespace: &str) -> Metadata {
    Metadata {
        name,
        namespace: Some(namespace.to_string()),
        labels: Labels::from([
            ("app.kubernetes.io/managed-by".into(), "pave".into()),
            ("app.kubernetes.io/part-of".into(), platform.name.clone()),
            ("pave/environment".into(), env.name.clone()),
        ]),
        ..Metadata::default()
    }
}

/// `kustomization.yaml` listing the folder's files, so one `kubectl apply -k` installs them.
fn kustomization(dir: &str, env: &Environment, files: &[&str]) -> Result<Artifact, Diagnostic> {
    let k = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: files.to_vec(),
    };
    yaml_file(format!("{dir}/kustomization.yaml"), scope(env), &k)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationSpec {
    project: &'static str,
    source: ApplicationSource,
    destination: Destination,
    sync_policy: SyncPolicy,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationSource {
    #[serde(rename = "repoURL")]
    repo_url: String,
    target_revision: String,
    path: String,
}

/// Exactly one of `server` and `name`.
#[derive(Serialize)]
struct Destination {
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SyncPolicy {
    /// Absent: Argo CD reports drift and waits for a person to sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    automated: Option<Automated>,
    sync_options: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Automated {
    prune: bool,
    self_heal: bool,
}

/// `argocd_cluster` as Argo CD's destination: a URL is a server, anything else the name
/// of a registered cluster.
fn destination(env: &Environment) -> Destination {
    match env.argocd_cluster.as_deref() {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => Destination {
            server: Some(url.to_string()),
            name: None,
        },
        Some(name) => Destination {
            server: None,
            name: Some(name.to_string()),
        },
        None => Destination {
            server: Some(ARGOCD_IN_CLUSTER.into()),
            name: None,
        },
    }
}

fn argocd(
    platform: &Platform,
    gitops: &Gitops,
    env: &Environment,
    dir: &str,
    source: &str,
) -> Result<Vec<Artifact>, Diagnostic> {
    let name = Gitops::object_name(&platform.name, &env.name);
    let app = Object {
        api_version: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: metadata(platform, env, name, ARGOCD_NAMESPACE),
        body: Spec {
            spec: ApplicationSpec {
                project: "default",
                source: ApplicationSource {
                    repo_url: gitops.repo.clone(),
                    target_revision: gitops.revision.clone(),
                    path: source.to_string(),
                },
                destination: destination(env),
                sync_policy: SyncPolicy {
                    automated: (!gitops.waits_for_person(env)).then_some(Automated {
                        prune: true,
                        self_heal: true,
                    }),
                    // The namespaces are objects of the kustomization, so Argo CD must not
                    // create them; server-side apply leaves fields other managers own.
                    sync_options: vec!["ServerSideApply=true", "CreateNamespace=false"],
                },
            },
        },
    };
    Ok(vec![
        yaml_file(format!("{dir}/application.yaml"), scope(env), &app)?,
        kustomization(dir, env, &["application.yaml"])?,
    ])
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GitRepositorySpec {
    interval: &'static str,
    url: String,
    #[serde(rename = "ref")]
    reference: GitRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_ref: Option<SecretRef>,
}

#[derive(Serialize)]
struct SecretRef {
    name: String,
}

#[derive(Serialize)]
struct GitRef {
    branch: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KustomizationSpec {
    interval: &'static str,
    path: String,
    prune: bool,
    source_ref: SourceRef,
    /// Written only when true: a suspended Kustomization applies nothing until resumed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    suspend: bool,
}

#[derive(Serialize)]
struct SourceRef {
    kind: &'static str,
    name: String,
}

fn flux(
    platform: &Platform,
    gitops: &Gitops,
    env: &Environment,
    dir: &str,
    source: &str,
) -> Result<Vec<Artifact>, Diagnostic> {
    let repository = Object {
        api_version: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: metadata(platform, env, platform.name.clone(), FLUX_NAMESPACE),
        body: Spec {
            spec: GitRepositorySpec {
                interval: FLUX_SOURCE_INTERVAL,
                url: gitops.repo.clone(),
                reference: GitRef {
                    branch: gitops.revision.clone(),
                },
                secret_ref: gitops.secret.clone().map(|name| SecretRef { name }),
            },
        },
    };
    let name = Gitops::object_name(&platform.name, &env.name);
    let sync = Object {
        api_version: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: metadata(platform, env, name, FLUX_NAMESPACE),
        body: Spec {
            spec: KustomizationSpec {
                interval: FLUX_APPLY_INTERVAL,
                // Flux reads paths relative to the repository root, written `./...`.
                path: format!("./{source}"),
                prune: true,
                source_ref: SourceRef {
                    kind: "GitRepository",
                    name: platform.name.clone(),
                },
                suspend: gitops.waits_for_person(env),
            },
        },
    };
    let files = ["gitrepository.yaml", "flux-kustomization.yaml"];
    Ok(vec![
        yaml_file(format!("{dir}/{}", files[0]), scope(env), &repository)?,
        yaml_file(format!("{dir}/{}", files[1]), scope(env), &sync)?,
        kustomization(dir, env, &files)?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(protected: bool, argocd_cluster: Option<&str>) -> Environment {
        Environment {
            name: "prod".into(),
            cluster: Some("prod-eu1".into()),
            domain: None,
            cloud: None,
            region: None,
            account: None,
            assume_role: None,
            eks_cluster: None,
            protected,
            ci_role: None,
            network: None,
            argocd_cluster: argocd_cluster.map(String::from),
            keda_operator: "keda/keda-operator".into(),
            pods: Default::default(),
        }
    }

    fn gitops(manual_protected: bool) -> Gitops {
        Gitops {
            engine: GitopsEngine::ArgoCd,
            repo: "https://git.example/acme/platform.git".into(),
            revision: "main".into(),
            path_prefix: Some("deploy".into()),
            secret: None,
            manual_protected,
        }
    }

    #[test]
    fn the_destination_is_a_server_url_a_registered_name_or_in_cluster() {
        let url = destination(&env(false, Some("https://10.0.0.1:6443")));
        assert_eq!(url.server.as_deref(), Some("https://10.0.0.1:6443"));
        assert!(url.name.is_none());
        let named = destination(&env(false, Some("prod-eu1")));
        assert_eq!(named.name.as_deref(), Some("prod-eu1"));
        assert!(named.server.is_none());
        let default = destination(&env(false, None));
        assert_eq!(default.server.as_deref(), Some(ARGOCD_IN_CLUSTER));
    }

    #[test]
    fn only_protected_environments_wait_unless_the_platform_says_auto() {
        assert!(gitops(true).waits_for_person(&env(true, None)));
        assert!(!gitops(true).waits_for_person(&env(false, None)));
        assert!(!gitops(false).waits_for_person(&env(true, None)));
    }

    #[test]
    fn the_source_path_is_under_the_prefix() {
        assert_eq!(
            gitops(true).repo_path("generated/kubernetes/prod"),
            "deploy/generated/kubernetes/prod"
        );
    }
}
