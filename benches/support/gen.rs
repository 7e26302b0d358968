//! Deterministic synthetic topologies for the benchmarks (shared by `benches/*.rs`; kept in a
//! subfolder so that Cargo does not take it for a bench target of its own).
//!
//! [`topology`] writes the YAML model of a deployment with `bridges` videobridges and
//! `shards` signalling hosts (1: the single-shard `signaling:` form; more: `shards:` behind a
//! `front_door:`). The same arguments always give the same bytes: no clock, no randomness.
//!
//! The mix, by bridge index `i` (0-based):
//! - regions: `eu-central`, `eu-west`, `us-east` in turn, so relays are on (every bridge gets
//!   `relay { … }`, jicofo `RegionBasedBridgeSelectionStrategy` and `local-region`), and an
//!   edge in `192.0.2.64/28` names the participants' regions (`participant_regions`);
//! - NAT: three bridges in four sit on a private address behind a NAT mapping, each to a
//!   public address of its own (two bridges on one would be `duplicate-public-address`): the
//!   first 750 on `10.1.0.0/16` mapped into the IPv4 documentation ranges (which validation
//!   takes as public; they hold 750 addresses), the others on `fd00:b::/64` mapped into
//!   `2001:db8:c::/64`; the fourth has a public address of its own, an IPv6 one in
//!   `2001:db8:b::/64` (no public IPv4 range is large enough for 2,500 distinct ones); no
//!   bridge needs STUN, so the model draws no warning;
//! - every other bridge sets `jvm_max_memory` (an environment file and a drop-in line);
//! - with several shards, every fourth bridge serves every shard, each other one shard
//!   `(i / 4) % shards`;
//! - secrets are `{file}` references (nothing secret in the output), the firewall has admin
//!   and monitoring networks (the bridges' private HTTP API opens to monitoring).
//!
//! Public addresses come from the documentation ranges (RFC 5737, RFC 3849): the RFC 2544
//! benchmarking range is not globally reachable, so validation refuses it as public.

#![allow(dead_code)]

use std::fmt::Write;

/// The domain every synthetic deployment serves.
pub const DOMAIN: &str = "bench.example.net";
const REGIONS: [&str; 3] = ["eu-central", "eu-west", "us-east"];

/// One synthetic deployment's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Videobridges.
    pub bridges: usize,
    /// Signalling hosts (shards); 1 is the single-shard form.
    pub shards: usize,
}

impl Spec {
    /// `bridges` bridges, one shard.
    pub const fn single(bridges: usize) -> Self {
        Self { bridges, shards: 1 }
    }

    /// A file name stem: `b01000` or `b01000-s4`.
    pub fn name(&self) -> String {
        if self.shards == 1 {
            format!("b{:05}", self.bridges)
        } else {
            format!("b{:05}-s{}", self.bridges, self.shards)
        }
    }
}

/// The sizes the report and the criterion benchmarks use.
pub const SPECS: [Spec; 5] = [
    Spec::single(10),
    Spec::single(100),
    Spec::single(1_000),
    Spec::single(10_000),
    Spec {
        bridges: 1_000,
        shards: 4,
    },
];

/// The `i`-th address of a /16 (`a.b.0.0/16`), skipping each /24's .0, .1 and .252-.255.
fn address(prefix: &str, i: usize) -> String {
    assert!(i < 250 * 250, "at most 62,500 bridges");
    format!("{prefix}.{}.{}", i / 250, i % 250 + 2)
}

/// The IPv4 documentation ranges' addresses a NAT mapping uses (.2 to .251 of each).
const DOCUMENTATION_ADDRESSES: usize = 750;

/// The `n`-th NAT mapping: a private address and the public address in front of it, each
/// used once. The first 750 map IPv4 into the documentation ranges (.2 to .251 of each in
/// turn), the others IPv6 (`fd00:b::/64` into `2001:db8:c::/64`).
fn nat_mapping(n: usize) -> (String, String) {
    const RANGES: [&str; 3] = ["192.0.2", "198.51.100", "203.0.113"];
    if n < DOCUMENTATION_ADDRESSES {
        (
            address("10.1", n),
            format!("{}.{}", RANGES[n / 250], n % 250 + 2),
        )
    } else {
        (
            format!("\"fd00:b::{:x}\"", n + 2),
            format!("\"2001:db8:c::{:x}\"", n + 2),
        )
    }
}

/// The YAML model of `spec`.
pub fn topology(spec: Spec) -> String {
    model(spec, false)
}

/// The model of `spec` with a warning on every bridge: each on a private address without a
/// `public_address` (`private-without-public`). What the diagnostics' benchmark and the
/// grouping's snapshot take: the same model as [`topology`] but for those two fields.
pub fn topology_with_warnings(spec: Spec) -> String {
    model(spec, true)
}

fn model(spec: Spec, warn_every_bridge: bool) -> String {
    assert!(
        spec.bridges >= spec.shards.max(1),
        "every shard needs a bridge"
    );
    let mut y = String::with_capacity(200 * spec.bridges + 2048);
    let d = DOMAIN;
    let _ = writeln!(
        y,
        "# Synthetic topology from benches/support/gen.rs: {} bridges, {} shard(s), NAT and regions mixed in.",
        spec.bridges, spec.shards
    );
    let _ = writeln!(
        y,
        "domain: {d}\n\
         tls: {{ mode: own, certificate: /etc/ssl/{d}.crt, key: /etc/ssl/{d}.key }}\n\
         secrets:\n  focus: {{ file: /etc/jitsi-topology/secrets/focus }}\n  jvb: {{ file: /etc/jitsi-topology/secrets/jvb }}"
    );
    if spec.shards == 1 {
        let _ = writeln!(
            y,
            "signaling: {{ host: meet.{d}, address: 10.0.0.10, region: {} }}",
            REGIONS[0]
        );
    } else {
        let _ = writeln!(
            y,
            "front_door: {{ host: door.{d}, address: 10.0.0.2, certificate: /etc/haproxy/certs/{d}.pem }}\nshards:"
        );
        for s in 0..spec.shards {
            let _ = writeln!(
                y,
                "  - {{ name: shard-{s}, signaling: {{ host: shard-{s}.{d}, address: 10.0.{}.10, region: {} }} }}",
                s + 1,
                REGIONS[s % REGIONS.len()]
            );
        }
    }
    y.push_str("bridges:\n");
    for i in 0..spec.bridges {
        let _ = write!(y, "  - {{ host: jvb{:05}.{d}, ", i + 1);
        if warn_every_bridge {
            let _ = write!(y, "address: {}", address("10.1", i));
        } else if i % 4 == 3 {
            let _ = write!(y, "address: \"2001:db8:b::{:x}\"", i + 2);
        } else {
            // The NAT bridges before this one: every fourth bridge is not one.
            let (private, public) = nat_mapping(i - (i + 1) / 4);
            let _ = write!(y, "address: {private}, public_address: {public}");
        }
        let _ = write!(y, ", region: {}", REGIONS[i % REGIONS.len()]);
        if i % 2 == 0 {
            y.push_str(", jvm_max_memory: 8g");
        }
        if spec.shards > 1 && i % 4 != 0 {
            let _ = write!(y, ", shards: [shard-{}]", (i / 4) % spec.shards);
        }
        y.push_str(" }\n");
    }
    y.push_str("bridge_networks: [10.1.0.0/16, \"fd00:b::/64\", \"2001:db8:b::/64\"]\n");
    if spec.shards > 1 {
        // Several shards share one CA for auth.DOMAIN (distribute would draw a warning).
        let _ = writeln!(
            y,
            "trust:\n  mode: ca\n  ca_certificate: /etc/ssl/certs/{d}-internal-ca.pem\n  certificate: /etc/ssl/jitsi/auth.{d}.crt\n  key: /etc/ssl/jitsi/auth.{d}.key"
        );
    }
    // Bridges in several regions: an edge names each participant's region (issue 21).
    y.push_str("participant_regions: { trusted_networks: [192.0.2.64/28] }\n");
    y.push_str(
        "firewall: { admin_networks: [192.0.2.0/28], monitoring_networks: [10.9.0.0/24] }\n",
    );
    y
}
