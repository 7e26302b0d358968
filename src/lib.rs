//! # jitsi-topology
//!
//! One typed model of a scalable Jitsi Meet deployment in; every file, setting and step each
//! host needs out, deterministic and already checked.
//!
//! The scalable setup (Jitsi handbook, "DevOps Guide — Scalable setup") is one signalling host
//! running nginx, jitsi-meet web, prosody and jicofo, and N hosts running
//! jitsi-videobridge2 that log in to prosody on TCP 5222 and join the brewery MUC, where
//! jicofo finds them. This crate renders, per host: debconf selections, the nginx site, the
//! prosody config, jicofo.conf, jvb.conf, config.js, nftables rules, systemd drop-ins, the
//! packages, the prosody accounts and the ordered deployment steps.
//!
//! ## Pipeline
//! Data flows one way: [`load()`] (text to typed [`Topology`]) → [`validate()`] (every problem
//! at once, as [`Diagnostic`]s with JSON Pointer paths) → resolve (every name and version
//! choice, each host's packages, firewall rules and steps, made once, into a [`Deployment`])
//! → render (templates with format-aware escaping; [`render_deployment()`]) → [`Bundle`]. [`check()`] runs the first three, [`render()`] the
//! whole pipeline.
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! let model = std::fs::read_to_string("examples/handbook.yaml").unwrap();
//! let out = jitsi_topology::render(&model, &BTreeMap::new()).expect("valid model");
//! assert_eq!(out.bundle.hosts.len(), 4);
//! let jvb = out.bundle.host("jvb1.meet.example.com").unwrap().file("/etc/jitsi/videobridge/jvb.conf").unwrap();
//! assert!(jvb.content.contains("MUC_JIDS = \"jvbbrewery@internal.auth.meet.example.com\""));
//! ```
//!
//! ## The API
//! - The pipeline: [`load()`], [`validate()`], [`check()`], [`render_deployment()`],
//!   [`render()`]; [`plan::plan()`] compares two manifests.
//! - What goes in: [`model`] ([`Topology`]); what comes out: [`bundle`] ([`Bundle`], its
//!   [`Manifest`]); in between: [`deployment`] ([`Deployment`]).
//! - [`diagnostic`] ([`Diagnostic`], [`Report`]) and [`codes`] (every diagnostic code and its
//!   rule), [`schema`] (the JSON Schemas), [`release`] (the supported Jitsi releases).
//!
//! ## Stability
//! What comes out may grow in any release: [`Bundle`], its hosts, files, steps and file kinds,
//! the [`Manifest`], [`plan::Plan`], [`Diagnostic`], [`Report`], [`Checked`], [`Rendered`] and
//! the [`Deployment`] are `#[non_exhaustive]` (read their fields; match their enums with a
//! `_` arm). What goes in, the [`model`], stays exhaustive so that it can be built with struct
//! literals; a new model key is therefore a breaking change for Rust callers and comes only
//! with a new minor version while the crate is 0.x ([`model`] says the whole rule).
//! `examples/library.rs` and `examples/plan.rs` in the repository use the API
//! (`cargo run --example library`).
//!
//! ## Secrets
//! `{value}` and `{env}` secrets render into files flagged `secret` (mode 0640 or stricter);
//! `{file}` secrets are paths on the hosts and never appear in any rendered byte. The core
//! does no I/O: `{env}` values come from the [`SecretEnv`] the caller passes. Secret values
//! never appear in a diagnostic or in `Debug` output.

#![forbid(unsafe_code)]

// The public API: the data that goes in and comes out, the pipeline's functions below, and
// the resolved deployment; the stages themselves are private (tests/module_layers.rs holds
// their order).
pub mod bundle;
pub mod codes;
pub mod diagnostic;
pub mod facts;
pub mod model;
pub mod plan;
pub mod pretty;
pub mod release;
pub mod schema;

mod accepted;
mod escape;
mod identity;
mod installer;
mod load;
mod locate;
mod net;
mod render;
mod resolve;
mod secret;
mod shards;
mod validate;

/// The resolved deployment: every name, JID, path, port, package and version choice, made
/// once from a valid model; what every renderer reads (and `jitsi-topology resolve` prints).
pub mod deployment {
    pub use crate::resolve::{
        Acme, AuthPlan, BridgeHost, BridgeShard, CONFIG_DIR, ColibriBackend, ComponentShard,
        Deployment, DomainAccount, FirewallSettings, FrontDoorBackend, FrontDoorHost, HTTPS_PORT,
        HostOf, HostPlan, JIBRI_EXTERNAL_API_PORT, JIBRI_INTERNAL_API_PORT,
        JIBRI_RECORDINGS_FOLDER, JICOFO_REST_PORT, JVB_PRIVATE_HTTP_PORT, JVB_PUBLIC_HTTP_PORT,
        JibriApi, JibriHost, JibriSetup, JicofoAuthentication, JitsiApt, LIBEXEC_DIR, LdapPlan,
        LuaShim, MEDIA_UDP_PORT, Names, PACKAGE_DEFAULT_STUN, PROSODY_HTTP_PORT,
        PROSODY_HTTPS_PORT, Packages, ParticipantRegionPlan, Paths, Ports, RUNTIME_DIR,
        RedactionMap, Secret, Secrets, Service, Services, ShardAnnouncement, SignalingHost,
        TRUST_DIR, TURN_PORT, TURN_RELAY_PORTS, TURN_TLS_PORT, TokenPlan, TrustPlan, TurnHost,
        WEB_ROOT, Web, WebTls, XMPP_C2S_PORT,
    };
    pub use crate::resolve::{
        DialInPages, JIGASI_REST_PORT, JigasiHost, JigasiPlan, JigasiShard, SipPassword, SipPlan,
    };
}

pub use bundle::{Bundle, Manifest};
pub use deployment::Deployment;
pub use diagnostic::{Acknowledged, Diagnostic, Report, Severity};
pub use load::{Loaded, MAX_MODEL_BYTES};
pub use model::Topology;
pub use render::RenderError;
pub use secret::SecretEnv;
pub use validate::MIN_SECRET_LEN;

/// This library's version (the CLI, the C ABI and the Python package share it).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why the pipeline stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The model is invalid; the report says where and why.
    #[error("the model is invalid:\n{0}")]
    Invalid(Report),
    /// A bug: rendering failed for a model that validated.
    #[error(transparent)]
    Render(#[from] RenderError),
}

/// Parses and types a model. `Err` when the text is not YAML/JSON or does not fit the
/// model's types; unknown keys are reported in [`Loaded::diagnostics`] instead. Every
/// diagnostic carries the line and column of its path in `text`.
pub fn load(text: &str) -> Result<Loaded, Report> {
    match load::load(text) {
        Ok(mut loaded) => {
            locate::locate(text, &mut loaded.diagnostics);
            Ok(loaded)
        }
        Err(mut report) => {
            locate::locate(text, &mut report.diagnostics);
            Err(report)
        }
    }
}

/// Checks a loaded model: every problem at once, errors and warnings, sorted. `env` supplies
/// `{env}` secrets (a missing one is an error).
///
/// Warnings the model acknowledges (its `acknowledge` list) are left out; [`check()`] returns
/// them apart.
pub fn validate(topology: &Topology, env: &dyn SecretEnv) -> Vec<Diagnostic> {
    validate::acknowledge::apply(topology, validate::validate(topology, env)).0
}

/// A model that passed validation: its deployment, and the warnings it drew.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Checked {
    /// The resolved deployment.
    pub deployment: Deployment,
    /// Warnings (never errors), sorted; without those the model acknowledges.
    pub warnings: Vec<Diagnostic>,
    /// The warnings the model acknowledges (its `acknowledge` list), each with its reason,
    /// sorted.
    pub acknowledged: Vec<Acknowledged>,
    /// Informational notes ([`Severity::Info`]): nothing is wrong, but an operator should
    /// know (e.g. `public-stun`), sorted.
    pub notes: Vec<Diagnostic>,
}

/// Loads, validates and resolves `text`. `Err` holds every diagnostic (at least one error).
/// Every diagnostic carries the line and column of its path in `text` (see [`Diagnostic`]).
pub fn check(text: &str, env: &dyn SecretEnv) -> Result<Checked, Report> {
    let loaded = match load::load(text) {
        Ok(loaded) => loaded,
        Err(mut report) => {
            locate::locate(text, &mut report.diagnostics);
            return Err(report);
        }
    };
    let mut diagnostics = loaded.diagnostics;
    let (problems, secrets) = validate::validate_and_read(&loaded.topology, env);
    diagnostics.extend(problems);
    diagnostic::sort(&mut diagnostics);
    // Positions only when there is something to place: a valid model pays nothing for them.
    // Placed before the acknowledgements take theirs out, so that those keep their places.
    if !diagnostics.is_empty() {
        locate::locate(text, &mut diagnostics);
    }
    let (diagnostics, acknowledged) = validate::acknowledge::apply(&loaded.topology, diagnostics);
    let mut report = Report::new(diagnostics);
    // The problems of the acknowledgements themselves: only a model with acknowledgements
    // parses its text a second time.
    if !loaded.topology.acknowledge.is_empty() {
        locate::locate(text, &mut report.diagnostics);
    }
    match secrets {
        Some(secrets) if report.error_count() == 0 => Ok(Checked {
            deployment: resolve::resolve(&loaded.topology, &secrets),
            warnings: report.diagnostics,
            acknowledged,
            notes: {
                let mut notes = Report::new(validate::notes(&loaded.topology)).diagnostics;
                if !notes.is_empty() {
                    locate::locate(text, &mut notes);
                }
                notes
            },
        }),
        // A secret that could not be read is among the errors.
        _ => Err(report),
    }
}

/// What [`render()`] produced.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Rendered {
    /// Every host's files, packages, accounts, firewall and steps.
    pub bundle: Bundle,
    /// Warnings about the model, sorted; without those the model acknowledges.
    pub warnings: Vec<Diagnostic>,
    /// The warnings the model acknowledges, each with its reason, sorted.
    pub acknowledged: Vec<Acknowledged>,
    /// Informational notes about the model ([`Checked::notes`]), sorted.
    pub notes: Vec<Diagnostic>,
}

/// The whole pipeline: `text` (YAML or JSON) to a [`Bundle`].
pub fn render(text: &str, env: &dyn SecretEnv) -> Result<Rendered, Error> {
    let checked = check(text, env).map_err(Error::Invalid)?;
    let bundle = render_deployment(&checked.deployment)?;
    Ok(Rendered {
        bundle,
        warnings: checked.warnings,
        acknowledged: checked.acknowledged,
        notes: checked.notes,
    })
}

/// Renders a resolved deployment (from [`check()`]) into its [`Bundle`]: the templates and the
/// steps alone, without loading or validating again. [`render()`] is the whole pipeline.
pub fn render_deployment(deployment: &Deployment) -> Result<Bundle, RenderError> {
    render::render(deployment)
}
