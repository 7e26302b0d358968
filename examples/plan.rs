//! What changes between two models, as `jitsi-topology plan` says it: render both, compare
//! their manifests, and print each host's changed files and the service actions they need.
//!
//!     cargo run --example plan -- examples/handbook.yaml examples/nat.yaml
//!
//! Without arguments: the handbook without its third bridge, then the handbook.

use std::collections::BTreeMap;
use std::process::ExitCode;

use jitsi_topology::plan::HostStatus;

fn render(name: &str, text: &str) -> Result<jitsi_topology::Bundle, ExitCode> {
    match jitsi_topology::render(text, &BTreeMap::new()) {
        Ok(rendered) => Ok(rendered.bundle),
        Err(e) => {
            eprintln!("{name}: {e}");
            Err(ExitCode::from(1))
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (old, new) = match &args[..] {
        [old, new] => match (std::fs::read_to_string(old), std::fs::read_to_string(new)) {
            (Ok(o), Ok(n)) => (o, n),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("cannot read a model: {e}");
                return ExitCode::from(2);
            }
        },
        [] => {
            // The handbook without its third bridge, then the handbook: a bridge is added.
            let new = include_str!("handbook.yaml").to_owned();
            let old: String = new
                .lines()
                .filter(|line| !line.contains("host: jvb3.meet.example.com"))
                .map(|line| format!("{line}\n"))
                .collect();
            assert_ne!(
                old, new,
                "examples/handbook.yaml lists jvb3.meet.example.com"
            );
            (old, new)
        }
        _ => {
            eprintln!("usage: plan [OLD.yaml NEW.yaml]");
            return ExitCode::from(2);
        }
    };
    let (old, new) = match (render("old", &old), render("new", &new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(code), _) | (_, Err(code)) => return code,
    };

    // Manifests without content: the plan compares paths, modes, owners and SHA-256 sums.
    let plan = jitsi_topology::plan::plan(&old.manifest(false), &new.manifest(false));
    for host in &plan.hosts {
        let status = match host.status {
            HostStatus::Added => "added",
            HostStatus::Removed => "removed",
            HostStatus::Changed => "changed",
            HostStatus::Unchanged => continue,
            // Non-exhaustive: a later version may know more.
            _ => "other",
        };
        println!("{} ({status})", host.name);
        for path in &host.added {
            println!("  + {path}");
        }
        for path in &host.changed {
            println!("  ~ {path}");
        }
        for path in &host.removed {
            println!("  - {path}");
        }
        for service in &host.services {
            println!("  {:?} {}", service.action, service.name);
        }
    }
    // The same plan as text, the way the CLI prints it.
    print!("{plan}");
    ExitCode::SUCCESS
}
