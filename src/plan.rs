//! Planning a change: what differs between two renders, per host, and what must happen for
//! the new one to take effect — the services to reload, restart or drain, and the steps that
//! must run again — all taken from the manifests' `services` and `steps`.
//!
//! Secrets never appear: files are compared by their SHA-256 (computed here from the content
//! for files flagged secret, whose manifest entry carries none) and metadata only. A changed
//! file's unified diff is shown when both manifests carry its content (the CLI fills it in
//! for the files it may show) and the file is neither flagged secret nor unreadable to others
//! (mode without o+r) on either side; such a file says "content differs (withheld)" instead.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;

use crate::bundle::{
    Manifest, ManifestFile, ManifestHost, ServiceAction, ServiceRef, Step, sha256_hex,
};

/// A service to act on, and the command that does it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[non_exhaustive]
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
                _ => crate::resolve::systemctl_command(&s.name, s.action),
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
#[non_exhaustive]
pub struct Plan {
    /// True when anything differs.
    pub changes: bool,
    /// Every host of either manifest, in the new manifest's order, then removed hosts.
    pub hosts: Vec<HostPlan>,
}

/// What happens to a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct HostPlan {
    /// The host's name.
    pub name: String,
    /// What happens to it.
    pub status: HostStatus,
    /// Files to create.
    pub added: Vec<String>,
    /// Files whose content, mode or owner differs.
    pub changed: Vec<String>,
    /// How each changed file changes, in the order of `changed`.
    pub diffs: Vec<FileDiff>,
    /// Files no longer rendered (remove them from the host).
    pub removed: Vec<String>,
    /// Services to act on, each with the strongest action its changed files ask for, in the
    /// order of the host's steps (prosody before jicofo, the firewall before services).
    pub services: Vec<ServiceRef>,
    /// The steps that must run (again), in the host's order: all of them for a new host.
    pub steps: Vec<Step>,
}

/// What a changed file's entry shows of its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ContentChange {
    /// The unified diff is in `diff`.
    Diff,
    /// The content differs and is not shown: the file is flagged secret, or others may not
    /// read it, on one side or both.
    Withheld,
    /// Not shown, as `withheld`, and it is not known whether it differs: a side's fingerprint
    /// could not be had (a secret file of an output folder that could not be read).
    WithheldMayDiffer,
    /// The content is the same (the mode or owner differ).
    Same,
    /// It differs, but a side's content is not at hand (a manifest without contents).
    Unknown,
}

/// How one changed file changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[non_exhaustive]
pub struct FileDiff {
    /// Absolute target path on the host.
    pub path: String,
    /// What is shown of the content.
    pub content: ContentChange,
    /// The unified diff of the old and the new content (3 lines of context), when `content`
    /// is `diff`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Lines added and removed, when `content` is `diff`.
    pub insertions: usize,
    /// Lines removed, when `content` is `diff`.
    pub deletions: usize,
    /// `[old, new]` permission bits, when they differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<[String; 2]>,
    /// `[old, new]` `owner:group`, when they differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<[String; 2]>,
}

/// Whether a file's content may be shown in a plan: not flagged secret, readable by others.
fn showable(f: &ManifestFile<'_>) -> bool {
    !f.secret
        && u32::from_str_radix(f.mode.trim_start_matches("0o"), 8).is_ok_and(|m| m & 0o004 != 0)
}

/// Whether [`plan`] may show `file`'s content: it is not flagged secret and others may read
/// it (callers fill in `content` for these files only).
pub fn may_show(file: &ManifestFile<'_>) -> bool {
    showable(file)
}

/// The manifest of `bundle` the way [`plan()`] compares two renders of models: the content of
/// every file it may show ([`may_show`]) and of no other, and for each file flagged secret the
/// SHA-256 of its content (which a manifest leaves out), never the content itself. The CLI's
/// `plan` of two models, the C ABI's `jt_plan` and Python's `plan()` compare these.
pub fn comparable(bundle: &crate::bundle::Bundle) -> Manifest<'static> {
    let mut manifest = bundle.manifest(false).into_owned();
    for host in &mut manifest.hosts {
        let Some(rendered) = bundle.host(&host.name) else {
            continue;
        };
        for file in &mut host.files {
            let Some(content) = rendered.file(&file.path).map(|f| &f.content) else {
                continue;
            };
            if file.secret && file.sha256.is_none() {
                file.sha256 = Some(sha256_hex(content.as_bytes()));
            }
            file.content = may_show(file).then(|| content.clone().into());
        }
    }
    manifest
}

fn file_diff(old: &ManifestFile<'_>, new: &ManifestFile<'_>, host: &str) -> FileDiff {
    let fingerprint = |f: &ManifestFile<'_>| {
        f.sha256
            .clone()
            .or_else(|| f.content.as_deref().map(|c| sha256_hex(c.as_bytes())))
    };
    let (a, b) = (fingerprint(old), fingerprint(new));
    let same_content = a.is_some() && a == b;
    let mut out = FileDiff {
        path: new.path.to_string(),
        content: ContentChange::Same,
        diff: None,
        insertions: 0,
        deletions: 0,
        mode: (old.mode != new.mode).then(|| [old.mode.clone(), new.mode.clone()]),
        owner: ((&old.owner, &old.group) != (&new.owner, &new.group)).then(|| {
            [
                format!("{}:{}", old.owner, old.group),
                format!("{}:{}", new.owner, new.group),
            ]
        }),
    };
    if same_content {
        return out;
    }
    if !showable(old) || !showable(new) {
        out.content = if a.is_some() && b.is_some() {
            ContentChange::Withheld
        } else {
            ContentChange::WithheldMayDiffer
        };
        return out;
    }
    match (old.content.as_deref(), new.content.as_deref()) {
        (Some(x), Some(y)) => {
            let diff = similar::TextDiff::from_lines(x, y);
            for change in diff.iter_all_changes() {
                match change.tag() {
                    similar::ChangeTag::Insert => out.insertions += 1,
                    similar::ChangeTag::Delete => out.deletions += 1,
                    similar::ChangeTag::Equal => {}
                }
            }
            let text = diff
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("{host}:{} (deployed)", old.path),
                    &format!("{host}:{} (new)", new.path),
                )
                .to_string();
            out.content = ContentChange::Diff;
            out.diff = Some(text);
        }
        _ => out.content = ContentChange::Unknown,
    }
    out
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
                diffs: Vec::new(),
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
            diffs: Vec::new(),
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
    let (mut added, mut changed, mut diffs) = (Vec::new(), Vec::new(), Vec::new());
    let mut touched: Vec<&ManifestFile> = Vec::new();
    for f in &new.files {
        match old_files.get(&*f.path) {
            None => {
                added.push(f.path.to_string());
                touched.push(f);
            }
            Some(o) if !same_file(o, f) => {
                changed.push(f.path.to_string());
                diffs.push(file_diff(o, f, &new.name));
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
        diffs,
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
                // Drained when what they guard restarts (package installs come on top, as the
                // host finds them).
                Step::DrainBridge { service, .. } | Step::DrainJibri { service, .. } => {
                    services.iter().any(|s| &s.name == service)
                }
                Step::DrainShard { .. } => services
                    .iter()
                    .any(|s| s.name == "prosody" || s.name == "jicofo"),
            }
        })
        .map(|(_, step)| step)
        .cloned()
        .collect()
}

/// How [`Plan::text`] looks.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// The per-file summary alone (`~ path | +3 -1`), without the diffs.
    pub stat: bool,
    /// ANSI colours (for a terminal).
    pub color: bool,
}

impl Plan {
    /// The plan for a person: per host its status, the files added (`+`), changed (`~`, each
    /// with its unified diff, or why it is not shown) and removed (`-`), the services to act
    /// on and the steps to run; the count of hosts to change at the end.
    pub fn text(&self, options: &TextOptions) -> String {
        use std::fmt::Write as _;
        let paint = |style: &str, text: &str| {
            if options.color {
                format!("\u{1b}[{style}m{text}\u{1b}[0m")
            } else {
                text.to_owned()
            }
        };
        let mut f = String::new();
        for h in &self.hosts {
            let status = match h.status {
                HostStatus::Added => "added",
                HostStatus::Removed => "removed",
                HostStatus::Changed => "changed",
                HostStatus::Unchanged => continue,
            };
            let _ = writeln!(f, "{}: {status}", paint("1", &h.name));
            for p in &h.added {
                let _ = writeln!(f, "  {}", paint("32", &format!("+ {p}")));
            }
            for p in &h.changed {
                let d = h.diffs.iter().find(|d| &d.path == p);
                let _ = write!(f, "  {}", paint("33", &format!("~ {p}")));
                let mut notes = Vec::new();
                if let Some(d) = d {
                    if let Some([a, b]) = &d.mode {
                        notes.push(format!("mode {a} -> {b}"));
                    }
                    if let Some([a, b]) = &d.owner {
                        notes.push(format!("owner {a} -> {b}"));
                    }
                    match d.content {
                        ContentChange::Diff if options.stat => {
                            notes.push(format!("+{} -{}", d.insertions, d.deletions));
                        }
                        ContentChange::Diff | ContentChange::Same => {}
                        ContentChange::Withheld => notes.push("content differs (withheld)".into()),
                        ContentChange::WithheldMayDiffer => {
                            notes.push("content may differ (withheld)".into());
                        }
                        ContentChange::Unknown => {
                            notes.push("content differs (not at hand)".into());
                        }
                    }
                }
                if notes.is_empty() {
                    let _ = writeln!(f);
                } else {
                    let _ = writeln!(f, " | {}", notes.join(", "));
                }
                if !options.stat
                    && let Some(diff) = d.and_then(|d| d.diff.as_deref())
                {
                    for line in diff.lines() {
                        let style = if line.starts_with("+++") || line.starts_with("---") {
                            "1"
                        } else if line.starts_with('+') {
                            "32"
                        } else if line.starts_with('-') {
                            "31"
                        } else if line.starts_with("@@") {
                            "36"
                        } else {
                            ""
                        };
                        let shown: String = line
                            .chars()
                            .map(|c| {
                                if c.is_control() && c != '\t' {
                                    '\u{fffd}'
                                } else {
                                    c
                                }
                            })
                            .collect();
                        if style.is_empty() {
                            let _ = writeln!(f, "      {shown}");
                        } else {
                            let _ = writeln!(f, "      {}", paint(style, &shown));
                        }
                    }
                }
            }
            for p in &h.removed {
                let _ = writeln!(f, "  {}", paint("31", &format!("- {p}")));
            }
            for s in &h.services {
                let action = match s.action {
                    ServiceAction::Reload => "reload",
                    ServiceAction::Restart => "restart",
                    ServiceAction::Drain => "drain",
                };
                let _ = writeln!(f, "  {action} {}", s.name);
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
                let _ = writeln!(f, "  steps: {}", names.join(", "));
            }
        }
        let changed = self
            .hosts
            .iter()
            .filter(|h| h.status != HostStatus::Unchanged)
            .count();
        if changed == 0 {
            f.push_str("no changes");
        } else {
            let _ = write!(
                f,
                "{changed} host{} to change",
                if changed == 1 { "" } else { "s" }
            );
        }
        f
    }
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(&TextOptions::default()))
    }
}
