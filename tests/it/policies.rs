//! Policies through the real binary: a platform written from SPEC with its own pack,
//! SARIF that validates against the SARIF 2.1.0 schema, `pave policies`, exception
//! expiry warnings and `--deny-warnings`.

use std::process::Command;

use serde_json::Value;

use super::*;

#[test]
fn the_spec_platform_with_its_own_pack_and_exception_passes() {
    let out = pave(
        &[
            "lint",
            "--root",
            "tests/data/spec-platform",
            "--format",
            "json",
        ],
        &project(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let errors = report["errors"].as_u64().unwrap();
    assert_eq!(errors, 0);
}

#[test]
fn custom_service_and_kubernetes_rules_fire_at_the_right_lines() {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/data/spec-platform"), repo.path());
    // Drop the exception's cover and break the kubernetes-scope rule.
    let orders = repo.path().join("services/orders.yaml");
    fs::write(
        &orders,
        fs::read_to_string(&orders)
            .unwrap()
            .replace("replicas: 3", "replicas: 2"),
    )
    .unwrap();
    let pack = repo.path().join("policies/acme.yaml");
    fs::write(
        &pack,
        fs::read_to_string(&pack)
            .unwrap()
            .replace("== platform.name", "== \"elsewhere\""),
    )
    .unwrap();
    let out = pave(&["lint", "--format", "json"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let found: Vec<(String, String, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "E0301" && d["severity"] == "error")
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        found.contains(&(
            "acme.prod-three-replicas".into(),
            "services/orders.yaml".into(),
            8
        )),
        "{found:?}"
    );
    for service in ["checkout", "nightly-report", "orders"] {
        let file = format!("services/{service}.yaml");
        assert!(
            found
                .iter()
                .any(|(r, f, l)| r == "acme.deployment-part-of" && *f == file && *l == 1),
            "{service}: {found:?}"
        );
    }
}

/// Every SARIF result has a location with a line: drift (a whole file) at its first
/// line, and a result about no file (`--deny-warnings`) at the platform file's, since
/// GitHub code scanning refuses the log otherwise (found by an independent review).
#[test]
fn every_sarif_result_has_a_location_with_a_line() {
    let repo = base_with_case("_base");
    assert!(pave(&["build"], repo.path()).status.success());
    fs::write(
        repo.path()
            .join("generated/kubernetes/dev/api/service.yaml"),
        "x: 1\n",
    )
    .unwrap();
    let spare = fs::read_to_string(repo.path().join("services/api.yaml")).unwrap()
        + "volumes: { spare: {} }\n";
    fs::write(repo.path().join("services/api.yaml"), spare).unwrap();
    let sarif = |args: &[&str], expected: &str| {
        let out = pave(args, repo.path());
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let results = log["runs"][0]["results"].as_array().unwrap().clone();
        assert!(
            results.iter().any(|r| r["ruleId"] == expected),
            "{results:?}"
        );
        for r in &results {
            let place = &r["locations"][0]["physicalLocation"];
            assert!(place["artifactLocation"]["uri"].is_string(), "{r}");
            assert!(
                place["region"]["startLine"]
                    .as_u64()
                    .is_some_and(|l| l >= 1),
                "{r}"
            );
        }
        results
    };
    sarif(&["check", "--format", "sarif"], "E0418");
    let results = sarif(&["check", "--format", "sarif", "--deny-warnings"], "E0115");
    let denied = results.iter().find(|r| r["ruleId"] == "E0115").unwrap();
    assert_eq!(
        denied["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "platform.yaml"
    );
}

#[test]
fn sarif_output_is_valid_and_stable() {
    let repo = base_with_case("policy-violation-at-service-line");
    let run = || {
        let out = pave(&["lint", "--format", "sarif"], repo.path());
        assert_eq!(out.status.code(), Some(1));
        stdout(&out)
    };
    let sarif = run();
    assert_eq!(sarif, run(), "SARIF differs between two runs");
    let log: Value = serde_json::from_str(&sarif).unwrap();
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "image.tag-pinned");
    assert_eq!(result["level"], "error");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(3), Some(8))
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "services/api.yaml"
    );
    let rule =
        &log["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["id"], "image.tag-pinned");
    assert!(
        result["partialFingerprints"]["pave/v1"]
            .as_str()
            .is_some_and(|f| f.len() == 32)
    );

    // Moving the offending line keeps the fingerprint.
    let service = repo.path().join("services/api.yaml");
    fs::write(
        &service,
        format!("# a comment\n{}", fs::read_to_string(&service).unwrap()),
    )
    .unwrap();
    let moved: Value = serde_json::from_str(&run()).unwrap();
    let moved = &moved["runs"][0]["results"][0];
    assert_eq!(
        moved["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
    assert_eq!(moved["partialFingerprints"], result["partialFingerprints"]);

    let Some(check) = validators::tool("check-jsonschema") else {
        return;
    };
    let file = repo.path().join("report.sarif");
    fs::write(&file, &sarif).unwrap();
    let schema = project().join("tests/data/sarif/sarif-schema-2.1.0.json");
    let out = Command::new(check)
        .arg("--schemafile")
        .arg(schema)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "SARIF rejected: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn policies_lists_severity_per_environment() {
    let out = pave(
        &["policies", "--root", "tests/data/spec-platform"],
        &project(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let row = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_default()
            .split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        row("avail.spread")[..6],
        [
            "avail.spread",
            "kubernetes",
            "off",
            "warning",
            "error",
            "yes"
        ]
    );
    assert_eq!(
        row("sec.seccomp")[..6],
        [
            "sec.seccomp",
            "kubernetes",
            "error",
            "error",
            "error",
            "yes"
        ]
    );
    assert_eq!(
        row("sec.no-plaintext-secrets")[..6],
        [
            "sec.no-plaintext-secrets",
            "service",
            "error",
            "error",
            "error",
            "no"
        ]
    );
    assert_eq!(
        row("acme.prod-three-replicas")[..2],
        ["acme.prod-three-replicas", "service"]
    );
    assert_eq!(text.lines().count(), 1 + 31 + 2, "{text}");
}

#[test]
fn lint_warns_about_exceptions_that_expire_soon_and_build_does_not() {
    let lint = Command::new(env!("CARGO_BIN_EXE_pave"))
        .args([
            "lint",
            "--root",
            "tests/data/spec-platform",
            "--today",
            "2027-03-10",
            "--format",
            "json",
        ])
        .current_dir(project())
        .output()
        .unwrap();
    assert_eq!(lint.status.code(), Some(0));
    let text = stdout(&lint);
    assert_eq!(text.matches("\"code\": \"E0306\"").count(), 2, "{text}");
    assert!(
        text.contains("expires in 21 day(s), on 2027-03-31"),
        "{text}"
    );
    let tree = tempfile::tempdir().unwrap();
    let build = Command::new(env!("CARGO_BIN_EXE_pave"))
        .args([
            "build",
            "--root",
            "tests/data/spec-platform",
            "--today",
            "2027-03-10",
            "--format",
            "json",
        ])
        .arg("--tree")
        .arg(tree.path())
        .current_dir(project())
        .output()
        .unwrap();
    assert_eq!(build.status.code(), Some(0));
    assert!(!stdout(&build).contains("E0306"));
}

#[test]
fn deny_warnings_makes_warnings_fatal_and_writes_nothing() {
    let repo = base_with_case("exception-matches-nothing");
    let before = snapshot(repo.path());
    let out = pave(&["build", "--deny-warnings"], repo.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("warnings are denied"),
        "{}",
        stderr(&out)
    );
    assert_eq!(before, snapshot(repo.path()));
    assert_eq!(pave(&["build"], repo.path()).status.code(), Some(0));
}

/// `pave policies --service S --env E --format json`: the per-environment rows.
fn applies_to(service: &str, env: &str) -> Vec<Value> {
    let out = pave(
        &[
            "policies",
            "--root",
            "tests/data/spec-platform",
            "--service",
            service,
            "--env",
            env,
            "--format",
            "json",
        ],
        &project(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["service"], service);
    assert_eq!(doc["applies"][0]["environment"], env);
    doc["applies"][0]["policies"].as_array().unwrap().clone()
}

fn row<'a>(rows: &'a [Value], id: &str) -> &'a Value {
    rows.iter().find(|r| r["id"] == id).unwrap()
}

#[test]
fn policies_for_a_service_evaluate_when_against_that_service() {
    // `slo.required-for-tier` applies when `service.tier <= 1`: checkout is tier 1,
    // nightly-report tier 3.
    let checkout = applies_to("checkout", "prod");
    let slo = row(&checkout, "slo.required-for-tier");
    assert_eq!(slo["applies"], true);
    assert_eq!(slo["result"], "pass");
    assert_eq!(slo["severity"], "error");
    let nightly = applies_to("nightly-report", "prod");
    let slo = row(&nightly, "slo.required-for-tier");
    assert_eq!(slo["applies"], false);
    assert_eq!(slo["result"], Value::Null);
    assert_eq!(slo["when"], "service.tier <= 1");
    // `image.digest-in-prod` applies when `env.protected`: in prod, not in dev.
    assert_eq!(row(&nightly, "image.digest-in-prod")["applies"], true);
    let dev = applies_to("nightly-report", "dev");
    assert_eq!(row(&dev, "image.digest-in-prod")["applies"], false);
}

#[test]
fn policies_for_a_service_show_the_exception_that_waives_a_failure() {
    let nightly = applies_to("nightly-report", "prod");
    let min = row(&nightly, "avail.min-replicas");
    assert_eq!(min["applies"], true);
    assert_eq!(min["result"], "fail");
    assert_eq!(
        min["waived_by"]["reason"],
        "singleton batch job; leader election not supported"
    );
    assert_eq!(min["waived_by"]["expires"], "2027-03-31");
    assert_eq!(min["waived_by"]["expired"], false);
    // The exception names nightly-report in prod only.
    let checkout = applies_to("checkout", "prod");
    assert_eq!(
        row(&checkout, "avail.min-replicas")["waived_by"],
        Value::Null
    );
    // Human text: the waiver beside the failure, the excluded policy with its `when`.
    let out = pave(
        &[
            "policies",
            "--root",
            "tests/data/spec-platform",
            "--service",
            "nightly-report",
            "--env",
            "prod",
        ],
        &project(),
    );
    let text = stdout(&out);
    let line = |id: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{id} ")))
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        line("avail.min-replicas")
            .starts_with("avail.min-replicas service error fail waived until 2027-03-31:"),
        "{text}"
    );
    assert_eq!(
        line("slo.required-for-tier"),
        "slo.required-for-tier when: service.tier <= 1",
        "{text}"
    );
    let excluded = text.find("not applied to nightly-report:").unwrap();
    assert!(
        text.find("slo.required-for-tier").unwrap() > excluded,
        "{text}"
    );
}
