//! The front door of a sharded deployment: HAProxy routing each room to one shard.

use minijinja::context;
use serde::Serialize;

use super::{Result, file, on_change, template, value};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{Deployment, FrontDoorHost};

#[derive(Serialize)]
struct Backend {
    name: String,
    endpoint: String,
}

/// `/etc/haproxy/haproxy.cfg`.
pub(crate) fn config(d: &Deployment, door: &FrontDoorHost) -> Result<File> {
    let backends: Vec<Backend> = door
        .backends
        .iter()
        .map(|(name, address)| Backend {
            name: name.clone(),
            endpoint: std::net::SocketAddr::new(*address, 443).to_string(),
        })
        .collect();
    // The shards present the domain's own certificate: verify it against the system's CAs,
    // unless it is the installer's self-signed one.
    let verify = if d.web.web_tls.self_signed {
        "verify none"
    } else {
        "verify required ca-file @system-ca"
    };
    let content = template(
        "haproxy.cfg",
        context! {
            release => d.release,
            names => value(&d.names),
            door => value(door),
            backends => value(&backends),
            verify,
        },
    )?;
    Ok(on_change(
        file("/etc/haproxy/haproxy.cfg", FileKind::Haproxy, content),
        "haproxy",
        ServiceAction::Reload,
    ))
}
