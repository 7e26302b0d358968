//! Snapshots of everything the tool prints for a user: the rendered tree of every example,
//! and the diagnostics of every invalid model in `tests/invalid/` (the text report, with each
//! problem's source line, and the JSON with line and column).
//!
//! Review changes with `cargo insta review`, or accept them all with
//! `INSTA_UPDATE=always cargo test --test snapshots` after reading the diff.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write;

use jitsi_topology::Bundle;

/// The whole tree as one reviewable text: the manifest, then every file with its metadata.
fn tree(bundle: &Bundle) -> String {
    let mut out = serde_json::to_string_pretty(&bundle.manifest(false)).unwrap();
    out.push('\n');
    for host in &bundle.hosts {
        for f in &host.files {
            let secret = if f.secret { ", secret" } else { "" };
            writeln!(
                out,
                "\n===== {}:{} ({:?}, {:04o} {}:{}{secret})",
                host.name, f.path, f.kind, f.mode, f.owner, f.group
            )
            .unwrap();
            out.push_str(&f.content);
        }
    }
    out
}

#[test]
fn every_example_renders_its_reviewed_tree() {
    insta::glob!("../examples", "*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let rendered = jitsi_topology::render(&text, &common::example_env())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            rendered.warnings.is_empty(),
            "{}: examples draw no warnings: {:?}",
            path.display(),
            rendered.warnings
        );
        insta::assert_snapshot!(tree(&rendered.bundle));
    });
}

#[test]
fn every_invalid_model_gets_its_reviewed_diagnostics() {
    insta::glob!("invalid", "*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let report = jitsi_topology::check(&text, &BTreeMap::<String, String>::new())
            .err()
            .unwrap_or_else(|| panic!("{} should be invalid", path.display()));
        let json =
            serde_json::to_string_pretty(&serde_json::json!({ "diagnostics": report.diagnostics }))
                .unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let text = jitsi_topology::pretty::report(
            &report.diagnostics,
            &jitsi_topology::pretty::Source {
                name: &name,
                text: &text,
            },
            &jitsi_topology::pretty::Options::default(),
        );
        insta::assert_snapshot!(format!("{text}\n\n{json}"));
    });
}

#[path = "../benches/support/gen.rs"]
mod generator;

/// 1,000 bridges, each without the `public_address` its private address needs, and one real
/// mistake among them (a bridge with another's address): the report fits on one screen (three
/// warnings in full, the rest counted), the error comes first, and the JSON lists every one.
#[test]
fn a_thousand_warnings_fit_on_one_screen_and_the_error_comes_first() {
    let text = generator::topology_with_warnings(generator::Spec::single(1_000)).replacen(
        "address: 10.1.2.202,",
        "address: 10.1.0.2,",
        1,
    );
    let report = jitsi_topology::check(&text, &BTreeMap::<String, String>::new())
        .expect_err("a duplicate address");
    assert_eq!(report.warning_count(), 1_000);
    let shown = jitsi_topology::pretty::report(
        &report.diagnostics,
        &jitsi_topology::pretty::Source {
            name: "b01000.yaml",
            text: &text,
        },
        &jitsi_topology::pretty::Options::default(),
    );
    assert!(shown.lines().count() <= 40, "{shown}");
    assert!(shown.starts_with("error[duplicate-address]"), "{shown}");
    insta::assert_snapshot!(shown);
    let verbose = jitsi_topology::pretty::report(
        &report.diagnostics,
        &jitsi_topology::pretty::Source {
            name: "b01000.yaml",
            text: &text,
        },
        &jitsi_topology::pretty::Options {
            color: false,
            verbose: true,
        },
    );
    assert_eq!(
        verbose.matches("warning[private-without-public]").count(),
        1_000
    );
}
