//! The prosody config of the signalling host, included from Debian's main config.

use minijinja::context;

use super::systemd::{SecretInjection, dropins};
use super::{Result, file, on_change, template, value, with_access};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{Deployment, Secret, SignalingHost};

/// The prosody config's text, with these TLS paths (auth certificate and key, domain
/// certificate and key) and, with `secret`, an inline TURN secret (else a placeholder).
fn text(d: &Deployment, shard: &SignalingHost, tls: [&str; 4], secret: bool) -> Result<String> {
    let [auth_certificate, auth_key, domain_certificate, domain_key] = tls;
    template(
        "prosody.cfg.lua",
        context! {
            release => d.release,
            prosody => d.prosody.to_string(),
            names => value(&d.names),
            shard => value(shard),
            regions => value(&d.participant_regions),
            ports => value(&d.ports),
            plugin_paths => &d.paths.prosody_plugins,
            auth_certificate,
            auth_key,
            domain_certificate,
            domain_key,
            component_admins_as_room_owners => d.component_admins_as_room_owners,
            polls_component => d.polls_component,
            features_identity => d.features_identity,
            jibri => !d.jibris.is_empty(),
            jigasi_jid => d.secrets.jigasi.as_ref().map(|_| &d.jigasi.jid),
            turn => d.turn.as_ref().map(value),
            turn_secret => d.secrets.turn.as_ref().and_then(Secret::inline)
                .map(|s| if secret { s.expose() } else { "(TURN secret)" }),
            turn_secret_env => d.secrets.turn_env,
            auth => value(&d.auth),
            jwt_secret => d.auth.token.as_ref().and_then(|t| t.secret.as_ref()).and_then(Secret::inline)
                .map(|s| if secret { s.expose() } else { "(JWT secret)" }),
            ldap_password => d.auth.ldap.as_ref().and_then(|l| l.password.as_ref()).and_then(Secret::inline)
                .map(|s| if secret { s.expose() } else { "(LDAP password)" }),
        },
    )
}

/// `/etc/prosody/conf.avail/<domain>.cfg.lua`. A change of it alone asks for a reload: that
/// applies new TLS certificates (the reload handlers of prosody 0.12's core/portmanager.lua
/// and modules/mod_tls.lua) and reopens the logs (util/startup.lua), nothing else; see
/// [`restart_marker`].
pub(crate) fn config(d: &Deployment, shard: &SignalingHost) -> Result<File> {
    let content = text(
        d,
        shard,
        [
            &d.web.auth_certificate,
            &d.web.auth_key,
            &d.paths.domain_certificate,
            &d.paths.domain_key,
        ],
        true,
    )?;
    // An inline TURN secret is read when mod_external_services loads (and the JWT secret and
    // the LDAP password when their modules load): a new one needs a restart, and the restart
    // marker leaves secrets out, so this file asks for it itself.
    let action = if inline_secret(d) {
        ServiceAction::Restart
    } else {
        ServiceAction::Reload
    };
    let mut f = on_change(
        file(&d.web.prosody_config, FileKind::Prosody, content),
        d.services.prosody.name,
        action,
    );
    // An inline secret makes the file secret: readable by prosody, nobody else.
    if inline_secret(d) {
        f.secret = true;
        f = with_access(f, &d.access.prosody_secret_config);
    }
    Ok(f)
}

/// What prosody reads only when it starts, as a digest: prosody's config with its TLS paths
/// and an inline TURN secret left out (no digest of a secret is published; the config itself asks
/// for a restart when it holds one). A reload (SIGHUP: Debian's prosody.service `ExecReload`) binds no new listener (ports,
/// interfaces), loads no new module, host or component, and leaves the options each module read
/// when it loaded as they were (prosody 0.12's mod_external_services reads the TURN secret and
/// servers at load, for one): only TLS contexts and logs follow the new config (see
/// evidence-prosody-0.12.3-sighup.log). So prosody restarts, which drops every XMPP session of
/// the shard, exactly when this file changes: on a first deployment (the package's prosody runs
/// with its own listeners on 5280 and 5281) and when anything but the TLS paths changes.
pub(crate) fn restart_marker(d: &Deployment, shard: &SignalingHost) -> Result<File> {
    let startup = text(d, shard, ["(TLS path)"; 4], false)?;
    let digest = file("", FileKind::Prosody, startup).sha256();
    let content = template(
        "prosody-restart",
        context! { config => &d.web.prosody_config, digest },
    )?;
    let f = on_change(
        file(
            &d.paths.prosody_restart_marker,
            FileKind::RestartMarker,
            content,
        ),
        d.services.prosody.name,
        ServiceAction::Restart,
    );
    Ok(f)
}

/// Whether prosody's config holds a secret itself: the TURN secret, the JWT secret or the
/// LDAP bind password.
fn inline_secret(d: &Deployment) -> bool {
    (d.turn.is_some()
        && d.secrets
            .turn
            .as_ref()
            .is_some_and(|s| s.inline().is_some()))
        || d.auth.inline_secret()
}

/// The drop-in that hands prosody a file-referenced TURN secret (its config reads
/// `ENV_<variable>`).
pub(crate) fn service_dropin(d: &Deployment) -> Result<Option<File>> {
    let prosody = &d.services.prosody;
    let inject = |variable, secret| {
        SecretInjection::new(d, prosody, variable, secret, &d.web.prosody_config)
    };
    let mut injections = Vec::new();
    if let (Some(_), Some(secret)) = (&d.turn, &d.secrets.turn) {
        injections.extend(inject(d.secrets.turn_env, secret));
    }
    if let Some(t) = &d.auth.token
        && let Some(secret) = &t.secret
    {
        injections.extend(inject(t.secret_env, secret));
    }
    if let Some(l) = &d.auth.ldap
        && let Some(secret) = &l.password
    {
        injections.extend(inject(l.password_env, secret));
    }
    // A new environment needs a restart; a reload keeps the old one.
    dropins(prosody, ServiceAction::Restart, injections)
}

/// With tokens: our modules on Lua 5.4's path that run Debian's copies of the Lua modules the
/// token library needs, which Debian packages for older Lua versions only
/// ([`crate::resolve::LuaShim`]). prosody loads them with the token modules, at start.
pub(crate) fn lua_shims(d: &Deployment) -> Result<Vec<File>> {
    d.auth
        .lua_shims
        .iter()
        .map(|shim| {
            let content = template("lua-shim.lua", context! { shim => value(shim) })?;
            Ok(on_change(
                file(&shim.path, FileKind::LuaModule, content),
                d.services.prosody.name,
                ServiceAction::Restart,
            ))
        })
        .collect()
}
