//! Planning a change: what differs between two renders, per host, and what must happen for
//! the new one to take effect — the services to reload, restart or drain, and the steps that
//! must run again — all taken from the manifests' `services` and `steps`.
//!
//! Secrets never appear: files are compared by their SHA-256 (computed here from the content
//! for files flagged secret, whose manifest entry carries none) and metadata only.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;

use crate::bundle::{
    Manifest, ManifestFile, ManifestHost, ServiceAction, ServiceRef, Step, sha256_hex,
};

/// A service to act on, and the command that does it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ServiceCommand {
    /// The systemd unit without `.service`.
    pub name: String,
    /// The strongest action the changed files ask for.
    pub action: ServiceAction,
    /// The command that applies it.
    pub command: Vec<String>,
}

/// What to do to `host`'s services after the files at the `changed` paths were written: each
/// service once, with the strongest action those files ask for, in the order of the host's
/// service steps (prosody before jicofo, the firewall before services), each with its service
/// step's command when that step applies this very action, else systemctl's (a reload is a
/// `reload-or-restart`; a drain without the host's drain step becomes a restart).
/// Integrations (the Ansible plugin) call this instead of ordering services themselves. Paths
/// not in the manifest are ignored.
pub fn service_actions(host: &ManifestHost<'_>, changed: &[&str]) -> Vec<ServiceCommand> {
    let wanted: Vec<ServiceRef> = host
        .files
        .iter()
        .filter(|f| changed.contains(&&*f.path))
        .flat_map(|f| f.services.iter().cloned())
        .collect();
    service_order(host, &wanted)
        .into_iter()
        .map(|s| {
            let step = host.steps.iter().find_map(|step| match step {
                Step::Service {
                    service,
                    on_change,
                    command,
                    ..
                } if *service == s.name => Some((*on_change, command)),
                _ => None,
            });
            let command = match step {
                Some((on_change, command)) if on_change == s.action => command.clone(),
                _ => crate::render::systemctl_command(&s.name, s.action),
            };
            ServiceCommand {
                name: s.name,
                action: s.action,
                command,
            }
        })
        .collect()
}

/// What changes between two manifests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Plan {
    /// True when anything differs.
    pub changes: bool,
    /// Every host of either manifest, in the new manifest's order, then removed hosts.
    pub hosts: Vec<HostPlan>,
}

/// What happens to a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HostStatus {
    /// New in the topology: deploy it from scratch.
    Added,
    /// No longer in the topology: stop its services and retire it.
    Removed,
    /// Some of its files or steps differ.
    Changed,
    /// Nothing differs.
    Unchanged,
}

/// The plan for one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct HostPlan {
    /// The host's name.
    pub name: String,
    /// What happens to it.
    pub status: HostStatus,
    /// Files to create.
    pub added: Vec<String>,
    /// Files whose content, mode or owner differs.
    pub changed: Vec<String>,
    /// Files no longer rendered (remove them from the host).
    pub removed: Vec<String>,
    /// Services to act on, each with the strongest action its changed files ask for, in the
    /// order of the host's steps (prosody before jicofo, the firewall before services).
    pub services: Vec<ServiceRef>,
    /// The steps that must run (again), in the host's order: all of them for a new host.
    pub steps: Vec<Step>,
}

/// What tells two versions of a file apart: its SHA-256 (from the manifest or, for a file
/// flagged secret, whose manifest entry has none, from its content), mode and owner. No
/// fingerprint at all (a secret file of an output folder that could not be read) never
/// compares equal, so the file counts as changed.
fn same_file(a: &ManifestFile<'_>, b: &ManifestFile<'_>) -> bool {
    let fingerprint = |f: &ManifestFile<'_>| {
        f.sha256
            .clone()
            .or_else(|| f.content.as_deref().map(|c| sha256_hex(c.as_bytes())))
    };
    (&a.mode, &a.owner, &a.group) == (&b.mode, &b.owner, &b.group)
        && fingerprint(a).is_some_and(|x| fingerprint(b).is_some_and(|y| x == y))
}

fn strength(a: ServiceAction) -> u8 {
    match a {
        ServiceAction::Reload => 0,
        ServiceAction::Restart => 1,
        ServiceAction::Drain => 2,
    }
}

/// Compares two manifests.
pub fn plan(old: &Manifest<'_>, new: &Manifest<'_>) -> Plan {
    let old_hosts: BTreeMap<&str, &ManifestHost> =
        old.hosts.iter().map(|h| (&*h.name, h)).collect();
    let mut hosts: Vec<HostPlan> = new
        .hosts
        .iter()
        .map(|h| host_plan(old_hosts.get(&*h.name).copied(), h))
        .collect();
    let new_names: BTreeSet<&str> = new.hosts.iter().map(|h| &*h.name).collect();
    for h in &old.hosts {
        if !new_names.contains(&*h.name) {
            hosts.push(HostPlan {
                name: h.name.to_string(),
                status: HostStatus::Removed,
                added: Vec::new(),
                changed: Vec::new(),
                removed: h.files.iter().map(|f| f.path.to_string()).collect(),
                services: Vec::new(),
                steps: Vec::new(),
            });
        }
    }
    let changes =
        old.release != new.release || hosts.iter().any(|h| h.status != HostStatus::Unchanged);
    Plan { changes, hosts }
}

fn host_plan(old: Option<&ManifestHost>, new: &ManifestHost) -> HostPlan {
    let Some(old) = old else {
        return HostPlan {
            name: new.name.to_string(),
            status: HostStatus::Added,
            added: new.files.iter().map(|f| f.path.to_string()).collect(),
            changed: Vec::new(),
            removed: Vec::new(),
            services: service_order(
                new,
                &new.files
                    .iter()
                    .flat_map(|f| f.services.iter().cloned())
                    .collect::<Vec<_>>(),
            ),
            steps: new.steps.to_vec(),
        };
    };
    let old_files: BTreeMap<&str, &ManifestFile> =
        old.files.iter().map(|f| (&*f.path, f)).collect();
    let new_paths: BTreeSet<&str> = new.files.iter().map(|f| &*f.path).collect();
    let (mut added, mut changed) = (Vec::new(), Vec::new());
    let mut touched: Vec<&ManifestFile> = Vec::new();
    for f in &new.files {
        match old_files.get(&*f.path) {
            None => {
                added.push(f.path.to_string());
                touched.push(f);
            }
            Some(o) if !same_file(o, f) => {
                changed.push(f.path.to_string());
                touched.push(f);
            }
            Some(_) => {}
        }
    }
    let removed: Vec<&ManifestFile> = old
        .files
        .iter()
        .filter(|f| !new_paths.contains(&*f.path))
        .collect();
    let mut wanted: Vec<ServiceRef> = touched
        .iter()
        .flat_map(|f| f.services.iter().cloned())
        .collect();
    // A removed file's service still has to stop reading it.
    wanted.extend(removed.iter().flat_map(|f| f.services.iter().cloned()));
    let services = service_order(new, &wanted);
    let steps = steps_to_rerun(old, new, &touched, !removed.is_empty(), &services);
    let status = if added.is_empty() && changed.is_empty() && removed.is_empty() && steps.is_empty()
    {
        HostStatus::Unchanged
    } else {
        HostStatus::Changed
    };
    HostPlan {
        name: new.name.to_string(),
        status,
        added,
        changed,
        removed: removed.iter().map(|f| f.path.to_string()).collect(),
        services,
        steps,
    }
}

/// The strongest action per service, in the order the host's service steps name them.
fn service_order(host: &ManifestHost, wanted: &[ServiceRef]) -> Vec<ServiceRef> {
    let mut strongest: BTreeMap<&str, ServiceAction> = BTreeMap::new();
    for s in wanted {
        let e = strongest.entry(s.name.as_str()).or_insert(s.action);
        if strength(s.action) > strength(*e) {
            *e = s.action;
        }
    }
    let order: Vec<&str> = host
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Service { service, .. } => Some(service.as_str()),
            _ => None,
        })
        .collect();
    let mut names: Vec<&str> = strongest.keys().copied().collect();
    names.sort_by_key(|n| order.iter().position(|o| o == n).unwrap_or(usize::MAX));
    names
        .into_iter()
        .map(|n| ServiceRef {
            name: n.to_owned(),
            action: strongest[n],
        })
        .collect()
}

/// The host's steps that must run again: those whose inputs changed.
fn steps_to_rerun(
    old: &ManifestHost,
    new: &ManifestHost,
    touched: &[&ManifestFile],
    files_removed: bool,
    services: &[ServiceRef],
) -> Vec<Step> {
    let touched_paths: BTreeSet<&str> = touched.iter().map(|f| &*f.path).collect();
    let old_steps: Vec<&Step> = old.steps.iter().collect();
    // Removed files are removed by the host's last write step (the one writing everything).
    let last_write = new
        .steps
        .iter()
        .rposition(|s| matches!(s, Step::WriteFiles { .. }));
    new.steps
        .iter()
        .enumerate()
        .filter(|(i, step)| {
            let unchanged_before = old_steps.contains(step);
            match step {
                Step::Preseed { file, .. } => touched_paths.contains(file.as_str()),
                // New pins (another release) install the pinned versions.
                Step::InstallPackages { .. } => {
                    !unchanged_before
                        || touched.iter().any(|f| {
                            matches!(
                                f.kind,
                                crate::bundle::FileKind::AptSource
                                    | crate::bundle::FileKind::AptPreferences
                            )
                        })
                }
                Step::WriteFiles { files, .. } => {
                    files.iter().any(|p| touched_paths.contains(p.as_str()))
                        || (files_removed && Some(*i) == last_write)
                }
                Step::DaemonReload { .. } => touched
                    .iter()
                    .any(|f| f.kind == crate::bundle::FileKind::Systemd),
                // A new account, another password file, or a changed rendered secret file.
                Step::RegisterAccount { password_file, .. } => {
                    !unchanged_before || touched_paths.contains(password_file.as_str())
                }
                // The hook installs the certificate again when it changed.
                Step::WebCertificate { command, .. } => {
                    !unchanged_before || command.iter().any(|p| touched_paths.contains(p.as_str()))
                }
                Step::RosterSubscribe { .. }
                | Step::CheckPackages { .. }
                | Step::AcmeCertificate { .. }
                | Step::RegisterJaas { .. }
                | Step::TrustExport { .. }
                | Step::TrustImport { .. } => !unchanged_before,
                Step::Service { service, .. } => services.iter().any(|s| &s.name == service),
            }
        })
        .map(|(_, step)| step)
        .cloned()
        .collect()
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for h in &self.hosts {
            let status = match h.status {
                HostStatus::Added => "added",
                HostStatus::Removed => "removed",
                HostStatus::Changed => "changed",
                HostStatus::Unchanged => continue,
            };
            writeln!(f, "{}: {status}", h.name)?;
            for p in &h.added {
                writeln!(f, "  + {p}")?;
            }
            for p in &h.changed {
                writeln!(f, "  ~ {p}")?;
            }
            for p in &h.removed {
                writeln!(f, "  - {p}")?;
            }
            for s in &h.services {
                let action = match s.action {
                    ServiceAction::Reload => "reload",
                    ServiceAction::Restart => "restart",
                    ServiceAction::Drain => "drain",
                };
                writeln!(f, "  {action} {}", s.name)?;
            }
            let names: Vec<String> = h
                .steps
                .iter()
                .filter(|s| !matches!(s, Step::Service { .. }))
                .map(|s| {
                    serde_json::to_value(s)
                        .ok()
                        .and_then(|v| v["action"].as_str().map(str::to_owned))
                        .unwrap_or_default()
                })
                .collect();
            if !names.is_empty() {
                writeln!(f, "  steps: {}", names.join(", "))?;
            }
        }
        let changed = self
            .hosts
            .iter()
            .filter(|h| h.status != HostStatus::Unchanged)
            .count();
        if changed == 0 {
            write!(f, "no changes")
        } else {
            write!(
                f,
                "{changed} host{} to change",
                if changed == 1 { "" } else { "s" }
            )
        }
    }
}
