//! `secrets init`: the one command that draws random bytes, and it writes only secret files.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use crate::Failure;

/// The secrets a model names (`turn` only with a TURN server, but harmless without).
const NAMES: [&str; 6] = ["focus", "jvb", "turn", "jibri", "recorder", "jigasi"];
/// Letters and digits: safe in every config format and shell, 5.95 bits each.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// 32 characters, about 190 bits.
const LENGTH: usize = 32;

/// Creates each missing secret file in `dir`; returns each name and whether it was created
/// (an existing plain file of ours is kept as it is, its mode the operator's), and, first, the
/// mode `dir` had when it was repaired to 0700.
///
/// Nothing is written through a symbolic link or into a FIFO: every file is opened relative to
/// the folder, `O_NOFOLLOW`, and created with `O_EXCL`. A folder (or file) of another user is
/// refused; one others could read or write is repaired to 0700, saying so.
#[allow(clippy::type_complexity)]
pub fn init(dir: &Path) -> Result<(Option<u32>, Vec<(&'static str, bool)>), Failure> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Failure(format!("cannot create {}: {e}", dir.display())))?;
    let folder = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| match e {
        Errno::LOOP | Errno::NOTDIR if fs::symlink_metadata(dir).is_ok_and(|m| m.is_symlink()) => {
            Failure(format!(
                "{} is a symbolic link: name the folder itself, so that nobody can point the secrets elsewhere",
                dir.display()
            ))
        }
        e => Failure(format!("cannot open {}: {}", dir.display(), io(e))),
    })?;
    let me = rustix::process::geteuid().as_raw();
    let stat = rustix::fs::fstat(&folder)?;
    if stat.st_uid != me {
        return Err(Failure(format!(
            "{} belongs to uid {}, not to you (uid {me}): its owner could read or replace the secrets; use a folder of your own",
            dir.display(),
            stat.st_uid
        )));
    }
    let mut repaired = None;
    let mode = stat.st_mode & 0o7777;
    if mode & 0o077 != 0 {
        rustix::fs::fchmod(&folder, Mode::from_raw_mode(0o700))?;
        repaired = Some(mode);
    }
    // What is already there, checked before anything is written.
    let mut problems = Vec::new();
    let mut existing = Vec::new();
    for name in NAMES {
        match rustix::fs::statat(&folder, name, AtFlags::SYMLINK_NOFOLLOW) {
            Err(Errno::NOENT) => {}
            Err(e) => problems.push(format!(
                "cannot inspect {}: {}",
                dir.join(name).display(),
                io(e)
            )),
            Ok(st) => {
                let kind = match rustix::fs::FileType::from_raw_mode(st.st_mode) {
                    rustix::fs::FileType::RegularFile => None,
                    rustix::fs::FileType::Symlink => Some("a symbolic link"),
                    rustix::fs::FileType::Fifo => Some("a FIFO"),
                    rustix::fs::FileType::Directory => Some("a folder"),
                    _ => Some("not a plain file"),
                };
                if let Some(kind) = kind {
                    problems.push(format!(
                        "{} is {kind}, not a secret file: remove it (someone may have planted it) and run again",
                        dir.join(name).display()
                    ));
                } else if st.st_uid != me {
                    problems.push(format!(
                        "{} belongs to uid {}, not to you: remove it and run again",
                        dir.join(name).display(),
                        st.st_uid
                    ));
                } else {
                    existing.push(name);
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(Failure(problems.join("; ")));
    }
    let mut done = Vec::new();
    for name in NAMES {
        let path = dir.join(name);
        if existing.contains(&name) {
            done.push((name, false));
            continue;
        }
        let fd = rustix::fs::openat(
            &folder,
            name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| Failure(format!("cannot create {}: {}", path.display(), io(e))))?;
        let mut f = fs::File::from(fd);
        let secret = random_secret()?;
        f.write_all(secret.as_bytes())
            .and_then(|()| f.write_all(b"\n"))
            .and_then(|()| f.set_permissions(fs::Permissions::from_mode(0o600)))
            .and_then(|()| f.sync_all())
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
        done.push((name, true));
    }
    Ok((repaired, done))
}

fn io(e: Errno) -> std::io::Error {
    std::io::Error::from(e)
}

/// A password from the kernel's random source, by rejection sampling (no modulo bias).
fn random_secret() -> Result<String, Failure> {
    let mut urandom = fs::File::open("/dev/urandom")
        .map_err(|e| Failure(format!("cannot open /dev/urandom: {e}")))?;
    let mut out = String::with_capacity(LENGTH);
    let limit = 256 - 256 % ALPHABET.len();
    let mut buf = [0u8; 64];
    while out.len() < LENGTH {
        urandom
            .read_exact(&mut buf)
            .map_err(|e| Failure(format!("cannot read /dev/urandom: {e}")))?;
        for &b in &buf {
            if (b as usize) < limit && out.len() < LENGTH {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    Ok(out)
}
