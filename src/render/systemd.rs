//! Our systemd pieces: drop-ins for the packages' services, the helper that turns a secret
//! file into a service's environment, and the secret files the account steps read.

use std::sync::OnceLock;

use minijinja::context;
use serde::Serialize;

use super::{Result, file, on_change, template, value, with_access};
use crate::bundle::{File, FileKind, ServiceAction};
use crate::resolve::{Deployment, Secret, Service};

/// A file-referenced secret carried into a service's environment at start.
#[derive(Serialize)]
pub(crate) struct SecretInjection {
    helper: String,
    variable: &'static str,
    file: String,
    env_file: String,
    config: String,
}

impl SecretInjection {
    /// For `service`, whose config `config` substitutes `${?variable}`.
    pub(crate) fn new(
        d: &Deployment,
        service: &Service,
        variable: &'static str,
        secret: &Secret,
        config: &str,
    ) -> Option<Self> {
        match secret {
            Secret::File { path } => Some(Self {
                helper: d.paths.secret_env_helper.clone(),
                variable,
                file: path.clone(),
                env_file: service.runtime_environment.clone(),
                config: config.to_owned(),
            }),
            Secret::Inline { .. } => None,
        }
    }
}

impl SecretInjection {
    /// The same, written to `env_file` (a service with several secrets keeps each apart).
    pub(crate) fn with_env_file(mut self, env_file: String) -> Self {
        self.env_file = env_file;
        self
    }
}

/// `service`'s drop-in, or nothing when there is nothing to add to the package's unit.
pub(crate) fn dropin(
    service: &Service,
    action: ServiceAction,
    environment: Option<&str>,
    secret: Option<SecretInjection>,
) -> Result<Option<File>> {
    if environment.is_none() && secret.is_none() {
        return Ok(None);
    }
    let content = template(
        "service-dropin.conf",
        context! { service => service.name, environment, secret => value(&secret) },
    )?;
    Ok(Some(on_change(
        file(&service.dropin, FileKind::Systemd, content),
        service.name,
        action,
    )))
}

/// `service`'s drop-in with several file-referenced secrets, each in an environment file of
/// its own (the first keeps the service's own name, as [`dropin`] names it).
pub(crate) fn dropins(
    service: &Service,
    action: ServiceAction,
    mut secrets: Vec<SecretInjection>,
) -> Result<Option<File>> {
    if secrets.len() <= 1 {
        return dropin(service, action, None, secrets.pop());
    }
    for s in secrets.iter_mut().skip(1) {
        s.env_file = format!(
            "{}-{}.env",
            s.env_file.trim_end_matches(".env"),
            s.variable.to_lowercase()
        );
    }
    let content = template(
        "service-dropin.conf",
        context! { service => service.name, environment => (), secrets => value(&secrets) },
    )?;
    Ok(Some(on_change(
        file(&service.dropin, FileKind::Systemd, content),
        service.name,
        action,
    )))
}

static SECRET_ENV: OnceLock<String> = OnceLock::new();
static SECRET_CONFIG: OnceLock<String> = OnceLock::new();

/// The helper our drop-ins run before a service starts.
pub(crate) fn secret_env_helper(d: &Deployment) -> Result<File> {
    let f = file(
        &d.paths.secret_env_helper,
        FileKind::Script,
        super::constant(&SECRET_ENV, "secret-env.sh", || context! {})?,
    );
    Ok(with_access(f, &d.access.script))
}

/// The helper that appends a file-referenced secret to a copy of a service's config.
pub(crate) fn secret_config_helper(d: &Deployment) -> Result<File> {
    let f = file(
        &d.paths.secret_config_helper,
        FileKind::Script,
        super::constant(&SECRET_CONFIG, "secret-config.sh", || context! {})?,
    );
    Ok(with_access(f, &d.access.script))
}

/// For each inline account password (jicofo's, the bridges', the jigasis', the model's accounts on the
/// public domain), the root-only file its account step reads on the signalling host.
pub(crate) fn account_secret_files(d: &Deployment) -> Vec<File> {
    [&d.secrets.focus, &d.secrets.jvb]
        .into_iter()
        // jibri's accounts, registered on every shard with jibris.
        .chain(
            [&d.secrets.jibri, &d.secrets.recorder]
                .into_iter()
                .flatten()
                .filter(|_| !d.jibris.is_empty()),
        )
        .chain(&d.secrets.jigasi)
        .chain(d.auth.accounts.iter().map(|a| &a.secret))
        .filter_map(|s| match s {
            Secret::Inline { value, file: path } => {
                let mut f = with_access(
                    file(
                        path.clone(),
                        FileKind::Secret,
                        format!("{}\n", value.expose()),
                    ),
                    &d.access.root_secret,
                );
                f.secret = true;
                Some(f)
            }
            Secret::File { .. } => None,
        })
        .collect()
}
