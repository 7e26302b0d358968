//! HAProxy: on the front door of a sharded deployment, routing each room to one shard; on a
//! bridge with monitoring, passing the monitoring networks its health and metrics only.

use minijinja::context;

use super::{Result, file, on_change, template, value};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{BridgeHost, Deployment, FrontDoorHost};

/// `/etc/haproxy/haproxy.cfg`.
pub(crate) fn config(d: &Deployment, door: &FrontDoorHost) -> Result<File> {
    let content = template(
        "haproxy.cfg",
        context! {
            release => d.release,
            names => value(&d.names),
            door => value(door),
            ports => value(&d.ports),
            auth => value(&d.auth),
            regions => value(&d.participant_regions),
        },
    )?;
    Ok(on_change(
        file(&d.paths.haproxy_config, FileKind::Haproxy, content),
        d.services.haproxy.name,
        ServiceAction::Reload,
    ))
}

/// A bridge's `/etc/haproxy/haproxy.cfg` when monitoring networks read its health and metrics.
pub(crate) fn monitoring(d: &Deployment, b: &BridgeHost) -> Result<Option<File>> {
    if b.monitoring_proxy.is_none() {
        return Ok(None);
    }
    let content = template(
        "haproxy-monitoring.cfg",
        context! {
            release => d.release,
            bridge => value(b),
            api => value(&d.bridge_api),
        },
    )?;
    Ok(Some(on_change(
        file(&d.paths.haproxy_config, FileKind::Haproxy, content),
        d.services.haproxy.name,
        ServiceAction::Reload,
    )))
}
