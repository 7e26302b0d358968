//! `auth`: who may start a conference, and the secrets it needs. Every shard serves the one
//! `auth` section of the model, so the shards agree by construction; what can go wrong is a
//! mode without what it needs, a secret without a mode that uses it, and values prosody,
//! lualdap or the token library would read otherwise than the operator meant.

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, printable};
use crate::model::{Auth, Topology};

/// Checks `auth` and the secrets that belong to it.
pub(super) fn auth(t: &Topology, out: &mut Vec<Diagnostic>) {
    unused_secrets(t, out);
    account_names(t, out);
    match &t.auth {
        Auth::None => {}
        Auth::Internal { .. } => {
            if t.secrets.accounts.is_empty() {
                out.push(Diagnostic::error(
                    Code::AUTH_ACCOUNTS_MISSING,
                    "/auth/mode",
                    "`auth.mode: internal` without accounts: nobody could start a conference",
                    "list the accounts under `secrets.accounts`, e.g. `alice: { file: /etc/jitsi-topology/secrets/alice }`",
                ));
            }
        }
        Auth::Jwt {
            app_id,
            key_server,
            issuers,
            audiences,
            ..
        } => jwt(t, app_id, key_server.as_deref(), issuers, audiences, out),
        Auth::Ldap {
            url,
            starttls,
            bind_dn,
            base,
            filter,
            ..
        } => ldap(
            t,
            url,
            *starttls,
            bind_dn.as_deref(),
            base,
            filter.as_deref(),
            out,
        ),
    }
}

/// A secret of `auth` that its mode does not use: a leftover of another mode, or a mode
/// written wrong.
fn unused_secrets(t: &Topology, out: &mut Vec<Diagnostic>) {
    let mode = t.auth.mode();
    let jwt_secret_used = matches!(
        &t.auth,
        Auth::Jwt {
            key_server: None,
            ..
        }
    );
    if t.secrets.jwt.is_some() && !jwt_secret_used {
        out.push(Diagnostic::error(
            Code::AUTH_SECRET_UNUSED,
            "/secrets/jwt",
            match &t.auth {
                Auth::Jwt { .. } => "`secrets.jwt` is set but `auth.key_server` is too: prosody checks tokens with one of them".to_owned(),
                _ => format!("`secrets.jwt` is set but `auth.mode` is `{mode}`, not `jwt`"),
            },
            "remove `secrets.jwt`, or use `auth: { mode: jwt, ... }` without `key_server` to check tokens with it",
        ));
    }
    let ldap_secret_used = matches!(
        &t.auth,
        Auth::Ldap {
            bind_dn: Some(_),
            ..
        }
    );
    if t.secrets.ldap.is_some() && !ldap_secret_used {
        out.push(Diagnostic::error(
            Code::AUTH_SECRET_UNUSED,
            "/secrets/ldap",
            match &t.auth {
                Auth::Ldap { .. } => "`secrets.ldap` is set but `auth.bind_dn` is not: prosody would search anonymously".to_owned(),
                _ => format!("`secrets.ldap` is set but `auth.mode` is `{mode}`, not `ldap`"),
            },
            "remove `secrets.ldap`, or give `auth.bind_dn`, the DN it is the password of",
        ));
    }
    if !t.secrets.accounts.is_empty() && !matches!(&t.auth, Auth::Internal { .. }) {
        out.push(Diagnostic::error(
            Code::AUTH_SECRET_UNUSED,
            "/secrets/accounts",
            format!("`secrets.accounts` lists accounts but `auth.mode` is `{mode}`, not `internal`: they would not be created"),
            "set `auth: { mode: internal }`, or remove `secrets.accounts`",
        ));
    }
}

/// Account names, reported without their text (a key under `secrets` may be a pasted
/// password) but with their place among the accounts.
fn account_names(t: &Topology, out: &mut Vec<Diagnostic>) {
    for (i, user) in t.secrets.accounts.keys().enumerate() {
        if let Some(problem) = crate::accepted::localpart_problem(user) {
            out.push(Diagnostic::error(
                Code::ACCOUNT_NAME_INVALID,
                "/secrets/accounts",
                format!(
                    "account name {} of `secrets.accounts` (in the order of their names; not shown: under `secrets` it may be a password) {problem}",
                    i + 1
                ),
                "name each account as users log in: lower-case letters, digits, `.`, `_` and `-`, e.g. `alice` or `j.doe`",
            ));
        }
    }
}

/// A value printed into prosody's config as one Lua string: it must be one line of
/// printable text, not empty.
fn text_problem(value: &str) -> Option<&'static str> {
    if value.trim().is_empty() {
        Some("is empty")
    } else if value.chars().any(char::is_control) {
        Some("contains a line break or another control character")
    } else if value.trim() != value {
        Some("starts or ends with a space")
    } else {
        None
    }
}

fn jwt(
    t: &Topology,
    app_id: &str,
    key_server: Option<&str>,
    issuers: &[String],
    audiences: &[String],
    out: &mut Vec<Diagnostic>,
) {
    if app_id.is_empty()
        || !app_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        out.push(Diagnostic::error(
            Code::JWT_APP_ID_INVALID,
            "/auth/app_id",
            format!(
                "`{}` is not an application id of letters, digits, `-`, `_` and `.`",
                printable(app_id)
            ),
            "write the id your web app puts in its tokens, e.g. `my_web_app`",
        ));
    }
    match (key_server, t.secrets.jwt.is_some()) {
        (None, false) => out.push(Diagnostic::error(
            Code::JWT_KEY_MISSING,
            "/auth",
            "`auth.mode: jwt` needs a way to check a token's signature: `secrets.jwt` (HS256) or `auth.key_server` (RS256)",
            "add `secrets.jwt: { file: /etc/jitsi-topology/secrets/jwt }` with the secret your web app signs with, or `key_server: https://...` where its public keys are",
        )),
        (Some(url), _) => {
            let host = url.strip_prefix("https://").unwrap_or_default();
            if host.is_empty()
                || host.starts_with('/')
                || text_problem(url).is_some()
                || url.contains(char::is_whitespace)
            {
                out.push(Diagnostic::error(
                    Code::JWT_KEY_SERVER_INVALID,
                    "/auth/key_server",
                    format!(
                        "`{}` is not an https:// URL: prosody fetches the public keys that check every token from it",
                        printable(url)
                    ),
                    "write the https:// URL of the folder with `<sha256 of kid>.pem` files, e.g. https://keys.example.com/jitsi",
                ));
            }
        }
        (None, true) => {}
    }
    for (field, list, what) in [
        ("issuers", issuers, "issuer (`iss`)"),
        ("audiences", audiences, "audience (`aud`)"),
    ] {
        if list.is_empty() {
            out.push(Diagnostic::error(
                Code::JWT_CLAIMS_EMPTY,
                format!("/auth/{field}"),
                format!(
                    "`auth.{field}` is empty: the token library would accept a token of any {what}"
                ),
                format!(
                    "list the {what} values your web app writes, e.g. `{field}: [{}]`",
                    if field == "issuers" {
                        "my_web_app"
                    } else {
                        "jitsi"
                    }
                ),
            ));
        }
        for (i, v) in list.iter().enumerate() {
            let problem = text_problem(v)
                .or((v == "*").then_some("is `*`, which the token library reads as any value"));
            if let Some(problem) = problem {
                out.push(Diagnostic::error(
                    Code::JWT_CLAIM_INVALID,
                    format!("/auth/{field}/{i}"),
                    format!("this accepted {what} {problem}"),
                    "write the exact value your web app puts in its tokens",
                ));
            }
        }
    }
}

fn ldap(
    t: &Topology,
    url: &str,
    starttls: bool,
    bind_dn: Option<&str>,
    base: &str,
    filter: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", ""));
    let host_ok = !rest.is_empty()
        && rest
            .trim_end_matches('/')
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    if !matches!(scheme, "ldap" | "ldaps") || !host_ok {
        out.push(Diagnostic::error(
            Code::LDAP_URL_INVALID,
            "/auth/url",
            format!(
                "`{}` is not an LDAP URL of one server (`ldaps://host[:port]` or `ldap://host[:port]`)",
                printable(url)
            ),
            "write e.g. `ldaps://ldap.example.com`, or `ldap://ldap.example.com` with `starttls: true`",
        ));
    } else if scheme == "ldaps" && starttls {
        out.push(Diagnostic::error(
            Code::LDAP_STARTTLS_LDAPS,
            "/auth/starttls",
            "`starttls: true` with an `ldaps://` URL: the connection is TLS already, and StartTLS on it fails",
            "remove `starttls`, or use an `ldap://` URL with it",
        ));
    } else if scheme == "ldap" && !starttls {
        out.push(Diagnostic::warning(
            Code::LDAP_CLEARTEXT,
            "/auth/url",
            "users' passwords would reach the LDAP server in clear text (`ldap://` without StartTLS)",
            "use `ldaps://`, or set `starttls: true`; acknowledge the warning if the server is on this host",
        ));
    }
    if let Some(dn) = bind_dn {
        if let Some(problem) =
            text_problem(dn).or((!dn.contains('=')).then_some("is not a DN (no `=`)"))
        {
            out.push(Diagnostic::error(
                Code::LDAP_DN_INVALID,
                "/auth/bind_dn",
                format!("`auth.bind_dn` {problem}"),
                "write the DN prosody binds as, e.g. `cn=jitsi,ou=services,dc=example,dc=com`",
            ));
        }
        if t.secrets.ldap.is_none() {
            out.push(Diagnostic::error(
                Code::LDAP_PASSWORD_MISSING,
                "/auth/bind_dn",
                "`auth.bind_dn` needs its password in `secrets.ldap`",
                "add `secrets.ldap: { file: /etc/jitsi-topology/secrets/ldap }`, or remove `bind_dn` for an anonymous search",
            ));
        }
    }
    if let Some(problem) =
        text_problem(base).or((!base.contains('=')).then_some("is not a DN (no `=`)"))
    {
        out.push(Diagnostic::error(
            Code::LDAP_DN_INVALID,
            "/auth/base",
            format!("`auth.base` {problem}"),
            "write the DN under which users are found, e.g. `ou=people,dc=example,dc=com`",
        ));
    }
    if let Some(filter) = filter {
        let problem = text_problem(filter)
            .or((!(filter.starts_with('(') && filter.ends_with(')')))
                .then_some("is not in parentheses"))
            .or((!filter.contains("$user")).then_some(
                "does not contain `$user`: every user would be looked up as the same entry",
            ));
        if let Some(problem) = problem {
            out.push(Diagnostic::error(
                Code::LDAP_FILTER_INVALID,
                "/auth/filter",
                format!("`auth.filter` {problem}"),
                "write an LDAP filter with `$user` where the user name goes, e.g. `(uid=$user)`",
            ));
        }
    }
}
