//! A bridge's jvb.conf (HOCON), its systemd drop-in and environment.

use minijinja::{Value, context};

use super::systemd::SecretInjection;
use super::{Result, file, on_change, password_config, template, value, with_access};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{BridgeHost, Deployment};

/// `/etc/jitsi/videobridge/jvb.conf`.
pub(crate) fn config(d: &Deployment, b: &BridgeHost, names: &Value, ports: &Value) -> Result<File> {
    let secret = &d.secrets.jvb;
    let content = template(
        "jvb.conf",
        context! {
            release => d.release,
            names => names.clone(),
            ports => ports.clone(),
            bridge => value(b),
            api => value(&d.bridge_api),
            verify_certificate => d.trust.verifies(),
            password => secret.inline().map(|s| s.expose()),
            password_env => secret.inline().is_none().then_some(d.secrets.jvb_env),
            password_file => secret.file(),
        },
    )?;
    Ok(password_config(
        (&d.paths.jvb_config, FileKind::Jvb),
        content,
        (d.services.videobridge.name, ServiceAction::Drain),
        &d.access.videobridge_config,
        secret,
    ))
}

/// The bridge's environment file (JVM heap), when the model sets one.
pub(crate) fn environment(d: &Deployment, b: &BridgeHost) -> Result<Option<File>> {
    let Some(max_memory) = &b.jvm_max_memory else {
        return Ok(None);
    };
    let content = template("videobridge.env", context! { host => &b.host, max_memory })?;
    Ok(Some(on_change(
        file(&d.paths.jvb_environment, FileKind::Environment, content),
        d.services.videobridge.name,
        ServiceAction::Drain,
    )))
}

/// The drop-in that reads a bridge's environment file (`with_environment`: the bridge has
/// one) and hands the bridge a file-referenced password; the same on every bridge.
pub(crate) fn dropin(d: &Deployment, with_environment: bool) -> Result<Option<File>> {
    let service = &d.services.videobridge;
    let injection = SecretInjection::new(
        d,
        service,
        d.secrets.jvb_env,
        &d.secrets.jvb,
        &d.paths.jvb_config,
    );
    super::systemd::dropin(
        service,
        ServiceAction::Drain,
        with_environment.then_some(d.paths.jvb_environment.as_str()),
        injection,
    )
}

/// For releases whose bridge still reads sip-communicator.properties: the file, emptied of
/// the installer's leftovers (which would override jvb.conf).
pub(crate) fn properties(d: &Deployment, b: &BridgeHost) -> Result<Option<File>> {
    if !d.sip_communicator_properties {
        return Ok(None);
    }
    let content = template(
        "sip-communicator.properties",
        context! { release => d.release, bridge => value(b) },
    )?;
    let mut f = on_change(
        file(&d.paths.jvb_properties, FileKind::JvbProperties, content),
        d.services.videobridge.name,
        ServiceAction::Drain,
    );
    f = with_access(f, &d.access.videobridge_config);
    Ok(Some(f))
}

/// The helper the videobridge's service step runs: drain mode, wait for the conferences to
/// end, restart (the same on every bridge).
pub(crate) fn drain_helper(d: &Deployment) -> Result<File> {
    let content = template(
        "drain-videobridge.sh",
        context! {
            unit => d.services.videobridge.name,
            api => value(&d.bridge_api),
        },
    )?;
    Ok(with_access(
        file(&d.paths.drain_helper, FileKind::Script, content),
        &d.access.script,
    ))
}
