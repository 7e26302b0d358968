//! Snapshots of everything the tool prints for a user: the rendered tree of every example,
//! and the diagnostics of every invalid model in `tests/invalid/`.
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
        insta::assert_snapshot!(format!("{report}\n\n{json}"));
    });
}
