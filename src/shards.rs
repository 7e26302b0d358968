//! The shards of a model, whichever form it uses: the one place that decides what the
//! single-shard form is called and which `bridge_networks` and bridges each shard has. Both
//! validation and resolution read the model through these views.

use ipnet::IpNet;

use crate::model::{Bridge, Signaling, Topology, XmppComponent};

/// The name of the one shard of the single-shard form (the id Debian's jvb.conf uses for its
/// XMPP connection).
pub const SINGLE_SHARD: &str = "shard";

/// One shard as validation and resolution see it, whichever form the model used: the
/// top-level `signaling` is one shard named [`SINGLE_SHARD`].
#[derive(Debug, Clone, Copy)]
pub struct ShardView<'a> {
    /// Its index in `shards`, or `None` for the top-level `signaling`.
    pub index: Option<usize>,
    /// Its name.
    pub name: &'a str,
    /// Its signalling host.
    pub signaling: &'a Signaling,
    /// Its own `bridge_networks`, else the top-level ones.
    pub bridge_networks: Option<&'a Vec<IpNet>>,
}

impl ShardView<'_> {
    /// The JSON Pointer of a field of its signalling host.
    pub fn signaling_path(&self, field: &str) -> String {
        match self.index {
            None => format!("/signaling/{field}"),
            Some(i) => format!("/shards/{i}/signaling/{field}"),
        }
    }

    /// The JSON Pointer of its `bridge_networks`.
    pub fn networks_path(&self) -> String {
        match self.index {
            Some(i) if self.bridge_networks.is_some() => format!("/shards/{i}/bridge_networks"),
            _ => "/bridge_networks".to_owned(),
        }
    }
}

/// Every shard, in model order (one for the single-shard form).
pub fn views(t: &Topology) -> Vec<ShardView<'_>> {
    match (&t.shards, &t.signaling) {
        (Some(shards), _) => shards
            .iter()
            .enumerate()
            .map(|(i, s)| ShardView {
                index: Some(i),
                name: &s.name,
                signaling: &s.signaling,
                bridge_networks: s.bridge_networks.as_ref().or(t.bridge_networks.as_ref()),
            })
            .collect(),
        (None, Some(signaling)) => vec![ShardView {
            index: None,
            name: SINGLE_SHARD,
            signaling,
            bridge_networks: t.bridge_networks.as_ref(),
        }],
        (None, None) => Vec::new(),
    }
}

/// Whether `bridge` serves the shard named `shard` (every bridge serves every shard unless
/// it lists its own).
pub fn serves(t: &Topology, bridge: &Bridge, shard: &str) -> bool {
    component_serves(t, bridge, shard)
}

/// Whether a host that logs in like a bridge (a bridge, a jibri, a jigasi) serves the shard
/// named `shard`: every shard unless it lists its own.
pub fn component_serves(t: &Topology, host: &dyn XmppComponent, shard: &str) -> bool {
    t.shards.is_none()
        || host
            .shards()
            .is_none_or(|names| names.iter().any(|n| n == shard))
}
