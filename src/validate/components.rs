//! The hosts that log in to prosody from another host the way a bridge does (bridges, jibris;
//! jigasis): what must hold across all of them (unique hosts, addresses and nicknames; known
//! shards; addresses inside the networks allowed to reach prosody), the secrets their
//! accounts need, and what config.js may offer (recording and streaming only with a jibri
//! that does it on every shard; transcription refused).

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::{check_path, hostname_problem, reserved};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, pointer, printable};
use crate::identity::component_nickname;
use crate::model::{Topology, XmppComponent};
use crate::shards::component_serves;

/// Every host that logs in like a bridge, in model order with its index in its own list:
/// the bridges, the jibris, then the jigasis. A new kind of such host is one more `chain` here.
pub(crate) fn component_hosts(t: &Topology) -> Vec<(usize, &dyn XmppComponent)> {
    let bridges = t
        .bridges
        .iter()
        .enumerate()
        .map(|(i, b)| (i, b as &dyn XmppComponent));
    let jibris = t
        .jibris
        .iter()
        .enumerate()
        .map(|(i, j)| (i, j as &dyn XmppComponent));
    let jigasis = t
        .jigasis
        .iter()
        .enumerate()
        .map(|(i, j)| (i, j as &dyn XmppComponent));
    bridges.chain(jibris).chain(jigasis).collect()
}

fn at(c: &dyn XmppComponent, i: usize, field: &str) -> String {
    pointer([c.list(), &i.to_string(), field])
}

/// What holds across bridges, jibris and jigasis. Bridges among themselves are checked in
/// `bridges` and `shards` (their codes came first): a collision is reported here when one of
/// its two hosts is not a bridge.
pub(super) fn components(t: &Topology, out: &mut Vec<Diagnostic>) {
    let all = component_hosts(t);
    let mut hosts: BTreeMap<&str, String> = BTreeMap::new();
    let mut addresses: BTreeMap<IpAddr, String> = BTreeMap::new();
    let mut nicknames: BTreeMap<&str, String> = BTreeMap::new();
    let views = crate::shards::views(t);
    for &(i, c) in &all {
        let bridge = c.list() == "bridges";
        fn seen<K: Ord>(map: &BTreeMap<K, String>, key: K, bridge: bool) -> Option<String> {
            // Two bridges: reported by `bridges` already.
            map.get(&key)
                .filter(|first| !(bridge && first.starts_with("/bridges/")))
                .cloned()
        }
        if !bridge {
            if let Some(p) = hostname_problem(c.host()) {
                out.push(Diagnostic::error(
                    Code::HOSTNAME_INVALID,
                    at(c, i, "host"),
                    format!("host name `{}` {p}", printable(c.host())),
                    "use the host's lower-case DNS or inventory name, e.g. jibri1.example.com; it also names the host's output folder",
                ));
            } else {
                reserved(at(c, i, "host"), c.host(), out);
            }
            let a = c.address();
            if a.is_loopback() || a.is_unspecified() || a.is_multicast() {
                out.push(Diagnostic::error(
                    Code::ADDRESS_NOT_ROUTABLE,
                    at(c, i, "address"),
                    format!("{a} cannot be a {}'s address", c.role()),
                    "use the address the host has on the network it shares with the signalling host",
                ));
            }
            other_roles(t, c, i, out);
            shards_of(t, c, i, &views, out);
        }
        if let Some(first) = seen(&hosts, c.host(), bridge) {
            out.push(
                Diagnostic::error(
                    Code::DUPLICATE_HOST,
                    at(c, i, "host"),
                    format!(
                        "host `{}` is already used at {first}",
                        printable(c.host())
                    ),
                    "bridges, jibris and jigasis each run on a host of their own; use another inventory name",
                )
                .also_at(first, "first used here"),
            );
        } else {
            hosts.entry(c.host()).or_insert_with(|| at(c, i, "host"));
        }
        if let Some(first) = seen(&addresses, c.address(), bridge) {
            out.push(
                Diagnostic::error(
                    Code::DUPLICATE_ADDRESS,
                    at(c, i, "address"),
                    format!("address {} is already used at {first}", c.address()),
                    "give every bridge, jibri and jigasi its own address",
                )
                .also_at(first, "first used here"),
            );
        } else {
            addresses
                .entry(c.address())
                .or_insert_with(|| at(c, i, "address"));
        }
        let nick = component_nickname(c);
        let nick_path = at(
            c,
            i,
            if c.nickname().is_some() {
                "nickname"
            } else {
                "host"
            },
        );
        // A nickname derived from an invalid host name was reported with the host already.
        let derived_from_bad_host = c.nickname().is_none() && hostname_problem(c.host()).is_some();
        if !bridge && !derived_from_bad_host && !super::name_ok(nick) {
            out.push(Diagnostic::error(
                Code::NICKNAME_INVALID,
                nick_path.clone(),
                format!("`{}` cannot be a brewery nickname", printable(nick)),
                if c.nickname().is_some() {
                    "use 1 to 64 letters, digits and `._-`"
                } else {
                    "the host name is the default nickname; set `nickname` to 1 to 64 letters, digits and `._-`"
                },
            ));
        }
        if let Some(first) = seen(&nicknames, nick, bridge) {
            out.push(
                Diagnostic::error(
                    Code::DUPLICATE_NICKNAME,
                    nick_path,
                    format!(
                        "nickname `{}` is already used at {first}; jicofo tells the hosts of its breweries apart by nickname",
                        printable(nick)
                    ),
                    "give every bridge, jibri and jigasi its own `nickname`",
                )
                .also_at(first, "first used here"),
            );
        } else {
            nicknames.entry(nick).or_insert(nick_path);
        }
    }
    for (i, j) in t.jibris.iter().enumerate() {
        if let Some(folder) = &j.recordings_folder {
            check_path(
                &pointer(["jibris", &i.to_string(), "recordings_folder"]),
                folder,
                "the recordings folder",
                out,
            );
        }
        if let Some(script) = &j.finalize_script {
            check_path(
                &pointer(["jibris", &i.to_string(), "finalize_script"]),
                script,
                "the finalize script",
                out,
            );
        }
    }
    secrets(t, out);
    recording(t, out);
}

/// A jibri or jigasi on a host that has another role already.
fn other_roles(t: &Topology, c: &dyn XmppComponent, i: usize, out: &mut Vec<Diagnostic>) {
    let mut others: Vec<(String, &str)> = crate::shards::views(t)
        .iter()
        .filter(|v| v.signaling.host == c.host() || v.signaling.address == c.address())
        .map(|v| (v.signaling_path("host"), "the signalling host"))
        .collect();
    if let Some(door) = &t.front_door
        && (door.host == c.host() || door.address == c.address())
    {
        others.push(("/front_door/host".into(), "the front door"));
    }
    if let Some(turn) = &t.turn
        && (turn.host == c.host() || turn.address == c.address())
    {
        others.push(("/turn/host".into(), "the TURN server"));
    }
    for (other, label) in others {
        out.push(
            Diagnostic::error(
                Code::HOST_ROLES_CONFLICT,
                at(c, i, "host"),
                format!(
                    "{} `{}` has the host or address of {label}",
                    c.role(),
                    printable(c.host())
                ),
                format!(
                    "run the {} on a host of its own, as the scalable setup does",
                    c.role()
                ),
            )
            .also_at(other, label),
        );
    }
}

/// A jibri's or jigasi's `shards` name shards that exist, and at least one; its address lies
/// inside the networks allowed to reach each served shard's prosody.
fn shards_of(
    t: &Topology,
    c: &dyn XmppComponent,
    i: usize,
    views: &[crate::shards::ShardView<'_>],
    out: &mut Vec<Diagnostic>,
) {
    if c.shards().is_some() && t.shards.is_none() {
        out.push(Diagnostic::error(
            Code::UNKNOWN_SHARD,
            at(c, i, "shards"),
            format!(
                "this topology has no `shards` for the {} to choose from",
                c.role()
            ),
            format!("remove the {}'s `shards`", c.role()),
        ));
    } else if let Some(list) = c.shards() {
        if list.is_empty() {
            out.push(Diagnostic::error(
                Code::BRIDGE_WITHOUT_SHARDS,
                at(c, i, "shards"),
                format!("the {} serves no shard", c.role()),
                "list the shards it serves, or leave `shards` out to serve every shard",
            ));
        }
        for (k, name) in list.iter().enumerate() {
            if !views.iter().any(|v| v.name == name) {
                out.push(
                    Diagnostic::error(
                        Code::UNKNOWN_SHARD,
                        pointer([c.list(), &i.to_string(), "shards", &k.to_string()]),
                        format!("there is no shard named `{}`", printable(name)),
                        format!(
                            "use one of: {}",
                            views
                                .iter()
                                .map(|v| format!("`{}`", printable(v.name)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .also_at("/shards", "the shards"),
                );
            }
        }
    }
    let mut reported: Vec<String> = Vec::new();
    for v in views {
        let Some(nets) = v.bridge_networks else {
            continue;
        };
        let networks = v.networks_path();
        if !component_serves(t, c, v.name)
            || nets.is_empty()
            || nets.iter().any(|n| n.contains(&c.address()))
            || reported.contains(&networks)
        {
            continue;
        }
        out.push(
            Diagnostic::error(
                Code::ADDRESS_OUTSIDE_BRIDGE_NETWORKS,
                at(c, i, "address"),
                format!(
                    "{} address {} is in none of the networks at {networks}, so the firewall would shut it out of {}prosody",
                    c.role(),
                    c.address(),
                    if t.shards.is_some() { "that shard's " } else { "" }
                ),
                format!("add its network to {networks}"),
            )
            .also_at(networks.clone(), "the networks"),
        );
        reported.push(networks);
    }
}

/// The accounts of jibri and jigasi: each password with the hosts that log in with it, none
/// without.
fn secrets(t: &Topology, out: &mut Vec<Diagnostic>) {
    let s = &t.secrets;
    for (name, secret, what, list, none) in [
        (
            "jibri",
            &s.jibri,
            "jibri@auth.<domain>, the account jibris join the brewery with",
            "jibris",
            t.jibris.is_empty(),
        ),
        (
            "recorder",
            &s.recorder,
            "recorder@recorder.<domain>, the hidden account jibri's Chrome joins conferences with",
            "jibris",
            t.jibris.is_empty(),
        ),
        (
            "jigasi",
            &s.jigasi,
            "jigasi@auth.<domain>, the account jigasis join the brewery with",
            "jigasis",
            t.jigasis.is_empty(),
        ),
    ] {
        match (none, secret) {
            (false, None) => out.push(
                Diagnostic::error(
                    Code::COMPONENT_SECRET_MISSING,
                    "/secrets",
                    format!("with `{list}`, `secrets.{name}` is needed: the password of {what}"),
                    format!(
                        "add `{name}: {{ file: /etc/jitsi-topology/secrets/{name} }}` under `secrets` (`jitsi-topology secrets init DIR` writes one)"
                    ),
                )
                .also_at(format!("/{list}"), &format!("the {list}")),
            ),
            (true, Some(_)) => out.push(Diagnostic::error(
                Code::COMPONENT_SECRET_UNUSED,
                format!("/secrets/{name}"),
                format!("`secrets.{name}` is the password of {what}, and the topology has no `{list}`"),
                format!("remove `secrets.{name}`, or add the {list} that use it"),
            )),
            _ => {}
        }
    }
}

/// What config.js offers needs a jibri that does it on every shard; jibris that config.js
/// never asks for are worth a warning; transcription is refused.
fn recording(t: &Topology, out: &mut Vec<Diagnostic>) {
    let r = &t.recording;
    if r.transcription {
        out.push(Diagnostic::error(
            Code::TRANSCRIPTION_UNSUPPORTED,
            "/recording/transcription",
            "transcription needs jigasi with a speech-to-text backend (Google, Vosk, Whisper), which this tool does not render yet",
            "remove `transcription` (or set it to false); record to a file with `recording.file` and a jibri instead",
        ));
    }
    let views = crate::shards::views(t);
    for (offered, field, what) in [
        (r.file, "file", "recording"),
        (r.streaming, "streaming", "live streaming"),
    ] {
        if !offered {
            continue;
        }
        for v in &views {
            if !t.jibris.iter().any(|j| component_serves(t, j, v.name)) {
                out.push(Diagnostic::error(
                    Code::RECORDING_WITHOUT_JIBRI,
                    format!("/recording/{field}"),
                    format!(
                        "config.js would offer {what}, and no jibri serves {}, so every request would fail with \"no recorder available\"",
                        if t.shards.is_some() { format!("shard `{}`", printable(v.name)) } else { "this deployment".to_owned() }
                    ),
                    format!("add a jibri under `jibris` (serving that shard), or set `recording.{field}: false`"),
                ));
            }
        }
    }
    if !t.jibris.is_empty() && !r.file && !r.streaming {
        out.push(Diagnostic::warning(
            Code::JIBRI_WITHOUT_RECORDING,
            "/jibris",
            "the topology has jibris, and config.js offers neither recording nor live streaming (`recording.file`, `recording.streaming`), so no user can start one",
            "set `recording: { file: true }` (and `streaming: true` to stream), or remove the jibris",
        ));
    }
}
