//! load → validate → resolve → render, on any bytes.
//!
//! Properties: no panic anywhere; a model either comes back as diagnostics (at least one
//! error, each with a JSON Pointer path) or renders (a model that validated never fails to
//! render); rendering twice gives the same bundle; no rendered path leaves its host's folder,
//! and no host's folder is named like the output's manifest.json; the text report holds no
//! control character but line breaks.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    // The CLI refuses bytes that are not UTF-8 before loading; the rest goes through.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = common::env();
    match topology::check(text, &env) {
        Err(report) => {
            assert!(report.error_count() > 0, "a report without an error");
            for d in &report.diagnostics {
                assert!(
                    d.path.is_empty() || d.path.starts_with('/'),
                    "not a JSON Pointer: {:?}",
                    d.path
                );
            }
            // Display and the error document never panic either, and the text report (what
            // terminals show) holds no control character but its line breaks, whatever the
            // model's keys and values hold.
            let shown = report.to_string();
            assert!(
                !shown.chars().any(|c| c.is_control() && c != '\n'),
                "a control character in the report: {shown:?}"
            );
            let _ =
                serde_json::to_string(&topology::diagnostic::ErrorDocument::from(&report)).unwrap();
        }
        Ok(checked) => {
            let bundle = topology::render_deployment(&checked.deployment)
                .unwrap_or_else(|e| panic!("a model that validated failed to render: {e}"));
            for host in &bundle.hosts {
                // A host's folder never collides with the output's own manifest.json
                // (hostname-reserved).
                assert!(
                    !host.name.is_empty()
                        && !host.name.contains('/')
                        && host.name != ".."
                        && host.name != "."
                        && host.name != "manifest.json"
                );
                for f in &host.files {
                    assert!(
                        f.path.starts_with('/') && !f.path.split('/').any(|s| s == ".."),
                        "{}",
                        f.path
                    );
                }
            }
            let again = topology::render(text, &env).expect("renders again");
            assert!(again.bundle == bundle, "two renders of one model differ");
            let _ = serde_json::to_string(&bundle.manifest(true)).unwrap();
        }
    }
});
