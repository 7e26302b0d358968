//! Who may start a conference (the model's `auth`): every name, module, option, package and
//! step of Jitsi's "secure domain", decided here once for every shard alike.
//!
//! Upstream's own wiring, which this follows: docker-jitsi-meet's prosody and jicofo
//! templates at `stable-11146` (prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua: the main
//! VirtualHost's `authentication` of `internal_hashed`, `token` or (there, through saslauthd)
//! `cyrus`; the guest VirtualHost with `jitsi-anonymous`; `token_verification` on the
//! conference MUC; `asap_accepted_issuers` and `asap_accepted_audiences`; jicofo's
//! `authentication { enabled, type = XMPP | JWT, login-url }`).

use serde::Serialize;

use super::{CONFIG_DIR, Names, Secret};
use crate::model::{Auth, Topology};
use crate::secret::{ReadSecret, ReadSecrets};

/// prosody's authentication provider of the public domain without `auth` (and of the guest
/// host): jitsi-meet's `mod_auth_jitsi-anonymous`. The jitsi-meet-tokens installer looks for
/// the main host's line with the comment `-- do not delete me` (see [`AuthPlan::marker`]).
const ANONYMOUS: &str = "jitsi-anonymous";

/// Where the Lua 5.4 that Debian 12's prosody runs on (0.12 and the backports' 13 alike)
/// looks for pure-Lua modules before Debian's own folder (`/usr/local/share/lua/5.4/?.lua`
/// is on Lua 5.4's default `package.path`).
const LUA54_LOCAL: &str = "/usr/local/share/lua/5.4";

/// The names of the guest host: `guest.<domain>`, as docker-jitsi-meet (`XMPP_GUEST_DOMAIN`)
/// and the handbook's secure-domain page name it.
const GUEST_PREFIX: &str = "guest.";

/// The query parameters that carry a token: `jwt` (the web app's page URL) and `token` (the
/// BOSH and WebSocket URLs lib-jitsi-meet builds), the two upstream's nginx site redacts.
const REDACTED_PARAMETERS: &[&str] = &["jwt", "token"];

/// Who may start a conference, resolved.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct AuthPlan {
    /// The model's mode: `none`, `internal`, `jwt` or `ldap`.
    pub mode: &'static str,
    /// prosody's `authentication` on the public domain's VirtualHost: `jitsi-anonymous`,
    /// `internal_hashed`, `token` or `ldap`.
    pub authentication: &'static str,
    /// The comment that ends that line. jitsi-meet-tokens' installer (debian/jitsi-meet-tokens.postinst
    /// at Pie-D/jitsi-meet@abf901a, l.56-64) greps for `authentication = "token" -- do not delete me`
    /// and, when it is missing, rewrites `authentication = "jitsi-anonymous" -- do not delete me`
    /// into token authentication and restarts prosody; the line carries the marker in every
    /// mode so that the package finds what it expects and changes nothing.
    pub marker: &'static str,
    /// The guest host (`guest.<domain>`), anonymous, when the model allows guests.
    pub guest_domain: Option<String>,
    /// Its `authentication`.
    pub guest_authentication: &'static str,
    /// jicofo.conf's `jicofo.authentication`, when users must log in to start a conference.
    pub jicofo: Option<JicofoAuthentication>,
    /// With `jwt`: the token options.
    pub token: Option<TokenPlan>,
    /// With `ldap`: prosody's `mod_auth_ldap` options.
    pub ldap: Option<LdapPlan>,
    /// With `internal`: the model's accounts on the public domain, registered on every shard.
    pub accounts: Vec<DomainAccount>,
    /// The SASL mechanisms prosody must not offer on the public domain (docker-jitsi-meet
    /// disables these two with `internal`: the web app offers neither).
    pub disabled_sasl_mechanisms: Vec<&'static str>,
    /// The Debian packages the signalling host adds for this mode.
    pub packages: Vec<&'static str>,
    /// With `jwt`: the Lua modules Debian packages for older Lua versions only, made
    /// loadable on Lua 5.4 (see [`LuaShim`]).
    pub lua_shims: Vec<LuaShim>,
    /// Whether nginx's access log (and the front door's) writes URLs with their tokens
    /// removed. Always, in every mode, as upstream's nginx site does since jitsi-meet
    /// c4472ec0 (2026-03-03; doc/debian/jitsi-meet/jitsi-meet.example l.29-42 at
    /// Pie-D/jitsi-meet@abf901a): a token reaches nginx in a URL (`?jwt=` on the page,
    /// `?token=` on BOSH and WebSocket) whatever prosody does with it.
    pub redact_tokens: bool,
    /// The query parameters whose presence makes nginx write a URL's query as
    /// `?[params_redacted]` (upstream's marker; the front door replaces each one's value).
    pub redacted_parameters: Vec<&'static str>,
    /// The nginx `map`s that redact them, in order: each replaces the whole query of the
    /// variable `from` (nginx's `request_uri` or `http_referer`, or the map before it) when
    /// it carries the parameter, and sets `to`.
    pub redaction_maps: Vec<RedactionMap>,
    /// The variable the access log writes for the request's URI: the last map's.
    pub redacted_request: String,
    /// The variable the access log writes for the Referer: the last map's.
    pub redacted_referer: String,
    /// nginx's access log (Debian's), which the site writes in its redacting format.
    pub access_log: &'static str,
}

/// One nginx `map` of the access log's redaction (variable names without `$`).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RedactionMap {
    /// The variable read.
    pub from: String,
    /// The variable set: `from` with `parameter`'s value replaced.
    pub to: String,
    /// The query parameter.
    pub parameter: &'static str,
}

/// The chains of maps that redact `parameters` from nginx's `request` and `http_referer`, and
/// the variable each chain ends in.
fn redaction(parameters: &[&'static str]) -> (Vec<RedactionMap>, String, String) {
    let mut maps = Vec::new();
    let mut ends = ["request_uri", "http_referer"].map(|what| {
        let mut from = what.to_owned();
        for (i, parameter) in parameters.iter().enumerate() {
            let to = format!("jitsi_{what}_{}", i + 1);
            maps.push(RedactionMap {
                from: std::mem::replace(&mut from, to.clone()),
                to,
                parameter,
            });
        }
        from
    });
    let referer = std::mem::take(&mut ends[1]);
    let request = std::mem::take(&mut ends[0]);
    (maps, request, referer)
}

/// jicofo's `authentication` block: jicofo lets a participant start a conference only when
/// that participant is authenticated by this rule.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct JicofoAuthentication {
    /// `XMPP` (a participant logged in on `login_url`'s domain is authenticated) or `JWT`
    /// (likewise, for users prosody authenticated with a token).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The domain users log in on (`login-url`).
    pub login_url: String,
}

/// The token options of prosody's `token` authentication and `token_verification`, with the
/// names jitsi-meet's token/util.lib.lua reads (Pie-D/jitsi-meet@abf901a l.61-135,
/// catFurr/jitsi-meet@23be1469 l.59-133).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct TokenPlan {
    /// `app_id`.
    pub app_id: String,
    /// `asap_key_server`, with public keys.
    pub key_server: Option<String>,
    /// `app_secret`, with a shared secret.
    pub secret: Option<Secret>,
    /// The variable prosody's config reads a file-referenced `app_secret` from.
    pub secret_env: &'static str,
    /// `asap_accepted_issuers`.
    pub issuers: Vec<String>,
    /// `asap_accepted_audiences`.
    pub audiences: Vec<String>,
    /// The module on the conference MUC that checks a token's room claim when a user joins.
    pub muc_module: &'static str,
}

/// prosody's `mod_auth_ldap` options (prosody 0.12's plugins/mod_auth_ldap.lua l.12-19; the
/// same names in 13).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct LdapPlan {
    /// `ldap_server`: the model's URL (lualdap hands it to OpenLDAP's `ldap_initialize`).
    pub server: String,
    /// `ldap_tls`: StartTLS.
    pub starttls: bool,
    /// `ldap_rootdn`.
    pub bind_dn: Option<String>,
    /// `ldap_password`.
    pub password: Option<Secret>,
    /// The variable prosody's config reads a file-referenced `ldap_password` from.
    pub password_env: &'static str,
    /// `ldap_base`.
    pub base: String,
    /// `ldap_filter`.
    pub filter: String,
}

/// An account of the model on the public domain.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct DomainAccount {
    /// The user name.
    pub user: String,
    /// `user@<domain>`.
    pub jid: String,
    /// Its password.
    pub secret: Secret,
}

/// A Lua module Debian packages for Lua 5.1-5.3 only, made loadable on the Lua 5.4 prosody
/// runs on by a one-line module of ours on Lua 5.4's path that runs Debian's file.
///
/// jitsi-meet's token library requires `basexx` and `inspect` (token/util.lib.lua,
/// luajwtjitsi.lib.lua at Pie-D/jitsi-meet@abf901a and catFurr/jitsi-meet@23be1469);
/// jitsi-meet-prosody depends on Debian's lua-basexx and lua-inspect (debian/control there),
/// which install them for Lua 5.1/5.2 (lua-basexx 0.3-2.1) and 5.1-5.3 (lua-inspect 3.1.1-2)
/// only, and neither jitsi-meet-tokens' nor jitsi-meet-prosody's installer does anything about
/// Lua 5.4 in either release: `auth_token` then fails to load with "module 'basexx' not found"
/// (jitsi/jitsi-meet#14918, jitsi/docker-jitsi-meet#1359). Both are plain Lua that runs
/// unchanged on 5.4.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct LuaShim {
    /// The module's name (`require "basexx"`).
    pub module: &'static str,
    /// Our file on Lua 5.4's path.
    pub path: String,
    /// Debian's file it runs.
    pub source: &'static str,
    /// The Debian package that installs `source`.
    pub package: &'static str,
}

impl AuthPlan {
    /// Whether prosody's config holds a secret of the mode itself (inline).
    pub fn inline_secret(&self) -> bool {
        self.token
            .as_ref()
            .and_then(|t| t.secret.as_ref())
            .or(self.ldap.as_ref().and_then(|l| l.password.as_ref()))
            .is_some_and(|s| s.inline().is_some())
    }
}

fn secret(read: &ReadSecret, file: String) -> Secret {
    match read {
        ReadSecret::Value(value) => Secret::Inline {
            value: value.clone(),
            file,
        },
        ReadSecret::File(path) => Secret::File { path: path.clone() },
    }
}

/// Resolves the model's `auth` for a model that validated without errors.
pub(super) fn resolve(t: &Topology, read: &ReadSecrets, names: &Names) -> AuthPlan {
    let (redaction_maps, redacted_request, redacted_referer) = redaction(REDACTED_PARAMETERS);
    let mut plan = AuthPlan {
        mode: t.auth.mode(),
        authentication: ANONYMOUS,
        marker: "do not delete me",
        guest_domain: t
            .auth
            .guests()
            .then(|| format!("{GUEST_PREFIX}{}", names.domain)),
        guest_authentication: ANONYMOUS,
        jicofo: None,
        token: None,
        ldap: None,
        accounts: Vec::new(),
        disabled_sasl_mechanisms: Vec::new(),
        packages: Vec::new(),
        lua_shims: Vec::new(),
        redact_tokens: true,
        redacted_parameters: REDACTED_PARAMETERS.to_vec(),
        redaction_maps,
        redacted_request,
        redacted_referer,
        access_log: "/var/log/nginx/access.log",
    };
    let jicofo = |kind| JicofoAuthentication {
        kind,
        login_url: names.domain.clone(),
    };
    match &t.auth {
        Auth::None => {}
        Auth::Internal { .. } => {
            plan.authentication = "internal_hashed";
            plan.jicofo = Some(jicofo("XMPP"));
            plan.disabled_sasl_mechanisms = vec!["DIGEST-MD5", "OAUTHBEARER"];
            plan.accounts = read
                .accounts
                .iter()
                .map(|(user, s)| DomainAccount {
                    user: user.clone(),
                    jid: format!("{user}@{}", names.domain),
                    secret: secret(s, format!("{CONFIG_DIR}/secrets/accounts/{user}")),
                })
                .collect();
        }
        Auth::Jwt {
            app_id,
            key_server,
            issuers,
            audiences,
            ..
        } => {
            plan.authentication = "token";
            plan.jicofo = Some(jicofo("JWT"));
            plan.token = Some(TokenPlan {
                app_id: app_id.clone(),
                key_server: key_server.clone(),
                secret: read
                    .jwt
                    .as_ref()
                    .map(|s| secret(s, format!("{CONFIG_DIR}/secrets/jwt"))),
                secret_env: "JITSI_TOPOLOGY_JWT_APP_SECRET",
                issuers: issuers.clone(),
                audiences: audiences.clone(),
                muc_module: "token_verification",
            });
            // The token library's Lua dependencies (jitsi-meet-prosody depends on them too;
            // named here so that the shims' sources are there whatever that package does).
            plan.packages = vec!["lua-basexx", "lua-inspect", "lua-luaossl", "lua-cjson"];
            plan.lua_shims = vec![
                LuaShim {
                    module: "basexx",
                    path: format!("{LUA54_LOCAL}/basexx.lua"),
                    source: "/usr/share/lua/5.2/basexx.lua",
                    package: "lua-basexx",
                },
                LuaShim {
                    module: "inspect",
                    path: format!("{LUA54_LOCAL}/inspect.lua"),
                    source: "/usr/share/lua/5.3/inspect.lua",
                    package: "lua-inspect",
                },
            ];
        }
        Auth::Ldap {
            url,
            starttls,
            bind_dn,
            base,
            filter,
            ..
        } => {
            plan.authentication = "ldap";
            plan.jicofo = Some(jicofo("XMPP"));
            plan.ldap = Some(LdapPlan {
                server: url.clone(),
                starttls: *starttls,
                bind_dn: bind_dn.clone(),
                password: read
                    .ldap
                    .as_ref()
                    .map(|s| secret(s, format!("{CONFIG_DIR}/secrets/ldap"))),
                password_env: "JITSI_TOPOLOGY_LDAP_PASSWORD",
                base: base.clone(),
                filter: filter.clone().unwrap_or_else(|| "(uid=$user)".to_owned()),
            });
            // prosody's mod_auth_ldap requires lualdap (Debian's lua-ldap has a 5.4 build).
            plan.packages = vec!["lua-ldap"];
        }
    }
    plan
}
