//! Criterion benchmarks of each pipeline stage, separately and together, on the handbook
//! example and the synthetic topologies of `benches/support/gen.rs`.
//!
//! ```text
//! cargo bench --bench pipeline                      # everything (10,000 bridges take a while)
//! cargo bench --bench pipeline -- 'b01000/'         # one size
//! cargo bench --bench pipeline -- '/render$'        # one stage, every size
//! ```
//!
//! Benchmark ids are `<model>/<stage>`: `load` (YAML to `Topology`), `validate`, `check`
//! (load + validate + resolve), `resolve` (check less load and validate is resolve alone;
//! criterion reports `check`), `render` (`render_deployment(&Deployment)`), `pipeline`
//! (`jitsi_topology::render(text)`). Throughput is in bridges.

/// The CLI's allocator, so that the in-process times are those of `render --out`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/gen.rs"]
mod generator;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const HANDBOOK: &str = include_str!("../examples/handbook.yaml");

fn bench(c: &mut Criterion) {
    let env: BTreeMap<String, String> = BTreeMap::new();
    let mut models = vec![("handbook".to_owned(), 3, HANDBOOK.to_owned())];
    models.extend(
        generator::SPECS
            .iter()
            .map(|&s| (s.name(), s.bridges, generator::topology(s))),
    );
    for (name, bridges, text) in &models {
        let text = text.as_str();
        let loaded = jitsi_topology::load(text).expect("the model loads");
        let deployment = jitsi_topology::check(text, &env)
            .expect("the model is valid")
            .deployment;
        let mut group = c.benchmark_group(name.as_str());
        group.throughput(Throughput::Elements(*bridges as u64));
        if *bridges >= 5_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(10));
        }
        group.bench_function("load", |b| {
            b.iter(|| jitsi_topology::load(black_box(text)).ok())
        });
        group.bench_function("validate", |b| {
            b.iter(|| jitsi_topology::validate(black_box(&loaded.topology), &env))
        });
        group.bench_function("check", |b| {
            b.iter(|| jitsi_topology::check(black_box(text), &env).ok())
        });
        group.bench_function("render", |b| {
            b.iter(|| jitsi_topology::render_deployment(black_box(&deployment)).ok())
        });
        group.bench_function("pipeline", |b| {
            b.iter(|| jitsi_topology::render(black_box(text), &env).ok())
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
