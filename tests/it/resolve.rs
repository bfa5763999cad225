//! The resolver and the human renderer on hostile but valid-looking inputs:
//! non-ASCII text everywhere, lines longer than a terminal, very many keys.

use super::*;

/// A service file in YAML whose text, placeholders and env values are not ASCII.
const UNICODE_YAML: &str = "name: api
owner: team-core
description: café — 日本語のサービス 🚀
image: ghcr.io/acme/api:1.0.0
env:
  GREETING: \"é${service.name}ü\"
  ROCKET: 🚀${env.name}🚀
  CJK: 中文${platform.name}中文
needs:
  web: { service: web }
";

/// The same in KDL.
const UNICODE_KDL: &str = "name \"api\"
owner \"team-core\"
description \"café — 日本語のサービス 🚀\"
image \"ghcr.io/acme/api:1.0.0\"
env {
    GREETING \"é${service.name}ü\"
    ROCKET \"🚀${env.name}🚀\"
    CJK \"中文${platform.name}中文\"
}
needs {
    web service=\"web\"
}
";

/// The base platform with `service` as `services/api.<ext>` and non-ASCII platform defaults.
fn unicode_repo(ext: &str, service: &str) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    fs::remove_file(repo.path().join("services/api.yaml")).unwrap();
    fs::write(repo.path().join(format!("services/api.{ext}")), service).unwrap();
    let platform = fs::read_to_string(repo.path().join("platform.yaml")).unwrap();
    let platform = platform.replace(
        "defaults:\n",
        "defaults:\n  env: { MOTTO: \"naïve ${platform.name} ÆØÅ\" }\n",
    );
    fs::write(repo.path().join("platform.yaml"), platform).unwrap();
    repo
}

#[test]
fn non_ascii_text_builds_lints_checks_and_explains_in_yaml_and_kdl() {
    for (ext, text) in [("yaml", UNICODE_YAML), ("kdl", UNICODE_KDL)] {
        let repo = unicode_repo(ext, text);
        for args in [&["build"][..], &["lint"], &["check"], &["explain", "api"]] {
            let out = pave(args, repo.path());
            assert_eq!(
                out.status.code(),
                Some(0),
                "{ext} {args:?}: {}",
                stderr(&out)
            );
        }
        let config = fs::read_to_string(
            repo.path()
                .join("generated/kubernetes/dev/api/configmap.yaml"),
        )
        .unwrap();
        for expected in ["éapiü", "🚀dev🚀", "中文acme中文", "naïve acme ÆØÅ"] {
            assert!(config.contains(expected), "{ext}: {expected} in\n{config}");
        }
        let explain = pave(&["explain", "api"], repo.path());
        let text = String::from_utf8_lossy(&explain.stdout);
        assert!(
            text.contains("café — 日本語のサービス 🚀"),
            "{ext}:\n{text}"
        );
    }
}

#[test]
fn an_unknown_placeholder_after_multibyte_text_is_reported_at_its_character_column() {
    let repo = unicode_repo(
        "yaml",
        &UNICODE_YAML.replace("🚀${env.name}🚀", "🚀🚀${env.nmae}🚀"),
    );
    let out = pave(&["lint"], repo.path());
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[services/api.yaml:7:13]"), "{text}");
    assert!(text.contains("did you mean `${env.name}`?"), "{text}");
}

#[test]
fn an_error_on_a_line_of_70000_characters_renders_a_window_with_the_true_column() {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    let long = format!(
        "{{name: api, owner: team-core, image: ghcr.io/acme/api:1.0.0, description: \"{}\", replica: 2}}\n",
        "é".repeat(70_000)
    );
    fs::write(repo.path().join("services/api.yaml"), &long).unwrap();
    let column = long[..long.find("replica:").unwrap()].chars().count() + 1;
    for args in [&["lint"][..], &["build"], &["check"]] {
        let out = pave(args, repo.path());
        let text = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {text}");
        assert!(!text.contains("panicked"), "{text}");
        assert!(
            text.contains(&format!("[services/api.yaml:1:{column}]")),
            "{text}"
        );
        assert!(text.contains("replica: 2}"), "{text}");
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest < 400, "a line of {widest} characters:\n{text}");
    }
}

#[test]
fn a_label_wider_than_65535_columns_renders() {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    let service = fs::read_to_string(repo.path().join("services/api.yaml")).unwrap();
    let service = service.replace("replicas: 2", &format!("replicas: {}", "x".repeat(70_000)));
    fs::write(repo.path().join("services/api.yaml"), service).unwrap();
    let out = pave(&["lint"], repo.path());
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[services/api.yaml:4:11]"), "{text}");
    assert!(text.contains("expected integer"), "{text}");
}

/// `pave explain` of a service with `keys` env keys: the time it took.
fn explain_env_keys(keys: usize) -> std::time::Duration {
    let repo = tempfile::tempdir().unwrap();
    copy_dir(&project().join("tests/diagnostics/_base"), repo.path());
    let mut service =
        String::from("name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nenv:\n");
    // Short keys and values: 60,000 of them stay within the ConfigMap's 1 MiB (E0565).
    for i in 0..keys {
        service.push_str(&format!("  K{i}: ${{env.name}}{i}\n"));
    }
    fs::write(repo.path().join("services/api.yaml"), service).unwrap();
    let started = std::time::Instant::now();
    let out = pave(&["explain", "api", "--env", "prod"], repo.path());
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let last = format!("prod{}", keys - 1);
    assert!(text.contains(&last), "the last key is resolved");
    elapsed
}

#[test]
fn env_keys_resolve_in_linear_time_through_the_binary() {
    // 7,500 and 60,000 keys, each timed twice, fastest kept: linear is a ratio near 8,
    // a scan of every origin per key (the old layering) near 64. The bound leaves room
    // for a loaded machine without a fixed time budget.
    let fastest = |keys| (0..2).map(|_| explain_env_keys(keys)).min().unwrap();
    let small = fastest(7_500);
    let large = fastest(60_000);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-3);
    assert!(
        ratio < 24.0,
        "60,000 keys took {large:?}, 7,500 took {small:?}: {ratio:.1}x"
    );
}

#[test]
fn numbers_in_env_values_keep_the_authors_text_in_yaml_and_kdl() {
    let yaml = "name: api\nowner: team-core\nimage: ghcr.io/acme/api:1.0.0\nenv:\n  VERSION: 1.10\n  RATE: 1e3\n  SCI: 1.5e3\n  NEG: -0.50\nenvironments:\n  prod:\n    env: { VERSION: 2.20 }\n";
    let kdl = "name \"api\"\nowner \"team-core\"\nimage \"ghcr.io/acme/api:1.0.0\"\nenv {\n    VERSION 1.10\n    RATE 1e3\n    SCI 1.5e3\n    NEG -0.50\n}\nenvironments {\n    prod {\n        env {\n            VERSION 2.20\n        }\n    }\n}\n";
    for (ext, text) in [("yaml", yaml), ("kdl", kdl)] {
        let repo = unicode_repo(ext, text);
        let platform = fs::read_to_string(repo.path().join("platform.yaml")).unwrap();
        fs::write(
            repo.path().join("platform.yaml"),
            platform.replace("MOTTO: \"naïve ${platform.name} ÆØÅ\"", "TIMEOUT: 30.0"),
        )
        .unwrap();
        let out = pave(&["build"], repo.path());
        assert_eq!(out.status.code(), Some(0), "{ext}: {}", stderr(&out));
        let read = |env: &str| {
            fs::read_to_string(
                repo.path()
                    .join(format!("generated/kubernetes/{env}/api/configmap.yaml")),
            )
            .unwrap()
        };
        let dev = read("dev");
        for expected in [
            "VERSION: \"1.10\"",
            "RATE: \"1e3\"",
            "SCI: \"1.5e3\"",
            "NEG: \"-0.50\"",
            "TIMEOUT: \"30.0\"",
        ] {
            assert!(dev.contains(expected), "{ext}: {expected} in\n{dev}");
        }
        assert!(read("prod").contains("VERSION: \"2.20\""), "{ext}");
    }
}
