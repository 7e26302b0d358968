//! jicofo.conf (HOCON) and jicofo's systemd drop-in.

use minijinja::context;

use super::systemd::{SecretInjection, dropin};
use super::{Result, file, on_change, password_config, template, value, with_access};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{Deployment, SignalingHost};

/// `/etc/jitsi/jicofo/jicofo.conf`.
pub(crate) fn config(d: &Deployment, shard: &SignalingHost) -> Result<File> {
    let secret = &d.secrets.focus;
    let content = template(
        "jicofo.conf",
        context! {
            release => d.release,
            names => value(&d.names),
            ports => value(&d.ports),
            api => value(&d.jicofo_api),
            password => secret.inline().map(|s| s.expose()),
            password_env => secret.inline().is_none().then_some(d.secrets.focus_env),
            password_file => secret.file(),
            password_include => &d.paths.jicofo_password_include,
            relays => d.relays,
            region => shard.region.as_deref(),
            sharded => shard.sharded,
            jibri_brewery => (!shard.jibris.is_empty()).then_some(&d.names.jibri_brewery_jid),
            jigasi_brewery => (!shard.jigasis.is_empty()).then_some(&d.jigasi.brewery_jid),
            authentication => d.auth.jicofo.as_ref().map(value),
        },
    )?;
    Ok(password_config(
        (&d.paths.jicofo_config, FileKind::Jicofo),
        content,
        (d.services.jicofo.name, ServiceAction::Restart),
        &d.access.jicofo_config,
        secret,
    ))
}

/// With a file-referenced password: the file jicofo.conf includes, which substitutes the
/// variable our drop-in sets (never the value).
pub(crate) fn password_include(d: &Deployment) -> Result<Option<File>> {
    let secret = &d.secrets.focus;
    if secret.inline().is_some() {
        return Ok(None);
    }
    let content = template(
        "jicofo-password.conf",
        context! {
            release => d.release,
            names => value(&d.names),
            password_env => d.secrets.focus_env,
            password_file => secret.file(),
        },
    )?;
    let mut f = on_change(
        file(
            &d.paths.jicofo_password_config,
            FileKind::JicofoPassword,
            content,
        ),
        d.services.jicofo.name,
        ServiceAction::Restart,
    );
    f = with_access(f, &d.access.jicofo_config);
    Ok(Some(f))
}

/// The drop-in that hands jicofo a file-referenced password.
pub(crate) fn service_dropin(d: &Deployment) -> Result<Option<File>> {
    let jicofo = &d.services.jicofo;
    let injection = SecretInjection::new(
        d,
        jicofo,
        d.secrets.focus_env,
        &d.secrets.focus,
        &d.paths.jicofo_config,
    );
    dropin(jicofo, ServiceAction::Restart, None, injection)
}
