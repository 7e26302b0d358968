//! The prosody config of the signalling host, included from Debian's main config.

use minijinja::context;

use super::systemd::{SecretInjection, dropin};
use super::{PORTS, Result, file, on_change, template, value};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{Deployment, Secret};

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
            domain_certificate => &d.paths.domain_certificate,
            domain_key => &d.paths.domain_key,
            component_admins_as_room_owners => d.component_admins_as_room_owners,
            polls_component => d.polls_component,
            turn => d.turn.as_ref().map(value),
            turn_secret => d.secrets.turn.as_ref().and_then(Secret::inline).map(|s| s.expose()),
            turn_secret_env => d.secrets.turn_env,
        },
    )?;
    let mut f = on_change(
        file(&d.web.prosody_config, FileKind::Prosody, content),
        d.services.prosody.name,
        ServiceAction::Reload,
    );
    // An inline TURN secret makes the file secret: readable by prosody, nobody else.
    if d.turn.is_some()
        && d.secrets
            .turn
            .as_ref()
            .is_some_and(|s| s.inline().is_some())
    {
        f.secret = true;
        f.mode = 0o640;
        f.group = "prosody".into();
    }
    Ok(f)
}

/// The drop-in that hands prosody a file-referenced TURN secret (its config reads
/// `ENV_<variable>`).
pub(crate) fn service_dropin(d: &Deployment) -> Result<Option<File>> {
    let injection = match (&d.turn, &d.secrets.turn) {
        (Some(_), Some(secret)) => SecretInjection::new(
            d,
            &d.services.prosody,
            d.secrets.turn_env,
            secret,
            &d.web.prosody_config,
        ),
        _ => None,
    };
    // A new environment needs a restart; a reload keeps the old one.
    dropin(&d.services.prosody, ServiceAction::Restart, None, injection)
}
