//! The output: per host, the files, packages, accounts, firewall rules and ordered steps of a
//! deployment, and the manifest that describes them (`schemas/manifest.schema.json`).

use std::borrow::Cow;

use ipnet::IpNet;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The version of the manifest format.
pub const MANIFEST_FORMAT: u32 = 1;

/// The manifest's file name in an output folder, beside one folder per host: no host may
/// have this name (validation refuses it as `hostname-reserved`).
pub const MANIFEST_FILE: &str = "manifest.json";

/// Everything rendered from one model.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bundle {
    /// The Jitsi Meet release rendered for.
    pub release: String,
    /// The hosts in deployment order, as resolve orders them: the front door (with shards),
    /// the signalling hosts in model order, a TURN server on a host of its own, then the
    /// bridges in model order.
    pub hosts: Vec<Host>,
}

/// What one host needs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Host {
    /// The host's name in the model (and its folder in the output tree).
    pub name: String,
    /// What the host does.
    pub roles: Vec<Role>,
    /// Debian packages to install.
    pub packages: Vec<String>,
    /// Files to write, sorted by path.
    pub files: Vec<File>,
    /// Prosody accounts to register.
    pub accounts: Vec<Account>,
    /// The host's firewall, as data (the nftables file is among `files`).
    pub firewall: Option<FirewallPlan>,
    /// The ordered steps of a deployment of this host.
    pub steps: Vec<Step>,
}

/// A host's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Role {
    /// nginx, jitsi-meet web, prosody and jicofo.
    Signaling,
    /// jitsi-videobridge2.
    Bridge,
    /// HAProxy in front of several shards.
    FrontDoor,
    /// coturn.
    Turn,
    /// jibri (recording and live streaming).
    Jibri,
    /// jigasi (SIP gateway).
    Jigasi,
}

/// The family of a rendered file: which program reads it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FileKind {
    /// `debconf-set-selections` input.
    Debconf,
    /// An nginx site.
    Nginx,
    /// A prosody config file (Lua).
    Prosody,
    /// jicofo.conf (HOCON).
    Jicofo,
    /// The HOCON file jicofo.conf includes for a file-referenced password: a `${?VAR}`
    /// substitution of the variable our drop-in sets, never the value.
    JicofoPassword,
    /// jvb.conf (HOCON).
    Jvb,
    /// sip-communicator.properties of a bridge (older releases only).
    JvbProperties,
    /// jigasi's sip-communicator.properties (Java properties).
    JigasiProperties,
    /// jitsi-meet's config.js.
    WebConfig,
    /// An nftables ruleset.
    Firewall,
    /// A systemd unit or drop-in.
    Systemd,
    /// A file holding one secret (a password, nothing else).
    Secret,
    /// A helper script of ours.
    Script,
    /// Environment variables for a service (`KEY=value` lines).
    Environment,
    /// An HAProxy configuration.
    Haproxy,
    /// coturn's configuration.
    Turn,
    /// A file no program reads, whose change asks its service for a restart where a change of
    /// the config it summarizes only asks for a reload (prosody: the digest of what a reload
    /// does not apply).
    RestartMarker,
    /// An apt source in deb822 form (`/etc/apt/sources.list.d/*.sources`): Jitsi's repository.
    AptSource,
    /// apt preferences (`/etc/apt/preferences.d/*.pref`): the pins that hold each Jitsi package
    /// at the version of the model's release.
    AptPreferences,
    /// A Lua module of ours on Lua 5.4's path, which runs a Debian package's copy of a module
    /// packaged for older Lua versions only (the token library's `basexx` and `inspect`).
    LuaModule,
    /// jibri.conf (HOCON).
    Jibri,
    /// A systemd modules-load.d file: kernel modules loaded at boot, one per line.
    KernelModules,
}

/// What to do to a service when a file changes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ServiceAction {
    /// Re-read the configuration without dropping connections.
    Reload,
    /// Stop and start.
    Restart,
    /// Stop taking new conferences, let running ones end, then restart: a videobridge's
    /// service step runs our drain helper (jvb's drain API, then a restart once no conference
    /// runs; at its time limit it restarts nothing and exits 75).
    Drain,
}

/// A service to act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ServiceRef {
    /// The systemd unit name without `.service`.
    pub name: String,
    /// What to do.
    pub action: ServiceAction,
}

/// One rendered file.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct File {
    /// Absolute target path on the host.
    pub path: String,
    /// Which program reads it.
    pub kind: FileKind,
    /// Permission bits.
    pub mode: u32,
    /// Owning user.
    pub owner: String,
    /// Owning group.
    pub group: String,
    /// True when the content includes a secret.
    pub secret: bool,
    /// Services to act on when it changes.
    pub services: Vec<ServiceRef>,
    /// The content.
    pub content: String,
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("File");
        d.field("path", &self.path)
            .field("kind", &self.kind)
            .field("mode", &format_args!("{:04o}", self.mode));
        if self.secret {
            d.field(
                "content",
                &format_args!("<{} bytes, secret>", self.content.len()),
            );
        } else {
            d.field("content", &self.content);
        }
        d.finish_non_exhaustive()
    }
}

impl File {
    /// The SHA-256 of the content, lower-case hex.
    pub fn sha256(&self) -> String {
        sha256_hex(self.content.as_bytes())
    }
}

/// The SHA-256 of `bytes`, lower-case hex (what the manifest's `sha256` holds).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A Debian package at a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct PackagePin {
    /// The package.
    pub package: String,
    /// Its Debian version.
    pub version: String,
}

/// A prosody account to register on the signalling host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Account {
    /// The local part, e.g. `jvb`.
    pub user: String,
    /// The XMPP host it lives on, e.g. `auth.meet.example.com`.
    pub domain: String,
    /// `user@domain`.
    pub jid: String,
    /// The model's name of the secret (`focus` or `jvb`).
    pub secret: String,
    /// The file on the host holding the password (the model's `{file}`, or the rendered
    /// secret file for `{value}` and `{env}`).
    pub password_file: String,
}

/// The firewall of one host as data: our own nftables table, replaced as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct FirewallPlan {
    /// The nftables table (`inet jitsi_topology`).
    pub table: String,
    /// The input policy: `accept` (only Jitsi's ports are guarded) or `drop`.
    pub policy: String,
    /// The rules in evaluation order, after the built-in ones (loopback, established, ICMP).
    pub rules: Vec<FirewallRule>,
}

/// One inbound rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct FirewallRule {
    /// `tcp`, `udp` or `any`.
    pub protocol: String,
    /// Destination ports; empty (with no `port_ranges`) means every port.
    pub ports: Vec<u16>,
    /// Destination port ranges, first and last port included.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub port_ranges: Vec<[u16; 2]>,
    /// Source networks; `null` means from anywhere.
    #[schemars(with = "Option<Vec<crate::net::IpNetwork>>")]
    pub sources: Option<Vec<IpNet>>,
    /// `accept` or `drop`.
    pub action: String,
    /// Why the rule exists.
    pub description: String,
}

/// One step of deploying a host, in order. Integrations (Ansible, Nix, `plan`) follow this
/// list instead of inventing their own order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Step {
    /// Load the debconf answers before any package is installed.
    Preseed {
        /// What it does.
        description: String,
        /// The rendered selections file.
        file: String,
        /// The command to run.
        command: Vec<String>,
    },
    /// Install the packages.
    InstallPackages {
        /// What it does.
        description: String,
        /// Debian package names.
        packages: Vec<String>,
    },
    /// Check that each Jitsi package installed on the host is at the version of the model's
    /// release (`dpkg-query`); the command exits non-zero, naming each package that differs
    /// (or is missing) and the version the release needs, so the deployment stops there.
    CheckPackages {
        /// What it does.
        description: String,
        /// The release.
        release: String,
        /// Each package with the version the release needs.
        packages: Vec<PackagePin>,
        /// The command to run.
        command: Vec<String>,
    },
    /// Write the rendered files (with their modes and owners).
    WriteFiles {
        /// What it does.
        description: String,
        /// Their paths, in the manifest's order.
        files: Vec<String>,
    },
    /// Make systemd read new units and drop-ins.
    DaemonReload {
        /// What it does.
        description: String,
        /// The command to run.
        command: Vec<String>,
    },
    /// Create the account or set its password (idempotent).
    RegisterAccount {
        /// What it does.
        description: String,
        /// The account.
        jid: String,
        /// The file holding its password on this host.
        password_file: String,
        /// The command to run (it reads the password from the file, never from its arguments).
        command: Vec<String>,
    },
    /// Subscribe the focus component to the focus user's presence, which jicofo's
    /// `client_proxy` needs (idempotent).
    RosterSubscribe {
        /// What it does.
        description: String,
        /// The command to run.
        command: Vec<String>,
    },
    /// Make prosody's `auth.<domain>` certificate available to the bridges.
    TrustExport {
        /// What it does.
        description: String,
        /// The certificate's path on this host.
        certificate: String,
        /// The hosts that import it.
        to_hosts: Vec<String>,
    },
    /// Add a certificate to this host's system trust store (and so Java's).
    TrustImport {
        /// What it does.
        description: String,
        /// The host the certificate comes from, or `null` when it is already on this host.
        from_host: Option<String>,
        /// Its path there (or here, when `from_host` is `null`).
        source: String,
        /// Where to put it on this host.
        destination: String,
        /// The command that rebuilds the trust store afterwards.
        command: Vec<String>,
    },
    /// Give nginx a certificate to start with: the ACME client's current one, or a
    /// self-signed placeholder while there is none (so that nginx can start and answer the
    /// ACME challenge). Runs the same hook the ACME client runs after each renewal.
    WebCertificate {
        /// What it does.
        description: String,
        /// The certificate nginx reads.
        certificate: String,
        /// Its key.
        key: String,
        /// The command to run.
        command: Vec<String>,
    },
    /// Obtain the web certificate from an ACME CA (HTTP-01, answered from nginx's webroot on
    /// port 80, so it runs after nginx serves the site); the client runs `hook` after this
    /// issuance and after every renewal. A certificate not yet due for renewal is kept.
    AcmeCertificate {
        /// What it does.
        description: String,
        /// The name the certificate is for.
        domain: String,
        /// Where the client writes its challenge answers.
        webroot: String,
        /// What the client runs after each issuance and renewal.
        hook: String,
        /// The command to run.
        command: Vec<String>,
    },
    /// Create the JaaS account for the domain (JaaS checks the domain over HTTPS, so this
    /// runs after the certificate is issued).
    RegisterJaas {
        /// What it does.
        description: String,
        /// The domain the account is for.
        domain: String,
        /// The command to run.
        command: Vec<String>,
    },
    /// Take a bridge out of jicofo's selection and wait until its conferences ended, before
    /// anything on the host stops it: installing or upgrading a Jitsi package
    /// (jitsi-videobridge2's installer stops the bridge on every configure) or a restart for
    /// changed files. Comes right before `install-packages`. An integration runs `command` only
    /// when something will stop a running bridge, then (after the packages and files) `restart`,
    /// and waits until jicofo lists the bridge again at each of `listed_by`; when in the end
    /// nothing needed a restart, `undrain` puts it back into service.
    DrainBridge {
        /// What it does.
        description: String,
        /// The systemd unit without `.service`.
        service: String,
        /// Drain only: turns on the bridge's drain mode (jicofo places no new conference on
        /// it), waits until it runs none, exits 0 (also when the bridge is not running, so
        /// there is nothing to drain). It gives up after `JITSI_TOPOLOGY_DRAIN_TIMEOUT`
        /// seconds (environment): drain mode off again and exit 75, or, with
        /// `JITSI_TOPOLOGY_DRAIN_ON_TIMEOUT=force`, exit 0 with drain mode still on (a restart
        /// then ends the conferences left). Exit 69 when the drain API does not answer.
        command: Vec<String>,
        /// Turns drain mode off (when nothing needed a restart after all).
        undrain: Vec<String>,
        /// Restarts the drained bridge (the new process starts out of drain mode).
        restart: Vec<String>,
        /// The bridge's region as it reports it to jicofo (`null` without one).
        region: Option<String>,
        /// Where jicofo lists the bridge: one entry per shard it serves. The bridge serves
        /// again when each of them lists it as operational and not draining.
        listed_by: Vec<JicofoListing>,
    },
    /// Let jibri finish the recording or stream it runs before anything stops it (a Jitsi
    /// package's installer, changed files): jibri's graceful shutdown, then a wait until it
    /// exited. Comes right before `install-packages` on jibri hosts; `restart` starts it again
    /// after the packages and files. jibri cannot be told to take sessions again without a
    /// restart, so there is no `undrain`.
    DrainJibri {
        /// What it does.
        description: String,
        /// The systemd unit without `.service`.
        service: String,
        /// Drain only: asks for jibri's graceful shutdown (it exits once its session ended,
        /// and its unit does not restart it), waits until the unit is inactive, exits 0 (also
        /// when jibri is not running). Gives up after `JITSI_TOPOLOGY_DRAIN_TIMEOUT` seconds
        /// with exit 75 (jibri still exits when its session ends), or with
        /// `JITSI_TOPOLOGY_DRAIN_ON_TIMEOUT=force` exits 0 (the restart then ends the session).
        /// Exit 69 when jibri's internal API does not answer.
        command: Vec<String>,
        /// Starts the drained jibri again.
        restart: Vec<String>,
        /// jibri's busy status: `GET` returns JSON whose `busy_field` is `busy_value` while a
        /// recording or stream runs.
        health_url: String,
        /// The field of the health that carries the busy status (a dotted path).
        busy_field: String,
        /// Its value while a session runs.
        busy_value: String,
        /// jibri's graceful shutdown (`POST`), which `command` uses.
        graceful_shutdown_url: String,
    },
    /// Take a shard out of the front door (HAProxy's runtime API) before anything restarts its
    /// prosody or jicofo (a package upgrade or changed files), and put it back once jicofo is
    /// healthy again. Comes right before `install-packages` on the signalling hosts of a
    /// deployment with a front door. `command` and `undrain` run on `front_door`.
    DrainShard {
        /// What it does.
        description: String,
        /// The shard.
        shard: String,
        /// The front door's host name, where the commands run.
        front_door: String,
        /// HAProxy's admin socket on the front door.
        socket: String,
        /// The server in HAProxy's runtime API: `<backend>/<server>`.
        server: String,
        /// Puts the shard's server in maintenance: no new request reaches it; the rooms hashed
        /// to it go to the other shards while it is out.
        command: Vec<String>,
        /// Puts it back (`ready`).
        undrain: Vec<String>,
        /// jicofo's health on the signalling host (loopback), which answers 200 once jicofo is
        /// connected and healthy again; the front door's own check reads the same.
        health_url: String,
    },
    /// Start a service, or apply a change to it.
    Service {
        /// What it does.
        description: String,
        /// The systemd unit without `.service`.
        service: String,
        /// Whether to enable the unit (so that it starts at boot) first.
        enable: bool,
        /// What to do when one of its files changed.
        on_change: ServiceAction,
        /// The command for that action.
        command: Vec<String>,
    },
}

/// Where a shard's jicofo lists a bridge (jicofo's REST API, on loopback of the signalling
/// host): `GET url` answers jicofo's debug state, whose `bridge_selector.bridge` object has one
/// entry per bridge in the brewery, keyed by `bridge`, with `operational`, `drain` and
/// `graceful-shutdown` (jitsi/jicofo a595d0bc: jicofo/src/main/kotlin/org/jitsi/jicofo/ktor/
/// Application.kt l.244-250 (`/debug`), JicofoServices.kt l.243-245 (`bridge_selector`),
/// jicofo-selector/.../bridge/BridgeSelector.kt l.236-245 (keyed by the bridge's JID),
/// Bridge.kt l.338-353 (the fields); the key is the brewery occupant JID,
/// BridgeMucDetector.kt l.49-50).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct JicofoListing {
    /// The shard.
    pub shard: String,
    /// Its signalling host, where the request is made.
    pub host: String,
    /// jicofo's debug state there.
    pub url: String,
    /// The bridge's key in `bridge_selector.bridge`: `<brewery>/<nickname>`.
    pub bridge: String,
}

// The one definition of the manifest's shape: [`Bundle::manifest`] borrows what it can from
// the bundle (`'a`) and is what `manifest_json` streams; a manifest read back from JSON owns
// everything (`'static`).

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "jitsi-topology manifest")]
#[non_exhaustive]
pub struct Manifest<'a> {
    /// The manifest format version (1).
    pub format: u32,
    /// The Jitsi Meet release rendered for.
    pub release: Cow<'a, str>,
    /// The tool that rendered it, `jitsi-topology X.Y.Z`.
    pub generator: String,
    /// Every host.
    pub hosts: Vec<ManifestHost<'a>>,
}

/// One host in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ManifestHost<'a> {
    /// The host's name; its files are under `<name>/` beside the manifest.
    pub name: Cow<'a, str>,
    /// What the host does.
    pub roles: Cow<'a, [Role]>,
    /// Debian packages to install.
    pub packages: Cow<'a, [String]>,
    /// The files.
    pub files: Vec<ManifestFile<'a>>,
    /// Prosody accounts to register.
    pub accounts: Cow<'a, [Account]>,
    /// The firewall, or `null` when the model turned it off.
    pub firewall: Option<Cow<'a, FirewallPlan>>,
    /// The ordered deployment steps.
    pub steps: Cow<'a, [Step]>,
}

/// One file in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct ManifestFile<'a> {
    /// Absolute target path on the host.
    pub path: Cow<'a, str>,
    /// Which program reads it.
    pub kind: FileKind,
    /// Permission bits, four octal digits, e.g. `0640`.
    #[schemars(regex(pattern = r"^0[0-7]{3}$"))]
    pub mode: String,
    /// Owning user.
    pub owner: Cow<'a, str>,
    /// Owning group.
    pub group: Cow<'a, str>,
    /// SHA-256 of the content, lower-case hex; absent for a file flagged `secret`: a plain
    /// hash of a secret in a world-readable manifest would let anyone test password guesses
    /// against it offline. `plan` compares such files by their content instead (an output
    /// folder's are read from the files beside its manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub sha256: Option<String>,
    /// True when the content includes a secret.
    pub secret: bool,
    /// Services to act on when it changes.
    pub services: Cow<'a, [ServiceRef]>,
    /// The content (only in the manifest the C ABI and Python return; on disk the content
    /// is the file beside the manifest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Cow<'a, str>>,
}

impl Manifest<'_> {
    /// The same manifest, owning every value (to keep it beyond the bundle it came from).
    pub fn into_owned(self) -> Manifest<'static> {
        fn own<T: ToOwned + ?Sized>(c: Cow<'_, T>) -> Cow<'static, T> {
            Cow::Owned(c.into_owned())
        }
        Manifest {
            format: self.format,
            release: own(self.release),
            generator: self.generator,
            hosts: self
                .hosts
                .into_iter()
                .map(|h| ManifestHost {
                    name: own(h.name),
                    roles: own(h.roles),
                    packages: own(h.packages),
                    files: h
                        .files
                        .into_iter()
                        .map(|f| ManifestFile {
                            path: own(f.path),
                            kind: f.kind,
                            mode: f.mode,
                            owner: own(f.owner),
                            group: own(f.group),
                            sha256: f.sha256,
                            secret: f.secret,
                            services: own(f.services),
                            content: f.content.map(own),
                        })
                        .collect(),
                    accounts: own(h.accounts),
                    firewall: h.firewall.map(own),
                    steps: own(h.steps),
                })
                .collect(),
        }
    }
}

impl Bundle {
    /// The manifest, borrowing from the bundle; with `with_content` each file carries its
    /// content.
    pub fn manifest(&self, with_content: bool) -> Manifest<'_> {
        Manifest {
            format: MANIFEST_FORMAT,
            release: Cow::Borrowed(&self.release),
            generator: generator(),
            hosts: self
                .hosts
                .iter()
                .map(|h| ManifestHost {
                    name: Cow::Borrowed(&h.name),
                    roles: Cow::Borrowed(&h.roles),
                    packages: Cow::Borrowed(&h.packages),
                    files: h
                        .files
                        .iter()
                        .map(|f| ManifestFile {
                            path: Cow::Borrowed(&f.path),
                            kind: f.kind,
                            mode: format!("{:04o}", f.mode),
                            owner: Cow::Borrowed(&f.owner),
                            group: Cow::Borrowed(&f.group),
                            sha256: (!f.secret).then(|| f.sha256()),
                            secret: f.secret,
                            services: Cow::Borrowed(&f.services),
                            content: with_content.then_some(Cow::Borrowed(f.content.as_str())),
                        })
                        .collect(),
                    accounts: Cow::Borrowed(&h.accounts),
                    firewall: h.firewall.as_ref().map(Cow::Borrowed),
                    steps: Cow::Borrowed(&h.steps),
                })
                .collect(),
        }
    }

    /// The manifest as JSON text (pretty-printed when `pretty`): serializing
    /// [`Bundle::manifest`], which copies nothing but each file's mode and digest (the
    /// writer, the C ABI and the Python binding hand out manifests of thousands of hosts).
    pub fn manifest_json(&self, with_content: bool, pretty: bool) -> String {
        let mut out = Vec::new();
        self.write_manifest_json(&mut out, with_content, pretty)
            .expect("a manifest serializes into memory: every key is a string");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// [`Bundle::manifest_json`] written to `w` as it is serialized (`render --out` streams
    /// the manifest of ten thousand bridges to its file instead of holding its text).
    pub fn write_manifest_json<W: std::io::Write>(
        &self,
        w: W,
        with_content: bool,
        pretty: bool,
    ) -> std::io::Result<()> {
        let manifest = self.manifest(with_content);
        if pretty {
            serde_json::to_writer_pretty(w, &manifest)?;
        } else {
            serde_json::to_writer(w, &manifest)?;
        }
        Ok(())
    }

    /// The host named `name`.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }
}

impl Host {
    /// The file at target path `path`.
    pub fn file(&self, path: &str) -> Option<&File> {
        self.files.iter().find(|f| f.path == path)
    }
}

fn generator() -> String {
    format!("jitsi-topology {}", env!("CARGO_PKG_VERSION"))
}

/// Lower-case hex, two digits a byte.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[test]
    fn sha256_is_lower_case_hex_of_the_content() {
        let mut f = crate::render::file("/x", super::FileKind::Environment, "abc".to_owned());
        assert_eq!(
            f.sha256(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        f.content.clear();
        assert_eq!(
            f.sha256(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn manifest_json_is_the_manifest_serialized() {
        let env: BTreeMap<String, String> = [
            "JITSI_FOCUS_PASSWORD",
            "JITSI_JVB_PASSWORD",
            "JITSI_TURN_SECRET",
        ]
        .into_iter()
        .map(|k| (k.to_owned(), format!("{k}-a-long-test-value")))
        .collect();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue; // examples/*.rs: the library's example programs
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let b = crate::render(&text, &env)
                .expect("every example renders")
                .bundle;
            for content in [false, true] {
                let m = b.manifest(content);
                assert_eq!(
                    b.manifest_json(content, true),
                    serde_json::to_string_pretty(&m).unwrap(),
                    "{}",
                    path.display()
                );
                assert_eq!(
                    b.manifest_json(content, false),
                    serde_json::to_string(&m).unwrap(),
                    "{}",
                    path.display()
                );
            }
            seen += 1;
        }
        assert!(seen >= 7, "the examples are missing");
    }
}
