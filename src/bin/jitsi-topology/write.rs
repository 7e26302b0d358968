//! Writing a bundle as a tree, all or nothing.
//!
//! The tree is built in a staging folder beside the target (same filesystem), then swapped
//! in with two renames; the previous tree is removed only after the new one is in place.
//! Any failure before the swap removes the staging folder and leaves the target untouched.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use jitsi_topology::Bundle;

use crate::Failure;

/// Writes `bundle` to `out` (manifest.json plus `<host>/<path>` per file).
pub fn tree(bundle: &Bundle, out: &Path) -> Result<(), Failure> {
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
    let result = stage(bundle, &staging).and_then(|()| swap(&staging, &out));
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

fn stage(bundle: &Bundle, root: &Path) -> Result<(), Failure> {
    let secret = bundle.hosts.iter().flat_map(|h| &h.files).any(|f| f.secret);
    fs::create_dir(root).map_err(|e| Failure(format!("cannot create {}: {e}", root.display())))?;
    // A tree holding secrets is for its owner only.
    fs::set_permissions(
        root,
        fs::Permissions::from_mode(if secret { 0o700 } else { 0o755 }),
    )?;
    for host in &bundle.hosts {
        for f in &host.files {
            let rel = f.path.trim_start_matches('/');
            let target = root.join(&host.name).join(rel);
            let dir = target.parent().expect("a file path has a parent");
            fs::create_dir_all(dir)
                .map_err(|e| Failure(format!("cannot create {}: {e}", dir.display())))?;
            write_file(&target, f.content.as_bytes(), f.mode)?;
        }
    }
    let manifest = bundle.manifest_json(false, true) + "\n";
    write_file(&root.join("manifest.json"), manifest.as_bytes(), 0o644)
}

fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Failure> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| Failure(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(bytes)
        .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
    // The umask may have narrowed the mode; set it exactly.
    fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    file.sync_all()?;
    Ok(())
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
