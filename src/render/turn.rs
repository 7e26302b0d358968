//! The TURN server: coturn's config, its enabling default, and the drop-in that hands it a
//! file-referenced secret.
//!
//! The config has no `no-loopback-peers` line, although upstream's turnserver.conf carries one
//! (jitsi/jitsi-meet `doc/debian/jitsi-meet-turn/turnserver.conf` line 10 at abf901a4): coturn
//! dropped that option when loopback peers became refused by default, unless
//! `allow-loopback-peers` is given (coturn/coturn 8a60754d, "Change loopback defaults"; the
//! sample config's note at `examples/etc/turnserver.conf` lines 774-782 at 8024aa63), and
//! Debian 12's coturn 4.6.1 skips the line as a "Bad configuration format".

use std::sync::OnceLock;

use minijinja::context;

use super::{Result, file, on_change, template, value, with_access};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{Deployment, Secret, TurnHost};

static DEFAULT: OnceLock<String> = OnceLock::new();

/// `/etc/turnserver.conf`, `/etc/default/coturn` and, for a `{file}` secret, coturn's drop-in.
pub(crate) fn files(d: &Deployment, turn: &TurnHost) -> Result<Vec<File>> {
    let service = &d.services.coturn;
    let config = &d.paths.turn_config;
    let secret = d.secrets.turn.as_ref();
    let inline = secret.and_then(Secret::inline);
    let content = template(
        "turnserver.conf",
        context! {
            release => d.release,
            names => value(&d.names),
            turn => value(turn),
            secret => inline.map(|s| s.expose()),
            secret_file => secret.map(Secret::file),
            bridge_addresses => bridge_addresses(d),
        },
    )?;
    let mut conf = on_change(
        file(config, FileKind::Turn, content),
        service.name,
        ServiceAction::Restart,
    );
    conf = with_access(conf, &d.access.turn_config);
    conf.secret = inline.is_some();
    let default = on_change(
        file(
            &d.paths.turn_default,
            FileKind::Environment,
            super::constant(&DEFAULT, "coturn-default", || context! {})?,
        ),
        service.name,
        ServiceAction::Restart,
    );
    let mut files = vec![conf, default];
    if let Some(Secret::File { path }) = secret {
        let content = template(
            "turnserver-dropin.conf",
            context! {
                service => service.name,
                secret_file => path,
                config,
                helper => &d.paths.secret_config_helper,
                runtime => &d.paths.turn_runtime_config,
                group => d.access.turn_config.group,
                binary => &d.paths.turn_binary,
            },
        )?;
        files.push(on_change(
            file(&service.dropin, FileKind::Systemd, content),
            service.name,
            ServiceAction::Restart,
        ));
        files.push(super::systemd::secret_config_helper(d)?);
    }
    Ok(files)
}

/// Every address of every bridge, which coturn must relay to even when it is private.
fn bridge_addresses(d: &Deployment) -> Vec<String> {
    let mut all: Vec<std::net::IpAddr> = d
        .bridges
        .iter()
        .flat_map(|b| std::iter::once(b.address).chain(b.public_address))
        .collect();
    all.sort();
    all.dedup();
    all.iter().map(ToString::to_string).collect()
}
