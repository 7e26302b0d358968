//! The nginx site of the signalling host.

use minijinja::context;

use super::{PORTS, Result, file, on_change, template, value};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::Deployment;

/// `/etc/nginx/sites-available/<domain>.conf`.
pub(crate) fn site(d: &Deployment) -> Result<File> {
    let content = template(
        "nginx-site.conf",
        context! {
            release => d.release,
            names => value(&d.names),
            tls => value(&d.signaling.web_tls),
            config_js => &d.signaling.config_js,
            ports => value(&PORTS),
        },
    )?;
    Ok(on_change(
        file(&d.signaling.nginx_site, FileKind::Nginx, content),
        "nginx",
        ServiceAction::Reload,
    ))
}
