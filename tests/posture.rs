//! Insecure postures are never accepted silently (issue 15, item 4): networks that let every
//! address in (alone or together), two secrets that are one (by value or by file, however the
//! path is spelt), public addresses shared between hosts, no firewall at all. Each warning can
//! be acknowledged in the model, so a pipeline that fails on warnings stays usable.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use jitsi_topology::{Diagnostic, Severity};

/// A model that draws no diagnostic, one top-level key a line.
const BASE: &[(&str, &str)] = &[
    ("domain", "meet.example.com"),
    (
        "tls",
        "{ mode: own, certificate: /etc/ssl/meet.crt, key: /etc/ssl/meet.key }",
    ),
    (
        "secrets",
        "{ focus: { file: /etc/jitsi-topology/secrets/focus }, jvb: { file: /etc/jitsi-topology/secrets/jvb } }",
    ),
    (
        "signaling",
        "{ host: meet.example.com, address: 10.0.0.10 }",
    ),
    (
        "bridges",
        "[ { host: jvb1.example.com, address: 10.0.0.11, public_address: 198.51.100.11 }, { host: jvb2.example.com, address: 10.0.0.12, public_address: 198.51.100.12 } ]",
    ),
    ("bridge_networks", "[10.0.0.0/24]"),
];

/// The base model with some top-level keys replaced or added (`""` removes one).
fn model(overrides: &[(&str, &str)]) -> String {
    let mut keys: Vec<(&str, &str)> = BASE.to_vec();
    for (k, v) in overrides {
        match keys.iter_mut().find(|(key, _)| key == k) {
            Some(entry) => entry.1 = v,
            None => keys.push((k, v)),
        }
    }
    keys.iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect()
}

fn env() -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "JT_POSTURE_A".to_owned(),
            "posture-env-secret-0123456789".to_owned(),
        ),
        (
            "JT_POSTURE_B".to_owned(),
            "posture-env-secret-0123456789".to_owned(),
        ),
    ])
}

/// Every diagnostic of `text`, valid or not, as `(severity, code, path)`, and all of them.
fn diagnostics(text: &str) -> (Vec<(Severity, String, String)>, Vec<Diagnostic>) {
    let all = match jitsi_topology::check(text, &env()) {
        Ok(checked) => checked.warnings,
        Err(report) => report.diagnostics,
    };
    (
        all.iter()
            .map(|d| (d.severity, d.code.clone(), d.path.clone()))
            .collect(),
        all,
    )
}

fn warning(code: &str, path: &str) -> (Severity, String, String) {
    (Severity::Warning, code.to_owned(), path.to_owned())
}

#[test]
fn the_base_model_draws_nothing() {
    assert_eq!(diagnostics(&model(&[])).0, []);
}

#[test]
fn admin_networks_that_cover_everything_together_warn() {
    for (nets, expected) in [
        (
            "[0.0.0.0/0, \"::/0\"]",
            vec![
                warning("admin-network-everything", "/firewall/admin_networks/0"),
                warning("admin-network-everything", "/firewall/admin_networks/1"),
            ],
        ),
        (
            "[0.0.0.0/1, 128.0.0.0/1]",
            vec![warning(
                "admin-network-everything",
                "/firewall/admin_networks",
            )],
        ),
        (
            "[\"::/1\", \"8000::/1\", 192.0.2.0/24]",
            vec![warning(
                "admin-network-everything",
                "/firewall/admin_networks",
            )],
        ),
        // Everything but one address is not everything.
        (
            "[0.0.0.0/1, 128.0.0.0/2, 192.0.0.0/3, 224.0.0.0/4, 240.0.0.0/5, 248.0.0.0/6, 252.0.0.0/7, 254.0.0.0/8, 255.0.0.0/9, 255.128.0.0/10, 255.192.0.0/11, 255.224.0.0/12, 255.240.0.0/13, 255.248.0.0/14, 255.252.0.0/15, 255.254.0.0/16, 255.255.0.0/17, 255.255.128.0/18, 255.255.192.0/19, 255.255.224.0/20, 255.255.240.0/21, 255.255.248.0/22, 255.255.252.0/23, 255.255.254.0/24, 255.255.255.0/25, 255.255.255.128/26, 255.255.255.192/27, 255.255.255.224/28, 255.255.255.240/29, 255.255.255.248/30, 255.255.255.252/31, 255.255.255.254/32]",
            vec![],
        ),
    ] {
        let firewall = format!("{{ admin_networks: {nets} }}");
        let (found, all) = diagnostics(&model(&[("firewall", &firewall)]));
        assert_eq!(found, expected, "{nets}: {all:#?}");
    }
}

#[test]
fn bridge_and_monitoring_networks_that_cover_everything_together_warn() {
    let (found, all) = diagnostics(&model(&[
        ("bridge_networks", "[10.0.0.0/24, 0.0.0.0/1, 128.0.0.0/1]"),
        (
            "firewall",
            "{ monitoring_networks: [\"::/1\", \"8000::/1\"] }",
        ),
    ]));
    assert_eq!(
        found,
        [
            warning("bridge-network-everything", "/bridge_networks"),
            warning(
                "monitoring-network-everything",
                "/firewall/monitoring_networks"
            ),
        ],
        "{all:#?}"
    );
    assert!(
        all[0].message.contains("0.0.0.0/1, 128.0.0.0/1"),
        "{}",
        all[0].message
    );
    // A shard's own list is judged the same way.
    let sharded = model(&[
        ("signaling", ""),
        ("bridge_networks", ""),
        (
            "shards",
            "[ { name: a, signaling: { host: a.example.com, address: 10.0.0.10 }, bridge_networks: [10.0.0.0/2, 64.0.0.0/2, 128.0.0.0/1] } ]",
        ),
    ]);
    let (found, all) = diagnostics(&sharded);
    assert!(
        found.contains(&warning(
            "bridge-network-everything",
            "/shards/0/bridge_networks"
        )),
        "{all:#?}"
    );
}

#[test]
fn two_secrets_that_are_one_warn_by_value_and_by_file_without_showing_either() {
    const VALUE: &str = "posture-inline-secret-0123456789";
    let cases = [
        // The TURN secret is the bridges' password, inline.
        (
            format!("{{ focus: {{ file: /etc/f }}, jvb: {{ value: {VALUE} }}, turn: {{ value: {VALUE} }} }}"),
            "/secrets/turn/value",
        ),
        // The TURN secret is jicofo's password, from two environment variables.
        (
            "{ focus: { env: JT_POSTURE_A }, jvb: { file: /etc/j }, turn: { env: JT_POSTURE_B } }".to_owned(),
            "/secrets/turn/env",
        ),
        // One file, spelt two ways.
        (
            "{ focus: { file: /etc/jitsi-topology/secrets/focus }, jvb: { file: /etc/j }, turn: { file: /etc//jitsi-topology/./secrets/focus } }".to_owned(),
            "/secrets/turn/file",
        ),
        // The two accounts' passwords (found before too, for focus and jvb only).
        (
            "{ focus: { file: /etc/same }, jvb: { file: /etc/same } }".to_owned(),
            "/secrets/jvb/file",
        ),
    ];
    for (secrets, path) in &cases {
        let turn = if secrets.contains("turn") {
            "{ host: turn.example.com, address: 198.51.100.20, domain: turn.meet.example.com }"
        } else {
            ""
        };
        let (found, all) = diagnostics(&model(&[("secrets", secrets), ("turn", turn)]));
        assert_eq!(
            found,
            [warning("secret-reused", path)],
            "{secrets}: {all:#?}"
        );
        let shown = format!("{all:?}");
        for secret in [
            VALUE,
            "posture-env-secret",
            "jitsi-topology/secrets/focus",
            "/etc/same",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}

#[test]
fn a_public_address_is_one_bridges_and_no_other_hosts() {
    let (found, all) = diagnostics(&model(&[(
        "bridges",
        "[ { host: jvb1.example.com, address: 10.0.0.11, public_address: 198.51.100.11 }, { host: jvb2.example.com, address: 10.0.0.12, public_address: 198.51.100.11 } ]",
    )]));
    assert_eq!(
        found,
        [(
            Severity::Error,
            "duplicate-public-address".to_owned(),
            "/bridges/1/public_address".to_owned()
        )],
        "{all:#?}"
    );
    // A bridge whose public address is the signalling host's, or the TURN server's.
    let (found, all) = diagnostics(&model(&[
        (
            "signaling",
            "{ host: meet.example.com, address: 198.51.100.10 }",
        ),
        (
            "bridges",
            "[ { host: jvb1.example.com, address: 10.0.0.11, public_address: 198.51.100.10 }, { host: jvb2.example.com, address: 10.0.0.12, public_address: 198.51.100.20 } ]",
        ),
        (
            "secrets",
            "{ focus: { file: /etc/f }, jvb: { file: /etc/j }, turn: { file: /etc/t } }",
        ),
        (
            "turn",
            "{ host: turn.example.com, address: 198.51.100.20, domain: turn.meet.example.com }",
        ),
    ]));
    assert_eq!(
        found,
        [
            warning("public-address-shared", "/bridges/0/public_address"),
            warning("public-address-shared", "/bridges/1/public_address"),
        ],
        "{all:#?}"
    );
}

#[test]
fn a_model_without_a_firewall_warns() {
    let (found, all) = diagnostics(&model(&[("firewall", "{ enabled: false }")]));
    assert_eq!(
        found,
        [warning("firewall-disabled", "/firewall/enabled")],
        "{all:#?}"
    );
}

#[test]
fn an_acknowledged_warning_is_no_longer_a_warning_but_is_kept_with_its_reason() {
    let text = model(&[
        (
            "firewall",
            "{ enabled: false, admin_networks: [0.0.0.0/1, 128.0.0.0/1] }",
        ),
        (
            "acknowledge",
            "[ { code: firewall-disabled, reason: the cloud security group filters }, { code: admin-network-everything, path: /firewall, reason: a lab } ]",
        ),
    ]);
    let checked = jitsi_topology::check(&text, &env()).expect("valid");
    assert_eq!(checked.warnings, []);
    let acknowledged: Vec<(&str, &str, &str, &str)> = checked
        .acknowledged
        .iter()
        .map(|a| {
            (
                a.diagnostic.code.as_str(),
                a.diagnostic.path.as_str(),
                a.acknowledged_by.as_str(),
                a.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        acknowledged,
        [
            (
                "admin-network-everything",
                "/firewall/admin_networks",
                "/acknowledge/1",
                "a lab"
            ),
            (
                "firewall-disabled",
                "/firewall/enabled",
                "/acknowledge/0",
                "the cloud security group filters"
            ),
        ]
    );
    // The public `validate` leaves them out too.
    let topology = jitsi_topology::load(&text).unwrap().topology;
    assert_eq!(jitsi_topology::validate(&topology, &env()), []);
}

#[test]
fn a_stale_a_wrong_or_an_error_acknowledgement_is_reported() {
    let text = model(&[
        (
            "bridges",
            "[ { host: jvb1.example.com, address: 10.0.0.11, public_address: 198.51.100.11 }, { host: jvb2.example.com, address: 10.0.0.12, public_address: 198.51.100.11 } ]",
        ),
        ("firewall", "{ enabled: false }"),
        (
            "acknowledge",
            "[ { code: trust-insecure, reason: gone }, { code: firewall-disabled, path: /bridges, reason: wrong path }, { code: no-such-code, reason: typo }, { code: duplicate-public-address, reason: errors stay }, { code: firewall-disabled, reason: \" \" } ]",
        ),
    ]);
    let (found, all) = diagnostics(&text);
    let error = |code: &str, path: &str| (Severity::Error, code.to_owned(), path.to_owned());
    assert_eq!(
        found,
        [
            warning("acknowledgement-unused", "/acknowledge/0"),
            warning("acknowledgement-unused", "/acknowledge/1"),
            error("acknowledgement-invalid", "/acknowledge/2/code"),
            warning("acknowledgement-unused", "/acknowledge/3"),
            error("acknowledgement-invalid", "/acknowledge/4/reason"),
            error("duplicate-public-address", "/bridges/1/public_address"),
            warning("firewall-disabled", "/firewall/enabled"),
        ],
        "{all:#?}"
    );
    assert!(all[3].message.contains("only errors"), "{}", all[3].message);
}

#[test]
fn the_cli_lists_acknowledged_warnings_apart_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.yaml");
    std::fs::write(
        &path,
        model(&[
            ("firewall", "{ enabled: false }"),
            (
                "acknowledge",
                "[ { code: firewall-disabled, reason: the security group filters } ]",
            ),
        ]),
    )
    .unwrap();
    let out = Command::new(common::cli())
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "acknowledged[firewall-disabled]: /firewall/enabled: no host gets a firewall"
        ) && stdout.contains("  reason (/acknowledge/0): the security group filters")
            && stdout.contains("valid (2 bridges, 0 warnings, 1 acknowledged)"),
        "{stdout}"
    );
    let out = Command::new(common::cli())
        .args(["validate", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // No warning is left (notes, severity `info`, may be).
    let warnings: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info")
        .collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(json["acknowledged"][0]["code"], "firewall-disabled");
    assert_eq!(json["acknowledged"][0]["severity"], "warning");
    assert_eq!(
        json["acknowledged"][0]["reason"],
        "the security group filters"
    );
}

/// Networks that split an address family into pieces (each network halved again at random,
/// up to 48 pieces), from a seed: their union is the whole family.
fn partition(seed: u64, ipv6: bool) -> Vec<String> {
    let bits: u32 = if ipv6 { 128 } else { 32 };
    let mut state = seed | 1;
    let mut random = move || {
        // xorshift64: enough to shape a partition.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut open: Vec<(u128, u32)> = vec![(0, 0)];
    let mut pieces = Vec::new();
    while let Some((base, len)) = open.pop() {
        if len < bits && pieces.len() + open.len() < 47 && random() % 3 != 0 {
            open.push((base, len + 1));
            open.push((base | 1u128 << (bits - len - 1), len + 1));
        } else {
            pieces.push((base, len));
        }
    }
    pieces
        .into_iter()
        .map(|(base, len)| {
            let address = if ipv6 {
                std::net::Ipv6Addr::from(base).to_string()
            } else {
                std::net::Ipv4Addr::from(base as u32).to_string()
            };
            format!("\"{address}/{len}\"")
        })
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, failure_persistence: None, ..Default::default() })]

    /// However the address space is cut into networks, all of them together warn, and all
    /// but one do not: the union is computed exactly.
    #[test]
    fn networks_that_together_hold_every_address_warn_and_one_less_does_not(
        seed in proptest::prelude::any::<u64>(),
        ipv6 in proptest::prelude::any::<bool>(),
        left_out in proptest::prelude::any::<proptest::sample::Index>(),
    ) {
        let pieces = partition(seed, ipv6);
        let warns = |nets: &[String]| {
            let firewall = format!("{{ admin_networks: [{}] }}", nets.join(", "));
            diagnostics(&model(&[("firewall", &firewall)]))
                .0
                .iter()
                .any(|(_, code, _)| code == "admin-network-everything")
        };
        proptest::prop_assert!(warns(&pieces), "{:?}", pieces);
        if pieces.len() > 1 {
            let mut fewer = pieces.clone();
            fewer.remove(left_out.index(pieces.len()));
            proptest::prop_assert!(!warns(&fewer), "{:?}", fewer);
        }
    }
}
