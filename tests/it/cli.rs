//! The command-line surface: help, schemas, explain, lint and exit codes.

use super::*;

#[test]
fn help_lists_the_commands() {
    let out = pave(&["--help"], &project());
    assert!(out.status.success());
    for command in ["build", "check", "diff", "lint", "explain", "schema"] {
        assert!(stdout(&out).contains(command), "{}", stdout(&out));
    }
}

#[test]
fn schema_prints_the_embedded_schemas() {
    for kind in ["platform", "service"] {
        let out = pave(&["schema", kind], &project());
        assert!(out.status.success());
        let on_disk =
            fs::read_to_string(project().join(format!("schema/{kind}.schema.json"))).unwrap();
        assert_eq!(stdout(&out), on_disk);
        let parsed: serde_json::Value = serde_json::from_str(&on_disk).unwrap();
        assert_eq!(
            parsed["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }
}

#[test]
fn usage_errors_exit_with_2() {
    assert_eq!(
        pave(&["build", "--bogus"], &project()).status.code(),
        Some(2)
    );
    assert_eq!(pave(&["schema", "nope"], &project()).status.code(), Some(2));
    assert_eq!(
        pave(&["check", "--root", "does/not/exist"], &project())
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn lint_accepts_the_examples() {
    for name in examples() {
        let out = pave(&["lint", "--root", &format!("examples/{name}")], &project());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
}

#[test]
fn explain_shows_each_value_with_its_layer_and_line() {
    let out = pave(
        &[
            "explain",
            "checkout",
            "--env",
            "prod",
            "--root",
            "examples/shop",
        ],
        &project(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("replicas ").contains("service environment override services/checkout.yaml:37:15"),
        "{text}"
    );
    assert!(
        line("size ").contains("service services/checkout.yaml:10:7"),
        "{text}"
    );
    assert!(
        line("env.LOG_FORMAT ").contains("platform defaults platform.yaml:"),
        "{text}"
    );
    assert!(line("tier ").contains("service"), "{text}");
}

#[test]
fn explain_shows_where_alerts_go_in_each_environment() {
    let receivers = |env: &str| {
        let out = pave(
            &[
                "explain",
                "payments",
                "--env",
                env,
                "--root",
                "examples/shop",
            ],
            &project(),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let of = |key: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(key))
                .unwrap_or_else(|| panic!("no {key} in {text}"))
                .split_whitespace()
                .nth(1)
                .unwrap()
                .to_string()
        };
        (of("alerts.page.receiver "), of("alerts.ticket.receiver "))
    };
    let ticket = "\"team-payments-ticket\"".to_string();
    assert_eq!(
        receivers("prod"),
        ("\"team-payments-page\"".to_string(), ticket.clone())
    );
    // Pages stay pages only in protected environments.
    assert_eq!(receivers("dev"), (ticket.clone(), ticket));
}

#[test]
fn explain_shows_where_a_data_store_lives_and_where_its_secret_is_written() {
    let out = pave(
        &["explain", "cart", "--env", "dev", "--root", "examples/shop"],
        &project(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for (key, value) in [
        (
            "needs.sessions.network.vpc_id ",
            "\"vpc-0a1b2c3d4e5f60001\"",
        ),
        (
            "needs.sessions.network.clients ",
            "\"sg-0a1b2c3d4e5f60021\"",
        ),
        ("needs.sessions.secret ", "\"shop/dev/cart/sessions\""),
        (
            "needs.sessions.generated.token ",
            "\"random_password.cart_sessions_token\"",
        ),
    ] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(key) && l.contains(value)),
            "{key}: {text}"
        );
    }
}

#[test]
fn module_outputs_reach_the_pod_through_the_secret_store() {
    let tree = build_spec_platform();
    let dir = tree.path().join("generated/kubernetes/prod/checkout");
    let deployment = fs::read_to_string(dir.join("deployment.yaml")).unwrap();
    // A whole secret output becomes a secretKeyRef; an embedded one a dependent variable.
    assert!(deployment.contains("- name: DATABASE_URL\n          valueFrom:\n            secretKeyRef:\n              name: checkout-db\n              key: url\n"), "{deployment}");
    assert!(
        deployment.contains(
            "- name: DB_DSN\n          value: host=$(PAVE_DB_HOST) port=5432 dbname=app\n"
        ),
        "{deployment}"
    );
    let helper = deployment.find("- name: PAVE_DB_HOST").unwrap();
    assert!(
        helper < deployment.find("- name: DB_DSN").unwrap(),
        "a dependent variable follows what it reads"
    );
    let config = fs::read_to_string(dir.join("configmap.yaml")).unwrap();
    assert!(
        !config.contains("DATABASE_URL") && !config.contains("DB_DSN"),
        "{config}"
    );
    // Credentials come from the store; the ExternalSecret assembles the URL from them,
    // so no secret value is in pave's output.
    let es = fs::read_to_string(dir.join("externalsecret-db.yaml")).unwrap();
    for key in ["host", "username", "password"] {
        assert!(
            es.contains(&format!(
                "key: acme/prod/checkout/db\n      property: {key}\n"
            )),
            "{es}"
        );
    }
    assert!(!es.contains("property: url"), "{es}");
    assert!(es.contains("refreshInterval: 15m\n"), "{es}");
    assert!(
        es.contains("    template:\n      engineVersion: v2\n      mergePolicy: Merge\n      data:\n        url: postgresql://{{ index . \"username\" | urlquery }}:{{ index . \"password\" | urlquery }}@{{ index . \"host\" | urlquery }}:5432/app\n"),
        "{es}"
    );
    // Reloader restarts the pods when a synced Secret they read changes: the needs'
    // (Terraform rewrites them) and the service's own.
    assert!(
        deployment.contains("  annotations:\n    secret.reloader.stakater.com/reload: checkout-cache,checkout-db,checkout-events,checkout-files,checkout-secrets\n"),
        "{deployment}"
    );
}

#[test]
fn quoted_yaml11_traps_stay_strings_in_the_output() {
    let tree = build_spec_platform();
    let config = fs::read_to_string(
        tree.path()
            .join("generated/kubernetes/prod/nightly-report/configmap.yaml"),
    )
    .unwrap();
    for (key, value) in [
        ("T_YES", "yes"),
        ("T_NO", "no"),
        ("T_ON", "on"),
        ("T_OFF", "off"),
        ("T_OCTAL", "0755"),
        ("T_FLOAT", "1e3"),
        ("T_TILDE", "~"),
        ("T_NULL", "null"),
        ("T_Y", "y"),
        ("T_VERSION", "1.10"),
        ("UMASK", "0022"),
    ] {
        let quoted = config.contains(&format!("  {key}: \"{value}\"\n"))
            || config.contains(&format!("  {key}: '{value}'\n"));
        assert!(quoted, "{key} is not a quoted string in:\n{config}");
    }
}

#[test]
fn github_actions_selects_annotations_automatically() {
    let repo = base_with_case("unknown-size");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pave"))
        .args(["lint"])
        .current_dir(repo.path())
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("::error file=services/api.yaml,line=4,col=7,"),
        "{}",
        stdout(&out)
    );
}

/// A scratch folder with `pave init acme` run in it: the folder and the repository.
fn initialized() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("acme");
    assert!(
        pave(&["init", repo.to_str().unwrap()], dir.path())
            .status
            .success()
    );
    (dir, repo)
}

/// `new` wrote a service whose owner or image the next build refused, and `init` and
/// `new` wrote through a symlinked `services` folder to outside the repository (both
/// found by independent reviews).
#[test]
fn new_refuses_an_owner_or_image_the_build_would_and_a_symlinked_services_folder() {
    let (dir, repo) = initialized();
    for args in [
        &["new", "api", "--owner", "bad owner"][..],
        &["new", "api", "--owner=-team"],
        &["new", "api", "--owner", &"t".repeat(64)],
        &["new", "api", "--owner", "team", "--image", "ghcr.io/a b:1"],
        &["new", "api", "--owner", "team", "--image", ""],
    ] {
        let out = pave(args, &repo);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("error[E0118]"), "{}", stderr(&out));
    }
    assert!(!repo.join("services/api.yaml").exists());
    let out = pave(&["new", "api", "--owner", "team.api_1"], &repo);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(pave(&["build"], &repo).status.success());

    let outside = dir.path().join("outside");
    fs::create_dir(&outside).unwrap();
    fs::rename(repo.join("services"), outside.join("services")).unwrap();
    std::os::unix::fs::symlink(outside.join("services"), repo.join("services")).unwrap();
    let out = pave(&["new", "web", "--owner", "team"], &repo);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("error[E0119]"), "{}", stderr(&out));
    let fresh = dir.path().join("fresh");
    fs::create_dir(&fresh).unwrap();
    std::os::unix::fs::symlink(&outside, fresh.join("services")).unwrap();
    let out = pave(&["init", fresh.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!outside.join("web.yaml").exists() && !outside.join("hello.yaml").exists());
    assert!(!outside.join("services/web.yaml").exists());
}

#[test]
fn init_then_new_makes_a_platform_that_builds_and_checks() {
    let (dir, repo) = initialized();
    assert!(repo.join("platform.yaml").is_file() && repo.join("services/hello.yaml").is_file());
    assert_eq!(
        pave(&["init", repo.to_str().unwrap()], dir.path())
            .status
            .code(),
        Some(2),
        "init never overwrites"
    );
    let out = pave(&["new", "orders", "--owner", "team-orders"], &repo);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        fs::read_to_string(repo.join("services/orders.yaml"))
            .unwrap()
            .contains("owner: team-orders")
    );
    assert_eq!(
        pave(&["new", "orders", "--owner", "x"], &repo)
            .status
            .code(),
        Some(2),
        "new never overwrites"
    );
    assert_eq!(
        pave(&["new", "Bad_Name", "--owner", "x"], &repo)
            .status
            .code(),
        Some(2)
    );
    let out = pave(
        &["new", "--score", "billing", "--owner", "team-billing"],
        &repo,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let score = fs::read_to_string(repo.join("services/billing.score.yaml")).unwrap();
    assert!(score.starts_with("apiVersion: score.dev/v1b1\n"), "{score}");
    assert!(score.contains("pave.dev/owner: team-billing"), "{score}");
    assert_eq!(
        pave(&["new", "billing", "--owner", "x"], &repo)
            .status
            .code(),
        Some(2),
        "new never overwrites a Score file either"
    );
    // The scaffolded Score workload is a web service like the pave file: it builds
    // without warnings and gets a Service.
    let out = pave(&["lint", "--deny-warnings"], &repo);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = pave(&["build"], &repo);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        fs::read_dir(repo.join("generated/kubernetes"))
            .unwrap()
            .flatten()
            .any(|env| env.path().join("billing/service.yaml").is_file())
    );
    assert_eq!(pave(&["check"], &repo).status.code(), Some(0));
}

#[test]
fn explain_and_graph_show_workload_kinds_and_their_fields() {
    let explain = |service: &str, env: &str| {
        let args = [
            "explain",
            service,
            "--env",
            env,
            "--root",
            "examples/workloads",
        ];
        let out = pave(&args, &project());
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let report = explain("report", "staging");
    let line = |text: &str, key: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line(&report, "schedule ").contains("\"0 */6 * * *\"")
            && line(&report, "schedule ")
                .contains("service environment override services/report.yaml:14:"),
        "{report}"
    );
    assert!(line(&report, "workload ").contains("\"cron\""), "{report}");
    let pricing = explain("pricing", "prod");
    assert!(
        line(&pricing, "workload ").contains("built-in default"),
        "{pricing}"
    );
    for key in [
        "health.startup.failure_threshold ",
        "sidecars.envoy.image ",
        "init.migrate.image ",
        "files./etc/pricing/config.yaml ",
        "files./etc/envoy/envoy.yaml.from ",
        "security.run_as_user ",
        "ports.debug ",
    ] {
        assert!(
            line(&pricing, key).contains("services/pricing.yaml:"),
            "{key}: {pricing}"
        );
    }
    // The environment's pod settings, with the environment as their origin; staging has none.
    for (key, value) in [
        ("node_selector.karpenter.sh/nodepool ", "\"apps\""),
        ("image_pull_secrets.0 ", "\"ghcr-works\""),
        (
            "tolerations.0 ",
            "key=dedicated operator=Equal value=apps effect=NoSchedule",
        ),
    ] {
        let found = line(&pricing, key);
        assert!(
            found.contains(value) && found.ends_with("platform environments.prod"),
            "{key}: {pricing}"
        );
    }
    assert!(!report.contains("node_selector."), "{report}");
    let out = pave(&["graph", "--root", "examples/workloads"], &project());
    let graph = stdout(&out);
    assert!(
        graph.contains("indexer[\"indexer (team-search, worker)\"]"),
        "{graph}"
    );
    assert!(
        graph.contains("report[\"report (team-data, cron)\"]"),
        "{graph}"
    );
    assert!(
        graph.contains("pricing[\"pricing (team-pricing)\"]"),
        "{graph}"
    );
}

/// A service named like another service's need (`cart-sessions`, cart's need
/// `sessions`) or route (`route-frontend`) had the same node id, so the two drew as
/// one node (found by an independent review): every node has an id of its own.
#[test]
fn graph_gives_every_node_an_id_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), dir.path());
    for name in ["cart-sessions", "route-frontend"] {
        let service = format!(
            "name: {name}\nowner: team-checkout\nimage: ghcr.io/shop/{name}:1.0.0\nhealth: {{ liveness: /livez, readiness: /ready }}\n"
        );
        fs::write(dir.path().join(format!("services/{name}.yaml")), service).unwrap();
    }
    let out = pave(&["graph", "--format", "json"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let graph: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ids: Vec<&str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
    let edge = |from: &str, to: &str| {
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["from"] == from && e["to"] == to)
    };
    assert!(edge("cart", "cart_sessions_2"), "cart's need: {graph}");
    assert!(
        edge("route_frontend_2", "frontend"),
        "frontend's route: {graph}"
    );
    assert!(!edge("route_frontend", "frontend"), "{graph}");
    let mermaid = stdout(&pave(&["graph"], dir.path()));
    assert!(
        mermaid.contains("  cart_sessions[\"cart-sessions (team-checkout)\"]\n"),
        "{mermaid}"
    );
}

#[test]
fn graph_draws_services_needs_and_routes() {
    let out = pave(&["graph", "--root", "examples/shop"], &project());
    assert!(out.status.success(), "{}", stderr(&out));
    let mermaid = stdout(&out);
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(
        mermaid.contains("  frontend -->|checkout| checkout\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("  checkout -->|postgres| checkout_db\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("  route_frontend -->|route| frontend\n"),
        "{mermaid}"
    );
    let dot = stdout(&pave(
        &["graph", "--format", "dot", "--root", "examples/shop"],
        &project(),
    ));
    assert!(
        dot.starts_with("digraph platform {")
            && dot.contains("  cart -> catalog [label=\"catalog\"];\n"),
        "{dot}"
    );
    assert_eq!(
        pave(
            &["build", "--format", "dot", "--root", "examples/shop"],
            &project()
        )
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn kdl_service_files_compile_exactly_like_their_yaml() {
    let yaml = tempfile::tempdir().unwrap();
    let kdl = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/data/spec-platform"), yaml.path());
    copy_dir(&project().join("tests/data/spec-platform"), kdl.path());
    for name in ["orders", "checkout"] {
        fs::remove_file(kdl.path().join(format!("services/{name}.yaml"))).unwrap();
    }
    copy_dir(&project().join("tests/data/kdl"), kdl.path());
    for repo in [&yaml, &kdl] {
        let out = pave(&["build"], repo.path());
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let tree = |d: &Path| {
        let mut s = snapshot(d);
        s.retain(|k, _| !k.starts_with("services/"));
        s
    };
    assert_eq!(
        tree(yaml.path()),
        tree(kdl.path()),
        "KDL and YAML sources differ in output"
    );
}

#[test]
fn kdl_workloads_compile_exactly_like_their_yaml() {
    // Probes in every form (a list under `exec`), sidecars, init containers, files and
    // cron settings lower from KDL through the schema to the same value tree.
    let kdl = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/workloads"), kdl.path());
    for name in ["pricing", "indexer", "report"] {
        fs::remove_file(kdl.path().join(format!("services/{name}.yaml"))).unwrap();
    }
    copy_dir(&project().join("tests/data/kdl-workloads"), kdl.path());
    let out = pave(&["build"], kdl.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let built = snapshot(&kdl.path().join("generated"));
    let golden = snapshot(&project().join("golden/workloads/generated"));
    assert_eq!(built, golden, "KDL and YAML sources differ in output");
}

/// The base platform of the bad-input cases with its platform file as `platform.yml`,
/// or rewritten in KDL, plus an allowed registry.
fn base_with_platform_as(extension: &str) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    let yaml = repo.path().join("platform.yaml");
    if extension == "yml" {
        let text = fs::read_to_string(&yaml).unwrap() + "registries: [ghcr.io/acme]\n";
        fs::write(repo.path().join("platform.yml"), text).unwrap();
    } else {
        let text = fs::read_to_string(project().join("fuzz/corpus/kdl_load/platform.kdl")).unwrap()
            + "registries \"ghcr.io/acme\"\n";
        fs::write(repo.path().join("platform.kdl"), text).unwrap();
    }
    fs::remove_file(yaml).unwrap();
    repo
}

/// A denied warning does not hide an unknown `--service`: both are reported, and the
/// exit is the usage error's.
#[test]
fn a_denied_warning_does_not_hide_an_unknown_service() {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    let warns = project().join("tests/diagnostics/exception-matches-nothing/platform.yaml");
    fs::copy(warns, repo.path().join("platform.yaml")).unwrap();
    let out = pave(
        &["check", "--service", "nope", "--deny-warnings"],
        repo.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    for code in ["warning[E0305]", "error[E0116]", "error[E0115]"] {
        assert!(stderr(&out).contains(code), "{code}: {}", stderr(&out));
    }
}

/// GitHub code scanning refuses a SARIF upload with one result without a location: a
/// result about no file (unknown `--service` names, every one of them reported) is
/// put at the platform file the repository has.
#[test]
fn sarif_puts_results_about_no_file_at_the_platform_file() {
    for extension in ["yml", "kdl"] {
        let repo = base_with_platform_as(extension);
        let args = [
            "check",
            "--service",
            "nope",
            "--service",
            "zzz",
            "--format",
            "sarif",
        ];
        let out = pave(&args, repo.path());
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let log: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let results = log["runs"][0]["results"].as_array().unwrap();
        let messages: Vec<&str> = results
            .iter()
            .map(|r| r["message"]["text"].as_str().unwrap())
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].starts_with("no service named `nope`"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("the service names are `api`, `web`"),
            "{messages:?}"
        );
        for result in results {
            let location = &result["locations"][0]["physicalLocation"];
            assert_eq!(
                location["artifactLocation"]["uri"],
                format!("platform.{extension}")
            );
            assert_eq!(location["region"]["startLine"], 1);
        }
    }
}

/// A format the command cannot print, asked for in a machine format, is refused in
/// that format: `pave diff --format sarif --output pave.sarif` saves a SARIF log with
/// the E0117 result (a CI step uploading it shows the mistake, not an empty file); a
/// format that is no machine format is refused in human form on stderr.
#[test]
fn a_refused_machine_format_is_refused_in_that_format() {
    let repo = base_with_platform_as("yml");
    let report = repo.path().join("pave.sarif");
    let report_arg = report.to_str().unwrap();
    let args = ["diff", "--format", "sarif", "--output", report_arg];
    let out = pave(&args, repo.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let log: serde_json::Value = serde_json::from_slice(&fs::read(&report).unwrap()).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{log}");
    assert_eq!(results[0]["ruleId"], "E0117");
    assert!(
        results[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("`pave diff` cannot print `--format sarif`"),
        "{log}"
    );
    let out = pave(&["policies", "--format", "github"], repo.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).starts_with("::error title=pave E0117::`pave policies` cannot print"),
        "{}",
        stdout(&out)
    );
    let out = pave(&["graph", "--format", "markdown"], repo.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(stderr(&out).contains("error[E0117]: `pave graph` cannot print `--format markdown`"));
}

#[test]
fn explain_policies_graph_and_new_read_a_yml_or_kdl_platform_file() {
    for extension in ["yml", "kdl"] {
        let repo = base_with_platform_as(extension);
        for args in [&["explain", "api"][..], &["policies"], &["graph"]] {
            let out = pave(args, repo.path());
            assert!(
                out.status.success() && !stdout(&out).is_empty(),
                "{extension}: {args:?}: {}",
                stderr(&out)
            );
        }
        let out = pave(&["new", "orders", "--owner", "team-orders"], repo.path());
        assert!(out.status.success(), "{extension}: {}", stderr(&out));
        // A KDL platform gets a KDL service, which compiles.
        let (file, image) = match extension {
            "kdl" => ("orders.kdl", "image \"ghcr.io/acme/orders:0.1.0\""),
            _ => ("orders.yaml", "image: ghcr.io/acme/orders:0.1.0"),
        };
        let written = fs::read_to_string(repo.path().join("services").join(file)).unwrap();
        assert!(
            written.contains(image),
            "{extension}: the platform's registry is used:\n{written}"
        );
        let out = pave(&["lint"], repo.path());
        assert!(out.status.success(), "{extension}: {}", stderr(&out));
        let out = pave(&["init", "."], repo.path());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{extension}: init never overwrites"
        );
        assert!(stderr(&out).contains("error[E0118]"), "{}", stderr(&out));
    }
}

/// One `code message` line per diagnostic of a `--format json` report.
/// The diagnostics of a `--format json` run: on stdout, or on stderr for a command
/// whose stdout is its data (`explain`, `graph`, `policies`, `modules`).
fn json_diagnostics(out: &std::process::Output) -> Vec<String> {
    let text = match stdout(out).is_empty() {
        true => stderr(out),
        false => stdout(out),
    };
    let report: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn usage_errors_are_diagnostics_in_the_chosen_format() {
    let repo = base_with_case("unknown-field-near-miss");
    let cases: [(&[&str], &str); 5] = [
        (
            &["lint", "--root", "no-such-folder"],
            "E0114 `no-such-folder` is not a directory",
        ),
        (
            &["build", "--env", "prdo"],
            "E0116 no environment `prdo`; environments: dev, prod",
        ),
        (
            &["explain", "nope"],
            "E0116 no service `nope` in the selected environments",
        ),
        (
            &["new", "Bad_Name", "--owner", "x"],
            "E0118 `Bad_Name` is not a DNS-1123 label",
        ),
        (&["init", "."], "E0118"),
    ];
    // The case's own mistake stops `build` and `explain` first; a clean base shows the filter errors.
    let clean = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), clean.path());
    for (args, expected) in cases {
        let dir = if args[0] == "lint" {
            repo.path()
        } else {
            clean.path()
        };
        let mut args = args.to_vec();
        args.extend(["--format", "json"]);
        let out = pave(&args, dir);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let diags = json_diagnostics(&out);
        assert!(
            diags.len() == 1 && diags[0].starts_with(expected),
            "{args:?}: {diags:?}"
        );
    }
    let out = pave(&["build", "--format", "dot", "--root", "."], clean.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("error[E0117]"), "{}", stderr(&out));
}

#[test]
fn denied_warnings_are_a_diagnostic_and_exit_1() {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform)
        .unwrap()
        .replace("image.digest-in-prod: off", "image.digest-in-prod: warning");
    fs::write(&platform, text).unwrap();
    let out = pave(
        &["lint", "--deny-warnings", "--format", "json"],
        repo.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diags = json_diagnostics(&out);
    assert!(
        diags.iter().any(|d| d.starts_with("E0301"))
            && diags
                .iter()
                .any(|d| d == "E0115 warnings are denied (--deny-warnings)"),
        "{diags:?}"
    );
}

/// `teams` and `monitoring.routing` read the same from KDL as from YAML: both
/// platforms write the same Alertmanager configuration.
#[test]
fn kdl_teams_route_exactly_like_yaml() {
    let yaml = base_with_platform_as("yml");
    let text = fs::read_to_string(yaml.path().join("platform.yml")).unwrap()
        + "monitoring: { routing: alertmanager }
teams:
  team-core:
    receivers:
      page: { pagerduty: { routing_key: { secret: alerting, key: pagerduty } } }
      ticket:
        slack: { api_url: { secret: alerting, key: slack }, channel: \"#core\" }
        email: { to: core@acme.io, from: alerts@acme.io, smarthost: \"smtp.acme.io:587\" }
  team-web:
    receivers:
      page: { opsgenie: { api_key: { secret: alerting, key: opsgenie } } }
      ticket: { webhook: { url: \"https://tickets.acme.io/hook\" } }
";
    fs::write(yaml.path().join("platform.yml"), text).unwrap();
    let kdl = base_with_platform_as("kdl");
    let text = fs::read_to_string(kdl.path().join("platform.kdl")).unwrap()
        + r##"monitoring routing="alertmanager"
teams {
    team-core {
        receivers {
            page {
                pagerduty { routing_key secret="alerting" key="pagerduty"; }
            }
            ticket {
                slack { api_url secret="alerting" key="slack"; channel "#core"; }
                email to="core@acme.io" from="alerts@acme.io" smarthost="smtp.acme.io:587"
            }
        }
    }
    team-web {
        receivers {
            page {
                opsgenie { api_key secret="alerting" key="opsgenie"; }
            }
            ticket {
                webhook url="https://tickets.acme.io/hook"
            }
        }
    }
}
"##;
    fs::write(kdl.path().join("platform.kdl"), text).unwrap();
    let config = |repo: &Path| {
        let out = pave(&["build"], repo);
        assert!(out.status.success(), "{}", stderr(&out));
        fs::read_to_string(repo.join("generated/alertmanager/prod/alertmanager.yml")).unwrap()
    };
    let from_yaml = config(yaml.path());
    assert!(from_yaml.contains("team-web-page"), "{from_yaml}");
    assert_eq!(config(kdl.path()), from_yaml);
}

#[test]
fn explain_shows_only_the_explained_service_s_diagnostics() {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    let platform = repo.path().join("platform.yaml");
    let text = fs::read_to_string(&platform)
        .unwrap()
        .replace("image.digest-in-prod: off", "image.digest-in-prod: warning");
    fs::write(&platform, text).unwrap();
    // Both services warn in `lint`...
    let lint = stderr(&pave(&["lint"], repo.path()));
    assert!(
        lint.contains("services/api.yaml") && lint.contains("services/web.yaml"),
        "{lint}"
    );
    // ...but explaining one shows its own warning only.
    let out = pave(&["explain", "api", "--env", "prod"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("services/api.yaml"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("services/web.yaml"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).starts_with("api in prod"), "{}", stdout(&out));
}

#[test]
fn explain_shows_a_service_while_another_service_is_broken() {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("examples/shop"), repo.path());
    let append = |service: &str, text: &str| {
        let path = repo.path().join(format!("services/{service}.yaml"));
        let old = fs::read_to_string(&path).unwrap();
        fs::write(&path, format!("{old}{text}")).unwrap();
    };
    // `notifications` neither needs `checkout` nor is needed by it.
    append("notifications", "size: huge\n");
    assert!(!pave(&["check"], repo.path()).status.success());
    // Another service's error does not hide this one's values...
    let out = pave(&["explain", "checkout", "--env", "dev"], repo.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("checkout in dev"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(
            "note: services/notifications.yaml has errors (`pave check` lists them); `checkout` is explained as if it were not there"
        ),
        "{}",
        stderr(&out)
    );
    let out = pave(
        &[
            "explain",
            "checkout",
            "--env",
            "dev",
            "configmap",
            "data.LOG_FORMAT",
        ],
        repo.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("from `env.LOG_FORMAT`: platform defaults platform.yaml:"),
        "{}",
        stdout(&out)
    );
    // Its objects are those the build makes: the peers let in are all there.
    let out = pave(
        &[
            "explain",
            "checkout",
            "--env",
            "dev",
            "networkpolicy",
            "spec.ingress",
        ],
        repo.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("frontend"), "{}", stdout(&out));
    // ...but the broken service itself stops explain, and so does a broken service
    // checkout needs (its URL would be wrong) or one that needs checkout (the ingress
    // rule letting it in would be missing).
    let out = pave(&["explain", "notifications", "--env", "dev"], repo.path());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("E0502"), "{}", stderr(&out));
    let stops = |broken: &str| {
        let path = repo.path().join(format!("services/{broken}.yaml"));
        let old = fs::read_to_string(&path).unwrap();
        fs::write(&path, format!("{old}replicas: x\n")).unwrap();
        let out = pave(&["explain", "checkout", "--env", "dev"], repo.path());
        fs::write(&path, old).unwrap();
        assert!(!out.status.success(), "{broken}: {}", stdout(&out));
        assert!(stderr(&out).contains("E0201"), "{}", stderr(&out));
    };
    stops("payments");
    stops("frontend");
    // Named through an escape, as parsed: still a file that needs checkout.
    let zed = repo.path().join("services/zed.yaml");
    fs::write(
        &zed,
        "name: zed\nowner: team-web\nimage: ghcr.io/shop/zed:1\nreplicas: x\nneeds:\n  c: { service: \"\\x63heckout\" }\n",
    )
    .unwrap();
    let out = pave(&["explain", "checkout", "--env", "dev"], repo.path());
    assert!(!out.status.success(), "{}", stdout(&out));
    fs::remove_file(&zed).unwrap();
    // A broken platform file or policy stops it too.
    for (file, text) in [
        ("platform.yaml", "bad: [\n"),
        ("policies/broken.yaml", "assert: [\n"),
    ] {
        let path = repo.path().join(file);
        let old = fs::read_to_string(&path).unwrap_or_default();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, format!("{old}{text}")).unwrap();
        let out = pave(&["explain", "checkout", "--env", "dev"], repo.path());
        assert!(!out.status.success(), "{file}: {}", stdout(&out));
        fs::write(&path, old).unwrap();
    }
}

#[test]
fn explain_names_where_a_config_map_value_comes_from() {
    let run = |args: &[&str]| {
        let out = pave(
            &[
                &[
                    "explain",
                    "pricing",
                    "--root",
                    "examples/workloads",
                    "--env",
                    "staging",
                ],
                args,
            ]
            .concat(),
            &project(),
        );
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    // A file, by its key with dots in it, from its `files` entry.
    let file = run(&["configmap/pricing-files", "data.etc_pricing_config.yaml"]);
    assert!(
        file.contains("from `files./etc/pricing/config.yaml`: service services/pricing.yaml:"),
        "{file}"
    );
    // Two ConfigMaps have `data`: explain names them rather than pick one.
    let out = pave(
        &[
            "explain",
            "pricing",
            "--root",
            "examples/workloads",
            "--env",
            "staging",
            "configmap",
            "data",
        ],
        &project(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("configmap/pricing-files, configmap/pricing-dashboard"),
        "{}",
        stderr(&out)
    );
    // A field a default fills, which no file writes.
    let port = pave(
        &[
            "explain",
            "web",
            "--root",
            "tests/diagnostics/_base",
            "--env",
            "dev",
            "port",
        ],
        &project(),
    );
    assert!(
        stdout(&port).contains("web in dev: port = 8080"),
        "{}{}",
        stdout(&port),
        stderr(&port)
    );
    // A label key with dots and a slash.
    let label = run(&["deployment", "metadata.labels.app.kubernetes.io/name"]);
    assert!(label.contains("= \"pricing\""), "{label}");
}

#[test]
fn data_commands_print_json_data_on_stdout() {
    let shop = ["--root", "examples/shop", "--format", "json"];
    let run = |args: &[&str]| -> serde_json::Value {
        let out = pave(&[args, &shop[..]].concat(), &project());
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    };
    let graph = run(&["graph"]);
    assert!(
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["from"] == "checkout" && e["to"] == "checkout_db")
    );
    let policies = run(&["policies", "--service", "checkout", "--env", "prod"]);
    assert_eq!(policies["environments"], serde_json::json!(["prod"]));
    assert!(policies["exceptions"].is_array());
    let explain = run(&["explain", "checkout", "--env", "prod"]);
    let values = explain[0]["values"].as_array().unwrap();
    let replicas = values.iter().find(|v| v["field"] == "replicas").unwrap();
    assert_eq!(replicas["line"], 37);
    // A secret-wired variable shows its secretKeyRef, not `$(PAVE_DB_URL)`.
    let url = values
        .iter()
        .find(|v| v["field"] == "env.DATABASE_URL")
        .unwrap();
    assert_eq!(url["value"], "secretKeyRef checkout-db/url");
    let modules = run(&["modules", "postgres"]);
    assert_eq!(
        modules[0]["terraform"]["source"],
        "terraform-aws-modules/rds/aws"
    );
}

#[test]
fn explain_links_the_environment_dashboard_with_the_service_chosen() {
    let out = pave(
        &[
            "explain",
            "orders",
            "--env",
            "prod",
            "--root",
            "tests/data/spec-platform",
        ],
        &project(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("delivery.dashboard "))
        .unwrap_or_else(|| panic!("no dashboard in {text}"));
    assert!(
        line.contains("\"https://grafana.acme.io/d/pave-acme-prod?var-service=orders\""),
        "{line}"
    );
}

/// `--dry-run` on `check` or `diff` was accepted silently, `--output` on a data
/// command told a user who had given `--format json` to add it, and `--tree` inside an
/// input folder built a tree the next build read as inputs (found by independent
/// reviews): each is E0117 saying what to do instead.
#[test]
fn options_a_command_cannot_honour_say_what_to_do_instead() {
    for (args, says) in [
        (&["check", "--dry-run"][..], "`pave check` never writes"),
        (&["diff", "--dry-run"], "`pave diff` never writes"),
        (
            &["graph", "--format", "json", "--output", "g.json"],
            "`pave graph` prints its data on stdout",
        ),
        (
            &["diff", "--format", "json", "--output", "d.json"],
            "`pave diff` prints its data on stdout",
        ),
        // The tree would be read as inputs by the next build (found by an attack).
        (
            &["build", "--tree", "examples/shop/services/x"],
            "`--tree` is inside the input folder `services/`",
        ),
        (
            &["check", "--tree", "examples/shop/x/../Modules"],
            "`--tree` is inside the input folder `modules/`",
        ),
        // A file read as an interrupted build's journal (E0114 there, not E0117).
        (&["check", "--tree", "Cargo.toml"], "is not a directory"),
    ] {
        let mut full = args.to_vec();
        full.extend(["--root", "examples/shop"]);
        let out = pave(&full, &project());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        // With `--format json` the usage error is that format's document.
        let said = stdout(&out) + &stderr(&out);
        assert!(
            (said.contains("E0117") || said.contains("E0114")) && said.contains(says),
            "{args:?}: {said}"
        );
    }
    assert!(!project().join("g.json").exists() && !project().join("d.json").exists());
    assert!(!project().join("examples/shop/services/x").exists());
}

/// A usage error the command-line parser finds (a bad `--today`, an unknown flag) is
/// a diagnostic in the machine format asked for, on stdout or in `--output FILE`, so a
/// SARIF upload never gets an empty file (it was clap's plain text: found by a review).
#[test]
fn command_line_errors_are_diagnostics_in_the_chosen_format() {
    let out = pave(
        &[
            "check",
            "--format",
            "sarif",
            "--today",
            "2025-13-45",
            "--root",
            "examples/shop",
        ],
        &project(),
    );
    assert_eq!(out.status.code(), Some(2));
    let log: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "E0117");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = pave(
        &[
            "lint",
            "--format=json",
            "--bogus",
            "--output",
            report.to_str().unwrap(),
        ],
        &project(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(doc["diagnostics"][0]["code"], "E0117");
    assert!(
        doc["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("--bogus")
    );
    // Human output and help stay clap's own.
    let out = pave(&["check", "--bogus"], &project());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: unexpected argument '--bogus'"),
        "{}",
        stderr(&out)
    );
    let out = pave(&["check", "--format", "sarif", "--help"], &project());
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Usage: pave check"));
}

/// The man page documents every command's options in a section of its own; it had
/// only the global options and pointed at `pave-build(1)` pages nothing generates
/// (found by an independent review).
#[test]
fn the_man_page_documents_every_commands_options() {
    let out = pave(&["man"], &project());
    assert!(out.status.success());
    let page = stdout(&out);
    for section in [
        "PAVE BUILD",
        "PAVE CHECK",
        "PAVE DIFF",
        "PAVE NEW",
        "PAVE GRAPH",
    ] {
        assert!(page.contains(&format!(".SH \"{section}\"\n")), "{section}");
    }
    for flag in [
        "root",
        "tree",
        "dry\\-run",
        "allow\\-destroy",
        "owner",
        "image",
        "score",
    ] {
        assert!(page.contains(&format!("\\fB\\-\\-{flag}\\fR")), "--{flag}");
    }
    assert!(!page.contains("pave\\-build(1)") && !page.contains("PAVE HELP"));
}
