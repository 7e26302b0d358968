//! A jibri host: jibri.conf (HOCON), jibri's systemd drop-in, the kernel module it needs and
//! the helper that lets a recording end before jibri restarts.

use minijinja::context;

use super::systemd::SecretInjection;
use super::{Result, file, on_change, template, value, with_access};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{Deployment, JibriHost, Secret};

/// jibri's two passwords, each with the variable its `{file}` form reaches jibri as.
fn passwords(d: &Deployment) -> [(&Secret, &'static str); 2] {
    let s = &d.secrets;
    [
        (
            s.jibri
                .as_ref()
                .expect("validation requires secrets.jibri with jibris"),
            s.jibri_env,
        ),
        (
            s.recorder
                .as_ref()
                .expect("validation requires secrets.recorder with jibris"),
            s.recorder_env,
        ),
    ]
}

/// `/etc/jitsi/jibri/jibri.conf`: one XMPP environment per shard the jibri serves.
pub(crate) fn config(d: &Deployment, j: &JibriHost) -> Result<File> {
    let [(jibri, jibri_env), (recorder, recorder_env)] = passwords(d);
    let content = template(
        "jibri.conf",
        context! {
            names => value(&d.names),
            ports => value(&d.ports),
            jibri => value(j),
            verify_certificate => d.trust.verifies(),
            jibri_password => jibri.inline().map(|s| s.expose()),
            jibri_password_env => jibri.inline().is_none().then_some(jibri_env),
            jibri_password_file => jibri.file(),
            recorder_password => recorder.inline().map(|s| s.expose()),
            recorder_password_env => recorder.inline().is_none().then_some(recorder_env),
            recorder_password_file => recorder.file(),
        },
    )?;
    let mut f = with_access(
        on_change(
            file(&d.paths.jibri_config, FileKind::Jibri, content),
            d.services.jibri.name,
            ServiceAction::Drain,
        ),
        &d.access.jibri_config,
    );
    f.secret = jibri.inline().is_some() || recorder.inline().is_some();
    Ok(f)
}

/// jibri's drop-in: Chromium instead of Google Chrome, the ALSA loopback, the recordings
/// folder, and the `{file}` passwords.
pub(crate) fn dropin(d: &Deployment, j: &JibriHost) -> Result<File> {
    let service = &d.services.jibri;
    let secrets: Vec<SecretInjection> = passwords(d)
        .into_iter()
        .enumerate()
        .filter_map(|(i, (secret, variable))| {
            SecretInjection::new(d, service, variable, secret, &d.paths.jibri_config).map(|s| {
                if i == 0 {
                    s
                } else {
                    s.with_env_file(d.jibri_setup.recorder_environment.clone())
                }
            })
        })
        .collect();
    let content = template(
        "jibri-dropin.conf",
        context! {
            service => service.name,
            setup => value(&d.jibri_setup),
            modules_file => &d.paths.jibri_modules,
            recordings_folder => &j.recordings_folder,
            secrets => value(&secrets),
        },
    )?;
    Ok(on_change(
        file(&service.dropin, FileKind::Systemd, content),
        service.name,
        ServiceAction::Drain,
    ))
}

/// The kernel module jibri needs, loaded at every boot (systemd's modules-load.d).
pub(crate) fn modules(d: &Deployment) -> File {
    file(
        &d.paths.jibri_modules,
        FileKind::KernelModules,
        format!(
            "# Managed by jitsi-topology: the ALSA loopback jibri captures the conference's audio from.\n{}\n",
            d.jibri_setup.kernel_module
        ),
    )
}

/// The helper jibri's service step runs: graceful shutdown, wait, restart.
pub(crate) fn drain_helper(d: &Deployment) -> Result<File> {
    let content = template(
        "drain-jibri.sh",
        context! {
            unit => d.services.jibri.name,
            api => value(&d.jibri_api),
            timeout => crate::resolve::DRAIN_TIMEOUT_SECONDS,
            poll => crate::resolve::DRAIN_POLL_SECONDS,
        },
    )?;
    Ok(with_access(
        file(&d.paths.jibri_drain_helper, FileKind::Script, content),
        &d.access.script,
    ))
}

/// Every file of a jibri host but the firewall's and apt's.
pub(crate) fn files(d: &Deployment, j: &JibriHost) -> Result<Vec<File>> {
    let mut files = vec![config(d, j)?, dropin(d, j)?, modules(d), drain_helper(d)?];
    if passwords(d).iter().any(|(s, _)| s.inline().is_none()) {
        files.push(super::systemd::secret_env_helper(d)?);
    }
    Ok(files)
}
