//! `secrets init`: the one command that draws random bytes, and it writes only secret files.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::Failure;

/// The secrets a model names (`turn` only with a TURN server, but harmless without).
const NAMES: [&str; 3] = ["focus", "jvb", "turn"];
/// Letters and digits: safe in every config format and shell, 5.95 bits each.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// 32 characters, about 190 bits.
const LENGTH: usize = 32;

/// Creates each missing secret file in `dir`; returns each name and whether it was created.
pub fn init(dir: &Path) -> Result<Vec<(&'static str, bool)>, Failure> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Failure(format!("cannot create {}: {e}", dir.display())))?;
    let mut done = Vec::new();
    for name in NAMES {
        let path = dir.join(name);
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path);
        match file {
            Ok(mut f) => {
                let secret = random_secret()?;
                f.write_all(secret.as_bytes())
                    .and_then(|()| f.write_all(b"\n"))
                    .and_then(|()| f.sync_all())
                    .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
                fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
                done.push((name, true));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => done.push((name, false)),
            Err(e) => return Err(Failure(format!("cannot create {}: {e}", path.display()))),
        }
    }
    Ok(done)
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
