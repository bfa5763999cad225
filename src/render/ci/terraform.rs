//! Terraform in CI without Atlantis, for both providers: which environments are
//! planned and applied, in which order, with which role, and the commands each job
//! runs. The GitHub workflow (`github_terraform`) and the GitLab jobs (`gitlab`)
//! are two spellings of this one flow:
//!
//! - merge/pull request: per changed environment, `fmt -check`, `init`, `validate`,
//!   `plan -out`, the plan shown to reviewers;
//! - default branch: the same plan, uploaded with `.terraform.lock.hcl`, then `apply`
//!   of exactly that saved plan, one environment after the other in promotion order,
//!   protected environments behind an approval.
//!
//! Credentials come from OIDC (an IAM role per environment), never from stored keys.

use crate::render::RenderCx;

/// The Terraform release CI runs: the same on both providers, so a plan made in one
/// job is applied by the same version in the next (GitLab's image, `pins::TERRAFORM_IMAGE`,
/// has this tag).
pub(crate) const TERRAFORM_VERSION: &str = "1.15.8";

/// The saved plan each plan job writes and the apply job applies.
pub(crate) const PLAN_FILE: &str = "tfplan";

/// The provider lock file `init` writes: applied with the plan so `apply` installs the
/// very provider builds the plan was made with.
pub(crate) const LOCK_FILE: &str = ".terraform.lock.hcl";

/// One environment as CI plans and applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TerraformEnv {
    pub(crate) name: String,
    /// The environment's Terraform folder, relative to the repository root.
    pub(crate) dir: String,
    /// The IAM role assumed by OIDC; resolve reports an environment without one.
    pub(crate) role: String,
    /// The AWS region of the environment (for the AWS CLI and SDK defaults).
    pub(crate) region: String,
    /// Applies wait for a person's approval.
    pub(crate) protected: bool,
    /// The environment applied just before this one, if any.
    pub(crate) previous: Option<String>,
}

/// The environments CI plans and applies, in promotion order.
pub(crate) fn environments(cx: &RenderCx) -> Vec<TerraformEnv> {
    let platform = &cx.model.platform;
    let mut previous: Option<String> = None;
    let mut out = Vec::new();
    for env in &platform.environments {
        out.push(TerraformEnv {
            name: env.name.clone(),
            dir: cx.layout.terraform_dir(&env.name),
            role: platform.ci_role(env).unwrap_or_default().to_string(),
            region: env.region.clone().unwrap_or_default(),
            protected: env.protected,
            previous: previous.replace(env.name.clone()),
        });
    }
    out
}

/// The commands that check a folder and save its plan, run inside the folder.
pub(crate) fn plan_commands() -> Vec<String> {
    vec![
        "terraform fmt -check -diff".into(),
        "terraform init -input=false".into(),
        "terraform validate".into(),
        format!("terraform plan -input=false -lock-timeout=5m -out={PLAN_FILE}"),
    ]
}

/// The commands that apply the saved plan: `init` reads the plan job's lock file, so
/// the same provider builds are installed (their checksums are in it).
pub(crate) fn apply_commands() -> Vec<String> {
    vec![
        "terraform init -input=false".into(),
        format!("terraform apply -input=false -lock-timeout=5m {PLAN_FILE}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::ci::pins::TERRAFORM_IMAGE;

    #[test]
    fn apply_runs_the_saved_plan_and_nothing_else() {
        let apply = apply_commands();
        assert_eq!(
            apply.last().unwrap(),
            "terraform apply -input=false -lock-timeout=5m tfplan"
        );
        assert!(apply.iter().all(|c| !c.contains("-auto-approve")));
        assert!(plan_commands().iter().any(|c| c.ends_with("-out=tfplan")));
    }

    #[test]
    fn the_image_is_the_pinned_version() {
        assert!(
            TERRAFORM_IMAGE
                .starts_with(&format!("hashicorp/terraform:{TERRAFORM_VERSION}@sha256:"))
        );
    }
}
