//! The jigasi hosts: every name and path their files use, decided once.
//!
//! jigasi (jitsi/jigasi, read at 6fbf4f2769bd686d24ebab86cda6906a7c7dde68, the newest commit
//! before the stable-11146 cut; jigasi is released on its own, so these facts are not per
//! stable release: `facts/jigasi/sip-communicator.tsv`) still reads
//! `sip-communicator.properties` from its configuration folder: Debian's unit starts it with
//! `--configdir=/etc/jitsi --configdirname=jigasi` (`debian/jigasi.service` l.15), read-only
//! (`src/main/java/org/jitsi/jigasi/Main.java` l.225-229: `--configwritable` is not given).

use std::net::IpAddr;

use serde::{Serialize, Serializer};

use super::{Access, LIBEXEC_DIR, Service, TRUST_DIR, XMPP_C2S_PORT};
use crate::model::{SecretString, SipTransport, Topology};
use crate::secret::{ReadSecret, ReadSecrets};

/// jigasi's account on `auth.<domain>`, as the jigasi package's installer names it
/// (`debian/postinst` l.157 at 6fbf4f27).
pub const JIGASI_USER: &str = "jigasi";
/// The brewery's room name, as the jigasi package's installer and jicofo's name it
/// (`debian/postinst` l.164, `jigasi-home/sip-communicator.properties` l.127 at 6fbf4f27).
const BREWERY_ROOM: &str = "JigasiBrewery";
/// jigasi's configuration folder (the jigasi package's).
const CONFIG_FOLDER: &str = "/etc/jitsi/jigasi";
/// Where jitsi's account manager finds the SIP accounts, and the XMPP ones.
const SIP_ACCOUNTS: &str = "net.java.sip.communicator.impl.protocol.sip";
const JABBER_ACCOUNTS: &str = "net.java.sip.communicator.impl.protocol.jabber";
/// Our SIP account's name.
const SIP_ACCOUNT: &str = "acc-sip";
/// The port of jigasi's REST API (`/about/health`, `/about/stats`, `/about/shutdown`), on
/// loopback (`script/graceful_shutdown.sh` l.22 at 6fbf4f27).
pub const JIGASI_REST_PORT: u16 = 8788;

/// What every jigasi shares.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JigasiPlan {
    /// The jigasi brewery, where jicofo finds jigasis for calls out:
    /// `JigasiBrewery@internal.auth.<domain>` (Debian's name; nixpkgs puts it on
    /// `internal.<domain>`).
    pub brewery_jid: String,
    /// The account every jigasi logs in with: `jigasi@auth.<domain>`.
    pub jid: String,
    /// Its user name.
    pub user: &'static str,
    /// The jigasi service.
    pub service: Service,
    /// Where sip-communicator.properties goes.
    pub properties: String,
    /// With a `{file}` secret: the folder jigasi reads its completed copy from (its
    /// `--configdir`): the package unit's own `RuntimeDirectory` (`debian/jigasi.service`
    /// l.9-10), which systemd makes, owned by jigasi, before our helper runs.
    pub runtime_configdir: &'static str,
    /// The folder of the copy inside it (`--configdirname`).
    pub runtime_configdir_name: &'static str,
    /// The completed copy, made at every start.
    pub runtime_properties: String,
    /// The helper that completes it.
    pub helper: String,
    /// With a `{file}` secret: the drop-in's `ExecStart=`, the package's own command line
    /// (`debian/jigasi.service` l.15 at 6fbf4f27) with `--configdir` and `--configdirname`
    /// naming the completed copy.
    pub runtime_exec_start: String,
    /// What restarts jigasi without cutting a call: upstream's graceful shutdown script
    /// (`script/graceful_shutdown.sh`, installed as `/usr/share/jigasi/graceful_shutdown.sh`:
    /// `debian/install` l.6 at 6fbf4f27), which POSTs `/about/shutdown` (jigasi then takes no
    /// new call and exits when the last one ended: `JigasiBundleActivator.java` l.366-400),
    /// polls `/about/stats` until no conference is left and waits for the process to exit
    /// (l.86-114; curl and jq), then a restart.
    pub graceful_restart: Vec<String>,
    /// The SIP account's key in the properties (`acc-sip`).
    pub sip_account: &'static str,
    /// Its full key (`net.java.sip.communicator.impl.protocol.sip.acc-sip`).
    pub sip_key: String,
    /// Who owns the properties file: the owner and group jigasi's installer gives its folder
    /// (`debian/postinst` l.117-121 at 6fbf4f27), unreadable by others (it holds passwords).
    pub access: Access,
    /// The public site's BOSH URL pattern jigasi joins conferences through, with jigasi's own
    /// placeholders (`{host}`, `{subdomain}`, `{roomName}`: `CallContext.java` l.136-145).
    pub bosh_url_pattern: String,
    /// The conference MUC (`org.jitsi.jigasi.MUC_SERVICE_ADDRESS`).
    pub conference_muc: String,
    /// Whether jigasi trusts every certificate (`trust.mode: insecure`).
    pub trust_all: bool,
    /// The pages config.js names for calling in (`dial_in`).
    pub dial_in: Option<DialInPages>,
    /// The Debian packages of a jigasi host (curl and jq: the graceful shutdown script's).
    pub packages: Vec<&'static str>,
    /// The debconf answers of a jigasi host: only the XMPP domain, which the jigasi package's
    /// installer asks for (`debian/postinst` l.43-50) and puts in its unit's `--domain`. The
    /// SIP account's questions are not preseeded (no password is): the installer then writes
    /// empty values into its own `/etc/jitsi/jigasi/config`, which jigasi does not read for
    /// them.
    pub debconf: Vec<super::DebconfAnswer>,
}

/// The pages the web app fetches for calling in.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct DialInPages {
    /// config.js `dialInNumbersUrl`.
    pub numbers_url: String,
    /// config.js `dialInConfCodeUrl`.
    pub conference_code_url: String,
}

/// One jigasi host.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JigasiHost {
    /// Its name.
    pub host: String,
    /// Its own address.
    pub address: IpAddr,
    /// Its brewery nickname (its XMPP resource).
    pub nickname: String,
    /// Whether it joins the brewery (calls out).
    pub dial_out: bool,
    /// One XMPP account per shard it serves, in model order.
    pub shards: Vec<JigasiShard>,
    /// Its SIP account.
    pub sip: SipPlan,
}

/// One XMPP account of a jigasi: its login to one shard's prosody.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JigasiShard {
    /// The shard's name.
    pub id: String,
    /// The account's name in sip-communicator.properties: `acc-<shard>` (jitsi's account
    /// manager loads the keys whose last segment starts with `acc`).
    pub account: String,
    /// Its full key (`net.java.sip.communicator.impl.protocol.jabber.acc-<shard>`).
    pub key: String,
    /// The key of its password.
    pub password_key: String,
    /// The account's unique id (`ACCOUNT_UID`): `Jabber:jigasi@auth.<domain>@<address>`,
    /// distinct per shard (jitsi keeps one account per id).
    pub account_uid: String,
    /// The shard's signalling host.
    pub host: String,
    /// Its address (the account's `SERVER_ADDRESS`).
    pub address: IpAddr,
    /// prosody's client port.
    pub port: u16,
    /// Where this host's prosody certificate is installed, when certificates are distributed.
    pub trust_destination: String,
}

/// A jigasi's SIP account.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SipPlan {
    /// `user@domain`.
    pub user: String,
    /// The account's unique id: `SIP:<user>`, as jigasi's sample writes it.
    pub account_uid: String,
    /// The key of its password.
    pub password_key: String,
    /// The registrar.
    pub server: String,
    /// Its port, when not the SIP stack's default (5060; 5061 with TLS).
    pub port: Option<u16>,
    /// The registrar transport (`SERVER_TRANSPORT`), when set.
    pub transport: Option<&'static str>,
    /// The password.
    pub password: SipPassword,
}

/// A password jigasi reads base64-encoded from sip-communicator.properties.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SipPassword {
    /// Rendered into the file (base64-encoded).
    Inline(SecretString),
    /// Appended, base64-encoded, to the copy under `/run` at every start, from this file.
    File(String),
}

impl SipPassword {
    fn of(read: &ReadSecret) -> Self {
        match read {
            ReadSecret::Value(v) => Self::Inline(v.clone()),
            ReadSecret::File(path) => Self::File(path.clone()),
        }
    }

    /// The value, when rendered inline.
    pub fn inline(&self) -> Option<&SecretString> {
        match self {
            Self::Inline(v) => Some(v),
            Self::File(_) => None,
        }
    }

    /// The file on the host, for a `{file}` secret.
    pub fn file(&self) -> Option<&str> {
        match self {
            Self::Inline(_) => None,
            Self::File(path) => Some(path),
        }
    }
}

impl Serialize for SipPassword {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        match self {
            Self::Inline(_) => m.serialize_entry("source", "inline")?,
            Self::File(path) => {
                m.serialize_entry("source", "file")?;
                m.serialize_entry("file", path)?;
            }
        }
        m.end()
    }
}

/// The plan every jigasi shares, and each jigasi.
pub(super) fn resolve(
    t: &Topology,
    read: &ReadSecrets,
    auth_domain: &str,
    internal_muc: &str,
    conference_muc: &str,
) -> (JigasiPlan, Vec<JigasiHost>) {
    let service = Service::new("jigasi");
    let runtime_configdir = "/run/jigasi";
    let runtime_configdir_name = "jitsi-topology";
    let plan = JigasiPlan {
        brewery_jid: format!("{BREWERY_ROOM}@{internal_muc}"),
        jid: format!("{JIGASI_USER}@{auth_domain}"),
        user: JIGASI_USER,
        properties: format!("{CONFIG_FOLDER}/sip-communicator.properties"),
        runtime_properties: format!(
            "{runtime_configdir}/{runtime_configdir_name}/sip-communicator.properties"
        ),
        runtime_exec_start: format!(
            "/bin/bash -c \"exec /usr/share/jigasi/jigasi.sh --host=$${{JIGASI_HOST:-localhost}} \
             --domain=${{JIGASI_HOSTNAME}} --logdir=/var/log/jitsi --configdir={runtime_configdir} \
             --configdirname={runtime_configdir_name} ${{JIGASI_OPTS}} < /dev/null >> ${{LOGFILE}} 2>&1\""
        ),
        graceful_restart: vec![
            "/bin/sh".into(),
            "-c".into(),
            "/usr/share/jigasi/graceful_shutdown.sh -s; systemctl restart jigasi.service".into(),
        ],
        sip_account: SIP_ACCOUNT,
        sip_key: format!("{SIP_ACCOUNTS}.{SIP_ACCOUNT}"),
        runtime_configdir,
        runtime_configdir_name,
        helper: format!("{LIBEXEC_DIR}/secret-properties"),
        access: Access {
            mode: 0o640,
            owner: JIGASI_USER,
            group: super::JITSI_GROUP,
        },
        bosh_url_pattern: "https://{host}{subdomain}/http-bind?room={roomName}".to_owned(),
        conference_muc: conference_muc.to_owned(),
        trust_all: matches!(t.trust, crate::model::Trust::Insecure),
        dial_in: t.dial_in.as_ref().map(|d| DialInPages {
            numbers_url: d.numbers_url.clone(),
            conference_code_url: d.conference_code_url.clone(),
        }),
        packages: vec!["jigasi", "curl", "jq"],
        debconf: vec![super::DebconfAnswer {
            owner: "jigasi",
            question: "jitsi-videobridge/jvb-hostname",
            kind: "string",
            value: t.domain.clone(),
        }],
        service,
    };
    let views = crate::shards::views(t);
    let hosts = t
        .jigasis
        .iter()
        .zip(&read.sip)
        .map(|(j, password)| JigasiHost {
            host: j.host.clone(),
            address: j.address,
            nickname: crate::identity::component_nickname(j).to_owned(),
            dial_out: j.dial_out,
            shards: views
                .iter()
                .filter(|v| crate::shards::component_serves(t, j, v.name))
                .map(|v| JigasiShard {
                    id: v.name.to_owned(),
                    account: format!("acc-{}", v.name),
                    key: format!("{JABBER_ACCOUNTS}.acc-{}", v.name),
                    password_key: format!("{JABBER_ACCOUNTS}.acc-{}.PASSWORD", v.name),
                    account_uid: format!("Jabber:{}@{}", plan.jid, v.signaling.address),
                    host: v.signaling.host.clone(),
                    address: v.signaling.address,
                    port: XMPP_C2S_PORT,
                    trust_destination: format!("{TRUST_DIR}/{}.crt", v.signaling.host),
                })
                .collect(),
            sip: SipPlan {
                user: j.sip.user.clone(),
                account_uid: format!("SIP:{}", j.sip.user),
                password_key: format!("{SIP_ACCOUNTS}.{SIP_ACCOUNT}.PASSWORD"),
                server: j.sip.server.clone().unwrap_or_else(|| {
                    j.sip
                        .user
                        .split_once('@')
                        .map_or_else(String::new, |(_, d)| d.to_owned())
                }),
                port: j.sip.port.or(match j.sip.transport {
                    // jitsi's SIP stack defaults to 5060 whatever the transport
                    // (ProtocolProviderServiceSipImpl l.1748-1757)
                    Some(SipTransport::Tls) => Some(5061),
                    _ => None,
                }),
                transport: j.sip.transport.map(SipTransport::name),
                password: SipPassword::of(password),
            },
        })
        .collect();
    (plan, hosts)
}
