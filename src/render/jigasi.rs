//! A jigasi host: its sip-communicator.properties and, for passwords kept in files on the
//! host, the drop-in and helper that complete a copy of it under `/run` at every start (the
//! properties format has no substitution, so the coturn way, not the HOCON one).

use std::sync::OnceLock;

use minijinja::context;

use super::{Result, file, on_change, template, value, with_access};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::escape::base64;
use crate::resolve::{Deployment, JigasiHost, Secret};

/// The SIP account's codec priorities, as jigasi's own sample sets them
/// (`jigasi-home/sip-communicator.properties` l.37-56 at 6fbf4f27; higher is preferred, 0
/// is off): opus first, then wide-band AMR and G.722, then G.711.
const CODECS: &[(&str, u32)] = &[
    ("AMR-WB/16000", 750),
    ("G722/8000", 700),
    ("GSM/8000", 0),
    ("H263-1998/90000", 0),
    ("H264/90000", 0),
    ("PCMA/8000", 600),
    ("PCMU/8000", 650),
    ("SILK/12000", 0),
    ("SILK/16000", 0),
    ("SILK/24000", 0),
    ("SILK/8000", 0),
    ("VP8/90000", 0),
    ("iLBC/8000", 10),
    ("opus/48000", 1000),
    ("red/90000", 0),
    ("speex/16000", 0),
    ("speex/32000", 0),
    ("speex/8000", 0),
    ("telephone-event/8000", 1),
    ("ulpfec/90000", 0),
];

/// A jigasi's files: sip-communicator.properties, the drop-in and, with `{file}` secrets, the
/// helper.
pub(crate) fn files(d: &Deployment, j: &JigasiHost) -> Result<Vec<File>> {
    let plan = &d.jigasi;
    let unit = &plan.service;
    let service = unit.name;
    let xmpp = d.secrets.jigasi.as_ref().filter(|_| j.dial_out);
    // Every (key, file) of a password kept in a file on the host.
    let mut from_files: Vec<(String, String)> = Vec::new();
    if let Some(path) = j.sip.password.file() {
        from_files.push((j.sip.password_key.clone(), path.to_owned()));
    }
    if let Some(Secret::File { path }) = xmpp {
        for s in &j.shards {
            from_files.push((s.password_key.clone(), path.clone()));
        }
    }
    let runtime = (!from_files.is_empty()).then_some(plan.runtime_properties.as_str());
    let sip_password = j
        .sip
        .password
        .inline()
        .map(|v| base64(v.expose().as_bytes()));
    let xmpp_password = xmpp
        .and_then(|p| p.inline())
        .map(|v| base64(v.expose().as_bytes()));
    let content = template(
        "jigasi-sip-communicator.properties",
        context! {
            names => value(&d.names),
            jigasi => value(plan),
            host => value(j),
            codecs => value(&CODECS),
            sip_password => &sip_password,
            xmpp_password => &xmpp_password,
            runtime,
        },
    )?;
    let mut properties = with_access(
        on_change(
            file(&plan.properties, FileKind::JigasiProperties, content),
            service,
            ServiceAction::Drain,
        ),
        &plan.access,
    );
    properties.secret = sip_password.is_some() || xmpp_password.is_some();
    let dropin = template(
        "jigasi-dropin.conf",
        context! {
            service,
            runtime,
            properties => &plan.properties,
            helper => &plan.helper,
            group => plan.access.group,
            secrets => from_files,
            exec_start => &plan.runtime_exec_start,
        },
    )?;
    let mut files = vec![
        properties,
        on_change(
            file(&unit.dropin, FileKind::Systemd, dropin),
            service,
            ServiceAction::Drain,
        ),
    ];
    if runtime.is_some() {
        files.push(helper(d)?);
    }
    Ok(files)
}

static HELPER: OnceLock<String> = OnceLock::new();

/// The helper that completes the properties with passwords from files.
fn helper(d: &Deployment) -> Result<File> {
    Ok(with_access(
        file(
            &d.jigasi.helper,
            FileKind::Script,
            super::constant(&HELPER, "secret-properties.sh", || context! {})?,
        ),
        &d.access.script,
    ))
}
