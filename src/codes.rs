//! Every diagnostic code, with the rule it enforces and the operators' pain it prevents: the
//! one registry the README's validation table is generated from (`tests/diagnostic_codes.rs`
//! holds the README equal to [`readme_table`] and every code the crate emits registered here).
//! Codes are a contract: extend, never rename.

/// One row of the validation table: related codes and the rule they enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The codes, each a stable machine-readable name.
    pub codes: &'static [&'static str],
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
        codes: &["syntax", "invalid-type", "unknown-key"],
        warnings: false,
        info: false,
        rule: "YAML/JSON syntax (line and column, a key written twice), types, unknown keys with \"did you mean\"",
        pain: "P14: a misspelt key silently ignored",
    },
    Rule {
        codes: &["yaml-tag"],
        warnings: false,
        info: false,
        rule: "a YAML tag other than the core schema's (`!!binary`, `!!timestamp`, `!local`, `!<…>`) is refused at its path, never dropped silently (`!!binary` text would become the password, where Ansible's YAML decodes it); `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq` are read as YAML defines them",
        pain: "a password that differs between two tools",
    },
    Rule {
        codes: &["empty", "not-a-mapping", "too-large", "too-deep"],
        warnings: false,
        info: false,
        rule: "the model is a mapping of keys to values, at most 16 MiB and nested at most 64 levels deep (a bounded load, whatever the input)",
        pain: "",
    },
    Rule {
        codes: &["deprecated-key"],
        warnings: false,
        info: false,
        rule: "settings from docker-jitsi-meet or older releases (`ENABLE_COLIBRI_WEBSOCKET`, `JVB_ADVERTISE_IPS`, `tcp_harvester_port`, …) get what to write instead",
        pain: "P6, P8, P18",
    },
    Rule {
        codes: &["release-unsupported"],
        warnings: false,
        info: false,
        rule: "`release` is one the tool renders for (too old ones say so)",
        pain: "P16–P18: configs of another release",
    },
    Rule {
        codes: &["domain-invalid", "domain-placeholder"],
        warnings: false,
        info: false,
        rule: "a lower-case FQDN; not the templates' `jitmeet.example.com`",
        pain: "P16: unreplaced placeholders",
    },
    Rule {
        codes: &["hostname-invalid"],
        warnings: false,
        info: false,
        rule: "host names are lower-case DNS names (no `/`, `..`, spaces: they name output folders)",
        pain: "",
    },
    Rule {
        codes: &["hostname-reserved"],
        warnings: false,
        info: false,
        rule: "no host is named `manifest.json`, the output's own file beside the host folders",
        pain: "",
    },
    Rule {
        codes: &["no-bridges"],
        warnings: false,
        info: false,
        rule: "at least one bridge",
        pain: "\"no bridge available\"",
    },
    Rule {
        codes: &[
            "duplicate-host",
            "duplicate-address",
            "duplicate-public-address",
            "duplicate-nickname",
            "nickname-invalid",
        ],
        warnings: false,
        info: false,
        rule: "bridges are distinct: own host, own address, own address for clients (`public_address`, else `address`: UDP 10000 of one address reaches one bridge); nicknames unique and MUC-safe",
        pain: "P5, P8: two bridges seen as one",
    },
    Rule {
        codes: &["bridge-on-signaling-host", "bridge-address-is-signaling"],
        warnings: false,
        info: false,
        rule: "bridges run on their own hosts",
        pain: "",
    },
    Rule {
        codes: &["signaling-address-local", "address-not-routable"],
        warnings: false,
        info: false,
        rule: "prosody's address and bridge addresses are reachable from other hosts",
        pain: "P7",
    },
    Rule {
        codes: &[
            "public-address-not-public",
            "public-address-family",
            "public-address-redundant",
        ],
        warnings: false,
        info: false,
        rule: "a NAT mapping names a public address of the same IP version",
        pain: "P8, P15",
    },
    Rule {
        codes: &["public-address-reserved"],
        warnings: false,
        info: false,
        rule: "a public address (a bridge's or TURN's) is globally reachable: not in a block IANA's IPv4/IPv6 special-purpose registries mark otherwise (benchmarking `198.18.0.0/15`, reserved `240.0.0.0/4`, `192.0.0.0/24`, `2001::/23`, …). The documentation ranges (`192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`, `3fff::/20`) are accepted without a warning: examples and tests must use them",
        pain: "P8, P15",
    },
    Rule {
        codes: &["private-without-public"],
        warnings: true,
        info: false,
        rule: "a bridge (or TURN server) on a private or otherwise not globally reachable address without `public_address` fails its health check",
        pain: "P15",
    },
    Rule {
        codes: &[
            "address-outside-bridge-networks",
            "bridge-networks-empty",
            "bridge-network-everything",
        ],
        warnings: false,
        info: false,
        rule: "every bridge may reach prosody through the firewall; `bridge_networks` (top-level and per shard) do not let every address in (`bridge-network-everything`, a warning: a `/0`, or networks whose union covers all of IPv4 or IPv6, such as `0.0.0.0/1` + `128.0.0.0/1`)",
        pain: "P7",
    },
    Rule {
        codes: &[
            "path-invalid",
            "tls-same-file",
            "email-invalid",
            "jaas-needs-email",
            "tls-self-signed",
        ],
        warnings: false,
        info: false,
        rule: "TLS settings the installer can use",
        pain: "",
    },
    Rule {
        codes: &[
            "secret-default",
            "secret-too-short",
            "secret-invalid",
            "env-missing",
            "env-name-invalid",
            "secret-reused",
        ],
        warnings: false,
        info: false,
        rule: "secrets present, long, not a known default (`passw0rd`, …); no two secrets of the model (`focus`, `jvb`, `turn`) are one (`secret-reused`, a warning: the same value, inline or from the environment, or the same `{file}`, compared after dropping `//` and `/./`; the message names the two paths, never the value or the file)",
        pain: "P12, P13",
    },
    Rule {
        codes: &["secret-saslprep"],
        warnings: false,
        info: false,
        rule: "the focus and jvb account passwords (inline or `{env}`) pass SASLprep (RFC 4013) as prosody applies it: no character it prohibits (non-ASCII spaces and controls, private use, non-characters, bidirectional marks, tags, …), no mixed-direction text, no code point Unicode 3.2 did not assign, under 1024 bytes; the password is never shown. `{file}` secrets are never read here: prosody checks them when the `register-account` step runs. `tests/proptest_refusals.rs` holds this to prosody's own `util.encodings.stringprep.saslprep`, of 0.12 and of 13",
        pain: "a `register-account` step that fails on the host (prosody refuses the password), so jicofo or the bridges cannot log in",
    },
    Rule {
        codes: &["letsencrypt-with-shards"],
        warnings: false,
        info: false,
        rule: "Let's Encrypt's HTTP-01 request would reach any shard through the front door: use `own` certificates on the shards and in `front_door.certificate`",
        pain: "a certificate that is never issued",
    },
    Rule {
        codes: &["trust-insecure"],
        warnings: true,
        info: false,
        rule: "bridges verify prosody's certificate unless told not to",
        pain: "",
    },
    Rule {
        codes: &["path-replaced-by-installer"],
        warnings: false,
        info: false,
        rule: "no file of the operator's (`trust.*`, `tls.certificate`, `tls.key`) at a path jitsi-meet-prosody's installer replaces with links to its own self-signed pair (`/etc/prosody/certs/DOMAIN.*`, `/etc/prosody/certs/auth.DOMAIN.*`, `/usr/local/share/ca-certificates/auth.DOMAIN.crt`)",
        pain: "bridges that trust only the operator's CA refusing prosody after the first install",
    },
    Rule {
        codes: &["default-drop-without-admin"],
        warnings: false,
        info: false,
        rule: "a default-drop firewall never locks operators out",
        pain: "",
    },
    Rule {
        codes: &["monitoring-network-everything"],
        warnings: true,
        info: false,
        rule: "`firewall.monitoring_networks` does not open the bridges' statistics to every address (`0.0.0.0/0`, `::/0`, or networks whose union covers all of IPv4 or IPv6)",
        pain: "",
    },
    Rule {
        codes: &["admin-network-everything"],
        warnings: true,
        info: false,
        rule: "`firewall.admin_networks` does not let every address reach every port of every host (`0.0.0.0/0`, `::/0`, or networks whose union covers all of IPv4 or IPv6, such as `0.0.0.0/1` + `128.0.0.0/1`)",
        pain: "",
    },
    Rule {
        codes: &["firewall-disabled"],
        warnings: true,
        info: false,
        rule: "`firewall.enabled: false` leaves prosody's and jicofo's ports to whatever else filters; where a cloud security group does, acknowledge it",
        pain: "",
    },
    Rule {
        codes: &["public-address-shared"],
        warnings: true,
        info: false,
        rule: "a bridge's `public_address` is not another host's address (a signalling host's, the front door's, the TURN server's): that works only where the address forwards UDP 10000 to the bridge",
        pain: "P8",
    },
    Rule {
        codes: &["acknowledgement-invalid"],
        warnings: false,
        info: false,
        rule: "each entry of `acknowledge` names a diagnostic code, a JSON Pointer `path` if any, and a reason",
        pain: "",
    },
    Rule {
        codes: &["acknowledgement-unused"],
        warnings: true,
        info: false,
        rule: "each entry of `acknowledge` matches a warning the model draws (errors cannot be acknowledged); a stale one would hide the next warning of its code",
        pain: "",
    },
    Rule {
        codes: &[
            "jvm-memory-invalid",
            "jvm-memory-too-small",
            "jvm-memory-too-large",
        ],
        warnings: false,
        info: false,
        rule: "`jvm_max_memory` in the syntax the JVM's `-Xmx` reads (digits, or `0x` and hex digits, then at most one of `k`, `m`, `g`, `t` in either case; no size of 0 or of 2^64 bytes or more), at least 1 GiB and at most 1 TiB (the JVM reserves the whole heap's address space when it starts); `tests/proptest_refusals.rs` holds this to the installed `java -Xmx… -version`",
        pain: "a bridge that never starts: its JVM stops with \"Invalid maximum heap size\" or \"Could not reserve enough space for … object heap\"",
    },
    Rule {
        codes: &[
            "region-missing",
            "region-invalid",
            "region-case",
            "local-region-without-bridges",
        ],
        warnings: false,
        info: false,
        rule: "with relays every bridge and jicofo have a region; spellings agree",
        pain: "P10",
    },
    Rule {
        codes: &["duplicate-relay-id", "relay-id-invalid", "relay-id-unused"],
        warnings: false,
        info: false,
        rule: "relay ids unique and only where relays run",
        pain: "",
    },
    Rule {
        codes: &[
            "signaling-missing",
            "signaling-and-shards",
            "no-shards",
            "shard-name-invalid",
            "duplicate-shard",
        ],
        warnings: false,
        info: false,
        rule: "one form of signalling hosts; shard names unique",
        pain: "",
    },
    Rule {
        codes: &[
            "front-door-missing",
            "front-door-without-shards",
            "host-roles-conflict",
        ],
        warnings: false,
        info: false,
        rule: "several shards need a front door; a host has one role",
        pain: "",
    },
    Rule {
        codes: &[
            "unknown-shard",
            "bridge-without-shards",
            "shard-without-bridges",
        ],
        warnings: false,
        info: false,
        rule: "every bridge serves existing shards, every shard has bridges",
        pain: "\"no bridge available\" on one shard",
    },
    Rule {
        codes: &["trust-distribute-shards"],
        warnings: true,
        info: false,
        rule: "several shards should share one CA for `auth.DOMAIN`",
        pain: "",
    },
    Rule {
        codes: &[
            "turn-secret-missing",
            "turn-secret-unused",
            "turn-address-mismatch",
        ],
        warnings: false,
        info: false,
        rule: "prosody and coturn share one secret; coturn on a signalling host uses its address",
        pain: "P14: TURN credentials that do not match",
    },
    Rule {
        codes: &[
            "auth-accounts-missing",
            "auth-secret-unused",
            "account-name-invalid",
        ],
        warnings: false,
        info: false,
        rule: "`auth.mode: internal` has accounts (`secrets.accounts`), each named as an XMPP user (lower-case letters, digits, `.`, `_`, `-`; the name is never shown); `secrets.jwt`, `secrets.ldap` and `secrets.accounts` only with the mode that uses them",
        pain: "a secure domain nobody can log in to; a secret left from another mode",
    },
    Rule {
        codes: &[
            "jwt-app-id-invalid",
            "jwt-key-missing",
            "jwt-key-server-invalid",
            "jwt-claims-empty",
            "jwt-claim-invalid",
        ],
        warnings: false,
        info: false,
        rule: "`auth.mode: jwt` checks signatures with `secrets.jwt` (HS256) or an https:// `key_server` (RS256), exactly one; accepted issuers and audiences are listed, not empty and not `*`",
        pain: "token settings that disagree between prosody and the web app; a token of any issuer accepted",
    },
    Rule {
        codes: &[
            "ldap-url-invalid",
            "ldap-starttls-ldaps",
            "ldap-dn-invalid",
            "ldap-password-missing",
            "ldap-filter-invalid",
        ],
        warnings: false,
        info: false,
        rule: "`auth.mode: ldap`: an `ldap://` or `ldaps://` URL of one server, DNs, a `bind_dn` with its `secrets.ldap`, a filter in parentheses with `$user`",
        pain: "every login failing with a generic error in prosody's log",
    },
    Rule {
        codes: &["ldap-cleartext"],
        warnings: true,
        info: false,
        rule: "users' passwords reach the LDAP server over TLS (`ldaps://` or `starttls`)",
        pain: "passwords in clear text on the network",
    },
    Rule {
        codes: &["coturn-line-too-long", "coturn-reads-differently"],
        warnings: false,
        info: false,
        rule: "coturn reads back every value of its config as written: a line fits the 1023 bytes coturn reads at once (a TURN secret at most 1004 bytes, `turn.tls` paths at most 1018), since coturn reads the rest as a line, an option, of its own; the TURN secret does not start with a space, `=` or `\"` nor end in a space, which coturn strips (prosody would keep them)",
        pain: "P14: TURN credentials that do not match; an option smuggled into coturn's config",
    },
    Rule {
        codes: &["public-stun"],
        warnings: false,
        info: true,
        rule: "without `turn`, browsers' peer-to-peer calls use upstream's public STUN server (`stun:meet-jit-si-turnrelay.jitsi.net:443`, as upstream's config.js does), so each browser contacts that third party; `public_stun: false` lists none",
        pain: "a third party the operator did not choose",
    },
];

/// The rule of `code`, when it is registered.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.codes.contains(&code))
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
