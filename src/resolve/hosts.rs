//! The hosts of a deployment, in deployment order, and what each gets apart from its files:
//! its roles, its Debian packages and its firewall.

use serde::Serialize;

use super::{Deployment, firewall, steps};
use crate::bundle::{Account, FirewallPlan, Role};

/// Which of the deployment's hosts a [`HostPlan`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum HostOf {
    /// [`Deployment::front_door`].
    FrontDoor,
    /// [`Deployment::shards`]`[i]`.
    Signaling(usize),
    /// [`Deployment::turn`], on a host of its own.
    Turn,
    /// [`Deployment::bridges`]`[i]`.
    Bridge(usize),
    /// [`Deployment::jibris`]`[i]`.
    Jibri(usize),
    /// [`Deployment::jigasis`]`[i]`.
    Jigasi(usize),
}

impl HostOf {
    /// What the host is, in words (its firewall file says it).
    pub fn label(self) -> &'static str {
        match self {
            HostOf::FrontDoor => "front door",
            HostOf::Signaling(_) => "signalling host",
            HostOf::Turn => "TURN server",
            HostOf::Bridge(_) => "bridge",
            HostOf::Jibri(_) => "jibri host",
            HostOf::Jigasi(_) => "jigasi host",
        }
    }
}

/// One host: its roles, packages, prosody accounts and firewall.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct HostPlan {
    /// Which host.
    pub of: HostOf,
    /// What it does.
    pub roles: Vec<Role>,
    /// The Debian packages it installs.
    pub packages: Vec<&'static str>,
    /// The accounts its prosody holds (a signalling host's: jicofo's and the bridges').
    pub accounts: Vec<Account>,
    /// Its nftables table, unless the model turns the firewall off.
    pub firewall: Option<FirewallPlan>,
}

/// Every host, in deployment order: the front door (with shards), the signalling hosts in
/// model order, a TURN server on a host of its own, the bridges in model order, the jibris
/// in model order, then the jigasis in model order.
pub(super) fn decide(d: &Deployment) -> Vec<HostPlan> {
    let p = &d.packages;
    let f = &d.firewall;
    let host =
        |of: HostOf, roles, mut packages: Vec<&'static str>, firewall: Option<FirewallPlan>| {
            if firewall.is_some() {
                packages.extend(&p.firewall);
            }
            let accounts = match of {
                HostOf::Signaling(_) => steps::accounts(d),
                _ => Vec::new(),
            };
            HostPlan {
                of,
                roles,
                packages,
                accounts,
                firewall,
            }
        };
    let mut hosts = Vec::with_capacity(d.shards.len() + d.bridges.len() + d.jigasis.len() + 2);
    if d.front_door.is_some() {
        hosts.push(host(
            HostOf::FrontDoor,
            vec![Role::FrontDoor],
            p.front_door.clone(),
            firewall::plan(f, firewall::front_door()),
        ));
    }
    for (i, shard) in d.shards.iter().enumerate() {
        let turn = d.turn.as_ref().filter(|t| t.host == shard.host);
        let mut roles = vec![Role::Signaling];
        let mut packages = p.signaling.clone();
        // What the authentication needs (resolve/auth.rs).
        packages.extend(&d.auth.packages);
        // certbot, for `tls.mode: letsencrypt`.
        packages.extend(d.web.web_tls.acme.as_ref().map(|a| a.package));
        if turn.is_some() {
            roles.push(Role::Turn);
            packages.extend(&p.turn);
        }
        hosts.push(host(
            HostOf::Signaling(i),
            roles,
            packages,
            firewall::plan(f, firewall::signaling(shard, turn)),
        ));
    }
    if let Some(turn) = d.turn.as_ref().filter(|t| !t.colocated) {
        hosts.push(host(
            HostOf::Turn,
            vec![Role::Turn],
            p.turn.clone(),
            firewall::plan(f, firewall::turn_rules(turn)),
        ));
    }
    for (i, b) in d.bridges.iter().enumerate() {
        let mut packages = p.bridge.clone();
        if b.monitoring_proxy.is_some() {
            packages.extend(&p.monitoring_proxy);
        }
        hosts.push(host(
            HostOf::Bridge(i),
            vec![Role::Bridge],
            packages,
            firewall::plan(f, firewall::bridge(f, b)),
        ));
    }
    for (i, j) in d.jibris.iter().enumerate() {
        hosts.push(host(
            HostOf::Jibri(i),
            vec![Role::Jibri],
            p.jibri.clone(),
            firewall::plan(f, firewall::jibri(j)),
        ));
    }
    for i in 0..d.jigasis.len() {
        hosts.push(host(
            HostOf::Jigasi(i),
            vec![Role::Jigasi],
            d.jigasi.packages.clone(),
            firewall::plan(f, firewall::jigasi()),
        ));
    }
    hosts
}
