//! Bounded reads: at most the limit plus one byte from any file, device, FIFO or standard
//! input, so that `validate /dev/zero` is refused after 16 MiB instead of growing without end.

use std::io::Read;

/// Reads `source` to its end, or fails once it has given more than `limit` bytes (having
/// read at most `limit + 1`).
pub fn read_at_most<R: Read>(source: R, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    source.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("it holds more than {limit} bytes"),
        ));
    }
    Ok(bytes)
}

/// Reads at most `limit` bytes of a plain file (a device, FIFO or socket is refused without
/// being read, and opening never blocks); with `follow: false` a symbolic link is refused too.
pub fn read_plain_file(
    path: &std::path::Path,
    limit: u64,
    follow: bool,
) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = rustix::fs::OFlags::NONBLOCK;
    if !follow {
        flags |= rustix::fs::OFlags::NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("it is not a plain file"));
    }
    read_at_most(file, limit)
}
