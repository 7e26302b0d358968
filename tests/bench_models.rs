//! The benchmarks' synthetic deployments (`benches/support/gen.rs`) are models a user could
//! render: valid, without a warning, so `benches/run` measures the real pipeline end to end.

#[path = "../benches/support/gen.rs"]
mod generator;

use std::collections::BTreeMap;

#[test]
fn every_synthetic_deployment_renders_without_a_warning() {
    // 10,000 bridges have the shape of 1,000 and take seconds in a debug build: left out.
    for spec in generator::SPECS.into_iter().filter(|s| s.bridges <= 1_000) {
        let model = generator::topology(spec);
        let rendered = jitsi_topology::render(&model, &BTreeMap::<String, String>::new())
            .unwrap_or_else(|e| panic!("{}: {e}", spec.name()));
        assert!(
            rendered.warnings.is_empty(),
            "{}: {:?}",
            spec.name(),
            rendered.warnings
        );
        assert!(
            rendered.bundle.hosts.len() > spec.bridges,
            "{}",
            spec.name()
        );
    }
}
