//! Insecure postures (issue 15, item 4): settings that render a working deployment but open
//! it wider than an operator would mean to. Each is a warning, so a setup that means it (a
//! cloud security group in front of hosts without our firewall) acknowledges it in the model
//! (`acknowledge`, see [`super::acknowledge`]) and keeps a pipeline that fails on warnings green.
//!
//! - networks that let every address in, judged on the union of a list, not only on `/0`;
//! - two secrets of the model that are one secret (by value, or one file however spelt);
//! - a bridge's public address shared with another bridge (an error: media cannot work) or
//!   with another host;
//! - no firewall at all.

use crate::codes::Code;
use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::diagnostic::{Diagnostic, pointer};
use crate::model::{SecretSource, Topology};
use crate::net::{covers_everything, ip_family};

/// A list of networks that covers an address family whole: per family, the path to report
/// (the one network that does it alone, or the list when only several do together) and the
/// start of a message ("0.0.0.0/0 covers every IPv4 address").
pub(super) fn everything(list_path: &str, nets: &[IpNet]) -> Vec<(String, String)> {
    covers_everything(nets)
        .into_iter()
        .map(|e| match e.alone {
            Some(i) => (
                format!("{list_path}/{i}"),
                format!("{} covers every {} address", nets[i], e.family),
            ),
            None => {
                let of_family: Vec<String> = nets
                    .iter()
                    .filter(|n| ip_family(n) == e.family)
                    .map(ToString::to_string)
                    .collect();
                let shown = if of_family.len() > 8 {
                    format!(
                        "{}, … ({} networks)",
                        of_family[..8].join(", "),
                        of_family.len()
                    )
                } else {
                    of_family.join(", ")
                };
                (
                    list_path.to_owned(),
                    format!(
                        "together, the {} networks of the list ({shown}) cover every {} address",
                        e.family, e.family
                    ),
                )
            }
        })
        .collect()
}

/// `firewall.admin_networks` covering everything: every host then accepts every port from
/// anywhere (SSH, prosody's component port, jicofo's REST API, the bridges' private API).
pub(super) fn admin_networks(t: &Topology, out: &mut Vec<Diagnostic>) {
    for (path, covers) in everything("/firewall/admin_networks", &t.firewall.admin_networks) {
        out.push(Diagnostic::warning(
            Code::ADMIN_NETWORK_EVERYTHING,
            path,
            format!(
                "{covers}, so every host accepts every port from anyone there (SSH, prosody's component port, jicofo's REST API, the bridges' private API)"
            ),
            "list only the networks you administer from",
        ));
    }
}

/// `firewall.enabled: false`: no host gets our table, so nothing guards prosody's ports.
pub(super) fn firewall_disabled(t: &Topology, out: &mut Vec<Diagnostic>) {
    if !t.firewall.enabled {
        out.push(Diagnostic::warning(
            Code::FIREWALL_DISABLED,
            "/firewall/enabled",
            "no host gets a firewall: prosody's client port (5222), its component port (5347), jicofo's REST API and whatever else listens are open to whoever can route to the hosts",
            "remove `enabled: false`; where another firewall (a cloud security group) filters, acknowledge this warning in `acknowledge` with the reason",
        ));
    }
}

/// The secrets of the model, each one account's or service's: who holds it, for messages.
const HOLDERS: &[(&str, &str)] = &[
    ("focus", "jicofo's password (held by the signalling hosts)"),
    ("jvb", "the bridges' password (held by every bridge)"),
    (
        "turn",
        "the TURN secret (held by the TURN host and prosody)",
    ),
];

fn holder(name: &str) -> &'static str {
    HOLDERS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("a secret", |(_, h)| h)
}

/// A `{file}` path spelt one way: empty and `.` segments dropped (`/etc//x/./y` is
/// `/etc/x/y`). `..` segments are refused by validation already. Symbolic links are not
/// followed: the path names a file on the target hosts, which the machine rendering (and the
/// core, which does no I/O) cannot see.
pub(super) fn lexical(path: &str) -> String {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    format!("/{}", segments.join("/"))
}

/// Two secrets of the model that are one: the same value (inline or from the environment) or
/// the same `{file}` (compared after [`lexical`]). `values` maps a secret's name to its value
/// and the pointer it came from; files are read from the model. Messages name the two
/// pointers and how they are equal, never a value or a path.
pub(super) fn shared_secrets(
    t: &Topology,
    values: &BTreeMap<&str, (String, String)>,
    out: &mut Vec<Diagnostic>,
) {
    let mut sources = vec![("focus", &t.secrets.focus), ("jvb", &t.secrets.jvb)];
    sources.extend(t.secrets.turn.as_ref().map(|s| ("turn", s)));
    sources.extend(t.secrets.jibri.as_ref().map(|s| ("jibri", s)));
    sources.extend(t.secrets.recorder.as_ref().map(|s| ("recorder", s)));
    for (j, (b, b_source)) in sources.iter().enumerate() {
        for (a, a_source) in &sources[..j] {
            let shared = match (a_source, b_source) {
                (SecretSource::File(x), SecretSource::File(y)) if lexical(x) == lexical(y) => {
                    Some((
                        pointer(["secrets", a, "file"]),
                        pointer(["secrets", b, "file"]),
                        "name the same file",
                    ))
                }
                _ => match (values.get(a), values.get(b)) {
                    (Some((x, xp)), Some((y, yp))) if x == y => {
                        Some((xp.clone(), yp.clone(), "hold the same value"))
                    }
                    _ => None,
                },
            };
            if let Some((first, second, how)) = shared {
                out.push(
                    Diagnostic::warning(
                        Code::SECRET_REUSED,
                        second.clone(),
                        format!(
                            "{second} and {first} {how}: {} is {}, so whoever holds one can use the other",
                            holder(b),
                            holder(a)
                        ),
                        "give each secret its own value or file (`jitsi-topology secrets init DIR` writes one file per secret)",
                    )
                    .also_at(first, "the other secret"),
                );
            }
        }
    }
}

/// The address clients send a bridge's media to: its public address, or its own.
fn advertised(b: &crate::model::Bridge) -> IpAddr {
    b.public_address.unwrap_or(b.address)
}

/// Bridges' public addresses: two bridges advertising one address to clients cannot both get
/// UDP 10000 there (an error); a bridge's public address that is another host's address
/// works only if that host forwards UDP 10000 to the bridge (a warning).
pub(super) fn public_addresses(t: &Topology, out: &mut Vec<Diagnostic>) {
    let mut others: Vec<(IpAddr, String, &str)> = Vec::new();
    for v in crate::shards::views(t) {
        others.push((
            v.signaling.address,
            v.signaling_path("address"),
            "a signalling host's address",
        ));
    }
    if let Some(door) = &t.front_door {
        others.push((
            door.address,
            "/front_door/address".into(),
            "the front door's address",
        ));
    }
    if let Some(turn) = &t.turn {
        others.push((
            turn.address,
            "/turn/address".into(),
            "the TURN server's address",
        ));
        if let Some(p) = turn.public_address {
            others.push((
                p,
                "/turn/public_address".into(),
                "the TURN server's public address",
            ));
        }
    }
    let mut seen: BTreeMap<IpAddr, (usize, String)> = BTreeMap::new();
    for (i, b) in t.bridges.iter().enumerate() {
        let field = if b.public_address.is_some() {
            "public_address"
        } else {
            "address"
        };
        let at = pointer(["bridges", &i.to_string(), field]);
        let ip = advertised(b);
        match seen.get(&ip) {
            // Two bridges on one own address are `duplicate-address` already.
            Some((first, first_at))
                if b.public_address.is_some() || t.bridges[*first].public_address.is_some() =>
            {
                out.push(Diagnostic::error(
                    Code::DUPLICATE_PUBLIC_ADDRESS,
                    at.clone(),
                    format!(
                        "bridges/{first} already receives media on {ip}: clients would send both bridges' media to one address, and UDP 10000 there reaches only one of them"
                    ),
                    "give every bridge its own public address (each NAT mapping forwards UDP 10000 of one address to one bridge)",
                ).also_at(first_at.clone(), "first used here"));
            }
            Some(_) => {}
            None => {
                seen.insert(ip, (i, at.clone()));
            }
        }
        let Some(public) = b.public_address else {
            continue;
        };
        for (addr, path, what) in &others {
            if *addr == public {
                out.push(Diagnostic::warning(
                    Code::PUBLIC_ADDRESS_SHARED,
                    at.clone(),
                    format!(
                        "{public} is also {what} ({path}): clients reach this bridge there only if that address forwards UDP 10000 to it, and the other host's ports there answer for the bridge's address"
                    ),
                    "give the bridge a public address of its own; if one address deliberately forwards UDP 10000 to this bridge, acknowledge this warning in `acknowledge` with the reason",
                ).also_at(path.clone(), what));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_path_is_compared_in_one_spelling() {
        assert_eq!(
            lexical("/etc//jitsi/./secrets/jvb"),
            "/etc/jitsi/secrets/jvb"
        );
        assert_eq!(lexical("/etc/jitsi/secrets/jvb"), "/etc/jitsi/secrets/jvb");
        assert_ne!(
            lexical("/etc/jitsi/secrets/JVB"),
            lexical("/etc/jitsi/secrets/jvb")
        );
    }
}
