//! debconf selections: the answers resolve decided ([`crate::resolve::Debconf`]), printed for
//! loading before install (the handbook's preseed).

use minijinja::context;

use super::{Result, file, template, value};
use crate::bundle::{File, FileKind};
use crate::resolve::{DebconfAnswer, Deployment, SignalingHost};

fn render(d: &Deployment, host: &str, selections: &[DebconfAnswer]) -> Result<File> {
    let path = &d.paths.debconf;
    let content = template(
        "debconf.selections",
        context! { host, release => d.release, path, selections => value(&selections) },
    )?;
    Ok(file(path, FileKind::Debconf, content))
}

/// The signalling host's answers.
pub(crate) fn signaling(d: &Deployment, shard: &SignalingHost) -> Result<File> {
    render(d, &shard.host, &d.debconf.signaling)
}

/// A jigasi's answers.
pub(crate) fn jigasi(d: &Deployment, host: &str) -> Result<File> {
    render(d, host, &d.jigasi.debconf)
}

/// A bridge's answers.
pub(crate) fn bridge(d: &Deployment) -> Result<File> {
    render(d, "a bridge", &d.debconf.bridge)
}
