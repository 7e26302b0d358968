//! The jigasi hosts' own rules: their SIP accounts, the dial-in pages and what jigasi needs
//! from the deployment. (Hosts, addresses, nicknames, networks and shards are checked with
//! every host that logs in to prosody.)

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, printable};
use crate::model::{Auth, Topology};

use super::hostname_problem;

/// Every rule of `jigasis` and `dial_in`.
pub(super) fn jigasis(t: &Topology, out: &mut Vec<Diagnostic>) {
    for (i, j) in t.jigasis.iter().enumerate() {
        if let Some(problem) = sip_user_problem(&j.sip.user) {
            out.push(Diagnostic::error(
                Code::SIP_ACCOUNT_INVALID,
                format!("/jigasis/{i}/sip/user"),
                // Not quoted: a password pasted here must not be echoed.
                format!("the SIP account {problem} (not shown: it may be a pasted password)"),
                "write the account as your SIP provider gives it, `user@domain` without `sip:`, e.g. jitsi@sip.example.net",
            ));
        }
        if let Some(server) = &j.sip.server
            && server.parse::<std::net::IpAddr>().is_err()
            && let Some(problem) = hostname_problem(server)
        {
            out.push(Diagnostic::error(
                Code::SIP_ACCOUNT_INVALID,
                format!("/jigasis/{i}/sip/server"),
                format!("the SIP server {problem} (not shown: it may be a pasted password)"),
                "write the registrar's host name or address, e.g. pbx.example.net (leave it out to use the domain of `sip.user`)",
            ));
        }
        if j.sip.port == Some(0) {
            out.push(Diagnostic::error(
                Code::SIP_ACCOUNT_INVALID,
                format!("/jigasis/{i}/sip/port"),
                "port 0 is no port a registrar listens on",
                "write the registrar's port (5060 for UDP and TCP, 5061 for TLS), or leave it out",
            ));
        }
    }
    if let Some(dial_in) = &t.dial_in {
        if t.jigasis.is_empty() {
            out.push(Diagnostic::error(
                Code::DIAL_IN_INVALID,
                "/dial_in",
                "`dial_in` makes the web app show phone numbers, but there is no jigasi to answer them",
                "add a jigasi under `jigasis`, or remove `dial_in`",
            ));
        }
        if t.jaas {
            out.push(Diagnostic::error(
                Code::DIAL_IN_INVALID,
                "/dial_in",
                "with `jaas: true` the web app shows JaaS's own dial-in numbers (its config.js settings), not `dial_in`'s",
                "remove `dial_in`, or set `jaas: false`",
            ));
        }
        for (field, url) in [
            ("numbers_url", &dial_in.numbers_url),
            ("conference_code_url", &dial_in.conference_code_url),
        ] {
            if let Some(problem) = https_url_problem(url) {
                out.push(Diagnostic::error(
                    Code::DIAL_IN_INVALID,
                    format!("/dial_in/{field}"),
                    format!("`{}` {problem}", printable(url)),
                    "write the https:// URL of your service, e.g. https://pbx.example.net/jitsi/numbers (browsers fetch it from the conference page)",
                ));
            }
        }
    }
    if !t.jigasis.is_empty() && !matches!(t.auth, Auth::None) {
        out.push(
            Diagnostic::error(
                Code::JIGASI_NEEDS_ANONYMOUS,
                "/auth/mode",
                format!(
                    "jigasi joins each call's conference as an anonymous participant on the domain, which `auth.mode: {}` refuses",
                    t.auth.mode()
                ),
                "use `auth.mode: none` with jigasis (this tool does not give jigasi an account on the domain yet)",
            )
            .also_at("/jigasis", "the jigasis"),
        );
    }
}

/// Why `user` is not a SIP account `user@domain`, if it is not.
fn sip_user_problem(user: &str) -> Option<&'static str> {
    if user.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("contains whitespace or control characters");
    }
    if user.to_ascii_lowercase().starts_with("sip:")
        || user.to_ascii_lowercase().starts_with("sips:")
    {
        return Some("starts with `sip:`; jigasi adds it itself");
    }
    let Some((local, domain)) = user.split_once('@') else {
        return Some("has no `@domain`");
    };
    if local.is_empty() || domain.contains('@') {
        return Some("is not one user and one domain around one `@`");
    }
    if domain.parse::<std::net::IpAddr>().is_err() && hostname_problem(domain).is_some() {
        return Some("has a domain that is not a lower-case host name or an address");
    }
    None
}

/// Why `url` is not an `https://` URL of a host, if it is not.
fn https_url_problem(url: &str) -> Option<&'static str> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Some("is not an https:// URL");
    };
    if url
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || "'\"<>\\`".contains(c))
    {
        return Some("contains whitespace, quotes, `<`, `>`, `\\` or a backtick");
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if host.is_empty() {
        return Some("names no host");
    }
    None
}
