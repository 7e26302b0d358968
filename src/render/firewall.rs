//! Each host's nftables table (`table inet jitsi_topology`) as a file, and the unit that
//! loads it at boot. The rules are resolve's (`resolve/firewall.rs`): this module prints them.

use std::sync::OnceLock;

use ipnet::IpNet;
use minijinja::context;
use serde::Serialize;

use super::{Result, file, on_change, template, value};
use crate::bundle::{File, FileKind, FirewallPlan, FirewallRule, ServiceAction};
use crate::resolve::Deployment;

#[derive(Serialize)]
struct RuleView<'a> {
    description: &'a str,
    action: &'a str,
    r#match: String,
    anywhere: bool,
    v4: Vec<String>,
    v6: Vec<String>,
}

fn view(r: &FirewallRule) -> RuleView<'_> {
    let items: Vec<String> = r
        .ports
        .iter()
        .map(u16::to_string)
        .chain(r.port_ranges.iter().map(|[a, b]| format!("{a}-{b}")))
        .collect();
    let ports = match items.as_slice() {
        [] => String::new(),
        [p] => p.clone(),
        ps => format!("{{ {} }}", ps.join(", ")),
    };
    let r#match = match (r.protocol.as_str(), ports.is_empty()) {
        ("any", _) => String::new(),
        (proto, true) => format!("meta l4proto {proto} "),
        (proto, false) => format!("{proto} dport {ports} "),
    };
    let nets = r.sources.as_deref().unwrap_or_default();
    RuleView {
        description: &r.description,
        action: &r.action,
        r#match,
        anywhere: r.sources.is_none(),
        v4: nets
            .iter()
            .filter(|n| matches!(n, IpNet::V4(_)))
            .map(IpNet::to_string)
            .collect(),
        v6: nets
            .iter()
            .filter(|n| matches!(n, IpNet::V6(_)))
            .map(IpNet::to_string)
            .collect(),
    }
}

/// The rendered rules of each distinct list of rules met in one render: the bridges of a
/// deployment mostly share a few (one per set of shards they serve), so their rules are
/// rendered once. Compared, not hashed: equal lists compare in a few `memcmp`s.
#[derive(Default)]
pub(crate) struct Memo(Vec<(Vec<FirewallRule>, String)>);

impl Memo {
    /// How many distinct lists are kept (beyond it, rules are rendered each time).
    const CAPACITY: usize = 32;

    fn rules(&mut self, rules: &[FirewallRule]) -> Result<String> {
        if let Some((_, text)) = self.0.iter().find(|(seen, _)| seen == rules) {
            return Ok(text.clone());
        }
        let views: Vec<RuleView> = rules.iter().map(view).collect();
        let text = template("firewall-rules.nft", context! { rules => value(&views) })?;
        if self.0.len() < Self::CAPACITY {
            self.0.push((rules.to_vec(), text.clone()));
        }
        Ok(text)
    }
}

/// The nftables file and the unit that loads it.
pub(crate) fn files(
    d: &Deployment,
    host: &str,
    roles: &str,
    plan: &FirewallPlan,
    memo: &mut Memo,
) -> Result<Vec<File>> {
    static UNIT: OnceLock<String> = OnceLock::new();
    let path = &d.paths.firewall_rules;
    let service = d.services.firewall.name;
    let rules = memo.rules(&plan.rules)?;
    let nft = template(
        "firewall.nft",
        context! { host, roles, table => &plan.table, policy => &plan.policy, rules },
    )?;
    // The path is the same on every host, so the unit is too.
    let unit = super::constant(
        &UNIT,
        "firewall.service",
        || context! { path, table => d.firewall.table, nft => &d.paths.nft_binary },
    )?;
    Ok(vec![
        on_change(
            file(path, FileKind::Firewall, nft),
            service,
            ServiceAction::Reload,
        ),
        on_change(
            file(&d.paths.firewall_unit, FileKind::Systemd, unit),
            service,
            ServiceAction::Restart,
        ),
    ])
}
