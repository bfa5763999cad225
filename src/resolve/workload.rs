//! The workload fields of a service: its kind (`workload`) and cron settings, extra
//! ports, probes, sidecars and init containers, mounted files and `security`. Each is
//! read with its built-in default (`defaults`) and checked; a mistake is reported and
//! the field gets a placeholder value, so every other field is still checked.

use std::collections::{BTreeMap, HashMap};

use super::cron;
use super::defaults;
use super::messages;
use super::resolved::{
    Cron, ExtraContainer, Layer, MountedFile, NamedPort, Probe, ProbeCheck, Probes, Security, Size,
    Workload,
};
use super::{EnvContext, fields};
use crate::diag::Diagnostic;
use crate::load::pointer_push;
use crate::model::scalar_text;
use crate::model::service::{
    Concurrency, ContainerSpec, FileSpec, ProbeHandlerSpec, ProbeSpec, ServiceSpec, WorkloadKind,
};
use crate::source::Span;

/// What the checks read about where a value was written.
pub(crate) struct At<'a> {
    pub(crate) span_of: &'a dyn Fn(&str) -> Span,
    /// The layer that set the value at a pointer, if any did.
    pub(crate) layer_of: &'a dyn Fn(&str) -> Option<Layer>,
    /// The key of a map entry (a file path, a container name) where the service file
    /// writes it, else the value's span.
    pub(crate) key_of: &'a dyn Fn(&str) -> Span,
}

impl At<'_> {
    /// Whether the service file itself (not the platform's defaults) sets `pointer`:
    /// defaults apply to every kind, so only the service's own misplaced fields are wrong.
    fn written_by_service(&self, pointer: &str) -> bool {
        matches!(
            (self.layer_of)(pointer),
            Some(Layer::Service | Layer::ServiceEnvironment)
        )
    }
}

/// Fields that only some kinds have: (pointer, the kinds that have it).
const KIND_FIELDS: &[(&str, &[WorkloadKind])] = &[
    ("/schedule", &[WorkloadKind::Cron]),
    ("/concurrency", &[WorkloadKind::Cron]),
    ("/deadline", &[WorkloadKind::Cron]),
    ("/history", &[WorkloadKind::Cron]),
    ("/port", &[WorkloadKind::Web]),
    ("/route", &[WorkloadKind::Web]),
    ("/slo", &[WorkloadKind::Web]),
    ("/replicas", &[WorkloadKind::Web, WorkloadKind::Worker]),
    ("/autoscale", &[WorkloadKind::Web, WorkloadKind::Worker]),
    ("/health", &[WorkloadKind::Web, WorkloadKind::Worker]),
];

/// The workload kind, with its cron settings; fields of another kind are reported.
pub(crate) fn workload(spec: &ServiceSpec, at: &At, diags: &mut Vec<Diagnostic>) -> Workload {
    let kind = spec.workload.unwrap_or(WorkloadKind::Web);
    let name = kind_name(kind);
    for (pointer, kinds) in KIND_FIELDS {
        if !kinds.contains(&kind) && at.written_by_service(pointer) {
            let allowed: Vec<&str> = kinds.iter().map(|k| kind_name(*k)).collect();
            let kind_at = at
                .written_by_service("/workload")
                .then(|| (at.span_of)("/workload"));
            diags.push(messages::field_not_for_kind(
                (at.span_of)(pointer),
                kind_at,
                &pointer[1..],
                name,
                &allowed,
            ));
        }
    }
    match kind {
        WorkloadKind::Web => Workload::Web,
        WorkloadKind::Worker => Workload::Worker,
        WorkloadKind::Cron => Workload::Cron(cron_settings(spec, at, diags)),
    }
}

fn kind_name(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Web => "web",
        WorkloadKind::Worker => "worker",
        WorkloadKind::Cron => "cron",
    }
}

fn cron_settings(spec: &ServiceSpec, at: &At, diags: &mut Vec<Diagnostic>) -> Cron {
    let schedule = spec.schedule.clone().unwrap_or_default();
    match &spec.schedule {
        None => diags.push(messages::cron_without_schedule((at.span_of)("/workload"))),
        Some(s) => {
            let never = || "no date matches it, so it never runs".to_string();
            let checked =
                cron::check(s).and_then(|()| cron::period_minutes(s).map(|_| ()).ok_or_else(never));
            if let Err(problem) = checked {
                diags.push(messages::invalid_schedule(
                    (at.span_of)("/schedule"),
                    s,
                    &problem,
                ));
            }
        }
    }
    let concurrency = match spec.concurrency {
        None => defaults::CRON_CONCURRENCY,
        Some(Concurrency::Forbid) => "Forbid",
        Some(Concurrency::Replace) => "Replace",
        Some(Concurrency::Allow) => "Allow",
    };
    let deadline_seconds = spec.deadline.as_deref().map(seconds);
    if let Some(short) = deadline_seconds.filter(|s| *s < MIN_DEADLINE_SECONDS) {
        diags.push(messages::short_deadline((at.span_of)("/deadline"), short));
    }
    Cron {
        // An invalid schedule was reported above; 0 only stands in for it.
        period_minutes: cron::period_minutes(&schedule).unwrap_or(0),
        schedule,
        concurrency,
        deadline_seconds,
        successful_history: spec.history.unwrap_or(defaults::CRON_SUCCESSFUL_HISTORY),
        failed_history: spec.history.unwrap_or(defaults::CRON_FAILED_HISTORY),
        backoff_limit: defaults::CRON_BACKOFF_LIMIT,
    }
}

/// The CronJob controller looks for due runs every 10 seconds; a shorter
/// `startingDeadlineSeconds` may skip a run (Kubernetes' CronJob documentation).
const MIN_DEADLINE_SECONDS: u64 = 10;

/// Whole seconds of a duration the schema checked, rounded up (Kubernetes counts in
/// seconds, and a probe or deadline shorter than asked would fire early).
fn seconds(duration: &str) -> u64 {
    crate::duration::parse_ms(duration).map_or(0, |ms| ms.div_ceil(1000))
}

/// The ports the main container declares, by name: `http` (web), the extra ports,
/// and `metrics` when metrics use a port of their own.
pub(crate) fn declared_ports(
    workload: &Workload,
    port: u16,
    extra: &[NamedPort],
    metrics_port: Option<u16>,
) -> Vec<NamedPort> {
    let mut declared = Vec::new();
    if matches!(workload, Workload::Web) {
        declared.push(NamedPort {
            name: "http".into(),
            port,
        });
    }
    declared.extend(extra.iter().cloned());
    if let Some(m) = metrics_port.filter(|m| !declared.iter().any(|d| d.port == *m)) {
        declared.push(NamedPort {
            name: "metrics".into(),
            port: m,
        });
    }
    declared
}

/// `ports`, each name and number checked against the ports pave names itself.
pub(crate) fn ports(
    spec: &ServiceSpec,
    workload: &Workload,
    port: u16,
    at: &At,
    diags: &mut Vec<Diagnostic>,
) -> Vec<NamedPort> {
    let web = matches!(workload, Workload::Web);
    let mut taken: BTreeMap<u16, String> = BTreeMap::new();
    if web {
        taken.insert(port, "http".into());
    }
    let mut out = Vec::new();
    for (name, number) in &spec.ports {
        let pointer = pointer_push("/ports", name);
        let clash = match taken.get(number) {
            Some(other) => Some(format!("port {number} is already `{other}`")),
            None if name == "metrics" || (web && name == "http") => {
                Some(format!("`{name}` is the name pave gives its own port"))
            }
            None => None,
        };
        if let Some(problem) = clash {
            diags.push(messages::port_clash((at.span_of)(&pointer), name, &problem));
        }
        taken.insert(*number, name.clone());
        out.push(NamedPort {
            name: name.clone(),
            port: *number,
        });
    }
    out
}

/// The main container's probes: the service's, else the contract's HTTP paths for a
/// web service and none for the other kinds.
pub(crate) fn probes(
    ctx: &EnvContext,
    spec: &ServiceSpec,
    workload: &Workload,
    declared: &[NamedPort],
    at: &At,
    diags: &mut Vec<Diagnostic>,
) -> Probes {
    if matches!(workload, Workload::Cron(_)) {
        return Probes::default();
    }
    let web = matches!(workload, Workload::Web);
    let contract = &ctx.platform.contract;
    let health = spec.health.as_ref();
    let mut probe = |which: &str, given: Option<&ProbeSpec>, contract_path: Option<&String>| {
        let pointer = format!("/health/{which}");
        let failures = match which {
            "startup" => defaults::STARTUP_FAILURE_THRESHOLD,
            _ => defaults::PROBE_FAILURE_THRESHOLD,
        };
        let cx = ProbeCx {
            web,
            declared,
            failures,
        };
        match given {
            None => contract_path.filter(|_| web).map(|p| cx.http(p.clone())),
            Some(ProbeSpec::Off(_)) => None,
            Some(ProbeSpec::Path(path)) => cx.path(path, &pointer, at, diags),
            Some(ProbeSpec::Handler(h)) => cx.handler(h, &pointer, at, diags),
        }
    };
    Probes {
        liveness: probe(
            "liveness",
            health.and_then(|h| h.liveness.as_ref()),
            Some(&contract.liveness),
        ),
        readiness: probe(
            "readiness",
            health.and_then(|h| h.readiness.as_ref()),
            Some(&contract.readiness),
        ),
        startup: probe("startup", health.and_then(|h| h.startup.as_ref()), None),
    }
}

/// What one probe is read against.
struct ProbeCx<'a> {
    web: bool,
    declared: &'a [NamedPort],
    failures: u32,
}

impl ProbeCx<'_> {
    /// An HTTP probe on the main port with the default timings.
    fn http(&self, path: String) -> Probe {
        self.timed(
            ProbeCheck::Http {
                path,
                port: "http".into(),
            },
            None,
        )
    }

    /// A bare path: HTTP on the main port, which only a web service has.
    fn path(
        &self,
        path: &str,
        pointer: &str,
        at: &At,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Probe> {
        if !self.web {
            diags.push(messages::probe_without_main_port((at.span_of)(pointer)));
        }
        Some(self.http(path.to_string()))
    }

    fn handler(
        &self,
        h: &ProbeHandlerSpec,
        pointer: &str,
        at: &At,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Probe> {
        let mut named = |port: u16, field: &str| -> String {
            let found = self.declared.iter().find(|d| d.port == port);
            if found.is_none() {
                let names: Vec<String> = self
                    .declared
                    .iter()
                    .map(|d| format!("{} ({})", d.port, d.name))
                    .collect();
                diags.push(messages::probe_port_not_declared(
                    (at.span_of)(&format!("{pointer}/{field}")),
                    port,
                    &names,
                ));
            }
            found.map_or_else(|| port.to_string(), |d| d.name.clone())
        };
        let check = if let Some(path) = &h.http {
            let port = match h.port {
                Some(p) => named(p, "port"),
                None if self.web => "http".to_string(),
                None => {
                    diags.push(messages::probe_without_main_port((at.span_of)(pointer)));
                    "http".to_string()
                }
            };
            ProbeCheck::Http {
                path: path.clone(),
                port,
            }
        } else if let Some(port) = h.grpc {
            named(port, "grpc");
            ProbeCheck::Grpc(port)
        } else if let Some(port) = h.tcp {
            ProbeCheck::Tcp(named(port, "tcp"))
        } else {
            ProbeCheck::Exec(h.exec.clone().unwrap_or_default())
        };
        Some(self.timed(check, Some(h)))
    }

    fn timed(&self, check: ProbeCheck, h: Option<&ProbeHandlerSpec>) -> Probe {
        let secs = |d: Option<&String>, default: u32| {
            d.map_or(default, |d| u32::try_from(seconds(d)).unwrap_or(u32::MAX))
        };
        Probe {
            check,
            initial_delay_seconds: secs(h.and_then(|h| h.initial_delay.as_ref()), 0),
            period_seconds: secs(
                h.and_then(|h| h.period.as_ref()),
                defaults::PROBE_PERIOD_SECONDS,
            ),
            timeout_seconds: secs(
                h.and_then(|h| h.timeout.as_ref()),
                defaults::PROBE_TIMEOUT_SECONDS,
            ),
            failure_threshold: h.and_then(|h| h.failure_threshold).unwrap_or(self.failures),
        }
    }
}

/// Sidecars and init containers; a name used twice in the pod, or a sidecar port
/// another container of the pod already listens on, is reported.
pub(crate) fn containers(
    ctx: &EnvContext,
    spec: &ServiceSpec,
    declared: &[NamedPort],
    at: &At,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<ExtraContainer>, Vec<ExtraContainer>) {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    names.insert(spec.name.clone(), "/name".into());
    let mut read = |field: &str, specs: &indexmap::IndexMap<String, ContainerSpec>| {
        let mut out = Vec::new();
        for (name, c) in specs {
            let pointer = pointer_push(&format!("/{field}"), name);
            if let Some(first) = names.get(name) {
                diags.push(messages::container_name_taken(
                    (at.key_of)(&pointer),
                    (at.key_of)(first),
                    name,
                ));
            }
            names.insert(name.clone(), pointer.clone());
            out.push(extra_container(ctx, name, c, &pointer, at, diags));
        }
        out
    };
    let sidecars = read("sidecars", &spec.sidecars);
    let init = read("init", &spec.init);
    sidecar_ports(&spec.name, declared, &sidecars, at, diags);
    (sidecars, init)
}

/// Every sidecar port is free: not the main container's, nor an earlier sidecar's.
/// Init containers run before the others and may reuse any port.
fn sidecar_ports(
    main: &str,
    declared: &[NamedPort],
    sidecars: &[ExtraContainer],
    at: &At,
    diags: &mut Vec<Diagnostic>,
) {
    let mut taken: BTreeMap<u16, String> = declared
        .iter()
        .map(|p| {
            (
                p.port,
                format!("the main container `{main}` (`{}`)", p.name),
            )
        })
        .collect();
    for c in sidecars {
        for p in &c.ports {
            match taken.get(&p.port) {
                Some(other) => {
                    let pointer = pointer_push(
                        &pointer_push(&pointer_push("/sidecars", &c.name), "ports"),
                        &p.name,
                    );
                    diags.push(messages::sidecar_port_clash(
                        (at.span_of)(&pointer),
                        &p.name,
                        p.port,
                        other,
                    ));
                }
                None => {
                    taken.insert(p.port, format!("sidecar `{}` (`{}`)", c.name, p.name));
                }
            }
        }
    }
}

fn extra_container(
    ctx: &EnvContext,
    name: &str,
    c: &ContainerSpec,
    pointer: &str,
    at: &At,
    diags: &mut Vec<Diagnostic>,
) -> ExtraContainer {
    let size = c.size.clone().unwrap_or_else(|| defaults::SIZE.into());
    let size_at = |_: &str| (at.span_of)(&format!("{pointer}/size"));
    let resources = fields::size_resources(ctx, &size, &size_at, diags).unwrap_or(Size {
        cpu: String::new(),
        memory: String::new(),
    });
    ExtraContainer {
        name: name.to_string(),
        image: c.image.clone(),
        command: c.command.clone(),
        args: c.args.clone(),
        env: c
            .env
            .iter()
            .map(|(k, v)| (k.clone(), scalar_text(v)))
            .collect(),
        size,
        resources,
        ports: c
            .ports
            .iter()
            .map(|(name, port)| NamedPort {
                name: name.clone(),
                port: *port,
            })
            .collect(),
        // Set once every container is known (`volumes::mounts`).
        mounts: Vec::new(),
    }
}

/// `files`, sorted by path: each path absolute, not below another file or `/tmp`
/// (the writable scratch folder), with a ConfigMap key of its own.
/// A `from` file comes from what `load` read; one it could not read was reported
/// there and is left out here.
pub(crate) fn files(
    ctx: &EnvContext,
    spec: &ServiceSpec,
    at: &At,
    diags: &mut Vec<Diagnostic>,
) -> Vec<MountedFile> {
    let mut out: Vec<MountedFile> = Vec::new();
    let mut mounted = Mounted::default();
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    for (path, content) in &spec.files {
        let pointer = pointer_push("/files", path);
        let span = (at.key_of)(&pointer);
        if let Some(problem) = path_problem(path) {
            diags.push(messages::bad_file_path(span, path, &problem));
            continue;
        }
        // Each clash is reported once, at the later of the two paths.
        let overlap = mounted.overlap(path).map(|i| &out[i].path);
        let key = file_key(path);
        let problem = match (overlap, keys.get(&key)) {
            (Some(other), _) => Some(format!("it and `{other}` lie inside one another")),
            (None, Some(other)) => Some(format!(
                "it and `{other}` have the same ConfigMap key `{key}`"
            )),
            (None, None) => None,
        };
        if let Some(problem) = problem {
            diags.push(messages::bad_file_path(span, path, &problem));
            continue;
        }
        let content = match content {
            FileSpec::Inline(text) => text.clone(),
            FileSpec::From { from } => match ctx.referenced(from) {
                Some(text) => text.to_string(),
                None => continue,
            },
        };
        keys.insert(key.clone(), path.clone());
        mounted.add(path, out.len());
        out.push(MountedFile {
            path: path.clone(),
            key,
            content,
        });
    }
    let bytes: usize = out.iter().map(|f| f.key.len() + f.content.len()).sum();
    if bytes > CONFIG_MAP_MAX_BYTES {
        diags.push(messages::files_too_large((at.key_of)("/files"), bytes));
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The plain variables are the service's `<name>-env` ConfigMap: past the API
/// server's limit the apply fails, so say so at `env` (secret-reading variables live
/// in the pod spec and are not counted).
pub(crate) fn check_env_size(
    env_vars: &[(String, String)],
    (service, env): (&str, &str),
    env_at: Span,
    diags: &mut Vec<Diagnostic>,
) {
    let bytes: usize = env_vars.iter().map(|(k, v)| k.len() + v.len()).sum();
    if bytes > CONFIG_MAP_MAX_BYTES {
        diags.push(messages::env_too_large(env_at, (service, env), bytes));
    }
}

/// The most a ConfigMap's keys and values may hold together: the API server refuses
/// a larger one (its validation's limit, shared with Secrets: 1 MiB).
const CONFIG_MAP_MAX_BYTES: usize = 1024 * 1024;

/// The paths mounted so far, to find a path lying inside another (or another inside
/// it) with one lookup per folder of the path instead of a pass over every path.
#[derive(Default)]
struct Mounted {
    /// Each path and its index among the mounted files.
    paths: HashMap<String, usize>,
    /// Each folder some path lies inside, with the index of the first such path.
    folders: HashMap<String, usize>,
}

impl Mounted {
    /// The folders `path` lies inside (`/etc/a/b` lies inside `/etc/a` and `/etc`).
    fn folders(path: &str) -> impl Iterator<Item = &str> {
        path.match_indices('/')
            .filter(|&(at, _)| at > 0)
            .map(|(at, _)| &path[..at])
    }

    fn add(&mut self, path: &str, index: usize) {
        self.paths.insert(path.to_string(), index);
        for folder in Self::folders(path) {
            self.folders.entry(folder.to_string()).or_insert(index);
        }
    }

    /// The first mounted path (by index) that lies inside `path` or that `path`
    /// lies inside.
    fn overlap(&self, path: &str) -> Option<usize> {
        let outer = Self::folders(path).filter_map(|folder| self.paths.get(folder));
        outer.chain(self.folders.get(path)).min().copied()
    }
}

/// Why a file path (or a volume's mount path) cannot be mounted, or `None`.
pub(super) fn path_problem(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    if !path.starts_with('/') {
        Some("is not an absolute path".into())
    } else if parts
        .iter()
        .any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        Some("has an empty, `.` or `..` part".into())
    } else if path == "/tmp" || path.starts_with("/tmp/") {
        Some("lies in `/tmp`, the pod's writable scratch folder".into())
    } else if path.len() > 253 {
        Some("is longer than 253 characters".into())
    } else {
        None
    }
}

/// The ConfigMap key of a file: its path without the leading `/`, `/` as `_`, any
/// other character a key may not hold as `-`.
fn file_key(path: &str) -> String {
    path.trim_start_matches('/')
        .chars()
        .map(|c| match c {
            '/' => '_',
            c if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') => c,
            _ => '-',
        })
        .collect()
}

/// `security`; user 0 is root, which the pod's `runAsNonRoot` refuses at start.
pub(crate) fn security(spec: &ServiceSpec, at: &At, diags: &mut Vec<Diagnostic>) -> Security {
    let Some(s) = spec.security else {
        return Security::default();
    };
    if s.run_as_user == Some(0) {
        diags.push(messages::root_user((at.span_of)("/security/run_as_user")));
    }
    Security {
        run_as_user: s.run_as_user,
        run_as_group: s.run_as_group,
        fs_group: s.fs_group,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_must_be_absolute_plain_and_outside_tmp() {
        assert_eq!(path_problem("/etc/app/config.yaml"), None);
        assert!(path_problem("etc/app.yaml").is_some());
        assert!(path_problem("/etc//app").is_some());
        assert!(path_problem("/etc/../app").is_some());
        assert!(path_problem("/tmp/x").is_some());
        assert_eq!(file_key("/etc/app/config.yaml"), "etc_app_config.yaml");
        assert_eq!(file_key("/etc/a b"), "etc_a-b");
    }

    #[test]
    fn a_path_inside_another_is_found_either_way_first_path_first() {
        let mut mounted = Mounted::default();
        mounted.add("/etc/a/b.conf", 0);
        mounted.add("/etc/a/c.conf", 1);
        mounted.add("/srv/x", 2);
        assert_eq!(mounted.overlap("/etc/a"), Some(0));
        assert_eq!(mounted.overlap("/etc"), Some(0));
        assert_eq!(mounted.overlap("/srv/x/y"), Some(2));
        assert_eq!(mounted.overlap("/etc/a/b.conf/z"), Some(0));
        assert_eq!(mounted.overlap("/etc/ab"), None);
        assert_eq!(mounted.overlap("/srv"), Some(2));
        assert_eq!(mounted.overlap("/etc/a/d.conf"), None);
    }

    #[test]
    fn declared_ports_name_the_main_extra_and_metrics_ports() {
        let extra = [NamedPort {
            name: "admin".into(),
            port: 9901,
        }];
        let web = declared_ports(&Workload::Web, 8080, &extra, Some(9090));
        let names: Vec<&str> = web.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["http", "admin", "metrics"]);
        let worker = declared_ports(&Workload::Worker, 8080, &extra, Some(9901));
        let names: Vec<&str> = worker.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["admin"]);
    }

    #[test]
    fn durations_round_up_to_whole_seconds() {
        assert_eq!(seconds("1500ms"), 2);
        assert_eq!(seconds("10m"), 600);
    }
}
