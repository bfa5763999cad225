//! `pave-synth`: writes a synthetic platform repository for benchmarks.
//!
//! `pave-synth DIR [--services N] [--envs E]` writes `DIR/platform.yaml` and N service
//! files with a realistic, deterministic mix of fields: routes, autoscaling, service
//! needs, secrets, environment variables, SLOs, image builds and per-environment
//! overrides. Every target is on (Kubernetes, Helm, Prometheus with alert routing,
//! Terraform with Atlantis, GitHub CI, Argo CD, Backstage), so the benchmark measures
//! the whole product.
//!
//! The `--wide-*` options add one wide service, `wide`, for the per-service size
//! benchmark (`tests/bench.sh --wide`): `--wide-env N` environment variables (plain,
//! `${...}` references, need URLs), `--wide-secrets N` secret references,
//! `--wide-needs N` module needs (queues and buckets), `--wide-service-needs N` needs
//! on N other small services (`peer-00000`, ...), `--wide-ports N`
//! named ports and `--wide-files N` mounted files. `--wide-routes N` adds N small
//! services routed on one host, each on its own path (a service has one route, so
//! many routes means many services sharing a host).

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

/// A small deterministic generator, so the same arguments give the same platform.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

const USAGE: &str = "usage: pave-synth DIR [--services N] [--envs E] [--wide-env N] \
[--wide-secrets N] [--wide-needs N] [--wide-service-needs N] [--wide-ports N] \
[--wide-files N] [--wide-routes N]";

/// How wide the one wide service is; all zero means no wide service.
#[derive(Default)]
struct Wide {
    env: usize,
    secrets: usize,
    needs: usize,
    service_needs: usize,
    ports: usize,
    files: usize,
    routes: usize,
}

impl Wide {
    fn any(&self) -> bool {
        self.env + self.secrets + self.needs + self.service_needs + self.ports + self.files > 0
    }

    /// The counter an option sets, or `None` for an option that is not a width.
    fn option(&mut self, name: &str) -> Option<&mut usize> {
        Some(match name {
            "--wide-env" => &mut self.env,
            "--wide-secrets" => &mut self.secrets,
            "--wide-needs" => &mut self.needs,
            "--wide-service-needs" => &mut self.service_needs,
            "--wide-ports" => &mut self.ports,
            "--wide-files" => &mut self.files,
            "--wide-routes" => &mut self.routes,
            _ => return None,
        })
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dir = None;
    let (mut services, mut envs) = (1000usize, 3usize);
    let mut wide = Wide::default();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).and_then(|v| v.parse::<usize>().ok());
        match args[i].as_str() {
            "--services" => services = value.unwrap_or(services),
            "--envs" => envs = value.unwrap_or(envs),
            other if wide.option(other).is_some() => {
                let Some(value) = value else {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                };
                if let Some(width) = wide.option(other) {
                    *width = value;
                }
            }
            // An option it does not know (`--help` included) is not a folder name:
            // print the usage instead of writing a platform into `./--help`.
            other if other.starts_with('-') => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
            other => {
                dir = Some(PathBuf::from(other));
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    let Some(dir) = dir else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    fs::create_dir_all(dir.join("services")).expect("create the output folder");
    fs::write(dir.join("platform.yaml"), platform(envs)).expect("write platform.yaml");
    let mut rng = Lcg(42);
    for n in 0..services {
        fs::write(
            dir.join(format!("services/{}.yaml", name(n))),
            service(n, services, envs, &mut rng),
        )
        .expect("write a service file");
    }
    if wide.any() {
        fs::write(dir.join("services/wide.yaml"), wide_service(&wide, envs))
            .expect("write the wide service");
    }
    for p in 0..wide.service_needs {
        fs::write(
            dir.join(format!("services/{}.yaml", peer_name(p))),
            small_service(&peer_name(p), "", envs),
        )
        .expect("write a needed service");
    }
    for r in 0..wide.routes {
        fs::write(
            dir.join(format!("services/{}.yaml", route_name(r))),
            small_service(
                &route_name(r),
                &format!("route:\n  host: routes.${{env.domain}}\n  path: /r{r}\n"),
                envs,
            ),
        )
        .expect("write a routed service");
    }
    ExitCode::SUCCESS
}

fn name(n: usize) -> String {
    format!("svc-{n:05}")
}

fn env_name(e: usize) -> String {
    match e {
        0 => "dev".into(),
        1 => "staging".into(),
        2 => "prod".into(),
        n => format!("env{n}"),
    }
}

fn platform(envs: usize) -> String {
    let mut out = String::from("platform: synth\nenvironments:\n");
    for e in 0..envs {
        let env = env_name(e);
        let _ = write!(
            out,
            "  {env}:\n    cluster: {env}-1\n    domain: {env}.synth.example.com\n    region: eu-west-1\n    account: \"{:012}\"\n",
            e + 1
        );
        // Data stores (postgres, redis needs) live in the environment's network.
        let _ = writeln!(
            out,
            "    network: {{ vpc_id: vpc-{e:017x}, subnet_ids: [subnet-{a:017x}, subnet-{b:017x}], client_security_group_id: sg-{e:017x} }}",
            a = 2 * e,
            b = 2 * e + 1
        );
        if e + 1 == envs {
            out.push_str("    protected: true\n    namespace: synth-${service.name}\n");
        } else {
            out.push_str("    replicas: 1\n");
        }
    }
    out.push_str(
        "sizes:\n  small: { cpu: 100m, memory: 128Mi }\n  medium: { cpu: 250m, memory: 512Mi }\n  large: { cpu: \"1\", memory: 2Gi }\n\
         defaults:\n  size: small\n  replicas: 2\n  env:\n    LOG_FORMAT: json\n    SERVICE: ${service.name}\n\
         secrets:\n  store: aws-secrets-manager\ningress:\n  cluster_issuer: letsencrypt\n\
         targets:\n  terraform:\n    backend: { bucket: synth-tfstate, region: eu-west-1 }\n    atlantis: true\n\
         \x20 ci:\n    provider: github\n    registry: ghcr.io/synth\n    install: { git: https://github.com/synth-example/pave, rev: v0.1.0 }\n\
         \x20 gitops:\n    engine: argocd\n    repo: https://github.com/synth-example/platform.git\n\
         \x20 catalog:\n    portal: backstage\n    owner: group:team-platform\n\
         monitoring:\n  labels: { release: kube-prometheus-stack }\n  routing: alertmanager-config\n\
         contract:\n  http_metrics:\n    requests: http_requests_total\n    duration: http_request_duration_seconds_bucket\n\
         \x20   buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]\n",
    );
    // Alert routing needs every owner to be a team with receivers.
    out.push_str("teams:\n");
    for t in 0..TEAMS {
        let _ = write!(
            out,
            "  team-{t}:\n    receivers:\n      page: {{ pagerduty: {{ routing_key: {{ secret: alerting-{t}, key: pagerduty-routing-key }} }} }}\n\
             \x20     ticket: {{ webhook: {{ url: \"https://tickets.synth.example.com/hooks/{t}\" }} }}\n"
        );
    }
    out
}

/// Owners are `team-0` .. `team-39`.
const TEAMS: usize = 40;

fn service(n: usize, total: usize, envs: usize, rng: &mut Lcg) -> String {
    let me = name(n);
    let mut out = format!(
        "name: {me}\nowner: team-{}\nimage: ghcr.io/synth/{me}:1.{}.{}\n",
        n % TEAMS,
        rng.next(20),
        rng.next(10)
    );
    let _ = writeln!(
        out,
        "size: {}",
        ["small", "medium", "large"][rng.next(3) as usize]
    );
    if n.is_multiple_of(4) {
        let min = 2 + rng.next(2);
        let _ = writeln!(
            out,
            "autoscale: {{ min: {min}, max: {}, cpu: 70 }}",
            min + 4
        );
    }
    out.push_str("env:\n");
    for v in 0..(5 + rng.next(6)) {
        let _ = writeln!(out, "  VAR_{v}: value-{}", rng.next(1000));
    }
    out.push_str("  MODE: \"on\"\n");
    let needs: Vec<usize> = (0..rng.next(4))
        .map(|_| rng.next(total as u64) as usize)
        .filter(|&t| t != n)
        .collect();
    // Every fifth service has a database, every seventh a queue.
    let db = n.is_multiple_of(5);
    let queue = n.is_multiple_of(7);
    for (i, t) in needs.iter().enumerate() {
        let _ = writeln!(out, "  DEP_{i}_URL: ${{needs.dep{i}.url}}  # {}", name(*t));
    }
    if db {
        out.push_str("  DATABASE_URL: ${needs.db.url}\n");
    }
    if queue {
        out.push_str("  QUEUE_URL: ${needs.jobs.url}\n");
    }
    if !needs.is_empty() || db || queue {
        out.push_str("needs:\n");
        for (i, t) in needs.iter().enumerate() {
            let _ = writeln!(out, "  dep{i}: {{ service: {} }}", name(*t));
        }
        if db {
            out.push_str("  db: { type: postgres }\n");
        }
        if queue {
            out.push_str("  jobs: { type: queue }\n");
        }
    }
    if n.is_multiple_of(2) {
        let _ = write!(out, "secrets:\n  API_TOKEN: {{ ref: synth/{me}#token }}\n");
    }
    if n.is_multiple_of(3) {
        let _ = write!(out, "route:\n  host: {me}.${{env.domain}}\n");
        // A third of the services: the routed ones, with SLOs.
        out.push_str("slo:\n  availability: 99.9\n  latency: { threshold: 250ms, target: 99 }\n");
    }
    if n.is_multiple_of(10) {
        let _ = write!(out, "build:\n  context: apps/{me}\n  test: make test\n");
    }
    // Protected environments pin images by digest, as the baseline policy asks.
    let digest: String = (0..64)
        .map(|_| char::from_digit(rng.next(16) as u32, 16).unwrap_or('0'))
        .collect();
    let _ = write!(
        out,
        "environments:\n  {}:\n    replicas: 3\n    image: ghcr.io/synth/{me}@sha256:{digest}\n",
        env_name(envs - 1)
    );
    out
}

/// The wide service: every list a service may hold many of, `wide` entries long.
fn wide_service(wide: &Wide, envs: usize) -> String {
    let mut out = String::from(
        "name: wide\nowner: team-0\nimage: ghcr.io/synth/wide:1.0.0\nsize: medium\n\
         route:\n  host: wide.${env.domain}\n\
         slo:\n  availability: 99.9\n  latency: { threshold: 250ms, target: 99 }\n",
    );
    out.push_str("env:\n  MODE: \"on\"\n");
    for v in 0..wide.env {
        // Mostly plain values; every tenth reads the environment, every tenth a need.
        let _ = match v % 10 {
            3 => writeln!(out, "  WIDE_{v}: ${{env.name}}-{v}"),
            7 if wide.needs > 0 => {
                writeln!(
                    out,
                    "  WIDE_{v}: ${{needs.{}.arn}}",
                    need_key(v % wide.needs)
                )
            }
            7 if wide.service_needs > 0 => {
                writeln!(
                    out,
                    "  WIDE_{v}: ${{needs.{}.url}}",
                    peer_name(v % wide.service_needs)
                )
            }
            _ => writeln!(out, "  WIDE_{v}: value-{v}"),
        };
    }
    if wide.secrets > 0 {
        out.push_str("secrets:\n");
        for s in 0..wide.secrets {
            let _ = writeln!(out, "  WIDE_SECRET_{s}: {{ ref: synth/wide#key-{s} }}");
        }
    }
    if wide.needs + wide.service_needs > 0 {
        out.push_str("needs:\n");
    }
    for k in 0..wide.needs {
        let kind = if k % 2 == 0 { "queue" } else { "bucket" };
        let _ = writeln!(out, "  {}: {{ type: {kind} }}", need_key(k));
    }
    for p in 0..wide.service_needs {
        let peer = peer_name(p);
        let _ = writeln!(out, "  {peer}: {{ service: {peer} }}");
    }
    if wide.ports > 0 {
        out.push_str("ports:\n");
        for p in 0..wide.ports {
            let _ = writeln!(out, "  p{p}: {}", 20000 + p);
        }
    }
    if wide.files > 0 {
        out.push_str("files:\n");
        for f in 0..wide.files {
            let _ = writeln!(out, "  /etc/wide/f{f}.conf: \"key = {f}\\n\"");
        }
    }
    let _ = write!(
        out,
        "environments:\n  {}:\n    image: ghcr.io/synth/wide@sha256:{}\n",
        env_name(envs - 1),
        "ab".repeat(32)
    );
    out
}

/// Need keys `q0000`, `q0001`, ... (queues and buckets alternate).
fn need_key(k: usize) -> String {
    format!("q{k:04}")
}

fn route_name(r: usize) -> String {
    format!("route-{r:05}")
}

fn peer_name(p: usize) -> String {
    format!("peer-{p:05}")
}

/// A small web service with `extra` fields (a route): a service the wide one needs,
/// or one of many routed on one host.
fn small_service(me: &str, extra: &str, envs: usize) -> String {
    format!(
        "name: {me}\nowner: team-0\nimage: ghcr.io/synth/{me}:1.0.0\nsize: small\n{extra}\
         environments:\n  {}:\n    image: ghcr.io/synth/{me}@sha256:{}\n",
        env_name(envs - 1),
        "cd".repeat(32)
    )
}
