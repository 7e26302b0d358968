//! Each host's nftables table (`table inet jitsi_topology`) as data and as a file, and the
//! unit that loads it at boot.

use std::sync::OnceLock;

use ipnet::IpNet;
use minijinja::context;
use serde::Serialize;

use super::{Result, file, on_change, template, value};
use crate::bundle::{File, FileKind, FirewallPlan, FirewallRule, ServiceAction};
use crate::resolve::{
    BridgeHost, Deployment, HTTP_PORT, HTTPS_PORT, JICOFO_REST_PORT, JVB_PRIVATE_HTTP_PORT,
    JVB_PUBLIC_HTTP_PORT, MEDIA_UDP_PORT, PROSODY_COMPONENT_PORT, PROSODY_HTTP_PORT,
    PROSODY_HTTPS_PORT, PROSODY_S2S_PORT, SignalingHost, TurnHost, XMPP_C2S_PORT,
};

fn rule(
    protocol: &str,
    ports: &[u16],
    sources: Option<Vec<IpNet>>,
    action: &str,
    description: &str,
) -> FirewallRule {
    FirewallRule {
        protocol: protocol.into(),
        ports: ports.to_vec(),
        port_ranges: Vec::new(),
        sources,
        action: action.into(),
        description: description.into(),
    }
}

fn plan(d: &Deployment, mut rules: Vec<FirewallRule>) -> Option<FirewallPlan> {
    let f = &d.firewall;
    if !f.enabled {
        return None;
    }
    if !f.admin_networks.is_empty() {
        rules.insert(
            0,
            rule(
                "any",
                &[],
                Some(f.admin_networks.clone()),
                "accept",
                "administrators reach every port (never locked out)",
            ),
        );
    }
    // A rule for an empty list of networks admits nobody: leave it out.
    rules.retain(|r| r.sources.as_ref().is_none_or(|s| !s.is_empty()));
    Some(FirewallPlan {
        table: f.table.into(),
        policy: if f.default_drop { "drop" } else { "accept" }.into(),
        rules,
    })
}

/// The signalling host: web open, prosody's client port only for bridges, local services local.
pub(crate) fn signaling(d: &Deployment, shard: &SignalingHost) -> Option<FirewallPlan> {
    let mut rules = vec![
        rule(
            "tcp",
            &[HTTP_PORT, HTTPS_PORT],
            None,
            "accept",
            "browsers: HTTP (redirect, ACME) and HTTPS",
        ),
        rule(
            "tcp",
            &[XMPP_C2S_PORT],
            Some(shard.xmpp_clients.clone()),
            "accept",
            "bridges log in to prosody",
        ),
        rule(
            "tcp",
            &[XMPP_C2S_PORT],
            None,
            "drop",
            "nobody else reaches prosody's client port",
        ),
        rule(
            "tcp",
            &[
                PROSODY_HTTP_PORT,
                PROSODY_HTTPS_PORT,
                PROSODY_COMPONENT_PORT,
                JICOFO_REST_PORT,
            ],
            None,
            "drop",
            "prosody's HTTP, HTTPS and component ports and jicofo's REST API stay on loopback",
        ),
        rule(
            "tcp",
            &[PROSODY_S2S_PORT],
            None,
            "drop",
            "prosody's server-to-server port: Jitsi does not federate",
        ),
    ];
    if let Some(turn) = d.turn.as_ref().filter(|t| t.host == shard.host) {
        rules.extend(turn_rules(turn));
    }
    plan(d, rules)
}

/// coturn's ports, open to every client.
pub(crate) fn turn_rules(turn: &TurnHost) -> Vec<FirewallRule> {
    let mut udp = rule(
        "udp",
        &[turn.port],
        None,
        "accept",
        "STUN and TURN over UDP, and the relayed media",
    );
    udp.port_ranges
        .push([turn.relay_ports.0, turn.relay_ports.1]);
    let mut tcp_ports = vec![turn.port];
    if turn.tls.is_some() {
        tcp_ports.push(turn.tls_port);
    }
    vec![
        udp,
        rule("tcp", &tcp_ports, None, "accept", "TURN over TCP and TLS"),
    ]
}

/// A TURN server of its own.
pub(crate) fn turn(d: &Deployment, turn: &TurnHost) -> Option<FirewallPlan> {
    plan(d, turn_rules(turn))
}

/// The front door: the web, for everyone.
pub(crate) fn front_door(d: &Deployment) -> Option<FirewallPlan> {
    plan(
        d,
        vec![rule(
            "tcp",
            &[HTTP_PORT, HTTPS_PORT],
            None,
            "accept",
            "browsers: HTTP (redirect) and HTTPS",
        )],
    )
}

/// A bridge: media open to everyone (clients and other bridges), its private HTTP local.
pub(crate) fn bridge(d: &Deployment, b: &BridgeHost) -> Option<FirewallPlan> {
    let mut colibri = Vec::new();
    if b.websocket_server_id.is_some() {
        colibri.push(rule(
            "tcp",
            &[JVB_PUBLIC_HTTP_PORT],
            Some(b.shards.iter().map(|s| IpNet::from(s.address)).collect()),
            "accept",
            "colibri websockets from the signalling hosts' nginx",
        ));
        colibri.push(rule(
            "tcp",
            &[JVB_PUBLIC_HTTP_PORT],
            None,
            "drop",
            "nobody else reaches the bridge's public HTTP server",
        ));
    }
    plan(
        d,
        colibri
            .into_iter()
            .chain(vec![
                rule(
                    "udp",
                    &[MEDIA_UDP_PORT],
                    None,
                    "accept",
                    "media from clients and other bridges",
                ),
                rule(
                    "tcp",
                    &[JVB_PRIVATE_HTTP_PORT],
                    Some(d.firewall.monitoring_networks.clone()),
                    "accept",
                    "monitoring reaches the bridge's health and statistics",
                ),
                rule(
                    "tcp",
                    &[JVB_PRIVATE_HTTP_PORT],
                    None,
                    "drop",
                    if d.firewall.monitoring_networks.is_empty() {
                        "the bridge's private HTTP API (health, stats) stays on loopback"
                    } else {
                        "nobody else reaches the bridge's private HTTP API"
                    },
                ),
            ])
            .collect(),
    )
}

#[derive(Serialize)]
struct RuleView<'a> {
    description: &'a str,
    action: &'a str,
    r#match: String,
    anywhere: bool,
    v4: Vec<String>,
    v6: Vec<String>,
}

fn view(r: &FirewallRule) -> RuleView<'_> {
    let items: Vec<String> = r
        .ports
        .iter()
        .map(u16::to_string)
        .chain(r.port_ranges.iter().map(|[a, b]| format!("{a}-{b}")))
        .collect();
    let ports = match items.as_slice() {
        [] => String::new(),
        [p] => p.clone(),
        ps => format!("{{ {} }}", ps.join(", ")),
    };
    let r#match = match (r.protocol.as_str(), ports.is_empty()) {
        ("any", _) => String::new(),
        (proto, true) => format!("meta l4proto {proto} "),
        (proto, false) => format!("{proto} dport {ports} "),
    };
    let nets = r.sources.as_deref().unwrap_or_default();
    RuleView {
        description: &r.description,
        action: &r.action,
        r#match,
        anywhere: r.sources.is_none(),
        v4: nets
            .iter()
            .filter(|n| matches!(n, IpNet::V4(_)))
            .map(IpNet::to_string)
            .collect(),
        v6: nets
            .iter()
            .filter(|n| matches!(n, IpNet::V6(_)))
            .map(IpNet::to_string)
            .collect(),
    }
}

/// The rendered rules of each distinct list of rules met in one render: the bridges of a
/// deployment mostly share a few (one per set of shards they serve), so their rules are
/// rendered once. Compared, not hashed: equal lists compare in a few `memcmp`s.
#[derive(Default)]
pub(crate) struct Memo(Vec<(Vec<FirewallRule>, String)>);

impl Memo {
    /// How many distinct lists are kept (beyond it, rules are rendered each time).
    const CAPACITY: usize = 32;

    fn rules(&mut self, rules: &[FirewallRule]) -> Result<String> {
        if let Some((_, text)) = self.0.iter().find(|(seen, _)| seen == rules) {
            return Ok(text.clone());
        }
        let views: Vec<RuleView> = rules.iter().map(view).collect();
        let text = template("firewall-rules.nft", context! { rules => value(&views) })?;
        if self.0.len() < Self::CAPACITY {
            self.0.push((rules.to_vec(), text.clone()));
        }
        Ok(text)
    }
}

/// The nftables file and the unit that loads it.
pub(crate) fn files(
    d: &Deployment,
    host: &str,
    roles: &str,
    plan: &FirewallPlan,
    memo: &mut Memo,
) -> Result<Vec<File>> {
    static UNIT: OnceLock<String> = OnceLock::new();
    let path = &d.paths.firewall_rules;
    let service = d.services.firewall.name;
    let rules = memo.rules(&plan.rules)?;
    let nft = template(
        "firewall.nft",
        context! { host, roles, table => &plan.table, policy => &plan.policy, rules },
    )?;
    // The path is the same on every host, so the unit is too.
    let unit = super::constant(
        &UNIT,
        "firewall.service",
        || context! { path, table => d.firewall.table, nft => &d.paths.nft_binary },
    )?;
    Ok(vec![
        on_change(
            file(path, FileKind::Firewall, nft),
            service,
            ServiceAction::Reload,
        ),
        on_change(
            file(&d.paths.firewall_unit, FileKind::Systemd, unit),
            service,
            ServiceAction::Restart,
        ),
    ])
}
