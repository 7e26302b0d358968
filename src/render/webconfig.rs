//! jitsi-meet's config.js, served by nginx at `/config.js` (with SSI).

use minijinja::context;

use super::{Result, file, template, value};
use crate::bundle::{File, FileKind};
use crate::resolve::{Deployment, SignalingHost};

/// `/etc/jitsi/meet/<domain>-config.js`.
pub(crate) fn config_js(d: &Deployment, shard: &SignalingHost) -> Result<File> {
    let content = template(
        "config.js",
        context! {
            release => d.release,
            names => value(&d.names),
            shard => value(shard),
            regions => value(&d.participant_regions),
            colibri_websockets => d.colibri_websockets,
            jaas => d.web.jaas_config.as_ref().map(value),
            stun_servers => &d.web.p2p_stun_servers,
            multistream_flags => d.web.multistream_flags,
            hidden_domain => d.web.hidden_domain,
            auth => value(&d.auth),
            dial_in => d.jigasi.dial_in.as_ref().map(value),
        },
    )?;
    Ok(file(&d.web.config_js, FileKind::WebConfig, content))
}
