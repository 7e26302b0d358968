//! The prosody config of the signalling host, included from Debian's main config.

use minijinja::context;

use super::{PORTS, Result, file, on_change, template, value};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::model::ProsodySeries;
use crate::resolve::Deployment;

/// `/etc/prosody/conf.avail/<domain>.cfg.lua`.
pub(crate) fn config(d: &Deployment) -> Result<File> {
    let content = template(
        "prosody.cfg.lua",
        context! {
            release => d.release,
            prosody => d.prosody.to_string(),
            names => value(&d.names),
            ports => value(&PORTS),
            auth_certificate => &d.web.auth_certificate,
            auth_key => &d.web.auth_key,
            // Prosody 13 stopped making component admins room owners; 0.12 does not know the
            // option.
            component_admins_as_room_owners => d.prosody == ProsodySeries::V13,
        },
    )?;
    Ok(on_change(
        file(&d.web.prosody_config, FileKind::Prosody, content),
        "prosody",
        ServiceAction::Reload,
    ))
}
