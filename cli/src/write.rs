//! Writing a bundle as a tree, all or nothing.
//!
//! The tree is built in a staging folder beside the target (same filesystem), then swapped
//! in with two renames; the previous tree is removed only after the new one is in place.
//! Any failure before the swap removes the staging folder and leaves the target untouched.
//!
//! Other processes see the old tree or the new one, never a mix. Surviving a power loss is a
//! different promise, which costs an `fsync` per file (most of the time of a small render on
//! a journaling filesystem): [`Durability::Durable`] makes it, on request (`render --fsync`).

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use jitsi_topology::Bundle;

use crate::Failure;

/// Whether the new tree is flushed to disk before it is swapped in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Leave flushing to the kernel (atomic for other processes, as `cp` and `rsync` are).
    Lazy,
    /// `fsync` every file and folder of the new tree before the swap, and the parent after:
    /// after a power loss the folder holds the old tree or the whole new one.
    Durable,
}

/// Writes `bundle` to `out` (manifest.json plus `<host>/<path>` per file).
pub fn tree(bundle: &Bundle, out: &Path, sync: Durability) -> Result<(), Failure> {
    let out = absolute(out)?;
    check_target(&out)?;
    let parent = out
        .parent()
        .ok_or_else(|| Failure(format!("{} has no parent folder", out.display())))?;
    fs::create_dir_all(parent)
        .map_err(|e| Failure(format!("cannot create {}: {e}", parent.display())))?;
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let staging = parent.join(format!(
        ".{name}.jitsi-topology-staging-{}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&staging);
    let result = stage(bundle, &staging, sync).and_then(|()| swap(&staging, &out));
    if result.is_ok() && sync == Durability::Durable {
        // The renames themselves live in the parent folder.
        fsync_dir(parent)?;
    }
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn absolute(p: &Path) -> Result<PathBuf, Failure> {
    if p.as_os_str().is_empty() {
        return Err(Failure("--out must name a folder".into()));
    }
    Ok(std::path::absolute(p)?)
}

/// Refuses to replace a folder that is not ours, so that `--out /etc` cannot wipe /etc.
fn check_target(out: &Path) -> Result<(), Failure> {
    match fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Failure(format!("cannot inspect {}: {e}", out.display()))),
        Ok(m) if !m.is_dir() => Err(Failure(format!(
            "{} exists and is not a folder",
            out.display()
        ))),
        Ok(_) => {
            let empty = fs::read_dir(out)?.next().is_none();
            if empty || out.join("manifest.json").is_file() {
                Ok(())
            } else {
                Err(Failure(format!(
                    "{} is not empty and holds no manifest.json; render into an empty or new folder",
                    out.display()
                )))
            }
        }
    }
}

fn stage(bundle: &Bundle, root: &Path, sync: Durability) -> Result<(), Failure> {
    let secret = bundle.hosts.iter().flat_map(|h| &h.files).any(|f| f.secret);
    fs::create_dir(root).map_err(|e| Failure(format!("cannot create {}: {e}", root.display())))?;
    // A tree holding secrets is for its owner only.
    fs::set_permissions(
        root,
        fs::Permissions::from_mode(if secret { 0o700 } else { 0o755 }),
    )?;
    let writer = Writer {
        umask: umask(),
        sync,
    };
    // Every folder made so far (the staging folder is new, so each is made once).
    let mut made: HashSet<PathBuf> = HashSet::new();
    for host in &bundle.hosts {
        for f in &host.files {
            let rel = f.path.trim_start_matches('/');
            let target = root.join(&host.name).join(rel);
            let dir = target.parent().expect("a file path has a parent");
            make_dirs(root, dir, &mut made)?;
            writer.file(&target, f.content.as_bytes(), f.mode)?;
        }
    }
    writer.manifest(bundle, &root.join("manifest.json"))?;
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

/// Makes `dir` and its missing ancestors below `root`, each with one `mkdir`.
fn make_dirs(root: &Path, dir: &Path, made: &mut HashSet<PathBuf>) -> Result<(), Failure> {
    if dir == root || made.contains(dir) {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        make_dirs(root, parent, made)?;
    }
    fs::create_dir(dir).map_err(|e| Failure(format!("cannot create {}: {e}", dir.display())))?;
    made.insert(dir.to_owned());
    Ok(())
}

struct Writer {
    /// The process's umask, when the kernel tells it (Linux 4.7 and later).
    umask: Option<u32>,
    sync: Durability,
}

impl Writer {
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
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
    u32::from_str_radix(line.trim(), 8).ok()
}

fn fsync_dir(dir: &Path) -> Result<(), Failure> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Failure(format!("cannot flush {}: {e}", dir.display())))
}

fn swap(staging: &Path, out: &Path) -> Result<(), Failure> {
    let old = out.with_file_name(format!(
        ".{}.jitsi-topology-old-{}",
        out.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    let had_old = out.exists();
    if had_old {
        let _ = fs::remove_dir_all(&old);
        fs::rename(out, &old)
            .map_err(|e| Failure(format!("cannot move {} aside: {e}", out.display())))?;
    }
    if let Err(e) = fs::rename(staging, out) {
        if had_old {
            let _ = fs::rename(&old, out);
        }
        return Err(Failure(format!(
            "cannot move the new tree into {}: {e}",
            out.display()
        )));
    }
    if had_old {
        fs::remove_dir_all(&old).map_err(|e| {
            Failure(format!(
                "cannot remove the previous tree {}: {e}",
                old.display()
            ))
        })?;
    }
    Ok(())
}
