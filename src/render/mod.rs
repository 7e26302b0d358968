//! Rendering: the resolved [`Deployment`] into each host's files, assembled with what resolve
//! decided for the host ([`Deployment::hosts`]: roles, packages, accounts, firewall) and the
//! steps it decides from the files ([`steps::of`]).
//!
//! One module per output family; each reads the deployment and prints through one
//! template in `templates/` (embedded at build time). Model values reach a template only
//! through the escaping filters of [`crate::escape`].

mod apt;
mod debconf;
mod firewall;
mod haproxy;
mod jibri;
mod jicofo;
mod jigasi;
mod jvb;
mod nginx;
mod prosody;
mod systemd;
mod turn;
mod webconfig;

use std::sync::OnceLock;

use minijinja::{Environment, Value};
use serde::Serialize;

use crate::bundle::{Bundle, File, FileKind, Host, ServiceAction, ServiceRef};
use crate::resolve::{
    BridgeHost, Deployment, FrontDoorHost, HostOf, HostPlan, SignalingHost, steps,
};

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
    (
        "lua-shim.lua",
        include_str!("../../templates/lua-shim.lua.j2"),
    ),
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
    ("jibri.conf", include_str!("../../templates/jibri.conf.j2")),
    (
        "jibri-dropin.conf",
        include_str!("../../templates/jibri-dropin.conf.j2"),
    ),
    (
        "drain-jibri.sh",
        include_str!("../../templates/drain-jibri.sh.j2"),
    ),
    (
        "jigasi-sip-communicator.properties",
        include_str!("../../templates/jigasi-sip-communicator.properties.j2"),
    ),
    (
        "jigasi-dropin.conf",
        include_str!("../../templates/jigasi-dropin.conf.j2"),
    ),
    (
        "secret-properties.sh",
        include_str!("../../templates/secret-properties.sh.j2"),
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
        env.add_filter("properties", |s: &str| crate::escape::properties(s, false));
        env.add_filter("properties_key", |s: &str| {
            crate::escape::properties(s, true)
        });
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

/// A service's config that holds its password when the secret is inline: the owner, group
/// and mode of `access`, flagged secret then, and `action` on `service` when it changes.
pub(crate) fn password_config(
    (path, kind): (&str, FileKind),
    content: String,
    (service, action): (&str, ServiceAction),
    access: &crate::resolve::Access,
    secret: &crate::resolve::Secret,
) -> File {
    let mut f = with_access(
        on_change(file(path, kind, content), service, action),
        access,
    );
    f.secret = secret.inline().is_some();
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

/// Renders every host of a deployment, in the order resolve decided ([`Deployment::hosts`]).
pub fn render(d: &Deployment) -> Result<Bundle> {
    let mut hosts = Vec::with_capacity(d.hosts.len());
    let mut memo = Memo::default();
    let mut common = None;
    for plan in &d.hosts {
        let (name, files) = match plan.of {
            HostOf::FrontDoor => {
                let door = d
                    .front_door
                    .as_ref()
                    .expect("resolve plans a front door it has");
                (&door.host, front_door(d, door)?)
            }
            HostOf::Signaling(i) => (&d.shards[i].host, signaling(d, &d.shards[i])?),
            HostOf::Turn => {
                let turn = d.turn.as_ref().expect("resolve plans a TURN server it has");
                (&turn.host, turn::files(d, turn)?)
            }
            HostOf::Bridge(i) => {
                let common = match &mut common {
                    Some(c) => c,
                    None => common.insert(BridgeCommon::new(d)?),
                };
                (&d.bridges[i].host, bridge(d, &d.bridges[i], common)?)
            }
            HostOf::Jibri(i) => (&d.jibris[i].host, jibri::files(d, &d.jibris[i])?),
            HostOf::Jigasi(i) => {
                let j = &d.jigasis[i];
                let mut files = jigasi::files(d, j)?;
                files.push(debconf::jigasi(d, &j.host)?);
                (&j.host, files)
            }
        };
        hosts.push(host(d, plan, name, files, &mut memo)?);
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

/// A host with its files: adds the firewall's and apt's files, sorts the files by path and
/// takes the steps from resolve ([`steps::of`]), the same way for every kind of host.
fn host(
    d: &Deployment,
    plan: &HostPlan,
    name: &str,
    mut files: Vec<File>,
    memo: &mut Memo,
) -> Result<Host> {
    let packages: Vec<String> = plan.packages.iter().map(|p| (*p).to_owned()).collect();
    if let Some(firewall) = &plan.firewall {
        files.extend(firewall::files(
            d,
            name,
            plan.of.label(),
            firewall,
            &mut memo.firewall,
        )?);
    }
    files.extend(apt::files(d, &packages, &memo.apt)?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let steps = steps::of(d, plan, &files, &packages);
    Ok(Host {
        name: name.to_owned(),
        roles: plan.roles.clone(),
        packages,
        files,
        accounts: plan.accounts.clone(),
        firewall: plan.firewall.clone(),
        steps,
    })
}

fn signaling(d: &Deployment, shard: &SignalingHost) -> Result<Vec<File>> {
    let mut files = vec![
        debconf::signaling(d, shard)?,
        nginx::site(d, shard)?,
        prosody::config(d, shard)?,
        prosody::restart_marker(d, shard)?,
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
    if let Some(turn) = d.turn.as_ref().filter(|t| t.host == shard.host) {
        files.extend(turn::files(d, turn)?);
    }
    Ok(files)
}

fn front_door(d: &Deployment, door: &FrontDoorHost) -> Result<Vec<File>> {
    Ok(vec![haproxy::config(d, door)?])
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
            ports: value(&d.ports),
            debconf: debconf::bridge(d)?,
            dropins: [jvb::dropin(d, false)?, jvb::dropin(d, true)?],
            drain_helper: jvb::drain_helper(d)?,
        })
    }
}

fn bridge(d: &Deployment, b: &BridgeHost, common: &BridgeCommon) -> Result<Vec<File>> {
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
    files.extend(haproxy::monitoring(d, b)?);
    Ok(files)
}
