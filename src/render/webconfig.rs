//! jitsi-meet's config.js, served by nginx at `/config.js` (with SSI).

use minijinja::context;

use super::{Result, file, template, value};
use crate::bundle::{File, FileKind};
use crate::resolve::Deployment;

/// `/etc/jitsi/meet/<domain>-config.js`.
pub(crate) fn config_js(d: &Deployment) -> Result<File> {
    let content = template(
        "config.js",
        context! { release => d.release, names => value(&d.names) },
    )?;
    Ok(file(&d.signaling.config_js, FileKind::WebConfig, content))
}
