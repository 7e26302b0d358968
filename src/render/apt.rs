//! Jitsi's apt source and the pins that hold a host's Jitsi packages at the model's release.

use std::sync::OnceLock;

use minijinja::context;

use super::{Result, file, template, value};
use crate::bundle::{File, FileKind};
use crate::resolve::Deployment;

/// The deb822 source and the preferences file, for a host that installs any of `packages`
/// that is a Jitsi package; nothing for the others (a front door, a TURN server of its own).
pub(crate) fn files(d: &Deployment, packages: &[String], memo: &Memo) -> Result<Vec<File>> {
    if d.apt.of(packages).next().is_none()
        && !packages
            .iter()
            .any(|p| d.apt.unpinned.contains(&p.as_str()))
    {
        return Ok(Vec::new());
    }
    if let Some(files) = memo.0.get() {
        return Ok(files.clone());
    }
    let ctx = || {
        context! {
            release => d.release,
            apt => value(&d.apt),
        }
    };
    let files = vec![
        file(
            &d.apt.source,
            FileKind::AptSource,
            template("apt-source.sources", ctx())?,
        ),
        file(
            &d.apt.preferences,
            FileKind::AptPreferences,
            template("apt-preferences.pref", ctx())?,
        ),
    ];
    Ok(memo.0.get_or_init(|| files).clone())
}

/// The files, rendered once per deployment (they are the same on every host).
#[derive(Default)]
pub(crate) struct Memo(OnceLock<Vec<File>>);
