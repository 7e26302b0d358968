//! Resolution: every name derived once, every release- and platform-dependent choice made
//! once. Renderers read only the [`Deployment`]; templates hold no naming or version logic.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Serialize, Serializer};

use crate::identity::{nickname, relay_id, relays};
use crate::installer::prosody_installer_certificate;
use crate::model::{Bridge, ProsodySeries, SecretString, Tls, Topology, Trust};
use crate::net::{coturn_denied_peers, is_non_public};
use crate::secret::{ReadSecret, ReadSecrets};

mod auth;
pub use auth::{
    AuthPlan, DomainAccount, JicofoAuthentication, LdapPlan, LuaShim, RedactionMap, TokenPlan,
};
mod firewall;
mod hosts;
mod jigasi;
mod regions;
pub(crate) mod steps;

pub use regions::ParticipantRegionPlan;

pub use hosts::{HostOf, HostPlan};
pub use jigasi::{
    DialInPages, JIGASI_REST_PORT, JigasiHost, JigasiPlan, JigasiShard, SipPassword, SipPlan,
};

pub(crate) use steps::systemctl_command;

/// HTTP, where nginx redirects to HTTPS and answers ACME challenges.
pub const HTTP_PORT: u16 = 80;
/// HTTPS, where nginx serves the site and the front door reaches the shards.
pub const HTTPS_PORT: u16 = 443;
/// prosody's external component port, unused by current Jitsi (focus uses `client_proxy`).
pub const PROSODY_COMPONENT_PORT: u16 = 5347;
/// prosody's server-to-server port: a Jitsi deployment does not federate.
pub const PROSODY_S2S_PORT: u16 = 5269;
/// Prosody's client-to-server port, where bridges and jicofo log in.
pub const XMPP_C2S_PORT: u16 = 5222;
/// Prosody's HTTP port (BOSH, WebSocket), reached by nginx on loopback only.
pub const PROSODY_HTTP_PORT: u16 = 5280;
/// Prosody's HTTPS port: Debian's prosody serves it on every address until our config (which
/// turns it off) is loaded by a restart; the firewall keeps it on loopback.
pub const PROSODY_HTTPS_PORT: u16 = 5281;
/// jicofo's REST port (`/conference-request/v1`), reached by nginx on loopback only.
pub const JICOFO_REST_PORT: u16 = 8888;
/// The videobridge's media port (`videobridge.ice.udp.port`).
pub const MEDIA_UDP_PORT: u16 = 10000;
/// coturn's STUN/TURN port (UDP and TCP).
pub const TURN_PORT: u16 = 3478;
/// coturn's TURN-over-TLS port.
pub const TURN_TLS_PORT: u16 = 5349;
/// coturn's relay ports (its defaults).
pub const TURN_RELAY_PORTS: (u16, u16) = (49152, 65535);
/// The videobridge's public HTTP server, serving colibri websockets (older releases).
pub const JVB_PUBLIC_HTTP_PORT: u16 = 9090;
/// The videobridge's private HTTP server (its REST APIs: health, metrics, drain, debug),
/// on loopback; with `monitoring_networks` our monitoring proxy listens on the same port on the
/// bridge's own address.
pub const JVB_PRIVATE_HTTP_PORT: u16 = 8080;
/// jibri's external HTTP API (`jibri.api.http.external-api-port`: health, start and stop of a
/// session), on loopback.
pub const JIBRI_EXTERNAL_API_PORT: u16 = 2222;
/// jibri's internal HTTP API (`jibri.api.http.internal-api-port`: graceful shutdown), on
/// loopback.
pub const JIBRI_INTERNAL_API_PORT: u16 = 3333;
/// How long the drain waits for a bridge's conferences to end before it gives up (without
/// restarting); `JITSI_TOPOLOGY_DRAIN_TIMEOUT` overrides it where the step runs.
pub const DRAIN_TIMEOUT_SECONDS: u32 = 3600;
/// How often the drain reads the bridge's conference count.
pub const DRAIN_POLL_SECONDS: u32 = 10;
/// The STUN server the jitsi-videobridge2 package configures, used when a bridge has no
/// static NAT mapping.
pub const PACKAGE_DEFAULT_STUN: &str = "meet-jit-si-turnrelay.jitsi.net:443";
/// Where our systemd drop-ins put per-service environment files generated at start.
pub const RUNTIME_DIR: &str = "/run/jitsi-topology";
/// Where our helper scripts are installed.
pub const LIBEXEC_DIR: &str = "/usr/local/libexec/jitsi-topology";
/// The folder jitsi-meet-web installs the web app into; nginx serves it, and on port 80 the
/// ACME HTTP-01 answers written into it.
pub const WEB_ROOT: &str = "/usr/share/jitsi-meet";
/// Where rendered secret files and our own files live on every host.
pub const CONFIG_DIR: &str = "/etc/jitsi-topology";
/// Where hosts install the certificates they trust for prosody (`update-ca-certificates`
/// picks them up, and so does Java's trust store).
pub const TRUST_DIR: &str = "/usr/local/share/ca-certificates/jitsi-topology";

/// The well-known ports our files name, for templates (each is a constant above).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Ports {
    /// HTTP: nginx's redirect and ACME (`HTTP_PORT`).
    pub http: u16,
    /// HTTPS: the site (`HTTPS_PORT`).
    pub https: u16,
    /// prosody's client-to-server port (`XMPP_C2S_PORT`).
    pub c2s: u16,
    /// prosody's HTTP port (`PROSODY_HTTP_PORT`).
    pub prosody_http: u16,
    /// jicofo's REST port (`JICOFO_REST_PORT`).
    pub jicofo_rest: u16,
    /// the videobridge's media port (`MEDIA_UDP_PORT`).
    pub media_udp: u16,
    /// the videobridge's public HTTP server (`JVB_PUBLIC_HTTP_PORT`).
    pub jvb_public_http: u16,
}

/// The ports of every deployment.
pub const PORTS: Ports = Ports {
    http: HTTP_PORT,
    https: HTTPS_PORT,
    c2s: XMPP_C2S_PORT,
    prosody_http: PROSODY_HTTP_PORT,
    jicofo_rest: JICOFO_REST_PORT,
    media_udp: MEDIA_UDP_PORT,
    jvb_public_http: JVB_PUBLIC_HTTP_PORT,
};

/// A systemd service we configure: its unit, and where our own pieces for it go.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Service {
    /// The unit's name, without `.service`.
    pub name: &'static str,
    /// Our drop-in for the package's unit.
    pub dropin: String,
    /// The environment file our drop-in makes at start for a file-referenced secret.
    pub runtime_environment: String,
}

impl Service {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            dropin: format!("/etc/systemd/system/{name}.service.d/jitsi-topology.conf"),
            runtime_environment: format!("{RUNTIME_DIR}/{name}.env"),
        }
    }
}

/// The owner and group a package's installer gives its configuration folder: jicofo's and
/// jitsi-videobridge2's postinst `chown -R` it on every configure (upgrade, reinstall,
/// reconfigure) unless `dpkg-statoverride` lists it (jitsi/jicofo debian/postinst a595d0bc
/// l.127-131, jitsi/jitsi-videobridge debian/postinst 4bb0aead l.137-141). Our files in that
/// folder carry the same owner and group, so an upgrade changes nothing the manifest says.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ConfigOwner {
    /// The folder.
    pub folder: &'static str,
    /// Its owner (the service's system user, which the package creates).
    pub user: &'static str,
    /// Its group.
    pub group: &'static str,
}

/// The configuration folders whose owner the packages' installers enforce.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ConfigOwners {
    /// `/etc/jitsi/jicofo`: jicofo.conf and the file it includes.
    pub jicofo: ConfigOwner,
    /// `/etc/jitsi/videobridge`: jvb.conf and sip-communicator.properties.
    pub videobridge: ConfigOwner,
}

/// Who owns a file we render and who may read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Access {
    /// Permission bits.
    pub mode: u32,
    /// Owning user.
    pub owner: &'static str,
    /// Owning group.
    pub group: &'static str,
}

/// root's, readable by everyone: every file we render unless [`FileAccess`] says otherwise.
pub const PLAIN_ACCESS: Access = Access {
    mode: 0o644,
    owner: ROOT,
    group: ROOT,
};

/// The superuser, owner of every file we render outside the packages' folders.
const ROOT: &str = "root";
/// The group Debian's prosody package runs prosody in.
const PROSODY_GROUP: &str = "prosody";
/// The group jibri's package creates for its user (`useradd --system --create-home jibri`,
/// debian/postinst of jitsi/jibri 82e70339 l.18) and its unit runs jibri in (`Group=jibri`).
const JIBRI_GROUP: &str = "jibri";
/// The user jibri's package creates and its unit runs jibri as (`User=jibri`).
const JIBRI_USER_ON_HOST: &str = "jibri";
/// The group Debian's coturn package runs turnserver in.
const TURNSERVER_GROUP: &str = "turnserver";

/// The owner, group and mode of each kind of file we render that is not [`PLAIN_ACCESS`].
/// Decided here only; renderers apply them.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct FileAccess {
    /// Our helper scripts and the certificate hook: root's, executable by everyone.
    pub script: Access,
    /// The files the account steps read an inline password from: root only.
    pub root_secret: Access,
    /// jicofo.conf and the file it includes: the owner and group jicofo's installer gives
    /// its folder ([`ConfigOwners`]), unreadable by others (they may hold a password).
    pub jicofo_config: Access,
    /// jvb.conf and sip-communicator.properties: likewise, the videobridge folder's.
    pub videobridge_config: Access,
    /// turnserver.conf: root's, readable by coturn's group (it may hold the shared secret).
    pub turn_config: Access,
    /// prosody's config when it holds an inline TURN secret: readable by prosody's group only.
    pub prosody_secret_config: Access,
    /// jibri.conf: root's, readable by the group the jibri package runs jibri in (it may hold
    /// the jibri and recorder passwords).
    pub jibri_config: Access,
}

impl FileAccess {
    fn new(owners: &ConfigOwners) -> Self {
        let secret_config = |owner: &'static str, group: &'static str| Access {
            mode: 0o640,
            owner,
            group,
        };
        Self {
            script: Access {
                mode: 0o755,
                ..PLAIN_ACCESS
            },
            root_secret: Access {
                mode: 0o600,
                ..PLAIN_ACCESS
            },
            jicofo_config: secret_config(owners.jicofo.user, owners.jicofo.group),
            videobridge_config: secret_config(owners.videobridge.user, owners.videobridge.group),
            turn_config: secret_config(ROOT, TURNSERVER_GROUP),
            prosody_secret_config: secret_config(ROOT, PROSODY_GROUP),
            jibri_config: secret_config(ROOT, JIBRI_GROUP),
        }
    }
}

/// One debconf answer: the package whose question it is, the question, its type and the
/// answer. Every question we preseed is one a package of the release defines, with that type
/// (`facts/<release>/debconf.tsv`; `tests/upstream_facts.rs` holds it). No password is ever
/// preseeded. `jitsi-meet/jvb-serve` is not preseeded: no package has had its template since 2022.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct DebconfAnswer {
    /// The package asking.
    pub owner: &'static str,
    /// The question.
    pub question: &'static str,
    /// Its debconf type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The answer.
    pub value: String,
}

/// The debconf answers loaded before the packages install (the handbook's preseed).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Debconf {
    /// A signalling host's: the XMPP domain for the packages that ask for it, the web
    /// certificate (and its paths for `own`, the email when one is preseeded), JaaS.
    pub signaling: Vec<DebconfAnswer>,
    /// A bridge's: only the XMPP domain (its jvb.conf is ours).
    pub bridge: Vec<DebconfAnswer>,
}

impl Debconf {
    fn new(domain: &str, tls: &WebTls, jaas: bool) -> Self {
        let answer = |owner, question, kind, value: &str| DebconfAnswer {
            owner,
            question,
            kind,
            value: value.to_owned(),
        };
        let hostname = "jitsi-videobridge/jvb-hostname";
        let web = "jitsi-meet-web-config";
        let mut signaling = vec![
            answer("jitsi-videobridge", hostname, "string", domain),
            answer("jitsi-meet-prosody", hostname, "string", domain),
            answer(web, "jitsi-meet/cert-choice", "select", tls.cert_choice),
        ];
        if tls.own {
            signaling.push(answer(
                web,
                "jitsi-meet/cert-path-crt",
                "string",
                &tls.certificate,
            ));
            signaling.push(answer(web, "jitsi-meet/cert-path-key", "string", &tls.key));
        }
        if let Some(email) = &tls.email {
            signaling.push(answer(web, "jitsi-meet/email", "string", email));
        }
        signaling.push(answer(
            web,
            "jitsi-meet/jaas-choice",
            "boolean",
            if jaas { "true" } else { "false" },
        ));
        Self {
            signaling,
            bridge: vec![answer("jitsi-videobridge2", hostname, "string", domain)],
        }
    }
}

/// The services of a deployment, each named once.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Services {
    /// prosody, on the signalling hosts.
    pub prosody: Service,
    /// jicofo, on the signalling hosts.
    pub jicofo: Service,
    /// nginx, on the signalling hosts.
    pub nginx: Service,
    /// The videobridge, on the bridges.
    pub videobridge: Service,
    /// jibri, on the jibri hosts.
    pub jibri: Service,
    /// coturn, on the TURN server.
    pub coturn: Service,
    /// HAProxy, on the front door.
    pub haproxy: Service,
    /// Our unit that loads the firewall table.
    pub firewall: Service,
}

/// Where each file we render goes on its host (the paths of the nginx site, the prosody
/// config, config.js and the account secrets are in [`Web`] and [`Secret`]), and the other
/// paths our files name. Decided here only.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Paths {
    /// The debconf answers, on every host.
    pub debconf: String,
    /// jicofo.conf.
    pub jicofo_config: String,
    /// The file jicofo.conf includes for a file-referenced password (beside it: jicofo's
    /// parser resolves the include relative to jicofo.conf).
    pub jicofo_password_config: String,
    /// How jicofo.conf names it in its `include`: the file's name, relative to jicofo.conf.
    pub jicofo_password_include: String,
    /// jvb.conf.
    pub jvb_config: String,
    /// sip-communicator.properties, for releases whose bridge reads it.
    pub jvb_properties: String,
    /// A bridge's environment file (JVM heap).
    pub jvb_environment: String,
    /// jibri.conf (the jibri package's, which ships it as `jibri {}`).
    pub jibri_config: String,
    /// The kernel modules a jibri host loads at boot (systemd's modules-load.d): the ALSA
    /// loopback jibri captures the conference's audio from.
    pub jibri_modules: String,
    /// Debian's Chromium, which jibri drives through chromedriver.
    pub chromium_binary: String,
    /// The NSS database of the jibri user, where Chromium looks for certificates the user
    /// trusts (with the installer's self-signed web certificate).
    pub jibri_nss_database: String,
    /// HAProxy's config on the front door.
    pub haproxy_config: String,
    /// coturn's config.
    pub turn_config: String,
    /// coturn's enabling default.
    pub turn_default: String,
    /// The copy of coturn's config with a file-referenced secret appended, made at start.
    pub turn_runtime_config: String,
    /// coturn's server, which our drop-in starts on that copy (the coturn package's).
    pub turn_binary: String,
    /// nftables' command, which the firewall unit runs (the nftables package's).
    pub nft_binary: String,
    /// The nftables file, on every host.
    pub firewall_rules: String,
    /// The unit that loads it.
    pub firewall_unit: String,
    /// The helper that turns a secret file into a service's environment.
    pub secret_env_helper: String,
    /// The helper that appends a secret file to a copy of a service's config.
    pub secret_config_helper: String,
    /// The folder of JaaS's nginx snippets (jitsi-meet-web-config's), which the site includes.
    pub web_jaas_includes: String,
    /// The folder whose files nginx serves at `/_api/public/` (jitsi-meet-web-config's).
    pub web_public: String,
    /// The web app jitsi-meet-web installs ([`WEB_ROOT`]), which nginx serves.
    pub web_root: String,
    /// The external API script in it, which nginx serves at `/external_api.js`.
    pub web_external_api: String,
    /// The Jitsi prosody plugins jitsi-meet-prosody installs (prosody's `plugin_paths`).
    pub prosody_plugins: String,
    /// The helper that drains a bridge, then restarts it (the videobridge's service step).
    pub drain_helper: String,
    /// The helper that lets jibri finish its session, then restarts it (jibri's service step).
    pub jibri_drain_helper: String,
    /// The digest of what prosody reads only when it starts: prosody restarts when it changes,
    /// and only reloads for the rest of its config.
    pub prosody_restart_marker: String,
    /// The certificate prosody presents for the public domain (made by jitsi-meet-prosody).
    pub domain_certificate: String,
    /// Its key.
    pub domain_key: String,
}

/// jicofo's configuration folder (the jicofo package's).
const JICOFO_CONFIG_DIR: &str = "/etc/jitsi/jicofo";
/// The videobridge's configuration folder (the jitsi-videobridge2 package's).
const VIDEOBRIDGE_CONFIG_DIR: &str = "/etc/jitsi/videobridge";
/// The group jicofo's and jitsi-videobridge2's installers create and give their folders.
const JITSI_GROUP: &str = "jitsi";
/// Our file in it that carries a file-referenced password into jicofo.conf. The jicofo
/// package's installer `hocon get`s the password from jicofo.conf on every configure and
/// writes its own in when that fails; ruby-hocon's `get` fails on an unresolved `${?VAR}` but
/// does not follow a relative include (it parses the text without a folder), while jicofo's
/// Typesafe Config reads the include relative to jicofo.conf.
const JICOFO_PASSWORD_INCLUDE: &str = "jitsi-topology-password.conf";

impl Paths {
    fn new(domain: &str, firewall: &Service) -> Self {
        Self {
            debconf: format!("{CONFIG_DIR}/debconf.selections"),
            jicofo_config: format!("{JICOFO_CONFIG_DIR}/jicofo.conf"),
            jicofo_password_config: format!("{JICOFO_CONFIG_DIR}/{JICOFO_PASSWORD_INCLUDE}"),
            jicofo_password_include: JICOFO_PASSWORD_INCLUDE.into(),
            jvb_config: format!("{VIDEOBRIDGE_CONFIG_DIR}/jvb.conf"),
            jvb_properties: format!("{VIDEOBRIDGE_CONFIG_DIR}/sip-communicator.properties"),
            jvb_environment: format!("{CONFIG_DIR}/videobridge.env"),
            jibri_config: "/etc/jitsi/jibri/jibri.conf".into(),
            jibri_modules: "/etc/modules-load.d/jitsi-topology-jibri.conf".into(),
            chromium_binary: "/usr/bin/chromium".into(),
            jibri_nss_database: "sql:/home/jibri/.pki/nssdb".into(),
            haproxy_config: "/etc/haproxy/haproxy.cfg".into(),
            turn_config: "/etc/turnserver.conf".into(),
            turn_default: "/etc/default/coturn".into(),
            turn_runtime_config: format!("{RUNTIME_DIR}/turnserver.conf"),
            turn_binary: "/usr/bin/turnserver".into(),
            nft_binary: "/usr/sbin/nft".into(),
            firewall_rules: format!("{CONFIG_DIR}/firewall.nft"),
            firewall_unit: format!("/etc/systemd/system/{}.service", firewall.name),
            secret_env_helper: format!("{LIBEXEC_DIR}/secret-env"),
            secret_config_helper: format!("{LIBEXEC_DIR}/secret-config"),
            web_jaas_includes: "/etc/jitsi/meet/jaas/*.conf".into(),
            web_public: "/etc/jitsi/meet/public/".into(),
            web_root: WEB_ROOT.into(),
            web_external_api: format!("{WEB_ROOT}/libs/external_api.min.js"),
            prosody_plugins: format!("{WEB_ROOT}/prosody-plugins/"),
            drain_helper: format!("{LIBEXEC_DIR}/drain-videobridge"),
            jibri_drain_helper: format!("{LIBEXEC_DIR}/drain-jibri"),
            prosody_restart_marker: format!("{CONFIG_DIR}/prosody-restart"),
            domain_certificate: prosody_installer_certificate(domain).0,
            domain_key: prosody_installer_certificate(domain).1,
        }
    }
}

/// The Debian packages each role installs. Decided here only.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Packages {
    /// A signalling host's: the web server, prosody, jicofo and the jitsi-meet packages that
    /// configure them.
    pub signaling: Vec<&'static str>,
    /// A bridge's (curl: the drain helper talks to the bridge's REST API).
    pub bridge: Vec<&'static str>,
    /// A jibri host's: jibri (which depends on ffmpeg, ALSA's tools, an X server and icewm),
    /// Debian's Chromium with its chromedriver (built from one source package, so their
    /// versions always match, which Google Chrome and a separately downloaded chromedriver do
    /// not guarantee), and NSS's tools for the web certificate a self-signed deployment trusts.
    pub jibri: Vec<&'static str>,
    /// What a bridge with `monitoring_networks` adds: the proxy that serves monitoring.
    pub monitoring_proxy: Vec<&'static str>,
    /// A TURN server's (also on a signalling host that runs it).
    pub turn: Vec<&'static str>,
    /// The front door's.
    pub front_door: Vec<&'static str>,
    /// What every host with a firewall needs.
    pub firewall: Vec<&'static str>,
}

impl Packages {
    fn new() -> Self {
        Self {
            signaling: vec![
                "nginx",
                "prosody",
                "jicofo",
                "jitsi-meet-web",
                "jitsi-meet-web-config",
                "jitsi-meet-prosody",
            ],
            bridge: vec!["jitsi-videobridge2", "curl"],
            jibri: vec!["jibri", "chromium", "chromium-driver", "libnss3-tools"],
            monitoring_proxy: vec!["haproxy"],
            turn: vec!["coturn"],
            front_door: vec!["haproxy"],
            firewall: vec!["nftables"],
        }
    }
}

/// A bridge's private HTTP server: jvb's REST APIs, which the drain uses and monitoring reads.
///
/// jvb serves all of them on one server (`videobridge.http-servers.private`; Main.kt of
/// jitsi/jitsi-videobridge at 4bb0aead l.142-164 and at 97a1f15b alike): health
/// (`/about/health`), Prometheus metrics (`/metrics`), the drain API (`/colibri/drain`, POST
/// `/enable` and `/disable`: rest/root/colibri/drain/Drain.java), the debug API and more, each
/// turned on by `videobridge.rest.<name>.enabled` (RestConfig.kt). The drain API needs neither
/// the COLIBRI REST API nor `graceful_shutdown.sh`'s `videobridge.rest.shutdown.enabled`, and both
/// supported ends of our releases (stable-11146 and stable-9646) have it, on by default. Since a
/// firewall filters ports, not paths, the server stays on loopback; monitoring hosts read health
/// and metrics through a proxy that passes only those ([`BridgeHost::monitoring_proxy`]).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct BridgeApi {
    /// Where the server listens (jvb.conf's `http-servers.private.host`): loopback.
    pub host: &'static str,
    /// Its port.
    pub port: u16,
    /// Its base URL, for the drain helper and the proxy.
    pub url: String,
    /// The `videobridge.rest` APIs jvb.conf turns on explicitly (each is on by default; the
    /// drain helper and monitoring rely on them).
    pub rest: Vec<&'static str>,
    /// The paths monitoring may read (GET and HEAD only).
    pub monitoring_paths: Vec<&'static str>,
    /// The Prometheus gauge of running conferences (`jitsi_jvb_conferences`: VideobridgeMetrics.kt
    /// `conferences` in the `jitsi_jvb` namespace), which the drain waits on.
    pub conferences_metric: &'static str,
    /// How long the drain waits for the conferences to end.
    pub drain_timeout_seconds: u32,
    /// How often it reads their number.
    pub drain_poll_seconds: u32,
}

impl BridgeApi {
    fn new() -> Self {
        let host = "127.0.0.1";
        Self {
            host,
            port: JVB_PRIVATE_HTTP_PORT,
            url: format!("http://{host}:{JVB_PRIVATE_HTTP_PORT}"),
            rest: vec!["drain", "health", "prometheus"],
            monitoring_paths: vec!["/about/health", "/metrics"],
            conferences_metric: "jitsi_jvb_conferences",
            drain_timeout_seconds: DRAIN_TIMEOUT_SECONDS,
            drain_poll_seconds: DRAIN_POLL_SECONDS,
        }
    }
}

/// jicofo's REST API on a signalling host (on loopback), which nginx proxies the conference
/// requests to and a deployment reads to see which bridges jicofo uses.
///
/// Upstream's defaults: `jicofo.rest.enabled = true`, `port = 8888`, `host = "127.0.0.1"`,
/// `jicofo.rest.debug.enabled = true` (jitsi/jicofo a595d0bc, jicofo/src/main/resources/
/// reference.conf l.148-167; RestConfig.kt reads `jicofo.rest.debug.enabled`). stable-9646's
/// jicofo has no such switch: its `/debug` resource is always served (jitsi/jicofo b9d06128,
/// jicofo/src/main/java/org/jitsi/jicofo/rest/Debug.java). jicofo.conf sets the switch
/// explicitly where the release knows it, since the rolling deployment relies on `/debug`.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JicofoApi {
    /// Where it listens (`jicofo.rest.host`).
    pub host: &'static str,
    /// Its port (`jicofo.rest.port`).
    pub port: u16,
    /// jicofo's debug state (`GET /debug`): the bridge selector's view of every bridge.
    pub debug_url: String,
    /// jicofo's health (`GET /about/health`), served when `jicofo.health.enabled`.
    pub health_url: String,
    /// Whether jicofo.conf turns `/debug` on explicitly (`jicofo.rest.debug.enabled`: the
    /// release's jicofo has the switch).
    pub debug_switch: bool,
}

impl JicofoApi {
    fn new(release: &str) -> Self {
        let host = "127.0.0.1";
        let url = format!("http://{host}:{JICOFO_REST_PORT}");
        let switch = crate::facts::hocon_segments("jicofo.rest.debug.enabled");
        Self {
            host,
            port: JICOFO_REST_PORT,
            debug_url: format!("{url}/debug"),
            health_url: format!("{url}/about/health"),
            debug_switch: crate::facts::hocon_known(
                release,
                crate::facts::HoconReader::Jicofo,
                &switch,
            )
            .is_some(),
        }
    }
}

/// A fully resolved deployment.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Deployment {
    /// The Jitsi Meet release.
    pub release: &'static str,
    /// The Prosody series on the signalling hosts.
    #[serde(serialize_with = "display")]
    pub prosody: ProsodySeries,
    /// Every XMPP name of the deployment.
    pub names: Names,
    /// The well-known ports.
    pub ports: Ports,
    /// The services, each named once.
    pub services: Services,
    /// Where each file goes.
    pub paths: Paths,
    /// Who owns the configuration folders the packages' installers re-own.
    pub config_owners: ConfigOwners,
    /// The owner, group and mode of each kind of file.
    pub access: FileAccess,
    /// The debconf answers of each role.
    pub debconf: Debconf,
    /// The packages of each role.
    pub packages: Packages,
    /// The bridges' private HTTP server (jvb's REST APIs), the drain and monitoring.
    pub bridge_api: BridgeApi,
    /// jicofo's REST API on the signalling hosts.
    pub jicofo_api: JicofoApi,
    /// What every signalling host serves alike (one domain).
    pub web: Web,
    /// Where participants' regions come from, and who may set them (issue 21).
    pub participant_regions: ParticipantRegionPlan,
    /// The signalling hosts, one per shard (one for the single-shard form).
    pub shards: Vec<SignalingHost>,
    /// The front door of a sharded deployment.
    pub front_door: Option<FrontDoorHost>,
    /// The bridges, in model order.
    pub bridges: Vec<BridgeHost>,
    /// The jibri hosts, in model order.
    pub jibris: Vec<JibriHost>,
    /// jibri's HTTP APIs on each jibri host.
    pub jibri_api: JibriApi,
    /// What every jibri host gets besides jibri.conf.
    pub jibri_setup: JibriSetup,
    /// What every jigasi shares: its brewery, account, service and paths.
    pub jigasi: JigasiPlan,
    /// The jigasis, in model order.
    pub jigasis: Vec<JigasiHost>,
    /// The two service-account secrets.
    pub secrets: Secrets,
    /// Every host in deployment order, with its roles, packages, accounts and firewall.
    pub hosts: Vec<HostPlan>,
    /// How bridges trust prosody's certificate.
    pub trust: TrustPlan,
    /// Firewall settings.
    pub firewall: FirewallSettings,
    /// Whether bridges relay between regions (bridges are in more than one region).
    pub relays: bool,
    /// Whether the release runs the bridge channel over colibri websockets too.
    pub colibri_websockets: bool,
    /// Whether the release's bridge package reads sip-communicator.properties.
    pub sip_communicator_properties: bool,
    /// Whether polls are prosody's `polls_component` ([`Names::polls_component`]) rather than
    /// the MUC module `polls` of older releases.
    pub polls_component: bool,
    /// Whether the clients' VirtualHost loads `features_identity`, through which the
    /// speakerstats, end_conference, av_moderation and room_metadata components announce
    /// themselves, instead of the host modules `speakerstats`, `end_conference`,
    /// `av_moderation`, `room_metadata` and their `*_component` options: when the release's
    /// prosody plugins have mod_features_identity (`facts/<release>/prosody-modules.tsv`; from
    /// stable-10888 on, jitsi-meet 93bc4019). stable-11146 no longer has three of the host
    /// modules (jitsi-meet 20021d1a) and end_conference is deprecated on a VirtualHost there.
    pub features_identity: bool,
    /// Whether prosody's config sets `component_admins_as_room_owners` (Prosody 13 stopped
    /// making component admins room owners, and jicofo must own rooms; 0.12 does not know the
    /// option).
    pub component_admins_as_room_owners: bool,
    /// The TURN server.
    pub turn: Option<TurnHost>,
    /// The Jitsi apt source and the pins that hold every host on the release.
    pub apt: JitsiApt,
    /// Who may start a conference: prosody's authentication, the guest host, jicofo's rule,
    /// tokens or LDAP, the accounts on the public domain.
    pub auth: AuthPlan,
}

/// Jitsi's apt repository, as upstream's install guide adds it (jitsi/handbook
/// docs/devops-guide/quickstart.md at e102bda7, "Add the Jitsi package repository": the flat
/// repository `https://download.jitsi.org stable/`, signed by the key at
/// `https://download.jitsi.org/jitsi-key.gpg.key`, dearmored into
/// `/usr/share/keyrings/jitsi-keyring.gpg`), rendered as a deb822 source, and the apt pins that
/// hold each Jitsi package at the version of the model's release (from
/// `facts/<release>/packages.tsv`). The key is not ours to ship: the operator puts it at
/// `keyring` (the README says how); apt refuses the repository without it.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JitsiApt {
    /// The deb822 source file.
    pub source: String,
    /// The apt preferences file with the pins.
    pub preferences: String,
    /// The repository's URI.
    pub uri: &'static str,
    /// Its suite (a flat repository: a path ending in `/`, no components).
    pub suite: &'static str,
    /// The keyring the source names in `Signed-By:`.
    pub keyring: &'static str,
    /// Where upstream publishes the key (ASCII-armored).
    pub key_url: &'static str,
    /// The pins' priority: above 1000, so apt installs the pinned version even when that is a
    /// downgrade (the model moved to an older release), and never another one.
    pub pin_priority: u32,
    /// Every Jitsi package of the release at its version, sorted by package.
    pub versions: Vec<crate::release::PackageVersion>,
    /// The packages of Jitsi's repository released on their own, not with the `stable/jitsi-meet_N`
    /// tags (jitsi-meet-debian-meta's jitsi-meet depends on none of them): a host installing
    /// one gets the source, and apt installs the repository's newest version (no pin).
    pub unpinned: Vec<&'static str>,
    /// The facts table the versions come from, e.g. `facts/11146/packages.tsv`.
    pub facts: String,
}

impl JitsiApt {
    fn new(release: &str) -> Self {
        Self {
            source: "/etc/apt/sources.list.d/jitsi-stable.sources".into(),
            preferences: "/etc/apt/preferences.d/jitsi-topology.pref".into(),
            uri: "https://download.jitsi.org",
            suite: "stable/",
            keyring: "/usr/share/keyrings/jitsi-keyring.gpg",
            key_url: "https://download.jitsi.org/jitsi-key.gpg.key",
            pin_priority: 1001,
            // a release without its packages.tsv is not found (`release-unsupported`)
            versions: crate::release::package_versions(release).unwrap_or_default(),
            unpinned: vec!["jibri", "jigasi"],
            facts: crate::release::package_facts_path(release),
        }
    }

    /// The Jitsi packages among `packages`, at their release's versions.
    pub fn of<'a>(
        &'a self,
        packages: &'a [String],
    ) -> impl Iterator<Item = &'a crate::release::PackageVersion> + 'a {
        self.versions
            .iter()
            .filter(|v| packages.iter().any(|p| p == v.package))
    }
}

/// A coturn TURN server.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct TurnHost {
    /// Its host (a signalling host's name when co-located).
    pub host: String,
    /// True when it runs on a signalling host.
    pub colocated: bool,
    /// Where coturn listens and relays.
    pub address: IpAddr,
    /// The public address in front of it (coturn's `external-ip`).
    pub public_address: Option<IpAddr>,
    /// The name clients use.
    pub domain: String,
    /// Certificate and key for TURN over TLS.
    pub tls: Option<(String, String)>,
    /// UDP/TCP port for STUN and TURN.
    pub port: u16,
    /// TCP port for TURN over TLS.
    pub tls_port: u16,
    /// The relay port range.
    pub relay_ports: (u16, u16),
    /// The peers coturn never relays to (`denied-peer-ip`, `first-last` ranges): the list
    /// jitsi-meet-turnserver's turnserver.conf denies, taken from the special-purpose
    /// registry (`net::coturn_denied_peers`).
    pub denied_peers: Vec<String>,
}

fn display<S: Serializer, T: std::fmt::Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// The XMPP names, derived from the domain as the Debian packages derive them.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Names {
    /// The public domain (the anonymous VirtualHost).
    pub domain: String,
    /// Where clients reach the site: `<domain>:443` (the colibri websockets' domain).
    pub web_endpoint: String,
    /// Where the service accounts live: `auth.<domain>`.
    pub auth_domain: String,
    /// The MUC component of the breweries: `internal.auth.<domain>`.
    pub internal_muc: String,
    /// The bridge brewery, one spelling everywhere: `jvbbrewery@internal.auth.<domain>`.
    pub brewery_jid: String,
    /// jicofo's account: `focus@auth.<domain>`.
    pub focus_jid: String,
    /// jicofo's user name, the local part of `focus_jid`.
    pub focus_user: &'static str,
    /// The bridges' account: `jvb@auth.<domain>`.
    pub jvb_jid: String,
    /// The bridges' user name, the local part of `jvb_jid`.
    pub jvb_user: &'static str,
    /// jicofo's `client_proxy` component: `focus.<domain>`.
    pub focus_component: String,
    /// The hidden domain jibri's recorders log in on: `recorder.<domain>`. jicofo trusts it
    /// (`trusted-domains`), as the jicofo package's installer sets it.
    pub recorder_domain: String,
    /// The jibri brewery, where every jibri announces itself and jicofo finds it:
    /// `JibriBrewery@internal.auth.<domain>` (Debian's name: jibri's and jicofo's docs, and
    /// jicofo's reference.conf comment for `jicofo.jibri.brewery-jid`).
    pub jibri_brewery_jid: String,
    /// The jibri brewery's room name (`JibriBrewery`), the local part of `jibri_brewery_jid`
    /// (jibri.conf's `control-muc.room-name`).
    pub jibri_brewery_room: &'static str,
    /// jibri's control login: `jibri@auth.<domain>`.
    pub jibri_jid: String,
    /// Its user name, the local part of `jibri_jid`.
    pub jibri_user: &'static str,
    /// The hidden account jibri's Chrome joins conferences with: `recorder@recorder.<domain>`
    /// (prosody's `recorder_prefixes`; jicofo trusts its domain).
    pub recorder_jid: String,
    /// Its user name, the local part of `recorder_jid`.
    pub recorder_user: &'static str,
    /// The conference MUC: `conference.<domain>`.
    pub conference_muc: String,
    /// What precedes a tenant's subdomain and the domain in the tenant's conference MUC
    /// (`conference.<tenant>.<domain>`), which config.js builds in the browser.
    pub conference_muc_prefix: &'static str,
    /// The lobby MUC.
    pub lobby_muc: String,
    /// The breakout rooms MUC.
    pub breakout_muc: String,
    /// The speaker statistics component.
    pub speakerstats_component: String,
    /// The end-conference component.
    pub endconference_component: String,
    /// The A/V moderation component.
    pub avmoderation_component: String,
    /// The room metadata component.
    pub metadata_component: String,
    /// The polls component (releases with [`Deployment::polls_component`]).
    pub polls_component: String,
    /// The host jitsi-meet-prosody's JaaS file (`jaas.cfg.lua`) serves, which its installer
    /// looks for in our prosody config before it copies that file in.
    pub jaas_jigasi_host: &'static str,
}

/// jicofo's account on `auth.<domain>`, as jitsi-meet-prosody's installer names it.
const FOCUS_USER: &str = "focus";
/// The bridges' account on `auth.<domain>`, as jitsi-videobridge2's installer names it.
const JVB_USER: &str = "jvb";

/// jibri's control account on `auth.<domain>`, as jibri's documentation names it.
const JIBRI_USER: &str = "jibri";
/// The hidden account jibri's Chrome uses on `recorder.<domain>`, as jibri's documentation
/// names it.
const RECORDER_USER: &str = "recorder";
/// The jibri brewery's room.
const JIBRI_BREWERY_ROOM: &str = "JibriBrewery";

/// The VirtualHost of jitsi-meet-prosody's `jaas.cfg.lua` (its JaaS SIP gateway).
const JAAS_JIGASI_HOST: &str = "jigasi.meet.jitsi";

/// The conference MUC's label, as jitsi-meet-prosody's installer names it.
const CONFERENCE_MUC_PREFIX: &str = "conference.";

impl Names {
    fn new(domain: &str) -> Self {
        let auth = format!("auth.{domain}");
        let internal = format!("internal.{auth}");
        Self {
            domain: domain.to_owned(),
            web_endpoint: format!("{domain}:{HTTPS_PORT}"),
            brewery_jid: format!("jvbbrewery@{internal}"),
            focus_jid: format!("{FOCUS_USER}@{auth}"),
            focus_user: FOCUS_USER,
            jvb_jid: format!("{JVB_USER}@{auth}"),
            jvb_user: JVB_USER,
            internal_muc: internal.clone(),
            auth_domain: auth.clone(),
            focus_component: format!("focus.{domain}"),
            jibri_brewery_jid: format!("{JIBRI_BREWERY_ROOM}@{internal}"),
            jibri_brewery_room: JIBRI_BREWERY_ROOM,
            jibri_jid: format!("{JIBRI_USER}@{auth}"),
            jibri_user: JIBRI_USER,
            recorder_jid: format!("{RECORDER_USER}@recorder.{domain}"),
            recorder_user: RECORDER_USER,
            recorder_domain: format!("recorder.{domain}"),
            conference_muc: format!("{CONFERENCE_MUC_PREFIX}{domain}"),
            conference_muc_prefix: CONFERENCE_MUC_PREFIX,
            lobby_muc: format!("lobby.{domain}"),
            breakout_muc: format!("breakout.{domain}"),
            speakerstats_component: format!("speakerstats.{domain}"),
            endconference_component: format!("endconference.{domain}"),
            avmoderation_component: format!("avmoderation.{domain}"),
            metadata_component: format!("metadata.{domain}"),
            polls_component: format!("polls.{domain}"),
            jaas_jigasi_host: JAAS_JIGASI_HOST,
        }
    }
}

/// What every signalling host serves alike: they all serve one domain.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Web {
    /// nginx's certificate.
    pub web_tls: WebTls,
    /// Whether to create a JaaS account.
    pub jaas: bool,
    /// With `jaas` (and so `letsencrypt`): the registration our steps run once the site has
    /// its certificate, since jitsi-meet-web-config's installer gets no email to register with.
    pub jaas_registration: Option<JaasRegistration>,
    /// With `jaas`: what config.js sets for JaaS customers.
    pub jaas_config: Option<JaasConfig>,
    /// The STUN servers config.js lists for peer-to-peer calls (`p2p.stunServers`): upstream's
    /// public one ([`crate::release::UPSTREAM_STUN`]) when the model has no `turn` and
    /// `public_stun` is on, as upstream's config.js does; otherwise none.
    pub p2p_stun_servers: Vec<&'static str>,
    /// Whether config.js names the recorder domain as `hiddenDomain`, so the web app leaves
    /// jibri's Chrome out of its participants: where the release's jitsi-meet knows the key
    /// (`facts/<release>/config-js.tsv`; stable-9646's configType.ts does not list it).
    pub hidden_domain: bool,
    /// Whether config.js turns on the multistream flags old mobile clients need
    /// ([`crate::release::Release::multistream_flags`]).
    pub multistream_flags: bool,
    /// What the site's `/_unlock` (config.js's `websocketKeepAliveUrl`) answers: the body of
    /// upstream's `_unlock` file (jitsi-meet c4fcfb86, 2025-03-28, which added the location
    /// to doc/debian/jitsi-meet/jitsi-meet.example, l.172-176 at Pie-D/jitsi-meet@abf901a),
    /// with a 200 and the location's headers.
    pub keep_alive_body: &'static str,
    /// The request headers browsers may send to `conferenceRequestUrl` (CORS
    /// `Access-Control-Allow-Headers`): upstream's list (jitsi-meet 79322f6a, 2024-09-03;
    /// jitsi-meet.example l.182 at Pie-D/jitsi-meet@abf901a).
    pub conference_request_headers: Vec<&'static str>,
    /// The nginx site's path.
    pub nginx_site: String,
    /// The prosody config's path.
    pub prosody_config: String,
    /// config.js's path.
    pub config_js: String,
    /// The certificate prosody presents for `auth.<domain>`.
    pub auth_certificate: String,
    /// Its key.
    pub auth_key: String,
}

/// The JaaS account registration: jitsi-meet-web's script, run with the contact address and
/// the domain as jitsi-meet-web-config's postinst runs it (debian/jitsi-meet-web-config.postinst
/// at Pie-D/jitsi-meet@abf901a, l.267-268). JaaS checks the domain over HTTPS, so it runs
/// after the certificate is issued.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JaasRegistration {
    /// The script (package jitsi-meet-web).
    pub script: String,
    /// The contact address.
    pub email: String,
}

/// What jitsi-meet's config.js sets for JaaS customers when its `enableJaaS` is true (JaaS's
/// dial-in services; jitsi-meet config.js at Pie-D/jitsi-meet@abf901a, l.2015-2019), which
/// jitsi-meet-web-config's installer appends to config.js on every configure with the JaaS
/// answer true unless config.js has the line `var enableJaaS = true;`
/// (debian/jitsi-meet-web-config.postinst l.162-176 there).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JaasConfig {
    /// `config.dialInNumbersUrl`.
    pub dial_in_numbers_url: &'static str,
    /// `config.dialInConfCodeUrl`.
    pub dial_in_conf_code_url: &'static str,
    /// `config.roomPasswordNumberOfDigits`.
    pub room_password_digits: u32,
}

/// A signalling host: one shard.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SignalingHost {
    /// The shard's name (`shard` in the single-shard form).
    pub shard: String,
    /// True when the deployment has shards (and so a front door).
    pub sharded: bool,
    /// The host's name.
    pub host: String,
    /// Where bridges reach its prosody.
    pub address: IpAddr,
    /// jicofo's region, with relays.
    pub region: Option<String>,
    /// Networks that reach its prosody's client port.
    pub xmpp_clients: Vec<IpNet>,
    /// The bridges serving it (host names).
    pub bridges: Vec<String>,
    /// The jibris serving it (host names).
    pub jibris: Vec<String>,
    /// The jigasis serving it (host names).
    pub jigasis: Vec<String>,
    /// Whether its config.js offers recording to a file (`recording.file`).
    pub file_recording: bool,
    /// Whether its config.js offers live streaming (`recording.streaming`).
    pub live_streaming: bool,
    /// The front door's address, which may check jicofo's health through nginx.
    pub front_door: Option<IpAddr>,
    /// With colibri websockets: each serving bridge's server id and where nginx reaches it.
    pub colibri: Vec<ColibriBackend>,
    /// With shards: how a client learns the shard it reached and notices a move.
    pub announcement: Option<ShardAnnouncement>,
}

/// How a client notices that the front door moved its room to another shard (issue 21).
///
/// lib-jitsi-meet (tag jitsi-meet_11146, f9c1a436) compares the `x-jitsi-shard` header of each
/// keep-alive answer (a GET of config.js's `websocketKeepAliveUrl`, to which jitsi-meet appends
/// `?room=`) with the shard it knows and reloads when they differ
/// (modules/xmpp/XmppConnection.ts l.569-597); the shard it knows is config.js's
/// `deploymentInfo.shard` until the XMPP server announces a server identity of type `shard`,
/// which replaces it (modules/xmpp/xmpp.ts l.674-675). The page may come from another shard
/// than the room's (the front door sends requests without a room anywhere), so the shard's
/// prosody announces itself: jitsi-meet's mod_jiconop adds the identity from its `shard_name`
/// (and `region`, from `region_name`) and sends it after resource binding
/// (resources/prosody-plugins/mod_jiconop.lua l.14-22, 33-71 at Pie-D/jitsi-meet@abf901a); it
/// loads prosody's mod_external_services (l.2) and needs `muc_mapper_domain_base` (l.8-12).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ShardAnnouncement {
    /// The prosody module on the domain's VirtualHost: `jiconop`.
    pub module: &'static str,
    /// Its `shard_name`: the shard's name.
    pub shard_name: String,
    /// Its `region_name`: the shard's region, when it has one.
    pub region_name: Option<String>,
    /// The header nginx adds to BOSH, WebSocket and keep-alive (`/_unlock`) answers with the
    /// shard's name: `X-Jitsi-Shard`.
    pub header: &'static str,
}

/// A bridge's colibri websocket endpoint, as nginx routes to it.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ColibriBackend {
    /// The bridge's `websockets.server-id`, the path segment after `/colibri-ws/`.
    pub server_id: String,
    /// `address:port` of its public HTTP server.
    pub endpoint: String,
}

/// A shard a bridge, jibri or jigasi serves: one XMPP connection (jvb.conf's `configs`,
/// jibri.conf's environments), to the shard's prosody.
pub type ComponentShard = BridgeShard;

/// A shard a bridge serves: one XMPP connection in its jvb.conf.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct BridgeShard {
    /// The connection's id in jvb.conf (the shard's name).
    pub id: String,
    /// The shard's signalling host.
    pub host: String,
    /// Its address (jvb.conf's HOSTNAME).
    pub address: IpAddr,
    /// Where the bridge installs this host's prosody certificate, when certificates are
    /// distributed.
    pub trust_destination: String,
}

/// The front door of a sharded deployment.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct FrontDoorHost {
    /// Its name.
    pub host: String,
    /// Its address.
    pub address: IpAddr,
    /// The combined certificate and key HAProxy serves.
    pub certificate: String,
    /// The shards it routes to.
    pub backends: Vec<FrontDoorBackend>,
    /// The HAProxy backend that holds the shards, `shards`; in HAProxy's runtime API a shard is
    /// the server `shards/<shard>`.
    pub backend: &'static str,
    /// HAProxy's runtime API (its stats socket, at admin level), through which a deployment
    /// takes a shard out before restarting its prosody or jicofo and puts it back after:
    /// Debian's own path, which Debian's haproxy.cfg uses too.
    pub admin_socket: &'static str,
    /// Whether it verifies the shards' certificate against the system's CAs (the shards
    /// present the domain's own certificate; not when it is the installer's self-signed one).
    pub verify_shards: bool,
}

/// A shard as the front door reaches it.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct FrontDoorBackend {
    /// The shard's name.
    pub name: String,
    /// `address:port` of its nginx (HTTPS).
    pub endpoint: String,
}

/// nginx's certificate and the matching debconf answers.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct WebTls {
    /// The exact `jitsi-meet/cert-choice` string.
    pub cert_choice: &'static str,
    /// The certificate nginx reads.
    pub certificate: String,
    /// Its key.
    pub key: String,
    /// The `jitsi-meet/email` answer, when one is preseeded. Empty with `letsencrypt`: the
    /// installer then runs no Let's Encrypt script of its own (it needs an email), and
    /// certbot gets the address instead ([`Acme::email`]).
    pub email: Option<String>,
    /// True for `own`: the debconf cert paths are preseeded.
    pub own: bool,
    /// True for the installer's self-signed certificate.
    pub self_signed: bool,
    /// With `letsencrypt`: how the certificate is obtained and renewed.
    pub acme: Option<Acme>,
}

/// The certificate of `tls.mode: letsencrypt`, from Debian's certbot.
///
/// nginx reads the pair at upstream's place, `/etc/jitsi/meet/<domain>.{crt,key}`, where
/// jitsi-meet-web-config's postinst writes a self-signed pair on a first install (its Let's
/// Encrypt choice with an empty email, which never fetches acme.sh from the internet), so
/// nginx can start before the certificate exists. certbot answers HTTP-01 through the webroot nginx serves on
/// port 80 and keeps its lineage under /etc/letsencrypt; our hook copies the lineage's current
/// pair to where nginx reads it and reloads nginx, after the first issuance and after every
/// renewal (certbot.timer). Before the first issuance the same hook writes a self-signed
/// placeholder if there is no pair at all.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Acme {
    /// The Debian package of the ACME client.
    pub package: &'static str,
    /// The contact address the CA requires.
    pub email: String,
    /// The folder nginx serves `/.well-known/acme-challenge/` from on port 80, where certbot
    /// writes its HTTP-01 answers (the one upstream's Let's Encrypt script uses).
    pub webroot: String,
    /// certbot's name for the certificate (its lineage), and the one name on it.
    pub cert_name: String,
    /// The lineage's current certificate chain.
    pub live_certificate: String,
    /// The lineage's current key.
    pub live_key: String,
    /// Our hook: installs the lineage's pair (or a placeholder) where nginx reads it, then
    /// reloads nginx.
    pub hook: String,
}

/// Where jibri writes recordings unless the model says otherwise (jibri's own default,
/// `/tmp/recordings`, is emptied at every boot).
pub const JIBRI_RECORDINGS_FOLDER: &str = "/srv/recordings";

/// One jibri host.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JibriHost {
    /// Its name.
    pub host: String,
    /// Its own address.
    pub address: IpAddr,
    /// Its unique nickname in the jibri brewery.
    pub nickname: String,
    /// The shards it serves, in model order: one XMPP environment each in jibri.conf.
    pub shards: Vec<ComponentShard>,
    /// Whether it accepts live streams (every RTMP URL), as config.js offers them; else it
    /// accepts none.
    pub streaming: bool,
    /// Where recordings go.
    pub recordings_folder: String,
    /// The program run on each finished recording.
    pub finalize_script: Option<String>,
    /// Minutes a session may last; 0 for no limit.
    pub usage_timeout_minutes: u32,
    /// The same as jibri.conf's `usage-timeout` spells it (a HOCON duration jibri reads with
    /// `getDuration`).
    pub usage_timeout: String,
}

/// What every jibri host gets besides jibri.conf: the kernel module, the commands its
/// drop-in runs before jibri starts.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JibriSetup {
    /// The ALSA loopback module jibri captures the conference's audio from (jibri's README at
    /// 82e70339 l.34-36: `snd_aloop` in /etc/modules and `modprobe snd_aloop`).
    pub kernel_module: &'static str,
    /// Loads it now (the modules-load.d file loads it at every boot).
    pub load_module: Vec<String>,
    /// Makes a recordings folder (the folder is appended), writable by jibri only.
    pub make_recordings_folder: Vec<String>,
    /// Where the recorder's `{file}` password reaches jibri (jibri's own service's
    /// environment file holds the jibri password).
    pub recorder_environment: String,
}

/// jibri's two HTTP APIs on a jibri host, both on loopback (jibri's reference.conf at
/// jitsi/jibri 82e70339 l.10-16: `jibri.api.http.external-api-port = 2222`,
/// `internal-api-port = 3333`, hosts `127.0.0.1`). The drain of a jibri host uses them the way
/// jibri's own `wait_graceful_shutdown.sh` does (resources/debian-package/opt/jitsi/jibri/, same
/// commit, l.18, 42, 93): ask for a graceful shutdown, wait while the health's
/// `status.busyStatus` is `BUSY`, so that a recording in progress is not cut.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JibriApi {
    /// The busy status: `GET`, JSON whose `status.busyStatus` is `IDLE`, `BUSY` or `EXPIRED`
    /// (HttpApi.kt l.88-97: `jibri/api/v1.0/health` on the external API).
    pub health_url: String,
    /// The graceful shutdown: `POST`, jibri finishes its session, takes no new one and exits
    /// (InternalHttpApi.kt l.49-55: `/jibri/api/internal/v1.0/gracefulShutdown` on the
    /// internal API; graceful_shutdown.sh l.8 posts it).
    pub graceful_shutdown_url: String,
    /// The JSON field of the health that says whether a session runs.
    pub busy_field: &'static str,
    /// Its value while a recording or stream runs.
    pub busy_value: &'static str,
}

impl JibriApi {
    fn new() -> Self {
        Self {
            health_url: format!("http://127.0.0.1:{JIBRI_EXTERNAL_API_PORT}/jibri/api/v1.0/health"),
            graceful_shutdown_url: format!(
                "http://127.0.0.1:{JIBRI_INTERNAL_API_PORT}/jibri/api/internal/v1.0/gracefulShutdown"
            ),
            busy_field: "status.busyStatus",
            busy_value: "BUSY",
        }
    }
}

/// One bridge.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct BridgeHost {
    /// Its name.
    pub host: String,
    /// Its own address.
    pub address: IpAddr,
    /// Its public address, when behind NAT.
    pub public_address: Option<IpAddr>,
    /// Its unique brewery nickname.
    pub nickname: String,
    /// Its region.
    pub region: Option<String>,
    /// Its relay id, when relays are on.
    pub relay_id: Option<String>,
    /// The JVM heap limit, when set.
    pub jvm_max_memory: Option<String>,
    /// STUN servers for discovering its public address (empty with a static mapping).
    pub stun_servers: Vec<String>,
    /// The shards it serves, in model order.
    pub shards: Vec<BridgeShard>,
    /// Whether monitoring networks read its health and metrics.
    pub monitored: bool,
    /// With monitoring: where the monitoring proxy listens (`address:port` on the bridge's own
    /// address; the videobridge's private server keeps loopback).
    pub monitoring_proxy: Option<String>,
    /// Its colibri websocket server id, when the release uses colibri websockets.
    pub websocket_server_id: Option<String>,
}

/// A resolved secret: either rendered inline, or referenced by a file on the hosts.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Secret {
    /// Rendered into files flagged secret, and into `file` for the account step.
    Inline {
        /// The value.
        value: SecretString,
        /// The secret file we render on the signalling host for the account step.
        file: String,
    },
    /// Read on the host from this file at service start.
    File {
        /// The path on the hosts.
        path: String,
    },
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        match self {
            Secret::Inline { file, .. } => {
                m.serialize_entry("source", "inline")?;
                m.serialize_entry("file", file)?;
            }
            Secret::File { path } => {
                m.serialize_entry("source", "file")?;
                m.serialize_entry("file", path)?;
            }
        }
        m.end()
    }
}

impl Secret {
    /// The file on the host holding the password.
    pub fn file(&self) -> &str {
        match self {
            Secret::Inline { file, .. } => file,
            Secret::File { path } => path,
        }
    }

    /// The value, when rendered inline.
    pub fn inline(&self) -> Option<&SecretString> {
        match self {
            Secret::Inline { value, .. } => Some(value),
            Secret::File { .. } => None,
        }
    }
}

/// The two secrets, with the environment variables that carry them into services when they
/// are referenced by file.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Secrets {
    /// jicofo's password.
    pub focus: Secret,
    /// The bridges' password.
    pub jvb: Secret,
    /// The variable jicofo.conf substitutes for a file-referenced focus password.
    pub focus_env: &'static str,
    /// The variable jvb.conf substitutes for a file-referenced jvb password.
    pub jvb_env: &'static str,
    /// The TURN secret prosody and coturn share, with a TURN server.
    pub turn: Option<Secret>,
    /// The variable prosody's config reads a file-referenced TURN secret from.
    pub turn_env: &'static str,
    /// jibri's control login (`jibri@auth.<domain>`), with jibris.
    pub jibri: Option<Secret>,
    /// jibri's call login (`recorder@recorder.<domain>`), with jibris.
    pub recorder: Option<Secret>,
    /// The variable jibri.conf substitutes for a file-referenced jibri password.
    pub jibri_env: &'static str,
    /// The variable jibri.conf substitutes for a file-referenced recorder password.
    pub recorder_env: &'static str,
    /// The jigasis' password (`jigasi@auth.<domain>`), with jigasis.
    pub jigasi: Option<Secret>,
}

/// How bridges trust prosody's certificate.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "mode", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum TrustPlan {
    /// Copy each shard's prosody certificate to the bridges serving it.
    Distribute,
    /// Bridges trust an operator CA already on them.
    Ca {
        /// The CA file on every bridge.
        ca_certificate: String,
        /// Where the bridges install it.
        destination: String,
    },
    /// No verification.
    Insecure,
}

impl TrustPlan {
    /// Whether bridges verify prosody's certificate.
    pub fn verifies(&self) -> bool {
        !matches!(self, TrustPlan::Insecure)
    }
}

/// Firewall settings.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct FirewallSettings {
    /// Render firewall files at all.
    pub enabled: bool,
    /// Our own nftables table (family and name), replaced as a whole.
    pub table: &'static str,
    /// Default-drop policy.
    pub default_drop: bool,
    /// Networks that reach every port.
    pub admin_networks: Vec<IpNet>,
    /// Networks that reach the bridges' private HTTP API.
    pub monitoring_networks: Vec<IpNet>,
}

/// Builds the deployment from a model that validated without errors, with the secrets
/// validation read.
pub(crate) fn resolve(t: &Topology, read: &ReadSecrets) -> Deployment {
    let names = Names::new(&t.domain);
    let release = t
        .release
        .as_deref()
        .and_then(crate::release::find)
        .unwrap_or_else(crate::release::newest)
        .name;
    let web_tls = match &t.tls {
        Tls::Own { certificate, key } => WebTls {
            cert_choice: "I want to use my own certificate",
            certificate: certificate.clone(),
            key: key.clone(),
            email: None,
            own: true,
            self_signed: false,
            acme: None,
        },
        // The package's Let's Encrypt choice writes the self-signed pair nginx starts with and
        // keeps JaaS's questions; with an empty email it skips upstream's script, which would
        // install acme.sh from the internet and compete with certbot
        // (debian/jitsi-meet-web-config.postinst at Pie-D/jitsi-meet@abf901a, l.109-133, 263).
        Tls::Letsencrypt { email } => WebTls {
            cert_choice: "Let's Encrypt certificates",
            certificate: format!("/etc/jitsi/meet/{}.crt", t.domain),
            key: format!("/etc/jitsi/meet/{}.key", t.domain),
            email: Some(String::new()),
            own: false,
            self_signed: false,
            acme: Some(Acme {
                package: "certbot",
                email: email.clone(),
                webroot: WEB_ROOT.to_owned(),
                cert_name: t.domain.clone(),
                live_certificate: format!("/etc/letsencrypt/live/{}/fullchain.pem", t.domain),
                live_key: format!("/etc/letsencrypt/live/{}/privkey.pem", t.domain),
                hook: format!("{LIBEXEC_DIR}/web-certificate"),
            }),
        },
        Tls::SelfSigned => WebTls {
            cert_choice: "Generate a new self-signed certificate",
            certificate: format!("/etc/jitsi/meet/{}.crt", t.domain),
            key: format!("/etc/jitsi/meet/{}.key", t.domain),
            email: None,
            own: false,
            self_signed: true,
            acme: None,
        },
    };
    let (auth_certificate, auth_key) = match &t.trust {
        Trust::Ca {
            certificate, key, ..
        } => (certificate.clone(), key.clone()),
        _ => prosody_installer_certificate(&names.auth_domain),
    };
    let trust = match &t.trust {
        Trust::Distribute => TrustPlan::Distribute,
        Trust::Ca { ca_certificate, .. } => TrustPlan::Ca {
            ca_certificate: ca_certificate.clone(),
            destination: format!("{TRUST_DIR}/{}-ca.crt", names.domain),
        },
        Trust::Insecure => TrustPlan::Insecure,
    };
    let secret = |name: &str, read: &ReadSecret| match read {
        ReadSecret::Value(value) => Secret::Inline {
            value: value.clone(),
            file: format!("{CONFIG_DIR}/secrets/{name}"),
        },
        ReadSecret::File(path) => Secret::File { path: path.clone() },
    };
    let views = crate::shards::views(t);
    let sharded = t.shards.is_some();
    let relays = relays(t);
    let features = crate::release::find(release).unwrap_or_else(crate::release::newest);
    let monitored = !t.firewall.monitoring_networks.is_empty();
    let bridges: Vec<BridgeHost> = t
        .bridges
        .iter()
        .map(|b| BridgeHost {
            host: b.host.clone(),
            address: b.address,
            public_address: b.public_address.filter(|p| *p != b.address),
            nickname: nickname(b).to_owned(),
            region: b.region.clone(),
            relay_id: relays.then(|| relay_id(b)),
            jvm_max_memory: b.jvm_max_memory.clone(),
            stun_servers: if b.public_address.is_some() || !is_non_public(b.address) {
                Vec::new()
            } else {
                vec![PACKAGE_DEFAULT_STUN.to_owned()]
            },
            shards: component_shards(t, &views, b),
            monitored,
            monitoring_proxy: monitored
                .then(|| std::net::SocketAddr::new(b.address, JVB_PRIVATE_HTTP_PORT).to_string()),
            websocket_server_id: features.colibri_websockets.then(|| nickname(b).to_owned()),
        })
        .collect();
    let front_door = t.front_door.as_ref().map(|f| FrontDoorHost {
        host: f.host.clone(),
        address: f.address,
        certificate: f.certificate.clone(),
        backends: views
            .iter()
            .map(|v| FrontDoorBackend {
                name: v.name.to_owned(),
                endpoint: std::net::SocketAddr::new(v.signaling.address, HTTPS_PORT).to_string(),
            })
            .collect(),
        backend: "shards",
        admin_socket: "/run/haproxy/admin.sock",
        verify_shards: !web_tls.self_signed,
    });
    let shards = views
        .iter()
        .map(|v| {
            let serving: Vec<&Bridge> = t
                .bridges
                .iter()
                .filter(|b| crate::shards::serves(t, b, v.name))
                .collect();
            SignalingHost {
                shard: v.name.to_owned(),
                sharded,
                host: v.signaling.host.clone(),
                address: v.signaling.address,
                region: v.signaling.region.clone(),
                // Every host that logs in like a bridge (bridges, jibris) and serves this shard.
                xmpp_clients: normalized(match v.bridge_networks {
                    Some(nets) => nets.clone(),
                    None => crate::validate::component_hosts(t)
                        .iter()
                        .filter(|(_, c)| crate::shards::component_serves(t, *c, v.name))
                        .map(|(_, c)| IpNet::from(c.address()))
                        .collect(),
                }),
                bridges: serving.iter().map(|b| b.host.clone()).collect(),
                jibris: t
                    .jibris
                    .iter()
                    .filter(|j| crate::shards::component_serves(t, *j, v.name))
                    .map(|j| j.host.clone())
                    .collect(),
                jigasis: t
                    .jigasis
                    .iter()
                    .filter(|j| crate::shards::component_serves(t, *j, v.name))
                    .map(|j| j.host.clone())
                    .collect(),
                file_recording: t.recording.file,
                live_streaming: t.recording.streaming,
                front_door: front_door.as_ref().map(|f| f.address),
                colibri: bridges
                    .iter()
                    .filter(|b| b.shards.iter().any(|s| s.id == v.name))
                    .filter_map(|b| {
                        b.websocket_server_id.as_ref().map(|id| ColibriBackend {
                            server_id: id.clone(),
                            endpoint: std::net::SocketAddr::new(b.address, JVB_PUBLIC_HTTP_PORT)
                                .to_string(),
                        })
                    })
                    .collect(),
                announcement: sharded.then(|| ShardAnnouncement {
                    module: "jiconop",
                    shard_name: v.name.to_owned(),
                    region_name: v.signaling.region.clone(),
                    header: "X-Jitsi-Shard",
                }),
            }
        })
        .collect();
    let services = Services {
        prosody: Service::new("prosody"),
        jicofo: Service::new("jicofo"),
        nginx: Service::new("nginx"),
        videobridge: Service::new("jitsi-videobridge2"),
        jibri: Service::new("jibri"),
        coturn: Service::new("coturn"),
        haproxy: Service::new("haproxy"),
        firewall: Service::new("jitsi-topology-firewall"),
    };
    let jaas_registration = web_tls
        .acme
        .as_ref()
        .filter(|_| t.jaas)
        .map(|a| JaasRegistration {
            script: format!("{WEB_ROOT}/scripts/register-jaas-account.sh"),
            email: a.email.clone(),
        });
    let config_owners = ConfigOwners {
        jicofo: ConfigOwner {
            folder: JICOFO_CONFIG_DIR,
            user: "jicofo",
            group: JITSI_GROUP,
        },
        videobridge: ConfigOwner {
            folder: VIDEOBRIDGE_CONFIG_DIR,
            user: "jvb",
            group: JITSI_GROUP,
        },
    };
    let (jigasi, jigasis) = jigasi::resolve(
        t,
        read,
        &names.auth_domain,
        &names.internal_muc,
        &names.conference_muc,
    );
    let mut d = Deployment {
        paths: Paths::new(&t.domain, &services.firewall),
        access: FileAccess::new(&config_owners),
        debconf: Debconf::new(&names.domain, &web_tls, t.jaas),
        config_owners,
        packages: Packages::new(),
        apt: JitsiApt::new(release),
        bridge_api: BridgeApi::new(),
        jicofo_api: JicofoApi::new(release),
        services,
        release,
        ports: PORTS,
        prosody: t.platform.prosody,
        web: Web {
            web_tls,
            jaas: t.jaas,
            jaas_registration,
            jaas_config: t.jaas.then_some(JaasConfig {
                dial_in_numbers_url: "https://conference-mapper.jitsi.net/v1/access/dids",
                dial_in_conf_code_url: "https://conference-mapper.jitsi.net/v1/access",
                room_password_digits: 10,
            }),
            p2p_stun_servers: if t.turn.is_none() && t.public_stun {
                vec![crate::release::UPSTREAM_STUN]
            } else {
                Vec::new()
            },
            multistream_flags: features.multistream_flags,
            keep_alive_body: "OK",
            conference_request_headers: vec![
                "DNT",
                "X-CustomHeader",
                "Keep-Alive",
                "User-Agent",
                "X-Requested-With",
                "If-Modified-Since",
                "Content-Type",
            ],
            hidden_domain: crate::facts::config_js_key(release, "hiddenDomain").is_some(),
            nginx_site: format!("/etc/nginx/sites-available/{}.conf", t.domain),
            prosody_config: format!("/etc/prosody/conf.avail/{}.cfg.lua", t.domain),
            config_js: format!("/etc/jitsi/meet/{}-config.js", t.domain),
            auth_certificate,
            auth_key,
        },
        shards,
        front_door,
        bridges,
        jibris: t
            .jibris
            .iter()
            .map(|j| JibriHost {
                host: j.host.clone(),
                address: j.address,
                nickname: crate::identity::component_nickname(j).to_owned(),
                shards: component_shards(t, &views, j),
                streaming: t.recording.streaming,
                recordings_folder: j
                    .recordings_folder
                    .clone()
                    .unwrap_or_else(|| JIBRI_RECORDINGS_FOLDER.to_owned()),
                finalize_script: j.finalize_script.clone(),
                usage_timeout_minutes: j.usage_timeout_minutes,
                usage_timeout: format!("{} minutes", j.usage_timeout_minutes),
            })
            .collect(),
        jibri_api: JibriApi::new(),
        jibri_setup: JibriSetup {
            kernel_module: "snd-aloop",
            load_module: vec!["/sbin/modprobe".into(), "snd-aloop".into()],
            make_recordings_folder: [
                "/usr/bin/install",
                "-d",
                "-o",
                JIBRI_USER_ON_HOST,
                "-g",
                JIBRI_GROUP,
                "-m",
                "0750",
            ]
            .map(String::from)
            .to_vec(),
            recorder_environment: format!("{RUNTIME_DIR}/jibri-recorder.env"),
        },
        jigasi,
        jigasis,
        secrets: Secrets {
            focus: secret("focus", &read.focus),
            jvb: secret("jvb", &read.jvb),
            focus_env: "JITSI_TOPOLOGY_FOCUS_PASSWORD",
            jvb_env: "JITSI_TOPOLOGY_JVB_PASSWORD",
            turn: read.turn.as_ref().map(|s| secret("turn", s)),
            turn_env: "JITSI_TOPOLOGY_TURN_SECRET",
            jibri: read.jibri.as_ref().map(|s| secret("jibri", s)),
            recorder: read.recorder.as_ref().map(|s| secret("recorder", s)),
            jibri_env: "JITSI_TOPOLOGY_JIBRI_PASSWORD",
            recorder_env: "JITSI_TOPOLOGY_RECORDER_PASSWORD",
            jigasi: read
                .jigasi
                .as_ref()
                .filter(|_| !t.jigasis.is_empty())
                .map(|s| secret("jigasi", s)),
        },
        hosts: Vec::new(),
        turn: t.turn.as_ref().map(|turn| TurnHost {
            host: turn.host.clone(),
            colocated: views.iter().any(|v| v.signaling.host == turn.host),
            address: turn.address,
            public_address: turn.public_address.filter(|p| *p != turn.address),
            domain: turn.domain.clone(),
            tls: turn
                .tls
                .as_ref()
                .map(|tls| (tls.certificate.clone(), tls.key.clone())),
            port: TURN_PORT,
            tls_port: TURN_TLS_PORT,
            relay_ports: TURN_RELAY_PORTS,
            denied_peers: coturn_denied_peers(),
        }),
        participant_regions: regions::resolve(t),
        auth: auth::resolve(t, read, &names),
        trust,
        relays,
        colibri_websockets: features.colibri_websockets,
        sip_communicator_properties: features.sip_communicator_properties,
        // The release's prosody plugins have either the component or the MUC module `polls`
        // (facts/<release>/prosody-modules.tsv).
        polls_component: crate::facts::module(
            release,
            &t.platform.prosody.to_string(),
            "polls_component",
        )
        .is_some(),
        features_identity: crate::facts::module(
            release,
            &t.platform.prosody.to_string(),
            "features_identity",
        )
        .is_some(),
        component_admins_as_room_owners: t.platform.prosody == ProsodySeries::V13,
        firewall: FirewallSettings {
            enabled: t.firewall.enabled,
            table: "inet jitsi_topology",
            default_drop: t.firewall.default_drop,
            admin_networks: normalized(t.firewall.admin_networks.clone()),
            monitoring_networks: normalized(t.firewall.monitoring_networks.clone()),
        },
        names,
    };
    d.hosts = hosts::decide(&d);
    d
}

/// The shards a host that logs in like a bridge serves, each as its XMPP connection sees it.
fn component_shards(
    t: &Topology,
    views: &[crate::shards::ShardView<'_>],
    c: &dyn crate::model::XmppComponent,
) -> Vec<ComponentShard> {
    views
        .iter()
        .filter(|v| crate::shards::component_serves(t, c, v.name))
        .map(|v| ComponentShard {
            id: v.name.to_owned(),
            host: v.signaling.host.clone(),
            address: v.signaling.address,
            trust_destination: format!("{TRUST_DIR}/{}.crt", v.signaling.host),
        })
        .collect()
}

/// Networks without host bits, sorted, without duplicates.
fn normalized(nets: Vec<IpNet>) -> Vec<IpNet> {
    let mut nets: Vec<IpNet> = nets.iter().map(IpNet::trunc).collect();
    nets.sort();
    nets.dedup();
    nets
}
