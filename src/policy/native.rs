//! Built-in policies decided without a template where the typed object says it
//! plainly: the `meta.*` policies select every rendered object (about a dozen per
//! service and environment) and read only its kind, labels and namespace; the
//! workload policies read a few fields of each container. Converting the object to a
//! template value and running the expression cost far more than reading them.
//!
//! Where a policy looks for a field pave's typed objects cannot hold (a privileged
//! container, a host namespace, a hostPath volume), the check destructures the type
//! without `..`: a field added to it later stops the build here until the check
//! reads it.
//!
//! A native check only ever skips work: it answers "no finding" (the `when` excludes
//! the object, or the assertion holds) or leaves the object to the template, which
//! decides and writes the message. It applies to a policy whose `when` and `assert`
//! are exactly the text it implements, wherever that policy comes from, so a pack
//! that changes the text gets the template. `tests` compare both on objects that
//! pass and objects that fail.

use super::pack::PolicyDef;
use super::references;
use crate::render::RenderedObject;
use crate::render::kubernetes::objects::{
    Capabilities, Container, ContainerPort, ContainerSecurityContext, PodSecurityContext, PodSpec,
    SeccompProfile, Volume,
};

/// `true` when the policy certainly finds nothing on the object, given the objects of
/// its service and environment (the template's `objects`).
pub(super) type NoFinding = fn(&RenderedObject, &[&RenderedObject]) -> bool;

struct Native {
    id: &'static str,
    when: Option<&'static str>,
    assert: &'static str,
    check: NoFinding,
}

const NATIVE: &[Native] = &[
    Native {
        id: "meta.ownership",
        when: Some(r#"object.kind != "Namespace""#),
        assert: r#"label(object, "pave/owner") != "" and label(object, "app.kubernetes.io/name") != """#,
        check: |o, _| ownership(o),
    },
    Native {
        id: "meta.namespace",
        when: Some(r#"object.kind != "Namespace""#),
        assert: r#"dig(object, "metadata.namespace", "default") != "default""#,
        check: |o, _| namespace(o),
    },
    Native {
        id: "resources.requests",
        when: None,
        assert: r#"containers_missing(object, "resources.requests.cpu", "resources.requests.memory") == []"#,
        check: |o, _| requests(o),
    },
    Native {
        id: "resources.memory-limit",
        when: None,
        assert: r#"containers_missing(object, "resources.limits.memory") == [] and limit_below_request(object, "memory") == []"#,
        check: |o, _| memory_limit(o),
    },
    Native {
        id: "probe.readiness",
        when: Some(r#"service.workload == "web""#),
        assert: r#"main_container_missing(object, "readinessProbe") == []"#,
        check: |o, _| readiness(o),
    },
    Native {
        id: "probe.liveness",
        when: None,
        assert: r#"main_container_missing(object, "livenessProbe|startupProbe") == []"#,
        check: |o, _| liveness(o),
    },
    Native {
        id: "sec.run-as-non-root",
        when: None,
        assert: r#"(dig(pod(object), "securityContext.runAsNonRoot", false) and containers_where(object, "securityContext.runAsNonRoot", false) == []) or containers_not(object, "securityContext.runAsNonRoot", true) == []"#,
        check: |o, _| every_container(o, |c| c.security_context.run_as_non_root),
    },
    Native {
        id: "sec.read-only-root-fs",
        when: None,
        assert: r#"containers_not(object, "securityContext.readOnlyRootFilesystem", true) == []"#,
        check: |o, _| every_container(o, |c| c.security_context.read_only_root_filesystem),
    },
    Native {
        id: "sec.no-privilege-escalation",
        when: None,
        assert: r#"containers_not(object, "securityContext.allowPrivilegeEscalation", false) == []"#,
        check: |o, _| every_container(o, |c| !c.security_context.allow_privilege_escalation),
    },
    Native {
        id: "sec.not-privileged",
        when: None,
        assert: r#"containers_where(object, "securityContext.privileged", true) == [] and not dig(pod(object), "securityContext.windowsOptions.hostProcess", false)"#,
        check: |o, _| not_privileged(o),
    },
    Native {
        id: "sec.capabilities",
        when: None,
        assert: r#"capability_problems(object, ["NET_BIND_SERVICE"]) == []"#,
        check: |o, _| capabilities(o),
    },
    Native {
        id: "sec.no-host-namespaces",
        when: None,
        assert: "host_namespace_problems(object) == []",
        check: |o, _| no_host_namespaces(o),
    },
    Native {
        id: "sec.no-hostpath",
        when: None,
        assert: r#"volumes_with(object, "hostPath") == []"#,
        check: |o, _| no_host_path(o),
    },
    Native {
        id: "sec.seccomp",
        when: None,
        assert: r#"dig(pod(object), "securityContext.seccompProfile.type", "") in ["RuntimeDefault", "Localhost"] or containers_missing(object, "securityContext.seccompProfile.type") == []"#,
        check: |o, _| seccomp(o),
    },
    Native {
        id: "sec.sa-token",
        when: None,
        assert: r#"dig(pod(object), "serviceAccountName", "default") != "default" and dig(pod(object), "automountServiceAccountToken", true) == false"#,
        check: |o, _| sa_token(o),
    },
    Native {
        id: "ref.integrity",
        when: None,
        assert: "ref_problems(object, objects) == []",
        check: references::resolve,
    },
];

/// The native check of `p`, when its `when` and `assert` are the text one implements.
pub(super) fn check_for(p: &PolicyDef) -> Option<NoFinding> {
    NATIVE
        .iter()
        .find(|n| {
            n.id == p.id
                && p.when.as_ref().map(|w| w.text.as_str()) == n.when
                && p.assert.text == n.assert
        })
        .map(|n| n.check)
}

/// `meta.ownership`: a Namespace is excluded; any other object has both labels,
/// not empty.
fn ownership(o: &RenderedObject) -> bool {
    if o.kind == "Namespace" {
        return true;
    }
    let Some(typed) = &o.typed else { return false };
    let labels = &typed.metadata().labels;
    let set = |key: &str| labels.get(key).is_some_and(|v| !v.is_empty());
    set("pave/owner") && set("app.kubernetes.io/name")
}

/// `meta.namespace`: a Namespace is excluded; any other object names a namespace
/// other than `default` (none means `default`).
fn namespace(o: &RenderedObject) -> bool {
    if o.kind == "Namespace" {
        return true;
    }
    let Some(typed) = &o.typed else { return false };
    typed
        .metadata()
        .namespace
        .as_deref()
        .is_some_and(|ns| ns != "default")
}

/// The pod spec of a typed Deployment or CronJob.
fn pod(o: &RenderedObject) -> Option<&PodSpec> {
    o.typed.as_deref()?.pod_spec()
}

/// Init and regular containers, as the template's `containers` reads them.
fn containers(pod: &PodSpec) -> impl Iterator<Item = &Container> {
    pod.init_containers.iter().chain(&pod.containers)
}

/// Whether every container of a typed workload has `holds`.
fn every_container(o: &RenderedObject, holds: impl Fn(&Container) -> bool) -> bool {
    pod(o).is_some_and(|pod| containers(pod).all(holds))
}

/// The main container (the first; probes are required of it only).
fn main_container(o: &RenderedObject) -> Option<&Container> {
    pod(o)?.containers.first()
}

fn requests(o: &RenderedObject) -> bool {
    every_container(o, |c| {
        c.resources.requests.contains_key("cpu") && c.resources.requests.contains_key("memory")
    })
}

/// A memory limit, and not below the request: written alike (a limit written
/// otherwise is compared as a quantity by the template).
fn memory_limit(o: &RenderedObject) -> bool {
    every_container(o, |c| match c.resources.limits.get("memory") {
        None => false,
        Some(limit) => c
            .resources
            .requests
            .get("memory")
            .is_none_or(|request| request == limit),
    })
}

fn readiness(o: &RenderedObject) -> bool {
    main_container(o).is_some_and(|c| c.readiness_probe.is_some())
}

fn liveness(o: &RenderedObject) -> bool {
    main_container(o).is_some_and(|c| c.liveness_probe.is_some() || c.startup_probe.is_some())
}

/// A typed container has no `privileged` and a typed pod no `windowsOptions`.
fn not_privileged(o: &RenderedObject) -> bool {
    let Some(pod) = pod(o) else { return false };
    let PodSecurityContext {
        run_as_non_root: _,
        run_as_user: _,
        run_as_group: _,
        fs_group: _,
        seccomp_profile: _,
    } = &pod.security_context;
    containers(pod).all(|c| {
        let ContainerSecurityContext {
            allow_privilege_escalation: _,
            read_only_root_filesystem: _,
            run_as_non_root: _,
            capabilities: _,
            seccomp_profile: _,
        } = &c.security_context;
        true
    })
}

/// Every container drops `ALL`; a typed container adds no capability.
fn capabilities(o: &RenderedObject) -> bool {
    every_container(o, |c| {
        let Capabilities { drop } = &c.security_context.capabilities;
        drop.contains(&"ALL")
    })
}

/// A typed pod has no `hostNetwork`, `hostPID` or `hostIPC`, a typed port no
/// `hostPort`.
fn no_host_namespaces(o: &RenderedObject) -> bool {
    let Some(pod) = pod(o) else { return false };
    let PodSpec {
        service_account_name: _,
        automount_service_account_token: _,
        restart_policy: _,
        security_context: _,
        topology_spread_constraints: _,
        node_selector: _,
        tolerations: _,
        image_pull_secrets: _,
        init_containers: _,
        containers: _,
        volumes: _,
    } = pod;
    containers(pod).all(|c| {
        c.ports.iter().all(|port| {
            let ContainerPort {
                name: _,
                container_port: _,
                protocol: _,
            } = port;
            true
        })
    })
}

/// A typed volume is an `emptyDir` or a `configMap`, never a `hostPath`.
fn no_host_path(o: &RenderedObject) -> bool {
    pod(o).is_some_and(|pod| {
        pod.volumes.iter().all(|v| {
            let Volume {
                name: _,
                empty_dir: _,
                config_map: _,
            } = v;
            true
        })
    })
}

/// The pod's profile, or every container's: a typed container always has one.
fn seccomp(o: &RenderedObject) -> bool {
    pod(o).is_some_and(|pod| {
        let pod_wide = matches!(
            pod.security_context.seccomp_profile.kind,
            "RuntimeDefault" | "Localhost"
        );
        pod_wide
            || containers(pod).all(|c| {
                let SeccompProfile { kind: _ } = &c.security_context.seccomp_profile;
                true
            })
    })
}

fn sa_token(o: &RenderedObject) -> bool {
    pod(o).is_some_and(|pod| {
        pod.service_account_name != "default" && !pod.automount_service_account_token
    })
}
