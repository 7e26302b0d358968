//! Writing a bundle as a tree, all or nothing, into a folder that is provably ours.
//!
//! `render --out DIR`:
//! 1. takes an exclusive `flock` on `.DIR.jitsi-topology.lock` beside DIR, so that renders
//!    into one DIR run one at a time (the lock file stays: removing it would race);
//! 2. removes what a render that did not finish left beside DIR (its staging folder), when it
//!    can prove it is a render's: a manifest.json of this tool and nothing it does not list
//!    (or an empty folder); otherwise keeps it and says so;
//! 3. checks that DIR is missing, empty, or an earlier output: its manifest.json is a
//!    manifest of this tool and DIR holds nothing it does not list, but a `.git`; otherwise
//!    refuses, naming what is in the way, and leaves DIR as it is;
//! 4. stages the new tree beside DIR (manifest.json first, then every folder and file, each
//!    with an explicit mode whatever the umask), moves DIR's `.git` into it, and swaps it with
//!    DIR in one `renameat2(RENAME_EXCHANGE)`: readers see the old tree or the new one;
//! 5. removes the old tree entry by entry, exactly what its manifest listed: anything else
//!    found there (added while the render ran) is kept and named.
//!
//! Any failure before the swap removes the staging folder and leaves DIR untouched.
//! Surviving a power loss is a different promise, which costs an `fsync` per file (most of the
//! time of a small render on a journaling filesystem): [`Durability::Durable`] makes it, on
//! request (`render --fsync`).

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use jitsi_topology::Bundle;
use rustix::fs::{CWD, FlockOperation, OFlags, RenameFlags};
use rustix::io::Errno;

use crate::Failure;
use crate::progress::Progress;

/// The manifest's name in the output folder.
const MANIFEST: &str = jitsi_topology::bundle::MANIFEST_FILE;
/// The one entry not ours that an output folder may hold: a git repository of the tree's
/// history, moved into each new tree before the swap.
const GIT: &str = ".git";
/// The mode of every folder below the output folder (the output folder itself is 0700 when
/// the tree holds a secret, 0755 otherwise).
const DIR_MODE: u32 = 0o755;
/// The largest manifest.json read back (ten thousand bridges write about 40 MB).
pub const MAX_MANIFEST_BYTES: u64 = 256 << 20;

/// Whether the new tree is flushed to disk before it is swapped in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Leave flushing to the kernel (atomic for other processes, as `cp` and `rsync` are).
    Lazy,
    /// `fsync` every file and folder of the new tree before the swap, and the parent after:
    /// after a power loss the folder holds the old tree or the whole new one.
    Durable,
}

/// Writes `bundle` to `out` (manifest.json plus `<host>/<path>` per file), counting the files
/// on `progress`.
pub fn tree(
    bundle: &Bundle,
    out: &Path,
    sync: Durability,
    progress: &mut Progress,
) -> Result<(), Failure> {
    let out = absolute(out)?;
    let (parent, name) = match (out.parent(), out.file_name()) {
        (Some(parent), Some(name)) => (parent, name),
        _ => {
            return Err(Failure(format!(
                "--out {} must name a folder (not / or ..)",
                out.display()
            )));
        }
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(parent)
        .map_err(|e| Failure(format!("cannot create {}: {e}", parent.display())))?;
    refuse_what_is_not_a_folder(&out)?;
    let _lock = lock(&beside(parent, name, "lock"), &out)?;
    recover(parent, name, &out);
    let old = Listing::of_output(&out)?;
    let staging = beside(parent, name, "staging");
    if fs::symlink_metadata(&staging).is_ok() {
        return Err(Failure(format!(
            "{} is in the way (kept above: it is not provably a render's); move it away and render again",
            staging.display()
        )));
    }
    let new = Listing::of_bundle(bundle);
    let result =
        stage(bundle, &staging, sync, progress).and_then(|()| swap(&staging, &out, old.as_ref()));
    match result {
        Ok(()) => {
            // The old tree is where the staging folder was.
            if let Some(old) = old {
                let kept = remove_listed(&staging, &old, progress);
                if !kept.is_empty() {
                    eprintln!(
                        "jitsi-topology: kept {}: the previous tree held what no render wrote ({}), added while this render ran; move it out and remove the folder",
                        staging.display(),
                        kept
                    );
                }
            }
            if sync == Durability::Durable {
                // The swap itself lives in the parent folder.
                fsync_dir(parent)?;
            }
            Ok(())
        }
        Err(e) => {
            let kept = remove_listed(&staging, &new, &mut Progress::off());
            if !kept.is_empty() {
                eprintln!(
                    "jitsi-topology: kept {}: it holds {kept}",
                    staging.display()
                );
            }
            Err(e)
        }
    }
}

fn absolute(p: &Path) -> Result<PathBuf, Failure> {
    if p.as_os_str().is_empty() {
        return Err(Failure("--out must name a folder".into()));
    }
    Ok(std::path::absolute(p)?)
}

/// `.NAME.jitsi-topology.lock` or `.NAME.jitsi-topology-staging` beside the output folder.
fn beside(parent: &Path, name: &OsStr, what: &str) -> PathBuf {
    let mut file = OsString::from(".");
    file.push(name);
    file.push(if what == "lock" {
        ".jitsi-topology.lock"
    } else {
        ".jitsi-topology-staging"
    });
    parent.join(file)
}

/// A symbolic link or a file named by `--out` is refused, with what it is.
fn refuse_what_is_not_a_folder(out: &Path) -> Result<(), Failure> {
    match fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => {
            let target = fs::read_link(out).unwrap_or_default();
            // A relative target is relative to the link's folder.
            let folder = out.parent().unwrap_or(Path::new("/")).join(&target);
            Err(Failure(format!(
                "{} is a symbolic link (to {}): render --out replaces the folder it names as a whole, so name the folder itself (--out {}) or remove the link",
                out.display(),
                target.display(),
                folder.display()
            )))
        }
        Ok(m) if !m.is_dir() => Err(Failure(format!(
            "{} exists and is not a folder",
            out.display()
        ))),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Failure(format!("cannot inspect {}: {e}", out.display()))),
    }
}

/// Takes the lock of renders into `out`; waits (saying so) while another render holds it.
fn lock(path: &Path, out: &Path) -> Result<fs::File, Failure> {
    let open = |create: bool| {
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(create)
            .mode(0o600)
            .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC).bits() as i32)
            .open(path)
    };
    let file = match open(true) {
        Ok(file) => file
            .set_permissions(fs::Permissions::from_mode(0o600))
            .map(|()| file),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => open(false),
        Err(e) => Err(e),
    }
    .map_err(|e| Failure(format!("cannot open the lock file {}: {e}", path.display())))?;
    if !file.metadata()?.is_file() {
        return Err(Failure(format!(
            "{} is not a lock file of jitsi-topology (not a plain file): remove it",
            path.display()
        )));
    }
    match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(Errno::WOULDBLOCK) => {
            eprintln!(
                "jitsi-topology: waiting for another render into {} (it holds {})",
                out.display(),
                path.display()
            );
            rustix::fs::flock(&file, FlockOperation::LockExclusive)
                .map_err(|e| Failure(format!("cannot lock {}: {}", path.display(), io(e))))?;
        }
        Err(e) => {
            return Err(Failure(format!(
                "cannot lock {}: {}",
                path.display(),
                io(e)
            )));
        }
    }
    Ok(file)
}

fn io(e: Errno) -> std::io::Error {
    std::io::Error::from(e)
}

/// Removes the staging folders that renders which did not finish (a crash, a kill) left beside
/// `out`, each only when it is provably a render's; says what it did either way. (Older
/// builds named them `.NAME.jitsi-topology-staging-PID` and `.NAME.jitsi-topology-old-PID`.)
fn recover(parent: &Path, name: &OsStr, out: &Path) {
    let prefixes: Vec<Vec<u8>> = ["staging", "old"]
        .iter()
        .map(|what| {
            let mut p = b".".to_vec();
            p.extend_from_slice(name.as_bytes());
            p.extend_from_slice(format!(".jitsi-topology-{what}").as_bytes());
            p
        })
        .collect();
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        if !prefixes.iter().any(|p| file.as_bytes().starts_with(p)) {
            continue;
        }
        let path = entry.path();
        let listing = match entry.file_type() {
            Ok(t) if t.is_dir() => Listing::of_tree(&path),
            _ => Err("it is not a folder".to_owned()),
        };
        let listing = match listing {
            Ok(listing) => listing,
            Err(why) => {
                eprintln!(
                    "jitsi-topology: kept {}, left by a render that did not finish or by someone else: {why}; it is not provably a render's, so remove it yourself once you have looked at it",
                    path.display()
                );
                continue;
            }
        };
        if listing.git {
            // The render stopped between moving OUT's .git into its new tree and the swap.
            let home = out.join(GIT);
            if fs::symlink_metadata(&home).is_err() && out.is_dir() {
                match fs::rename(path.join(GIT), &home) {
                    Ok(()) => eprintln!(
                        "jitsi-topology: moved {} back to {}",
                        path.join(GIT).display(),
                        home.display()
                    ),
                    Err(e) => eprintln!(
                        "jitsi-topology: cannot move {} back to {}: {e}",
                        path.join(GIT).display(),
                        home.display()
                    ),
                }
            }
        }
        let kept = remove_listed(&path, &listing, &mut Progress::off());
        if kept.is_empty() {
            eprintln!(
                "jitsi-topology: removed {}, the staging or previous tree of a render into {} that did not finish",
                path.display(),
                out.display()
            );
        } else {
            eprintln!(
                "jitsi-topology: kept {}, left by a render that did not finish: it holds {kept}",
                path.display()
            );
        }
    }
}

/// What a tree of ours holds, relative to its root: files (manifest.json included) and the
/// folders above them; and whether the root holds a `.git` (which is not ours).
#[derive(Debug, Default)]
struct Listing {
    files: BTreeSet<PathBuf>,
    dirs: BTreeSet<PathBuf>,
    git: bool,
}

impl Listing {
    fn of_bundle(bundle: &Bundle) -> Listing {
        let mut listing = Listing::default();
        listing.files.insert(PathBuf::from(MANIFEST));
        for host in &bundle.hosts {
            for f in &host.files {
                listing.add(&host.name, &f.path);
            }
        }
        listing
    }

    /// Adds `<host>/<path>` and the folders above it.
    fn add(&mut self, host: &str, path: &str) {
        let file = Path::new(host).join(path.trim_start_matches('/'));
        let mut dir = file.parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            if !self.dirs.insert(d.to_owned()) {
                break;
            }
            dir = d.parent();
        }
        self.files.insert(file);
    }

    /// The listing of an existing `--out` folder: `None` when it is missing, empty when it
    /// is empty; refused unless it is an earlier output holding nothing its manifest does not
    /// list (but a `.git`).
    fn of_output(out: &Path) -> Result<Option<Listing>, Failure> {
        if fs::symlink_metadata(out).is_err() {
            return Ok(None);
        }
        Listing::of_tree(out).map(Some).map_err(|why| {
            Failure(format!(
                "{} is not an output of jitsi-topology that render may replace: {why}; it is left as it is: render into a new or empty folder, or move what is not jitsi-topology's out of it (a .git is the one thing kept across renders)",
                out.display()
            ))
        })
    }

    /// The listing of `root` when it is a tree of ours: empty, or a manifest.json of this
    /// tool and nothing it does not list (listed entries may be missing: a staging folder
    /// stops partway). `Err` says why it is not provably ours.
    fn of_tree(root: &Path) -> Result<Listing, String> {
        let manifest = root.join(MANIFEST);
        let mut listing = match fs::symlink_metadata(&manifest) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut entries = fs::read_dir(root).map_err(|e| format!("cannot list it: {e}"))?;
                return match entries.next() {
                    None => Ok(Listing::default()),
                    Some(_) => Err("it is not empty and holds no manifest.json".to_owned()),
                };
            }
            Err(e) => return Err(format!("cannot inspect its manifest.json: {e}")),
            Ok(m) if m.file_type().is_symlink() => {
                return Err(
                    "its manifest.json is a symbolic link, which render never writes".into(),
                );
            }
            Ok(m) if !m.is_file() => return Err("its manifest.json is not a plain file".into()),
            Ok(_) => {
                let bytes = crate::input::read_plain_file(&manifest, MAX_MANIFEST_BYTES, false)
                    .map_err(|e| format!("cannot read its manifest.json: {e}"))?;
                Listing::of_manifest(&bytes).map_err(|why| {
                    format!("its manifest.json is not a manifest of jitsi-topology ({why})")
                })?
            }
        };
        let mut in_the_way = Vec::new();
        listing.walk(root, Path::new(""), &mut in_the_way)?;
        if in_the_way.is_empty() {
            return Ok(listing);
        }
        Err(format!(
            "it holds what its manifest.json does not list: {}",
            names(&in_the_way)
        ))
    }

    /// The files a manifest of this tool lists; `Err` says why `bytes` is not one.
    fn of_manifest(bytes: &[u8]) -> Result<Listing, String> {
        #[derive(serde::Deserialize)]
        struct Theirs {
            format: serde_json::Value,
            generator: Option<String>,
            hosts: Option<Vec<TheirHost>>,
        }
        #[derive(serde::Deserialize)]
        struct TheirHost {
            name: String,
            files: Vec<TheirFile>,
        }
        #[derive(serde::Deserialize)]
        struct TheirFile {
            path: String,
        }
        let theirs: Theirs = match serde_json::from_slice(bytes) {
            Ok(t) => t,
            Err(e) if e.is_syntax() || e.is_eof() => {
                return Err(if bytes.iter().all(u8::is_ascii_whitespace) {
                    "it is empty".into()
                } else {
                    "it is not JSON".into()
                });
            }
            Err(_) => return Err("it has no `format` and `generator` of this tool".into()),
        };
        if theirs.format != serde_json::json!(jitsi_topology::bundle::MANIFEST_FORMAT)
            || !theirs
                .generator
                .as_deref()
                .is_some_and(|g| g.starts_with("jitsi-topology "))
        {
            return Err("it has no `format` and `generator` of this tool".into());
        }
        let mut listing = Listing::default();
        listing.files.insert(PathBuf::from(MANIFEST));
        for host in theirs.hosts.ok_or("it lists no `hosts`")? {
            if !host_folder(&host.name) {
                return Err("a host's name is not a folder name".into());
            }
            for f in host.files {
                if beside_manifest(&host.name, &f.path).is_none() {
                    return Err("a file's path is not an absolute path without `..`".into());
                }
                listing.add(&host.name, &f.path);
            }
        }
        Ok(listing)
    }

    /// Collects what under `dir` (at `rel` below the root) the listing does not hold; notes
    /// a `.git` at the root. Never follows a symbolic link.
    fn walk(
        &mut self,
        dir: &Path,
        rel: &Path,
        in_the_way: &mut Vec<PathBuf>,
    ) -> Result<(), String> {
        let entries =
            fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
            let here = rel.join(entry.file_name());
            let kind = entry
                .file_type()
                .map_err(|e| format!("cannot inspect {}: {e}", entry.path().display()))?;
            if kind.is_file() && self.files.contains(&here) {
                continue;
            }
            if kind.is_dir() && self.dirs.contains(&here) {
                self.walk(&entry.path(), &here, in_the_way)?;
                continue;
            }
            if rel.as_os_str().is_empty() && entry.file_name() == GIT {
                self.git = true;
                continue;
            }
            in_the_way.push(here);
        }
        Ok(())
    }
}

/// Whether `name` names one folder beside manifest.json (not `..`, not holding `/`).
fn host_folder(name: &str) -> bool {
    matches!(
        Path::new(name).components().collect::<Vec<_>>()[..],
        [Component::Normal(n)] if n == name && n != MANIFEST
    )
}

/// Where an output folder holds the file a manifest lists for `host` at `path`
/// (`<host>/<path without its leading />`), relative to the folder; `None` when a manifest
/// that is not this tool's would lead anywhere else (`..`, a relative path).
pub fn beside_manifest(host: &str, path: &str) -> Option<PathBuf> {
    let rel = path.strip_prefix('/')?;
    let plain = !rel.is_empty()
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    (plain && host_folder(host)).then(|| Path::new(host).join(rel))
}

/// Up to five names, escaped, and how many more.
fn names(paths: &[PathBuf]) -> String {
    let mut shown: Vec<String> = paths
        .iter()
        .take(5)
        .map(|p| format!("`{}`", p.display().to_string().escape_debug()))
        .collect();
    if paths.len() > 5 {
        shown.push(format!("and {} more", paths.len() - 5));
    }
    shown.join(", ")
}

/// Removes from `root` exactly the files and folders `listing` names, then `root`; never
/// anything else (a folder holding something unlisted stays). Returns what was kept, or an
/// empty string when `root` is gone.
fn remove_listed(root: &Path, listing: &Listing, progress: &mut Progress) -> String {
    if fs::symlink_metadata(root).is_err() {
        return String::new();
    }
    let total = listing.files.len();
    for (i, file) in listing.files.iter().enumerate() {
        let path = root.join(file);
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            let _ = fs::remove_file(&path);
        }
        progress.tick("removing the previous tree: files", i + 1, total);
    }
    // Deepest first.
    let mut dirs: Vec<&PathBuf> = listing.dirs.iter().collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for dir in dirs {
        let _ = fs::remove_dir(root.join(dir));
    }
    if fs::remove_dir(root).is_ok() {
        return String::new();
    }
    let mut left = Vec::new();
    let mut probe = Listing::default();
    let _ = probe.walk(root, Path::new(""), &mut left);
    if probe.git {
        left.insert(0, PathBuf::from(GIT));
    }
    names(&left)
}

fn stage(
    bundle: &Bundle,
    root: &Path,
    sync: Durability,
    progress: &mut Progress,
) -> Result<(), Failure> {
    let secret = bundle.hosts.iter().flat_map(|h| &h.files).any(|f| f.secret);
    fs::DirBuilder::new()
        .mode(0o700)
        .create(root)
        .map_err(|e| Failure(format!("cannot create {}: {e}", root.display())))?;
    // A tree holding secrets is for its owner only.
    fs::set_permissions(
        root,
        fs::Permissions::from_mode(if secret { 0o700 } else { DIR_MODE }),
    )?;
    let writer = Writer {
        umask: umask(),
        sync,
    };
    // The manifest first: a staging folder a crash leaves behind is then provably ours.
    writer.manifest(bundle, &root.join(MANIFEST))?;
    // Every folder made so far (the staging folder is new, so each is made once).
    let mut made: BTreeSet<PathBuf> = BTreeSet::new();
    let total: usize = bundle.hosts.iter().map(|h| h.files.len()).sum();
    let mut done = 0;
    for host in &bundle.hosts {
        for f in &host.files {
            let rel = f.path.trim_start_matches('/');
            let target = root.join(&host.name).join(rel);
            let dir = target.parent().expect("a file path has a parent");
            writer.make_dirs(root, dir, &mut made)?;
            writer.file(&target, f.content.as_bytes(), f.mode)?;
            done += 1;
            progress.tick("writing files", done, total);
        }
    }
    if sync == Durability::Durable {
        // Deepest first, so that each folder's entries are on disk before its parent's.
        let mut dirs: Vec<&PathBuf> = made.iter().collect();
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for dir in dirs {
            fsync_dir(dir)?;
        }
        fsync_dir(root)?;
    }
    Ok(())
}

struct Writer {
    /// The process's umask, when the kernel tells it (Linux 4.7 and later).
    umask: Option<u32>,
    sync: Durability,
}

impl Writer {
    /// Makes `dir` and its missing ancestors below `root`, each with one `mkdir` and mode
    /// 0755 exactly (under umask 000 a plain `mkdir` would make them world-writable).
    fn make_dirs(
        &self,
        root: &Path,
        dir: &Path,
        made: &mut BTreeSet<PathBuf>,
    ) -> Result<(), Failure> {
        if dir == root || made.contains(dir) {
            return Ok(());
        }
        if let Some(parent) = dir.parent() {
            self.make_dirs(root, parent, made)?;
        }
        fs::DirBuilder::new()
            .mode(DIR_MODE)
            .create(dir)
            .map_err(|e| Failure(format!("cannot create {}: {e}", dir.display())))?;
        if self.umask.is_none_or(|umask| DIR_MODE & umask != 0) {
            fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))
                .map_err(|e| Failure(format!("cannot set the mode of {}: {e}", dir.display())))?;
        }
        made.insert(dir.to_owned());
        Ok(())
    }

    fn file(&self, path: &Path, bytes: &[u8], mode: u32) -> Result<(), Failure> {
        let mut file = create(path, mode)?;
        file.write_all(bytes)
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
        self.finish(file, path, mode)
    }

    /// manifest.json, serialized straight into the file.
    fn manifest(&self, bundle: &Bundle, path: &Path) -> Result<(), Failure> {
        let mode = 0o644;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, create(path, mode)?);
        bundle
            .write_manifest_json(&mut out, false, true)
            .and_then(|()| out.write_all(b"\n"))
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
        let file = out
            .into_inner()
            .map_err(|e| Failure(format!("cannot write {}: {}", path.display(), e.error())))?;
        self.finish(file, path, mode)
    }

    /// Sets the mode exactly and flushes, as asked.
    fn finish(&self, file: fs::File, path: &Path, mode: u32) -> Result<(), Failure> {
        // The umask may have narrowed the mode; set it exactly (on the open file).
        if self.umask.is_none_or(|umask| mode & umask != 0) {
            file.set_permissions(fs::Permissions::from_mode(mode))
                .map_err(|e| Failure(format!("cannot set the mode of {}: {e}", path.display())))?;
        }
        if self.sync == Durability::Durable {
            file.sync_all()
                .map_err(|e| Failure(format!("cannot flush {}: {e}", path.display())))?;
        }
        Ok(())
    }
}

fn create(path: &Path, mode: u32) -> Result<fs::File, Failure> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| Failure(format!("cannot create {}: {e}", path.display())))
}

/// The umask, from `/proc/self/status` (reading it does not change it, unlike umask(2)).
fn umask() -> Option<u32> {
    let mut status = String::new();
    fs::File::open("/proc/self/status")
        .ok()?
        .take(1 << 16)
        .read_to_string(&mut status)
        .ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
    u32::from_str_radix(line.trim(), 8).ok()
}

fn fsync_dir(dir: &Path) -> Result<(), Failure> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Failure(format!("cannot flush {}: {e}", dir.display())))
}

/// Puts the staged tree at `out`: a new name for a new folder; otherwise one atomic exchange
/// of the two folders, after moving `out`'s `.git` into the new tree.
fn swap(staging: &Path, out: &Path, old: Option<&Listing>) -> Result<(), Failure> {
    let Some(old) = old else {
        return rustix::fs::renameat_with(CWD, staging, CWD, out, RenameFlags::NOREPLACE).map_err(
            |e| {
                Failure(format!(
                    "cannot move the new tree into {}: {}",
                    out.display(),
                    io(e)
                ))
            },
        );
    };
    let (git_home, git_new) = (out.join(GIT), staging.join(GIT));
    if old.git {
        fs::rename(&git_home, &git_new).map_err(|e| {
            Failure(format!(
                "cannot move {} into the new tree: {e}",
                git_home.display()
            ))
        })?;
    }
    let Err(e) = rustix::fs::renameat_with(CWD, staging, CWD, out, RenameFlags::EXCHANGE) else {
        return Ok(());
    };
    let mut message = if matches!(e, Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) {
        format!(
            "the filesystem of {} cannot swap two folders atomically (renameat2 with RENAME_EXCHANGE: {}), which render needs so that readers never see the folder missing or half-written; render onto a local filesystem such as ext4, xfs, btrfs or tmpfs",
            out.display(),
            io(e)
        )
    } else {
        format!("cannot swap the new tree with {}: {}", out.display(), io(e))
    };
    if old.git
        && let Err(e) = fs::rename(&git_new, &git_home)
    {
        message.push_str(&format!(
            "; and {} could not be moved back to {}: {e}: move it back yourself",
            git_new.display(),
            git_home.display()
        ));
    }
    Err(Failure(message))
}
