//! Built-in service-scope policies decided without a template: each reads a few
//! fields of the resolved service (its image, sidecar and init images, env, command,
//! tier, SLO, replicas) where the template first needs the whole service converted
//! to a template value. When every service-scope policy and every object of a
//! service is decided natively, the service is never converted.
//!
//! As with the object checks (see `native`), a check only ever answers "no
//! finding" (the `when` excludes the service, or the assertion holds) or leaves the
//! service to the template, and applies only to a policy whose `when` and `assert`
//! are exactly the text it implements. Each reads the same data the template's
//! `service`, `env` and `platform` are made of (`context`).

use super::functions::{image_parts, registry_allowed};
use super::native::Native;
use super::pack::PolicyDef;
use super::secrets;
use crate::resolve::ResolvedService;

/// What a service-scope check sees.
pub(super) struct ServiceSeen<'a> {
    pub(super) service: &'a ResolvedService,
    /// The service's environment is protected (`env.protected`).
    pub(super) protected: bool,
    /// `platform.registries`, when the platform file writes it as a list of strings
    /// (or not at all: empty).
    pub(super) registries: Option<&'a [String]>,
}

/// `true` when the policy certainly finds nothing on the service.
pub(super) type NoFinding = fn(&ServiceSeen) -> bool;

const NATIVE: &[Native<NoFinding>] = &[
    Native {
        id: "image.tag-pinned",
        when: None,
        assert: r#"image_digest(service.image) != "" or image_tag(service.image) not in ["", "latest"]"#,
        check: |s| pinned(&s.service.image),
    },
    Native {
        id: "image.digest-in-prod",
        when: Some("env.protected"),
        assert: r#"image_digest(service.image) != """#,
        check: |s| !s.protected || !image_parts(&s.service.image).2.is_empty(),
    },
    Native {
        id: "image.containers-pinned",
        when: None,
        assert: "unpinned_images(service.sidecars + service.init) == []",
        check: |s| extra_images(s.service).all(pinned),
    },
    Native {
        id: "image.registry-allowlist",
        when: Some("platform.registries | length > 0"),
        assert: "registry_allowed(service.image, platform.registries)",
        check: |s| allowed(s, std::iter::once(s.service.image.as_str())),
    },
    Native {
        id: "image.containers-registry-allowlist",
        when: Some("platform.registries | length > 0"),
        assert: "disallowed_images(service.sidecars + service.init, platform.registries) == []",
        check: |s| allowed(s, extra_images(s.service)),
    },
    Native {
        id: "sec.no-plaintext-secrets",
        when: None,
        assert: "plaintext_secrets(service) == []",
        check: |s| no_plaintext_secrets(s.service),
    },
    Native {
        id: "avail.min-replicas",
        when: Some(r#"env.protected and service.workload != "cron""#),
        assert: "service.min_replicas >= 2",
        check: |s| {
            let excluded = !s.protected || s.service.workload.as_str() == "cron";
            excluded || s.service.min_replicas() >= 2
        },
    },
    Native {
        id: "slo.required-for-tier",
        when: Some("service.tier <= 1"),
        assert: "service.slo is not none",
        check: |s| s.service.tier > 1 || s.service.fields.get("slo").is_some_and(|v| !v.is_null()),
    },
];

/// The native check of `p`, when its `when` and `assert` are the text one implements.
pub(super) fn check_for(p: &PolicyDef) -> Option<NoFinding> {
    super::native::implementing(NATIVE, p)
}

/// A digest, or a tag other than `latest`.
fn pinned(image: &str) -> bool {
    let (_, tag, digest) = image_parts(image);
    !digest.is_empty() || !matches!(tag.as_str(), "" | "latest")
}

/// The images of the sidecars and init containers (`service.sidecars + service.init`).
fn extra_images(s: &ResolvedService) -> impl Iterator<Item = &str> {
    (s.sidecars.iter().chain(&s.init)).map(|c| c.image.as_str())
}

/// No registries to allow (the `when` excludes the service), or every image is from
/// one of them.
fn allowed<'a>(s: &ServiceSeen, mut images: impl Iterator<Item = &'a str>) -> bool {
    s.registries.is_some_and(|registries| {
        registries.is_empty() || images.all(|image| registry_allowed(image, registries))
    })
}

/// `plaintext_secrets(service)` reads `env`, `command` and `args`. The template's
/// `env` is a map, so a name written twice shows its last value: checking every pair
/// finds at least what it finds.
fn no_plaintext_secrets(s: &ResolvedService) -> bool {
    let env_clean = s.env_vars.iter().all(|(k, v)| !secrets::env_var(k, v));
    env_clean && secrets::arguments(&s.command).is_empty() && secrets::arguments(&s.args).is_empty()
}
