//! Resolve end to end on small repositories: the base platform of the diagnostics
//! cases with service files written per test.

use std::fs;
use std::path::Path;

use super::*;
use crate::load;

/// The platform and `web` service every test starts from.
const PLATFORM: &str = include_str!("../../tests/diagnostics/_base/platform.yaml");
const WEB: &str = include_str!("../../tests/diagnostics/_base/services/web.yaml");

/// Resolves the base platform with `web` and `api` (the given text).
fn resolve_api(api: &str) -> (Option<Model>, Vec<Diagnostic>) {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "platform.yaml", PLATFORM);
    write(repo.path(), "services/web.yaml", WEB);
    write(repo.path(), "services/api.yaml", api);
    let mut sources = SourceMap::default();
    let (inputs, load_diags) = load::load(repo.path(), &mut sources);
    assert!(load_diags.is_empty(), "{load_diags:?}");
    resolve(&inputs, &sources)
}

fn write(root: &Path, name: &str, text: &str) {
    let path = root.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn service<'m>(model: &'m Model, env: &str, name: &str) -> &'m ResolvedService {
    model
        .services
        .iter()
        .find(|s| s.env == env && s.name == name)
        .unwrap()
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code.as_str()).collect()
}

const API: &str = "name: api
owner: team-core
image: ghcr.io/acme/api:1.0.0
";

#[test]
fn built_in_platform_and_contract_defaults_fill_what_the_service_leaves_out() {
    let (model, diags) = resolve_api(API);
    assert!(diags.is_empty(), "{diags:?}");
    let model = model.unwrap();
    let api = service(&model, "dev", "api");
    assert_eq!(api.tier, defaults::TIER);
    assert_eq!(
        api.replicas, 2,
        "the platform's defaults win over the built-in 1"
    );
    assert_eq!(api.size, "small");
    assert_eq!(api.port, model.platform.contract.port);
    let liveness = api.probes.liveness.as_ref().map(|p| &p.check);
    let contract_path = ProbeCheck::Http {
        path: model.platform.contract.liveness.clone(),
        port: "http".into(),
    };
    assert_eq!(liveness, Some(&contract_path));
    assert_eq!(api.workload, Workload::Web);
    assert!(api.probes.startup.is_none());
    assert_eq!(api.namespace, "api");
    assert_eq!(api.provenance["/tier"].layer, Layer::Builtin);
    assert_eq!(api.provenance["/replicas"].layer, Layer::PlatformDefaults);
    // The base platform writes no contract: the port is pave's own default of it.
    assert_eq!(api.provenance["/port"].layer, Layer::Builtin);
    assert!(api.slo.is_none() && api.role.is_none() && api.build.is_none());
}

#[test]
fn a_service_need_wires_host_port_and_namespace() {
    let text = format!("{API}env:\n  WEB: ${{needs.web.url}}\nneeds:\n  web: {{ service: web }}\n");
    let (model, diags) = resolve_api(&text);
    assert!(diags.is_empty(), "{diags:?}");
    let model = model.unwrap();
    let api = service(&model, "prod", "api");
    let need = ServiceNeed {
        name: "web".into(),
        service: "web".into(),
        namespace: "web".into(),
    };
    assert_eq!(api.service_needs, [need]);
    let url = format!(
        "http://web.web.svc.cluster.local:{}",
        model.platform.contract.port
    );
    assert_eq!(api.env_vars, [("WEB".to_string(), url)]);
}

#[test]
fn an_slo_resolves_to_decimals() {
    let text = format!(
        "{API}slo:\n  availability: 99.95\n  latency: {{ threshold: 250ms, target: 99 }}\n"
    );
    let (model, diags) = resolve_api(&text);
    assert!(diags.is_empty(), "{diags:?}");
    let model = model.unwrap();
    let slo = service(&model, "dev", "api").slo.clone().unwrap();
    assert_eq!(
        slo.availability.map(|a| a.to_string()).as_deref(),
        Some("99.95")
    );
    assert_eq!(
        slo.latency.map(|l| l.threshold.to_string()).as_deref(),
        Some("0.25")
    );
}

#[test]
fn every_mistake_of_a_service_is_reported_at_once() {
    let text = format!(
        "{API}size: huge\nautoscale: {{ min: 5, max: 2 }}\nroute: {{ host: api_acme.io }}\n\
         slo: {{ latency: {{ threshold: 300ms, target: 0.5 }} }}\n"
    );
    let (model, diags) = resolve_api(&text);
    assert!(model.is_none());
    // Once per place: the repeats in `prod` merge into the findings in `dev`.
    assert_eq!(codes(&diags), ["E0502", "E0510", "E0510", "E0516", "E0514"]);
}

#[test]
fn an_unknown_placeholder_is_reported_once_per_place_and_the_rest_resolves() {
    let text = format!("{API}env:\n  A: ${{env.nope}}\n  B: ${{service.nme}}-${{platform.name}}\n");
    let (model, diags) = resolve_api(&text);
    assert!(model.is_none());
    assert_eq!(codes(&diags), ["E0501", "E0501"]);
    assert_eq!(
        diags[1].help.as_deref(),
        Some("did you mean `${service.name}`?")
    );
}

#[test]
fn module_need_secrets_are_wired_as_secret_key_refs_and_dependent_variables() {
    let text = format!(
        "{API}env:\n  LOG: info\n  DATABASE_URL: ${{needs.db.url}}\n  DB_DSN: host=${{needs.db.host}} port=${{needs.db.port}}\n\
         needs:\n  db: {{ type: postgres, size: small }}\n"
    );
    let (model, diags) = resolve_api(&text);
    assert!(diags.is_empty(), "{diags:?}");
    let model = model.unwrap();
    let api = service(&model, "dev", "api");
    let secret = |name: &str, key: &str| SecretEnv {
        name: name.into(),
        secret: "api-db".into(),
        key: key.into(),
    };
    assert_eq!(api.env_vars, [("LOG".to_string(), "info".to_string())]);
    assert_eq!(
        api.secret_env,
        [
            secret("PAVE_DB_HOST", "host"),
            secret("DATABASE_URL", "url")
        ]
    );
    let dsn = "host=$(PAVE_DB_HOST) port=5432".to_string();
    assert_eq!(api.dependent_env, [("DB_DSN".to_string(), dsn)]);
    assert_eq!(api.module_needs.len(), 1);
    assert_eq!(api.role, None, "postgres asks for no IAM permissions");
}

#[test]
fn each_workload_kind_gets_its_own_defaults() {
    let worker = format!("{API}workload: worker\nports: {{ admin: 9901 }}\n");
    let (model, diags) = resolve_api(&worker);
    assert!(diags.is_empty(), "{diags:?}");
    let api = service(model.as_ref().unwrap(), "dev", "api");
    assert_eq!(api.workload, Workload::Worker);
    assert_eq!(api.probes, Probes::default(), "a worker has no HTTP probes");
    let cron =
        format!("{API}workload: cron\nschedule: '@daily'\nautoscale: {{ min: 2, max: 3 }}\n");
    let (_, diags) = resolve_api(&cron);
    assert_eq!(codes(&diags), ["E0560"], "autoscale is not for cron jobs");
    let cron = format!("{API}workload: cron\nschedule: '@daily'\n");
    let (model, diags) = resolve_api(&cron);
    assert!(diags.is_empty(), "{diags:?}");
    let api = service(model.as_ref().unwrap(), "dev", "api");
    let Workload::Cron(settings) = &api.workload else {
        panic!("not a cron job: {:?}", api.workload);
    };
    assert_eq!(
        (
            settings.concurrency,
            settings.successful_history,
            settings.failed_history
        ),
        (
            defaults::CRON_CONCURRENCY,
            defaults::CRON_SUCCESSFUL_HISTORY,
            defaults::CRON_FAILED_HISTORY
        )
    );
    assert!(api.metrics.is_none() && api.autoscale.is_none() && api.route.is_none());
    assert_eq!(api.replicas, 2, "platform defaults still apply, unused");
}

#[test]
fn independent_workload_mistakes_are_all_reported() {
    let api = format!(
        "{API}workload: cron\nroute: {{ host: api.acme.io }}\nsidecars:\n  api: {{ image: ghcr.io/acme/x:1 }}\n  x: {{ image: ghcr.io/acme/x:1, size: huge }}\nsecurity: {{ run_as_user: 0 }}\n"
    );
    let (model, diags) = resolve_api(&api);
    assert!(model.is_none() || diags.iter().all(|d| d.is_error()));
    let mut found = codes(&diags);
    found.sort();
    found.dedup();
    assert_eq!(
        found,
        ["E0502", "E0560", "E0561", "E0564", "E0566"],
        "{diags:?}"
    );
}

#[test]
fn a_renamed_service_and_need_keep_their_state_names() {
    let text = "name: api\nrenamed_from: [core, legacy]\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nneeds:\n  cache: { type: redis, renamed_from: [sessions] }\n  db: { type: postgres }\n";
    let (model, diags) = resolve_api(text);
    assert!(diags.is_empty(), "{diags:?}");
    let model = model.unwrap();
    let api = service(&model, "dev", "api");
    assert_eq!(api.renamed_from, ["core", "legacy"]);
    let need = |name: &str| api.module_needs.iter().find(|n| n.name == name).unwrap();
    let arg = |name: &str, key: &str| need(name).arguments[key].as_value().cloned();
    let platform = &model.platform.name;
    // The oldest names: the service's last previous name, the need's own or previous.
    let cache = format!("{platform}-dev-legacy-sessions");
    assert_eq!(arg("cache", "replication_group_id"), Some(cache.into()));
    let db = format!("{platform}-dev-legacy-db");
    assert_eq!(arg("db", "identifier"), Some(db.into()));
    assert_eq!(need("cache").renamed_from, ["sessions"]);
    let path = format!("{platform}/dev/legacy/sessions");
    assert_eq!(need("cache").secret_path, path);
}

/// Resolves the base platform with `extra` appended, and `web` and `api`.
fn resolve_platform(extra: &str) -> (Option<Model>, Vec<Diagnostic>) {
    resolve_platform_text(&format!("{PLATFORM}{extra}"))
}

fn resolve_platform_text(platform: &str) -> (Option<Model>, Vec<Diagnostic>) {
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "platform.yaml", platform);
    write(repo.path(), "services/web.yaml", WEB);
    write(repo.path(), "services/api.yaml", API);
    let mut sources = SourceMap::default();
    let (inputs, load_diags) = load::load(repo.path(), &mut sources);
    assert!(load_diags.is_empty(), "{load_diags:?}");
    resolve(&inputs, &sources)
}

const TEAMS: &str = "teams:
  team-core:
    receivers:
      page: { webhook: { url: \"http://pager.example\" } }
      ticket: { webhook: { url: \"http://tickets.example\" } }
";

#[test]
fn an_owner_without_a_team_is_an_error_only_when_routing_is_on() {
    let (model, diags) = resolve_platform(TEAMS);
    assert!(diags.is_empty() && model.is_some(), "{diags:?}");
    let (_, diags) = resolve_platform(&format!("{TEAMS}monitoring: {{ routing: alertmanager }}\n"));
    // `web` is owned by team-web, which has no entry; `api` by team-core, which has.
    assert_eq!(codes(&diags), ["E0571"]);
    assert!(diags[0].message.contains("team-web"), "{diags:?}");
}

#[test]
fn routing_needs_the_prometheus_and_kubernetes_targets() {
    let web_team = TEAMS.replace("team-core", "team-web");
    let both = format!("{TEAMS}{}", &web_team["teams:\n".len()..]);
    let (model, diags) = resolve_platform(&format!(
        "{both}monitoring: {{ routing: alertmanager-config }}\n"
    ));
    assert!(diags.is_empty(), "{diags:?}");
    let p = model.unwrap().platform;
    assert_eq!(p.monitoring.routing, resolved::Routing::AlertmanagerConfig);
    assert_eq!(p.teams.len(), 2);
    let off = PLATFORM.replace("targets:\n", "targets:\n  prometheus: false\n");
    let (_, diags) = resolve_platform_text(&format!(
        "{off}{both}monitoring: {{ routing: alertmanager }}\n"
    ));
    assert_eq!(codes(&diags), ["E0572"]);
}

#[test]
fn a_worker_scaled_on_a_fifo_queue_gets_the_queue_url_with_its_fifo_suffix() {
    let repo = tempfile::tempdir().unwrap();
    let platform = PLATFORM.replace(
        "    region: eu-west-1\n",
        "    region: eu-west-1\n    account: \"111111111111\"\n    eks_cluster: acme\n",
    );
    write(repo.path(), "platform.yaml", &platform);
    write(repo.path(), "services/web.yaml", WEB);
    let api = format!(
        "{API}workload: worker\ncommand: [api]\n\
         autoscale: {{ min: 1, max: 4, queue: events, target: 20 }}\n\
         needs:\n  events: {{ type: queue, fifo: true }}\n"
    );
    write(repo.path(), "services/api.yaml", &api);
    let mut sources = SourceMap::default();
    let (inputs, load_diags) = load::load(repo.path(), &mut sources);
    assert!(load_diags.is_empty(), "{load_diags:?}");
    let (model, diags) = resolve(&inputs, &sources);
    assert!(diags.is_empty(), "{diags:?}");
    let api = service(model.as_ref().unwrap(), "prod", "api");
    let q = api.queue_scaler.as_ref().unwrap();
    assert_eq!(
        (q.need.as_str(), q.url.as_str(), q.region.as_str(), q.target),
        (
            "events",
            "https://sqs.eu-west-1.amazonaws.com/111111111111/acme-prod-api-events.fifo",
            "eu-west-1",
            20
        )
    );
}

#[test]
fn a_volume_from_the_platform_defaults_may_go_unmounted_but_not_one_the_service_declares() {
    let repo = tempfile::tempdir().unwrap();
    let platform = PLATFORM.replace(
        "defaults:\n",
        "defaults:\n  volumes: { scratch: { size: 1Gi } }\n",
    );
    write(repo.path(), "platform.yaml", &platform);
    write(repo.path(), "services/web.yaml", WEB);
    let api = format!("{API}volumes:\n  spare: {{}}\nmounts:\n  /var/scratch: scratch\n");
    write(repo.path(), "services/api.yaml", &api);
    let mut sources = SourceMap::default();
    let (inputs, _) = load::load(repo.path(), &mut sources);
    let (model, diags) = resolve(&inputs, &sources);
    // `web` leaves the default's volume unmounted: no finding. `api` declares `spare`
    // itself and mounts it nowhere: one warning, at api's file.
    assert_eq!(codes(&diags), ["E0629"], "{diags:?}");
    assert_eq!(diags[0].severity, crate::diag::Severity::Warning);
    let model = model.unwrap();
    let api = service(&model, "dev", "api");
    let names: Vec<&str> = api.volumes.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["scratch", "spare"]);
    assert_eq!(api.volumes[0].size.as_deref(), Some("1Gi"));
    assert_eq!(api.mounts[0].volume, "scratch");
    assert_eq!(service(&model, "dev", "web").volumes.len(), 1);
}

/// Values from the platform's `defaults.env` fill a service's ConfigMap too: the
/// finding points at that `env` key, where the values are written, not at the
/// service's first line or the defaults' first entry.
#[test]
fn plain_env_values_from_the_platform_defaults_are_refused_at_their_env() {
    let value = "x".repeat(600_000);
    let platform = PLATFORM.replace(
        "defaults:\n",
        &format!("defaults:\n  env:\n    A: {value}\n    B: {value}\n"),
    );
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "platform.yaml", &platform);
    write(repo.path(), "services/web.yaml", WEB);
    write(repo.path(), "services/api.yaml", API);
    let mut sources = SourceMap::default();
    let (inputs, _) = load::load(repo.path(), &mut sources);
    let (_, diags) = resolve(&inputs, &sources);
    let found: Vec<_> = diags.iter().filter(|d| d.code == Code::E0565).collect();
    assert!(!found.is_empty(), "{diags:?}");
    for d in found {
        let span = d.primary_span().unwrap();
        assert_eq!(sources.file(span.file).name, "platform.yaml");
        assert_eq!(sources.snippet(span), "env", "{d:?}");
    }
}

#[test]
fn plain_env_values_past_one_config_map_are_refused_at_env() {
    let value = "x".repeat(600_000);
    let text = format!("{API}env:\n  A: {value}\n  B: {value}\n");
    let (_, diags) = resolve_api(&text);
    let found: Vec<_> = diags.iter().filter(|d| d.code == Code::E0565).collect();
    // Every environment writes the ConfigMap, but the mistake is one: one diagnostic.
    assert_eq!(found.len(), 1, "{diags:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        found[0].message.contains("1200002 bytes"),
        "{}",
        found[0].message
    );
    // Just under the limit passes.
    let value = "x".repeat(524_000);
    let text = format!("{API}env:\n  A: {value}\n  B: {value}\n");
    let (model, diags) = resolve_api(&text);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(model.is_some());
}
