//! The nginx site of the signalling host.

use minijinja::context;

use super::{PORTS, Result, file, on_change, template, value};
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
            shard => value(shard),
            ports => value(&PORTS),
            paths => value(&d.paths),
        },
    )?;
    Ok(on_change(
        file(&d.web.nginx_site, FileKind::Nginx, content),
        d.services.nginx.name,
        ServiceAction::Reload,
    ))
}
