//! The one table of third-party actions and images pave's CI files use, each pinned
//! by full commit SHA (actions) or digest (images), with the release it is.
//!
//! To bump one: look up the release's tag, take the commit it points to
//! (`git ls-remote --tags https://github.com/OWNER/REPO 'vX.Y.Z*'`, the `^{}` line
//! for an annotated tag), check `runs.using` in that commit's `action.yml`, and change
//! the row here; the goldens then show every workflow that moves.

use serde::Serialize;

/// A GitHub action at one commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Action {
    pub(crate) repo: &'static str,
    /// The full 40-hex commit SHA the release tag points to.
    pub(crate) sha: &'static str,
    /// The release tag, written as a comment after the SHA.
    pub(crate) version: &'static str,
}

impl Serialize for Action {
    /// `OWNER/REPO@<sha> # <version>`: a tag can be moved, a commit cannot, and the
    /// comment keeps the version readable (and lets Dependabot/Renovate bump it).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let reference = format!("{}@{}", self.repo, self.sha);
        crate::yaml_writer::Commented(reference, self.version.to_string()).serialize(s)
    }
}

// All node24 (Node 20 leaves the hosted runners in September 2026).
pub(crate) const CHECKOUT: Action = Action {
    repo: "actions/checkout",
    sha: "3d3c42e5aac5ba805825da76410c181273ba90b1",
    version: "v7.0.1",
};
pub(crate) const CACHE: Action = Action {
    repo: "actions/cache",
    sha: "27d5ce7f107fe9357f9df03efb73ab90386fccae",
    version: "v5.0.5",
};
pub(crate) const SETUP_BUILDX: Action = Action {
    repo: "docker/setup-buildx-action",
    sha: "37fe631027851001ddb9b187196cc803df7f5f0e",
    version: "v4.3.0",
};
pub(crate) const LOGIN: Action = Action {
    repo: "docker/login-action",
    sha: "4907a6ddec9925e35a0a9e82d7399ccc52663121",
    version: "v4.1.0",
};
pub(crate) const BUILD_PUSH: Action = Action {
    repo: "docker/build-push-action",
    sha: "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a",
    version: "v7.3.0",
};
pub(crate) const AWS_CREDENTIALS: Action = Action {
    repo: "aws-actions/configure-aws-credentials",
    sha: "e6de054238d6b7531b4efff3b6587d9aade6a06c",
    version: "v6.2.3",
};
pub(crate) const ECR_LOGIN: Action = Action {
    repo: "aws-actions/amazon-ecr-login",
    sha: "03f1aad4c6c7ffd436567f42f9384779290529bd",
    version: "v2.1.7",
};
pub(crate) const PATHS_FILTER: Action = Action {
    repo: "dorny/paths-filter",
    sha: "7b450fff21473bca461d4b92ce414b9d0420d706",
    version: "v4.0.2",
};
pub(crate) const SETUP_TERRAFORM: Action = Action {
    repo: "hashicorp/setup-terraform",
    sha: "dfe3c3f87815947d99a8997f908cb6525fc44e9e",
    version: "v4.0.1",
};
// The Terraform plan/apply workflow (`github_terraform`).
pub(crate) const UPLOAD_ARTIFACT: Action = Action {
    repo: "actions/upload-artifact",
    sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
    version: "v7.0.0",
};
pub(crate) const DOWNLOAD_ARTIFACT: Action = Action {
    repo: "actions/download-artifact",
    sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
    version: "v8.0.1",
};
pub(crate) const GITHUB_SCRIPT: Action = Action {
    repo: "actions/github-script",
    sha: "ed597411d8f924073f98dfc5c65a23a2325f34cd",
    version: "v8.0.0",
};

/// Every action above, for the tests that check the table.
#[cfg(test)]
pub(crate) const ALL: [Action; 12] = [
    CHECKOUT,
    CACHE,
    SETUP_BUILDX,
    LOGIN,
    BUILD_PUSH,
    AWS_CREDENTIALS,
    ECR_LOGIN,
    PATHS_FILTER,
    SETUP_TERRAFORM,
    UPLOAD_ARTIFACT,
    DOWNLOAD_ARTIFACT,
    GITHUB_SCRIPT,
];

/// promtool's image: Prometheus 3.14.0, pinned by its multi-arch index digest.
pub(crate) const PROMETHEUS_IMAGE: &str = "prom/prometheus:v3.14.0@sha256:5ce7540c3c00ef4ab0c9d2c995c6a5b9c421f44b4a115d97a2c7af3b1c21cbb0";

// GitLab jobs' images. Docker official images (rust, docker): digests from Docker's
// official image-info repository (docker-library/repo-info).
/// Rust on Debian trixie: cargo, git, curl, sha256sum and tar for installing pave.
pub(crate) const RUST_IMAGE: &str =
    "rust:1.97.1-trixie@sha256:b1b3c9c0d921d7fa0a6d1f9ec7e4eab87f8c8ec97644c3d791450f131dec813f";
/// The Docker CLI, and the daemon it talks to as a service.
pub(crate) const DOCKER_IMAGE: &str =
    "docker:29.7.2-cli@sha256:3f4743208d2338c934d7b8bcfbe1bb54c0b2355c510ad5e0f31c0c4a54bd704e";
pub(crate) const DOCKER_SERVICE: &str =
    "docker:29.7.2-dind@sha256:3ef33f2e220b79ed3ef3b99d81746f06f306cd6340e2cb7331d17ae996e74cb6";
/// `hashicorp/terraform` (not an official image: no published digest list); the digest
/// is the one many unrelated public repositories pin for this tag. Re-check it with
/// `docker buildx imagetools inspect hashicorp/terraform:1.15.8` before relying on it.
pub(crate) const TERRAFORM_IMAGE: &str = "hashicorp/terraform:1.15.8@sha256:7ae513256f7ce67879e218ae8593d6fbe216ec9e123abe6c94e4e10704857963";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml_writer::to_yaml;

    #[test]
    fn every_pin_is_a_full_sha_with_a_release_tag() {
        for a in ALL {
            assert_eq!(a.sha.len(), 40, "{}", a.repo);
            assert!(
                a.sha
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
            assert!(a.version.starts_with('v'), "{}", a.repo);
        }
        for image in [
            PROMETHEUS_IMAGE,
            RUST_IMAGE,
            DOCKER_IMAGE,
            DOCKER_SERVICE,
            TERRAFORM_IMAGE,
        ] {
            let digest = image.split_once("@sha256:").unwrap().1;
            assert_eq!(digest.len(), 64, "{image}");
        }
    }

    #[test]
    fn an_action_is_written_with_its_version_as_a_comment() {
        #[derive(Serialize)]
        struct Step {
            uses: Action,
        }
        let out = to_yaml(&vec![Step { uses: CHECKOUT }]).unwrap();
        assert_eq!(
            out,
            "- uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n"
        );
    }
}
