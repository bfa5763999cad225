//! `targets.ci`: the provider, how CI installs pave, where images go and how CI logs
//! in there. The schema types every field; this module checks what it cannot say
//! (which install fields go together, a role for ECR) and reports each at its line.

use super::messages;
use super::resolved::{CiProvider, CiTarget, Install, Platform, RegistryKind, ResolvedService};
use crate::diag::Diagnostic;
use crate::load::Document;
use crate::model::Toggle;
use crate::model::platform::{CiFile, CiProviderName, InstallFile, RegistryFile, RegistryKindName};

/// `targets.ci`: off unless written, because CI needs an install source that has no
/// safe default. `true` is GitHub Actions; `false` or `provider: none` is off.
pub(super) fn ci_target(field: Option<&Toggle<CiFile>>) -> CiTarget {
    match field {
        None | Some(Toggle::Enabled(false)) => CiTarget {
            provider: CiProvider::None,
            registry: None,
            registry_kind: None,
            install: None,
            aws_role: None,
        },
        Some(Toggle::Enabled(true)) => on(None),
        Some(Toggle::Settings(settings)) => on(Some(settings)),
    }
}

fn on(settings: Option<&CiFile>) -> CiTarget {
    let provider = match settings.and_then(|s| s.provider) {
        Some(CiProviderName::Github) | None => CiProvider::Github,
        Some(CiProviderName::Gitlab) => CiProvider::Gitlab,
        Some(CiProviderName::None) => CiProvider::None,
    };
    let (registry, registry_kind) = match settings.and_then(|s| s.registry.as_ref()) {
        Some(RegistryFile::Url(url)) => (Some(url.clone()), None),
        Some(RegistryFile::Spec(spec)) => (Some(spec.url.clone()), spec.kind.map(kind)),
        None => (None, None),
    };
    CiTarget {
        provider,
        registry,
        registry_kind,
        install: settings
            .and_then(|s| s.install.as_ref())
            .and_then(|i| install(i).ok()),
        aws_role: settings.and_then(|s| s.aws_role.clone()),
    }
}

fn kind(name: RegistryKindName) -> RegistryKind {
    match name {
        RegistryKindName::Ghcr => RegistryKind::Ghcr,
        RegistryKindName::Ecr => RegistryKind::Ecr,
        RegistryKindName::Gitlab => RegistryKind::Gitlab,
        RegistryKindName::Other => RegistryKind::Other,
    }
}

/// What is wrong with an install block: a field without its partner, or two forms.
#[derive(Debug, PartialEq, Eq)]
enum InstallProblem {
    /// `(field written, field missing)`.
    Unpaired(&'static str, &'static str),
    /// The fields of two forms, e.g. `git` and `image`.
    Mixed(&'static str, &'static str),
}

/// The install form of `file`, or what is wrong with it.
fn install(file: &InstallFile) -> Result<Install, InstallProblem> {
    let forms = [
        ("git", file.git.is_some() || file.rev.is_some()),
        ("url", file.url.is_some() || file.sha256.is_some()),
        ("image", file.image.is_some()),
    ];
    let mut written = forms.iter().filter(|(_, on)| *on).map(|(name, _)| *name);
    if let (Some(a), Some(b)) = (written.next(), written.next()) {
        return Err(InstallProblem::Mixed(a, b));
    }
    match (file, &file.image) {
        (_, Some(image)) => Ok(Install::Image(image.clone())),
        (
            InstallFile {
                git: Some(url),
                rev: Some(rev),
                ..
            },
            _,
        ) => Ok(Install::Git {
            url: url.clone(),
            rev: rev.clone(),
        }),
        (
            InstallFile {
                url: Some(url),
                sha256: Some(sha256),
                ..
            },
            _,
        ) => Ok(Install::Archive {
            url: url.clone(),
            sha256: sha256.clone(),
        }),
        (InstallFile { git: Some(_), .. }, _) => Err(InstallProblem::Unpaired("git", "rev")),
        (InstallFile { rev: Some(_), .. }, _) => Err(InstallProblem::Unpaired("rev", "git")),
        (InstallFile { url: Some(_), .. }, _) => Err(InstallProblem::Unpaired("url", "sha256")),
        _ => Err(InstallProblem::Unpaired("sha256", "url")),
    }
}

/// E0220 when CI is on without `install`; E0221/E0222 when the install block is not
/// exactly one complete form. The schema has already checked each field's text.
pub(super) fn check_install(field: Option<&Toggle<CiFile>>, doc: &Document) -> Vec<Diagnostic> {
    let target = ci_target(field);
    if target.provider == CiProvider::None {
        return Vec::new();
    }
    let file = match field {
        Some(Toggle::Settings(settings)) => settings.install.as_ref(),
        _ => None,
    };
    let Some(file) = file else {
        return vec![messages::ci_install_missing(doc.key_span("/targets/ci"))];
    };
    match install(file) {
        Ok(_) => Vec::new(),
        Err(InstallProblem::Unpaired(written, missing)) => {
            let span = doc.span(&format!("/targets/ci/install/{written}"));
            vec![messages::ci_install_unpaired(span, written, missing)]
        }
        Err(InstallProblem::Mixed(a, b)) => {
            let span = doc.key_span(&format!("/targets/ci/install/{b}"));
            vec![messages::ci_install_mixed(span, a, b)]
        }
    }
}

/// Where CI pushes `service`'s image: `targets.ci.registry/<service>`, else the
/// repository of the service's image (tag and digest dropped).
pub(crate) fn push_repository(ci: &CiTarget, service: &str, image: &str) -> String {
    match &ci.registry {
        Some(registry) => format!("{}/{}", registry.trim_end_matches('/'), service),
        None => {
            let without_digest = image.split('@').next().unwrap_or(image);
            let last = without_digest.rfind('/').map_or(0, |i| i + 1);
            match without_digest[last..].find(':') {
                Some(colon) => without_digest[..last + colon].to_string(),
                None => without_digest.to_string(),
            }
        }
    }
}

/// How CI logs in to `repository`'s registry: the written `kind`, else by its host.
pub(crate) fn registry_kind(ci: &CiTarget, repository: &str) -> RegistryKind {
    if let Some(kind) = ci.registry_kind {
        return kind;
    }
    let host = registry_host(repository);
    if host == "ghcr.io" {
        RegistryKind::Ghcr
    } else if ecr_region(host).is_some() {
        RegistryKind::Ecr
    } else if host == "registry.gitlab.com" {
        RegistryKind::Gitlab
    } else {
        RegistryKind::Other
    }
}

/// The registry host of a repository (`ghcr.io/acme/api` → `ghcr.io`).
pub(crate) fn registry_host(repository: &str) -> &str {
    repository.split('/').next().unwrap_or_default()
}

/// The region of a private ECR host, `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`.
pub(crate) fn ecr_region(host: &str) -> Option<&str> {
    let rest = host
        .strip_suffix(".amazonaws.com.cn")
        .or_else(|| host.strip_suffix(".amazonaws.com"))?;
    let (account, rest) = rest.split_once('.')?;
    let region = rest
        .strip_prefix("dkr.ecr.")
        .or_else(|| rest.strip_prefix("dkr.ecr-fips."))?;
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (account_ok && region_ok).then_some(region)
}

/// E0223 when images go to ECR and CI has no role to push with; E0224 when the
/// registry is declared ECR but its host does not name a region. Once per registry.
pub(super) fn check_registries(
    platform: &Platform,
    doc: &Document,
    services: &[ResolvedService],
    diags: &mut Vec<Diagnostic>,
) {
    let ci = &platform.targets.ci;
    if ci.provider == CiProvider::None {
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in services.iter().filter(|s| s.build.is_some()) {
        let repository = push_repository(ci, &s.name, &s.image);
        let host = registry_host(&repository).to_string();
        if registry_kind(ci, &repository) != RegistryKind::Ecr || !seen.insert(host.clone()) {
            continue;
        }
        let at = match ci.registry.is_some() {
            true => doc.span("/targets/ci/registry"),
            false => doc.key_span("/targets/ci"),
        };
        if ecr_region(&host).is_none() {
            diags.push(messages::ecr_host_without_region(at, &host));
        } else if ci.aws_role.is_none() {
            diags.push(messages::ecr_without_role(at, &host, &s.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(fields: &[(&str, &str)]) -> InstallFile {
        let mut f = InstallFile::default();
        for (k, v) in fields {
            let v = Some(v.to_string());
            match *k {
                "git" => f.git = v,
                "rev" => f.rev = v,
                "url" => f.url = v,
                "sha256" => f.sha256 = v,
                _ => f.image = v,
            }
        }
        f
    }

    #[test]
    fn each_install_form_is_recognised() {
        let git = install(&file(&[("git", "https://g/p"), ("rev", "v1")]));
        assert_eq!(
            git,
            Ok(Install::Git {
                url: "https://g/p".into(),
                rev: "v1".into()
            })
        );
        let archive = install(&file(&[("url", "https://u/p.tar.gz"), ("sha256", "ab")]));
        assert_eq!(
            archive,
            Ok(Install::Archive {
                url: "https://u/p.tar.gz".into(),
                sha256: "ab".into()
            })
        );
        let image = install(&file(&[("image", "r/p@sha256:00")]));
        assert_eq!(image, Ok(Install::Image("r/p@sha256:00".into())));
    }

    #[test]
    fn an_incomplete_or_mixed_install_says_what_is_wrong() {
        let url_only = install(&file(&[("url", "https://u")]));
        assert_eq!(url_only, Err(InstallProblem::Unpaired("url", "sha256")));
        let git_only = install(&file(&[("git", "https://g")]));
        assert_eq!(git_only, Err(InstallProblem::Unpaired("git", "rev")));
        let rev_only = install(&file(&[("rev", "v1")]));
        assert_eq!(rev_only, Err(InstallProblem::Unpaired("rev", "git")));
        let mixed = install(&file(&[
            ("git", "https://g"),
            ("rev", "v1"),
            ("image", "x"),
        ]));
        assert_eq!(mixed, Err(InstallProblem::Mixed("git", "image")));
    }

    #[test]
    fn the_registry_kind_comes_from_the_host_unless_written() {
        let mut ci = ci_target(Some(&Toggle::Enabled(true)));
        assert_eq!(registry_kind(&ci, "ghcr.io/acme/api"), RegistryKind::Ghcr);
        let ecr = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/acme/api";
        assert_eq!(registry_kind(&ci, ecr), RegistryKind::Ecr);
        assert_eq!(ecr_region(registry_host(ecr)), Some("eu-west-1"));
        let gitlab = "registry.gitlab.com/acme/api";
        assert_eq!(registry_kind(&ci, gitlab), RegistryKind::Gitlab);
        assert_eq!(registry_kind(&ci, "quay.io/acme/api"), RegistryKind::Other);
        assert_eq!(ecr_region("1.dkr.ecr.eu-west-1.amazonaws.com"), None);
        ci.registry_kind = Some(RegistryKind::Gitlab);
        assert_eq!(
            registry_kind(&ci, "registry.acme.io/x"),
            RegistryKind::Gitlab
        );
    }

    #[test]
    fn ci_is_off_unless_written_and_github_when_on() {
        assert_eq!(ci_target(None).provider, CiProvider::None);
        assert_eq!(
            ci_target(Some(&Toggle::Enabled(false))).provider,
            CiProvider::None
        );
        assert_eq!(
            ci_target(Some(&Toggle::Enabled(true))).provider,
            CiProvider::Github
        );
    }

    #[test]
    fn the_push_repository_drops_tag_and_digest() {
        let ci = ci_target(Some(&Toggle::Enabled(true)));
        assert_eq!(
            push_repository(&ci, "api", "localhost:5000/acme/api:1.2@sha256:00"),
            "localhost:5000/acme/api"
        );
    }
}
