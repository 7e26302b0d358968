//! A bridge's jvb.conf (HOCON), its systemd drop-in and environment.

use minijinja::{Value, context};

use super::systemd::SecretInjection;
use super::{Result, file, on_change, template, value};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{BridgeHost, CONFIG_DIR, Deployment};

const PATH: &str = "/etc/jitsi/videobridge/jvb.conf";
const SERVICE: &str = "jitsi-videobridge2";

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
            verify_certificate => d.trust.verifies(),
            password => secret.inline().map(|s| s.expose()),
            password_env => secret.inline().is_none().then_some(d.secrets.jvb_env),
            password_file => secret.file(),
        },
    )?;
    let mut f = on_change(
        file(PATH, FileKind::Jvb, content),
        SERVICE,
        ServiceAction::Drain,
    );
    f.mode = 0o640;
    f.group = "jitsi".into();
    f.secret = secret.inline().is_some();
    Ok(f)
}

/// Where a bridge's environment file goes.
fn environment_path() -> String {
    format!("{CONFIG_DIR}/videobridge.env")
}

/// The bridge's environment file (JVM heap), when the model sets one.
pub(crate) fn environment(b: &BridgeHost) -> Option<File> {
    b.jvm_max_memory.as_ref().map(|mem| {
        let content = format!(
            "# Managed by jitsi-topology for bridge {}: read by jvb.sh through our drop-in.\nVIDEOBRIDGE_MAX_MEMORY={mem}\n",
            b.host
        );
        on_change(
            file(environment_path(), FileKind::Environment, content),
            SERVICE,
            ServiceAction::Drain,
        )
    })
}

/// The drop-in that reads a bridge's environment file (`with_environment`: the bridge has
/// one) and hands the bridge a file-referenced password; the same on every bridge.
pub(crate) fn dropin(d: &Deployment, with_environment: bool) -> Result<Option<File>> {
    let env_path = environment_path();
    let injection = SecretInjection::new(SERVICE, d.secrets.jvb_env, &d.secrets.jvb, PATH);
    super::systemd::dropin(
        SERVICE,
        ServiceAction::Drain,
        with_environment.then_some(env_path.as_str()),
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
        file(
            "/etc/jitsi/videobridge/sip-communicator.properties",
            FileKind::JvbProperties,
            content,
        ),
        SERVICE,
        ServiceAction::Drain,
    );
    f.mode = 0o640;
    f.group = "jitsi".into();
    Ok(Some(f))
}
