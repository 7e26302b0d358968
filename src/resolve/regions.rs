//! Where a participant's region comes from (the model's `participant_regions`), decided once
//! for nginx, the front door, prosody and config.js (issue 21, item 2).
//!
//! jicofo's RegionBasedBridgeSelectionStrategy takes a participant's region when it has one
//! and `local-region` otherwise (jicofo-selector/.../RegionBasedBridgeSelectionStrategy.kt
//! l.72-73 at jitsi/jicofo a595d0bc); it reads the region from the participant's MUC presence,
//! the extension `jitsi_participant_region` (jicofo-common/.../ChatRoomMemberImpl.kt
//! l.206-207). Two ways put it there, and this deployment feeds both from one header:
//! - prosody's mod_jitsi_session stores the request header named by `region_header_name`
//!   (default `x_proxy_region`) of a BOSH or WebSocket session as `session.user_region`
//!   (resources/prosody-plugins/mod_jitsi_session.lua l.24, 63 at Pie-D/jitsi-meet@abf901a),
//!   and mod_muc_meeting_id adds it to the join presence unless the client sent one
//!   (mod_muc_meeting_id.lua l.111-122, 130-133); prosody's HTTP server names headers in
//!   lower case with `-` turned into `_` (Debian's prosody 0.12, net/http/server.lua l.231);
//! - lib-jitsi-meet sends config.js's `deploymentInfo.userRegion` as the local participant's
//!   property `region`, that is the presence element `jitsi_participant_region`
//!   (JitsiConference.ts l.804-805 and l.4384-4385 at jitsi/lib-jitsi-meet f9c1a436).
//!
//! The header counts only when a hop the operator runs set it: the front door keeps it only
//! from the model's trusted networks, and nginx only from the front door (or, without shards,
//! from the trusted networks). Everywhere else it is dropped, so no client picks its region;
//! without `participant_regions` nginx and the front door drop it for every request.

use ipnet::IpNet;
use serde::Serialize;

use crate::model::Topology;

/// The header mod_jitsi_session reads by default, and the one nginx and the front door drop
/// when the model names no source.
const DEFAULT_HEADER: &str = "X-Proxy-Region";

/// Participants' regions, resolved.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ParticipantRegionPlan {
    /// Whether the model configures a source (`participant_regions`); without one the header
    /// is only ever dropped.
    pub configured: bool,
    /// The request header, as the model names it (default `X-Proxy-Region`).
    pub header: String,
    /// nginx's variable of that request header (`http_x_proxy_region`).
    pub nginx_header_variable: String,
    /// mod_jitsi_session's `region_header_name`: the header as prosody's HTTP server names it.
    pub region_header_name: String,
    /// The prosody module (global) that reads it: `jitsi_session`.
    pub module: &'static str,
    /// The front door keeps the header from these networks only (the model's).
    pub front_door_trusted: Vec<IpNet>,
    /// nginx keeps the header from these only: the front door's address with shards, else the
    /// model's networks.
    pub nginx_trusted: Vec<IpNet>,
    /// nginx's variable that is `1` for a request from `nginx_trusted`.
    pub trusted_variable: &'static str,
    /// nginx's variable holding the participant's region, empty when there is none or it is
    /// not to be believed: what nginx passes to prosody and config.js's SSI prints.
    pub region_variable: &'static str,
    /// The region names nginx accepts from the header (a PCRE fragment): validation's names,
    /// 1 to 64 of `A-Za-z0-9._-`, so the value is safe in config.js and in prosody.
    pub region_pattern: &'static str,
}

/// Resolves `participant_regions` for a model that validated without errors.
pub(super) fn resolve(t: &Topology) -> ParticipantRegionPlan {
    let header = t
        .participant_regions
        .as_ref()
        .map_or(DEFAULT_HEADER, |p| p.header.as_str())
        .to_owned();
    let trusted = t
        .participant_regions
        .as_ref()
        .map(|p| p.trusted_networks.clone())
        .unwrap_or_default();
    let nginx_trusted = match (&t.front_door, t.participant_regions.is_some()) {
        (_, false) => Vec::new(),
        (Some(door), true) => vec![IpNet::from(door.address)],
        (None, true) => trusted.clone(),
    };
    ParticipantRegionPlan {
        configured: t.participant_regions.is_some(),
        nginx_header_variable: format!("http_{}", header.to_ascii_lowercase().replace('-', "_")),
        region_header_name: header.to_ascii_lowercase().replace('-', "_"),
        header,
        module: "jitsi_session",
        front_door_trusted: if t.front_door.is_some() {
            trusted
        } else {
            Vec::new()
        },
        nginx_trusted,
        trusted_variable: "jitsi_region_trusted",
        region_variable: "jitsi_participant_region",
        region_pattern: "[A-Za-z0-9._-]{1,64}",
    }
}
