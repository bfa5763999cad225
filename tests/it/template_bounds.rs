//! Templates whose single built-in operations do unbounded work (fuel meters only
//! instructions): the watchdog stops them with a diagnostic at the template, never
//! an abort, a hang or an exhausted machine.

use std::fs;

use crate::{base_with_case, pave, stderr};

/// The base repository with one extra file.
fn repo_with(path: &str, text: &str) -> tempfile::TempDir {
    let repo = base_with_case("tmpl-module-loop");
    let file = repo.path().join(path);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(file, text).unwrap();
    repo
}

#[test]
fn a_policy_message_repeating_large_strings_stops_after_the_time_limit() {
    // 300 MB built per iteration (minijinja's largest repetition, twice, joined): little
    // memory at a time, but thousands of iterations fit in the fuel budget: minutes of work.
    let repo = repo_with(
        "modules/cache/module.yaml",
        "type: cache\nterraform:\n  source: acme/cache/aws\n  version: \"1.0\"\noutputs:\n  host: { value: h }\n",
    );
    fs::create_dir_all(repo.path().join("policies")).unwrap();
    fs::write(
        repo.path().join("policies/slow.yaml"),
        "policies:\n  - id: acme.slow\n    description: slow\n    severity: error\n    scope: service\n    assert: service.replicas >= 3\n    message: \"{% for i in range(10000) %}{% if ('x' * (100000000 - i)) ~ ('y' * (100000000 - i)) %}{% endif %}{% endfor %}\"\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = pave(&["lint"], repo.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error[E0309]: template evaluation ran longer than 10 s"),
        "{err}"
    );
    assert!(err.contains("policies/slow.yaml:7:14"), "{err}");
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

#[test]
fn a_module_template_doubling_a_string_is_stopped_not_aborted() {
    // 2^37 bytes if nothing stopped it: the allocation would fail and abort.
    let repo = repo_with(
        "modules/cache/module.yaml",
        "type: cache\nterraform:\n  source: acme/cache/aws\n  version: \"1.0\"\n  inputs:\n    blob: \"{% set ns = namespace(x='xx') %}{% for i in range(36) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x|length }}\"\noutputs:\n  host: { value: h }\n",
    );
    fs::remove_dir_all(repo.path().join("policies")).ok();
    let out = pave(&["build"], repo.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[E0530]: template evaluation"), "{err}");
    assert!(err.contains("modules/cache/module.yaml:6:11"), "{err}");
    assert!(!err.contains("memory allocation"), "{err}");
    assert!(!repo.path().join("generated").exists());
}
