//! What several integration tests share. Each test file that needs it says `mod common;`.

// Every test binary compiles this module and uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The `jitsi-topology` binary of the CLI package (`cli/`), built for this test's profile.
///
/// Cargo hands `CARGO_BIN_EXE_*` only to the tests of the binary's own package, and the CLI
/// is a package of its own: so the first call builds it (a no-op when it is current, as it
/// is after `cargo test` at the root or `cargo build --workspace`) into the folder beside
/// this test's executable (`target/<profile>/`).
pub fn cli() -> &'static Path {
    static CLI: OnceLock<PathBuf> = OnceLock::new();
    CLI.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test's own path");
        // target/<profile>/deps/<test>-<hash>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test runs from target/<profile>/deps");
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args([
                "build",
                "--quiet",
                "-p",
                "jitsi-topology-cli",
                "--bin",
                "jitsi-topology",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile_dir.file_name() == Some("release".as_ref()) {
            cargo.arg("--release");
        }
        let out = cargo.output().expect("run cargo");
        assert!(
            out.status.success(),
            "cargo build -p jitsi-topology-cli: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bin = profile_dir.join("jitsi-topology");
        assert!(
            bin.is_file(),
            "{} is missing after the build",
            bin.display()
        );
        bin
    })
}
