//! The library in a program of its own: render a model, then list each host's files and
//! deployment steps; or, for an invalid model, print every problem at once and exit 1.
//!
//!     cargo run --example library                        # examples/handbook.yaml
//!     cargo run --example library -- examples/nat.yaml
//!
//! `{env}` secrets come from the map passed to `render` (here the process environment): the
//! library itself reads no file and no variable.

use std::collections::BTreeMap;
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/handbook.yaml").to_owned()
    });
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let env: BTreeMap<String, String> = std::env::vars().collect();

    let rendered = match jitsi_topology::render(&text, &env) {
        Ok(rendered) => rendered,
        Err(jitsi_topology::Error::Invalid(report)) => {
            // Every error and warning, each with its JSON Pointer, line, message and hint.
            eprintln!("{path}: {report}");
            return ExitCode::from(1);
        }
        // `Error` is non-exhaustive: a later version may add reasons.
        Err(other) => {
            eprintln!("{path}: {other}");
            return ExitCode::from(2);
        }
    };
    for warning in &rendered.warnings {
        eprintln!("{warning}");
    }

    for host in &rendered.bundle.hosts {
        println!(
            "{} {:?}: {} packages",
            host.name,
            host.roles,
            host.packages.len()
        );
        for file in &host.files {
            // A secret file's content is printable here, but never log it: Debug hides it.
            let content = if file.secret {
                "(secret)".to_owned()
            } else {
                format!("{} bytes", file.content.len())
            };
            println!(
                "  {:04o} {}:{} {} ({content})",
                file.mode, file.owner, file.group, file.path
            );
        }
        // The steps serialize as the manifest writes them: `{"action": "...", ...}`.
        let actions: Vec<String> = host
            .steps
            .iter()
            .map(|step| {
                serde_json::to_value(step).expect("a step is JSON")["action"]
                    .as_str()
                    .unwrap_or("?")
                    .to_owned()
            })
            .collect();
        println!("  steps: {}", actions.join(" "));
    }
    ExitCode::SUCCESS
}
