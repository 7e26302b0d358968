//! debconf selections: the answers the packages' installers ask for, loaded before install
//! (the handbook's preseed). No password is ever preseeded. Every question preseeded is one a
//! package of the release defines (`facts/<release>/debconf.tsv`; `tests/upstream_facts.rs`):
//! `jitsi-meet/jvb-serve` is not, no package has had its template since 2022.

use minijinja::context;
use serde::Serialize;

use super::{Result, file, template, value};
use crate::bundle::{File, FileKind};
use crate::resolve::{Deployment, SignalingHost};

#[derive(Serialize)]
struct Selection {
    owner: &'static str,
    question: &'static str,
    r#type: &'static str,
    value: String,
}

fn s(
    owner: &'static str,
    question: &'static str,
    r#type: &'static str,
    value: impl Into<String>,
) -> Selection {
    Selection {
        owner,
        question,
        r#type,
        value: value.into(),
    }
}

fn render(d: &Deployment, host: &str, selections: Vec<Selection>) -> Result<File> {
    let path = &d.paths.debconf;
    let content = template(
        "debconf.selections",
        context! { host, release => d.release, path, selections => value(&selections) },
    )?;
    Ok(file(path, FileKind::Debconf, content))
}

/// The signalling host's answers.
pub(crate) fn signaling(d: &Deployment, shard: &SignalingHost) -> Result<File> {
    let domain = &d.names.domain;
    let tls = &d.web.web_tls;
    let mut sel = vec![
        s(
            "jitsi-videobridge",
            "jitsi-videobridge/jvb-hostname",
            "string",
            domain,
        ),
        s(
            "jitsi-meet-prosody",
            "jitsi-videobridge/jvb-hostname",
            "string",
            domain,
        ),
        s(
            "jitsi-meet-web-config",
            "jitsi-meet/cert-choice",
            "select",
            tls.cert_choice,
        ),
    ];
    if tls.own {
        sel.push(s(
            "jitsi-meet-web-config",
            "jitsi-meet/cert-path-crt",
            "string",
            &tls.certificate,
        ));
        sel.push(s(
            "jitsi-meet-web-config",
            "jitsi-meet/cert-path-key",
            "string",
            &tls.key,
        ));
    }
    if let Some(email) = &tls.email {
        sel.push(s(
            "jitsi-meet-web-config",
            "jitsi-meet/email",
            "string",
            email,
        ));
    }
    sel.push(s(
        "jitsi-meet-web-config",
        "jitsi-meet/jaas-choice",
        "boolean",
        if d.web.jaas { "true" } else { "false" },
    ));
    render(d, &shard.host, sel)
}

/// A bridge's answers: only the XMPP domain (its jvb.conf is ours).
pub(crate) fn bridge(d: &Deployment) -> Result<File> {
    render(
        d,
        "a bridge",
        vec![s(
            "jitsi-videobridge2",
            "jitsi-videobridge/jvb-hostname",
            "string",
            &d.names.domain,
        )],
    )
}
