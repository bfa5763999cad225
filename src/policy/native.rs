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
use super::{availability, references};
use crate::render::RenderedObject;
use crate::render::kubernetes::objects::{
    Capabilities, Container, ContainerPort, ContainerSecurityContext, IngressRule, IngressSpec,
    Object, PodSecurityContext, PodSpec, SeccompProfile, ServiceSpec, Spec, Volume,
};
use crate::resolve::ResolvedService;

/// `true` when the policy certainly finds nothing on the object.
pub(super) type NoFinding = fn(&Seen) -> bool;

/// What a native check sees of one object: the object, the objects of its service
/// and environment (the template's `objects`), and the service they belong to (none
/// for an environment's shared objects).
pub(super) struct Seen<'a> {
    pub(super) object: &'a RenderedObject,
    pub(super) objects: &'a [&'a RenderedObject],
    pub(super) service: Option<&'a ResolvedService>,
}

/// A native check and the policy text it implements (`C`: an object's check here,
/// a service's in `native_service`).
pub(super) struct Native<C> {
    pub(super) id: &'static str,
    pub(super) when: Option<&'static str>,
    pub(super) assert: &'static str,
    pub(super) check: C,
}

const NATIVE: &[Native<NoFinding>] = &[
    Native {
        id: "meta.ownership",
        when: Some(r#"object.kind != "Namespace""#),
        assert: r#"label(object, "pave/owner") != "" and label(object, "app.kubernetes.io/name") != """#,
        check: |s| ownership(s.object),
    },
    Native {
        id: "meta.namespace",
        when: Some(r#"object.kind != "Namespace""#),
        assert: r#"dig(object, "metadata.namespace", "default") != "default""#,
        check: |s| namespace(s.object),
    },
    Native {
        id: "resources.requests",
        when: None,
        assert: r#"containers_missing(object, "resources.requests.cpu", "resources.requests.memory") == []"#,
        check: |s| requests(s.object),
    },
    Native {
        id: "resources.memory-limit",
        when: None,
        assert: r#"containers_missing(object, "resources.limits.memory") == [] and limit_below_request(object, "memory") == []"#,
        check: |s| memory_limit(s.object),
    },
    Native {
        id: "resources.cpu-limit",
        when: None,
        assert: r#"containers_missing(object, "resources.limits.cpu") == []"#,
        check: |s| every_container(s.object, |c| c.resources.limits.contains_key("cpu")),
    },
    Native {
        id: "probe.readiness",
        when: Some(r#"service.workload == "web""#),
        assert: r#"main_container_missing(object, "readinessProbe") == []"#,
        check: readiness,
    },
    Native {
        id: "probe.liveness",
        when: None,
        assert: r#"main_container_missing(object, "livenessProbe|startupProbe") == []"#,
        check: |s| liveness(s.object),
    },
    Native {
        id: "probe.sane",
        when: None,
        assert: "probe_problems(object) == []",
        check: |s| probes_sane(s.object),
    },
    Native {
        id: "sec.run-as-non-root",
        when: None,
        assert: r#"(dig(pod(object), "securityContext.runAsNonRoot", false) and containers_where(object, "securityContext.runAsNonRoot", false) == []) or containers_not(object, "securityContext.runAsNonRoot", true) == []"#,
        check: |s| every_container(s.object, |c| c.security_context.run_as_non_root),
    },
    Native {
        id: "sec.read-only-root-fs",
        when: None,
        assert: r#"containers_not(object, "securityContext.readOnlyRootFilesystem", true) == []"#,
        check: |s| every_container(s.object, |c| c.security_context.read_only_root_filesystem),
    },
    Native {
        id: "sec.no-privilege-escalation",
        when: None,
        assert: r#"containers_not(object, "securityContext.allowPrivilegeEscalation", false) == []"#,
        check: |s| every_container(s.object, |c| !c.security_context.allow_privilege_escalation),
    },
    Native {
        id: "sec.not-privileged",
        when: None,
        assert: r#"containers_where(object, "securityContext.privileged", true) == [] and not dig(pod(object), "securityContext.windowsOptions.hostProcess", false)"#,
        check: |s| not_privileged(s.object),
    },
    Native {
        id: "sec.capabilities",
        when: None,
        assert: r#"capability_problems(object, ["NET_BIND_SERVICE"]) == []"#,
        check: |s| capabilities(s.object),
    },
    Native {
        id: "sec.no-host-namespaces",
        when: None,
        assert: "host_namespace_problems(object) == []",
        check: |s| no_host_namespaces(s.object),
    },
    Native {
        id: "sec.no-hostpath",
        when: None,
        assert: r#"volumes_with(object, "hostPath") == []"#,
        check: |s| no_host_path(s.object),
    },
    Native {
        id: "sec.seccomp",
        when: None,
        assert: r#"dig(pod(object), "securityContext.seccompProfile.type", "") in ["RuntimeDefault", "Localhost"] or containers_missing(object, "securityContext.seccompProfile.type") == []"#,
        check: |s| seccomp(s.object),
    },
    Native {
        id: "sec.sa-token",
        when: None,
        assert: r#"dig(pod(object), "serviceAccountName", "default") != "default" and dig(pod(object), "automountServiceAccountToken", true) == false"#,
        check: |s| sa_token(s.object),
    },
    Native {
        id: "avail.pdb-required",
        when: Some("env.protected"),
        assert: r#"min_replicas(object, objects) < 2 or selected_by(object, objects, "PodDisruptionBudget") != []"#,
        check: |s| availability::pdb_required(s.object, s.objects),
    },
    Native {
        id: "avail.pdb-allows-disruption",
        when: None,
        assert: "pdb_problems(object, objects) == []",
        check: |s| availability::pdb_allows_disruption(s.object),
    },
    Native {
        id: "avail.spread",
        when: None,
        assert: "min_replicas(object, objects) < 2 or spread_ok(object)",
        check: |s| availability::spread(s.object, s.objects),
    },
    Native {
        id: "net.networkpolicy",
        when: None,
        assert: r#"selected_by(object, objects, "NetworkPolicy") != []"#,
        check: |s| availability::network_policy(s.object, s.objects),
    },
    Native {
        id: "net.exposure",
        when: None,
        assert: "exposure_problems(object) == []",
        check: |s| not_exposed(s.object),
    },
    Native {
        id: "ref.integrity",
        when: None,
        assert: "ref_problems(object, objects) == []",
        check: |s| references::resolve(s.object, s.objects),
    },
];

/// The native check of `p`, when its `when` and `assert` are the text one implements.
pub(super) fn check_for(p: &PolicyDef) -> Option<NoFinding> {
    implementing(NATIVE, p)
}

/// The check of `table` that implements `p`: the same id, `when` and `assert`.
pub(super) fn implementing<C: Copy>(table: &[Native<C>], p: &PolicyDef) -> Option<C> {
    table
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

/// The `when` reads the service's workload as the template's `service` shows it; an
/// object of no service is left to the template (whose `service` is undefined then).
fn readiness(s: &Seen) -> bool {
    let Some(service) = s.service else {
        return false;
    };
    let not_web = service.workload.as_str() != "web";
    not_web || main_container(s.object).is_some_and(|c| c.readiness_probe.is_some())
}

fn liveness(o: &RenderedObject) -> bool {
    main_container(o).is_some_and(|c| c.liveness_probe.is_some() || c.startup_probe.is_some())
}

/// `probe.sane`: a typed probe always has exactly one handler, so only a liveness
/// probe identical to the readiness probe is a finding.
fn probes_sane(o: &RenderedObject) -> bool {
    pod(o).is_some_and(|pod| {
        containers(pod).all(|c| c.liveness_probe.is_none() || c.liveness_probe != c.readiness_probe)
    })
}

/// `net.exposure`: a typed Service has a type and no external IPs; every rule of a
/// typed Ingress has a host (an empty one is still written, as the template reads
/// it) and there is no default backend.
fn not_exposed(o: &RenderedObject) -> bool {
    let Some(typed) = o.typed.as_deref() else {
        return false;
    };
    let any = typed.as_any();
    if let Some(s) = any.downcast_ref::<Object<Spec<ServiceSpec>>>() {
        let ServiceSpec {
            kind,
            selector: _,
            ports: _,
        } = &s.body.spec;
        return !matches!(*kind, "NodePort" | "LoadBalancer");
    }
    if let Some(i) = any.downcast_ref::<Object<Spec<IngressSpec>>>() {
        let IngressSpec {
            ingress_class_name: _,
            tls: _,
            rules,
        } = &i.body.spec;
        return rules.iter().all(|rule| {
            let IngressRule { host: _, http: _ } = rule;
            true
        });
    }
    false
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
