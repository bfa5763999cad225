//! `pave-synth`: writes a synthetic platform repository for benchmarks.
//!
//! `pave-synth DIR [--services N] [--envs E]` writes `DIR/platform.yaml` and N service
//! files with a realistic, deterministic mix of fields: routes, autoscaling, service
//! needs, secrets, environment variables, SLOs, image builds and per-environment
//! overrides. Every target is on (Kubernetes, Helm, Prometheus with alert routing,
//! Terraform with Atlantis, GitHub CI, Argo CD, Backstage), so the benchmark measures
//! the whole product.

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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dir = None;
    let (mut services, mut envs) = (1000usize, 3usize);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--services" => {
                services = args
                    .get(i + 1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(services)
            }
            "--envs" => envs = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(envs),
            // An option it does not know (`--help` included) is not a folder name:
            // print the usage instead of writing a platform into `./--help`.
            other if other.starts_with('-') => {
                eprintln!("usage: pave-synth DIR [--services N] [--envs E]");
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
        eprintln!("usage: pave-synth DIR [--services N] [--envs E]");
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
