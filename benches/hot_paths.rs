//! Micro-benchmarks of the hot paths of a build: writing Kubernetes objects as YAML
//! and evaluating the policy packs over the resolved model and the rendered objects.
//!
//! `cargo bench --bench hot_paths` times both on the `shop` example, loaded, resolved
//! and rendered once. Under `valgrind --tool=callgrind` the same binary gives stable
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
    c.bench_function("yaml: every Kubernetes object of examples/shop", |b| {
        b.iter(|| black_box(prepared.yaml()))
    });
    c.bench_function("policies: the packs of examples/shop", |b| {
        b.iter(|| black_box(prepared.policies()))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = hot_paths
}
criterion_main!(benches);
