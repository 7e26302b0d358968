//! A bridge's identities in Jitsi: its brewery nickname and its relay id (and whether relays
//! are on at all). Decided here once; validation checks them (unique, well-formed) and
//! resolve carries them into the deployment.

use crate::model::{Bridge, Topology, XmppComponent};

/// Relays are on when the bridges are in more than one region.
pub(crate) fn relays(t: &Topology) -> bool {
    let regions: std::collections::BTreeSet<&str> = t
        .bridges
        .iter()
        .filter_map(|b| b.region.as_deref())
        .collect();
    regions.len() > 1
}

/// A bridge's brewery nickname: the model's, or else its host name. Decided here
/// only: validation checks that nicknames are unique, resolve carries them.
pub(crate) fn nickname(b: &Bridge) -> &str {
    b.nickname.as_deref().unwrap_or(&b.host)
}

/// A bridge's relay id: the model's, or its nickname.
pub(crate) fn relay_id(b: &Bridge) -> String {
    b.relay_id.clone().unwrap_or_else(|| nickname(b).to_owned())
}

/// The brewery nickname of any host that joins a brewery (a bridge, a jibri, a jigasi): the
/// model's, or else its host name.
pub(crate) fn component_nickname(c: &dyn XmppComponent) -> &str {
    c.nickname().unwrap_or(c.host())
}
