//! Rendering: the resolved [`Deployment`] into each host's files, packages, accounts,
//! firewall and steps.
//!
//! One module per output family; each reads the deployment and prints through one
//! template in `templates/` (embedded at build time). Model values reach a template only
//! through the escaping filters of [`crate::escape`].

mod apt;
mod debconf;
mod firewall;
mod haproxy;
mod jicofo;
mod jvb;
mod nginx;
mod prosody;
mod steps;
mod systemd;
mod turn;
mod webconfig;

pub(crate) use steps::systemctl_command;

use std::sync::OnceLock;

use minijinja::{Environment, Value};
use serde::Serialize;

use crate::bundle::{Bundle, File, FileKind, Host, Role, ServiceAction, ServiceRef};
use crate::resolve::{BridgeHost, Deployment, FrontDoorHost, SignalingHost, TurnHost};

/// An internal failure to render (a template bug, or a value that escaped validation).
#[derive(Debug, thiserror::Error)]
#[error("rendering {template} failed: {message}")]
pub struct RenderError {
    /// The template.
    pub template: &'static str,
    /// What went wrong (never a secret: filters report the problem, not the value).
    pub message: String,
}

pub(crate) type Result<T> = std::result::Result<T, RenderError>;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "apt-source.sources",
        include_str!("../../templates/apt-source.sources.j2"),
    ),
    (
        "apt-preferences.pref",
        include_str!("../../templates/apt-preferences.pref.j2"),
    ),
    (
        "debconf.selections",
        include_str!("../../templates/debconf.selections.j2"),
    ),
    (
        "nginx-site.conf",
        include_str!("../../templates/nginx-site.conf.j2"),
    ),
    (
        "prosody.cfg.lua",
        include_str!("../../templates/prosody.cfg.lua.j2"),
    ),
    (
        "jicofo.conf",
        include_str!("../../templates/jicofo.conf.j2"),
    ),
    (
        "jicofo-password.conf",
        include_str!("../../templates/jicofo-password.conf.j2"),
    ),
    ("jvb.conf", include_str!("../../templates/jvb.conf.j2")),
    ("config.js", include_str!("../../templates/config.js.j2")),
    ("lua-shim.lua", include_str!("../../templates/lua-shim.lua.j2")),
    (
        "firewall.nft",
        include_str!("../../templates/firewall.nft.j2"),
    ),
    (
        "firewall-rules.nft",
        include_str!("../../templates/firewall-rules.nft.j2"),
    ),
    (
        "firewall.service",
        include_str!("../../templates/firewall.service.j2"),
    ),
    (
        "service-dropin.conf",
        include_str!("../../templates/service-dropin.conf.j2"),
    ),
    (
        "secret-env.sh",
        include_str!("../../templates/secret-env.sh.j2"),
    ),
    (
        "haproxy.cfg",
        include_str!("../../templates/haproxy.cfg.j2"),
    ),
    (
        "haproxy-monitoring.cfg",
        include_str!("../../templates/haproxy-monitoring.cfg.j2"),
    ),
    (
        "drain-videobridge.sh",
        include_str!("../../templates/drain-videobridge.sh.j2"),
    ),
    (
        "turnserver.conf",
        include_str!("../../templates/turnserver.conf.j2"),
    ),
    (
        "secret-config.sh",
        include_str!("../../templates/secret-config.sh.j2"),
    ),
    (
        "web-certificate.sh",
        include_str!("../../templates/web-certificate.sh.j2"),
    ),
    (
        "turnserver-dropin.conf",
        include_str!("../../templates/turnserver-dropin.conf.j2"),
    ),
    (
        "prosody-restart",
        include_str!("../../templates/prosody-restart.j2"),
    ),
    (
        "coturn-default",
        include_str!("../../templates/coturn-default.j2"),
    ),
    (
        "videobridge.env",
        include_str!("../../templates/videobridge.env.j2"),
    ),
    (
        "sip-communicator.properties",
        include_str!("../../templates/sip-communicator.properties.j2"),
    ),
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .expect("embedded templates parse");
        }
        env.add_filter("lua", |s: &str| crate::escape::lua(s));
        env.add_filter("hocon", |s: &str| crate::escape::hocon(s));
        env.add_filter("hocon_key", |s: &str| crate::escape::hocon_key(s));
        env.add_filter("js", |s: &str| crate::escape::js(s));
        env.add_filter("token", |s: &str| crate::escape::token(s).map_err(invalid));
        env.add_filter("debconf", |s: &str| {
            crate::escape::debconf(s).map_err(invalid)
        });
        env.add_filter("systemd", |s: &str| {
            crate::escape::systemd(s).map_err(invalid)
        });
        env.add_filter("line", |s: &str| crate::escape::line(s).map_err(invalid));
        env.add_filter("coturn", |s: &str, key: &str| {
            crate::escape::coturn(s, key).map_err(invalid)
        });
        env.add_filter("shell", |s: &str| crate::escape::shell(s));
        env
    })
}

fn invalid(message: String) -> minijinja::Error {
    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message)
}

/// Turns any serializable value into a template value.
pub(crate) fn value<T: Serialize>(v: &T) -> Value {
    Value::from(minijinja::value::Serde(v))
}

/// Renders template `name` with `ctx`.
pub(crate) fn template(name: &'static str, ctx: Value) -> Result<String> {
    let env = environment();
    let tmpl = env.get_template(name).map_err(|e| RenderError {
        template: name,
        message: e.to_string(),
    })?;
    tmpl.render(ctx).map_err(|e| RenderError {
        template: name,
        message: e.to_string(),
    })
}

/// Renders template `name` once per process, for a template whose data never changes (the
/// same on every host of every deployment); later calls clone the text kept in `cell`.
pub(crate) fn constant(
    cell: &'static OnceLock<String>,
    name: &'static str,
    ctx: impl FnOnce() -> Value,
) -> Result<String> {
    if let Some(text) = cell.get() {
        return Ok(text.clone());
    }
    let text = template(name, ctx())?;
    Ok(cell.get_or_init(|| text).clone())
}

/// The well-known ports, for templates.
#[derive(Serialize)]
pub(crate) struct Ports {
    http: u16,
    https: u16,
    c2s: u16,
    prosody_http: u16,
    jicofo_rest: u16,
    media_udp: u16,
    jvb_public_http: u16,
}

pub(crate) const PORTS: Ports = Ports {
    http: crate::resolve::HTTP_PORT,
    https: crate::resolve::HTTPS_PORT,
    c2s: crate::resolve::XMPP_C2S_PORT,
    prosody_http: crate::resolve::PROSODY_HTTP_PORT,
    jicofo_rest: crate::resolve::JICOFO_REST_PORT,
    media_udp: crate::resolve::MEDIA_UDP_PORT,
    jvb_public_http: crate::resolve::JVB_PUBLIC_HTTP_PORT,
};

/// A file with the common defaults ([`crate::resolve::PLAIN_ACCESS`]), no service to act on.
pub(crate) fn file(path: impl Into<String>, kind: FileKind, content: String) -> File {
    with_access(
        File {
            path: path.into(),
            kind,
            mode: 0,
            owner: String::new(),
            group: String::new(),
            secret: false,
            services: Vec::new(),
            content,
        },
        &crate::resolve::PLAIN_ACCESS,
    )
}

/// `f` with the owner, group and mode resolve decided for its kind of file.
pub(crate) fn with_access(mut f: File, access: &crate::resolve::Access) -> File {
    f.mode = access.mode;
    f.owner = access.owner.into();
    f.group = access.group.into();
    f
}

/// `service` must get `action` when the file changes.
pub(crate) fn on_change(mut f: File, service: &str, action: ServiceAction) -> File {
    f.services.push(ServiceRef {
        name: service.into(),
        action,
    });
    f
}

/// Renders every host of a deployment.
pub fn render(d: &Deployment) -> Result<Bundle> {
    let mut hosts = Vec::with_capacity(d.shards.len() + d.bridges.len() + 2);
    let mut memo = Memo::default();
    if let Some(door) = &d.front_door {
        hosts.push(front_door(d, door, &mut memo)?);
    }
    for shard in &d.shards {
        hosts.push(signaling(d, shard, &mut memo)?);
    }
    if let Some(turn) = d.turn.as_ref().filter(|t| !t.colocated) {
        hosts.push(turn_host(d, turn, &mut memo)?);
    }
    if !d.bridges.is_empty() {
        let common = BridgeCommon::new(d)?;
        for b in &d.bridges {
            hosts.push(bridge(d, b, &common, &mut memo)?);
        }
    }
    Ok(Bundle {
        release: d.release.to_owned(),
        hosts,
    })
}

/// What is rendered once per deployment and shared by the hosts.
#[derive(Default)]
struct Memo {
    firewall: firewall::Memo,
    apt: apt::Memo,
}

/// A host being assembled: its own files and packages; [`Draft::finish`] adds the firewall,
/// sorts the files and orders the steps, the same way for every kind of host.
struct Draft {
    name: String,
    roles: Vec<Role>,
    files: Vec<File>,
    packages: Vec<String>,
}

impl Draft {
    fn new(name: &str, roles: Vec<Role>, files: Vec<File>, packages: &[&str]) -> Self {
        Self {
            name: name.to_owned(),
            roles,
            files,
            packages: packages.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    fn finish(
        mut self,
        d: &Deployment,
        what: &str,
        plan: Option<crate::bundle::FirewallPlan>,
        memo: &mut Memo,
        accounts: Vec<crate::bundle::Account>,
        steps: impl FnOnce(&[File], &[String], &[crate::bundle::Account]) -> Vec<crate::bundle::Step>,
    ) -> Result<Host> {
        if let Some(plan) = &plan {
            self.files.extend(firewall::files(
                d,
                &self.name,
                what,
                plan,
                &mut memo.firewall,
            )?);
            self.packages
                .extend(d.packages.firewall.iter().map(|p| (*p).to_owned()));
        }
        self.files.extend(apt::files(d, &self.packages, &memo.apt)?);
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        let steps = steps(&self.files, &self.packages, &accounts);
        Ok(Host {
            name: self.name,
            roles: self.roles,
            packages: self.packages,
            files: self.files,
            accounts,
            firewall: plan,
            steps,
        })
    }
}

fn signaling(d: &Deployment, shard: &SignalingHost, memo: &mut Memo) -> Result<Host> {
    let mut files = vec![
        debconf::signaling(d, shard)?,
        nginx::site(d, shard)?,
        prosody::config(d)?,
        prosody::restart_marker(d)?,
        jicofo::config(d, shard)?,
        webconfig::config_js(d, shard)?,
    ];
    files.extend(jicofo::password_include(d)?);
    files.extend(jicofo::service_dropin(d)?);
    files.extend(prosody::service_dropin(d)?);
    files.extend(systemd::account_secret_files(d));
    files.extend(nginx::certificate_hook(d)?);
    files.extend(prosody::lua_shims(d)?);
    let file_secret = |s: Option<&crate::resolve::Secret>| s.is_some_and(|s| s.inline().is_none());
    if file_secret(Some(&d.secrets.focus))
        || (d.turn.is_some() && file_secret(d.secrets.turn.as_ref()))
        || file_secret(d.auth.token.as_ref().and_then(|t| t.secret.as_ref()))
        || file_secret(d.auth.ldap.as_ref().and_then(|l| l.password.as_ref()))
    {
        files.push(systemd::secret_env_helper(d)?);
    }
    let mut packages = d.packages.signaling.clone();
    packages.extend(&d.auth.packages);
    packages.extend(d.web.web_tls.acme.as_ref().map(|a| a.package));
    let mut roles = vec![Role::Signaling];
    if let Some(turn) = d.turn.as_ref().filter(|t| t.host == shard.host) {
        files.extend(turn::files(d, turn)?);
        packages.extend(&d.packages.turn);
        roles.push(Role::Turn);
    }
    Draft::new(&shard.host, roles, files, &packages).finish(
        d,
        "signalling host",
        firewall::signaling(d, shard),
        memo,
        steps::accounts(d),
        |files, packages, accounts| steps::signaling(d, shard, files, packages, accounts),
    )
}

fn turn_host(d: &Deployment, t: &TurnHost, memo: &mut Memo) -> Result<Host> {
    Draft::new(
        &t.host,
        vec![Role::Turn],
        turn::files(d, t)?,
        &d.packages.turn,
    )
    .finish(
        d,
        "TURN server",
        firewall::turn(d, t),
        memo,
        Vec::new(),
        |files, packages, _| steps::turn(d, files, packages),
    )
}

fn front_door(d: &Deployment, door: &FrontDoorHost, memo: &mut Memo) -> Result<Host> {
    Draft::new(
        &door.host,
        vec![Role::FrontDoor],
        vec![haproxy::config(d, door)?],
        &d.packages.front_door,
    )
    .finish(
        d,
        "front door",
        firewall::front_door(d),
        memo,
        Vec::new(),
        |files, packages, _| steps::front_door(d, files, packages),
    )
}

/// What every bridge of a deployment shares, prepared once: the template values of the
/// deployment's names and ports, and the files that are the same on every bridge (rendering
/// them once keeps the cost per bridge down to the files that differ).
struct BridgeCommon {
    names: Value,
    ports: Value,
    debconf: File,
    /// The jitsi-videobridge2 drop-in for a bridge without and with an environment file.
    dropins: [Option<File>; 2],
    /// The helper that drains the bridge before a restart.
    drain_helper: File,
}

impl BridgeCommon {
    fn new(d: &Deployment) -> Result<Self> {
        Ok(Self {
            names: value(&d.names),
            ports: value(&PORTS),
            debconf: debconf::bridge(d)?,
            dropins: [jvb::dropin(d, false)?, jvb::dropin(d, true)?],
            drain_helper: jvb::drain_helper(d)?,
        })
    }
}

fn bridge(d: &Deployment, b: &BridgeHost, common: &BridgeCommon, memo: &mut Memo) -> Result<Host> {
    let environment = jvb::environment(d, b)?;
    let mut files = vec![
        common.debconf.clone(),
        jvb::config(d, b, &common.names, &common.ports)?,
    ];
    files.extend(jvb::properties(d, b)?);
    files.extend(common.dropins[usize::from(environment.is_some())].clone());
    files.extend(environment);
    files.push(common.drain_helper.clone());
    if d.secrets.jvb.inline().is_none() {
        files.push(systemd::secret_env_helper(d)?);
    }
    let monitoring = haproxy::monitoring(d, b)?;
    let mut packages = d.packages.bridge.clone();
    if monitoring.is_some() {
        packages.extend(&d.packages.monitoring_proxy);
    }
    files.extend(monitoring);
    Draft::new(&b.host, vec![Role::Bridge], files, &packages).finish(
        d,
        "bridge",
        firewall::bridge(d, b),
        memo,
        Vec::new(),
        |files, packages, _| steps::bridge(d, b, files, packages),
    )
}
