//! The Jitsi Meet releases this tool renders for, and what differs between them.
//!
//! Facts from the packages' history (jitsi-videobridge, jicofo, jitsi-meet at each stable tag):
//! colibri websockets and the bridge's public HTTP server were on by default until stable-11031
//! turned them off (jitsi-videobridge#2416, jitsi-meet#17431); the Debian bridge package wrote
//! `sip-communicator.properties` beside jvb.conf until stable-10133 made jvb.conf the only file.
//! What upstream's files may contain per release (HOCON paths, prosody modules, debconf
//! questions, config.js keys) is in the facts tables ([`crate::facts`]).

/// One supported Jitsi Meet stable release. Its two flags are what jitsi-videobridge2's postinst
/// of the release does (`facts/<number>/jvb-package.tsv`; a unit test holds them equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// Its name in the model, e.g. `stable-11146`.
    pub name: &'static str,
    /// The date of its tag.
    pub date: &'static str,
    /// The bridge channel also runs over colibri websockets: each bridge serves
    /// `/colibri-ws/<server-id>/` on its public HTTP server (9090) and nginx proxies to it.
    pub colibri_websockets: bool,
    /// The bridge package also reads (and its installer wrote) sip-communicator.properties.
    pub sip_communicator_properties: bool,
    /// config.js turns on the multistream flags old mobile clients need
    /// (`config.flags.sourceNameSignaling`, `sendMultipleVideoStreams`,
    /// `receiveMultipleVideoStreams`), as upstream's config.js of the release does: jitsi-meet
    /// config.js l.1822-1826 at stable/jitsi-meet_9646 (23be1469, fork catFurr/jitsi-meet).
    /// jitsi-meet 217b8036 (2025-01-15) removed them; stable-10133 (cut 2025-03) is the first
    /// supported release after it (not checked against its tag, which no fork here carries).
    pub multistream_flags: bool,
}

/// The STUN server upstream's config.js lists for peer-to-peer calls (`p2p.stunServers`) in
/// every supported release: jitsi-meet config.js l.1069 at stable/jitsi-meet_9646 (23be1469,
/// fork catFurr/jitsi-meet) and l.1141 at abf901a4 (fork Pie-D/jitsi-meet, 11146). 8x8 runs it
/// for meet.jit.si.
pub const UPSTREAM_STUN: &str = "stun:meet-jit-si-turnrelay.jitsi.net:443";

/// Every supported release, newest first.
pub const SUPPORTED: &[Release] = &[
    Release {
        name: "stable-11146",
        date: "2026-07-30",
        colibri_websockets: false,
        sip_communicator_properties: false,
        multistream_flags: false,
    },
    Release {
        name: "stable-11031",
        date: "2026-05-28",
        colibri_websockets: false,
        sip_communicator_properties: false,
        multistream_flags: false,
    },
    Release {
        name: "stable-10888",
        date: "2026-03-26",
        colibri_websockets: true,
        sip_communicator_properties: false,
        multistream_flags: false,
    },
    Release {
        name: "stable-10133",
        date: "2025-03-19",
        colibri_websockets: true,
        sip_communicator_properties: false,
        multistream_flags: false,
    },
    Release {
        name: "stable-9646",
        date: "2024-07-29",
        colibri_websockets: true,
        sip_communicator_properties: true,
        multistream_flags: true,
    },
];

/// The Jitsi packages whose versions a release's facts must hold: every package the Debian
/// meta package `jitsi-meet` depends on or recommends, and the meta package itself.
pub const JITSI_PACKAGES: &[&str] = &[
    "jicofo",
    "jitsi-meet",
    "jitsi-meet-prosody",
    "jitsi-meet-turnserver",
    "jitsi-meet-web",
    "jitsi-meet-web-config",
    "jitsi-videobridge2",
];

/// One Jitsi package at the version of a release.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct PackageVersion {
    /// The Debian package.
    pub package: &'static str,
    /// Its Debian version in that release, e.g. `1.0-1189-1`.
    pub version: &'static str,
}

/// The versions of the Jitsi packages of release `name`, sorted by package, from its
/// `facts/<release>/packages.tsv` ([`crate::facts`]; the Debian version of each package as the
/// release's meta package `jitsi-meet` pins it, from jitsi/jitsi-meet-debian-meta at its tag
/// `jitsi-meet_<N>`, each row citing its file and commit; verified rows only). `None` when the
/// release has no such table or it lacks one of [`JITSI_PACKAGES`].
pub fn package_versions(name: &str) -> Option<Vec<PackageVersion>> {
    let table = crate::facts::release_table(name, "packages.tsv")?;
    let mut versions: Vec<PackageVersion> = table
        .rows
        .iter()
        .filter(|r| r.verified)
        .filter_map(|r| {
            Some(PackageVersion {
                package: r.key,
                version: r.get("version").filter(|v| !v.is_empty())?,
            })
        })
        .collect();
    versions.sort_by_key(|v| v.package);
    JITSI_PACKAGES
        .iter()
        .all(|p| versions.iter().any(|v| v.package == *p))
        .then_some(versions)
}

/// Where the package facts of release `name` are kept in the repository.
pub fn package_facts_path(name: &str) -> String {
    format!("facts/{}/packages.tsv", crate::facts::folder(name))
}

/// The release used when the model names none.
pub fn newest() -> Release {
    SUPPORTED[0]
}

/// Looks a release up by name.
/// A release without its facts tables (`facts/<number>/`, [`crate::facts::has_facts`]) is not
/// found: validation refuses it (`release-unsupported`).
pub fn find(name: &str) -> Option<Release> {
    SUPPORTED
        .iter()
        .copied()
        .find(|r| r.name == name)
        .filter(|r| crate::facts::has_facts(r.name))
}

/// The oldest supported release.
pub fn oldest() -> Release {
    SUPPORTED[SUPPORTED.len() - 1]
}

/// The stable number of a release name (`stable-9646` → 9646).
pub fn number(name: &str) -> Option<u32> {
    name.strip_prefix("stable-").and_then(|n| n.parse().ok())
}

/// The names of every supported release, for messages.
pub fn names() -> String {
    SUPPORTED
        .iter()
        .map(|r| format!("`{}`", r.name))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_release_has_its_facts_tables() {
        for r in SUPPORTED {
            for name in crate::facts::RELEASE_TABLES {
                let folder = crate::facts::folder(r.name);
                assert!(
                    crate::facts::table(folder, name).is_some(),
                    "{} has no facts/{folder}/{name}",
                    r.name
                );
            }
            assert_eq!(find(r.name), Some(*r), "{}", r.name);
            // What the bridge package's postinst does decides these two (jvb-package.tsv).
            assert_eq!(
                Some(r.colibri_websockets),
                crate::facts::jvb_package(r.name, "default-jvb.conf-colibri-websockets"),
                "{}: colibri_websockets disagrees with facts/{}/jvb-package.tsv",
                r.name,
                crate::facts::folder(r.name)
            );
            assert_eq!(
                Some(r.sip_communicator_properties),
                crate::facts::jvb_package(r.name, "sip-communicator.properties"),
                "{}: sip_communicator_properties disagrees with facts/{}/jvb-package.tsv",
                r.name,
                crate::facts::folder(r.name)
            );
        }
    }

    #[test]
    fn releases_are_newest_first_and_their_features_change_once() {
        let numbers: Vec<u32> = SUPPORTED.iter().map(|r| number(r.name).unwrap()).collect();
        assert!(numbers.windows(2).all(|w| w[0] > w[1]), "{numbers:?}");
        for r in SUPPORTED {
            let n = number(r.name).unwrap();
            assert_eq!(r.colibri_websockets, n < 11031, "{}", r.name);
            assert_eq!(r.sip_communicator_properties, n < 10133, "{}", r.name);
            // Polls became prosody's `polls_component` with jitsi-meet 469406d7 (#16406,
            // 2025-09-25: resources/prosody-plugins/mod_polls.lua renamed to
            // mod_polls_component.lua); resolve reads it from the release's module facts.
            let component = crate::facts::module(r.name, "0.12", "polls_component").is_some();
            let muc_module = crate::facts::module(r.name, "0.12", "polls").is_some();
            assert_eq!(component, n >= 10888, "{}", r.name);
            assert_eq!(muc_module, !component, "{}", r.name);
            assert_eq!(r.multistream_flags, n < 10133, "{}", r.name);
            // The clients' VirtualHost loads features_identity from jitsi-meet 93bc4019
            // (2025-06-11) on; resolve reads it from the release's module facts.
            let identity = crate::facts::module(r.name, "0.12", "features_identity").is_some();
            assert_eq!(identity, n >= 10888, "{}", r.name);
        }
    }

    #[test]
    fn every_release_has_the_version_of_every_jitsi_package() {
        for r in SUPPORTED {
            let versions = package_versions(r.name).unwrap_or_else(|| {
                panic!("{}: facts/<release>/packages.tsv lacks a package", r.name)
            });
            let n = number(r.name).unwrap();
            let of = |p: &str| versions.iter().find(|v| v.package == p).unwrap().version;
            // the meta package is 2.0.<release>-1 (jitsi-meet-debian-meta build-new-package.sh l.18)
            assert_eq!(of("jitsi-meet"), format!("2.0.{n}-1"), "{}", r.name);
            // the packages built from jitsi-meet share one version
            for p in [
                "jitsi-meet-prosody",
                "jitsi-meet-turnserver",
                "jitsi-meet-web-config",
            ] {
                assert_eq!(of(p), of("jitsi-meet-web"), "{}: {p}", r.name);
            }
            assert!(
                versions
                    .iter()
                    .all(|v| !v.version.contains(char::is_whitespace))
            );
        }
        assert_eq!(package_versions("stable-1"), None);
        // pinned copies: jvb's commit at the tag is the one the version names
        let of = |r: &str, p: &str| {
            package_versions(r)
                .unwrap()
                .into_iter()
                .find(|v| v.package == p)
                .unwrap()
                .version
        };
        assert_eq!(
            of("stable-11146", "jitsi-videobridge2"),
            "2.3-307-g4bb0aead1-1"
        );
        assert_eq!(
            of("stable-9646", "jitsi-videobridge2"),
            "2.3-160-g97a1f15b-1"
        );
    }
}
