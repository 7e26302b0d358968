//! Addresses and networks: what several stages ask of an IP address.
//!
//! One table of the IANA special-purpose address registries ("IANA IPv4 Special-Purpose
//! Address Registry" and "IANA IPv6 Special-Purpose Address Registry", as of 2025: each
//! block, its name, the RFC that reserves it and the registry's "Globally Reachable" column),
//! kept as our own data. Two policies are derived from it, each for its own purpose:
//! - validation's [`is_public`]: may this be the address clients on the internet reach?
//! - coturn's [`coturn_denied_peers`]: where may the TURN relay never send traffic?

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// The registry's "Globally Reachable" column for a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reachable {
    /// "True": routed on the internet (anycast services and the like).
    Yes,
    /// "False": never routed on the internet.
    No,
    /// "N/A": deprecated or special, not globally reachable in any useful sense.
    NotApplicable,
}

/// One block of a special-purpose registry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block {
    /// The block.
    pub network: IpNet,
    /// The registry's name for it.
    pub name: &'static str,
    /// The RFC that reserves it.
    pub rfc: &'static str,
    /// The registry's "Globally Reachable" column.
    pub reachable: Reachable,
}

impl Block {
    /// A documentation block (RFC 5737, RFC 3849, RFC 9637): examples use it for public
    /// addresses, so validation takes it as public (see [`is_public`]).
    pub fn is_documentation(&self) -> bool {
        self.name.starts_with("Documentation")
    }
}

const fn v4(
    a: [u8; 4],
    len: u8,
    name: &'static str,
    rfc: &'static str,
    reachable: Reachable,
) -> Block {
    Block {
        network: IpNet::V4(Ipv4Net::new_assert(
            Ipv4Addr::new(a[0], a[1], a[2], a[3]),
            len,
        )),
        name,
        rfc,
        reachable,
    }
}

const fn v6(
    s: [u16; 8],
    len: u8,
    name: &'static str,
    rfc: &'static str,
    reachable: Reachable,
) -> Block {
    Block {
        network: IpNet::V6(Ipv6Net::new_assert(
            Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
            len,
        )),
        name,
        rfc,
        reachable,
    }
}

use Reachable::{No, NotApplicable, Yes};

/// The IPv4 special-purpose blocks, in the registry's order.
pub(crate) const IPV4_SPECIAL_PURPOSE: &[Block] = &[
    v4([0, 0, 0, 0], 8, "\"This network\"", "RFC 791", No),
    v4(
        [0, 0, 0, 0],
        32,
        "\"This host on this network\"",
        "RFC 1122",
        No,
    ),
    v4([10, 0, 0, 0], 8, "Private-Use", "RFC 1918", No),
    v4([100, 64, 0, 0], 10, "Shared Address Space", "RFC 6598", No),
    v4([127, 0, 0, 0], 8, "Loopback", "RFC 1122", No),
    v4([169, 254, 0, 0], 16, "Link Local", "RFC 3927", No),
    v4([172, 16, 0, 0], 12, "Private-Use", "RFC 1918", No),
    v4(
        [192, 0, 0, 0],
        24,
        "IETF Protocol Assignments",
        "RFC 6890",
        No,
    ),
    v4(
        [192, 0, 0, 0],
        29,
        "IPv4 Service Continuity Prefix",
        "RFC 7335",
        No,
    ),
    v4([192, 0, 0, 8], 32, "IPv4 dummy address", "RFC 7600", No),
    v4(
        [192, 0, 0, 9],
        32,
        "Port Control Protocol Anycast",
        "RFC 7723",
        Yes,
    ),
    v4(
        [192, 0, 0, 10],
        32,
        "Traversal Using Relays around NAT Anycast",
        "RFC 8155",
        Yes,
    ),
    v4(
        [192, 0, 0, 170],
        32,
        "NAT64/DNS64 Discovery",
        "RFC 8880",
        No,
    ),
    v4(
        [192, 0, 0, 171],
        32,
        "NAT64/DNS64 Discovery",
        "RFC 8880",
        No,
    ),
    v4(
        [192, 0, 2, 0],
        24,
        "Documentation (TEST-NET-1)",
        "RFC 5737",
        No,
    ),
    v4([192, 31, 196, 0], 24, "AS112-v4", "RFC 7535", Yes),
    v4([192, 52, 193, 0], 24, "AMT", "RFC 7450", Yes),
    v4(
        [192, 88, 99, 0],
        24,
        "Deprecated (6to4 Relay Anycast)",
        "RFC 7526",
        NotApplicable,
    ),
    v4([192, 168, 0, 0], 16, "Private-Use", "RFC 1918", No),
    v4(
        [192, 175, 48, 0],
        24,
        "Direct Delegation AS112 Service",
        "RFC 7534",
        Yes,
    ),
    v4([198, 18, 0, 0], 15, "Benchmarking", "RFC 2544", No),
    v4(
        [198, 51, 100, 0],
        24,
        "Documentation (TEST-NET-2)",
        "RFC 5737",
        No,
    ),
    v4(
        [203, 0, 113, 0],
        24,
        "Documentation (TEST-NET-3)",
        "RFC 5737",
        No,
    ),
    v4([240, 0, 0, 0], 4, "Reserved", "RFC 1112", No),
    v4([255, 255, 255, 255], 32, "Limited Broadcast", "RFC 919", No),
];

/// The IPv6 special-purpose blocks, in the registry's order.
pub(crate) const IPV6_SPECIAL_PURPOSE: &[Block] = &[
    v6(
        [0, 0, 0, 0, 0, 0, 0, 1],
        128,
        "Loopback Address",
        "RFC 4291",
        No,
    ),
    v6([0; 8], 128, "Unspecified Address", "RFC 4291", No),
    v6(
        [0, 0, 0, 0, 0, 0xffff, 0, 0],
        96,
        "IPv4-mapped Address",
        "RFC 4291",
        No,
    ),
    v6(
        [0x64, 0xff9b, 0, 0, 0, 0, 0, 0],
        96,
        "IPv4-IPv6 Translat.",
        "RFC 6052",
        Yes,
    ),
    v6(
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        "IPv4-IPv6 Translat.",
        "RFC 8215",
        No,
    ),
    v6(
        [0x100, 0, 0, 0, 0, 0, 0, 0],
        64,
        "Discard-Only Address Block",
        "RFC 6666",
        No,
    ),
    v6(
        [0x100, 0, 0, 1, 0, 0, 0, 0],
        64,
        "Dummy IPv6 Prefix",
        "RFC 9780",
        No,
    ),
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF Protocol Assignments",
        "RFC 2928",
        No,
    ),
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        32,
        "TEREDO",
        "RFC 4380",
        NotApplicable,
    ),
    v6(
        [0x2001, 1, 0, 0, 0, 0, 0, 1],
        128,
        "Port Control Protocol Anycast",
        "RFC 7723",
        Yes,
    ),
    v6(
        [0x2001, 1, 0, 0, 0, 0, 0, 2],
        128,
        "Traversal Using Relays around NAT Anycast",
        "RFC 8155",
        Yes,
    ),
    v6(
        [0x2001, 1, 0, 0, 0, 0, 0, 3],
        128,
        "DNS-SD Service Registration Protocol Anycast",
        "RFC 9665",
        Yes,
    ),
    v6(
        [0x2001, 2, 0, 0, 0, 0, 0, 0],
        48,
        "Benchmarking",
        "RFC 5180",
        No,
    ),
    v6([0x2001, 3, 0, 0, 0, 0, 0, 0], 32, "AMT", "RFC 7450", Yes),
    v6(
        [0x2001, 4, 0x112, 0, 0, 0, 0, 0],
        48,
        "AS112-v6",
        "RFC 7535",
        Yes,
    ),
    v6(
        [0x2001, 0x10, 0, 0, 0, 0, 0, 0],
        28,
        "Deprecated (previously ORCHID)",
        "RFC 4843",
        NotApplicable,
    ),
    v6(
        [0x2001, 0x20, 0, 0, 0, 0, 0, 0],
        28,
        "ORCHIDv2",
        "RFC 7343",
        Yes,
    ),
    v6(
        [0x2001, 0x30, 0, 0, 0, 0, 0, 0],
        28,
        "Drone Remote ID Protocol Entity Tags (DETs) Prefix",
        "RFC 9374",
        Yes,
    ),
    v6(
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        "Documentation",
        "RFC 3849",
        No,
    ),
    v6(
        [0x2002, 0, 0, 0, 0, 0, 0, 0],
        16,
        "6to4",
        "RFC 3056",
        NotApplicable,
    ),
    v6(
        [0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0],
        48,
        "Direct Delegation AS112 Service",
        "RFC 7534",
        Yes,
    ),
    v6(
        [0x3fff, 0, 0, 0, 0, 0, 0, 0],
        20,
        "Documentation",
        "RFC 9637",
        No,
    ),
    v6(
        [0x5f00, 0, 0, 0, 0, 0, 0, 0],
        16,
        "Segment Routing (SRv6) SIDs",
        "RFC 9602",
        No,
    ),
    v6(
        [0xfc00, 0, 0, 0, 0, 0, 0, 0],
        7,
        "Unique-Local",
        "RFC 4193",
        No,
    ),
    v6(
        [0xfe80, 0, 0, 0, 0, 0, 0, 0],
        10,
        "Link-Local Unicast",
        "RFC 4291",
        No,
    ),
];

/// The most specific special-purpose block that holds `ip`, if any.
pub(crate) fn special_purpose(ip: IpAddr) -> Option<&'static Block> {
    let table = if ip.is_ipv4() {
        IPV4_SPECIAL_PURPOSE
    } else {
        IPV6_SPECIAL_PURPOSE
    };
    table
        .iter()
        .filter(|b| b.network.contains(&ip))
        .max_by_key(|b| b.network.prefix_len())
}

/// Validation's policy: `ip` can be the address clients on the internet reach (a bridge's or
/// the TURN server's `public_address`, or an address that needs none).
///
/// Public unless the most specific registry block holding it is not globally reachable
/// ("False" or "N/A"), or it is multicast (the multicast registries, not these). Two
/// exceptions: the documentation blocks count as public, because examples, tests and
/// tutorials must use them for public addresses and should render as a real deployment
/// would (they are never routed, so nothing reaches them by mistake); and an IPv4-mapped
/// IPv6 address is judged by the IPv4 address it carries.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    if let IpAddr::V6(v6) = ip
        && let Some(v4) = v6.to_ipv4_mapped()
    {
        return is_public(IpAddr::V4(v4));
    }
    if ip.is_multicast() {
        return false;
    }
    special_purpose(ip).is_none_or(|b| b.reachable == Yes || b.is_documentation())
}

/// True for addresses that clients on the internet cannot reach ([`is_public`]'s opposite).
pub(crate) fn is_non_public(ip: IpAddr) -> bool {
    !is_public(ip)
}

/// Why an address is not public, as a diagnostic tells it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NotPublic {
    /// A private-use, shared (carrier-grade NAT), loopback, link-local, unique-local,
    /// unspecified, broadcast or multicast address: one of a network of its own.
    Private,
    /// Another block the registry marks as not globally reachable (benchmarking, reserved,
    /// protocol assignments, translation prefixes, ...).
    Reserved(&'static Block),
}

/// Why `ip` is not public ([`is_public`]), or `None` when it is.
pub(crate) fn not_public(ip: IpAddr) -> Option<NotPublic> {
    if is_public(ip) {
        return None;
    }
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    const LOCAL: &[&str] = &[
        "\"This network\"",
        "\"This host on this network\"",
        "Private-Use",
        "Shared Address Space",
        "Loopback",
        "Loopback Address",
        "Link Local",
        "Link-Local Unicast",
        "Unique-Local",
        "Unspecified Address",
        "Limited Broadcast",
    ];
    match special_purpose(ip) {
        Some(block) if !LOCAL.contains(&block.name) => Some(NotPublic::Reserved(block)),
        _ => Some(NotPublic::Private),
    }
}

/// coturn's policy: the peers the relay must never send to, as `denied-peer-ip` ranges
/// (`first-last`, or one address), the list jitsi-meet-turnserver's own turnserver.conf
/// denies (jitsi/jitsi-meet doc/debian/jitsi-meet-turn/turnserver.conf at abf901a, l.23-45,
/// in its order; a test holds it there). For IPv4 that list is the registry's rule: every
/// block that is not globally reachable and lies in no larger block. For IPv6 it is older
/// than the registry's newer blocks and also denies NAT64's 64:ff9b::/96 (globally
/// reachable, but a way into IPv4 networks), so its blocks are named, each one looked up
/// in the registry.
pub(crate) fn coturn_denied_peers() -> Vec<String> {
    const IPV6: &[&str] = &[
        "::1/128",
        "64:ff9b::/96",
        "::ffff:0:0/96",
        "100::/64",
        "2001::/23",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
    ];
    let outermost_ipv4 = IPV4_SPECIAL_PURPOSE.iter().filter(|b| {
        b.reachable != Reachable::Yes
            && !IPV4_SPECIAL_PURPOSE
                .iter()
                .any(|o| o.network != b.network && o.network.contains(&b.network))
    });
    let ipv6 = IPV6.iter().map(|cidr| {
        let net: IpNet = cidr.parse().expect("a network");
        IPV6_SPECIAL_PURPOSE
            .iter()
            .find(|b| b.network == net)
            .expect("every denied IPv6 range is a block of the registry")
    });
    outermost_ipv4
        .chain(ipv6)
        .map(|block| {
            let (first, last) = (block.network.network(), block.network.broadcast());
            if first == last {
                first.to_string()
            } else {
                format!("{first}-{last}")
            }
        })
        .collect()
}

/// An address family that a list of networks covers whole ([`covers_everything`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Everything {
    /// `"IPv4"` or `"IPv6"`.
    pub family: &'static str,
    /// The index of a network that covers the family on its own (`0.0.0.0/0`, `::/0`), when
    /// one does; `None` when only several together do (`0.0.0.0/1` and `128.0.0.0/1`).
    pub alone: Option<usize>,
}

/// `"IPv4"` or `"IPv6"`: the family of a network.
pub(crate) fn ip_family(n: &IpNet) -> &'static str {
    match n {
        IpNet::V4(_) => "IPv4",
        IpNet::V6(_) => "IPv6",
    }
}

/// The address families (IPv4, then IPv6) whose every address lies in one of `nets`: the
/// networks' union is computed exactly (merged into the fewest covering networks), so two
/// halves or any other partition count as much as a `/0`. An IPv4-mapped IPv6 network
/// (`::ffff:0:0/96`) is IPv6: nftables matches IPv4 packets against IPv4 networks only.
pub(crate) fn covers_everything(nets: &[IpNet]) -> Vec<Everything> {
    let mut out = Vec::new();
    for family in ["IPv4", "IPv6"] {
        let is_family = |n: &IpNet| family == ip_family(n);
        let of_family: Vec<IpNet> = nets.iter().copied().filter(is_family).collect();
        if IpNet::aggregate(&of_family)
            .iter()
            .any(|n| n.prefix_len() == 0)
        {
            let alone = nets
                .iter()
                .position(|n| is_family(n) && n.prefix_len() == 0);
            out.push(Everything { family, alone });
        }
    }
    out
}

/// The schema of an IP network in CIDR notation (IPv4 or IPv6).
pub struct IpNetwork;

impl schemars::JsonSchema for IpNetwork {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IpNetwork".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "An IPv4 or IPv6 network in CIDR notation, e.g. 10.0.0.0/24 or 2001:db8::/64; a bare address means that one address.",
            "examples": ["10.0.0.0/24", "2001:db8::/64"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(a: &str) -> bool {
        is_public(a.parse().unwrap())
    }

    #[test]
    fn private_benchmarking_reserved_and_translation_ranges_are_not_public() {
        for a in [
            "100.64.1.1",
            "10.1.1.1",
            "0.1.2.3",
            "192.0.0.8",
            "192.88.99.1",
            "198.18.0.5",
            "198.19.255.1",
            "240.0.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "fd00::1",
            "fe80::1",
            "::",
            "::1",
            "::ffff:192.168.1.1",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "2002:c000:204::1",
            "5f00::1",
            "ff02::1",
        ] {
            assert!(!public(a), "{a}");
        }
    }

    #[test]
    fn internet_anycast_and_documentation_addresses_are_public() {
        for a in [
            "8.8.8.8",
            "192.0.0.10",
            "192.31.196.1",
            "198.51.100.11",
            "192.0.2.1",
            "203.0.113.2",
            "2001:db8::1",
            "3fff::1",
            "64:ff9b::808:808",
            "2001:1::2",
            "2001:4860::8888",
            "::ffff:8.8.8.8",
        ] {
            assert!(public(a), "{a}");
        }
    }

    fn everything(nets: &[&str]) -> Vec<(&'static str, Option<usize>)> {
        let nets: Vec<IpNet> = nets.iter().map(|n| n.parse().unwrap()).collect();
        covers_everything(&nets)
            .into_iter()
            .map(|e| (e.family, e.alone))
            .collect()
    }

    #[test]
    fn networks_cover_an_address_family_alone_or_together() {
        assert_eq!(everything(&["0.0.0.0/0"]), [("IPv4", Some(0))]);
        assert_eq!(everything(&["10.0.0.0/8", "::/0"]), [("IPv6", Some(1))]);
        assert_eq!(everything(&["0.0.0.0/1", "128.0.0.0/1"]), [("IPv4", None)]);
        assert_eq!(
            everything(&[
                "::/1",
                "8000::/2",
                "c000::/2",
                "0.0.0.0/2",
                "64.0.0.0/2",
                "128.0.0.0/1"
            ]),
            [("IPv4", None), ("IPv6", None)]
        );
        // Host bits do not matter: 10.1.2.3/1 is 0.0.0.0/1.
        assert_eq!(everything(&["10.1.2.3/1", "200.0.0.1/1"]), [("IPv4", None)]);
        // All but one address is not everything; nor is IPv4 written as IPv4-mapped IPv6.
        assert!(
            everything(&[
                "0.0.0.0/1",
                "128.0.0.0/2",
                "192.0.0.0/3",
                "224.0.0.0/4",
                "240.0.0.0/5",
                "248.0.0.0/6",
                "252.0.0.0/7",
                "254.0.0.0/8",
                "255.0.0.0/9",
                "255.128.0.0/10",
                "255.192.0.0/11",
                "255.224.0.0/12",
                "255.240.0.0/13",
                "255.248.0.0/14",
                "255.252.0.0/15",
                "255.254.0.0/16",
                "255.255.0.0/17",
                "255.255.128.0/18",
                "255.255.192.0/19",
                "255.255.224.0/20",
                "255.255.240.0/21",
                "255.255.248.0/22",
                "255.255.252.0/23",
                "255.255.254.0/24",
                "255.255.255.0/25",
                "255.255.255.128/26",
                "255.255.255.192/27",
                "255.255.255.224/28",
                "255.255.255.240/29",
                "255.255.255.248/30",
                "255.255.255.252/31",
                "255.255.255.254/32"
            ])
            .is_empty()
        );
        assert!(everything(&["::ffff:0:0/96", "10.0.0.0/8"]).is_empty());
        assert!(everything(&[]).is_empty());
    }

    /// The blocks are well formed: no host bits, and a nested block is more specific than
    /// the one holding it (so "the most specific" is well defined).
    #[test]
    fn the_registry_has_no_host_bits_and_no_two_equal_blocks() {
        let all: Vec<&Block> = IPV4_SPECIAL_PURPOSE
            .iter()
            .chain(IPV6_SPECIAL_PURPOSE)
            .collect();
        for (i, b) in all.iter().enumerate() {
            assert_eq!(b.network, b.network.trunc(), "{}", b.network);
            for other in &all[i + 1..] {
                assert_ne!(b.network, other.network);
            }
        }
    }

    /// coturn relays to no peer jitsi-meet-turnserver's own turnserver.conf denies, and to
    /// every other: the `denied-peer-ip` lines of jitsi/jitsi-meet
    /// doc/debian/jitsi-meet-turn/turnserver.conf at abf901a (l.23-45, in that order; its
    /// second 127.0.0.0/8 line once), written down here as facts. Where the pinned upstream
    /// copies are at hand (`JT_UPSTREAM_REFERENCE`, the folder of ../shared/reference/upstream),
    /// the file itself is read too.
    #[test]
    fn coturn_denies_exactly_what_jitsi_meet_turnserver_denies() {
        const UPSTREAM: &[&str] = &[
            "0.0.0.0-0.255.255.255",
            "10.0.0.0-10.255.255.255",
            "100.64.0.0-100.127.255.255",
            "127.0.0.0-127.255.255.255",
            "169.254.0.0-169.254.255.255",
            "172.16.0.0-172.31.255.255",
            "192.0.0.0-192.0.0.255",
            "192.0.2.0-192.0.2.255",
            "192.88.99.0-192.88.99.255",
            "192.168.0.0-192.168.255.255",
            "198.18.0.0-198.19.255.255",
            "198.51.100.0-198.51.100.255",
            "203.0.113.0-203.0.113.255",
            "240.0.0.0-255.255.255.255",
            "::1",
            "64:ff9b::-64:ff9b::ffff:ffff",
            "::ffff:0.0.0.0-::ffff:255.255.255.255",
            "100::-100::ffff:ffff:ffff:ffff",
            "2001::-2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
            "2002::-2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ];
        assert_eq!(coturn_denied_peers(), UPSTREAM);
        if let Ok(dir) = std::env::var("JT_UPSTREAM_REFERENCE") {
            let path = std::path::Path::new(&dir).join("jitsi-meet-11146/turnserver.conf");
            let text = std::fs::read_to_string(&path).expect("the pinned turnserver.conf");
            let mut listed: Vec<&str> = Vec::new();
            for range in text
                .lines()
                .filter_map(|l| l.strip_prefix("denied-peer-ip="))
            {
                if !listed.contains(&range) {
                    listed.push(range);
                }
            }
            assert_eq!(coturn_denied_peers(), listed, "{}", path.display());
        }
    }
}
