//! The nginx site of the signalling host, and the hook that keeps its certificate.

use minijinja::context;

use super::{Result, file, on_change, template, value, with_access};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{Deployment, SignalingHost};

/// `/etc/nginx/sites-available/<domain>.conf`.
pub(crate) fn site(d: &Deployment, shard: &SignalingHost) -> Result<File> {
    let content = template(
        "nginx-site.conf",
        context! {
            release => d.release,
            names => value(&d.names),
            tls => value(&d.web.web_tls),
            config_js => &d.web.config_js,
            web => value(&d.web),
            regions => value(&d.participant_regions),
            shard => value(shard),
            ports => value(&d.ports),
            paths => value(&d.paths),
            web_root => &d.paths.web_root,
            auth => value(&d.auth),
            access_log => d.auth.access_log,
        },
    )?;
    Ok(on_change(
        file(&d.web.nginx_site, FileKind::Nginx, content),
        d.services.nginx.name,
        ServiceAction::Reload,
    ))
}

/// With an ACME certificate: the hook that installs it where the site reads it (or a
/// placeholder before the first issuance) and reloads nginx.
pub(crate) fn certificate_hook(d: &Deployment) -> Result<Option<File>> {
    let Some(acme) = &d.web.web_tls.acme else {
        return Ok(None);
    };
    let content = template(
        "web-certificate.sh",
        context! {
            domain => &d.names.domain,
            tls => value(&d.web.web_tls),
            acme => value(acme),
            nginx_service => d.services.nginx.name,
        },
    )?;
    Ok(Some(with_access(
        file(&acme.hook, FileKind::Script, content),
        &d.access.script,
    )))
}
