//! The front door of a sharded deployment: HAProxy routing each room to one shard.

use minijinja::context;

use super::{Result, file, on_change, template, value};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{Deployment, FrontDoorHost};

/// `/etc/haproxy/haproxy.cfg`.
pub(crate) fn config(d: &Deployment, door: &FrontDoorHost) -> Result<File> {
    let content = template(
        "haproxy.cfg",
        context! {
            release => d.release,
            names => value(&d.names),
            door => value(door),
        },
    )?;
    Ok(on_change(
        file(&d.paths.haproxy_config, FileKind::Haproxy, content),
        d.services.haproxy.name,
        ServiceAction::Reload,
    ))
}
