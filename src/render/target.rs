//! The table of output targets: for each, when it is enabled, which roots it owns and
//! which renderer writes it. `render::render` loops over [`Target::ALL`]; CI asks the
//! same table which checks are worth a job. A new target is one renderer module and
//! one variant here (with its arm in each `match`, which the compiler enforces).

use super::{
    RenderCx, TargetOutput, alertmanager, catalog, ci, gitops, helm, kubernetes, prometheus,
    terraform,
};
use crate::diag::Diagnostic;
use crate::output::Layout;
use crate::resolve::{CiProvider, Model};

/// One kind of generated output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// `<output>/kubernetes/<env>/`: manifests and a kustomization per environment.
    Kubernetes,
    /// `<output>/helm/`: the shared chart and values that reproduce the manifests.
    Helm,
    /// `<output>/terraform/<env>/`: module needs, secrets and IAM roles.
    Terraform,
    /// `atlantis.yaml`: one project per Terraform environment folder.
    Atlantis,
    /// `<output>/prometheus/<env>/`: plain rule files and their `promtool` tests.
    Prometheus,
    /// `<output>/alertmanager/<env>/alertmanager.yml`: routes to teams, for
    /// Alertmanager without the Prometheus Operator.
    Alertmanager,
    /// `.github/workflows/pave-*.yml`.
    GithubActions,
    /// `.gitlab-ci.yml`.
    GitlabCi,
    /// `<output>/gitops/<env>/`: an Argo CD Application or Flux objects applying
    /// `kubernetes/<env>/` from git.
    Gitops,
    /// `<output>/catalog/`: Backstage entities of the services.
    Catalog,
}

/// Everything that decides which targets run, read once from the resolved platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Switches {
    pub(crate) kubernetes: bool,
    pub(crate) helm: bool,
    /// `Some(atlantis)` when `targets.terraform` is on.
    pub(crate) terraform: Option<bool>,
    /// Whether any service has a module need (Terraform has nothing to say otherwise).
    pub(crate) module_needs: bool,
    pub(crate) observability: bool,
    /// `monitoring.routing: alertmanager`.
    pub(crate) alertmanager: bool,
    pub(crate) ci: CiProvider,
    /// `targets.gitops` is written.
    pub(crate) gitops: bool,
    /// `targets.catalog` is written.
    pub(crate) catalog: bool,
}

impl Switches {
    pub(crate) fn of(model: &Model) -> Switches {
        let targets = &model.platform.targets;
        Switches {
            kubernetes: targets.kubernetes,
            helm: targets.helm,
            terraform: targets.terraform.as_ref().map(|t| t.atlantis),
            module_needs: model.services.iter().any(|s| !s.module_needs.is_empty()),
            observability: model.platform.observability.enabled,
            alertmanager: model.platform.monitoring.routing
                == crate::resolve::Routing::Alertmanager,
            ci: targets.ci.provider,
            gitops: targets.gitops.is_some(),
            catalog: targets.catalog.is_some(),
        }
    }
}

impl Target {
    /// Every target, in render order: Helm reads what Kubernetes rendered before it.
    /// The order of their roots is the order of [`Layout::roots`].
    pub(crate) const ALL: [Target; 10] = [
        Target::Kubernetes,
        Target::Helm,
        Target::Terraform,
        Target::Atlantis,
        Target::Prometheus,
        Target::Alertmanager,
        Target::GithubActions,
        Target::GitlabCi,
        Target::Gitops,
        Target::Catalog,
    ];

    /// Whether the target makes or reads the typed Kubernetes objects; they are kept
    /// until the last such target has rendered (the table lists them first).
    pub(crate) fn reads_objects(self) -> bool {
        matches!(self, Target::Kubernetes | Target::Helm)
    }

    /// Whether the platform asks for this target's output.
    pub(crate) fn enabled(self, on: &Switches) -> bool {
        match self {
            Target::Kubernetes => on.kubernetes,
            // The values are read off the Kubernetes objects.
            Target::Helm => on.helm && on.kubernetes,
            Target::Terraform => on.terraform.is_some() && on.module_needs,
            Target::Atlantis => on.terraform == Some(true) && on.module_needs,
            Target::Prometheus => on.observability,
            // It routes the Prometheus target's alerts.
            Target::Alertmanager => on.alertmanager && on.observability,
            Target::GithubActions => on.ci == CiProvider::Github,
            Target::GitlabCi => on.ci == CiProvider::Gitlab,
            // It delivers the Kubernetes target's folders.
            Target::Gitops => on.gitops && on.kubernetes,
            Target::Catalog => on.catalog,
        }
    }

    /// The folder or file this target writes under. Roots are owned whether or not
    /// the target is enabled, so that turning it off prunes what it wrote before.
    pub(crate) fn root(self, output: &str) -> String {
        match self {
            Target::Kubernetes
            | Target::Helm
            | Target::Terraform
            | Target::Prometheus
            | Target::Alertmanager
            | Target::Gitops
            | Target::Catalog => output.to_string(),
            Target::Atlantis => Layout::ATLANTIS.to_string(),
            Target::GithubActions => Layout::GITHUB_WORKFLOWS.to_string(),
            Target::GitlabCi => Layout::GITLAB_CI.to_string(),
        }
    }

    /// The layout of a platform whose output folder is `output`: every target's root.
    pub(crate) fn layout(output: &str) -> Layout {
        Layout::new(output, Target::ALL.iter().map(|t| t.root(output)))
    }

    /// Renders this target's files (and, for Kubernetes, the objects policies check).
    pub(crate) fn render(self, cx: &RenderCx) -> Result<TargetOutput, Diagnostic> {
        match self {
            Target::Kubernetes => kubernetes::render(cx),
            Target::Helm => helm::render(cx).map(TargetOutput::files),
            Target::Terraform => terraform::render(cx),
            Target::Atlantis => terraform::atlantis(cx).map(|a| TargetOutput::files(vec![a])),
            Target::Prometheus => prometheus::render(cx).map(TargetOutput::files),
            Target::Alertmanager => alertmanager::render(cx).map(TargetOutput::files),
            Target::GithubActions => ci::github::render(cx).map(TargetOutput::files),
            Target::GitlabCi => ci::gitlab::render(cx).map(TargetOutput::files),
            Target::Gitops => gitops::render(cx).map(TargetOutput::files),
            Target::Catalog => catalog::render(cx).map(TargetOutput::files),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn everything_off() -> Switches {
        Switches {
            kubernetes: false,
            helm: false,
            terraform: None,
            module_needs: false,
            observability: false,
            alertmanager: false,
            ci: CiProvider::None,
            gitops: false,
            catalog: false,
        }
    }

    fn enabled(on: &Switches) -> Vec<Target> {
        Target::ALL.into_iter().filter(|t| t.enabled(on)).collect()
    }

    /// Each row: the switches turned on (over everything off) and the targets enabled.
    #[test]
    fn the_enablement_table() {
        use Target::*;
        let off = everything_off();
        let rows: [(Switches, &[Target]); 14] = [
            (off, &[]),
            // Helm reads the Kubernetes objects: alone it renders nothing.
            (Switches { helm: true, ..off }, &[]),
            (
                Switches {
                    helm: true,
                    kubernetes: true,
                    ..off
                },
                &[Kubernetes, Helm],
            ),
            // Terraform and Atlantis have nothing to say without a module need.
            (
                Switches {
                    terraform: Some(true),
                    ..off
                },
                &[],
            ),
            (
                Switches {
                    terraform: Some(true),
                    module_needs: true,
                    ..off
                },
                &[Terraform, Atlantis],
            ),
            (
                Switches {
                    terraform: Some(false),
                    module_needs: true,
                    ..off
                },
                &[Terraform],
            ),
            (
                Switches {
                    observability: true,
                    ..off
                },
                &[Prometheus],
            ),
            // Routing without rules has nothing to route.
            (
                Switches {
                    alertmanager: true,
                    ..off
                },
                &[],
            ),
            (
                Switches {
                    alertmanager: true,
                    observability: true,
                    ..off
                },
                &[Prometheus, Alertmanager],
            ),
            (
                Switches {
                    ci: CiProvider::Github,
                    ..off
                },
                &[GithubActions],
            ),
            (
                Switches {
                    ci: CiProvider::Gitlab,
                    ..off
                },
                &[GitlabCi],
            ),
            // GitOps delivers the Kubernetes folders: alone it renders nothing.
            (
                Switches {
                    gitops: true,
                    ..off
                },
                &[],
            ),
            (
                Switches {
                    gitops: true,
                    kubernetes: true,
                    ..off
                },
                &[Kubernetes, Gitops],
            ),
            (
                Switches {
                    catalog: true,
                    ..off
                },
                &[Catalog],
            ),
        ];
        for (on, expected) in rows {
            assert_eq!(enabled(&on), expected, "{on:?}");
        }
    }

    #[test]
    fn the_layout_owns_every_target_root_output_first() {
        let layout = Target::layout("generated");
        assert_eq!(
            layout.roots(),
            [
                "generated",
                "atlantis.yaml",
                ".github/workflows",
                ".gitlab-ci.yml"
            ]
        );
    }
}
