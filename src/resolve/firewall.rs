//! Each host's firewall, decided: which ports are open, to which networks, and what is
//! dropped (DESIGN's "Firewall": only our own table; Jitsi's ports guarded, the rest left
//! alone unless `default_drop`). `render/firewall.rs` prints these rules as nftables.

use ipnet::IpNet;

use super::{
    BridgeHost, FirewallSettings, HTTP_PORT, HTTPS_PORT, JIBRI_EXTERNAL_API_PORT,
    JIBRI_INTERNAL_API_PORT, JICOFO_REST_PORT, JVB_PRIVATE_HTTP_PORT, JVB_PUBLIC_HTTP_PORT,
    JibriHost, MEDIA_UDP_PORT, PROSODY_COMPONENT_PORT, PROSODY_HTTP_PORT, PROSODY_HTTPS_PORT,
    PROSODY_S2S_PORT, SignalingHost, TurnHost, XMPP_C2S_PORT,
};
use crate::bundle::{FirewallPlan, FirewallRule};

/// SIP's port (jitsi's SIP stack listens on it for calls in).
const SIP_PORT: u16 = 5060;
/// SIP over TLS.
const SIP_TLS_PORT: u16 = 5061;
/// jigasi's media ports: its `--min-port` and `--max-port` defaults (jitsi/jigasi
/// `src/main/java/org/jitsi/jigasi/Main.java` l.87, l.101 at 6fbf4f27).
const JIGASI_MEDIA_PORTS: (u16, u16) = (10000, 20000);
/// jigasi's REST API over TLS (`src/main/resources/reference.conf` l.5 at 6fbf4f27; off
/// without a key store, dropped all the same).
const JIGASI_REST_TLS_PORT: u16 = 8743;

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

/// The host's table: none when the model turns the firewall off; the administrators' rule
/// first; rules for an empty list of networks left out.
pub(super) fn plan(f: &FirewallSettings, mut rules: Vec<FirewallRule>) -> Option<FirewallPlan> {
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

/// The signalling host: web open, prosody's client port only for bridges, local services
/// local; coturn's ports when the TURN server runs there too.
pub(super) fn signaling(shard: &SignalingHost, turn: Option<&TurnHost>) -> Vec<FirewallRule> {
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
            if shard.jibris.is_empty() {
                "bridges log in to prosody"
            } else {
                "bridges and jibris log in to prosody"
            },
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
    rules.extend(turn.map(turn_rules).into_iter().flatten());
    rules
}

/// coturn's ports, open to every client.
pub(super) fn turn_rules(turn: &TurnHost) -> Vec<FirewallRule> {
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

/// A jibri host: nothing of Jitsi's listens on it for others. jibri's HTTP APIs (its busy
/// status, graceful shutdown, starting a recording) listen on loopback by default; the table
/// keeps them there should a jibri.conf of another origin open them. Its outgoing connections
/// (5222 to prosody, 443 to the web) are not filtered.
pub(super) fn jibri(_: &JibriHost) -> Vec<FirewallRule> {
    vec![rule(
        "tcp",
        &[JIBRI_EXTERNAL_API_PORT, JIBRI_INTERNAL_API_PORT],
        None,
        "drop",
        "jibri's HTTP APIs (health, start and stop of recordings, shutdown) stay on loopback",
    )]
}

/// The front door: the web, for everyone.
/// A jigasi's: SIP and the media ports open (the media comes from the SIP side and from the
/// bridges, from addresses no model knows), its REST API kept on loopback.
pub(super) fn jigasi() -> Vec<FirewallRule> {
    let mut media = rule(
        "udp",
        &[SIP_PORT],
        None,
        "accept",
        "SIP over UDP, and the calls' media (RTP from the SIP side, ICE with the bridges)",
    );
    media
        .port_ranges
        .push([JIGASI_MEDIA_PORTS.0, JIGASI_MEDIA_PORTS.1]);
    vec![
        media,
        rule(
            "tcp",
            &[SIP_PORT, SIP_TLS_PORT],
            None,
            "accept",
            "SIP over TCP and TLS",
        ),
        rule(
            "tcp",
            &[super::JIGASI_REST_PORT, JIGASI_REST_TLS_PORT],
            None,
            "drop",
            "jigasi's REST API (statistics, graceful shutdown) stays on loopback",
        ),
    ]
}

pub(super) fn front_door() -> Vec<FirewallRule> {
    vec![rule(
        "tcp",
        &[HTTP_PORT, HTTPS_PORT],
        None,
        "accept",
        "browsers: HTTP (redirect) and HTTPS",
    )]
}

/// A bridge: media open to everyone (clients and other bridges), its private HTTP local.
pub(super) fn bridge(f: &FirewallSettings, b: &BridgeHost) -> Vec<FirewallRule> {
    let mut rules = Vec::new();
    if b.websocket_server_id.is_some() {
        rules.push(rule(
            "tcp",
            &[JVB_PUBLIC_HTTP_PORT],
            Some(b.shards.iter().map(|s| IpNet::from(s.address)).collect()),
            "accept",
            "colibri websockets from the signalling hosts' nginx",
        ));
        rules.push(rule(
            "tcp",
            &[JVB_PUBLIC_HTTP_PORT],
            None,
            "drop",
            "nobody else reaches the bridge's public HTTP server",
        ));
    }
    rules.extend([
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
            Some(f.monitoring_networks.clone()),
            "accept",
            "monitoring reaches the bridge's health and statistics",
        ),
        rule(
            "tcp",
            &[JVB_PRIVATE_HTTP_PORT],
            None,
            "drop",
            if f.monitoring_networks.is_empty() {
                "the bridge's private HTTP API (health, stats) stays on loopback"
            } else {
                "nobody else reaches the bridge's private HTTP API"
            },
        ),
    ]);
    rules
}
