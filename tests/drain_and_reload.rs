//! What a change does to running services (issue 14, D2 and D6): a bridge is drained through
//! jvb's own drain API and restarted only once its conferences ended; prosody is restarted only
//! when a reload (SIGHUP) cannot apply the change; every port the packages open is guarded.
//!
//! The drain itself runs against a stand-in bridge in network namespaces: `tests/live/drain`.

mod common;

use common::example;
use jitsi_topology::bundle::{FirewallRule, Host};

fn render(text: &str) -> jitsi_topology::Bundle {
    match jitsi_topology::render(text, &common::example_env()) {
        Ok(r) => r.bundle,
        Err(e) => panic!("the model renders: {e}"),
    }
}

/// Whether a TCP connection from `from` (not loopback) to `port` gets past the host's rules:
/// the first rule that matches decides; without one, the policy does.
fn admits_tcp(host: &Host, port: u16, from: std::net::IpAddr) -> bool {
    let fw = host.firewall.as_ref().expect("the host has a firewall");
    let hit = |r: &&FirewallRule| {
        (r.protocol == "tcp" || r.protocol == "any")
            && ((r.ports.is_empty() && r.port_ranges.is_empty())
                || r.ports.contains(&port)
                || r.port_ranges.iter().any(|[a, b]| (*a..=*b).contains(&port)))
            && r.sources
                .as_ref()
                .is_none_or(|nets| nets.iter().any(|n| n.contains(&from)))
    };
    match fw.rules.iter().find(hit) {
        Some(r) => r.action == "accept",
        None => fw.policy == "accept",
    }
}

#[test]
fn every_port_the_signalling_packages_open_for_local_use_stays_local() {
    // Debian's prosody 0.12 serves HTTP on 5280 and HTTPS on 5281 on every address, s2s on 5269
    // (its prosody.cfg.lua and core defaults; a reload keeps those listeners, see
    // evidence-prosody-0.12.3-sighup.log), the component port 5347 and jicofo's REST 8888.
    let outsider: std::net::IpAddr = "203.0.113.9".parse().unwrap();
    for name in [
        "handbook.yaml",
        "older-release.yaml",
        "shards.yaml",
        "ipv6.yaml",
    ] {
        let bundle = render(&example(name));
        let signalling: Vec<&Host> = bundle
            .hosts
            .iter()
            .filter(|h| h.roles.contains(&jitsi_topology::bundle::Role::Signaling))
            .collect();
        assert!(!signalling.is_empty(), "{name}");
        for host in signalling {
            for port in [5269, 5280, 5281, 5347, 8888] {
                assert!(
                    !admits_tcp(host, port, outsider),
                    "{name}: {} admits {outsider} on TCP {port}, which the packages open for local use only",
                    host.name
                );
            }
        }
    }
}
