//! What diagnostics with their positions cost (issue 18, item 6): `check` of the synthetic
//! 10,000-bridge deployment of `benches/support/gen.rs` as it is (valid, no diagnostic: no
//! position is computed) and with a warning on every bridge (`topology_with_warnings`: each
//! bridge on a private address without `public_address`, 10,000 warnings, each placed at its
//! line and column by a second parse), and the text report of those warnings.
//!
//! ```text
//! cargo bench --bench diagnostics
//! ```
//!
//! The README's performance table carries the figures; the warned model stays within 2× of
//! the valid one.

/// The CLI's allocator, so that the in-process times are those of `validate`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/gen.rs"]
mod generator;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let env: BTreeMap<String, String> = BTreeMap::new();
    let spec = generator::Spec::single(10_000);
    let valid = generator::topology(spec);
    let warned = generator::topology_with_warnings(spec);
    let warnings = jitsi_topology::check(&warned, &env)
        .expect("valid, with warnings")
        .warnings;
    assert_eq!(warnings.len(), 10_000, "a warning on every bridge");
    assert!(warnings.iter().all(|d| d.line.is_some()));
    assert!(
        jitsi_topology::check(&valid, &env)
            .expect("valid")
            .warnings
            .is_empty()
    );
    let mut group = c.benchmark_group("b10000-diagnostics");
    group.throughput(Throughput::Elements(10_000));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("check-valid", |b| {
        b.iter(|| jitsi_topology::check(black_box(&valid), &env).ok())
    });
    group.bench_function("check-10000-warnings", |b| {
        b.iter(|| jitsi_topology::check(black_box(&warned), &env).ok())
    });
    group.bench_function("text-report", |b| {
        b.iter(|| {
            jitsi_topology::pretty::report(
                black_box(&warnings),
                &jitsi_topology::pretty::Source {
                    name: "b10000.yaml",
                    text: &warned,
                },
                &jitsi_topology::pretty::Options::default(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
