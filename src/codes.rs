//! Every diagnostic code, with the rule it enforces and the operators' pain it prevents: the
//! one registry the README's validation table is generated from (`tests/diagnostic_codes.rs`
//! holds the README equal to [`readme_table`] and every code the crate emits registered here).
//! Codes are a contract: extend, never rename.

use std::fmt;

/// A diagnostic code: one of the constants of this type, each a stable machine-readable name
/// (a contract: extend, never rename). Diagnostics are made from these constants only
/// ([`crate::Diagnostic::error`] takes a `Code`), so a misspelt code does not compile; a new
/// code is a line in `codes!` below and a place in a [`Rule`] (`tests/diagnostic_codes.rs`
/// holds every code in exactly one rule, and emitted somewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(&'static str);

impl Code {
    /// The code's text, as every diagnostic carries it (`duplicate-address`).
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

macro_rules! codes {
    ($($name:ident = $text:literal,)*) => {
        impl Code {
            $(
                #[doc = concat!("`", $text, "`")]
                pub const $name: Code = Code($text);
            )*
        }

        /// Every code, in the README's order.
        pub const ALL: &[Code] = &[$(Code::$name),*];
    };
}

codes! {
    SYNTAX = "syntax",
    INVALID_TYPE = "invalid-type",
    UNKNOWN_KEY = "unknown-key",
    YAML_TAG = "yaml-tag",
    EMPTY = "empty",
    NOT_A_MAPPING = "not-a-mapping",
    TOO_LARGE = "too-large",
    TOO_DEEP = "too-deep",
    DEPRECATED_KEY = "deprecated-key",
    RELEASE_UNSUPPORTED = "release-unsupported",
    DOMAIN_INVALID = "domain-invalid",
    DOMAIN_PLACEHOLDER = "domain-placeholder",
    HOSTNAME_INVALID = "hostname-invalid",
    HOSTNAME_RESERVED = "hostname-reserved",
    NO_BRIDGES = "no-bridges",
    DUPLICATE_HOST = "duplicate-host",
    DUPLICATE_ADDRESS = "duplicate-address",
    DUPLICATE_PUBLIC_ADDRESS = "duplicate-public-address",
    DUPLICATE_NICKNAME = "duplicate-nickname",
    NICKNAME_INVALID = "nickname-invalid",
    BRIDGE_ON_SIGNALING_HOST = "bridge-on-signaling-host",
    BRIDGE_ADDRESS_IS_SIGNALING = "bridge-address-is-signaling",
    SIGNALING_ADDRESS_LOCAL = "signaling-address-local",
    ADDRESS_NOT_ROUTABLE = "address-not-routable",
    PUBLIC_ADDRESS_NOT_PUBLIC = "public-address-not-public",
    PUBLIC_ADDRESS_FAMILY = "public-address-family",
    PUBLIC_ADDRESS_REDUNDANT = "public-address-redundant",
    PUBLIC_ADDRESS_RESERVED = "public-address-reserved",
    PRIVATE_WITHOUT_PUBLIC = "private-without-public",
    ADDRESS_OUTSIDE_BRIDGE_NETWORKS = "address-outside-bridge-networks",
    BRIDGE_NETWORKS_EMPTY = "bridge-networks-empty",
    BRIDGE_NETWORK_EVERYTHING = "bridge-network-everything",
    PATH_INVALID = "path-invalid",
    TLS_SAME_FILE = "tls-same-file",
    EMAIL_INVALID = "email-invalid",
    JAAS_NEEDS_EMAIL = "jaas-needs-email",
    TLS_SELF_SIGNED = "tls-self-signed",
    SECRET_DEFAULT = "secret-default",
    SECRET_TOO_SHORT = "secret-too-short",
    SECRET_INVALID = "secret-invalid",
    ENV_MISSING = "env-missing",
    ENV_NAME_INVALID = "env-name-invalid",
    SECRET_REUSED = "secret-reused",
    SECRET_SASLPREP = "secret-saslprep",
    LETSENCRYPT_WITH_SHARDS = "letsencrypt-with-shards",
    TRUST_INSECURE = "trust-insecure",
    PATH_REPLACED_BY_INSTALLER = "path-replaced-by-installer",
    DEFAULT_DROP_WITHOUT_ADMIN = "default-drop-without-admin",
    MONITORING_NETWORK_EVERYTHING = "monitoring-network-everything",
    ADMIN_NETWORK_EVERYTHING = "admin-network-everything",
    FIREWALL_DISABLED = "firewall-disabled",
    PUBLIC_ADDRESS_SHARED = "public-address-shared",
    ACKNOWLEDGEMENT_INVALID = "acknowledgement-invalid",
    ACKNOWLEDGEMENT_UNUSED = "acknowledgement-unused",
    JVM_MEMORY_INVALID = "jvm-memory-invalid",
    JVM_MEMORY_TOO_SMALL = "jvm-memory-too-small",
    JVM_MEMORY_TOO_LARGE = "jvm-memory-too-large",
    REGION_MISSING = "region-missing",
    REGION_INVALID = "region-invalid",
    REGION_CASE = "region-case",
    LOCAL_REGION_WITHOUT_BRIDGES = "local-region-without-bridges",
    PARTICIPANT_REGION_MISSING = "participant-region-missing",
    PARTICIPANT_REGION_HEADER_INVALID = "participant-region-header-invalid",
    PARTICIPANT_REGION_NETWORKS_EMPTY = "participant-region-networks-empty",
    PARTICIPANT_REGION_NETWORK_EVERYTHING = "participant-region-network-everything",
    DUPLICATE_RELAY_ID = "duplicate-relay-id",
    RELAY_ID_INVALID = "relay-id-invalid",
    RELAY_ID_UNUSED = "relay-id-unused",
    SIGNALING_MISSING = "signaling-missing",
    SIGNALING_AND_SHARDS = "signaling-and-shards",
    NO_SHARDS = "no-shards",
    SHARD_NAME_INVALID = "shard-name-invalid",
    DUPLICATE_SHARD = "duplicate-shard",
    FRONT_DOOR_MISSING = "front-door-missing",
    FRONT_DOOR_WITHOUT_SHARDS = "front-door-without-shards",
    HOST_ROLES_CONFLICT = "host-roles-conflict",
    UNKNOWN_SHARD = "unknown-shard",
    BRIDGE_WITHOUT_SHARDS = "bridge-without-shards",
    SHARD_WITHOUT_BRIDGES = "shard-without-bridges",
    TRUST_DISTRIBUTE_SHARDS = "trust-distribute-shards",
    TURN_SECRET_MISSING = "turn-secret-missing",
    TURN_SECRET_UNUSED = "turn-secret-unused",
    TURN_ADDRESS_MISMATCH = "turn-address-mismatch",
    AUTH_ACCOUNTS_MISSING = "auth-accounts-missing",
    AUTH_SECRET_UNUSED = "auth-secret-unused",
    ACCOUNT_NAME_INVALID = "account-name-invalid",
    JWT_APP_ID_INVALID = "jwt-app-id-invalid",
    JWT_KEY_MISSING = "jwt-key-missing",
    JWT_KEY_SERVER_INVALID = "jwt-key-server-invalid",
    JWT_CLAIMS_EMPTY = "jwt-claims-empty",
    JWT_CLAIM_INVALID = "jwt-claim-invalid",
    LDAP_URL_INVALID = "ldap-url-invalid",
    LDAP_STARTTLS_LDAPS = "ldap-starttls-ldaps",
    LDAP_DN_INVALID = "ldap-dn-invalid",
    LDAP_PASSWORD_MISSING = "ldap-password-missing",
    LDAP_FILTER_INVALID = "ldap-filter-invalid",
    LDAP_CLEARTEXT = "ldap-cleartext",
    COTURN_LINE_TOO_LONG = "coturn-line-too-long",
    COTURN_READS_DIFFERENTLY = "coturn-reads-differently",
    PUBLIC_STUN = "public-stun",
    COMPONENT_SECRET_MISSING = "component-secret-missing",
    COMPONENT_SECRET_UNUSED = "component-secret-unused",
    RECORDING_WITHOUT_JIBRI = "recording-without-jibri",
    JIBRI_WITHOUT_RECORDING = "jibri-without-recording",
    TRANSCRIPTION_UNSUPPORTED = "transcription-unsupported",
    SIP_ACCOUNT_INVALID = "sip-account-invalid",
    DIAL_IN_INVALID = "dial-in-invalid",
    JIGASI_NEEDS_ANONYMOUS = "jigasi-needs-anonymous",
}

/// One row of the validation table: related codes and the rule they enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The codes, each a stable machine-readable name.
    pub codes: &'static [Code],
    /// True when every code of the row is a warning (the model still renders).
    pub warnings: bool,
    /// True when every code of the row is an informational note (nothing is wrong).
    pub info: bool,
    /// What the rule checks (Markdown).
    pub rule: &'static str,
    /// The operators' pain it prevents (Markdown; may be empty).
    pub pain: &'static str,
}

/// Every rule, in the README's order.
pub const RULES: &[Rule] = &[
    Rule {
        codes: &[Code::SYNTAX, Code::INVALID_TYPE, Code::UNKNOWN_KEY],
        warnings: false,
        info: false,
        rule: "YAML/JSON syntax (line and column, a key written twice), types, unknown keys with \"did you mean\"",
        pain: "P14: a misspelt key silently ignored",
    },
    Rule {
        codes: &[Code::YAML_TAG],
        warnings: false,
        info: false,
        rule: "a YAML tag other than the core schema's (`!!binary`, `!!timestamp`, `!local`, `!<…>`) is refused at its path, never dropped silently (`!!binary` text would become the password, where Ansible's YAML decodes it); `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq` are read as YAML defines them",
        pain: "a password that differs between two tools",
    },
    Rule {
        codes: &[
            Code::EMPTY,
            Code::NOT_A_MAPPING,
            Code::TOO_LARGE,
            Code::TOO_DEEP,
        ],
        warnings: false,
        info: false,
        rule: "the model is a mapping of keys to values, at most 16 MiB and nested at most 64 levels deep (a bounded load, whatever the input)",
        pain: "",
    },
    Rule {
        codes: &[Code::DEPRECATED_KEY],
        warnings: false,
        info: false,
        rule: "settings from docker-jitsi-meet or older releases (`ENABLE_COLIBRI_WEBSOCKET`, `JVB_ADVERTISE_IPS`, `tcp_harvester_port`, …) get what to write instead",
        pain: "P6, P8, P18",
    },
    Rule {
        codes: &[Code::RELEASE_UNSUPPORTED],
        warnings: false,
        info: false,
        rule: "`release` is one the tool renders for (too old ones say so)",
        pain: "P16–P18: configs of another release",
    },
    Rule {
        codes: &[Code::DOMAIN_INVALID, Code::DOMAIN_PLACEHOLDER],
        warnings: false,
        info: false,
        rule: "a lower-case FQDN; not the templates' `jitmeet.example.com`",
        pain: "P16: unreplaced placeholders",
    },
    Rule {
        codes: &[Code::HOSTNAME_INVALID],
        warnings: false,
        info: false,
        rule: "host names are lower-case DNS names (no `/`, `..`, spaces: they name output folders)",
        pain: "",
    },
    Rule {
        codes: &[Code::HOSTNAME_RESERVED],
        warnings: false,
        info: false,
        rule: "no host is named `manifest.json`, the output's own file beside the host folders",
        pain: "",
    },
    Rule {
        codes: &[Code::NO_BRIDGES],
        warnings: false,
        info: false,
        rule: "at least one bridge",
        pain: "\"no bridge available\"",
    },
    Rule {
        codes: &[
            Code::DUPLICATE_HOST,
            Code::DUPLICATE_ADDRESS,
            Code::DUPLICATE_PUBLIC_ADDRESS,
            Code::DUPLICATE_NICKNAME,
            Code::NICKNAME_INVALID,
        ],
        warnings: false,
        info: false,
        rule: "bridges are distinct: own host, own address, own address for clients (`public_address`, else `address`: UDP 10000 of one address reaches one bridge); nicknames unique and MUC-safe. Hosts, addresses and nicknames are unique across bridges, jibris and jigasis alike",
        pain: "P5, P8: two bridges seen as one",
    },
    Rule {
        codes: &[
            Code::BRIDGE_ON_SIGNALING_HOST,
            Code::BRIDGE_ADDRESS_IS_SIGNALING,
        ],
        warnings: false,
        info: false,
        rule: "bridges run on their own hosts",
        pain: "",
    },
    Rule {
        codes: &[Code::SIGNALING_ADDRESS_LOCAL, Code::ADDRESS_NOT_ROUTABLE],
        warnings: false,
        info: false,
        rule: "prosody's address and bridge addresses are reachable from other hosts",
        pain: "P7",
    },
    Rule {
        codes: &[
            Code::PUBLIC_ADDRESS_NOT_PUBLIC,
            Code::PUBLIC_ADDRESS_FAMILY,
            Code::PUBLIC_ADDRESS_REDUNDANT,
        ],
        warnings: false,
        info: false,
        rule: "a NAT mapping names a public address of the same IP version",
        pain: "P8, P15",
    },
    Rule {
        codes: &[Code::PUBLIC_ADDRESS_RESERVED],
        warnings: false,
        info: false,
        rule: "a public address (a bridge's or TURN's) is globally reachable: not in a block IANA's IPv4/IPv6 special-purpose registries mark otherwise (benchmarking `198.18.0.0/15`, reserved `240.0.0.0/4`, `192.0.0.0/24`, `2001::/23`, …). The documentation ranges (`192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`, `3fff::/20`) are accepted without a warning: examples and tests must use them",
        pain: "P8, P15",
    },
    Rule {
        codes: &[Code::PRIVATE_WITHOUT_PUBLIC],
        warnings: true,
        info: false,
        rule: "a bridge (or TURN server) on a private or otherwise not globally reachable address without `public_address` fails its health check",
        pain: "P15",
    },
    Rule {
        codes: &[
            Code::ADDRESS_OUTSIDE_BRIDGE_NETWORKS,
            Code::BRIDGE_NETWORKS_EMPTY,
            Code::BRIDGE_NETWORK_EVERYTHING,
        ],
        warnings: false,
        info: false,
        rule: "every bridge, jibri and jigasi may reach prosody through the firewall (its address lies inside the `bridge_networks` of each shard it serves); `bridge_networks` (top-level and per shard) do not let every address in (`bridge-network-everything`, a warning: a `/0`, or networks whose union covers all of IPv4 or IPv6, such as `0.0.0.0/1` + `128.0.0.0/1`)",
        pain: "P7",
    },
    Rule {
        codes: &[
            Code::PATH_INVALID,
            Code::TLS_SAME_FILE,
            Code::EMAIL_INVALID,
            Code::JAAS_NEEDS_EMAIL,
            Code::TLS_SELF_SIGNED,
        ],
        warnings: false,
        info: false,
        rule: "TLS settings the installer can use",
        pain: "",
    },
    Rule {
        codes: &[
            Code::SECRET_DEFAULT,
            Code::SECRET_TOO_SHORT,
            Code::SECRET_INVALID,
            Code::ENV_MISSING,
            Code::ENV_NAME_INVALID,
            Code::SECRET_REUSED,
        ],
        warnings: false,
        info: false,
        rule: "secrets present, long, not a known default (`passw0rd`, …); no two secrets of the model (`focus`, `jvb`, `turn`) are one (`secret-reused`, a warning: the same value, inline or from the environment, or the same `{file}`, compared after dropping `//` and `/./`; the message names the two paths, never the value or the file)",
        pain: "P12, P13",
    },
    Rule {
        codes: &[Code::SECRET_SASLPREP],
        warnings: false,
        info: false,
        rule: "the focus and jvb account passwords (inline or `{env}`) pass SASLprep (RFC 4013) as prosody applies it: no character it prohibits (non-ASCII spaces and controls, private use, non-characters, bidirectional marks, tags, …), no mixed-direction text, no code point Unicode 3.2 did not assign, under 1024 bytes; the password is never shown. `{file}` secrets are never read here: prosody checks them when the `register-account` step runs. `tests/proptest_refusals.rs` holds this to prosody's own `util.encodings.stringprep.saslprep`, of 0.12 and of 13",
        pain: "a `register-account` step that fails on the host (prosody refuses the password), so jicofo or the bridges cannot log in",
    },
    Rule {
        codes: &[Code::LETSENCRYPT_WITH_SHARDS],
        warnings: false,
        info: false,
        rule: "Let's Encrypt's HTTP-01 request would reach any shard through the front door: use `own` certificates on the shards and in `front_door.certificate`",
        pain: "a certificate that is never issued",
    },
    Rule {
        codes: &[Code::TRUST_INSECURE],
        warnings: true,
        info: false,
        rule: "bridges verify prosody's certificate unless told not to",
        pain: "",
    },
    Rule {
        codes: &[Code::PATH_REPLACED_BY_INSTALLER],
        warnings: false,
        info: false,
        rule: "no file of the operator's (`trust.*`, `tls.certificate`, `tls.key`) at a path jitsi-meet-prosody's installer replaces with links to its own self-signed pair (`/etc/prosody/certs/DOMAIN.*`, `/etc/prosody/certs/auth.DOMAIN.*`, `/usr/local/share/ca-certificates/auth.DOMAIN.crt`)",
        pain: "bridges that trust only the operator's CA refusing prosody after the first install",
    },
    Rule {
        codes: &[Code::DEFAULT_DROP_WITHOUT_ADMIN],
        warnings: false,
        info: false,
        rule: "a default-drop firewall never locks operators out",
        pain: "",
    },
    Rule {
        codes: &[Code::MONITORING_NETWORK_EVERYTHING],
        warnings: true,
        info: false,
        rule: "`firewall.monitoring_networks` does not open the bridges' statistics to every address (`0.0.0.0/0`, `::/0`, or networks whose union covers all of IPv4 or IPv6)",
        pain: "",
    },
    Rule {
        codes: &[Code::ADMIN_NETWORK_EVERYTHING],
        warnings: true,
        info: false,
        rule: "`firewall.admin_networks` does not let every address reach every port of every host (`0.0.0.0/0`, `::/0`, or networks whose union covers all of IPv4 or IPv6, such as `0.0.0.0/1` + `128.0.0.0/1`)",
        pain: "",
    },
    Rule {
        codes: &[Code::FIREWALL_DISABLED],
        warnings: true,
        info: false,
        rule: "`firewall.enabled: false` leaves prosody's and jicofo's ports to whatever else filters; where a cloud security group does, acknowledge it",
        pain: "",
    },
    Rule {
        codes: &[Code::PUBLIC_ADDRESS_SHARED],
        warnings: true,
        info: false,
        rule: "a bridge's `public_address` is not another host's address (a signalling host's, the front door's, the TURN server's): that works only where the address forwards UDP 10000 to the bridge",
        pain: "P8",
    },
    Rule {
        codes: &[Code::ACKNOWLEDGEMENT_INVALID],
        warnings: false,
        info: false,
        rule: "each entry of `acknowledge` names a diagnostic code, a JSON Pointer `path` if any, and a reason",
        pain: "",
    },
    Rule {
        codes: &[Code::ACKNOWLEDGEMENT_UNUSED],
        warnings: true,
        info: false,
        rule: "each entry of `acknowledge` matches a warning the model draws (errors cannot be acknowledged); a stale one would hide the next warning of its code",
        pain: "",
    },
    Rule {
        codes: &[
            Code::JVM_MEMORY_INVALID,
            Code::JVM_MEMORY_TOO_SMALL,
            Code::JVM_MEMORY_TOO_LARGE,
        ],
        warnings: false,
        info: false,
        rule: "`jvm_max_memory` in the syntax the JVM's `-Xmx` reads (digits, or `0x` and hex digits, then at most one of `k`, `m`, `g`, `t` in either case; no size of 0 or of 2^64 bytes or more), at least 1 GiB and at most 1 TiB (the JVM reserves the whole heap's address space when it starts); `tests/proptest_refusals.rs` holds this to the installed `java -Xmx… -version`",
        pain: "a bridge that never starts: its JVM stops with \"Invalid maximum heap size\" or \"Could not reserve enough space for … object heap\"",
    },
    Rule {
        codes: &[
            Code::REGION_MISSING,
            Code::REGION_INVALID,
            Code::REGION_CASE,
            Code::LOCAL_REGION_WITHOUT_BRIDGES,
        ],
        warnings: false,
        info: false,
        rule: "with relays every bridge and jicofo have a region; spellings agree",
        pain: "P10",
    },
    Rule {
        codes: &[Code::PARTICIPANT_REGION_MISSING],
        warnings: true,
        info: false,
        rule: "with bridges in several regions, `participant_regions` says where a participant's region comes from (jicofo takes `local-region` for a participant without one)",
        pain: "every participant counts as local: the other regions' bridges serve only as overflow and relays never follow geography",
    },
    Rule {
        codes: &[
            Code::PARTICIPANT_REGION_HEADER_INVALID,
            Code::PARTICIPANT_REGION_NETWORKS_EMPTY,
        ],
        warnings: false,
        info: false,
        rule: "`participant_regions.header` is a header name (1 to 64 letters, digits and `-`) and `trusted_networks` names at least one network",
        pain: "",
    },
    Rule {
        codes: &[Code::PARTICIPANT_REGION_NETWORK_EVERYTHING],
        warnings: true,
        info: false,
        rule: "`participant_regions.trusted_networks` does not trust every address (`0.0.0.0/0`, `::/0`, or networks whose union covers all of IPv4 or IPv6)",
        pain: "any participant picks their own region by sending the header",
    },
    Rule {
        codes: &[
            Code::DUPLICATE_RELAY_ID,
            Code::RELAY_ID_INVALID,
            Code::RELAY_ID_UNUSED,
        ],
        warnings: false,
        info: false,
        rule: "relay ids unique and only where relays run",
        pain: "",
    },
    Rule {
        codes: &[
            Code::SIGNALING_MISSING,
            Code::SIGNALING_AND_SHARDS,
            Code::NO_SHARDS,
            Code::SHARD_NAME_INVALID,
            Code::DUPLICATE_SHARD,
        ],
        warnings: false,
        info: false,
        rule: "one form of signalling hosts; shard names unique",
        pain: "",
    },
    Rule {
        codes: &[
            Code::FRONT_DOOR_MISSING,
            Code::FRONT_DOOR_WITHOUT_SHARDS,
            Code::HOST_ROLES_CONFLICT,
        ],
        warnings: false,
        info: false,
        rule: "several shards need a front door; a host has one role (a jibri or jigasi has neither the host nor the address of a signalling host, the front door or the TURN server)",
        pain: "",
    },
    Rule {
        codes: &[
            Code::UNKNOWN_SHARD,
            Code::BRIDGE_WITHOUT_SHARDS,
            Code::SHARD_WITHOUT_BRIDGES,
        ],
        warnings: false,
        info: false,
        rule: "every bridge, jibri and jigasi serves existing shards, every shard has bridges",
        pain: "\"no bridge available\" on one shard",
    },
    Rule {
        codes: &[Code::TRUST_DISTRIBUTE_SHARDS],
        warnings: true,
        info: false,
        rule: "several shards should share one CA for `auth.DOMAIN`",
        pain: "",
    },
    Rule {
        codes: &[
            Code::TURN_SECRET_MISSING,
            Code::TURN_SECRET_UNUSED,
            Code::TURN_ADDRESS_MISMATCH,
        ],
        warnings: false,
        info: false,
        rule: "prosody and coturn share one secret; coturn on a signalling host uses its address",
        pain: "P14: TURN credentials that do not match",
    },
    Rule {
        codes: &[
            Code::AUTH_ACCOUNTS_MISSING,
            Code::AUTH_SECRET_UNUSED,
            Code::ACCOUNT_NAME_INVALID,
        ],
        warnings: false,
        info: false,
        rule: "`auth.mode: internal` has accounts (`secrets.accounts`), each named as an XMPP user (lower-case letters, digits, `.`, `_`, `-`; the name is never shown); `secrets.jwt`, `secrets.ldap` and `secrets.accounts` only with the mode that uses them",
        pain: "a secure domain nobody can log in to; a secret left from another mode",
    },
    Rule {
        codes: &[
            Code::JWT_APP_ID_INVALID,
            Code::JWT_KEY_MISSING,
            Code::JWT_KEY_SERVER_INVALID,
            Code::JWT_CLAIMS_EMPTY,
            Code::JWT_CLAIM_INVALID,
        ],
        warnings: false,
        info: false,
        rule: "`auth.mode: jwt` checks signatures with `secrets.jwt` (HS256) or an https:// `key_server` (RS256), exactly one; accepted issuers and audiences are listed, not empty and not `*`",
        pain: "token settings that disagree between prosody and the web app; a token of any issuer accepted",
    },
    Rule {
        codes: &[
            Code::LDAP_URL_INVALID,
            Code::LDAP_STARTTLS_LDAPS,
            Code::LDAP_DN_INVALID,
            Code::LDAP_PASSWORD_MISSING,
            Code::LDAP_FILTER_INVALID,
        ],
        warnings: false,
        info: false,
        rule: "`auth.mode: ldap`: an `ldap://` or `ldaps://` URL of one server, DNs, a `bind_dn` with its `secrets.ldap`, a filter in parentheses with `$user`",
        pain: "every login failing with a generic error in prosody's log",
    },
    Rule {
        codes: &[Code::LDAP_CLEARTEXT],
        warnings: true,
        info: false,
        rule: "users' passwords reach the LDAP server over TLS (`ldaps://` or `starttls`)",
        pain: "passwords in clear text on the network",
    },
    Rule {
        codes: &[Code::COTURN_LINE_TOO_LONG, Code::COTURN_READS_DIFFERENTLY],
        warnings: false,
        info: false,
        rule: "coturn reads back every value of its config as written: a line fits the 1023 bytes coturn reads at once (a TURN secret at most 1004 bytes, `turn.tls` paths at most 1018), since coturn reads the rest as a line, an option, of its own; the TURN secret does not start with a space, `=` or `\"` nor end in a space, which coturn strips (prosody would keep them)",
        pain: "P14: TURN credentials that do not match; an option smuggled into coturn's config",
    },
    Rule {
        codes: &[
            Code::COMPONENT_SECRET_MISSING,
            Code::COMPONENT_SECRET_UNUSED,
        ],
        warnings: false,
        info: false,
        rule: "with `jibris`, `secrets.jibri` (`jibri@auth.DOMAIN`, the brewery login) and `secrets.recorder` (`recorder@recorder.DOMAIN`, Chrome's hidden login) are given, with `jigasis` `secrets.jigasi` (`jigasi@auth.DOMAIN`, the brewery login); without them, none is",
        pain: "a jibri that cannot log in, so jicofo never sees it",
    },
    Rule {
        codes: &[Code::RECORDING_WITHOUT_JIBRI],
        warnings: false,
        info: false,
        rule: "config.js offers recording (`recording.file`) or live streaming (`recording.streaming`) only when a jibri serves every shard",
        pain: "a record button that always answers \"no recorder available\"",
    },
    Rule {
        codes: &[Code::JIBRI_WITHOUT_RECORDING],
        warnings: true,
        info: false,
        rule: "jibris while config.js offers neither recording nor live streaming are never asked for anything",
        pain: "an idle recording host",
    },
    Rule {
        codes: &[Code::TRANSCRIPTION_UNSUPPORTED],
        warnings: false,
        info: false,
        rule: "`recording.transcription` is refused with a hint: transcription needs jigasi with a speech-to-text backend, which this tool does not render yet",
        pain: "",
    },
    Rule {
        codes: &[Code::PUBLIC_STUN],
        warnings: false,
        info: true,
        rule: "without `turn`, browsers' peer-to-peer calls use upstream's public STUN server (`stun:meet-jit-si-turnrelay.jitsi.net:443`, as upstream's config.js does), so each browser contacts that third party; `public_stun: false` lists none",
        pain: "a third party the operator did not choose",
    },
    Rule {
        codes: &[Code::SIP_ACCOUNT_INVALID],
        warnings: false,
        info: false,
        rule: "a jigasi's SIP account is `user@domain` (printable, no spaces, one `@`), its `server` a host name or address, its `port` not 0",
        pain: "jigasi starting without registering, its only clue a stack trace in its log",
    },
    Rule {
        codes: &[Code::DIAL_IN_INVALID],
        warnings: false,
        info: false,
        rule: "`dial_in` (the numbers the web app shows) needs a jigasi, and its pages are `https://` URLs",
        pain: "a dial-in number shown that nobody answers",
    },
    Rule {
        codes: &[Code::JIGASI_NEEDS_ANONYMOUS],
        warnings: false,
        info: false,
        rule: "jigasis join conferences as anonymous participants on the domain, so only with `auth.mode: none`",
        pain: "every call dropped when jigasi's anonymous login is refused",
    },
];

/// The rule of `code`, when it is registered.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.codes.iter().any(|c| c.as_str() == code))
}

/// The README's validation table (Markdown), generated from [`RULES`].
pub fn readme_table() -> String {
    let mut out = String::from("| code | rule | operators' pain it prevents |\n|---|---|---|\n");
    for r in RULES {
        let codes: Vec<String> = r.codes.iter().map(|c| format!("`{c}`")).collect();
        let warning = match (r.warnings, r.info) {
            (true, _) => " (warning)",
            (_, true) => " (info)",
            _ => "",
        };
        let pain = if r.pain.is_empty() {
            String::new()
        } else {
            format!(" {}", r.pain)
        };
        out.push_str(&format!(
            "| {}{warning} | {} |{pain} |\n",
            codes.join(", "),
            r.rule
        ));
    }
    out
}
