//! The topology model (format v1): what an operator writes, YAML or JSON.
//!
//! Every type here derives a JSON Schema (`schemas/topology.schema.json`), and every doc
//! comment becomes a description in it, so editors show them. Loading is strict: unknown
//! keys are errors (see [`load()`](crate::load())). Nothing here is derived or defaulted by
//! policy: the two forms of shards are read through the `shards` module (which names the
//! single shard), and names and version choices are made once, in resolve (the
//! [`Deployment`](crate::Deployment)).
//!
//! ## Compatibility (semver)
//! The model's types are exhaustive on purpose: a Rust caller may build a [`Topology`] with
//! struct literals and match every variant of an enum such as [`Tls`] or [`Auth`]. The rule
//! that comes with it: a new model key is a new field (or variant) here, so for Rust code it
//! is a breaking change, released only with a new minor version while the crate is 0.x (a new
//! major version from 1.0 on) and named in the changelog. For a model written as YAML or JSON
//! and read with [`load()`](crate::load()), nothing breaks: a new key is optional, with a
//! default. Within one minor version (0.x.y → 0.x.z) no field or variant is added, renamed or
//! removed. The output types ([`bundle`](crate::bundle), [`plan`](crate::plan),
//! [`diagnostic`](crate::diagnostic), [`deployment`](crate::deployment)) are the opposite:
//! `#[non_exhaustive]`, so they may gain fields and variants in any release.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

/// A scalable Jitsi Meet deployment: one signalling host (nginx, jitsi-meet web, prosody,
/// jicofo) and the videobridges that join its brewery.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "jitsi-topology model, format 1")]
pub struct Topology {
    /// Where an editor finds this schema (ignored by the tool).
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,

    /// The Jitsi Meet stable release the hosts run, e.g. `stable-11146`. Default: the newest
    /// release this tool supports.
    #[serde(default)]
    #[schemars(example = "stable-11146")]
    pub release: Option<String>,

    /// The platform the hosts run on.
    #[serde(default)]
    pub platform: Platform,

    /// The public domain of the deployment, as users type it in the browser. Prosody serves
    /// it and its `auth.`, `conference.` and `internal.auth.` subdomains (none of which needs DNS).
    #[schemars(example = "meet.example.com")]
    pub domain: String,

    /// The certificate nginx presents to browsers.
    pub tls: Tls,

    /// Whether the installer creates a JaaS account (8x8 Jitsi as a Service, for dial-in).
    /// Needs an email address, so only with `tls.mode: letsencrypt`.
    #[serde(default)]
    pub jaas: bool,

    /// The passwords of the two service accounts on `auth.<domain>`, and the secrets of
    /// `auth` (its accounts' passwords, the JWT signing secret, the LDAP bind password).
    pub secrets: Secrets,

    /// Who may start a conference: anyone (`none`, the default), or only users who log in on
    /// `domain` (`internal` accounts, `jwt` tokens or `ldap`); with `guests`, anyone may join a
    /// conference such a user started.
    #[serde(default)]
    pub auth: Auth,

    /// The signalling host: nginx, jitsi-meet web, prosody and jicofo. Give either this or
    /// `shards`.
    #[serde(default)]
    pub signaling: Option<Signaling>,

    /// Several shards, each a signalling host of its own, behind `front_door`, which keeps
    /// every room on one shard. Give either this or `signaling`.
    #[serde(default)]
    pub shards: Option<Vec<Shard>>,

    /// The front door that routes every request of a room to the same shard (HAProxy). Needed
    /// with more than one shard.
    #[serde(default)]
    pub front_door: Option<FrontDoor>,

    /// Where a participant's region comes from, so that jicofo puts each participant on a
    /// bridge in their region (RegionBasedBridgeSelectionStrategy); without it every
    /// participant counts as being in jicofo's own region. A request header that a hop you
    /// run sets or overwrites (an edge proxy or CDN in front of the front door, or of nginx
    /// without shards) names the region; requests from anywhere else lose that header.
    #[serde(default)]
    pub participant_regions: Option<ParticipantRegions>,

    /// The videobridge hosts. Each logs in to prosody on TCP 5222 of `signaling.address` and
    /// joins the brewery, where jicofo finds it.
    #[schemars(length(min = 1))]
    pub bridges: Vec<Bridge>,

    /// The jibri hosts (recording and live streaming, as `recording` offers them: one Chrome, and
    /// so one recording or stream, at a time per host). Like a bridge, each logs in to the prosody of every shard
    /// it serves on TCP 5222 (as `jibri@auth.<domain>`) and joins the brewery jicofo watches
    /// (`JibriBrewery@internal.auth.<domain>`); its Chrome joins the conference as
    /// `recorder@recorder.<domain>`, a hidden participant.
    #[serde(default)]
    pub jibris: Vec<Jibri>,

    /// What the web app (config.js) offers users: recording to a file and live streaming, each
    /// needing a jibri that does it on every shard. Default: neither.
    #[serde(default)]
    pub recording: Recording,

    /// The networks allowed to reach prosody's client port (TCP 5222) on the signalling host.
    /// Every bridge, jibri and jigasi address must lie inside one of them. Default: exactly
    /// each such host's own address.
    #[serde(default, deserialize_with = "networks::optional")]
    #[schemars(with = "Option<Vec<crate::net::IpNetwork>>", example = vec!["10.0.0.0/24"])]
    pub bridge_networks: Option<Vec<IpNet>>,

    /// How bridges come to trust the certificate prosody presents for `auth.<domain>`.
    #[serde(default)]
    pub trust: Trust,

    /// The nftables table each host gets.
    #[serde(default)]
    pub firewall: Firewall,

    /// A TURN server (coturn) for clients behind firewalls that block UDP to the bridges.
    /// Prosody hands clients short-lived credentials derived from `secrets.turn`.
    #[serde(default)]
    pub turn: Option<Turn>,

    /// The jigasi hosts (SIP gateways: people call in to a conference by phone, and moderators
    /// call phone numbers out of one). Like a bridge, each logs in to the prosody of every shard
    /// it serves on TCP 5222 (as `jigasi@auth.<domain>`, with `secrets.jigasi`) and joins the
    /// brewery jicofo watches (`JigasiBrewery@internal.auth.<domain>`); the calls themselves
    /// join their conference over BOSH through the site, as an anonymous participant.
    /// Transcription is not offered.
    #[serde(default)]
    pub jigasis: Vec<Jigasi>,

    /// What the web app shows for calling in by phone: the pages that list the numbers and
    /// give each conference its code (config.js `dialInNumbersUrl` and `dialInConfCodeUrl`;
    /// your own services, e.g. on your PBX). Needs a jigasi. Default: none (calling in still
    /// works when your PBX or IVR names the room in the `Jitsi-Conference-Room` SIP header;
    /// the web app just does not show numbers).
    #[serde(default)]
    pub dial_in: Option<DialIn>,

    /// Without `turn`: whether config.js lists upstream's public STUN server
    /// (`stun:meet-jit-si-turnrelay.jitsi.net:443`, run by 8x8 for meet.jit.si) in
    /// `p2p.stunServers`, as upstream's config.js does, so that two participants behind NAT can
    /// talk peer to peer. Each browser then contacts that third party (validation notes it as
    /// `info`). `false` lists no STUN server: such a pair talks through a bridge instead. With
    /// `turn`, config.js lists none either way (browsers get this deployment's STUN and TURN
    /// from prosody).
    #[serde(default = "yes")]
    pub public_stun: bool,

    /// Warnings this deployment draws on purpose, each with the reason (a cloud security
    /// group filters instead of `firewall`, one public address forwards UDP 10000 to a
    /// bridge, ...). An acknowledged warning is no longer a warning: it is left out of the
    /// warnings every surface returns (so pipelines that fail on warnings pass) and listed
    /// apart, with its reason, by the CLI (`acknowledged[code]` lines, the `acknowledged`
    /// count of `validate`, and `acknowledged` in `--format json`). Errors cannot be
    /// acknowledged; an acknowledgement that matches no warning is itself a warning
    /// (`acknowledgement-unused`).
    #[serde(default)]
    pub acknowledge: Vec<Acknowledgement>,
}

/// One acknowledged warning.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    /// The warning's code (the README's validation table lists them).
    #[schemars(example = "firewall-disabled")]
    pub code: String,
    /// A JSON Pointer: only the warnings with `code` at this path or under it (`/firewall`
    /// covers `/firewall/enabled`). Default: every warning with `code`.
    #[serde(default)]
    #[schemars(example = "/firewall/enabled")]
    pub path: Option<String>,
    /// Why the warning is accepted here, for the next reader (not empty).
    #[schemars(example = "a cloud security group filters every host", length(min = 1))]
    pub reason: String,
}

/// A coturn TURN server.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    /// The host's name in your inventory (its own host, or the signalling host's name to run
    /// coturn there too).
    #[schemars(example = "turn.example.com")]
    pub host: String,
    /// The address coturn listens on and relays from.
    #[schemars(example = "198.51.100.5")]
    pub address: IpAddr,
    /// The public address in front of `address`, when it is behind NAT.
    #[serde(default)]
    pub public_address: Option<IpAddr>,
    /// The name clients reach TURN at (in DNS; the TLS certificate's name).
    #[schemars(example = "turn.meet.example.com")]
    pub domain: String,
    /// A certificate for TURN over TLS on TCP 5349, the fallback for networks that allow only
    /// TLS. Without it, only TURN over UDP and TCP on 3478 is offered.
    #[serde(default)]
    pub tls: Option<TurnTls>,
}

/// coturn's certificate.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnTls {
    /// Absolute path, on the TURN host, of the certificate chain (PEM) for `turn.domain`; at
    /// most 1018 bytes, which fit one line of coturn's config with `cert=`.
    pub certificate: String,
    /// Absolute path, on the TURN host, of its private key; at most 1018 bytes, which fit one
    /// line of coturn's config with `pkey=`.
    pub key: String,
}

/// The platform the hosts run on.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    /// The Prosody series on the signalling host: `"0.12"` (Debian 12) or `"13"`. Quote it.
    #[serde(default)]
    pub prosody: ProsodySeries,
}

/// A Prosody release series.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum ProsodySeries {
    /// Prosody 0.12 (Debian 12 "bookworm").
    #[default]
    #[serde(rename = "0.12")]
    V0_12,
    /// Prosody 13.
    #[serde(rename = "13")]
    V13,
}

impl fmt::Display for ProsodySeries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V0_12 => "0.12",
            Self::V13 => "13",
        })
    }
}

/// The certificate nginx presents to browsers (the debconf question `jitsi-meet/cert-choice`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Tls {
    /// A certificate you provide, already on the signalling host.
    Own {
        /// Absolute path of the certificate chain (PEM) on the signalling host.
        #[schemars(example = "/etc/ssl/meet.example.com.crt")]
        certificate: String,
        /// Absolute path of the private key (PEM) on the signalling host.
        #[schemars(example = "/etc/ssl/meet.example.com.key")]
        key: String,
    },
    /// A Let's Encrypt certificate, obtained and renewed by Debian's certbot (HTTP-01 through
    /// nginx on port 80) and installed at `/etc/jitsi/meet/<domain>.{crt,key}` by a hook that
    /// reloads nginx; until it is issued nginx serves a self-signed pair. Not with `shards`
    /// (the front door would hand the challenge to any shard).
    Letsencrypt {
        /// The contact address Let's Encrypt requires.
        #[schemars(example = "ops@example.com")]
        email: String,
    },
    /// A self-signed certificate generated by the jitsi-meet installer (browsers will warn).
    SelfSigned,
}

/// The passwords of the service accounts.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// The password of `focus@auth.<domain>`, the account jicofo logs in with. prosody
    /// applies SASLprep (RFC 4013) to it, so characters SASLprep prohibits are refused.
    pub focus: SecretSource,
    /// The password of `jvb@auth.<domain>`, the one account every bridge logs in with. prosody
    /// applies SASLprep (RFC 4013) to it, so characters SASLprep prohibits are refused.
    pub jvb: SecretSource,
    /// The secret prosody and coturn share for TURN credentials (needed with `turn`). coturn
    /// reads it from one line of its config: at most 1004 bytes, not starting with a space, `=`
    /// or `"` and not ending in a space (coturn would cut or strip them, and every TURN login
    /// would fail).
    #[serde(default)]
    pub turn: Option<SecretSource>,
    /// With `auth.mode: jwt` and no `key_server`: the secret your web app signs tokens with
    /// (HS256, prosody's `app_secret`).
    #[serde(default)]
    pub jwt: Option<SecretSource>,
    /// With `auth.mode: ldap` and a `bind_dn`: its password (prosody's `ldap_password`).
    #[serde(default)]
    pub ldap: Option<SecretSource>,
    /// With `jigasis`: the password of `jigasi@auth.<domain>`, the one account every jigasi
    /// logs in with to join the brewery (Debian's account name). prosody applies SASLprep to
    /// it, so characters SASLprep prohibits are refused.
    #[serde(default)]
    pub jigasi: Option<SecretSource>,
    /// With `auth.mode: internal`: the accounts on `domain`, each user name (a lower-case
    /// XMPP local part: letters, digits, `.`, `_`, `-`) with its password. prosody applies
    /// SASLprep to it, so characters SASLprep prohibits are refused.
    #[serde(default)]
    #[schemars(example = accounts_example())]
    pub accounts: std::collections::BTreeMap<String, SecretSource>,
    /// With `jibris`: the password of `jibri@auth.<domain>`, the one account every jibri logs
    /// in with to join the brewery (jibri.conf's `control-login`). prosody applies SASLprep to it.
    #[serde(default)]
    pub jibri: Option<SecretSource>,
    /// With `jibris`: the password of `recorder@recorder.<domain>`, the hidden account jibri's
    /// Chrome joins conferences with (jibri.conf's `call-login`). prosody applies SASLprep to it.
    #[serde(default)]
    pub recorder: Option<SecretSource>,
}

fn accounts_example() -> serde_json::Value {
    serde_json::json!({ "alice": { "file": "/etc/jitsi-topology/secrets/alice" } })
}

/// Who may start a conference (Jitsi's "secure domain"). prosody's VirtualHost for `domain`
/// authenticates users; jicofo lets only them start a conference (its `authentication`
/// block); with `guests`, the web app logs everyone else in anonymously on
/// `guest.<domain>` (config.js `hosts.anonymousdomain`), and they wait until an
/// authenticated user has started the conference.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Auth {
    /// Anyone may start a conference (anonymous logins on `domain`).
    #[default]
    None,
    /// Accounts on `domain` kept in prosody's own store (`internal_hashed`): one per entry of
    /// `secrets.accounts` (the key is the user name, the value its password). Each shard's
    /// prosody has its own store, so every account is registered on every shard. Users cannot
    /// change their password in the web app: change it in the model and deploy.
    Internal {
        /// Whether anyone may join a conference an authenticated user started, logged in
        /// anonymously on `guest.<domain>`.
        #[serde(default)]
        guests: bool,
    },
    /// JSON Web Tokens from your web app (jitsi-meet's `token` authentication): users arrive
    /// with `?jwt=` in the room's URL. The token's signature is checked with `secrets.jwt`
    /// (HS256) or with the public keys at `key_server` (RS256).
    Jwt {
        /// The application id (`app_id`): the default issuer and what the web app's tokens
        /// name; letters, digits, `-`, `_`, `.`.
        #[schemars(example = &"my_web_app")]
        app_id: String,
        /// Where prosody fetches the public key of a token's `kid` (`asap_key_server`, an
        /// `https://` URL; it requests `<key_server>/<sha256 of kid>.pem`). Give this or
        /// `secrets.jwt`, not both.
        #[serde(default)]
        #[schemars(example = &"https://keys.example.com/jitsi")]
        key_server: Option<String>,
        /// The accepted issuers (`iss` claims; `asap_accepted_issuers`). At least one.
        #[schemars(example = vec!["my_web_app"], length(min = 1))]
        issuers: Vec<String>,
        /// The accepted audiences (`aud` claims; `asap_accepted_audiences`). At least one.
        #[schemars(example = vec!["jitsi"], length(min = 1))]
        audiences: Vec<String>,
        /// Whether anyone without a token may join a conference a token holder started,
        /// logged in anonymously on `guest.<domain>`.
        #[serde(default)]
        guests: bool,
    },
    /// Accounts in an LDAP directory, checked by prosody's own `mod_auth_ldap` (a bind as
    /// the user). The web app sends the password as SASL PLAIN, over the TLS nginx
    /// terminates.
    Ldap {
        /// The directory's URL: `ldaps://host[:port]`, or `ldap://host[:port]` with `starttls`
        /// (without either the password crosses the network in clear: validation warns).
        #[schemars(example = &"ldaps://ldap.example.com")]
        url: String,
        /// Whether to upgrade an `ldap://` connection with StartTLS (`ldap_tls`).
        #[serde(default)]
        starttls: bool,
        /// The DN prosody binds as to search for users (`ldap_rootdn`), with its password in
        /// `secrets.ldap`. Default: an anonymous search.
        #[serde(default)]
        #[schemars(example = &"cn=jitsi,ou=services,dc=example,dc=com")]
        bind_dn: Option<String>,
        /// Where users are searched (`ldap_base`).
        #[schemars(example = &"ou=people,dc=example,dc=com")]
        base: String,
        /// The search filter, with `$user` for the user name (`ldap_filter`). Default:
        /// `(uid=$user)`.
        #[serde(default)]
        #[schemars(example = &"(&(uid=$user)(memberOf=cn=jitsi,ou=groups,dc=example,dc=com))")]
        filter: Option<String>,
        /// Whether anyone may join a conference an authenticated user started, logged in
        /// anonymously on `guest.<domain>`.
        #[serde(default)]
        guests: bool,
    },
}

impl Auth {
    /// Whether the section asks for the guest host.
    pub fn guests(&self) -> bool {
        match self {
            Auth::None => false,
            Auth::Internal { guests } | Auth::Jwt { guests, .. } | Auth::Ldap { guests, .. } => {
                *guests
            }
        }
    }

    /// The mode's name as the model spells it.
    pub fn mode(&self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::Internal { .. } => "internal",
            Auth::Jwt { .. } => "jwt",
            Auth::Ldap { .. } => "ldap",
        }
    }
}

/// Where a secret comes from. Exactly one key.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum SecretSource {
    /// The secret itself (at least 16 characters). It is rendered into files flagged
    /// `secret`, never into logs or errors. Prefer `file` for anything kept in git.
    Value(SecretString),
    /// The name of an environment variable that holds the secret when rendering; rendered
    /// like `value`.
    Env(String),
    /// An absolute path on the target hosts of a root-only file holding the secret. It is
    /// never read when rendering: services receive it at start through a systemd drop-in,
    /// so no rendered file contains it.
    File(String),
}

/// A secret value. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it must be written out.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(***)")
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self)
    }
}

impl JsonSchema for SecretString {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SecretString".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "minLength": 16,
            "writeOnly": true,
            "description": "A secret value, at least 16 characters."
        })
    }
}

/// The signalling host.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signaling {
    /// The host's name in your inventory; it also names its output folder.
    #[schemars(example = "meet.example.com")]
    pub host: String,
    /// The address bridges connect to on TCP 5222 (prosody's client port).
    #[schemars(example = "10.0.0.10")]
    pub address: IpAddr,
    /// The region jicofo runs in (`jicofo.local-region`): conferences of participants with no
    /// known region start on a bridge here. Required when bridges are in several regions.
    #[serde(default)]
    #[schemars(example = "eu-central")]
    pub region: Option<String>,
}

/// One shard: a signalling host with its own prosody and jicofo, serving the same domain as
/// the other shards.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    /// The shard's name (letters, digits, `-`): its id in each bridge's jvb.conf and in the
    /// `X-Jitsi-Shard` header clients check.
    #[schemars(example = "shard-a")]
    pub name: String,
    /// The shard's signalling host.
    pub signaling: Signaling,
    /// The networks allowed to reach this shard's prosody on TCP 5222; every bridge serving
    /// the shard must lie inside one. Default: the top-level `bridge_networks`, else each
    /// serving bridge's own address.
    #[serde(default, deserialize_with = "networks::optional")]
    #[schemars(with = "Option<Vec<crate::net::IpNetwork>>", example = vec!["10.0.1.0/24"])]
    pub bridge_networks: Option<Vec<IpNet>>,
}

/// The front door of a sharded deployment: HAProxy terminating TLS for the domain and
/// hashing the `room` parameter (which BOSH and WebSocket URLs carry) onto a shard.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrontDoor {
    /// The host's name in your inventory; it also names its output folder.
    #[schemars(example = "door.example.com")]
    pub host: String,
    /// Its address, as the shards see it (they let its health checks in).
    #[schemars(example = "10.0.0.2")]
    pub address: IpAddr,
    /// Absolute path, on the front door, of the certificate chain and key for the domain in
    /// one PEM file (HAProxy's `crt`).
    #[schemars(example = "/etc/haproxy/certs/meet.example.com.pem")]
    pub certificate: String,
}

/// A participant's region, from a request header that an edge you run sets.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantRegions {
    /// The request header that names the participant's region (letters, digits, `-`).
    /// Default `X-Proxy-Region`, the header jitsi-meet's mod_jitsi_session reads by default.
    #[serde(default = "region_header")]
    #[schemars(example = "X-Proxy-Region")]
    pub header: String,
    /// The networks of the hops that set or overwrite the header (your edge proxies or CDN):
    /// a request from anywhere else loses it at the first hop of this deployment (the front
    /// door, else nginx), so no participant picks their own region.
    #[serde(deserialize_with = "networks::list")]
    #[schemars(with = "Vec<crate::net::IpNetwork>", example = vec!["203.0.113.0/24"])]
    pub trusted_networks: Vec<IpNet>,
}

fn region_header() -> String {
    "X-Proxy-Region".to_owned()
}

/// One videobridge host.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bridge {
    /// The host's name in your inventory; it also names its output folder.
    #[schemars(example = "jvb1.example.com")]
    pub host: String,
    /// The bridge's own address: its source address towards prosody and its local ICE
    /// candidate.
    #[schemars(example = "10.0.0.11")]
    pub address: IpAddr,
    /// The public address that clients reach UDP 10000 on, when `address` is behind NAT.
    /// Renders a static NAT mapping (and then no external STUN server is used).
    #[serde(default)]
    #[schemars(example = "198.51.100.11")]
    pub public_address: Option<IpAddr>,
    /// The bridge's region (letters, digits, `-`, `_`, `.`). When bridges are in more than one
    /// region, relays turn on: jicofo selects bridges by region and conferences spanning
    /// regions are cascaded between bridges (UDP 10000 between bridges).
    #[serde(default)]
    #[schemars(example = "eu-central")]
    pub region: Option<String>,
    /// The bridge's relay id, unique among bridges (only used with relays). Default: its
    /// nickname.
    #[serde(default)]
    pub relay_id: Option<String>,
    /// The shards this bridge serves (one XMPP connection to each). Default: every shard.
    #[serde(default)]
    pub shards: Option<Vec<String>>,
    /// The bridge's MUC nickname in the brewery, its identity for jicofo. Must be unique.
    /// Default: the host name.
    #[serde(default)]
    pub nickname: Option<String>,
    /// The JVM heap limit (`-Xmx`) of this bridge, e.g. `8g` or `6144m`: in the syntax the
    /// JVM reads (a whole number, or `0x` and hexadecimal digits, then at most one of `k`, `m`,
    /// `g`, `t` in either case; no unit means bytes), from 1 GiB to 1 TiB. Default: the
    /// package's 3 GB.
    #[serde(default)]
    #[schemars(
        example = "8g",
        regex(pattern = r"^(0[xX][0-9a-fA-F]+|[0-9]+)[kKmMgGtT]?$")
    )]
    pub jvm_max_memory: Option<String>,
}

/// A host that logs in to prosody from another host the way a bridge does: an account on
/// `auth.<domain>`, one XMPP connection per shard it serves, a brewery nickname. Validation
/// checks these across every such host (unique hosts, addresses and nicknames; addresses
/// inside the networks allowed to reach prosody; known shards); resolve connects each to the
/// shards it serves.
pub trait XmppComponent {
    /// The model's list of these hosts (`bridges`, `jibris`, `jigasis`).
    fn list(&self) -> &'static str;
    /// What the host is, in words (`bridge`, `jibri`).
    fn role(&self) -> &'static str;
    /// Its `host`.
    fn host(&self) -> &str;
    /// Its `address`.
    fn address(&self) -> IpAddr;
    /// Its `nickname`, when set.
    fn nickname(&self) -> Option<&str>;
    /// Its `shards`, when set.
    fn shards(&self) -> Option<&[String]>;
}

impl XmppComponent for Bridge {
    fn list(&self) -> &'static str {
        "bridges"
    }
    fn role(&self) -> &'static str {
        "bridge"
    }
    fn host(&self) -> &str {
        &self.host
    }
    fn address(&self) -> IpAddr {
        self.address
    }
    fn nickname(&self) -> Option<&str> {
        self.nickname.as_deref()
    }
    fn shards(&self) -> Option<&[String]> {
        self.shards.as_deref()
    }
}

/// One jibri host (recording and live streaming).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Jibri {
    /// The host's name in your inventory; it also names its output folder.
    #[schemars(example = "jibri1.example.com")]
    pub host: String,
    /// The host's own address: its source address towards prosody.
    #[schemars(example = "10.0.0.21")]
    pub address: IpAddr,
    /// Its MUC nickname in the jibri brewery, its identity for jicofo. Unique among bridges,
    /// jibris and jigasis. Default: the host name.
    #[serde(default)]
    pub nickname: Option<String>,
    /// The shards this jibri serves (one XMPP environment each in jibri.conf). Default: every
    /// shard.
    #[serde(default)]
    pub shards: Option<Vec<String>>,
    /// Absolute path of the folder recordings are written to (`jibri.recording.recordings-directory`;
    /// jibri's own default is `/tmp/recordings`). Default: `/srv/recordings`.
    #[serde(default)]
    #[schemars(example = "/srv/recordings")]
    pub recordings_folder: Option<String>,
    /// Absolute path of a program jibri runs on each finished recording, with its folder as
    /// the argument (`jibri.recording.finalize-script`), e.g. to upload it. Default: none.
    #[serde(default)]
    #[schemars(example = "/usr/local/bin/upload-recording")]
    pub finalize_script: Option<String>,
    /// How many minutes a recording or stream may last before jibri stops it (the
    /// environments' `usage-timeout`); 0 means no limit. Default: 0.
    #[serde(default)]
    pub usage_timeout_minutes: u32,
}

impl XmppComponent for Jibri {
    fn list(&self) -> &'static str {
        "jibris"
    }
    fn role(&self) -> &'static str {
        "jibri"
    }
    fn host(&self) -> &str {
        &self.host
    }
    fn address(&self) -> IpAddr {
        self.address
    }
    fn nickname(&self) -> Option<&str> {
        self.nickname.as_deref()
    }
    fn shards(&self) -> Option<&[String]> {
        self.shards.as_deref()
    }
}

impl XmppComponent for Jigasi {
    fn list(&self) -> &'static str {
        "jigasis"
    }
    fn role(&self) -> &'static str {
        "jigasi"
    }
    fn host(&self) -> &str {
        &self.host
    }
    fn address(&self) -> IpAddr {
        self.address
    }
    fn nickname(&self) -> Option<&str> {
        self.nickname.as_deref()
    }
    fn shards(&self) -> Option<&[String]> {
        self.shards.as_deref()
    }
}

/// What the web app offers users (config.js), each needing a jibri on every shard. jicofo
/// hands each request to any idle jibri of the shard's brewery, so every jibri does what is
/// offered: with `streaming`, jibri.conf allows every RTMP URL (jibri's default); without, it
/// allows none (`jibri.streaming.rtmp-allow-list = []`), so a stream is refused even if a
/// client asks for one.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recording {
    /// Recording to a file (config.js `recordingService.enabled`). Needs a jibri serving every
    /// shard.
    #[serde(default)]
    pub file: bool,
    /// Live streaming (config.js `liveStreaming.enabled`). Needs a jibri serving every shard.
    #[serde(default)]
    pub streaming: bool,
    /// Transcription is not supported yet (it needs jigasi with a speech-to-text backend):
    /// `true` is refused.
    #[serde(default)]
    pub transcription: bool,
}

/// How bridges trust the certificate prosody presents for `auth.<domain>` on TCP 5222.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Trust {
    /// Prosody's own `auth.<domain>` certificate (made by jitsi-meet-prosody's installer) is
    /// copied from the signalling host into each bridge's system trust store (and so Java's).
    #[default]
    Distribute,
    /// Your own CA signed prosody's `auth.<domain>` certificate; bridges (and jicofo, on the
    /// signalling host) trust that CA.
    Ca {
        /// Absolute path, on every host, of the CA certificate (PEM) to trust.
        ca_certificate: String,
        /// Absolute path, on the signalling host, of prosody's certificate for `auth.<domain>`
        /// (prosody's config names it there). Not `/etc/prosody/certs/auth.<domain>.crt`:
        /// jitsi-meet-prosody's installer replaces that file with a link to a self-signed
        /// certificate of its own on a first install.
        #[schemars(example = "/etc/ssl/jitsi/auth.meet.example.com.crt")]
        certificate: String,
        /// Absolute path, on the signalling host, of its private key, readable by the
        /// `prosody` user. Not `/etc/prosody/certs/auth.<domain>.key` (the installer replaces it).
        #[schemars(example = "/etc/ssl/jitsi/auth.meet.example.com.key")]
        key: String,
    },
    /// Bridges do not verify prosody's certificate. Anyone on the path can then read the
    /// bridge password; validation warns.
    Insecure,
}

/// One jigasi host: a SIP gateway.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Jigasi {
    /// The host's name in your inventory; it also names its output folder.
    #[schemars(example = "sip1.example.com")]
    pub host: String,
    /// The host's own address: its source address towards prosody.
    #[schemars(example = "10.0.0.31")]
    pub address: IpAddr,
    /// Its MUC nickname in the jigasi brewery (its XMPP resource), its identity for jicofo.
    /// Unique among bridges, jibris and jigasis. Default: the host name.
    #[serde(default)]
    pub nickname: Option<String>,
    /// The shards this jigasi serves (one XMPP account each in its
    /// sip-communicator.properties). Default: every shard.
    #[serde(default)]
    pub shards: Option<Vec<String>>,
    /// The SIP account it registers with your SIP provider or PBX, through which calls come
    /// in and go out.
    pub sip: SipAccount,
    /// Whether moderators may call phone numbers out of a conference through it: it then
    /// joins the jigasi brewery, where jicofo finds it and sends it the calls to place.
    /// `false`: it only takes calls in (and jicofo does not see it). Default: `true`.
    #[serde(default = "yes")]
    pub dial_out: bool,
}

/// A SIP account of a jigasi.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SipAccount {
    /// The account's SIP address, `user@domain` (what your provider calls the SIP URI or
    /// username, without `sip:`).
    #[schemars(example = "jitsi@sip.example.net")]
    pub user: String,
    /// The registrar (host name or address) the account registers with. Default: the domain
    /// of `user`, as Debian's installer takes it.
    #[serde(default)]
    #[schemars(example = "pbx.example.net")]
    pub server: Option<String>,
    /// The registrar's port. Default: 5060 (5061 with `transport: tls`).
    #[serde(default)]
    pub port: Option<u16>,
    /// The transport to the registrar. Default: the SIP stack's own choice (UDP).
    #[serde(default)]
    pub transport: Option<SipTransport>,
    /// The account's password, issued by your provider: `{value}`, `{env}` or `{file}` like
    /// the other secrets. Any characters are accepted (jigasi reads it base64-encoded).
    pub password: SecretSource,
}

/// A SIP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SipTransport {
    /// SIP over UDP.
    Udp,
    /// SIP over TCP.
    Tcp,
    /// SIP over TLS (the registrar's certificate is verified).
    Tls,
}

impl SipTransport {
    /// The name jigasi's SIP stack reads (`PREFERRED_TRANSPORT`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
            Self::Tls => "TLS",
        }
    }
}

/// The pages the web app links for calling in by phone.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DialIn {
    /// An `https://` URL answering with the phone numbers to call (config.js
    /// `dialInNumbersUrl`).
    #[schemars(example = "https://pbx.example.net/jitsi/numbers")]
    pub numbers_url: String,
    /// An `https://` URL answering with a conference's code, which callers type after
    /// dialling (config.js `dialInConfCodeUrl`).
    #[schemars(example = "https://pbx.example.net/jitsi/code")]
    pub conference_code_url: String,
}

/// The nftables table every host gets (`table inet jitsi_topology`, replaced as a whole).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Firewall {
    /// Render firewall rules at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Drop every inbound packet not explicitly allowed. Needs `admin_networks`, so that
    /// operators are never locked out.
    #[serde(default)]
    pub default_drop: bool,
    /// Networks allowed to reach every port of every host (SSH, monitoring).
    #[serde(default, deserialize_with = "networks::list")]
    #[schemars(with = "Vec<crate::net::IpNetwork>", example = vec!["192.0.2.0/24"])]
    pub admin_networks: Vec<IpNet>,
    /// Networks allowed to reach each bridge's private HTTP API (health, statistics) on TCP
    /// 8080. Default: none (it stays on loopback).
    #[serde(default, deserialize_with = "networks::list")]
    #[schemars(with = "Vec<crate::net::IpNetwork>", example = vec!["192.0.2.64/26"])]
    pub monitoring_networks: Vec<IpNet>,
}

impl Default for Firewall {
    fn default() -> Self {
        Self {
            enabled: true,
            default_drop: false,
            admin_networks: Vec::new(),
            monitoring_networks: Vec::new(),
        }
    }
}

fn yes() -> bool {
    true
}

/// IP networks in CIDR notation, where a bare address stands for itself (`/32`, `/128`).
mod networks {
    use ipnet::IpNet;
    use serde::Deserialize;
    use serde::de::{Deserializer, Error};

    fn parse<E: Error>(s: &str) -> Result<IpNet, E> {
        s.parse::<IpNet>()
            .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
            // The value is not quoted: loading describes it (a password pasted here must not
            // be echoed whole).
            .map_err(|_| E::custom("not an IP network such as 10.0.0.0/24 or 2001:db8::/64"))
    }

    /// One network, deserialized on its own so that an error names its index in the list.
    struct Network(IpNet);

    impl<'de> Deserialize<'de> for Network {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            parse(&String::deserialize(d)?).map(Network)
        }
    }

    pub(super) fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
        Ok(Vec::<Network>::deserialize(d)?
            .into_iter()
            .map(|n| n.0)
            .collect())
    }

    pub(super) fn optional<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<IpNet>>, D::Error> {
        Ok(Option::<Vec<Network>>::deserialize(d)?.map(|v| v.into_iter().map(|n| n.0).collect()))
    }
}
