//! Validation: every rule a model must satisfy, each problem reported at once.
//!
//! Field rules (a name is a valid host name, an address is public) and cross-field rules
//! (addresses unique, every bridge inside `bridge_networks`) are checked here and nowhere
//! else. Each rule has a stable code; `tests/snapshots` holds the report of every invalid
//! example in `tests/invalid/`.

use crate::codes::Code;
use std::collections::BTreeMap;
use std::net::IpAddr;

use validator::ValidateEmail;

use crate::diagnostic::{Diagnostic, pointer, printable};
use crate::escape::{self, COTURN_LINE_MAX, CoturnProblem};
use crate::identity::{nickname, relay_id, relays};
use crate::model::{SecretSource, SecretString, Tls, Topology, Trust};
use crate::net::{NotPublic, is_non_public, not_public};
use crate::secret::{ReadSecret, ReadSecrets, SecretEnv};

pub(crate) mod acknowledge;
mod auth;
mod components;
mod jigasi;
mod posture;

pub(crate) use components::component_hosts;

/// Passwords that shipped as defaults somewhere (docker-jitsi-meet's `.env`, tutorials) and
/// so are the first ones an attacker tries.
const KNOWN_DEFAULT_SECRETS: &[&str] = &[
    "passw0rd", "password", "changeme", "secret", "jitsi", "admin", "focus", "jvb", "12345678",
];

/// The shortest inline secret accepted.
pub const MIN_SECRET_LEN: usize = 16;

/// Checks a loaded model. `env` supplies `{env}` secrets (a missing one is an error).
pub fn validate(t: &Topology, env: &dyn SecretEnv) -> Vec<Diagnostic> {
    validate_and_read(t, env).0
}

/// What an operator should know about a valid model, though nothing is wrong with it
/// ([`Severity::Info`](crate::Severity::Info) diagnostics, never among its problems).
pub(crate) fn notes(t: &Topology) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if t.turn.is_none() && t.public_stun {
        out.push(Diagnostic::info(
            Code::PUBLIC_STUN,
            "/public_stun",
            format!(
                "without `turn`, browsers use upstream's public STUN server {} for peer-to-peer \
                 calls (as upstream's config.js does), so each browser contacts that third party",
                crate::release::UPSTREAM_STUN
            ),
            "set `public_stun: false` to list no STUN server (two participants behind NAT then \
             talk through a bridge), or add `turn` to run your own",
        ));
    }
    out
}

/// Checks a loaded model and returns, besides every problem, its secrets as read (`None`
/// when one could not be read, which is then among the errors).
pub(crate) fn validate_and_read(
    t: &Topology,
    env: &dyn SecretEnv,
) -> (Vec<Diagnostic>, Option<ReadSecrets>) {
    let mut out = Vec::new();
    release(t, &mut out);
    domain(&t.domain, &mut out);
    tls(t, &mut out);
    let read = secrets(t, env, &mut out);
    hosts(t, &mut out);
    bridges(t, &mut out);
    components::components(t, &mut out);
    posture::public_addresses(t, &mut out);
    shards(t, &mut out);
    turn(t, &mut out);
    regions(t, &mut out);
    networks(t, &mut out);
    trust(t, &mut out);
    firewall(t, &mut out);
    auth::auth(t, &mut out);
    jigasi::jigasis(t, &mut out);
    (out, read)
}

fn release(t: &Topology, out: &mut Vec<Diagnostic>) {
    if let Some(name) = &t.release
        && crate::release::find(name).is_none()
    {
        let oldest = crate::release::oldest();
        let oldest_number = crate::release::number(oldest.name).unwrap_or(0);
        let too_old = crate::release::number(name).is_some_and(|n| n < oldest_number);
        out.push(Diagnostic::error(
            Code::RELEASE_UNSUPPORTED,
            "/release",
            if too_old {
                format!(
                    "release `{}` is older than {}, the oldest this tool renders for",
                    printable(name),
                    oldest.name
                )
            } else {
                format!(
                    "release `{}` is not one this tool renders for",
                    printable(name)
                )
            },
            format!(
                "use one of {}, or leave `release` out for the newest",
                crate::release::names()
            ),
        ));
    }
}

fn label_ok(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// Why `name` is not a valid lower-case DNS host name, if it is not.
pub(crate) fn hostname_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("is empty");
    }
    if name.len() > 253 {
        return Some("is longer than 253 characters");
    }
    if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("contains whitespace or control characters");
    }
    if name.contains('/') || name.contains("..") || name.starts_with('.') || name.ends_with('.') {
        return Some("contains `/`, `..` or a leading or trailing dot");
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Some("contains upper-case letters (XMPP and TLS compare names in lower case)");
    }
    if !name.split('.').all(label_ok) {
        return Some("has a label that is not 1 to 63 of a-z, 0-9 and inner `-`");
    }
    None
}

fn domain(d: &str, out: &mut Vec<Diagnostic>) {
    let problem = hostname_problem(d).or_else(|| {
        let labels: Vec<&str> = d.split('.').collect();
        if labels.len() < 2 {
            Some("is a single label; a fully qualified domain name has at least two")
        } else if labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            Some("ends in a numeric label; an IP address cannot be the XMPP domain")
        } else if d.len() + "internal.auth.".len() > 253 {
            Some("is too long to prefix with `internal.auth.` (253 characters at most)")
        } else {
            None
        }
    });
    if let Some(p) = problem {
        out.push(Diagnostic::error(
            Code::DOMAIN_INVALID,
            "/domain",
            format!("domain `{}` {p}", printable(d)),
            "write the fully qualified lower-case name users type in the browser, e.g. meet.example.com",
        ));
    } else if d == "jitmeet.example.com" {
        out.push(Diagnostic::warning(
            Code::DOMAIN_PLACEHOLDER,
            "/domain",
            "`jitmeet.example.com` is the placeholder of Jitsi's own templates",
            "write your deployment's real domain",
        ));
    }
}

/// Why `p` cannot be a path in the rendered configs, if it cannot: it must be absolute and
/// made only of characters that need no quoting in nginx, Lua, HOCON, debconf and systemd.
fn path_problem(p: &str) -> Option<&'static str> {
    if !p.starts_with('/') {
        Some("is not absolute")
    } else if p.split('/').any(|seg| seg == "..") {
        Some("contains `..`")
    } else if !p
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+@".contains(&b))
    {
        Some("contains characters other than letters, digits and `/._-+@`")
    } else if p.len() > 4096 {
        Some("is longer than 4096 characters")
    } else if p.ends_with('/') || p.ends_with("/.") {
        Some("names a folder, not a file")
    } else {
        None
    }
}

fn check_path(path: &str, value: &str, what: &str, out: &mut Vec<Diagnostic>) {
    if let Some(problem) = path_problem(value) {
        out.push(Diagnostic::error(
            Code::PATH_INVALID,
            path,
            format!("{what} `{}` {problem}", printable(value)),
            "write an absolute path of letters, digits and `/._-+@`, e.g. /etc/ssl/meet.example.com.crt",
        ));
    }
}

fn tls(t: &Topology, out: &mut Vec<Diagnostic>) {
    match &t.tls {
        Tls::Own { certificate, key } => {
            check_path("/tls/certificate", certificate, "the certificate path", out);
            check_path("/tls/key", key, "the key path", out);
            not_replaced_by_installer(t, "/tls/certificate", certificate, out);
            not_replaced_by_installer(t, "/tls/key", key, out);
            if certificate == key {
                out.push(Diagnostic::error(
                    Code::TLS_SAME_FILE,
                    "/tls/key",
                    "the key and the certificate name the same file",
                    "point `key` at the private key and `certificate` at the certificate chain",
                ));
            }
        }
        Tls::Letsencrypt { email } => {
            if t.shards.is_some() {
                out.push(
                    Diagnostic::error(
                        Code::LETSENCRYPT_WITH_SHARDS,
                        "/tls/mode",
                        "with shards the front door hands Let's Encrypt's HTTP-01 request for the \
                     domain to any shard, so no shard's certbot can prove that it holds the \
                     domain",
                        "use `tls: { mode: own, certificate, key }` with a certificate for the \
                     domain on every shard (obtained once, e.g. with a DNS-01 challenge, and \
                     copied to each shard), and the same certificate with its key in \
                     `front_door.certificate`",
                    )
                    .also_at("/shards", "the shards"),
                );
            }
            if !email.validate_email() || email.chars().any(char::is_whitespace) {
                out.push(Diagnostic::error(
                    Code::EMAIL_INVALID,
                    "/tls/email",
                    format!("`{}` is not an email address", printable(email)),
                    "Let's Encrypt needs a contact address such as ops@example.com",
                ));
            }
        }
        Tls::SelfSigned => out.push(Diagnostic::warning(
            Code::TLS_SELF_SIGNED,
            "/tls/mode",
            "browsers will warn about the self-signed certificate, and mobile apps refuse it",
            "use `own` with your certificate, or `letsencrypt` with an email",
        )),
    }
    if t.jaas && !matches!(t.tls, Tls::Letsencrypt { .. }) {
        out.push(Diagnostic::error(
            Code::JAAS_NEEDS_EMAIL,
            "/jaas",
            "creating a JaaS account needs an email address, which only `tls.mode: letsencrypt` provides",
            "set `jaas: false`, or use `tls: { mode: letsencrypt, email: ... }`",
        ));
    }
}

fn secrets(t: &Topology, env: &dyn SecretEnv, out: &mut Vec<Diagnostic>) -> Option<ReadSecrets> {
    let mut values: BTreeMap<&str, (String, String)> = BTreeMap::new();
    let mut read: BTreeMap<&str, ReadSecret> = BTreeMap::new();
    let mut accounts: BTreeMap<String, ReadSecret> = BTreeMap::new();
    let mut sources = vec![("focus", &t.secrets.focus), ("jvb", &t.secrets.jvb)];
    sources.extend(t.secrets.turn.as_ref().map(|s| ("turn", s)));
    sources.extend(t.secrets.jwt.as_ref().map(|s| ("jwt", s)));
    sources.extend(t.secrets.ldap.as_ref().map(|s| ("ldap", s)));
    sources.extend(t.secrets.jibri.as_ref().map(|s| ("jibri", s)));
    sources.extend(t.secrets.recorder.as_ref().map(|s| ("recorder", s)));
    sources.extend(t.secrets.jigasi.as_ref().map(|s| ("jigasi", s)));
    let account_sources = t.secrets.accounts.iter().filter(|(user, _)| {
        // A name that is no user name is reported by `auth` (without its text: it may be a
        // pasted password); its password is not read.
        crate::accepted::localpart_problem(user).is_none()
    });
    // A jigasi's SIP password: its provider's, so neither SASLprepped nor shared.
    let sip_labels: Vec<String> = t
        .jigasis
        .iter()
        .map(|j| format!("jigasi `{}`'s SIP", printable(&j.host)))
        .collect();
    let sip_sources = t.jigasis.iter().enumerate().map(|(i, j)| {
        (
            "sip",
            format!("/jigasis/{i}/sip/password"),
            Some(&sip_labels[i]),
            &j.sip.password,
        )
    });
    let sources = sources
        .into_iter()
        .map(|(name, source)| (name, format!("/secrets/{name}"), None, source))
        .chain(account_sources.map(|(user, source)| {
            (
                "account",
                pointer(["secrets", "accounts", user]),
                Some(user),
                source,
            )
        }))
        .chain(sip_sources);
    let mut sip: Vec<ReadSecret> = Vec::new();
    for (name, base, user, source) in sources {
        let label = match user {
            Some(label) if name == "sip" => label.clone(),
            Some(user) => format!("account `{user}`'s"),
            None => name.to_owned(),
        };
        let value = match source {
            SecretSource::Value(v) => Some((v.expose().to_owned(), format!("{base}/value"))),
            SecretSource::Env(var) => {
                if var.is_empty()
                    || !var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    || var.as_bytes()[0].is_ascii_digit()
                {
                    // Neither this message nor the next names the variable: a password
                    // written under `env:` would be echoed.
                    out.push(Diagnostic::error(
                        Code::ENV_NAME_INVALID,
                        format!("{base}/env"),
                        format!("the {label} secret's `env` is not an environment variable name (not shown: it may be the secret)"),
                        "use letters, digits and `_`, not starting with a digit, e.g. JITSI_JVB_PASSWORD",
                    ));
                    None
                } else {
                    match env.var(var) {
                        Some(v) => Some((v, format!("{base}/env"))),
                        None => {
                            out.push(Diagnostic::error(
                                Code::ENV_MISSING,
                                format!("{base}/env"),
                                format!("the environment variable the {label} secret names is not set (its name is at {base}/env; not shown: it may be the secret)"),
                                "export it before rendering, or use `{file: /path}` to keep the secret on the hosts",
                            ));
                            None
                        }
                    }
                }
            }
            SecretSource::File(path) => {
                // Not quoted: a password written under `file:` would be echoed.
                if let Some(problem) = path_problem(path) {
                    out.push(Diagnostic::error(
                        Code::PATH_INVALID,
                        format!("{base}/file"),
                        format!("the {label} secret's file path {problem} (not shown: it may be the secret)"),
                        "write an absolute path of letters, digits and `/._-+@`, e.g. /etc/jitsi-topology/secrets/jvb",
                    ));
                }
                read.insert(name, ReadSecret::File(path.clone()));
                None
            }
        };
        if let Some((v, _)) = &value {
            read.insert(name, ReadSecret::Value(SecretString::new(v.clone())));
        }
        if name == "sip" {
            // in model order, one per jigasi (a missing one is among the errors)
            sip.extend(read.remove("sip"));
        } else if let Some(user) = user {
            // the loop's `read` holds the last account's; each is kept apart here
            if let Some(r) = read.remove("account") {
                accounts.insert(user.clone(), r);
            }
        }
        if let Some((v, path)) = value {
            // Messages below never include the value.
            if v.chars().any(char::is_control) {
                out.push(Diagnostic::error(
                    Code::SECRET_INVALID,
                    path.clone(),
                    format!(
                        "the {label} secret contains a line break or another control character"
                    ),
                    if name == "sip" {
                        "use printable characters only; a SIP password kept in a file is its first line"
                    } else {
                        "use printable characters only; prosody reads passwords one line at a time"
                    },
                ));
            }
            account_password(
                if user.is_some() && name != "sip" {
                    "account"
                } else {
                    name
                },
                &label,
                &v,
                &path,
                out,
            );
            if name == "turn" {
                coturn_secret(&v, &path, out);
            }
            if KNOWN_DEFAULT_SECRETS
                .iter()
                .any(|d| v.eq_ignore_ascii_case(d))
            {
                out.push(Diagnostic::error(
                    Code::SECRET_DEFAULT,
                    path.clone(),
                    format!("the {label} secret is a well-known default password"),
                    "generate one: `jitsi-topology secrets init DIR`, or `openssl rand -hex 24`",
                ));
            } else if v.chars().count() < MIN_SECRET_LEN {
                out.push(Diagnostic::error(
                    Code::SECRET_TOO_SHORT,
                    path.clone(),
                    format!("the {label} secret is shorter than {MIN_SECRET_LEN} characters"),
                    "generate a longer one, e.g. `openssl rand -hex 24`",
                ));
            }
            if user.is_none() {
                values.insert(name, (v, path));
            }
        }
    }
    posture::shared_secrets(t, &values, out);
    if accounts.len() != t.secrets.accounts.len() || sip.len() != t.jigasis.len() {
        return None;
    }
    Some(ReadSecrets {
        focus: read.remove("focus")?,
        jvb: read.remove("jvb")?,
        turn: match t.secrets.turn {
            Some(_) => Some(read.remove("turn")?),
            None => None,
        },
        jwt: match t.secrets.jwt {
            Some(_) => Some(read.remove("jwt")?),
            None => None,
        },
        ldap: match t.secrets.ldap {
            Some(_) => Some(read.remove("ldap")?),
            None => None,
        },
        jibri: match t.secrets.jibri {
            Some(_) => Some(read.remove("jibri")?),
            None => None,
        },
        recorder: match t.secrets.recorder {
            Some(_) => Some(read.remove("recorder")?),
            None => None,
        },
        jigasi: match t.secrets.jigasi {
            Some(_) => Some(read.remove("jigasi")?),
            None => None,
        },
        accounts,
        sip,
    })
}

/// The secrets that are passwords of the accounts prosody stores (every account the bundle
/// registers: jicofo's and the bridges'; a unit test below holds the two lists equal). The
/// TURN secret is a key coturn and prosody share, never SASLprepped.
const ACCOUNT_SECRETS: &[&str] = &["focus", "jibri", "jigasi", "jvb", "recorder"];

/// An account password prosody would refuse: it applies SASLprep before it stores one, so the
/// `register-account` step would fail on the host. Never shows the password or a character of
/// it. A control character is reported once, as `secret-invalid`.
fn account_password(name: &str, label: &str, value: &str, path: &str, out: &mut Vec<Diagnostic>) {
    if !(ACCOUNT_SECRETS.contains(&name) || name == "account")
        || value.chars().any(char::is_control)
    {
        return;
    }
    if let Some(problem) = crate::accepted::password_problem(value) {
        out.push(Diagnostic::error(
            Code::SECRET_SASLPREP,
            path,
            format!(
                "the {} password (not shown) {}; prosody would refuse it and the account could not be registered",
                if name == "account" { label.to_owned() } else { format!("{name} account's") },
                problem.describe()
            ),
            "use letters, digits and ASCII punctuation, e.g. from `jitsi-topology secrets init DIR` or `openssl rand -hex 24`",
        ));
    }
}

/// A bridge's heap needs 1 GiB to start.
const BRIDGE_MIN_HEAP_BYTES: u64 = 1 << 30;

/// A heap size (`-Xmx`) the JVM reads, and that is large enough and not absurd.
fn heap_size(path: String, value: &str, out: &mut Vec<Diagnostic>) {
    use crate::accepted::HeapProblem;
    let Some(problem) = crate::accepted::heap_problem(value, BRIDGE_MIN_HEAP_BYTES) else {
        return;
    };
    out.push(match problem {
        HeapProblem::Syntax => Diagnostic::error(
            Code::JVM_MEMORY_INVALID,
            path,
            format!("`{}` is not a heap size the JVM reads (its `-Xmx` would stop the bridge with \"Invalid maximum heap size\")", printable(value)),
            "write a whole number followed by k, m, g or t (either case), e.g. 8g or 6144m",
        ),
        HeapProblem::TooSmall => Diagnostic::error(
            Code::JVM_MEMORY_TOO_SMALL,
            path,
            format!("{} is less than the 1 GiB a bridge needs to start", printable(value)),
            "give the bridge at least 1g; the package default is 3g and a loaded bridge wants 8g",
        ),
        HeapProblem::TooLarge => Diagnostic::error(
            Code::JVM_MEMORY_TOO_LARGE,
            path,
            format!("{} is more than 1 TiB: the JVM reserves the whole heap's address space when it starts and fails on hosts whose address space is smaller", printable(value)),
            "give the bridge at most 1t; a loaded bridge wants 8g",
        ),
    });
}

fn hosts(t: &Topology, out: &mut Vec<Diagnostic>) {
    let mut check = |path: String, name: &str| {
        if let Some(p) = hostname_problem(name) {
            out.push(Diagnostic::error(
                Code::HOSTNAME_INVALID,
                path,
                format!("host name `{}` {p}", printable(name)),
                "use the host's lower-case DNS or inventory name, e.g. jvb1.example.com; it also names the host's output folder",
            ));
        } else {
            reserved(path, name, out);
        }
    };
    for shard in crate::shards::views(t) {
        check(shard.signaling_path("host"), &shard.signaling.host);
    }
    if let Some(door) = &t.front_door {
        check("/front_door/host".into(), &door.host);
    }
    for (i, b) in t.bridges.iter().enumerate() {
        check(pointer(["bridges", &i.to_string(), "host"]), &b.host);
    }
}

/// A host name that is a valid DNS name but also one of the output folder's own names (its
/// folder would collide with the manifest file beside it).
fn reserved(path: String, name: &str, out: &mut Vec<Diagnostic>) {
    if name == crate::bundle::MANIFEST_FILE {
        out.push(Diagnostic::error(
            Code::HOSTNAME_RESERVED,
            path,
            format!("host name `{name}` is the name of the output's own manifest file"),
            "use the host's DNS or inventory name; every host names a folder beside manifest.json in the output",
        ));
    }
}

/// The TURN server: it needs the shared secret, a name, a public address, and a host of its
/// own or a signalling host.
fn turn(t: &Topology, out: &mut Vec<Diagnostic>) {
    let Some(turn) = &t.turn else {
        if t.secrets.turn.is_some() {
            out.push(Diagnostic::warning(
                Code::TURN_SECRET_UNUSED,
                "/secrets/turn",
                "`secrets.turn` is set but there is no `turn` server",
                "add `turn: { host, address, domain }`, or remove the secret",
            ));
        }
        return;
    };
    if t.secrets.turn.is_none() {
        out.push(Diagnostic::error(
            Code::TURN_SECRET_MISSING,
            "/secrets/turn",
            "a TURN server needs the secret prosody and coturn share",
            "add `secrets.turn`, e.g. `{file: /etc/jitsi-topology/secrets/turn}`",
        ));
    }
    if let Some(p) = hostname_problem(&turn.host) {
        out.push(Diagnostic::error(
            Code::HOSTNAME_INVALID,
            "/turn/host",
            format!("host name `{}` {p}", printable(&turn.host)),
            "use the host's lower-case DNS or inventory name; it also names the host's output folder",
        ));
    } else {
        reserved("/turn/host".into(), &turn.host, out);
    }
    if let Some(p) = hostname_problem(&turn.domain)
        .or_else(|| (!turn.domain.contains('.')).then_some("is a single label"))
    {
        out.push(Diagnostic::error(
            Code::DOMAIN_INVALID,
            "/turn/domain",
            format!("`{}` {p}", printable(&turn.domain)),
            "write the DNS name clients reach the TURN server at, e.g. turn.meet.example.com",
        ));
    }
    let bridge = t.bridges.iter().position(|b| b.host == turn.host);
    let is_door = t.front_door.as_ref().is_some_and(|d| d.host == turn.host);
    if bridge.is_some() || is_door {
        let (what, other) = match bridge {
            Some(i) => ("bridge", pointer(["bridges", &i.to_string(), "host"])),
            None => ("front door", "/front_door/host".to_owned()),
        };
        out.push(
            Diagnostic::error(
                Code::HOST_ROLES_CONFLICT,
                "/turn/host",
                format!("host `{}` is already a {what}", printable(&turn.host)),
                "run coturn on a host of its own or on a signalling host",
            )
            .also_at(other, &format!("the {what}")),
        );
    }
    if let Some(sig) = crate::shards::views(t)
        .iter()
        .find(|v| v.signaling.host == turn.host)
        && sig.signaling.address != turn.address
    {
        out.push(
            Diagnostic::error(
                Code::TURN_ADDRESS_MISMATCH,
                "/turn/address",
                format!(
                    "coturn runs on {} but the address differs from that host's {}",
                    turn.host, sig.signaling.address
                ),
                "give the signalling host's address, or another host for coturn",
            )
            .also_at(
                sig.signaling_path("address"),
                "the signalling host's address",
            ),
        );
    }
    if turn.address.is_loopback() || turn.address.is_unspecified() {
        out.push(Diagnostic::error(
            Code::ADDRESS_NOT_ROUTABLE,
            "/turn/address",
            format!("clients cannot reach TURN at {}", turn.address),
            "use the address coturn listens on",
        ));
    }
    match turn.public_address {
        Some(p) if is_non_public(p) => out.push(not_public_error(
            p,
            "/turn/public_address".into(),
            "write the public address that forwards to coturn, or leave `public_address` out",
        )),
        None if is_non_public(turn.address) => out.push(Diagnostic::warning(
            Code::PRIVATE_WITHOUT_PUBLIC,
            "/turn/address",
            format!(
                "TURN address {} is {} and has no `public_address`",
                turn.address,
                private_or_reserved(turn.address)
            ),
            "set `public_address`: clients outside your network must reach the relay",
        )),
        _ => {}
    }
    if let Some(tls) = &turn.tls {
        check_path(
            "/turn/tls/certificate",
            &tls.certificate,
            "the certificate path",
            out,
        );
        check_path("/turn/tls/key", &tls.key, "the key path", out);
        for (path, key, value, what) in [
            (
                "/turn/tls/certificate",
                "cert",
                &tls.certificate,
                "certificate",
            ),
            ("/turn/tls/key", "pkey", &tls.key, "key"),
        ] {
            if path_problem(value).is_none()
                && escape::coturn_problem(key, value) == Some(CoturnProblem::TooLong)
            {
                out.push(Diagnostic::error(
                    Code::COTURN_LINE_TOO_LONG,
                    path,
                    format!(
                        "the {what} path is longer than the {} bytes that fit coturn's \
                         {COTURN_LINE_MAX}-byte line with `{key}=`: coturn would read the \
                         rest as an option of its own",
                        COTURN_LINE_MAX - key.len() - 1
                    ),
                    "use a shorter path, e.g. /etc/coturn/certs/turn.crt and turn.key",
                ));
            }
        }
    }
}

/// The TURN secret as coturn reads it from `static-auth-secret=` (see
/// [`escape::coturn_problem`]): a secret coturn would cut or read differently than prosody
/// makes every TURN login fail, and its end could be read as an option of its own. Messages
/// never include the secret. Control characters are reported as `secret-invalid`.
fn coturn_secret(secret: &str, path: &str, out: &mut Vec<Diagnostic>) {
    const KEY: &str = "static-auth-secret";
    if secret.chars().any(char::is_control) {
        return;
    }
    match escape::coturn_problem(KEY, secret) {
        None => {}
        Some(CoturnProblem::TooLong) => out.push(Diagnostic::error(
            Code::COTURN_LINE_TOO_LONG,
            path,
            format!(
                "the turn secret is longer than the {} bytes that fit coturn's \
                 {COTURN_LINE_MAX}-byte line with `{KEY}=`: coturn would read the rest as an \
                 option of its own (the secret is not shown)",
                COTURN_LINE_MAX - KEY.len() - 1
            ),
            "use a shorter secret, e.g. `openssl rand -hex 24`",
        )),
        Some(CoturnProblem::ReadsDifferently(why)) => out.push(Diagnostic::error(
            Code::COTURN_READS_DIFFERENTLY,
            path,
            format!(
                "the turn secret {why}: coturn would use another secret than prosody, and \
                 every TURN login would fail (the secret is not shown)"
            ),
            "write the secret without surrounding spaces, a leading `=` or quotes, e.g. \
             `openssl rand -hex 24`",
        )),
    }
}

/// The shard forms: `signaling` or `shards` (with a front door), names, roles, who serves whom.
fn shards(t: &Topology, out: &mut Vec<Diagnostic>) {
    match (&t.signaling, &t.shards) {
        (None, None) => out.push(Diagnostic::error(
            Code::SIGNALING_MISSING,
            "/signaling",
            "the topology has no signalling host",
            "add `signaling: { host, address }`, or `shards` for several signalling hosts",
        )),
        (Some(_), Some(_)) => out.push(Diagnostic::error(
            Code::SIGNALING_AND_SHARDS,
            "/shards",
            "`signaling` and `shards` are two ways to give the signalling hosts; use one",
            "move the top-level `signaling` into `shards` as one more shard, or remove `shards`",
        )),
        (None, Some(s)) if s.is_empty() => out.push(Diagnostic::error(
            Code::NO_SHARDS,
            "/shards",
            "`shards` is empty",
            "list at least one shard, or use `signaling` for a single signalling host",
        )),
        _ => {}
    }
    let views = crate::shards::views(t);
    // Every host has exactly one role.
    let mut roles: BTreeMap<&str, String> = BTreeMap::new();
    let mut addresses: BTreeMap<IpAddr, String> = BTreeMap::new();
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for v in &views {
        let sig = v.signaling;
        if let Some(i) = v.index {
            let at = pointer(["shards", &i.to_string(), "name"]);
            if v.name.is_empty()
                || v.name.len() > 32
                || !v
                    .name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-')
            {
                out.push(Diagnostic::error(
                    Code::SHARD_NAME_INVALID,
                    at.clone(),
                    format!("`{}` cannot be a shard name", printable(v.name)),
                    "use 1 to 32 letters, digits and `-`, e.g. shard-a",
                ));
            }
            if let Some(first) = names.insert(v.name, i) {
                names.insert(v.name, first);
                out.push(
                    Diagnostic::error(
                        Code::DUPLICATE_SHARD,
                        at,
                        format!(
                            "shard name `{}` is already used by shards/{first}",
                            printable(v.name)
                        ),
                        "give every shard its own name",
                    )
                    .also_at(
                        pointer(["shards", &first.to_string(), "name"]),
                        "first used here",
                    ),
                );
            }
        }
        if let Some(other) = roles.insert(&sig.host, v.signaling_path("host")) {
            out.push(
                Diagnostic::error(
                    Code::DUPLICATE_HOST,
                    v.signaling_path("host"),
                    format!(
                        "host `{}` is already the signalling host at {other}",
                        printable(&sig.host)
                    ),
                    "every shard needs its own signalling host",
                )
                .also_at(other, "first used here"),
            );
        }
        if let Some(other) = addresses.insert(sig.address, v.signaling_path("address")) {
            out.push(
                Diagnostic::error(
                    Code::DUPLICATE_ADDRESS,
                    v.signaling_path("address"),
                    format!("address {} is already used at {other}", sig.address),
                    "every shard needs its own signalling host",
                )
                .also_at(other, "first used here"),
            );
        }
        if sig.address.is_loopback() || sig.address.is_unspecified() {
            out.push(Diagnostic::error(
                Code::SIGNALING_ADDRESS_LOCAL,
                v.signaling_path("address"),
                format!(
                    "bridges on other hosts cannot reach prosody at {}",
                    sig.address
                ),
                "use the signalling host's address on the network the bridges share with it",
            ));
        }
        let serving = t
            .bridges
            .iter()
            .filter(|b| crate::shards::serves(t, b, v.name))
            .count();
        if serving == 0 && !t.bridges.is_empty() {
            out.push(Diagnostic::error(
                Code::SHARD_WITHOUT_BRIDGES,
                v.signaling_path("host"),
                format!("no bridge serves shard `{}`, so its jicofo would answer \"no bridge available\"", printable(v.name)),
                "add the shard to some bridge's `shards`, or leave `shards` out on a bridge to serve every shard",
            ));
        }
    }
    match (&t.front_door, views.len()) {
        (None, n) if n > 1 => out.push(Diagnostic::error(
            Code::FRONT_DOOR_MISSING,
            "/front_door",
            "with several shards, a front door must keep every participant of a room on one shard",
            "add `front_door: { host, address, certificate }`",
        )),
        (Some(door), _) => {
            if t.shards.is_none() {
                out.push(
                    Diagnostic::error(
                        Code::FRONT_DOOR_WITHOUT_SHARDS,
                        "/front_door",
                        "a front door routes rooms between shards, and this topology has a single signalling host",
                        "remove `front_door`, or describe the signalling hosts as `shards`",
                    )
                    .also_at("/signaling", "the single signalling host"),
                );
            }
            if let Some(other) = roles.get(door.host.as_str()) {
                out.push(
                    Diagnostic::error(
                        Code::HOST_ROLES_CONFLICT,
                        "/front_door/host",
                        format!(
                            "host `{}` is already the signalling host at {other}",
                            printable(&door.host)
                        ),
                        "run the front door on a host of its own",
                    )
                    .also_at(other.clone(), "the signalling host"),
                );
            }
            check_path(
                "/front_door/certificate",
                &door.certificate,
                "the certificate path",
                out,
            );
        }
        _ => {}
    }
    for (i, b) in t.bridges.iter().enumerate() {
        let at = pointer(["bridges", &i.to_string(), "shards"]);
        if let Some(list) = &b.shards {
            if t.shards.is_none() {
                out.push(Diagnostic::error(
                    Code::UNKNOWN_SHARD,
                    at.clone(),
                    "this topology has no `shards` for the bridge to choose from",
                    "remove the bridge's `shards`",
                ));
                continue;
            }
            if list.is_empty() {
                out.push(Diagnostic::error(
                    Code::BRIDGE_WITHOUT_SHARDS,
                    at.clone(),
                    "the bridge serves no shard",
                    "list the shards it serves, or leave `shards` out to serve every shard",
                ));
            }
            for (j, name) in list.iter().enumerate() {
                if !views.iter().any(|v| v.name == name) {
                    out.push(
                        Diagnostic::error(
                            Code::UNKNOWN_SHARD,
                            pointer(["bridges", &i.to_string(), "shards", &j.to_string()]),
                            format!("there is no shard named `{}`", printable(name)),
                            format!(
                                "use one of: {}",
                                views
                                    .iter()
                                    .map(|v| format!("`{}`", printable(v.name)))
                                    .collect::<std::collections::BTreeSet<_>>()
                                    .into_iter()
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                        .also_at("/shards", "the shards"),
                    );
                }
            }
        }
        let other_role = roles
            .get(b.host.as_str())
            .map(|at| {
                (
                    format!("the signalling host at {at}"),
                    at.clone(),
                    "the signalling host",
                )
            })
            .or_else(|| {
                t.front_door.as_ref().filter(|d| d.host == b.host).map(|_| {
                    (
                        "the front door".to_owned(),
                        "/front_door/host".to_owned(),
                        "the front door",
                    )
                })
            });
        if let Some((role, other, label)) = other_role {
            out.push(Diagnostic::error(
                Code::BRIDGE_ON_SIGNALING_HOST,
                pointer(["bridges", &i.to_string(), "host"]),
                format!("bridge host `{}` is {role}", printable(&b.host)),
                "this tool renders the scalable setup, where bridges run on their own hosts; use another host",
            ).also_at(other, label));
        }
        if let Some(other) = addresses.get(&b.address) {
            out.push(
                Diagnostic::error(
                    Code::BRIDGE_ADDRESS_IS_SIGNALING,
                    pointer(["bridges", &i.to_string(), "address"]),
                    format!("address {} is a signalling host's", b.address),
                    "give the bridge its own host and address",
                )
                .also_at(other.clone(), "the signalling host's address"),
            );
        }
    }
    if views.len() > 1 && matches!(t.trust, Trust::Distribute) {
        out.push(Diagnostic::warning(
            Code::TRUST_DISTRIBUTE_SHARDS,
            "/trust/mode",
            "each shard's prosody makes its own self-signed certificate for the same auth domain, which bridges serving several shards must all trust",
            "use `trust: { mode: ca, ... }` with one CA for every shard",
        ).also_at("/shards", "the shards"));
    }
}

/// The error for a `public_address` that clients on the internet cannot reach
/// ([`crate::net::is_public`]): `public-address-not-public` for an address of a network of
/// its own (private, loopback, link-local, ...), `public-address-reserved` for another block
/// that IANA's special-purpose registries mark as not globally reachable.
fn not_public_error(ip: IpAddr, path: String, hint: &str) -> Diagnostic {
    match not_public(ip) {
        Some(NotPublic::Reserved(block)) => Diagnostic::error(
            Code::PUBLIC_ADDRESS_RESERVED,
            path,
            format!(
                "{ip} is in {} ({}, {}), which IANA's special-purpose address registry marks as not globally reachable: clients on the internet cannot reach it",
                block.name, block.network, block.rfc
            ),
            hint,
        ),
        _ => Diagnostic::error(
            Code::PUBLIC_ADDRESS_NOT_PUBLIC,
            path,
            format!(
                "{ip} is a private, loopback or link-local address, which clients on the internet cannot reach"
            ),
            hint,
        ),
    }
}

/// How a warning calls an address that is not public: "private", or the reserved block.
fn private_or_reserved(ip: IpAddr) -> String {
    match not_public(ip) {
        Some(NotPublic::Reserved(block)) => {
            format!("not globally reachable ({}, {})", block.name, block.network)
        }
        _ => "private".to_owned(),
    }
}

fn bridges(t: &Topology, out: &mut Vec<Diagnostic>) {
    if t.bridges.is_empty() {
        out.push(Diagnostic::error(
            Code::NO_BRIDGES,
            "/bridges",
            "the topology has no bridge, so jicofo will answer every conference with \"no bridge available\"",
            "add at least one entry under `bridges`",
        ));
    }
    let mut seen_host: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen_addr: BTreeMap<IpAddr, usize> = BTreeMap::new();
    let mut seen_nick: BTreeMap<&str, (usize, String)> = BTreeMap::new();
    for (i, b) in t.bridges.iter().enumerate() {
        let at = |field: &str| pointer(["bridges", &i.to_string(), field]);
        if let Some(first) = seen_host.insert(&b.host, i) {
            seen_host.insert(&b.host, first);
            out.push(Diagnostic::error(
                Code::DUPLICATE_HOST,
                at("host"),
                format!("bridge host `{}` is already used by bridges/{first}", printable(&b.host)),
                "give every bridge its own host; to run two bridges on one machine, use two inventory names",
            ).also_at(pointer(["bridges", &first.to_string(), "host"]), "first used here"));
        }
        if let Some(first) = seen_addr.insert(b.address, i) {
            seen_addr.insert(b.address, first);
            out.push(
                Diagnostic::error(
                    Code::DUPLICATE_ADDRESS,
                    at("address"),
                    format!("address {} is already used by bridges/{first}", b.address),
                    "give every bridge its own address",
                )
                .also_at(
                    pointer(["bridges", &first.to_string(), "address"]),
                    "first used here",
                ),
            );
        }
        if b.address.is_loopback() || b.address.is_unspecified() || b.address.is_multicast() {
            out.push(Diagnostic::error(
                Code::ADDRESS_NOT_ROUTABLE,
                at("address"),
                format!("{} cannot be a bridge's address", b.address),
                "use the address the bridge has on the network it shares with the signalling host",
            ));
        }
        match b.public_address {
            Some(public) => {
                if is_non_public(public) {
                    out.push(not_public_error(
                        public,
                        at("public_address"),
                        "write the public address that forwards UDP 10000 to this bridge, or leave `public_address` out",
                    ));
                } else if public.is_ipv4() != b.address.is_ipv4() {
                    out.push(Diagnostic::error(
                        Code::PUBLIC_ADDRESS_FAMILY,
                        at("public_address"),
                        format!("{public} and the bridge address {} are of different IP versions", b.address),
                        "a NAT mapping translates within one IP version; give an address of the same version",
                    ).also_at(at("address"), "the bridge's address"));
                } else if public == b.address {
                    out.push(Diagnostic::warning(
                        Code::PUBLIC_ADDRESS_REDUNDANT,
                        at("public_address"),
                        "the public address is the bridge's own address; no NAT mapping is needed",
                        "leave `public_address` out",
                    ));
                }
            }
            None if is_non_public(b.address) => out.push(Diagnostic::warning(
                Code::PRIVATE_WITHOUT_PUBLIC,
                at("address"),
                format!(
                    "bridge address {} is {} and the bridge has no `public_address`",
                    b.address,
                    private_or_reserved(b.address)
                ),
                "set `public_address` to the address that forwards UDP 10000 here: without a public candidate clients outside cannot reach the bridge and its health check fails",
            )),
            None => {}
        }
        let nick_path = if b.nickname.is_some() {
            at("nickname")
        } else {
            at("host")
        };
        let nick = nickname(b);
        // A nickname derived from an invalid host name was reported with the host already.
        let derived_from_bad_host = b.nickname.is_none() && hostname_problem(&b.host).is_some();
        if !derived_from_bad_host
            && (nick.is_empty()
                || nick.len() > 64
                || !nick
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c)))
        {
            out.push(Diagnostic::error(
                Code::NICKNAME_INVALID,
                nick_path.clone(),
                format!("`{}` cannot be a brewery nickname", printable(nick)),
                if b.nickname.is_some() {
                    "use 1 to 64 letters, digits and `._-`"
                } else {
                    "the host name is the default nickname; set `nickname` to 1 to 64 letters, digits and `._-`"
                },
            ));
        }
        if let Some((first, first_path)) = seen_nick.get(nick) {
            out.push(
                Diagnostic::error(
                    Code::DUPLICATE_NICKNAME,
                    nick_path,
                    format!(
                        "nickname `{}` is already used by bridges/{first}; jicofo would see one bridge",
                        printable(nick)
                    ),
                    "give every bridge its own `nickname`",
                )
                .also_at(first_path.clone(), "first used here"),
            );
        } else {
            seen_nick.insert(nick, (i, nick_path));
        }
        if let Some(region) = &b.region
            && (region.is_empty()
                || region.len() > 64
                || !region
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c)))
        {
            out.push(Diagnostic::error(
                Code::REGION_INVALID,
                at("region"),
                format!("`{}` cannot be a region name", printable(region)),
                "use 1 to 64 letters, digits and `._-`, e.g. eu-central",
            ));
        }
        if let Some(mem) = &b.jvm_max_memory {
            heap_size(at("jvm_max_memory"), mem, out);
        }
    }
}

fn name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c))
}

/// `participant_regions`: a header name nginx, HAProxy and prosody all read alike, networks to
/// trust, and a source at all when bridges are in several regions (issue 21).
fn participant_regions(
    t: &Topology,
    regions: &BTreeMap<&str, usize>,
    names: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(p) = &t.participant_regions else {
        // The first bridge of the second region (by name), and of the first: where the several
        // regions show.
        if let Some((_, &i)) = regions.iter().nth(1) {
            let first = regions.values().next().copied().unwrap_or(0);
            out.push(
                Diagnostic::warning(
                    Code::PARTICIPANT_REGION_MISSING,
                    pointer(["bridges", &i.to_string(), "region"]),
                    format!(
                        "the bridges are in several regions ({names}), but nothing says where a participant is, so jicofo counts every participant as in its own region: the other regions' bridges serve only as overflow"
                    ),
                    "set `participant_regions` (the header your edge or CDN sets, and its networks)",
                )
                .also_at(
                    pointer(["bridges", &first.to_string(), "region"]),
                    "another region",
                ),
            );
        }
        return;
    };
    let header_ok = (1..=64).contains(&p.header.len())
        && p.header
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        && !p.header.starts_with('-');
    if !header_ok {
        out.push(Diagnostic::error(
            Code::PARTICIPANT_REGION_HEADER_INVALID,
            pointer(["participant_regions", "header"]),
            format!(
                "`{}` cannot be a request header name here",
                printable(&p.header)
            ),
            "use 1 to 64 letters, digits and `-`, e.g. X-Proxy-Region",
        ));
    }
    if p.trusted_networks.is_empty() {
        out.push(Diagnostic::error(
            Code::PARTICIPANT_REGION_NETWORKS_EMPTY,
            pointer(["participant_regions", "trusted_networks"]),
            "no network may set the participant-region header, so no participant ever has a region",
            "list the networks of the edge proxies or CDN that set the header",
        ));
    }
    for (path, covers) in
        posture::everything("/participant_regions/trusted_networks", &p.trusted_networks)
    {
        out.push(Diagnostic::warning(
            Code::PARTICIPANT_REGION_NETWORK_EVERYTHING,
            path,
            format!("{covers}, so any participant picks their own region by sending the header"),
            "list only the networks of the edge that sets the header",
        ));
    }
}

fn regions(t: &Topology, out: &mut Vec<Diagnostic>) {
    let relays = relays(t);
    let regions: BTreeMap<&str, usize> = t
        .bridges
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.region.as_deref().map(|r| (r, i)))
        .rev()
        .collect();
    // Regions are compared exactly by jicofo: `EU-West` and `eu-west` are two regions.
    let mut by_case: BTreeMap<String, (usize, &str)> = BTreeMap::new();
    for (i, r) in t
        .bridges
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.region.as_deref().map(|r| (i, r)))
    {
        let (first, other) = *by_case.entry(r.to_ascii_lowercase()).or_insert((i, r));
        if other != r {
            out.push(
                Diagnostic::warning(
                    Code::REGION_CASE,
                    pointer(["bridges", &i.to_string(), "region"]),
                    format!(
                        "regions `{}` and `{}` differ only in case; jicofo treats them as two regions",
                        printable(other),
                        printable(r)
                    ),
                    "spell each region the same way everywhere",
                )
                .also_at(
                    pointer(["bridges", &first.to_string(), "region"]),
                    "the other spelling",
                ),
            );
        }
    }
    let names = regions
        .keys()
        .map(|r| format!("`{}`", printable(r)))
        .collect::<Vec<_>>()
        .join(", ");
    participant_regions(t, &regions, &names, out);
    for v in crate::shards::views(t) {
        let region_path = v.signaling_path("region");
        if let Some(region) = &v.signaling.region {
            if !name_ok(region) {
                out.push(Diagnostic::error(
                    Code::REGION_INVALID,
                    region_path.clone(),
                    format!("`{}` cannot be a region name", printable(region)),
                    "use 1 to 64 letters, digits and `._-`, e.g. eu-central",
                ));
            } else if !regions.contains_key(region.as_str()) {
                out.push(Diagnostic::warning(
                    Code::LOCAL_REGION_WITHOUT_BRIDGES,
                    region_path.clone(),
                    format!("no bridge is in jicofo's region `{}`", printable(region)),
                    format!("use one of the bridges' regions ({names}), or put a bridge there"),
                ));
            }
        } else if relays {
            out.push(Diagnostic::error(
            Code::REGION_MISSING,
            region_path.clone(),
            format!("the bridges are in several regions ({names}), so relays are on and jicofo needs its own region"),
            "set `signaling.region` to the region the signalling host is in",
        ));
        }
    }
    let mut relay_ids: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (i, b) in t.bridges.iter().enumerate() {
        let at = |field: &str| pointer(["bridges", &i.to_string(), field]);
        if relays && b.region.is_none() {
            out.push(Diagnostic::error(
                Code::REGION_MISSING,
                at("region"),
                format!("the bridges are in several regions ({names}), so relays are on and every bridge needs a region"),
                "set this bridge's `region`",
            ));
        }
        match (&b.relay_id, relays) {
            (Some(_), false) => out.push(Diagnostic::warning(
                Code::RELAY_ID_UNUSED,
                at("relay_id"),
                "`relay_id` has no effect: relays are on only when bridges are in more than one region",
                "remove it, or give the bridges their regions",
            )),
            (Some(id), true) if !name_ok(id) => out.push(Diagnostic::error(
                Code::RELAY_ID_INVALID,
                at("relay_id"),
                format!("`{}` cannot be a relay id", printable(id)),
                "use 1 to 64 letters, digits and `._-`",
            )),
            _ => {}
        }
        if relays {
            let id = relay_id(b);
            // Where the relay id comes from: its own key, else the nickname or host it defaults to.
            let id_path = if b.relay_id.is_some() {
                at("relay_id")
            } else if b.nickname.is_some() {
                at("nickname")
            } else {
                at("host")
            };
            if let Some((first, first_path)) = relay_ids.get(&id) {
                out.push(
                    Diagnostic::error(
                        Code::DUPLICATE_RELAY_ID,
                        id_path,
                        format!(
                            "relay id `{}` is already used by bridges/{first}",
                            printable(&id)
                        ),
                        "give every bridge its own `relay_id`",
                    )
                    .also_at(first_path.clone(), "first used here"),
                );
            } else {
                relay_ids.insert(id, (i, id_path));
            }
        }
    }
}

fn networks(t: &Topology, out: &mut Vec<Diagnostic>) {
    let mut reported: Vec<String> = Vec::new();
    for v in crate::shards::views(t) {
        let Some(nets) = v.bridge_networks else {
            continue;
        };
        let at = v.networks_path();
        if reported.contains(&at) {
            // Shards sharing the top-level list: report its own problems once.
        } else if nets.is_empty() {
            out.push(Diagnostic::error(
                Code::BRIDGE_NETWORKS_EMPTY,
                at.clone(),
                "`bridge_networks` is empty, so no bridge could reach prosody",
                "list the networks your bridges are in, or leave the key out to allow exactly each bridge's address",
            ));
        } else {
            for (path, covers) in posture::everything(&at, nets) {
                out.push(Diagnostic::warning(
                    Code::BRIDGE_NETWORK_EVERYTHING,
                    path,
                    format!("{covers}, so every address may reach prosody's client port"),
                    "list only the networks your bridges are in",
                ));
            }
        }
        for (i, b) in t.bridges.iter().enumerate() {
            if crate::shards::serves(t, b, v.name)
                && !nets.is_empty()
                && !nets.iter().any(|n| n.contains(&b.address))
            {
                let whose = if t.shards.is_some() {
                    format!("shard `{}`'s ", v.name)
                } else {
                    String::new()
                };
                out.push(Diagnostic::error(
                    Code::ADDRESS_OUTSIDE_BRIDGE_NETWORKS,
                    pointer(["bridges", &i.to_string(), "address"]),
                    format!("bridge address {} is in none of {whose}`bridge_networks`, so the firewall would shut it out of {}", b.address, if whose.is_empty() { "prosody" } else { "that shard's prosody" }),
                    if whose.is_empty() { "add its network to `bridge_networks`".to_owned() } else { format!("add its network to {at}") },
                ).also_at(at.clone(), "the networks"));
            }
        }
        reported.push(at);
    }
    let monitoring = &t.firewall.monitoring_networks;
    for (path, covers) in posture::everything("/firewall/monitoring_networks", monitoring) {
        out.push(Diagnostic::warning(
            Code::MONITORING_NETWORK_EVERYTHING,
            path,
            format!("{covers}, so every address may read the bridges' health and statistics"),
            "list only your monitoring networks",
        ));
    }
    posture::admin_networks(t, out);
}

/// A file of the operator's at a path jitsi-meet-prosody's installer replaces would be lost on
/// the first install, which runs before any of our steps can protect it.
fn not_replaced_by_installer(t: &Topology, path: &str, value: &str, out: &mut Vec<Diagnostic>) {
    if crate::installer::replaced_by_prosody_installer(&t.domain)
        .iter()
        .any(|p| p == value)
    {
        let name = value.rsplit('/').next().unwrap_or(value);
        out.push(Diagnostic::error(
            Code::PATH_REPLACED_BY_INSTALLER,
            path,
            format!(
                "jitsi-meet-prosody's installer replaces {value} with a link to a self-signed \
                 certificate of its own on a first install, so your file would be lost"
            ),
            format!(
                "keep the file outside the installer's paths, e.g. /etc/ssl/jitsi/{name}; the \
                 rendered prosody config names it there and the installer leaves it alone"
            ),
        ));
    }
}

fn trust(t: &Topology, out: &mut Vec<Diagnostic>) {
    match &t.trust {
        Trust::Distribute => {}
        Trust::Ca { ca_certificate, certificate, key } => {
            check_path("/trust/ca_certificate", ca_certificate, "the CA certificate path", out);
            check_path("/trust/certificate", certificate, "the certificate path", out);
            check_path("/trust/key", key, "the key path", out);
            not_replaced_by_installer(t, "/trust/ca_certificate", ca_certificate, out);
            not_replaced_by_installer(t, "/trust/certificate", certificate, out);
            not_replaced_by_installer(t, "/trust/key", key, out);
        }
        Trust::Insecure => out.push(Diagnostic::warning(
            Code::TRUST_INSECURE,
            "/trust/mode",
            "bridges will not verify prosody's certificate; anyone between them can take the jvb password",
            "use the default `distribute`, or `ca` with your own CA",
        )),
    }
}

fn firewall(t: &Topology, out: &mut Vec<Diagnostic>) {
    posture::firewall_disabled(t, out);
    let f = &t.firewall;
    if f.enabled && f.default_drop && f.admin_networks.is_empty() {
        out.push(Diagnostic::error(
            Code::DEFAULT_DROP_WITHOUT_ADMIN,
            "/firewall/admin_networks",
            "`default_drop` without `admin_networks` would lock operators out of every host",
            "list the networks you administer from (SSH, monitoring) in `firewall.admin_networks`",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_account_the_bundle_registers_has_its_password_checked() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/recording.yaml"
        ))
        .expect("the recording example (every kind of account: jicofo's, the bridges', jibri's)");
        let env = std::collections::BTreeMap::<String, String>::new();
        let rendered = crate::render(&text, &env).expect("the recording example renders");
        let mut registered: Vec<String> = rendered
            .bundle
            .hosts
            .iter()
            .flat_map(|h| h.accounts.iter().map(|a| a.secret.clone()))
            .collect();
        registered.sort();
        registered.dedup();
        let mut checked = ACCOUNT_SECRETS.to_vec();
        checked.sort();
        assert_eq!(registered, checked);
    }

    #[test]
    fn host_names_that_would_escape_the_output_folder_are_refused() {
        for bad in ["../etc", "a/b", "a b", "", "a\nb", "Jvb1", "-a.b"] {
            assert!(hostname_problem(bad).is_some(), "{bad:?}");
        }
        assert!(hostname_problem("jvb-1.example.com").is_none());
    }
}
