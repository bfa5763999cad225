//! Micro-benchmarks of the hot paths of a build: writing Kubernetes objects as YAML,
//! evaluating the policy packs over the resolved model and the rendered objects, and
//! hashing every generated file for the manifest.
//!
//! `cargo bench --bench hot_paths` times both on the `shop` example, loaded, resolved
//! and rendered once. The YAML benchmarks also time serde-saphyr, the writer pave
//! used before its own, on the same documents (the `(serde-saphyr)` rows), and a
//! ConfigMap holding a dashboard-sized multi-line JSON string. Under `valgrind --tool=callgrind` the same binary gives stable
//! instruction counts on a noisy machine:
//! `valgrind --tool=callgrind target/release/deps/hot_paths-* --bench --profile-time 5`.
//! `cargo test` does not run it (bench targets are not test targets).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

fn hot_paths(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
    let Some(prepared) = pave::testing::prepare(&root) else {
        panic!("examples/shop does not compile");
    };
    assert!(prepared.objects() > 0);
    // Both writers must write the same bytes, or the comparison means nothing.
    assert_eq!(prepared.yaml(), prepared.yaml_reference());
    c.bench_function("yaml: every Kubernetes object of examples/shop", |b| {
        b.iter(|| black_box(prepared.yaml()))
    });
    c.bench_function(
        "yaml (serde-saphyr): every Kubernetes object of examples/shop",
        |b| b.iter(|| black_box(prepared.yaml_reference())),
    );
    let board = dashboard_config_map();
    assert_eq!(
        pave::testing::yaml_value(&board, false),
        pave::testing::yaml_value(&board, true)
    );
    c.bench_function("yaml: a ConfigMap with a 40-panel dashboard JSON", |b| {
        b.iter(|| black_box(pave::testing::yaml_value(&board, false)))
    });
    c.bench_function(
        "yaml (serde-saphyr): a ConfigMap with a 40-panel dashboard JSON",
        |b| b.iter(|| black_box(pave::testing::yaml_value(&board, true))),
    );
    c.bench_function("policies: the packs of examples/shop", |b| {
        b.iter(|| black_box(prepared.policies()))
    });
    // What every command hashes: each generated file's bytes (here the shop's golden
    // tree), by the manifest's hash and, for comparison, by SHA-256 (format 3's).
    let mut files = Vec::new();
    read_tree(&root.join("../../golden/shop"), &mut files);
    assert!(files.len() > 50, "the golden tree of examples/shop");
    c.bench_function(
        "hash: every file of golden/shop (manifest, XXH3-128)",
        |b| {
            b.iter(|| {
                files
                    .iter()
                    .map(|f| pave::testing::manifest_hash(f).len())
                    .sum::<usize>()
            })
        },
    );
    c.bench_function("hash: every file of golden/shop (SHA-256)", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|f| pave::testing::sha256_hex(f).len())
                .sum::<usize>()
        })
    });
}

/// The bytes of every file under `dir`.
fn read_tree(dir: &Path, files: &mut Vec<Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match path.is_dir() {
            true => read_tree(&path, files),
            false => files.extend(std::fs::read(&path).ok()),
        }
    }
}

/// A ConfigMap like the generated Grafana dashboards: one long multi-line string
/// (pretty-printed JSON, about 40 KB) written as a `|` block.
fn dashboard_config_map() -> serde_json::Value {
    let panels: Vec<_> = (0..40)
        .map(|i| {
            serde_json::json!({
                "id": i,
                "title": format!("p99 latency of service-{i}: \"checkout\" # slo"),
                "type": "timeseries",
                "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": i * 8},
                "targets": [{
                    "expr": format!("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{service=\"service-{i}\"}}[5m])))"),
                    "legendFormat": "{{le}}",
                }],
                "fieldConfig": {"defaults": {"unit": "s", "thresholds": {"steps": [{"color": "green", "value": null}, {"color": "red", "value": 0.5}]}}},
            })
        })
        .collect();
    let board = serde_json::json!({"title": "shop", "uid": "shop-env", "panels": panels});
    let text = serde_json::to_string_pretty(&board).unwrap_or_default();
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "dashboard", "labels": {"grafana_dashboard": "1"}},
        "data": {"dashboard.json": text},
    })
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = hot_paths
}
criterion_main!(benches);
